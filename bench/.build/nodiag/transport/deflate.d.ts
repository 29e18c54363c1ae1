import { type Compressor, type CompressorFactory, type DeflateParams, type Role } from '../core/websocket/index.js';
export interface NodeDeflateOptions {
    /** zlib compression level, 0-9 (or -1 for zlib's default, 6). @default -1 */
    level?: number;
    /** zlib memLevel, 1-9: memory for the compressor's internal state. @default 8 */
    memLevel?: number;
}
/** A {@link Compressor} for one connection, on node:zlib. Check {@link deflateAvailable} first. */
export declare function createDeflateCompressor(params: DeflateParams, role: Role, options?: NodeDeflateOptions): Compressor;
/** {@link createDeflateCompressor} as a {@link CompressorFactory} with zlib's default settings. */
export declare const nodeDeflate: CompressorFactory;
/**
 * Whether this Node.js exposes what {@link createDeflateCompressor} needs. When false, do not
 * offer or accept permessage-deflate.
 */
export declare const deflateAvailable: boolean;

import type { Framing } from './framer.js';
export type LengthWidth = 1 | 2 | 4 | 8 | 'varint';
export interface LengthPrefixOptions {
    /** Size of the length field: 1, 2, 4 or 8 bytes unsigned, or an unsigned LEB128 varint. @default 4 */
    width?: LengthWidth;
    /** Byte order of a fixed-width length field. @default 'big' */
    endian?: 'big' | 'little';
    /**
     * Bytes before the length field (a type byte, a magic number). They are part of the message:
     * `decode` delivers them followed by the payload, `encode` expects the payload to start with them.
     * @default 0
     */
    offset?: number;
    /**
     * Added to the length field's value to get the number of bytes that follow the length field.
     * Use `-(offset + width)` when the length counts the whole header (see `includesHeader`).
     * @default 0
     */
    adjustment?: number;
    /** Shorthand for `adjustment: -(offset + width)`: the length counts the header too. @default false */
    includesHeader?: boolean;
    /** Largest payload (bytes after the length field), in bytes. @default Limits.maxFrameSize (8 MiB) */
    maxFrameSize?: number;
}
/**
 * Length-prefixed frames, as in tokio-util's `LengthDelimitedCodec` or Netty's
 * `LengthFieldBasedFrameDecoder`:
 *
 *     +-----------------+--------------+---------------------------+
 *     | prefix (offset) | length field | payload (length + adjust) |
 *     +-----------------+--------------+---------------------------+
 *
 * A frame whose announced length exceeds `maxFrameSize` fails as soon as its header arrives,
 * before any payload is buffered.
 */
export declare function lengthPrefix(options?: LengthPrefixOptions): Framing;

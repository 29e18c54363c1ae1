import type { Framing } from './framer.js';
/** Every frame is exactly `size` bytes. */
export declare function fixed(size: number): Framing;
/**
 * Looks at the buffered bytes and returns the length of the first whole frame, or `undefined`
 * for "not yet" (links' `Framer::get_frame_length`). The length counts every byte of the frame,
 * header and trailer included; the frame is delivered as those bytes. Returning a length larger
 * than what is buffered means "the frame is this long; wait for the rest".
 */
export type FrameLengthFn = (buffered: Uint8Array) => number | undefined;
export interface CustomOptions {
    /** Largest frame, in bytes. @default Limits.maxFrameSize (8 MiB) */
    maxFrameSize?: number;
    /** Turns a payload into the bytes of a frame. @default the payload as it is */
    encode?: (payload: Uint8Array) => Uint8Array;
    /** For logs. @default 'custom' */
    name?: string;
}
export declare function custom(frameLength: FrameLengthFn, options?: CustomOptions): Framing;
/** One datagram (or one transport message) is one frame. */
export declare function datagram(options?: {
    maxFrameSize?: number;
}): Framing;
/**
 * No framing: each chunk read from the socket is delivered as it came (split at `maxChunk`),
 * and each payload is written as it is. For byte streams whose meaning is up to the user
 * (the clj-tcp model). Chunk boundaries carry no meaning.
 */
export declare function raw(options?: {
    maxChunk?: number;
}): Framing;

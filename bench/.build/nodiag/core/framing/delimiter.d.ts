import type { Framing } from './framer.js';
export interface DelimiterOptions {
    /** Largest frame (without the delimiter), in bytes. @default Limits.maxFrameSize (8 MiB) */
    maxFrameSize?: number;
    /**
     * What to do with a frame longer than `maxFrameSize`: `false` fails with `FRAME_TOO_LARGE`;
     * `true` skips the bytes up to and including the next delimiter, counts them in `skipped`,
     * and carries on with the frame after it.
     * @default false
     */
    recover?: boolean;
    /**
     * Also drop one `\r` before each `\n` delimiter, so `\r\n` lines work with `\n`. A message
     * ending in `\r` is then sent with one more `\r` before the `\n`, which the receiver drops:
     * every delivered frame can be sent back unchanged. Only for the delimiter `"\n"`. @default false
     */
    trimCR?: boolean;
    /** Silently drop empty frames (two delimiters in a row). @default false */
    skipEmpty?: boolean;
}
/**
 * Frames end with a delimiter: one byte (`\n`, `;`) or a sequence (`\r\n`, `end;`).
 *
 *     +---------------------+-----------+
 *     | payload (no delim)  | delimiter |
 *     +---------------------+-----------+
 */
export declare function delimiter(delim: string | Uint8Array, options?: DelimiterOptions): Framing;
/**
 * Newline-terminated frames; one `\r` before the `\n` is dropped (`abc\r\r\n` is `abc\r`), and a
 * message ending in `\r` is sent with `\r\n` so it reads back the same.
 */
export declare function lines(options?: DelimiterOptions): Framing;
export declare function checkMax(maxFrameSize: number): void;

/**
 * Parses the CLI's `--framing` and `--codec` words into core framings and codecs:
 *
 *   lines | delimiter:<text> | length[:1|2|4|8|varint][:le] | fixed:<n> | raw
 *   text | json | bytes | message (WebSocket text as text, binary as binary) | named (eventdispatcher)
 */
import { type Codec, type Framing } from '../core/index.js';
export declare const FRAMING_HELP = "lines | delimiter:<text> (\\n \\r \\t \\0 \\\\ escapes) | length[:1|2|4|8|varint][:le] | fixed:<n> | raw";
export declare const CODEC_HELP = "text | json | bytes | message | named";
/** `\n`, `\r`, `\t`, `\0`, `\\` in a delimiter given on the command line. */
export declare function unescape(s: string): string;
export declare function parseFraming(spec: string, maxFrameSize?: number): Framing;
export type CliCodec = Codec<unknown, unknown>;
export declare function parseCodec(spec: string): CliCodec;
/** A received message as one output line. */
export declare function showMessage(msg: unknown): string;
/** A stdin line as the message to send with `codec`. */
export declare function lineToMessage(line: string, codecName: string): unknown;

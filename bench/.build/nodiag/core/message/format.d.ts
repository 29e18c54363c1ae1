import { Message } from './message.js';
export { serializeMessage, toJson, jsonObject, type MessageJsonObject, type MessageParts } from './serialize.js';
export interface ParseOptions {
    /**
     * Longest input accepted, in UTF-8 bytes (the whole string, blanks included). A security
     * limit: it bounds the work and memory one message can cost.
     * @default Limits.namedMessageMaxLine (64 KiB)
     */
    maxLength?: number;
}
/**
 * Reads one message: the line form, or the JSON form when the trimmed line starts with `{`.
 * Blanks around the message are trimmed (so `\r\n` line ends work). Errors:
 *
 * - `MESSAGE_LINE_TOO_LONG`: more than `maxLength` UTF-8 bytes;
 * - `MESSAGE_SYNTAX`: not the grammar (an empty line included), with the column;
 * - `MESSAGE_INVALID_NAME`: a command, server, service or parameter name breaks its rule.
 */
export declare function parseMessage(line: string, options?: ParseOptions): Message;

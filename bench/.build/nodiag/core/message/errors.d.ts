import { CodecError, ErrorCode, SwitchboardError, type SwitchboardErrorOptions } from '../errors.js';
/** The codes a named message raises when it is built or read (`MESSAGE_*`). */
export type MessageErrorCode = typeof ErrorCode.MESSAGE_INVALID_NAME | typeof ErrorCode.MESSAGE_INVALID_VALUE | typeof ErrorCode.MESSAGE_PARAMETER_MISSING | typeof ErrorCode.MESSAGE_PARAMETER_INVALID;
/** The codes {@link parseMessage} raises. */
export type MessageParseErrorCode = typeof ErrorCode.MESSAGE_SYNTAX | typeof ErrorCode.MESSAGE_INVALID_NAME | typeof ErrorCode.MESSAGE_LINE_TOO_LONG;
/**
 * A named message could not be built (`MESSAGE_INVALID_NAME`, `MESSAGE_INVALID_VALUE`), or a
 * typed getter found a parameter absent or not of its type (`MESSAGE_PARAMETER_MISSING`,
 * `MESSAGE_PARAMETER_INVALID`). A bug in the program or an unexpected peer; never sent anywhere.
 */
export declare class MessageError extends SwitchboardError {
    name: string;
    readonly code: MessageErrorCode;
    constructor(code: MessageErrorCode, message: string, options?: SwitchboardErrorOptions);
}
/**
 * A line (or datagram) is not a named message. `column` is where the problem is: 1-based, in
 * UTF-16 code units of the string given to `parseMessage` (leading blanks included), or
 * `undefined` for `MESSAGE_LINE_TOO_LONG`. It extends `CodecError`, so a connection treats it
 * like any other decode error (`decodeErrors: 'close' | 'skip'`).
 */
export declare class MessageParseError extends CodecError {
    name: string;
    readonly code: MessageParseErrorCode;
    readonly column: number | undefined;
    constructor(code: MessageParseErrorCode, message: string, column: number | undefined, options?: SwitchboardErrorOptions);
}

import { CodecError, ErrorCode, SwitchboardError } from '../errors.js';
/**
 * A named message could not be built (`MESSAGE_INVALID_NAME`, `MESSAGE_INVALID_VALUE`), or a
 * typed getter found a parameter absent or not of its type (`MESSAGE_PARAMETER_MISSING`,
 * `MESSAGE_PARAMETER_INVALID`). A bug in the program or an unexpected peer; never sent anywhere.
 */
export class MessageError extends SwitchboardError {
    name = 'MessageError';
    constructor(code, message, options = {}) {
        super(code, message, options);
    }
}
/**
 * A line (or datagram) is not a named message. `column` is where the problem is: 1-based, in
 * UTF-16 code units of the string given to `parseMessage` (leading blanks included), or
 * `undefined` for `MESSAGE_LINE_TOO_LONG`. It extends `CodecError`, so a connection treats it
 * like any other decode error (`decodeErrors: 'close' | 'skip'`).
 */
export class MessageParseError extends CodecError {
    name = 'MessageParseError';
    column;
    constructor(code, message, column, options = {}) {
        super(code, column === undefined ? message : `at column ${column}: ${message}`, {
            ...options,
            details: { ...options.details, ...(column === undefined ? {} : { column }) },
        });
        this.column = column;
    }
}

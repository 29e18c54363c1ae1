/**
 * Every error Switchboard raises carries a stable `code` from {@link ErrorCode}.
 * The table in docs/errors.md lists them all; a test keeps the two in step.
 *
 * Messages say what was seen and what was expected. They are for the local log:
 * nothing here is ever written to the peer.
 */
export declare const ErrorCode: {
    readonly FRAME_TOO_LARGE: "FRAME_TOO_LARGE";
    readonly FRAME_TRUNCATED: "FRAME_TRUNCATED";
    readonly FRAME_INVALID: "FRAME_INVALID";
    readonly DECODE_FAILED: "DECODE_FAILED";
    readonly INVALID_UTF8: "INVALID_UTF8";
    readonly INVALID_JSON: "INVALID_JSON";
    readonly ENCODE_FAILED: "ENCODE_FAILED";
    readonly MESSAGE_TOO_LARGE: "MESSAGE_TOO_LARGE";
    readonly INVALID_ADDRESS: "INVALID_ADDRESS";
    readonly INVALID_OPTION: "INVALID_OPTION";
    readonly CONNECT_TIMEOUT: "CONNECT_TIMEOUT";
    readonly CONNECT_FAILED: "CONNECT_FAILED";
    readonly HANDSHAKE_TIMEOUT: "HANDSHAKE_TIMEOUT";
    readonly HANDSHAKE_REJECTED: "HANDSHAKE_REJECTED";
    readonly CONNECTION_CLOSED: "CONNECTION_CLOSED";
    readonly CONNECTION_RESET: "CONNECTION_RESET";
    readonly TRANSPORT_ERROR: "TRANSPORT_ERROR";
    readonly HEARTBEAT_TIMEOUT: "HEARTBEAT_TIMEOUT";
    readonly IDLE_TIMEOUT: "IDLE_TIMEOUT";
    readonly CLOSE_TIMEOUT: "CLOSE_TIMEOUT";
    readonly SEND_OVERFLOW: "SEND_OVERFLOW";
    readonly RECEIVE_MODE_CONFLICT: "RECEIVE_MODE_CONFLICT";
    readonly RECEIVE_TIMEOUT: "RECEIVE_TIMEOUT";
    readonly RECEIVE_OVERFLOW: "RECEIVE_OVERFLOW";
    readonly PING_TIMEOUT: "PING_TIMEOUT";
    readonly HOOK_FAILED: "HOOK_FAILED";
    readonly FIRST_MESSAGE_TIMEOUT: "FIRST_MESSAGE_TIMEOUT";
    readonly MEMORY_BUDGET_EXCEEDED: "MEMORY_BUDGET_EXCEEDED";
    readonly MAX_CONNECTIONS: "MAX_CONNECTIONS";
    readonly SERVER_CLOSED: "SERVER_CLOSED";
    readonly LISTEN_FAILED: "LISTEN_FAILED";
    readonly MESSAGE_INVALID_NAME: "MESSAGE_INVALID_NAME";
    readonly MESSAGE_INVALID_VALUE: "MESSAGE_INVALID_VALUE";
    readonly MESSAGE_SYNTAX: "MESSAGE_SYNTAX";
    readonly MESSAGE_LINE_TOO_LONG: "MESSAGE_LINE_TOO_LONG";
    readonly MESSAGE_PARAMETER_MISSING: "MESSAGE_PARAMETER_MISSING";
    readonly MESSAGE_PARAMETER_INVALID: "MESSAGE_PARAMETER_INVALID";
    readonly WS_INVALID_FRAME: "WS_INVALID_FRAME";
    readonly WS_INVALID_CLOSE: "WS_INVALID_CLOSE";
    readonly WS_INVALID_UTF8: "WS_INVALID_UTF8";
    readonly WS_INFLATE_FAILED: "WS_INFLATE_FAILED";
    readonly WS_MESSAGE_TOO_LARGE: "WS_MESSAGE_TOO_LARGE";
    readonly WS_BAD_REQUEST: "WS_BAD_REQUEST";
    readonly WS_HEAD_TOO_LARGE: "WS_HEAD_TOO_LARGE";
    readonly WS_UNSUPPORTED_VERSION: "WS_UNSUPPORTED_VERSION";
    readonly WS_HANDSHAKE_REFUSED: "WS_HANDSHAKE_REFUSED";
    readonly WS_HANDSHAKE_FAILED: "WS_HANDSHAKE_FAILED";
    readonly WS_INVALID_ARGUMENT: "WS_INVALID_ARGUMENT";
    readonly DISPATCH_HANDLER_FAILED: "DISPATCH_HANDLER_FAILED";
    readonly DISPATCH_INVALID_PARAMETERS: "DISPATCH_INVALID_PARAMETERS";
    readonly DISPATCH_OVERLOADED: "DISPATCH_OVERLOADED";
    readonly ENVELOPE_INVALID: "ENVELOPE_INVALID";
    readonly SESSION_PROTOCOL_ERROR: "SESSION_PROTOCOL_ERROR";
    readonly SESSION_VERSION_UNSUPPORTED: "SESSION_VERSION_UNSUPPORTED";
    readonly SESSION_FORBIDDEN: "SESSION_FORBIDDEN";
    readonly SESSION_UNKNOWN: "SESSION_UNKNOWN";
    readonly SESSION_EXPIRED: "SESSION_EXPIRED";
    readonly SESSION_ENDED: "SESSION_ENDED";
    readonly REQUEST_TIMEOUT: "REQUEST_TIMEOUT";
    readonly REQUEST_ABORTED: "REQUEST_ABORTED";
    readonly REQUEST_FAILED: "REQUEST_FAILED";
    readonly NO_HANDLER: "NO_HANDLER";
    readonly TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS";
    readonly SECRET_CODE_MISMATCH: "SECRET_CODE_MISMATCH";
    readonly DATAGRAM_QUEUE_FULL: "DATAGRAM_QUEUE_FULL";
    readonly UNIXGRAM_UNAVAILABLE: "UNIXGRAM_UNAVAILABLE";
};
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export interface SwitchboardErrorOptions {
    cause?: unknown;
    /** Extra facts for the local log (address, attempts, sizes...). Never sent to the peer. */
    details?: Record<string, unknown>;
    /** The WebSocket close code this error closes a connection with (RFC 6455 7.4), where one applies. */
    closeCode?: number;
}
/** Base class of every error Switchboard raises. Match on `code`, not on the message text. */
export declare class SwitchboardError extends Error {
    name: string;
    readonly code: ErrorCode;
    readonly details: Record<string, unknown> | undefined;
    /** The WebSocket close code sent to the peer when this error closes a WebSocket connection. */
    readonly closeCode: number | undefined;
    constructor(code: ErrorCode, message: string, options?: SwitchboardErrorOptions);
}
/** Bytes on the wire do not form a valid frame. */
export declare class FramingError extends SwitchboardError {
    name: string;
}
/** A frame's payload could not be turned into a message, or a message into bytes. */
export declare class CodecError extends SwitchboardError {
    name: string;
}
/** Bad options or a bad address given by the program (not by the peer). */
export declare class ConfigError extends SwitchboardError {
    name: string;
}
/** Getting connected failed: timeout, refused, handshake hook rejected. */
export declare class ConnectError extends SwitchboardError {
    name: string;
}
/** Something went wrong on an established connection. */
export declare class ConnectionError extends SwitchboardError {
    name: string;
}
/** A server could not listen, or refused a connection. */
export declare class ServerError extends SwitchboardError {
    name: string;
}
export declare function isSwitchboardError(err: unknown): err is SwitchboardError;
/** Human-readable byte counts for error messages: `70000 bytes`. */
export declare function bytes(n: number): string;

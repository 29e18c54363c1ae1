import { ErrorCode, SwitchboardError, type SwitchboardErrorOptions } from '../errors.js';
/**
 * A session broke down: bytes that are not an envelope (`ENVELOPE_INVALID`), an envelope that
 * breaks the protocol (`SESSION_PROTOCOL_ERROR`, `TOO_MANY_REQUESTS`), a version we do not speak
 * (`SESSION_VERSION_UNSUPPORTED`), a resume with the wrong secret (`SESSION_FORBIDDEN`), a session
 * the server no longer has (`SESSION_UNKNOWN`, `SESSION_EXPIRED`) or one the peer ended
 * (`SESSION_ENDED`). The message is for the local log; the peer sees at most the code.
 */
export declare class SessionError extends SwitchboardError {
    name: string;
}
/**
 * A request did not get a reply. `code` is `REQUEST_TIMEOUT`, `REQUEST_ABORTED`,
 * `CONNECTION_CLOSED`, `SESSION_UNKNOWN`, `TOO_MANY_REQUESTS` (the local limit) or, when the peer
 * answered with an error, the peer's code if it is one of ours (`NO_HANDLER`,
 * `TOO_MANY_REQUESTS`, `REQUEST_ABORTED`...) and `REQUEST_FAILED` otherwise. `remoteCode` is the
 * code exactly as the peer sent it (an application's own `NOT_FOUND`...), or `undefined` when the
 * error was raised locally.
 */
export declare class RequestError extends SwitchboardError {
    name: string;
    /** The code the peer's ERR envelope carried; `undefined` for errors raised on this side. */
    readonly remoteCode: string | undefined;
    /** The request id (per session side, from 1). */
    readonly requestId: number;
    constructor(code: ErrorCode, message: string, requestId: number, remoteCode?: string, options?: SwitchboardErrorOptions);
}
/** The local code for a code received in an ERR envelope: ours when we know it, else `REQUEST_FAILED`. */
export declare function localCodeFor(remoteCode: string): ErrorCode;

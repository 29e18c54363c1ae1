import { ErrorCode, SwitchboardError } from '../errors.js';
/**
 * A session broke down: bytes that are not an envelope (`ENVELOPE_INVALID`), an envelope that
 * breaks the protocol (`SESSION_PROTOCOL_ERROR`, `TOO_MANY_REQUESTS`), a version we do not speak
 * (`SESSION_VERSION_UNSUPPORTED`), a resume with the wrong secret (`SESSION_FORBIDDEN`), a session
 * the server no longer has (`SESSION_UNKNOWN`, `SESSION_EXPIRED`) or one the peer ended
 * (`SESSION_ENDED`). The message is for the local log; the peer sees at most the code.
 */
export class SessionError extends SwitchboardError {
    name = 'SessionError';
}
/**
 * A request did not get a reply. `code` is `REQUEST_TIMEOUT`, `REQUEST_ABORTED`,
 * `CONNECTION_CLOSED`, `SESSION_UNKNOWN`, `TOO_MANY_REQUESTS` (the local limit) or, when the peer
 * answered with an error, the peer's code if it is one of ours (`NO_HANDLER`,
 * `TOO_MANY_REQUESTS`, `REQUEST_ABORTED`...) and `REQUEST_FAILED` otherwise. `remoteCode` is the
 * code exactly as the peer sent it (an application's own `NOT_FOUND`...), or `undefined` when the
 * error was raised locally.
 */
export class RequestError extends SwitchboardError {
    name = 'RequestError';
    /** The code the peer's ERR envelope carried; `undefined` for errors raised on this side. */
    remoteCode;
    /** The request id (per session side, from 1). */
    requestId;
    constructor(code, message, requestId, remoteCode, options = {}) {
        super(code, message, options);
        this.requestId = requestId;
        this.remoteCode = remoteCode;
    }
}
const KNOWN = new Set(Object.values(ErrorCode));
/** The local code for a code received in an ERR envelope: ours when we know it, else `REQUEST_FAILED`. */
export function localCodeFor(remoteCode) {
    return KNOWN.has(remoteCode) ? remoteCode : ErrorCode.REQUEST_FAILED;
}

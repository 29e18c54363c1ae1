import { SwitchboardError } from '../errors.js';
/**
 * The peer broke RFC 6455 / RFC 7692 on an open connection. `closeCode` is the status code the
 * protocol put in the close frame it sent (RFC 6455 7.4.1): 1002 protocol error, 1007 invalid
 * payload data, 1009 message too big. The message is for the local log; the close frame carries
 * only the code and a short fixed reason.
 */
export class WebSocketError extends SwitchboardError {
    name = 'WebSocketError';
    constructor(code, message, closeCode, options = {}) {
        // The base class keeps the close code (SwitchboardError.closeCode); here it is always set.
        super(code, message, { ...options, closeCode });
    }
}
/**
 * The opening handshake failed.
 *
 * On a server, `status` is the HTTP status to answer with (400, 405, 414, 426, 431, or the one a
 * user check chose) and `headers` the extra header fields that answer must carry
 * (`Sec-WebSocket-Version: 13` with a 426). `httpErrorResponse(err.status, err.headers)` builds
 * it. On a client, `status` is the status the server answered (0 when the answer was not HTTP).
 */
export class HandshakeError extends SwitchboardError {
    name = 'HandshakeError';
    status;
    headers;
    /** Client side: the server's response head, when one was read (a 401's `WWW-Authenticate`...). */
    response;
    constructor(code, message, status, options = {}) {
        super(code, message, options);
        this.status = status;
        this.headers = options.headers ?? {};
        this.response = options.response;
    }
}

import { SwitchboardError, type ErrorCode, type SwitchboardErrorOptions } from '../errors.js';
import type { HttpResponseHead } from './http-head.js';
/**
 * The peer broke RFC 6455 / RFC 7692 on an open connection. `closeCode` is the status code the
 * protocol put in the close frame it sent (RFC 6455 7.4.1): 1002 protocol error, 1007 invalid
 * payload data, 1009 message too big. The message is for the local log; the close frame carries
 * only the code and a short fixed reason.
 */
export declare class WebSocketError extends SwitchboardError {
    name: string;
    readonly closeCode: number;
    constructor(code: ErrorCode, message: string, closeCode: number, options?: SwitchboardErrorOptions);
}
/**
 * The opening handshake failed.
 *
 * On a server, `status` is the HTTP status to answer with (400, 405, 414, 426, 431, or the one a
 * user check chose) and `headers` the extra header fields that answer must carry
 * (`Sec-WebSocket-Version: 13` with a 426). `httpErrorResponse(err.status, err.headers)` builds
 * it. On a client, `status` is the status the server answered (0 when the answer was not HTTP).
 */
export declare class HandshakeError extends SwitchboardError {
    name: string;
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    /** Client side: the server's response head, when one was read (a 401's `WWW-Authenticate`...). */
    readonly response: HttpResponseHead | undefined;
    constructor(code: ErrorCode, message: string, status: number, options?: SwitchboardErrorOptions & {
        headers?: Record<string, string>;
        response?: HttpResponseHead;
    });
}

/**
 * A WebSocket connection's `meta`: the request path, the subprotocol, whether messages are
 * compressed, the origin (server side), and the handshake's headers with lower-case names (the
 * request's on a server, the answer's on a client).
 *
 * The headers are kept as one string and turned into an object the first time they are read, so
 * an idle connection does not hold an object and two strings per header (~1 KiB for a browser's
 * request). Field values cannot contain CR or LF (the handshake parser refuses them), so '\n'
 * separates names and values.
 */
export declare class WebSocketMeta {
    #private;
    readonly path: string;
    readonly subprotocol: string | undefined;
    readonly compression: boolean;
    readonly origin: string | undefined;
    constructor(fields: {
        path: string;
        subprotocol: string | undefined;
        compression: boolean;
        origin?: string | undefined;
    }, headers: ReadonlyArray<readonly [string, string]>);
    /** The handshake's headers by lower-case name; a repeated header keeps its last value. */
    get headers(): Readonly<Record<string, string>>;
    toJSON(): Record<string, unknown>;
    /** As a connection's `meta` (a record of facts). */
    asMeta(): Readonly<Record<string, unknown>>;
}

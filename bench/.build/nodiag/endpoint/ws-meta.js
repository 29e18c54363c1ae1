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
export class WebSocketMeta {
    path;
    subprotocol;
    compression;
    origin;
    #raw;
    #headers;
    constructor(fields, headers) {
        this.path = fields.path;
        this.subprotocol = fields.subprotocol;
        this.compression = fields.compression;
        this.origin = fields.origin;
        this.#raw = headers.map(([k, v]) => `${k.toLowerCase()}\n${v}`).join('\n');
    }
    /** The handshake's headers by lower-case name; a repeated header keeps its last value. */
    get headers() {
        if (this.#headers === undefined) {
            const out = {};
            if (this.#raw !== '') {
                const parts = this.#raw.split('\n');
                for (let i = 0; i + 1 < parts.length; i += 2)
                    out[parts[i]] = parts[i + 1];
            }
            this.#headers = out;
        }
        return this.#headers;
    }
    toJSON() {
        return { path: this.path, subprotocol: this.subprotocol, compression: this.compression, origin: this.origin, headers: this.headers };
    }
    /** As a connection's `meta` (a record of facts). */
    asMeta() {
        return this;
    }
}

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
  readonly path: string;
  readonly subprotocol: string | undefined;
  readonly compression: boolean;
  readonly origin: string | undefined;
  #raw: string;
  #headers: Readonly<Record<string, string>> | undefined;

  constructor(
    fields: { path: string; subprotocol: string | undefined; compression: boolean; origin?: string | undefined },
    headers: ReadonlyArray<readonly [string, string]>,
  ) {
    this.path = fields.path;
    this.subprotocol = fields.subprotocol;
    this.compression = fields.compression;
    this.origin = fields.origin;
    this.#raw = headers.map(([k, v]) => `${k.toLowerCase()}\n${v}`).join('\n');
  }

  /** The handshake's headers by lower-case name; a repeated header keeps its last value. */
  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === undefined) {
      const out: Record<string, string> = {};
      if (this.#raw !== '') {
        const parts = this.#raw.split('\n');
        for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]!] = parts[i + 1]!;
      }
      this.#headers = out;
    }
    return this.#headers;
  }

  toJSON(): Record<string, unknown> {
    return { path: this.path, subprotocol: this.subprotocol, compression: this.compression, origin: this.origin, headers: this.headers };
  }

  /** As a connection's `meta` (a record of facts). */
  asMeta(): Readonly<Record<string, unknown>> {
    return this as unknown as Readonly<Record<string, unknown>>;
  }
}

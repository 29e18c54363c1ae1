import { type DeflateOptions, type DeflateParams, type Extension } from './deflate.js';
import { HandshakeError } from './errors.js';
import { type HttpHeadLimits, type HttpRequestHead, type HttpResponseHead } from './http-head.js';
/** SHA-1 of `data` (20 bytes). Injected: the core does no hashing. */
export type Sha1 = (data: Uint8Array) => Uint8Array;
/** `n` cryptographically random bytes. Injected: the core has no entropy source. */
export type RandomBytes = (n: number) => Uint8Array;
/** RFC 6455 1.3: the GUID appended to the key before hashing. */
export declare const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** RFC 6455 4.2.2 (5.4): `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)). */
export declare function acceptKey(key: string, sha1: Sha1): string;
/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64 (RFC 6455 4.1). */
export declare function generateKey(random: RandomBytes): string;
/**
 * A complete HTTP error answer: status line, `Connection: close`, a plain-text body holding only
 * the reason phrase, and `headers` (for example `Sec-WebSocket-Version: 13` with 426). Write it,
 * then close the connection.
 */
export declare function httpErrorResponse(status: number, headers?: Readonly<Record<string, string>>): Uint8Array;
/** The answer to a {@link HandshakeError} raised while reading or checking a request. */
export declare function handshakeErrorResponse(error: HandshakeError): Uint8Array;
/** A valid WebSocket upgrade request (RFC 6455 4.2.1). */
export interface UpgradeRequest {
    head: HttpRequestHead;
    /** The request target: path and query, `/chat?room=1`. */
    path: string;
    host: string;
    /** `Origin`, sent by browsers (RFC 6455 10.2). */
    origin: string | undefined;
    key: string;
    /** `Sec-WebSocket-Protocol` values, in the client's order of preference. */
    subprotocols: string[];
    /** `Sec-WebSocket-Extensions` offers, in order. */
    extensions: Extension[];
}
/**
 * Checks a request head against RFC 6455 4.2.1. Throws a {@link HandshakeError} whose `status`
 * and `headers` make the answer (`handshakeErrorResponse(err)`):
 * - 405 with `Allow: GET` for another method;
 * - 400 for HTTP older than 1.1, a target not starting with `/`, no `Host` or several, a
 *   `Sec-WebSocket-Key` that is not 16 bytes in base64, malformed protocol or extension lists;
 * - 426 with `Upgrade: websocket` when `Upgrade: websocket` or `Connection: Upgrade` is missing
 *   (a plain HTTP request);
 * - 426 with `Sec-WebSocket-Version: 13` (`WS_UNSUPPORTED_VERSION`) for another version.
 */
export declare function parseUpgradeRequest(head: HttpRequestHead): UpgradeRequest;
/** How a server refuses a request: 401 (with `WWW-Authenticate`), 403, 404, 429, 503... */
export interface HandshakeRefusal {
    status: number;
    /** Extra answer headers, such as `WWW-Authenticate` with 401 or `Retry-After` with 503. */
    headers?: Record<string, string>;
}
export interface AcceptOptions {
    sha1: Sha1;
    /** Subprotocols the server speaks. The first one the client offered (client's order) is chosen. */
    subprotocols?: readonly string[];
    /** Chooses the subprotocol instead of `subprotocols`; must return one of `offered`, or `undefined` for none. */
    selectSubprotocol?: (offered: readonly string[], request: UpgradeRequest) => string | undefined;
    /** Accept permessage-deflate offers. Only pass it when a {@link CompressorFactory} is at hand. @default false */
    deflate?: DeflateOptions | boolean;
    /** Extra headers for the 101 answer. */
    headers?: Record<string, string>;
}
export interface AcceptedUpgrade {
    /** The 101 answer to write. */
    response: Uint8Array;
    subprotocol: string | undefined;
    /** The agreed permessage-deflate parameters, or `undefined`: no compression. */
    deflate: DeflateParams | undefined;
}
/** Builds the 101 answer to a valid request: accept key, subprotocol choice, extension negotiation. */
export declare function acceptUpgrade(request: UpgradeRequest, options: AcceptOptions): AcceptedUpgrade;
export interface ServerHandshakeOptions extends AcceptOptions {
    /**
     * Decides whether to accept a valid request (path routing, `Origin`, credentials). Return
     * `undefined` to accept, or a refusal: `{ status: 404 }`, `{ status: 401, headers: {
     * 'WWW-Authenticate': 'Basic realm="x"' } }`. For an asynchronous check, use the pieces
     * directly: `requestHeadReader()`, `parseUpgradeRequest()`, then `acceptUpgrade()` or
     * `httpErrorResponse()`.
     */
    check?: (request: UpgradeRequest) => HandshakeRefusal | undefined;
    limits?: HttpHeadLimits;
}
export type ServerHandshakeResult = {
    ok: true;
    request: UpgradeRequest;
    /** The 101 answer to write before any frame. */
    response: Uint8Array;
    subprotocol: string | undefined;
    deflate: DeflateParams | undefined;
    /** Bytes received after the request head (early frames): feed them to the protocol. */
    rest: Uint8Array;
} | {
    ok: false;
    /** The error answer to write; then close the connection. */
    response: Uint8Array;
    /** Why, for the local log. */
    error: HandshakeError;
    request: UpgradeRequest | undefined;
};
/**
 * The server's side of the handshake as one object:
 *
 *     const hs = new ServerHandshake({ sha1, subprotocols: ['chat'], deflate: true });
 *     const r = hs.receive(chunk);          // undefined: not yet
 *     if (r) { write(r.response); if (!r.ok) end(); else startProtocol(r.deflate, r.rest); }
 */
export declare class ServerHandshake {
    private readonly reader;
    private readonly options;
    private finished;
    constructor(options: ServerHandshakeOptions);
    /** Feeds received bytes (ownership passes to the handshake). `undefined` until the head is complete. */
    receive(chunk: Uint8Array): ServerHandshakeResult | undefined;
}
export interface ClientHandshakeOptions {
    /** `ws://` or `wss://` URL. User info (`ws://user:pass@host/`) becomes `Authorization: Basic`. */
    url: string | URL;
    sha1: Sha1;
    random: RandomBytes;
    /** `Origin` header (browsers always send one). @default none */
    origin?: string;
    /** Subprotocols to offer, most preferred first. @default none */
    subprotocols?: readonly string[];
    /** Offer permessage-deflate. Only pass it when a {@link CompressorFactory} is at hand. @default false */
    deflate?: DeflateOptions | boolean;
    /** Extra request headers. `Host`, `Origin` and `Authorization` here replace the computed ones. */
    headers?: Record<string, string>;
    limits?: HttpHeadLimits;
}
export interface ClientHandshakeResult {
    response: HttpResponseHead;
    subprotocol: string | undefined;
    deflate: DeflateParams | undefined;
    /** Bytes received after the response head (frames the server sent at once): feed them to the protocol. */
    rest: Uint8Array;
}
/**
 * The client's side of the handshake:
 *
 *     const hs = new ClientHandshake({ url: 'ws://localhost:8080/chat', sha1, random });
 *     write(hs.request);
 *     const r = hs.receive(chunk);   // undefined: not yet; throws HandshakeError
 *     if (r) startProtocol(r.deflate, r.rest);
 */
export declare class ClientHandshake {
    /** The request bytes to write. */
    readonly request: Uint8Array;
    /** The `Sec-WebSocket-Key` sent. */
    readonly key: string;
    /** The host and port to connect to, and whether TLS is needed (`wss:`). */
    readonly target: {
        host: string;
        port: number;
        secure: boolean;
        path: string;
    };
    private readonly reader;
    private readonly options;
    private readonly deflateOptions;
    private finished;
    constructor(options: ClientHandshakeOptions);
    /**
     * Feeds received bytes (ownership passes to the handshake). `undefined` until the response
     * head is complete. Throws a {@link HandshakeError}: `WS_HANDSHAKE_REFUSED` when the server
     * answered with another status than 101 (`status` is that status, `response` the head),
     * `WS_HANDSHAKE_FAILED` when the 101 answer breaks RFC 6455 4.2.2 / RFC 7692, or
     * `WS_HEAD_TOO_LARGE`.
     */
    receive(chunk: Uint8Array): ClientHandshakeResult | undefined;
    private check;
}

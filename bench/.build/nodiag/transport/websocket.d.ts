/**
 * The WebSocket opening handshake over a stream socket (RFC 6455 4): the client's upgrade and the
 * server's answer, on top of the sans-I/O handshake in core/websocket. After it, the socket
 * carries WebSocket frames and belongs to a Connection with a WebSocket framing.
 */
import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import { type DeflateOptions, type DeflateParams, type HandshakeRefusal, type HttpHeadLimits, type HttpRequestHead, type HttpResponseHead, type UpgradeRequest, type WebSocketLimits } from '../core/websocket/index.js';
import { type SwitchboardError } from '../core/index.js';
import { StreamSocket, type SocketOptions } from './stream.js';
import { nodeRandom, nodeSha1 } from './ws-crypto.js';
export { nodeRandom, nodeSha1 };
export type { Server as HttpServer, IncomingMessage } from 'node:http';
export type { Socket as NetSocket } from 'node:net';
/** Client-side WebSocket options. */
export interface WebSocketClientOptions {
    /** `Origin` header to send. @default none */
    origin?: string;
    /** Subprotocols to offer, most preferred first. @default none */
    subprotocols?: readonly string[];
    /** Extra request headers. */
    headers?: Record<string, string>;
    /** Offer permessage-deflate (RFC 7692). @default true when node:zlib supports it */
    compression?: boolean | DeflateOptions;
    /** Limits on the server's answer head. */
    httpLimits?: HttpHeadLimits;
    /** Limits on received messages and frames. @default Limits.wsMaxMessageSize / wsMaxFrameSize / wsMaxFragments / wsCompressionThreshold */
    limits?: WebSocketLimits;
}
export interface UpgradedClient {
    sock: StreamSocket;
    /** Frames that arrived with the answer. */
    rest: Uint8Array;
    response: HttpResponseHead;
    subprotocol: string | undefined;
    deflate: DeflateParams | undefined;
    path: string;
}
/** True for `ws://` and `wss://` URLs. */
export declare function isWebSocketUrl(url: string): boolean;
/**
 * One attempt: connects TCP (or TLS for `wss://`), sends the upgrade request and reads the
 * answer. Rejects with `CONNECT_FAILED` (cause: the system error, or a `HandshakeError` for a
 * refused or invalid answer).
 */
export declare function dialWebSocket(url: string, options: WebSocketClientOptions & SocketOptions, signal?: AbortSignal): Promise<UpgradedClient>;
/** Server-side WebSocket options. */
export interface WebSocketServerOptions {
    /**
     * Decides on each valid upgrade request before the handshake completes: check `origin`,
     * credentials (`request.head.headers.get('authorization')`), `path`. Return (or resolve)
     * `undefined` to accept, or a refusal such as `{ status: 403 }` or `{ status: 401, headers: {
     * 'WWW-Authenticate': 'Basic realm="app"' } }`. @default accept every request for the path
     */
    verify?: (request: UpgradeRequest) => HandshakeRefusal | undefined | Promise<HandshakeRefusal | undefined>;
    /** Subprotocols this server speaks; the first the client offered is chosen. @default none */
    subprotocols?: readonly string[];
    /** Accept permessage-deflate offers (RFC 7692). @default true when node:zlib supports it */
    compression?: boolean | DeflateOptions;
    /** Extra headers for the 101 answer. */
    headers?: Record<string, string>;
    /** Limits on the request head. @default Limits.httpMaxLineLength / httpMaxHeaders / httpMaxHeadSize */
    httpLimits?: HttpHeadLimits;
    /** Limits on received messages and frames. @default Limits.wsMaxMessageSize / wsMaxFrameSize / wsMaxFragments / wsCompressionThreshold */
    limits?: WebSocketLimits;
}
/** Checks `websocket.limits` before any socket is opened (`INVALID_OPTION`): known names, and numbers in range. */
export declare function checkWebSocketLimits(limits: WebSocketLimits | undefined): void;
export type ServerUpgrade = {
    ok: true;
    rest: Uint8Array;
    request: UpgradeRequest;
    subprotocol: string | undefined;
    deflate: DeflateParams | undefined;
} | {
    ok: false;
    error: SwitchboardError;
};
/**
 * Reads the upgrade request from a fresh socket and answers it: 101, or an HTTP error (400, 404,
 * 405, 426, 431, or the status `verify` chose) followed by closing the socket. `timeoutMs`
 * bounds the whole exchange (a slowloris peer is destroyed). Never rejects.
 */
export declare function acceptWebSocket(sock: StreamSocket, options: WebSocketServerOptions & {
    path?: string;
    timeoutMs: number;
}): Promise<ServerUpgrade>;
type Answer = {
    ok: true;
    request: UpgradeRequest;
    response: Uint8Array;
    subprotocol: string | undefined;
    deflate: DeflateParams | undefined;
} | {
    ok: false;
    response: Uint8Array;
    error: SwitchboardError;
};
/** Validates a request head, asks `verify`, and builds the 101 or the error answer. */
export declare function answer(head: HttpRequestHead, options: WebSocketServerOptions & {
    path?: string;
}): Promise<Answer>;
/** A request node:http already parsed (its `upgrade` event), as the core's request head. */
export declare function headFromIncoming(req: IncomingMessage): HttpRequestHead;
/** Wraps a socket node:http handed over in its `upgrade` event. */
export declare function socketFromUpgrade(socket: net.Socket): StreamSocket;
/** The compressor factory for negotiated parameters (node:zlib). */
export declare function compressorFor(params: DeflateParams | undefined, role: 'client' | 'server'): (() => import("../core/websocket/deflate.js").Compressor) | undefined;

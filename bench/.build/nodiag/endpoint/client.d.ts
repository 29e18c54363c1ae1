import { type Protocol, type ProtocolSpec } from '../core/index.js';
import { type SocketOptions } from '../transport/stream.js';
import { type WebSocketClientOptions } from '../transport/websocket.js';
import type { Codec } from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import { Connection, type ConnectionOptions } from './connection.js';
export interface ConnectOptions<In, Out> extends ConnectionOptions, SocketOptions {
    /**
     * Framing + codec + hooks. @default lines + JSON on byte streams; on WebSocket, the `message`
     * codec (text frames as strings, binary frames as bytes). On WebSocket the protocol's framing
     * is not used (each WebSocket message is one frame) and may be left out; on a byte stream a
     * protocol without one uses `lines()`.
     */
    protocol?: ProtocolSpec<In, Out>;
    /** Shorthand for `protocol: { framing: lines(), codec }` (on WebSocket: just the codec). */
    codec?: Codec<In, Out>;
    /** `ws://` / `wss://` only: origin, subprotocols, extra headers, compression, limits. */
    websocket?: WebSocketClientOptions;
    callbacks?: Callbacks<In, Out>;
    /** Shown in the connection's identity: `clt(name@...)`. */
    name?: string;
    /**
     * Total time allowed to get the transport connected, all attempts together, in ms. The
     * protocol's `onConnect` handshake then has its own `handshakeTimeout`.
     * @default Limits.connectTimeout (10000)
     */
    timeout?: number;
    /**
     * Pause between failed attempts, in ms (links' `retry_after`). Unset: one attempt only, so a
     * refused connection fails at once with `CONNECT_FAILED`. @default undefined
     */
    retryAfter?: number;
    /** Aborts connecting (the promise rejects with the signal's reason). */
    signal?: AbortSignal;
}
/**
 * Connects to `tcp://host:port`, `tls://host:port` or `unix:///path` and resolves with an open
 * connection (after the protocol's `onConnect` handshake, if it has one).
 *
 * With `retryAfter`, failed attempts are retried until `timeout` runs out; then the promise
 * rejects with `CONNECT_TIMEOUT`, naming the address, the number of attempts and the last error.
 */
export declare function connect<In = unknown, Out = In>(url: string, options?: ConnectOptions<In, Out>): Promise<Connection<In, Out>>;
/** The protocol a connection runs: the given one, or a default for the transport. */
export declare function resolveProtocol<In, Out>(options: {
    protocol?: ProtocolSpec<In, Out>;
    codec?: Codec<In, Out>;
}, ws: boolean): Protocol<In, Out>;
/** A URL without its user info (credentials never go to logs). */
export declare function redactUrl(url: string): string;

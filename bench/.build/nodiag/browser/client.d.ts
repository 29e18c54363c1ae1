import { type Codec } from '../core/codec.js';
import { Connection, type BrowserProtocol, type Callbacks, type ConnectionOptions, type WebSocketOptions } from './connection.js';
export interface ConnectOptions<In, Out> extends ConnectionOptions {
    /** Codec + heartbeat + autoReply. @default the `message` codec (text frames as strings, binary frames as bytes) */
    protocol?: BrowserProtocol<In, Out>;
    /** Shorthand for `protocol: { codec }`. */
    codec?: Codec<In, Out>;
    /** Subprotocols and the received message size limit. (Origin and headers are the browser's to set.) */
    websocket?: WebSocketOptions;
    callbacks?: Callbacks<In, Out>;
    /** Shown in the connection's name: `clt(name@url)`. */
    name?: string;
    /** Total time allowed to get connected, all attempts together, in ms. @default Limits.connectTimeout (10000) */
    timeout?: number;
    /** Pause between failed attempts, in ms. Unset: one attempt only (`CONNECT_FAILED` at once). @default undefined */
    retryAfter?: number;
    /** Aborts connecting (the promise rejects with the signal's reason). */
    signal?: AbortSignal;
}
/** The protocol a connection runs: the given one, or the codec, or the `message` codec. */
export declare function resolveProtocol<In, Out>(options: {
    protocol?: BrowserProtocol<In, Out>;
    codec?: Codec<In, Out>;
}): BrowserProtocol<In, Out>;
/** Checks options before any socket is opened (`INVALID_OPTION`). */
export declare function checkOptions(o: ConnectOptions<unknown, never> & {
    attemptTimeout?: number;
}): void;
/**
 * Opens a WebSocket to `ws://` / `wss://` `url` and resolves with an open connection. With
 * `retryAfter`, failed attempts are retried until `timeout` runs out (`CONNECT_TIMEOUT`, naming
 * the URL and the number of attempts); without, the first failure is `CONNECT_FAILED`. A browser
 * does not say why a WebSocket failed (refused, DNS, TLS, HTTP status all look the same to a
 * page), so neither can these errors.
 */
export declare function connect<In = string | Uint8Array, Out = In>(url: string, options?: ConnectOptions<In, Out>): Promise<Connection<In, Out>>;

import { type Address, type Protocol, type ProtocolSpec } from '../core/index.js';
import { type ListenOptions as SocketListenOptions } from '../transport/stream.js';
import { type HttpServer, type WebSocketServerOptions } from '../transport/websocket.js';
import type { Codec } from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { Meter, type MetricsSnapshot } from './metrics.js';
export interface ListenOptions<In, Out> extends ConnectionOptions, SocketListenOptions {
    /**
     * Framing + codec + hooks. @default lines + JSON on byte streams; on WebSocket, the `message`
     * codec (text frames as strings, binary frames as bytes), and the framing is not used (it may
     * be left out; on a byte stream a protocol without one uses `lines()`).
     */
    protocol?: ProtocolSpec<In, Out>;
    /** Shorthand for `protocol: { framing: lines(), codec }` (on WebSocket: just the codec). */
    codec?: Codec<In, Out>;
    /** `ws://` / `wss://` only: `verify` hook (origin, credentials, path), subprotocols, compression, limits. */
    websocket?: WebSocketServerOptions;
    callbacks?: Callbacks<In, Out>;
    /** Shown in identities: `svc(name@...)`. */
    name?: string;
    /** Open (or handshaking) connections allowed at once; more are refused. @default Infinity */
    maxConnections?: number;
    /** Sent to a connection refused over `maxConnections` before it is closed. @default nothing */
    rejectMessage?: Out;
    /**
     * Bytes all connections may hold at once in partial frames (received bytes that do not make a
     * whole frame yet; on WebSocket also an unfinished message) and outgoing queues (`heldBytes`).
     * Over it, the connection holding the most is closed with `MEMORY_BUDGET_EXCEEDED` (WebSocket
     * close code 1013). `Infinity` turns it off. @default Limits.serverMemoryBudget (256 MiB)
     */
    memoryBudget?: number;
    /**
     * Time a new connection has to deliver its first whole message, in ms; 0 is off. A silent
     * peer, or one that parks a partial frame, is closed with `FIRST_MESSAGE_TIMEOUT`. WebSocket:
     * the upgrade request is the first message (bounded by `handshakeTimeout`), so this does not
     * apply after it. Set 0 for protocols whose clients may never send (server push).
     * @default Limits.firstMessageTimeout (30000)
     */
    firstMessageTimeout?: number;
}
/** How many connections a broadcast reached, by send status. */
export interface BroadcastResult {
    sent: number;
    queued: number;
    backpressured: number;
    dropped: number;
    closed: number;
}
export interface ServerCloseOptions {
    /** Close each connection gracefully (goodbye hook, flush, FIN) instead of destroying it. @default true */
    drain?: boolean;
    /** How long to wait for connections to close before destroying them, in ms. @default Limits.drainTimeout (5000) */
    timeout?: number;
}
/**
 * A listening server. Iterate it (`for await (const conn of server)`) to get each connection as
 * it opens, or pass callbacks. `connections` / `connectionCount` show the open ones.
 */
export declare class Server<In, Out> implements AsyncIterable<Connection<In, Out>>, AsyncDisposable {
    readonly protocol: Protocol<In, Out>;
    private readonly options;
    readonly name: string;
    private readonly open;
    /** Removes a closed connection from `open`: one function for all of them. */
    private readonly forget;
    /** Connections still in the protocol's onConnect handshake. */
    private readonly pending;
    private accepts;
    private wsPlain;
    private closing;
    private readonly accepted;
    private iterating;
    private encoder;
    private listener;
    private closedPromise;
    /** Sockets in the WebSocket opening handshake: they count against maxConnections. */
    private readonly upgrading;
    /** Set for WebSocket servers: the path served (undefined: any) and the upgrade options. */
    private ws;
    /** Bytes held by all connections, updated by each connection as its holding changes. */
    private readonly budget;
    private evicting;
    /**
     * Connections that have not delivered a message yet, with their deadlines. Every connection
     * has the same timeout, so insertion order is deadline order: one timer, for the oldest.
     */
    private readonly firstWait;
    private firstTimer;
    private readonly gotFirst;
    /** @internal Counters for `metrics()` (docs/observability.md); the session layer counts on it too. */
    readonly meter: Meter;
    private constructor();
    private static prepare;
    private initialized;
    private fail;
    /** @internal use `attachWebSocket()` */
    static attach<In, Out>(httpServer: HttpServer, options: ListenOptions<In, Out> & {
        path?: string;
    }): Server<In, Out>;
    /** @internal use `listen()` */
    static start<In, Out>(url: string, options: ListenOptions<In, Out>): Promise<Server<In, Out>>;
    /** The address actually listened on (port 0 resolved). */
    get address(): Address;
    /** `tcp://127.0.0.1:40123` or `ws://127.0.0.1:40123/chat`: give it to `connect()`. */
    get url(): string;
    /** Open connections. */
    get connectionCount(): number;
    /** The open connections, in the order they opened. */
    get connections(): ReadonlySet<Connection<In, Out>>;
    [Symbol.iterator](): IterableIterator<Connection<In, Out>>;
    /** Each connection as it opens. Ends when the server closes. */
    [Symbol.asyncIterator](): AsyncIterator<Connection<In, Out>>;
    private onSocket;
    /** node:http handed over an upgrade request (a server made with `attachWebSocket`). */
    private onHttpUpgrade;
    private openConnection;
    /** Starts the connection's `firstMessageTimeout`. */
    private awaitFirstMessage;
    private armFirstTimer;
    /** Closes the connections whose first message is late; re-arms for the next deadline. */
    private firstDeadlines;
    /**
     * Over the memory budget: count again exactly (the running total can lag the kernel taking
     * queued bytes), then close the connections holding the most until the total fits. Runs only
     * when a connection's growth crossed the budget, so a busy server does not scan per chunk.
     */
    private overBudget;
    /**
     * The protocol of a WebSocket connection: the server's codec and hooks over WebSocket framing.
     * Without compression every connection shares one (the framing is a factory); a compressed
     * one gets its own, with a compressor for its negotiated parameters.
     */
    private webSocketProtocol;
    private overLimit;
    /**
     * Over `maxConnections`: optionally send the reject message, then close. A WebSocket server
     * answers the upgrade with 503 instead (no message can be framed before the handshake).
     */
    private refuse;
    /** Counts a refused connection and publishes `switchboard:handshake:refused`. */
    private refused;
    /**
     * A snapshot of this server's metrics: connections open, opened, closed and refused by reason;
     * messages and bytes in and out over every connection it has had; drops by reason; sessions,
     * requests, ping round trips. See docs/observability.md for the OpenTelemetry names.
     */
    metrics(): MetricsSnapshot;
    /** Encodes and frames one message into standalone bytes (an uncompressed server frame on WebSocket). */
    private frame;
    /**
     * Sends `msg` to every open connection (or those `filter` keeps). The message is encoded once
     * unless the protocol has a `beforeSend` hook. Returns how many connections got each status.
     */
    broadcast(msg: Out, filter?: (conn: Connection<In, Out>) => boolean): BroadcastResult;
    /**
     * Stops accepting and closes every connection: gracefully (goodbye hook, flush, FIN) by
     * default, destroying those that are not closed after `timeout` ms.
     */
    close(options?: ServerCloseOptions): Promise<void>;
    private doClose;
    [Symbol.asyncDispose](): Promise<void>;
    toString(): string;
}
/**
 * Listens on `tcp://host:port` (port 0: any free port), `tls://host:port`, `unix:///path`, or
 * `ws://host:port/path` / `wss://...` for WebSocket (TLS options in `tls`).
 */
export declare function listen<In = unknown, Out = In>(url: string, options?: ListenOptions<In, Out>): Promise<Server<In, Out>>;
/**
 * Serves WebSocket on an existing `node:http` or `node:https` server (its `upgrade` event), at
 * `path` or at every path. Closing the returned server stops taking upgrades and closes its
 * connections; the HTTP server itself stays up.
 */
export declare function attachWebSocket<In = unknown, Out = In>(httpServer: HttpServer, options?: ListenOptions<In, Out> & {
    path?: string;
}): Server<In, Out>;

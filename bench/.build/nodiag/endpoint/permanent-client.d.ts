/**
 * A client that reconnects for ever (eventdispatcher's permanent connection): start it before
 * the server, let the server restart for an upgrade, and it comes back by itself.
 *
 *     stopped <-- close()
 *        ^
 *     waiting --(pause over)--> connecting --(ok)--> connected --(link lost)--> waiting
 *        ^                          |
 *        +-------(attempt failed)---+
 *
 * Sends while disconnected go into a bounded outbox, flushed in order after each (re)connect,
 * once the `onConnected` hook (log in, register again) is done.
 */
import { SendStatus, type Backoff, type SwitchboardError } from '../core/index.js';
import { type ConnectOptions } from './client.js';
import type { CloseInfo, Connection } from './connection.js';
import { Meter, type MetricsSnapshot } from './metrics.js';
/** What a permanent client is doing, as callbacks (`onStatus`) and as an async iterator (`status()`). */
export type ClientStatus<In, Out> = {
    readonly type: 'connecting';
    readonly attempt: number;
} | {
    readonly type: 'connected';
    readonly conn: Connection<In, Out>;
} | {
    readonly type: 'disconnected';
    readonly info: CloseInfo;
} | {
    readonly type: 'failed';
    readonly attempt: number;
    readonly error: SwitchboardError;
} | {
    readonly type: 'retry';
    readonly attempt: number;
    readonly delayMs: number;
} | {
    readonly type: 'stopped';
};
export interface OutboxOptions {
    /** Messages kept while disconnected. @default Limits.outboxMessages (1000) */
    maxMessages?: number;
    /** Encoded bytes kept while disconnected. @default Limits.outboxBytes (1 MiB) */
    maxBytes?: number;
    /** When full: `reject-new` refuses the new message (`dropped`), `drop-oldest` makes room by dropping the oldest. @default 'reject-new' */
    overflow?: 'reject-new' | 'drop-oldest';
}
export interface PermanentClientOptions<In, Out> extends Omit<ConnectOptions<In, Out>, 'retryAfter' | 'timeout' | 'signal'> {
    /** Pauses between attempts. @default exponentialBackoff() (100 ms doubling to 30 s, full jitter) */
    backoff?: Backoff;
    /** Time one connection attempt may take, in ms. @default Limits.connectTimeout (10000) */
    attemptTimeout?: number;
    outbox?: OutboxOptions;
    /**
     * Runs after every (re)connect, before the outbox is flushed: log in or register again here.
     * Sends made on `conn` inside it go out first. If it throws, the connection is closed and
     * retried like a failed attempt.
     */
    onConnected?: (conn: Connection<In, Out>) => void | Promise<void>;
    /** Every status change. */
    onStatus?: (status: ClientStatus<In, Out>) => void;
    /** Source of randomness for the backoff jitter, in [0, 1). @default Math.random */
    random?: () => number;
}
/**
 * A client that keeps one connection up for as long as it is not closed. Messages from every
 * connection it makes come through `callbacks.onReceive` or `for await (const msg of client)`.
 */
export declare class PermanentClient<In, Out> implements AsyncIterable<In>, AsyncDisposable {
    readonly url: string;
    private readonly options;
    readonly name: string;
    private conn;
    private stopped;
    private flushing;
    private attempt;
    private timer;
    private wake;
    private readonly outbox;
    private outboxBytes;
    private readonly statusQueue;
    private statusListening;
    private readonly done;
    private readonly protocol;
    private readonly backoff;
    private readonly maxMessages;
    private readonly maxBytes;
    private readonly callbacks;
    /** Counters: connects, disconnects, outbox drops. */
    readonly stats: {
        connects: number;
        disconnects: number;
        failedAttempts: number;
        outboxDropped: number;
    };
    /** @internal Counters for `metrics()`, shared with every connection this client makes. */
    readonly meter: Meter;
    constructor(url: string, options?: PermanentClientOptions<In, Out>);
    private readonly consumesByCallback;
    private connectedWaiters;
    /** The live connection, when there is one. */
    get connection(): Connection<In, Out> | undefined;
    get connected(): boolean;
    /** Messages waiting in the outbox. */
    get queued(): number;
    /**
     * Sends now when connected (and the outbox is empty), else keeps the message in the outbox:
     * `queued`, or `dropped` when the outbox is full (`reject-new`) — with `drop-oldest` the oldest
     * queued message is dropped instead. `closed` once the client is closed.
     */
    send(msg: Out): SendStatus;
    private enqueue;
    private sizeOf;
    /** Status changes as an async iterator (connecting, connected, disconnected, retry, stopped). */
    status(): AsyncIterable<ClientStatus<In, Out>>;
    /**
     * Messages from every connection the client makes, in order: it reads the live connection
     * (whose receive queue is bounded, so backpressure still reaches the server) and moves on to
     * the next one after a reconnect. Ends when the client is closed.
     */
    [Symbol.asyncIterator](): AsyncIterator<In>;
    private messagesAcrossConnections;
    private nextConnection;
    /** Stops reconnecting and closes the live connection gracefully. The outbox is discarded. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
    /**
     * A snapshot of this client's metrics over every connection it made: messages and bytes in and
     * out, reconnects, outbox drops, sessions, requests, ping round trips (docs/observability.md).
     */
    metrics(): MetricsSnapshot;
    private emit;
    private sleep;
    private run;
    /** Sends the outbox in order, waiting for room when the connection pushes back. */
    private flushOutbox;
}
/**
 * Starts a client that connects to `url` and reconnects for ever, with a pause schedule or
 * exponential backoff, until `close()`.
 */
export declare function permanentClient<In = unknown, Out = In>(url: string, options?: PermanentClientOptions<In, Out>): PermanentClient<In, Out>;

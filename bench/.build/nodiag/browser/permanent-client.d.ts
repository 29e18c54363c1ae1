/**
 * A client that reconnects for ever over the platform's WebSocket: the browser twin of the
 * endpoint's permanent client, with the same options, statuses and outbox.
 *
 *     stopped <-- close()
 *        ^
 *     waiting --(pause over)--> connecting --(ok)--> connected --(link lost)--> waiting
 *        ^                          |
 *        +-------(attempt failed)---+
 *
 * Sends while disconnected go into a bounded outbox, flushed in order after each (re)connect,
 * once the `onConnected` hook (log in, join again) is done.
 */
import { type Backoff } from '../core/backoff.js';
import { type SwitchboardError } from '../core/errors.js';
import { SendStatus } from '../core/send-status.js';
import { type ConnectOptions } from './client.js';
import { type CloseInfo, type Connection } from './connection.js';
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
    /** Encoded bytes kept while disconnected (UTF-16 code units for text payloads). @default Limits.outboxBytes (1 MiB) */
    maxBytes?: number;
    /** When full: `reject-new` refuses the new message (`dropped`), `drop-oldest` drops the oldest. @default 'reject-new' */
    overflow?: 'reject-new' | 'drop-oldest';
}
export interface PermanentClientOptions<In, Out> extends Omit<ConnectOptions<In, Out>, 'retryAfter' | 'timeout' | 'signal'> {
    /** Pauses between attempts. @default exponentialBackoff() (100 ms doubling to 30 s, full jitter) */
    backoff?: Backoff;
    /** Time one connection attempt may take, in ms. @default Limits.connectTimeout (10000) */
    attemptTimeout?: number;
    outbox?: OutboxOptions;
    /**
     * Runs after every (re)connect, before the outbox is flushed: log in or join again here. Sends
     * made on `conn` inside it go out first. If it throws, the connection is closed and retried.
     */
    onConnected?: (conn: Connection<In, Out>) => void | Promise<void>;
    /** Every status change. */
    onStatus?: (status: ClientStatus<In, Out>) => void;
    /** Source of randomness for the backoff jitter, in [0, 1). @default Math.random */
    random?: () => number;
}
export declare class PermanentClient<In, Out> implements AsyncIterable<In>, AsyncDisposable {
    readonly url: string;
    private readonly options;
    readonly name: string;
    /** Counters: connects, disconnects, failed attempts, outbox drops. */
    readonly stats: {
        connects: number;
        disconnects: number;
        failedAttempts: number;
        outboxDropped: number;
    };
    private conn;
    private stopped;
    private flushing;
    private attempt;
    private timer;
    private wake;
    private readonly outbox;
    private outboxBytes;
    private statusQueue;
    private readonly done;
    private readonly protocol;
    private readonly maxMessages;
    private readonly maxBytes;
    private readonly consumesByCallback;
    private connectedWaiters;
    constructor(url: string, options?: PermanentClientOptions<In, Out>);
    /** The live connection, when there is one. */
    get connection(): Connection<In, Out> | undefined;
    get connected(): boolean;
    /** Messages waiting in the outbox. */
    get queued(): number;
    /**
     * Sends now when connected (and the outbox is empty), else keeps the message in the outbox:
     * `queued`, or `dropped` when the outbox is full (`reject-new`); with `drop-oldest` the oldest
     * queued message is dropped instead. `closed` once the client is closed.
     */
    send(msg: Out): SendStatus;
    /** Status changes as an async iterator (connecting, connected, disconnected, failed, retry, stopped). */
    status(): AsyncIterable<ClientStatus<In, Out>>;
    /** Messages from every connection the client makes, in order. Ends when the client is closed. */
    [Symbol.asyncIterator](): AsyncIterator<In>;
    private messagesAcrossConnections;
    /** Stops reconnecting and closes the live connection gracefully. The outbox is discarded. */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
    private emit;
    private sleep;
    private run;
}
/** Starts a client that connects to `url` and reconnects for ever, with backoff, until `close()`. */
export declare function permanentClient<In = string | Uint8Array, Out = In>(url: string, options?: PermanentClientOptions<In, Out>): PermanentClient<In, Out>;

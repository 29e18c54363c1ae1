/**
 * A Connection carries typed messages over one transport link. It is the same object for every
 * transport: send status, backpressure, callbacks or `for await`, protocol hooks, heartbeats.
 *
 * Bytes in:   socket chunk -> framer.push -> framer.next -> codec.decode -> hooks -> callbacks / queue
 * Bytes out:  send(msg) -> beforeSend -> codec.encode -> framer.encode into the write buffer
 *             -> one corked write per tick (microtask) -> socket
 *
 * States:
 *
 *     opening --(handshake hook done)--> open --(close() / peer FIN / error)--> closing --> closed
 *        \______________________(hook failed, socket gone)_____________________________/
 */
import { SendStatus, SwitchboardError, type Protocol } from '../core/index.js';
import { type PeerCertificate, type StreamHandler, type StreamSocket } from '../transport/stream.js';
import type { Callbacks } from './callbacks.js';
import { type Meter } from './metrics.js';
export type ConnectionState = 'opening' | 'open' | 'closing' | 'closed';
/** Why a connection closed. `closed` resolves with it; it never rejects. */
export interface CloseInfo {
    /** `local`: this side called close()/destroy(); `peer`: the peer ended or reset; `error`: bad input or a timeout. */
    readonly initiator: 'local' | 'peer' | 'error';
    /** The error that closed the connection, if one did. */
    readonly error: SwitchboardError | undefined;
    /** Both sides ended in order and no error happened. */
    readonly clean: boolean;
    /** WebSocket: the close code the peer sent, or the one we sent if the peer sent none. */
    readonly code?: number;
    /** WebSocket: the close reason that goes with `code`. */
    readonly reason?: string;
}
/** Options of a graceful close. */
export interface CloseOptions {
    /** WebSocket close code (RFC 6455 7.4); `close()` rejects with `WS_INVALID_ARGUMENT` for one that may not be sent. @default 1000 */
    code?: number;
    /** WebSocket close reason, at most 123 bytes of UTF-8. @default '' */
    reason?: string;
}
export interface ConnectionStats {
    messagesIn: number;
    messagesOut: number;
    bytesIn: number;
    bytesOut: number;
    /** Bytes the framer threw away while recovering from bad input (`delimiter(..., { recover: true })`). */
    bytesSkipped: number;
}
/** Per-connection options shared by clients and servers. */
export interface ConnectionOptions {
    /** Decoded messages waiting for a consumer before socket reads pause. @default Limits.receiveQueueMessages (1024) */
    receiveQueue?: number;
    /** Queued outgoing bytes above which `send` reports `backpressured`. @default Limits.sendHighWaterMark (1 MiB) */
    highWaterMark?: number;
    /** Queued outgoing bytes above which `send` refuses messages. @default Limits.sendMaxQueuedBytes (16 MiB) */
    maxQueuedBytes?: number;
    /** Over `maxQueuedBytes`: `drop` refuses the message (status `dropped`), `close` also closes the connection with `SEND_OVERFLOW`. @default 'drop' */
    overflow?: 'drop' | 'close';
    /** Time the protocol's `onConnect` hook may take, in ms. @default Limits.handshakeTimeout (10000) */
    handshakeTimeout?: number;
    /** Time a graceful close may take before the socket is destroyed, in ms. @default Limits.closeTimeout (5000) */
    closeTimeout?: number;
    /** Close with `IDLE_TIMEOUT` when nothing is received for this long, in ms; 0 is off. @default 0 */
    idleTimeout?: number;
    /** A frame the codec cannot decode: `close` the connection, or `skip` it (reported to `onFail`). @default 'close' */
    decodeErrors?: 'close' | 'skip';
    /**
     * After the peer's FIN, keep our side open so replies computed after an `await` still leave;
     * the connection then ends when you call `close()`. Off: our side ends as soon as every
     * accepted message is flushed. @default false
     */
    allowHalfOpen?: boolean;
}
/**
 * Checks options before any socket is opened, so a bad value fails `connect()` / `listen()` at
 * once with `INVALID_OPTION` instead of failing each connection later.
 */
export declare function checkConnectionOptions(options: ConnectionOptions, protocol: Protocol<unknown, never>, stream: boolean): void;
/** Facts about the link, decided by whoever created the connection. */
export interface LinkInfo {
    role: 'client' | 'server';
    /** The application's name for the endpoint (`name` option), shown in the connection's name. */
    app?: string | undefined;
    /** Servers: the connection's number (Unix socket names show it: every peer has the same address). */
    serial?: number;
    /** WebSocket: the request path, shown in the connection's name. */
    path?: string;
    /** Bytes that arrived with the transport handshake (frames right after a WebSocket upgrade). */
    initialData?: Uint8Array;
    /** Extra facts about the link (WebSocket: the negotiated subprotocol and extensions, the request path). */
    meta?: Readonly<Record<string, unknown>>;
    /** The endpoint's metrics (docs/observability.md): rare events are counted on it, totals kept when closed. */
    meter?: Meter | undefined;
}
/**
 * @internal A server's memory budget: the bytes its connections hold (partial frames and
 * outgoing queues), kept as a running total that each connection updates by deltas.
 */
export interface MemoryBudget {
    readonly limit: number;
    total: number;
    /** Called when a connection's growth took `total` over `limit`. */
    over(): void;
}
/**
 * A connection's readable identity: `clt(app@local->remote/path)`, `svc(app@local/path<-remote)`,
 * or on Unix sockets, where every peer has the same address, `clt(app@unix:/p)` / `svc(app@unix:/p#3)`.
 */
export declare function linkLabel(link: LinkInfo, sock: StreamSocket): string;
export declare class Connection<In, Out> implements AsyncIterable<In>, AsyncDisposable, StreamHandler {
    private readonly sock;
    readonly protocol: Protocol<In, Out>;
    private readonly callbacks;
    private readonly options;
    readonly role: 'client' | 'server';
    /** Message and byte counters. */
    readonly stats: ConnectionStats;
    /** Facts about the link from its transport (WebSocket: `path`, `subprotocol`, `compression`, `origin`, `headers`). */
    readonly meta: Readonly<Record<string, unknown>>;
    private _name;
    private readonly app;
    private readonly serial;
    private readonly path;
    private _state;
    private readonly framer;
    private readonly wb;
    private flushScheduled;
    private onWrittenFn;
    private _inbox;
    private inboxEnd;
    private errorQueue;
    private errorsEnded;
    private mode;
    private readonly consumes;
    private blocked;
    private writeBlocked;
    private unbounded;
    private discarding;
    private ended;
    private peerEnded;
    private sessionInputEnded;
    private localClose;
    private pings;
    private pingSeq;
    private handshaking;
    private hookSending;
    private backpressured;
    private roomWaiters;
    private closeError;
    private initiator;
    private closeInfo;
    private _closed;
    private resolveClosed;
    private closeWatcher;
    private closeTimer;
    private beatTimer;
    private idleTimer;
    private readonly timed;
    private lastRx;
    private lastTx;
    private _ctx;
    private readonly receiveLimit;
    private readonly hwm;
    private readonly maxQueued;
    /**
     * Bytes that came with the transport handshake (frames right after a WebSocket 101), read by
     * `open()`: a server may send a message and its close (or a bad frame) in the same segment as
     * the 101, and the message must reach the application before the close does.
     */
    private early;
    private budget;
    private held;
    private firstWatcher;
    /** @internal The endpoint's metrics, if it keeps them (servers, permanent clients). */
    readonly meter: Meter | undefined;
    private wasOpen;
    constructor(sock: StreamSocket, protocol: Protocol<In, Out>, callbacks: Callbacks<In, Out> | undefined, options: ConnectionOptions, link: LinkInfo);
    /** Readable identity: `clt(name@local->remote)` or `svc(name@local<-remote)`. */
    get name(): string;
    /** Resolves once the connection is closed, with the reason. Never rejects. */
    get closed(): Promise<CloseInfo>;
    /** @internal One function told when the connection closes (its server's bookkeeping), without a promise per connection. */
    watchClose(fn: (conn: Connection<In, Out>) => void): void;
    get state(): ConnectionState;
    /** What hooks get: the connection's name, role, per-connection state, send and close. */
    private get ctx();
    /** Received messages waiting for a consumer (handshake hook, `for await`, `receive()`). */
    private get inbox();
    private get errq();
    /** Bytes accepted for sending that the kernel has not taken yet. */
    get queuedBytes(): number;
    /**
     * Bytes this connection holds for its peer: received bytes that do not make a whole frame yet
     * (on WebSocket, also the parts of an unfinished message) plus `queuedBytes`. A server's
     * `memoryBudget` caps the sum over its connections.
     */
    get heldBytes(): number;
    /** @internal Counts this connection in a server's memory budget from now on. */
    setBudget(budget: MemoryBudget): void;
    /**
     * @internal The server's recount when over budget: what this connection holds now, recorded;
     * 0 once it left the budget (evicted, or closed).
     */
    recount(): number;
    /** Tells the budget how much this connection's holding changed since last time. */
    private account;
    /**
     * @internal Closed for the server's memory budget: leaves the budget at once and releases what
     * it holds. A WebSocket with nothing queued still gets its close frame (`err.closeCode`);
     * otherwise the socket is destroyed (a close frame behind a queue the peer does not read would
     * never arrive, and the queue is what must go).
     */
    evict(err: SwitchboardError): void;
    /** @internal Called once, at the first whole message received or at the close (a server's `firstMessageTimeout`). */
    watchFirstMessage(fn: (conn: Connection<In, Out>) => void): void;
    /** @internal Closes gracefully with `err` (a server-side timeout). */
    abort(err: SwitchboardError): void;
    /** `local` / `remote` address of the link, e.g. `127.0.0.1:50312`. */
    get localAddress(): string;
    get remoteAddress(): string;
    /** The peer's TLS certificate, when it presented one. */
    get peerCertificate(): PeerCertificate | undefined;
    toString(): string;
    /**
     * Runs the protocol's `onConnect` hook (if any) and opens the connection. Called once by the
     * client or server that created it. Rejects with `HANDSHAKE_REJECTED` / `HANDSHAKE_TIMEOUT`.
     */
    open(): Promise<void>;
    private readEarly;
    /** @internal socket events (StreamHandler) */
    onStreamData(chunk: Uint8Array): void;
    /**
     * Decodes and delivers frames until the framer says "not yet", the receive queue is full, or
     * what reading made us send (pongs, close replies, `autoReply`, answers sent from `onReceive`:
     * a dispatcher's HELP) put the queued bytes at `maxQueuedBytes`.
     */
    private pump;
    /**
     * Reading made us queue bytes (a pong, an answer) and the queue reached `maxQueuedBytes`:
     * stop reading until the peer has taken them (below the high-water mark again), so a peer
     * that writes and never reads cannot make us queue without bound, nor make us drop replies.
     * Backpressure reaches it through TCP. Resumed by `onStreamDrain()`. With `overflow: 'close'`
     * the connection is closed with `SEND_OVERFLOW` instead, as a send over the cap would.
     *
     * Why the cap and not the high-water mark: two peers that both answer what they read stop
     * each other only when both queues are over the threshold and the kernel buffers between
     * them are full; at the cap such traffic was already being refused (`dropped`), so pausing
     * there cannot stall a conversation that worked before.
     */
    private checkReplies;
    /** The peer took our replies: read again (decode what is buffered first). */
    private resumeReplies;
    private deliver;
    private queueMessage;
    private drainInboxToCallback;
    /** Called after a consumer took messages: resume reading once the queue is half empty. */
    private afterTake;
    private claimIterator;
    /** Messages as an async iterator. Ends when the peer closes; throws the error that closed the link, if any. */
    [Symbol.asyncIterator](): AsyncIterator<In>;
    /**
     * The next message (like `recv()`). Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, or with
     * `CONNECTION_CLOSED` (or the closing error) when no message will come.
     */
    receive(options?: {
        timeout?: number;
    }): Promise<In>;
    /**
     * Errors as they happen (the clj-tcp error channel): bad input, timeouts, resets. Ends when
     * the connection closes. Holds the newest 64 unread errors.
     */
    errors(): AsyncIterable<SwitchboardError>;
    /**
     * Encodes and queues a message; it leaves in this tick's write. Returns at once with what
     * happened (see {@link SendStatus}). Throws a `CodecError` when the message cannot be
     * encoded (a bug in the caller, not a network condition): nothing is queued then.
     */
    send(msg: Out): SendStatus;
    /**
     * Sends when there is room: waits while the queued bytes are over the high-water mark, up to
     * `timeout` ms (links' `send_busywait_timeout`). Resolves `timeout` if no room came.
     */
    sendWait(msg: Out, options?: {
        timeout?: number;
    }): Promise<SendStatus>;
    /** Resolves when the queued bytes are under the high-water mark (at once if they are). False on timeout or close. */
    drained(options?: {
        timeout?: number;
    }): Promise<boolean>;
    private waitForRoom;
    /** The shared send path; `internal` sends (hooks, auto-replies, heartbeats) skip the state check. */
    private enqueue;
    /**
     * Queues bytes that are already framed (a broadcast encodes once for every connection);
     * `msg` is what they encode, for `onSent`.
     */
    sendFramed(framed: Uint8Array, msg: Out): SendStatus;
    private statusAfter;
    private overflow;
    private scheduleFlush;
    private static flushDirty;
    /** Hands everything queued to the socket as one corked write. */
    private flush;
    private afterWritten;
    /** @internal */
    onStreamDrain(): void;
    private drainWaiters;
    /**
     * Sends a ping and resolves with the round-trip time in ms when the pong comes back
     * (WebSocket). Rejects with `PING_TIMEOUT` after `timeout` ms, with `CONNECTION_CLOSED` when
     * the connection closes first, and with `INVALID_OPTION` on transports without ping.
     */
    ping(options?: {
        timeout?: number;
    }): Promise<number>;
    private onPong;
    /**
     * Graceful close: runs the protocol's `onDisconnect` hook (a goodbye), flushes every accepted
     * message, sends FIN and waits for the peer's, up to `closeTimeout` ms; then destroys.
     * Resolves with the close reason.
     */
    close(options?: CloseOptions): Promise<CloseInfo>;
    /** Closes at once: queued bytes are dropped. */
    destroy(error?: SwitchboardError): void;
    [Symbol.asyncDispose](): Promise<void>;
    private endWrites;
    private armCloseTimer;
    /** @internal */
    onStreamEnd(): void;
    /** The peer sent everything and every whole frame was decoded: leftover bytes are an error. */
    private finishInput;
    /**
     * The peer finished sending: flush what was accepted and end our side too (queued messages
     * stay readable). With `allowHalfOpen`, our side stays open for replies until `close()`.
     */
    private finishAfterPeerEnd;
    private endInbox;
    /** @internal */
    onStreamError(err: Error): void;
    /** @internal */
    onStreamClose(): void;
    /** The session framer may have answered (a pong) or seen the peer's close. */
    private afterSessionInput;
    /** Bad bytes from the peer: report, stop decoding, flush what was accepted, close. */
    private inputError;
    /** A fatal error: report it and close gracefully (accepted messages still leave). */
    private fail;
    private recordError;
    /** Tells `onFail` and the error stream. */
    private report;
    /** Runs protocol code; what it throws is reported as `HOOK_FAILED` and `undefined` returned. */
    private attempt;
    /** Runs user code; what it throws is reported as `HOOK_FAILED` and the connection goes on. */
    private guard;
    private startHeartbeat;
    private armIdle;
}
/** The WebSocket close code an error closes a connection with (RFC 6455 7.4.1). */
export declare function closeCodeFor(err: SwitchboardError): number;

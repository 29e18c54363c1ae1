import { type DatagramAddress } from '../core/address.js';
import { SendStatus, SwitchboardError, type Protocol } from '../core/index.js';
import { Message } from '../core/message/index.js';
import { type DatagramHandlers, type DatagramSocket, type DatagramSocketOptions } from '../transport/datagram.js';
/** The parameter eventdispatcher checks on datagrams from untrusted senders (`LOG_ROTATE`, `STOP`...). */
export declare const SECRET_CODE_PARAMETER = "secret_code";
/** One received message and where it came from (`undefined`: a Unix sender not bound to a path, which cannot be answered). */
export interface DatagramReceived<In> {
    readonly msg: In;
    readonly from: DatagramAddress | undefined;
}
/** Counters of a datagram endpoint. Every datagram read is counted once in `received` and, if it was not delivered, once in one `dropped...` / `decodeErrors` counter. */
export interface DatagramStats {
    /** Datagrams read from the socket, good or bad. */
    received: number;
    /** Messages handed to `onReceive` or to the receive queue. */
    delivered: number;
    /** Received datagrams larger than `maxDatagramSize`, dropped (`FRAME_TOO_LARGE`). */
    droppedOversize: number;
    /** Received messages whose `secret_code` was missing or wrong, dropped (`SECRET_CODE_MISMATCH`). */
    droppedSecret: number;
    /** Received datagrams the codec could not decode, dropped (`MESSAGE_SYNTAX`, `INVALID_UTF8`...). */
    decodeErrors: number;
    /** Received messages dropped because the receive queue was full: nobody reads (`DATAGRAM_QUEUE_FULL`). */
    droppedQueueFull: number;
    /** Datagrams handed to the socket. */
    sent: number;
    /** Sends that returned `dropped`: larger than `maxDatagramSize`, over `maxQueuedBytes`, or refused at once by the system. */
    sendDropped: number;
    /** Sends the system refused or failed (`TRANSPORT_ERROR`): at once (then also in `sendDropped`) or after `send()` returned. */
    sendErrors: number;
    /** Bytes of every datagram read, dropped ones included. */
    bytesIn: number;
    /** Bytes of every datagram handed to the socket. */
    bytesOut: number;
}
/**
 * Callbacks of a datagram endpoint, all optional. As on connections, a consuming `onReceive`
 * claims the messages (then `for await` / `receive()` is `RECEIVE_MODE_CONFLICT`); set
 * `observeOnly: true` for callbacks that only watch.
 */
export interface DatagramCallbacks<In, Out> {
    /** The endpoint is bound and ready. */
    onInitialize?(endpoint: DatagramEndpoint<In, Out>): void;
    /** A message arrived from `from`. */
    onReceive?(endpoint: DatagramEndpoint<In, Out>, msg: In, from: DatagramAddress | undefined): void;
    /** A message was handed to the socket, for `to`. `msg` is what was passed to `send()` (without the secret code). */
    onSent?(endpoint: DatagramEndpoint<In, Out>, msg: Out, to: DatagramAddress): void;
    /** A datagram was dropped (too large, undecodable, wrong secret code, queue full), a send failed, or a callback threw. */
    onFail?(error: SwitchboardError, endpoint: DatagramEndpoint<In, Out>): void;
    /** The endpoint is closed. */
    onClose?(endpoint: DatagramEndpoint<In, Out>): void;
    /** True when `onReceive` only watches and does not consume messages. @default false */
    readonly observeOnly?: boolean;
}
export interface DatagramOptions<In, Out> extends DatagramSocketOptions {
    /**
     * The codec (and message-oriented framing) of the datagrams. Its hooks and heartbeat are
     * connection features and are refused here (`INVALID_OPTION`); `autoReply` answers the sender.
     * @default namedMessageDatagrams(): eventdispatcher named messages, one per datagram
     */
    protocol?: Protocol<In, Out>;
    /**
     * Largest datagram sent or accepted, in bytes, 1 to 65507 (the largest UDP payload over IPv4).
     * A security limit: a larger datagram received is dropped and counted before it is decoded; a
     * larger message sent returns `dropped`.
     * @default the protocol's `framing.maxFrameSize`: 1024 with the default protocol (`Limits.namedMessageMaxDatagram`, eventdispatcher's DATAGRAM_MAX_SIZE)
     */
    maxDatagramSize?: number;
    /**
     * eventdispatcher's shared secret. When set, a received named message whose `secret_code`
     * parameter is missing or different is dropped, counted (`stats.droppedSecret`) and reported
     * as `SECRET_CODE_MISMATCH` (compared in constant time; the codes are never logged); accepted
     * messages are delivered without the parameter. Outgoing named messages get it added (one that
     * already has a `secret_code` is sent as it is). Received values that are not `Message`s can
     * carry no code and are dropped too. @default undefined (no check)
     */
    secretCode?: string;
    callbacks?: DatagramCallbacks<In, Out>;
    /**
     * Messages received and not yet taken by `for await` / `receive()`. A security limit: past it,
     * new messages are dropped and counted (`DATAGRAM_QUEUE_FULL`); datagrams have no flow control
     * to slow the sender down. @default Limits.receiveQueueMessages (1024)
     */
    receiveQueue?: number;
    /**
     * UDP: bytes handed to the socket and not yet sent above which `send()` returns `dropped`.
     * @default Limits.datagramMaxQueuedBytes (1 MiB)
     */
    maxQueuedBytes?: number;
    /** Shown in the endpoint's name: `svc(name@udp://127.0.0.1:4000)`. */
    name?: string;
}
export interface DatagramClientOptions<In, Out> extends DatagramOptions<In, Out> {
    /**
     * Local address to bind, to receive replies on a known address: `udp://0.0.0.0:5000`,
     * `unixgram:///run/me.sock`. Same scheme as the peer.
     * @default udp: a free port on the wildcard address of the peer's family; unixgram: none (the client can only send, like `ed-signal`)
     */
    bind?: string;
}
interface Setup<In, Out> {
    protocol: Protocol<In, Out>;
    maxSize: number;
    secret: Buffer | undefined;
    secretText: string | undefined;
    receiveLimit: number;
    maxQueued: number;
}
/**
 * Binds a datagram endpoint to `udp://host:port` (port 0: any free port; `udp://[::1]:0` for
 * IPv6) or `unixgram:///absolute/path`, and resolves once it is ready to receive.
 *
 *     await using ep = await bindDatagram('udp://127.0.0.1:4041', { secretCode: 'x' });
 *     for await (const { msg, from } of ep) if (msg.command === 'LOG_ROTATE') reopenLogs();
 *
 * Rejects with `INVALID_ADDRESS`, `INVALID_OPTION`, `LISTEN_FAILED` (the address is taken) or
 * `UNIXGRAM_UNAVAILABLE`.
 */
export declare function bindDatagram<In = Message, Out = In>(url: string, options?: DatagramOptions<In, Out>): Promise<DatagramEndpoint<In, Out>>;
/**
 * A datagram endpoint whose `send(msg)` goes to `url` by default (eventdispatcher's
 * `ed-signal`): `udp://host:port` or `unixgram:///path`. A UDP host name is resolved once, here.
 * Replies sent back to the client's address are received as on any endpoint.
 *
 *     await using client = await datagramClient('udp://127.0.0.1:4041', { secretCode: 'x' });
 *     client.send(message('LOG_ROTATE'));
 */
export declare function datagramClient<In = Message, Out = In>(url: string, options?: DatagramClientOptions<In, Out>): Promise<DatagramEndpoint<In, Out>>;
/**
 * A bound datagram socket with a codec: see {@link bindDatagram} and {@link datagramClient}.
 * Iterate it (`for await (const { msg, from } of ep)`), call `receive()`, or pass an `onReceive`
 * callback; send with `send(msg, to?)`.
 */
export declare class DatagramEndpoint<In, Out> implements AsyncIterable<DatagramReceived<In>>, AsyncDisposable {
    private readonly setup;
    private readonly options;
    private readonly role;
    /** `svc(name@udp://127.0.0.1:4000)`, or `clt(name@udp://0.0.0.0:50312->udp://127.0.0.1:4000)` for a client. */
    readonly name: string;
    readonly protocol: Protocol<In, Out>;
    /** Largest datagram sent or accepted, in bytes. */
    readonly maxDatagramSize: number;
    /** Where `send(msg)` without `to` goes: the client's peer; `undefined` for `bindDatagram()`. */
    readonly peer: DatagramAddress | undefined;
    readonly stats: DatagramStats;
    /** Resolves once the endpoint is closed. Never rejects. */
    readonly closed: Promise<void>;
    private socket;
    private _state;
    private readonly inbox;
    private readonly errorQueue;
    private mode;
    private readonly consumes;
    private queueFull;
    private resolveClosed;
    private closing;
    private lastTo;
    private readonly callbacks;
    /** @internal use `bindDatagram()` or `datagramClient()` */
    constructor(setup: Setup<In, Out>, options: DatagramOptions<In, Out>, peer: DatagramAddress | undefined, role: 'svc' | 'clt');
    /** @internal opens the socket and reports the endpoint ready. */
    start(open: (handlers: DatagramHandlers) => Promise<DatagramSocket>): Promise<void>;
    get state(): 'open' | 'closed';
    /** The bound address (port 0 resolved); `undefined` for a Unix client that is not bound (it can only send). */
    get address(): DatagramAddress | undefined;
    /** `udp://127.0.0.1:40123`, `unixgram:///tmp/app.sock`: give it to `datagramClient()`. `''` when not bound. */
    get url(): string;
    toString(): string;
    private onDatagram;
    /** The message without its secret code when the code is right, else `undefined`. */
    private checkSecret;
    private deliver;
    private afterTake;
    private claimIterator;
    /** Messages with their sender, as they arrive. Ends when the endpoint closes (after the queued ones). */
    [Symbol.asyncIterator](): AsyncIterator<DatagramReceived<In>>;
    /**
     * The next message and its sender. Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, or with
     * `CONNECTION_CLOSED` once the endpoint is closed and the queue is empty.
     */
    receive(options?: {
        timeout?: number;
    }): Promise<DatagramReceived<In>>;
    /** Errors as they happen: dropped datagrams, failed sends, callbacks that threw. Ends when the endpoint closes. Holds the newest 64 unread. */
    errors(): AsyncIterable<SwitchboardError>;
    /**
     * Encodes `msg` and sends it as one datagram to `to` (a URL or a `from` received earlier), or
     * to the client's peer. Returns at once:
     *
     * - `sent`: handed to the socket. Datagrams may still be lost on the way; nothing says so.
     * - `dropped`: not sent: larger than `maxDatagramSize` (`MESSAGE_TOO_LARGE` to `onFail`),
     *   more than `maxQueuedBytes` waiting in the socket, or refused at once by the system
     *   (unixgram: nobody at the path, the receiver's queue is full: `TRANSPORT_ERROR`).
     * - `closed`: the endpoint is closed.
     *
     * Throws `INVALID_ADDRESS` for a destination this endpoint can never reach (bad URL, other
     * scheme or IP family, no `to` on an endpoint without a peer) and a `CodecError` for a message
     * that cannot be encoded: bugs in the caller, not network conditions.
     */
    send(msg: Out, to?: string | DatagramAddress): SendStatus;
    private sendFailed;
    private destination;
    /**
     * Closes: sends already accepted still leave (UDP waits for them, up to `closeTimeout`), then
     * the socket is closed and a Unix socket file it bound is removed. Messages already received
     * stay readable. Resolves when done.
     */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
    private doClose;
    /** Tells `onFail` and the error stream. */
    private report;
    /** Runs user code; what it throws is reported as `HOOK_FAILED` and the endpoint goes on. */
    private guard;
    private guardHook;
}
export {};

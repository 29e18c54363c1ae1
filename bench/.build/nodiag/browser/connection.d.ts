/**
 * A connection over the platform's `WebSocket` (browsers, Deno, Bun, Node >= 22): the browser
 * twin of the endpoint's `Connection`, with the same names wherever the platform allows.
 *
 *     receive:  ws message -> maxMessageSize -> wire.unwrap -> codec.decode -> heartbeat? autoReply
 *               -> onReceive callback, or the bounded receive queue (for await / receive())
 *     send:     send(msg) -> bufferedAmount vs maxQueuedBytes -> codec.encode -> wire.wrap -> ws.send
 *               -> status from bufferedAmount vs highWaterMark
 *
 * States:
 *
 *     opening --(open event)--> open --(close() / peer close / error)--> closing --(close event)--> closed
 *        \_______________________(error / close before open)__________________________________/
 *
 * What the platform does not allow, and what is done instead (docs/browser.md):
 * - reads cannot be paused: a receive queue over its limit closes with `RECEIVE_OVERFLOW`;
 * - no drain event: room is watched by polling `bufferedAmount`;
 * - no pings: dead peers are found by a silence timeout plus an application heartbeat;
 * - `close()` may only send 1000 or 3000-4999 (WHATWG WebSockets, the close() method), so an
 *   error that closes with RFC 6455 code 1xxx sends 4xxx (1009 -> 4009).
 */
import type { Codec } from '../core/codec.js';
import { type SwitchboardError } from '../core/errors.js';
import type { HeartbeatOptions } from '../core/protocol.js';
import { SendStatus } from '../core/send-status.js';
import type { Wire } from './wire.js';
export type ConnectionState = 'opening' | 'open' | 'closing' | 'closed';
/** Why a connection closed: the same shape as the Node client's. `closed` resolves with it; it never rejects. */
export interface CloseInfo {
    /** `local`: this side called close(); `peer`: the server closed or went away; `error`: bad input or a timeout. */
    readonly initiator: 'local' | 'peer' | 'error';
    /** The error that closed the connection, if one did. */
    readonly error: SwitchboardError | undefined;
    /** Both sides exchanged close frames and no error happened. */
    readonly clean: boolean;
    /** The close code the server sent, or the one we sent if the server sent none. */
    readonly code?: number;
    /** The close reason that goes with `code`. */
    readonly reason?: string;
}
export interface CloseOptions {
    /** Close code: 1000 or 3000-4999, the codes a browser may send. @default 1000 */
    code?: number;
    /** Close reason, at most 123 bytes of UTF-8. @default '' */
    reason?: string;
}
/** The codec and heartbeat a connection runs (a Node `Protocol` without framing and hooks). */
export interface BrowserProtocol<In, Out> {
    readonly codec: Codec<In, Out>;
    /**
     * Send `message` when nothing was sent for `interval` ms; close with `HEARTBEAT_TIMEOUT` when
     * nothing was received for `timeout` ms; drop received messages that `isHeartbeat` matches.
     */
    readonly heartbeat?: HeartbeatOptions<In, Out>;
    /** A received message -> a reply to send at once (or `undefined`). The message is still delivered. */
    readonly autoReply?: (msg: In) => Out | undefined;
    readonly name?: string;
}
/** Callbacks, as in the Node client. `onReceive` consumes messages unless `observeOnly` is true. */
export interface Callbacks<In, Out> {
    onInitialize?(endpoint: {
        readonly name: string;
    }): void;
    onConnect?(conn: Connection<In, Out>): void;
    onReceive?(conn: Connection<In, Out>, msg: In): void;
    onSent?(conn: Connection<In, Out>, msg: Out): void;
    onFail?(error: SwitchboardError, conn: Connection<In, Out> | undefined): void;
    onDisconnect?(conn: Connection<In, Out>, info: CloseInfo): void;
    onDrain?(conn: Connection<In, Out>): void;
    readonly observeOnly?: boolean;
}
export interface ConnectionOptions {
    /**
     * Messages waiting for `for await` / `receive()`. A browser cannot pause reading, so one more
     * closes the connection with `RECEIVE_OVERFLOW`. @default Limits.receiveQueueMessages (1024)
     */
    receiveQueue?: number;
    /** `bufferedAmount` at or above which `send` reports `backpressured`. @default Limits.sendHighWaterMark (1 MiB) */
    highWaterMark?: number;
    /** `bufferedAmount` at or above which `send` refuses messages (`dropped`). @default Limits.sendMaxQueuedBytes (16 MiB) */
    maxQueuedBytes?: number;
    /** Over `maxQueuedBytes`: `drop` refuses the message, `close` also closes with `SEND_OVERFLOW`. @default 'drop' */
    overflow?: 'drop' | 'close';
    /** Time a graceful close may take before the connection is given up as closed, in ms. @default Limits.closeTimeout (5000) */
    closeTimeout?: number;
    /** Close with `IDLE_TIMEOUT` when nothing is received for this long, in ms; 0 is off. @default 0 */
    idleTimeout?: number;
    /** A message the codec cannot decode: `close` the connection, or `skip` it (reported to `onFail`). @default 'close' */
    decodeErrors?: 'close' | 'skip';
}
export interface WebSocketOptions {
    /** Subprotocols to offer, most preferred first. @default none */
    subprotocols?: readonly string[];
    /** Largest message delivered, in bytes (`WS_MESSAGE_TOO_LARGE`, close 4009). @default Limits.wsMaxMessageSize (8 MiB) */
    limits?: {
        maxMessageSize?: number;
    };
}
/** @internal What `connect()` hands a connection. */
export interface LinkSetup<In, Out> {
    url: string;
    protocol: BrowserProtocol<In, Out>;
    callbacks: Callbacks<In, Out> | undefined;
    options: ConnectionOptions & {
        websocket?: WebSocketOptions;
        name?: string;
    };
    wire?: Wire;
}
export declare class Connection<In, Out> implements AsyncIterable<In>, AsyncDisposable {
    private readonly link;
    readonly role = "client";
    readonly name: string;
    readonly stats: {
        messagesIn: number;
        messagesOut: number;
        bytesIn: number;
        bytesOut: number;
    };
    /** The negotiated `subprotocol` and `extensions`, and the `url`. */
    meta: Readonly<Record<string, unknown>>;
    /** @internal Resolves when the socket opens; rejects when it fails or closes first. */
    readonly opened: Promise<void>;
    private _state;
    private readonly ws;
    private readonly codec;
    private readonly cb;
    private readonly consumes;
    private mode;
    private readonly inbox;
    private errq;
    private readonly receiveLimit;
    private readonly hwm;
    private readonly maxQueued;
    private readonly maxMessage;
    private readonly wire;
    private discarding;
    private closeError;
    private initiator;
    private sentCode;
    private sentReason;
    private closeInfo;
    private resolveClosed;
    readonly closed: Promise<CloseInfo>;
    private timers;
    private lastRx;
    private lastTx;
    private roomWaiters;
    private drainWatch;
    private backpressured;
    private rejectOpen;
    private wasOpen;
    constructor(link: LinkSetup<In, Out>);
    get state(): ConnectionState;
    /** Bytes accepted by `send` that the WebSocket has not sent yet (`bufferedAmount`). */
    get queuedBytes(): number;
    toString(): string;
    private onMessage;
    private claimIterator;
    /** Messages as an async iterator. Ends when the connection closes; throws the error that closed it, if any. */
    [Symbol.asyncIterator](): AsyncIterator<In>;
    /** The next message. Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, `CONNECTION_CLOSED` (or the closing error) when none will come. */
    receive(options?: {
        timeout?: number;
    }): Promise<In>;
    /** Errors as they happen: bad input, timeouts, resets. Ends when the connection closes. Holds the newest 64 unread. */
    errors(): AsyncIterable<SwitchboardError>;
    /**
     * Encodes and sends a message; returns at once with what happened (see `SendStatus`): `sent`
     * when nothing was buffered before it, `queued` behind buffered bytes, `backpressured` when
     * `bufferedAmount` is now at or over `highWaterMark`, `dropped` at `maxQueuedBytes`, `closed`.
     * Throws a `CodecError` for a message the codec cannot encode.
     */
    send(msg: Out): SendStatus;
    /** Sends when `bufferedAmount` is under the high-water mark, waiting up to `timeout` ms (`timeout` status). */
    sendWait(msg: Out, options?: {
        timeout?: number;
    }): Promise<SendStatus>;
    /** Resolves true when `bufferedAmount` is under the high-water mark (at once if it is); false on timeout or close. */
    drained(options?: {
        timeout?: number;
    }): Promise<boolean>;
    private enqueue;
    /** There is no drain event: look at `bufferedAmount` until it is under the high-water mark. */
    private watchDrain;
    /**
     * Graceful close: sends the close frame (`code`, `reason`) after every accepted message and
     * waits for the server's, up to `closeTimeout` ms. Resolves with the close reason. Throws
     * `WS_INVALID_ARGUMENT` for a code a browser may not send (only 1000 and 3000-4999) or a reason
     * over 123 bytes.
     */
    close(options?: CloseOptions): Promise<CloseInfo>;
    /** Closes without waiting for the server: `closed` resolves at once. */
    destroy(error?: SwitchboardError): void;
    [Symbol.asyncDispose](): Promise<void>;
    private shut;
    /** A fatal error: reported, and the connection closed with the error's code (mapped into 4xxx). */
    private fail;
    private record;
    private finish;
    /** @internal For a permanent client: the close info once closed. */
    get info(): CloseInfo | undefined;
    private startTimers;
    private stopTimers;
    private report;
    /** Runs user or protocol code; what it throws is reported as `HOOK_FAILED`. */
    private attempt;
    private guard;
}
/**
 * The code an error closes with, as a browser may send it: RFC 6455 7.4.1's code (1009 message
 * too big, 1008 policy, 1007 bad UTF-8, 1003 unsupported data, 1011 internal error) moved into
 * the 4000-4999 private range, because `WebSocket.close()` throws for 1001-2999.
 */
export declare function wireCode(err: SwitchboardError): number;
export declare function errorText(e: unknown): string;

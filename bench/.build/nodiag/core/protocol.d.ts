import { type Codec } from './codec.js';
import type { Framing } from './framing/framer.js';
import type { SendStatus } from './send-status.js';
/** What a protocol hook can do with the connection it runs on. */
export interface HookContext<In, Out> {
    /** The connection's readable identity, e.g. `clt(app@127.0.0.1:50312->127.0.0.1:8080)`. */
    readonly name: string;
    readonly role: 'client' | 'server';
    send(msg: Out): SendStatus;
    /**
     * Starts a graceful close. A protocol that closes because the peer said goodbye (LEADS'
     * `disconnect`) passes `{ initiator: 'peer' }`, so `CloseInfo.initiator` reports `peer`.
     */
    close(options?: {
        initiator?: 'peer';
    }): void;
    /** Unused by the library: a place for the protocol to keep per-connection state (a sequence number, a session). */
    state: Record<string, unknown>;
}
/** The context of `onConnect`: the connection is not open yet, and messages can be awaited one by one. */
export interface HandshakeContext<In, Out> extends HookContext<In, Out> {
    /** The next message from the peer. Rejects when the handshake times out or the peer leaves. */
    receive(): Promise<In>;
    /** Refuses the connection: it is closed and reported as `HANDSHAKE_REJECTED` with this reason. */
    reject(reason: string): never;
}
export interface ProtocolHooks<In, Out> {
    /**
     * Runs once the transport is connected and before the connection is reported open: exchange
     * login messages here. Throwing or calling `ctx.reject()` refuses the connection. Limited by
     * the `handshakeTimeout` option. Messages the hook did not `receive()` are delivered normally.
     */
    onConnect?(ctx: HandshakeContext<In, Out>): void | Promise<void>;
    /** Runs at the start of a graceful `close()`: send a goodbye here. Limited by `closeTimeout`. */
    onDisconnect?(ctx: HookContext<In, Out>): void | Promise<void>;
    /** May replace a message just before it is encoded (sequence number, timestamp, checksum). */
    beforeSend?(msg: Out, ctx: HookContext<In, Out>): Out;
    /** Observes each message accepted for sending. */
    onSent?(msg: Out, ctx: HookContext<In, Out>): void;
    /** Observes each message received; returning `false` consumes it (it is not delivered). */
    onReceive?(msg: In, ctx: HookContext<In, Out>): void | boolean;
}
export interface HeartbeatOptions<In, Out> {
    /** Send `message` when nothing was sent for this long, in ms. */
    interval: number;
    /** The heartbeat message, or a function making one each time. */
    message: Out | (() => Out);
    /** Close the connection with `HEARTBEAT_TIMEOUT` when nothing was received for this long, in ms. @default 0 (off) */
    timeout?: number;
    /** Heartbeats from the peer matching this are consumed, not delivered. @default deliver everything */
    isHeartbeat?: (msg: In) => boolean;
}
/**
 * A protocol = a framing + a codec + optional hooks. `In` is what this side receives, `Out`
 * what it sends; a client's `In` is usually its server's `Out`.
 */
export interface Protocol<In, Out = In> {
    readonly framing: Framing;
    readonly codec: Codec<In, Out>;
    readonly hooks?: ProtocolHooks<In, Out>;
    readonly heartbeat?: HeartbeatOptions<In, Out>;
    /** A received message -> a reply to send at once (or `undefined` for none). The message is still delivered. */
    readonly autoReply?: (msg: In) => Out | undefined;
    /** For logs. @default `${framing.name}+${codec.name}` */
    readonly name?: string;
}
/**
 * What `listen()` and `connect()` take as `protocol`: a {@link Protocol} whose `framing` may be
 * left out. On WebSocket the framing is never used (each WebSocket message is one frame), so a
 * WebSocket protocol is a codec plus hooks. On a byte stream a missing framing is `lines()`, as
 * with the `codec` option.
 */
export type ProtocolSpec<In, Out = In> = Omit<Protocol<In, Out>, 'framing'> & {
    readonly framing?: Framing;
};
/**
 * Identity function that lets TypeScript infer `In` and `Out` for a protocol literal. Without
 * `framing` it gives a {@link ProtocolSpec}, for WebSocket (or `lines()` on a byte stream).
 */
export declare function defineProtocol<In, Out = In>(p: Protocol<In, Out>): Protocol<In, Out>;
export declare function defineProtocol<In, Out = In>(p: ProtocolSpec<In, Out>): ProtocolSpec<In, Out>;
export declare function protocolName(p: Protocol<unknown, never>): string;
/** Newline-delimited JSON: one JSON value per line (the links book example). */
export declare function linesJson<In = unknown, Out = In>(options?: {
    maxFrameSize?: number;
    validate?: (value: unknown) => value is In;
}): Protocol<In, Out>;
/**
 * The LEADS comm protocol: byte messages ended by a separator (`;` by default). A `disconnect`
 * message closes politely both ways: each side sends it before closing, and closes on receiving it
 * (it is consumed, not delivered).
 */
export declare function leads(options?: {
    separator?: string;
    maxFrameSize?: number;
}): Protocol<Uint8Array, Uint8Array | string>;
export declare const protocols: {
    readonly linesJson: typeof linesJson;
    readonly leads: typeof leads;
    readonly define: typeof defineProtocol;
};

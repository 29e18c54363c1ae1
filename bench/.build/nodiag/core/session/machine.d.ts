/**
 * The session state machine of one side (client or server), sans-I/O: envelopes in
 * (`receive`), envelopes out (the `write` function of the current connection), events out (the
 * {@link SessionHost}), time in (`now` arguments, `tick`, `nextDeadline`). It never reads a clock,
 * arms a timer or draws random bytes itself; the driver (Node endpoint, browser entry, cluster
 * node) does, so every driver speaks exactly the same protocol. docs/session-protocol.md is the
 * wire format, docs/sessions.md the guarantees.
 *
 *                      open(write)                 WELCOME
 *       ┌─► DETACHED ───────────────► HELLO_SENT ───────────► OPEN ──┐
 *       │    (client)                     │                    │     │
 *       │                                 │ lost()             │     │ lost()
 *       └─────────────────────────────────┴────────────────────┴─────┘
 *                                                                (server: accept(hello, write)
 *                                                                 goes DETACHED -> OPEN)
 *     any state ── end() / END received / protocol error / expiry (server) ──► ENDED
 *
 * Sequencing (per direction, one sequence space for MSG, REQ, RES, ERR and CANCEL):
 *
 *     sender                                        receiver
 *     nextSeq ─ assigns 1, 2, 3 ...                 received ─ highest seq received in order
 *     retained: acked+1 .. nextSeq-1                taken    ─ highest seq the application took
 *     acked    ─ peer's cumulative ACK              ackSent  ─ last ACK value written
 *
 *   - A seq <= received is a duplicate: dropped and counted (that is what makes a resend safe).
 *     A seq > received + 1 is a gap: SESSION_PROTOCOL_ERROR.
 *   - The receiver acknowledges `taken`, not `received`: an acknowledged message is one the
 *     application has (MQTT 5 4.3.2: the receiver owns the message once it sent PUBACK). ACKs are
 *     batched: after `ackEvery` messages at once, else `ackDelay` ms after the first unacknowledged
 *     one (`tick`), or piggybacked on any sequenced envelope going the other way.
 *   - An ACK above the highest seq ever written is SESSION_PROTOCOL_ERROR.
 *   - On reconnect HELLO and WELCOME carry `received`, and each side writes again exactly its
 *     retained envelopes above the peer's `received`, in order (MQTT 5 4.4: on a resumed session
 *     both sides resend unacknowledged PUBLISH packets).
 *   - A server that no longer has the session answers WELCOME resumed=0 with a new session id
 *     (MQTT's Session Present = 0; Centrifugo's `recovered: false`, a new epoch). The client
 *     learns it as an `open` event with `lost` set, and writes its retained MSG and REQ envelopes
 *     again in the new session, renumbered from 1 and marked with their `origin` (the session id
 *     and seq of their first sending) when they had already been written, so the application can
 *     deduplicate. What the old server had queued for the client is gone; `lost` says so.
 */
import { ErrorCode, type ErrorCode as Code } from '../errors.js';
import type { SendStatus } from '../send-status.js';
import { type Envelope } from './envelope.js';
import { RequestError, SessionError } from './errors.js';
import { RequestTable } from './requests.js';
export type RandomBytes = (n: number) => Uint8Array;
/** Writes one envelope to the current connection: the header, then the payload verbatim. See `joinEnvelope`. */
export type EnvelopeWriter = (header: string, payload: Uint8Array | string | undefined) => void;
export declare const SessionState: {
    readonly DETACHED: "DETACHED";
    readonly HELLO_SENT: "HELLO_SENT";
    readonly OPEN: "OPEN";
    readonly ENDED: "ENDED";
};
export type SessionState = (typeof SessionState)[keyof typeof SessionState];
/** What the machine tells its driver besides messages and requests. */
export type SessionEvent = 
/**
 * The handshake finished on this connection. `resumed`: the peer had the session, and exactly
 * the missing envelopes are being resent. Client only: `lost` is set when it had a session the
 * server no longer has (`SESSION_UNKNOWN`: the server restarted or dropped it;
 * `SESSION_EXPIRED`: we were away longer than the retention); `redelivered` retained envelopes
 * were written again in the new session marked with their origin; `failedRequests` requests
 * the old server had taken were rejected with the same code.
 */
{
    type: 'open';
    sessionId: string;
    resumed: boolean;
    lost?: SessionError;
    redelivered: number;
    failedRequests: number;
}
/** The peer acknowledged envelopes; `unacked` are still retained (0: everything sent was taken). */
 | {
    type: 'acked';
    upTo: number;
    unacked: number;
}
/** A PONG arrived with this token. */
 | {
    type: 'pong';
    token: number;
}
/**
 * Client only, once per disconnection: we have been detached for longer than the retention the
 * server announced, so it has dropped the session. Retained envelopes are kept and will be
 * redelivered in a new session; `end()` instead gives up on them.
 */
 | {
    type: 'expired';
    error: SessionError;
}
/** The session is over (ENDED). `error` is undefined for a deliberate `end()` on this side. */
 | {
    type: 'ended';
    error: SessionError | undefined;
    byPeer: boolean;
};
/**
 * The driver's side of the machine. Calls come synchronously from `receive`, `tick`, `open`,
 * `accept`, `end` and the request methods; the host may call back into the machine (`taken`,
 * `send`, `respond`...) from inside them.
 */
export interface SessionHost {
    /**
     * A one-way message for the application. `ticket` identifies it to {@link SessionMachine.taken}
     * (it counts deliveries across sessions, so a stale ticket is recognised). `origin` is ''
     * unless the message was already sent once in an earlier session (then it is redelivered and
     * `origin` is its stable id `<session id>.<seq>`). Return `true` when the application took it
     * already (a callback returned), `false` when it was queued: call `taken(ticket)` later.
     */
    message(payload: Uint8Array | string, ticket: number, origin: string): boolean;
    /** A request to run a handler for; answer with `respond(id, ...)` or `fail(id, ...)`. `origin` as for messages. */
    request(id: number, payload: Uint8Array | string, origin: string): void;
    /** The peer gave up on its request `id`: abort the handler's signal. Its answer is no longer needed. */
    cancelled(id: number): void;
    /** The answer to our request `id`. */
    response(id: number, payload: Uint8Array | string): void;
    /** Our request `id` failed: the peer's error, or ours (abort, timeout, lost session). */
    requestFailed(id: number, error: RequestError): void;
    /** Many of our requests failed at once for the same reason (the session ended): reject them all now. */
    requestsFailed(ids: readonly number[], code: Code, message: string): void;
    event(event: SessionEvent): void;
}
export interface SessionOptions {
    /** Random bytes for session ids and secrets (server; a client needs none). */
    random?: RandomBytes;
    /** @default Limits.sessionMaxUnackedMessages (4096) */
    maxUnackedMessages?: number;
    /** @default Limits.sessionMaxUnackedBytes (4 MiB) */
    maxUnackedBytes?: number;
    /** @default Limits.sessionAckEvery (32) */
    ackEvery?: number;
    /** @default Limits.sessionAckDelay (20 ms) */
    ackDelay?: number;
    /** Server: how long a detached session is kept, announced in WELCOME. @default Limits.sessionRetention (120000 ms) */
    retention?: number;
    /** Requests in flight at once, each side (announced to the peer). @default Limits.sessionMaxRequests (1024) */
    maxRequests?: number;
    /** Whether requests are answered by the application. `false`: each REQ is answered NO_HANDLER at once. @default true */
    handlesRequests?: boolean;
}
/** A retained envelope in a snapshot. */
export interface RetainedRecord {
    seq: number;
    kind: 'M' | 'Q' | 'R' | 'E' | 'C';
    /** REQ, RES, ERR, CANCEL: the request id. */
    id: number;
    payload: Uint8Array | string | undefined;
    /** ERR: the code. MSG, REQ: the origin, '' for none. */
    aux: string;
}
/**
 * The state of a detached server session, plain data (strings, numbers, arrays, byte arrays) so a
 * store can keep it in memory or serialize it (the cluster's NATS KV store). Messages the
 * application had received but not taken are not in it: they were not acknowledged, so the
 * client sends them again.
 */
export interface SessionSnapshot {
    version: 1;
    id: string;
    secret: string;
    /** When the last connection was lost (driver time, ms). */
    detachedAt: number;
    /** ms; the session expires at `detachedAt + retention`. */
    retention: number;
    nextSeq: number;
    acked: number;
    lastWritten: number;
    /** The application's `taken` (what a new process may resume from). */
    received: number;
    retained: RetainedRecord[];
    peerMaxRequests: number;
    nextRequestId: number;
    /** Our requests not yet answered (ids; the driver keeps their promises). */
    pending: Array<{
        id: number;
        seq: number;
        abandoned: boolean;
    }>;
    /** The peer's requests our handlers have not answered. */
    inbound: number[];
}
/** 16 random bytes as base64url without padding (22 characters): session ids and secrets. */
export declare function randomToken(random: RandomBytes): string;
/** Compares two secrets in time that depends on their lengths only, not on where they differ. */
export declare function secretsEqual(a: string, b: string): boolean;
/**
 * What a server does with a HELLO, given the state it holds for the named session (if any):
 * `new` (no id: open a new session), `unknown` (an id we do not have, or have expired: open a new
 * session and answer resumed=0), `resume`, or `forbidden` (the secret does not match: refuse with
 * SESSION_FORBIDDEN and close that connection only; the real session is not touched).
 */
export declare function classifyHello(hello: Envelope, held: {
    secret: string;
    expiresAt: number;
} | undefined, now: number): 'new' | 'unknown' | 'resume' | 'forbidden';
export declare class SessionMachine {
    readonly role: 'client' | 'server';
    private st;
    private write;
    private readonly host;
    private readonly random;
    private readonly env;
    readonly maxUnackedMessages: number;
    readonly maxUnackedBytes: number;
    readonly ackEvery: number;
    readonly ackDelay: number;
    private readonly handlesRequests;
    private sid;
    private secret;
    /** Server: announced; client: learned from WELCOME (0 until then). */
    retention: number;
    private nextSeq;
    private acked;
    private lastWritten;
    private readonly retained;
    private received;
    /** Highest seq the application took, all earlier ones included. */
    private takenSeq;
    private ackSent;
    private ackDeadline;
    /** Seqs of MSGs handed to the host and not yet taken, oldest first. */
    private untaken;
    private untakenHead;
    /** Set when `taken()` names the message `host.message` is delivering right now. */
    private takenAhead;
    /** ticket = ticketBase + seq; raised by the old `received` on each new session. */
    private ticketBase;
    private detachedAt;
    private expiredReported;
    readonly requests: RequestTable;
    /** Counters for stats and tests. */
    readonly counters: {
        duplicates: number;
        acksSent: number;
        resent: number;
        redelivered: number;
        staleTaken: number;
    };
    constructor(role: 'client' | 'server', host: SessionHost, options?: SessionOptions);
    /** Server: a machine for a session taken from a store. Call `accept(hello, write, now)` next. */
    static restore(snapshot: SessionSnapshot, host: SessionHost, options?: SessionOptions): SessionMachine;
    get state(): SessionState;
    /** '' until the first WELCOME (client) or `accept` (server). */
    get sessionId(): string;
    /** Whether `secret` is this session's resume secret (constant-time comparison). */
    ownsSecret(secret: string): boolean;
    /** Envelopes sent or waiting and not yet acknowledged. */
    get unackedMessages(): number;
    get unackedBytes(): number;
    /** When a detached session expires (driver time), `Infinity` while attached or before the first WELCOME. */
    get expiresAt(): number;
    /** Client: a connection is up; writes HELLO (a new session, or a resume of ours). */
    open(write: EnvelopeWriter, _now: number): void;
    /**
     * Server: attach a connection whose first envelope was `hello`, after `classifyHello` said
     * `new`, `unknown` (on a fresh machine) or `resume` (on this session's machine, live or
     * restored; a live one must have been `lost()` from its old connection first). Writes WELCOME
     * and then the retained envelopes the client is missing. Throws SESSION_PROTOCOL_ERROR when
     * the HELLO's numbers cannot be right for this session.
     */
    accept(hello: Envelope, write: EnvelopeWriter, now: number): void;
    /** The connection is gone (closed, reset, timed out). The session lives on until it expires. */
    lost(now: number): void;
    /**
     * Ends the session deliberately: writes END when attached, rejects every pending request with
     * CONNECTION_CLOSED (in this call), cancels the peer's requests. The driver closes the connection.
     */
    end(code?: string): void;
    /** Server: the plain state to keep in a store while detached. See {@link SessionSnapshot}. */
    snapshot(): SessionSnapshot;
    /** The next time `tick` has work (an ACK due, an expiry), or `Infinity`. */
    nextDeadline(): number;
    /** Writes a due ACK; reports expiry (server: the session ends; client: an `expired` event). */
    tick(now: number): void;
    /**
     * Sends a one-way message (the codec's bytes or text). `sent`: written now. `queued`: retained
     * and written when a connection is up. `backpressured`: accepted, but the retained envelopes
     * are over half of either cap: slow down. `dropped`: not accepted, the retained envelopes are at
     * a cap (the driver applies its overflow policy: report, or close with SEND_OVERFLOW).
     * `closed`: the session is over.
     */
    send(payload: Uint8Array | string): SendStatus;
    /**
     * Sends a request; returns its id (the driver keeps its promise under it and arms its timeout).
     * Throws RequestError TOO_MANY_REQUESTS (our limit or the peer's announced one), SEND_OVERFLOW
     * (retained envelopes at a cap) or CONNECTION_CLOSED (the session is over).
     */
    request(payload: Uint8Array | string): number;
    /**
     * The caller gives up on request `id` (its AbortSignal fired: REQUEST_ABORTED; the driver's
     * timer: REQUEST_TIMEOUT). Rejects it through the host at once and sends CANCEL, so the peer's
     * handler signal aborts. Returns false when the request was already settled.
     */
    abandon(id: number, code: typeof ErrorCode.REQUEST_ABORTED | typeof ErrorCode.REQUEST_TIMEOUT, message?: string): boolean;
    /** Answers the peer's request `id`. False when it is no longer waiting (cancelled, session ended). */
    respond(id: number, payload: Uint8Array | string): boolean;
    /**
     * Answers the peer's request `id` with an error: a code (`[A-Z0-9_]{1,64}`; anything else is
     * sent as REQUEST_FAILED) and a message (cut to 1024 UTF-8 bytes). Never pass a stack.
     */
    fail(id: number, code: string, message: string): boolean;
    /** Writes a PING (application-level heartbeat); the PONG comes back as a `pong` event. */
    ping(token?: number): boolean;
    /**
     * The application took the message with `ticket` (and every earlier one). Acknowledges it, at
     * once when `ackEvery` are due, else by `ackDelay` (see `nextDeadline`).
     */
    taken(ticket: number, now: number): void;
    /**
     * One frame received on the current connection. Delivers through the host. Throws a
     * SessionError (ENVELOPE_INVALID, SESSION_VERSION_UNSUPPORTED, SESSION_PROTOCOL_ERROR,
     * TOO_MANY_REQUESTS, SESSION_FORBIDDEN, SESSION_ENDED...): the driver closes this connection;
     * the session has ended (state ENDED) and its pending requests were rejected.
     */
    receive(frame: Uint8Array | string, now: number): void;
    private handle;
    private onWelcome;
    /**
     * Client, new session after the server lost ours: keep retained MSG and REQ envelopes (those
     * already written get their origin), drop RES/ERR/CANCEL (they answer the old server's state),
     * renumber from 1, fail requests the old server had taken, forget the peer's requests.
     */
    private rebase;
    private onSequenced;
    private onAck;
    private checkPeerReceived;
    private full;
    private halfFull;
    /** Retains a sequenced envelope that must not be refused (answers); writes it when attached. */
    private queueSequenced;
    private writeSequenced;
    /** Writes retained envelopes with seq above `from`, in order. */
    private flushRetained;
    private advanceTaken;
    private sendAck;
    /** ENDED: reject every pending request, cancel the peer's, report once. */
    private finish;
}

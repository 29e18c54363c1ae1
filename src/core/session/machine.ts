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
 *     one (`tick`, or the next `receive`/`taken` at or after that time). An ACK that is due
 *     rides on a sequenced envelope going the other way when one is written before it left on
 *     its own; one that is not due yet is never piggybacked (that would be one ACK per message).
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
import { ConfigError, ErrorCode, type ErrorCode as Code } from '../errors.js';
import { Limits } from '../limits.js';
import type { SendStatus } from '../send-status.js';
import {
  SESSION_ERROR_MESSAGE_MAX,
  EnvelopeHead,
  EnvelopeKind,
  ackHeader,
  cancelHeader,
  decodeEnvelope,
  emptyEnvelope,
  endHeader,
  errorHeader,
  helloHeader,
  messageHeader,
  pingHeader,
  pongHeader,
  requestHeader,
  responseHeader,
  welcomeHeader,
  type Envelope,
} from './envelope.js';
import { RequestError, SessionError, localCodeFor } from './errors.js';
import { RequestTable } from './requests.js';
import { RetainedRing } from './ring.js';

export type RandomBytes = (n: number) => Uint8Array;

/**
 * Writes one envelope to the current connection: the header, then the payload verbatim. See
 * `joinEnvelope`. A writer may also have a `sequenced` function: the machine then hands it the
 * headers of sequenced envelopes (MSG, REQ, RES, ERR, CANCEL) as an {@link EnvelopeHead} (numbers,
 * written into the frame without building a string; the same bytes). The head object is reused:
 * it is valid only during the call.
 */
export type EnvelopeWriter = ((header: string, payload: Uint8Array | string | undefined) => void) & {
  sequenced?: (head: EnvelopeHead, payload: Uint8Array | string | undefined) => void;
};

export const SessionState = {
  DETACHED: 'DETACHED',
  HELLO_SENT: 'HELLO_SENT',
  OPEN: 'OPEN',
  ENDED: 'ENDED',
} as const;
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
  | { type: 'open'; sessionId: string; resumed: boolean; lost?: SessionError; redelivered: number; failedRequests: number }
  /**
   * The peer acknowledged envelopes; `unacked` are still retained (0: everything sent was taken).
   * One object is reused for every ACK: read it during the `event` call, do not keep it.
   */
  | { type: 'acked'; upTo: number; unacked: number }
  /** A PONG arrived with this token. */
  | { type: 'pong'; token: number }
  /**
   * Client only, once per disconnection: we have been detached for longer than the retention the
   * server announced, so it has dropped the session. Retained envelopes are kept and will be
   * redelivered in a new session; `end()` instead gives up on them.
   */
  | { type: 'expired'; error: SessionError }
  /** The session is over (ENDED). `error` is undefined for a deliberate `end()` on this side. */
  | { type: 'ended'; error: SessionError | undefined; byPeer: boolean };

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
  pending: Array<{ id: number; seq: number; abandoned: boolean }>;
  /** The peer's requests our handlers have not answered. */
  inbound: number[];
  /**
   * Durable sessions (a snapshot rebuilt from a session log): the peer's seq up to which the
   * node that wrote it may have delivered messages and requests to its application. On restore,
   * those above `received` that the peer sends again arrive flagged redelivered (origin
   * `<session id>.<seq>`): they may be repeats. Absent: 0.
   */
  delivered?: number;
}

/** A snapshot without its retained envelopes: what a session log records with each write. */
export type SessionMeta = Omit<SessionSnapshot, 'retained'>;

const K_M = 0x4d, K_Q = 0x51, K_R = 0x52, K_E = 0x45, K_C = 0x43;

/** 16 random bytes as base64url without padding (22 characters): session ids and secrets. */
export function randomToken(random: RandomBytes): string {
  const b = random(16);
  if (b.length < 16) throw misuse(`random(16) returned ${b.length} bytes, expected 16`);
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = '';
  for (let i = 0; i < 15; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += A[n >> 18]! + A[(n >> 12) & 63]! + A[(n >> 6) & 63]! + A[n & 63]!;
  }
  return s + A[b[15]! >> 2]! + A[(b[15]! & 3) << 4]!;
}

/** Compares two secrets in time that depends on their lengths only, not on where they differ. */
export function secretsEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = a.length > b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/**
 * What a server does with a HELLO, given the state it holds for the named session (if any):
 * `new` (no id: open a new session), `unknown` (an id we do not have, or have expired: open a new
 * session and answer resumed=0), `resume`, or `forbidden` (the secret does not match: refuse with
 * SESSION_FORBIDDEN and close that connection only; the real session is not touched).
 */
export function classifyHello(
  hello: Envelope,
  held: { secret: string; expiresAt: number } | undefined,
  now: number,
): 'new' | 'unknown' | 'resume' | 'forbidden' {
  if (hello.sessionId === '') return 'new';
  if (held === undefined || held.expiresAt <= now) return 'unknown';
  return secretsEqual(hello.secret, held.secret) ? 'resume' : 'forbidden';
}

export class SessionMachine {
  readonly role: 'client' | 'server';
  private st: SessionState = SessionState.DETACHED;
  private write: EnvelopeWriter | undefined;
  /** `write.sequenced`, when the writer takes headers as numbers. */
  private writeHead: EnvelopeWriter['sequenced'];
  private readonly head = new EnvelopeHead();
  private readonly ackedEvent = { type: 'acked' as const, upTo: 0, unacked: 0 };
  private readonly host: SessionHost;
  private readonly random: RandomBytes | undefined;
  private readonly env: Envelope = emptyEnvelope();

  // options
  readonly maxUnackedMessages: number;
  readonly maxUnackedBytes: number;
  readonly ackEvery: number;
  readonly ackDelay: number;
  private readonly handlesRequests: boolean;

  // session identity
  private sid = '';
  private secret = '';
  /** Server: announced; client: learned from WELCOME (0 until then). */
  retention: number;

  // sending
  private nextSeq = 1;
  private acked = 0;
  private lastWritten = 0;
  private readonly retained = new RetainedRing();

  // receiving
  private received = 0;
  /** Highest seq the application took, all earlier ones included. */
  private takenSeq = 0;
  private ackSent = 0;
  private ackDeadline = Infinity;
  /** The latest `now` the driver passed (receive, taken, tick): whether an ACK is due by time. */
  private clock = 0;
  /** Seqs of MSGs handed to the host and not yet taken, oldest first. */
  private untaken: number[] = [];
  private untakenHead = 0;
  /** Set when `taken()` names the message `host.message` is delivering right now. */
  private takenAhead = 0;
  /** ticket = ticketBase + seq; raised by the old `received` on each new session. */
  private ticketBase = 0;
  /** Restored from a session log: MSG and REQ up to this seq may have reached the old node's application. */
  private redeliverUpTo = 0;

  // lifecycle
  private detachedAt = 0;
  private expiredReported = false;

  readonly requests: RequestTable;

  /** Counters for stats and tests. */
  readonly counters = { duplicates: 0, acksSent: 0, resent: 0, redelivered: 0, staleTaken: 0 };

  constructor(role: 'client' | 'server', host: SessionHost, options: SessionOptions = {}) {
    this.role = role;
    this.host = host;
    this.random = options.random;
    this.maxUnackedMessages = options.maxUnackedMessages ?? Limits.sessionMaxUnackedMessages;
    this.maxUnackedBytes = options.maxUnackedBytes ?? Limits.sessionMaxUnackedBytes;
    this.ackEvery = options.ackEvery ?? Limits.sessionAckEvery;
    this.ackDelay = options.ackDelay ?? Limits.sessionAckDelay;
    this.retention = role === 'server' ? (options.retention ?? Limits.sessionRetention) : 0;
    this.handlesRequests = options.handlesRequests ?? true;
    this.requests = new RequestTable(options.maxRequests ?? Limits.sessionMaxRequests);
    if (role === 'server' && this.random === undefined) {
      throw misuse('a server SessionMachine needs `random` for session ids and secrets');
    }
  }

  /** Server: a machine for a session taken from a store. Call `accept(hello, write, now)` next. */
  static restore(snapshot: SessionSnapshot, host: SessionHost, options: SessionOptions = {}): SessionMachine {
    const m = new SessionMachine('server', host, { ...options, retention: snapshot.retention });
    m.sid = snapshot.id;
    m.secret = snapshot.secret;
    m.detachedAt = snapshot.detachedAt;
    m.nextSeq = snapshot.nextSeq;
    m.acked = snapshot.acked;
    m.lastWritten = snapshot.lastWritten;
    m.received = snapshot.received;
    m.takenSeq = snapshot.received;
    m.ackSent = snapshot.received;
    for (const r of snapshot.retained) m.retained.push(r.kind.charCodeAt(0), r.id, r.payload, r.aux);
    m.requests.peerMax = snapshot.peerMaxRequests;
    m.requests.nextRequestId = snapshot.nextRequestId;
    for (const p of snapshot.pending) m.requests.pending.set(p.id, { seq: p.seq, abandoned: p.abandoned });
    for (const id of snapshot.inbound) m.requests.inbound.add(id);
    m.redeliverUpTo = snapshot.delivered ?? 0;
    return m;
  }

  get state(): SessionState {
    return this.st;
  }
  /** '' until the first WELCOME (client) or `accept` (server). */
  get sessionId(): string {
    return this.sid;
  }
  /** Whether `secret` is this session's resume secret (constant-time comparison). */
  ownsSecret(secret: string): boolean {
    return this.secret !== '' && secretsEqual(secret, this.secret);
  }
  /** Envelopes sent or waiting and not yet acknowledged. */
  get unackedMessages(): number {
    return this.retained.length;
  }
  get unackedBytes(): number {
    return this.retained.bytes;
  }
  /** When a detached session expires (driver time), `Infinity` while attached or before the first WELCOME. */
  get expiresAt(): number {
    return this.st === SessionState.DETACHED && this.sid !== '' && this.retention > 0 ? this.detachedAt + this.retention : Infinity;
  }

  // -------------------------------------------------------------------------------------------
  // Connections

  /** Client: a connection is up; writes HELLO (a new session, or a resume of ours). */
  open(write: EnvelopeWriter, _now: number): void {
    if (this.role !== 'client') throw misuse('open() is for clients; a server calls accept()');
    if (this.st !== SessionState.DETACHED) throw misuse(`open() in state ${this.st}, expected DETACHED`);
    this.write = write;
    this.writeHead = write.sequenced;
    this.st = SessionState.HELLO_SENT;
    this.ackSent = this.takenSeq;
    write(helloHeader(this.sid, this.secret, this.received, this.takenSeq, this.requests.ownMax), undefined);
  }

  /**
   * Server: attach a connection whose first envelope was `hello`, after `classifyHello` said
   * `new`, `unknown` (on a fresh machine) or `resume` (on this session's machine, live or
   * restored; a live one must have been `lost()` from its old connection first). Writes WELCOME
   * and then the retained envelopes the client is missing. Throws SESSION_PROTOCOL_ERROR when
   * the HELLO's numbers cannot be right for this session.
   */
  accept(hello: Envelope, write: EnvelopeWriter, now: number): void {
    if (this.role !== 'server') throw misuse('accept() is for servers; a client calls open()');
    if (this.st !== SessionState.DETACHED) throw misuse(`accept() in state ${this.st}, expected DETACHED (call lost() first)`);
    if (hello.kind !== EnvelopeKind.Hello) throw protocol(`expected a HELLO to open a session, got ${hello.kind}`);
    this.requests.peerMax = hello.maxRequests;
    if (this.sid === '') {
      this.sid = randomToken(this.random!);
      this.secret = randomToken(this.random!);
      this.write = write;
      this.writeHead = write.sequenced;
      this.st = SessionState.OPEN;
      write(welcomeHeader(this.sid, this.secret, 0, 0, false, this.retention, this.requests.ownMax), undefined);
      this.flushRetained(0);
      this.host.event({ type: 'open', sessionId: this.sid, resumed: false, redelivered: 0, failedRequests: 0 });
      return;
    }
    if (hello.sessionId !== this.sid) throw protocol(`HELLO for session ${hello.sessionId} given to session ${this.sid}`);
    this.checkPeerReceived(hello.received, hello.ack, 'HELLO');
    this.write = write;
    this.writeHead = write.sequenced;
    this.st = SessionState.OPEN;
    this.ackSent = this.takenSeq;
    write(welcomeHeader(this.sid, '', this.received, this.takenSeq, true, this.retention, this.requests.ownMax), undefined);
    this.onAck(hello.ack, now);
    this.flushRetained(hello.received);
    this.host.event({ type: 'open', sessionId: this.sid, resumed: true, redelivered: 0, failedRequests: 0 });
  }

  /** The connection is gone (closed, reset, timed out). The session lives on until it expires. */
  lost(now: number): void {
    if (this.st === SessionState.ENDED || this.st === SessionState.DETACHED) return;
    this.st = SessionState.DETACHED;
    this.write = undefined;
    this.writeHead = undefined;
    this.detachedAt = now;
    this.expiredReported = false;
    this.ackDeadline = Infinity;
  }

  /**
   * Ends the session deliberately: writes END when attached, rejects every pending request with
   * CONNECTION_CLOSED (in this call), cancels the peer's requests. The driver closes the connection.
   */
  end(code = ''): void {
    if (this.st === SessionState.ENDED) return;
    if (this.write !== undefined && this.st === SessionState.OPEN) this.write(endHeader(code), undefined);
    this.finish(undefined, false, ErrorCode.CONNECTION_CLOSED, 'the session was ended');
  }

  /** Server: the plain state to keep in a store while detached. See {@link SessionSnapshot}. */
  snapshot(): SessionSnapshot {
    return { ...this.meta(), retained: this.records(1, Infinity) };
  }

  /** The snapshot's fields but its retained envelopes (cheap: what a session log writes each time). */
  meta(): SessionMeta {
    return {
      version: 1, id: this.sid, secret: this.secret, detachedAt: this.detachedAt, retention: this.retention,
      nextSeq: this.nextSeq, acked: this.acked, lastWritten: this.lastWritten, received: this.takenSeq,
      peerMaxRequests: this.requests.peerMax, nextRequestId: this.requests.nextRequestId,
      pending: [...this.requests.pending].map(([id, p]) => ({ id, seq: p.seq, abandoned: p.abandoned })),
      inbound: [...this.requests.inbound],
    };
  }

  /** The peer's cumulative acknowledgement of our envelopes. */
  get ackedUpTo(): number {
    return this.acked;
  }
  /** The highest seq received from the peer, in order. */
  get receivedUpTo(): number {
    return this.received;
  }
  /** The highest seq written to a connection so far. */
  get written(): number {
    return this.lastWritten;
  }

  /** Retained envelopes with seq from `from` to `to` (both included, clipped to what is retained). */
  records(from: number, to: number): RetainedRecord[] {
    const out: RetainedRecord[] = [];
    const first = this.acked + 1;
    const end = Math.min(this.retained.length, to - first + 1);
    for (let k = Math.max(0, from - first); k < end; k++) {
      out.push({
        seq: first + k,
        kind: String.fromCharCode(this.retained.kind(k)) as RetainedRecord['kind'],
        id: this.retained.id(k),
        payload: this.retained.payload(k),
        aux: this.retained.auxOf(k),
      });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** The next time `tick` has work (an ACK due, an expiry), or `Infinity`. */
  nextDeadline(): number {
    const exp = this.st === SessionState.DETACHED && !this.expiredReported ? this.expiresAt : Infinity;
    return this.ackDeadline < exp ? this.ackDeadline : exp;
  }

  /** Writes a due ACK; reports expiry (server: the session ends; client: an `expired` event). */
  tick(now: number): void {
    this.clock = now;
    if (this.st === SessionState.OPEN && now >= this.ackDeadline) this.sendAck();
    if (this.st === SessionState.DETACHED && !this.expiredReported && now >= this.expiresAt) {
      this.expiredReported = true;
      const error = new SessionError(ErrorCode.SESSION_EXPIRED,
        `session ${this.sid} was detached for ${now - this.detachedAt} ms, longer than its retention of ${this.retention} ms`);
      if (this.role === 'server') this.finish(error, false, ErrorCode.SESSION_EXPIRED, error.message);
      else this.host.event({ type: 'expired', error });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Sends a one-way message (the codec's bytes or text). `sent`: written now. `queued`: retained
   * and written when a connection is up. `backpressured`: accepted, but the retained envelopes
   * are over half of either cap: slow down. `dropped`: not accepted, the retained envelopes are at
   * a cap (the driver applies its overflow policy: report, or close with SEND_OVERFLOW).
   * `closed`: the session is over.
   */
  send(payload: Uint8Array | string): SendStatus {
    if (this.st === SessionState.ENDED) return 'closed';
    if (this.full()) return 'dropped';
    const seq = this.nextSeq++;
    this.retained.push(K_M, 0, payload, '');
    if (this.st === SessionState.OPEN) {
      this.writeSequenced(K_M, seq, 0, payload, '');
      return this.halfFull() ? 'backpressured' : 'sent';
    }
    return this.halfFull() ? 'backpressured' : 'queued';
  }

  /**
   * Sends a request; returns its id (the driver keeps its promise under it and arms its timeout).
   * Throws RequestError TOO_MANY_REQUESTS (our limit or the peer's announced one), SEND_OVERFLOW
   * (retained envelopes at a cap) or CONNECTION_CLOSED (the session is over).
   */
  request(payload: Uint8Array | string): number {
    if (this.st === SessionState.ENDED) throw new RequestError(ErrorCode.CONNECTION_CLOSED, 'request on an ended session', 0);
    if (this.requests.room <= 0) {
      throw new RequestError(ErrorCode.TOO_MANY_REQUESTS,
        `${this.requests.pending.size} requests in flight, the limit is ${this.requests.room + this.requests.pending.size}`, 0);
    }
    if (this.full()) {
      throw new RequestError(ErrorCode.SEND_OVERFLOW,
        `${this.retained.length} envelopes (${this.retained.bytes} bytes) await acknowledgement, the limit is ${this.maxUnackedMessages} (${this.maxUnackedBytes} bytes)`, 0);
    }
    const seq = this.nextSeq++;
    const id = this.requests.open(seq);
    this.retained.push(K_Q, id, payload, '');
    if (this.st === SessionState.OPEN) this.writeSequenced(K_Q, seq, id, payload, '');
    return id;
  }

  /**
   * The caller gives up on request `id` (its AbortSignal fired: REQUEST_ABORTED; the driver's
   * timer: REQUEST_TIMEOUT). Rejects it through the host at once and sends CANCEL, so the peer's
   * handler signal aborts. Returns false when the request was already settled.
   */
  abandon(id: number, code: typeof ErrorCode.REQUEST_ABORTED | typeof ErrorCode.REQUEST_TIMEOUT, message?: string): boolean {
    if (!this.requests.abandon(id)) return false;
    this.host.requestFailed(id, new RequestError(code, message ?? (code === ErrorCode.REQUEST_TIMEOUT ? `request ${id} got no answer in time` : `request ${id} was aborted`), id));
    if (this.st !== SessionState.ENDED && !this.full()) {
      const seq = this.nextSeq++;
      this.retained.push(K_C, id, undefined, '');
      if (this.st === SessionState.OPEN) this.writeSequenced(K_C, seq, id, undefined, '');
    }
    return true;
  }

  /** Answers the peer's request `id`. False when it is no longer waiting (cancelled, session ended). */
  respond(id: number, payload: Uint8Array | string): boolean {
    if (this.st === SessionState.ENDED || !this.requests.answer(id)) return false;
    this.queueSequenced(K_R, id, payload, '');
    return true;
  }

  /**
   * Answers the peer's request `id` with an error: a code (`[A-Z0-9_]{1,64}`; anything else is
   * sent as REQUEST_FAILED) and a message (cut to 1024 UTF-8 bytes). Never pass a stack.
   */
  fail(id: number, code: string, message: string): boolean {
    if (this.st === SessionState.ENDED || !this.requests.answer(id)) return false;
    this.queueSequenced(K_E, id, clipMessage(message), /^[A-Z0-9_]{1,64}$/.test(code) ? code : ErrorCode.REQUEST_FAILED);
    return true;
  }

  /** Writes a PING (application-level heartbeat); the PONG comes back as a `pong` event. */
  ping(token = -1): boolean {
    if (this.st !== SessionState.OPEN) return false;
    this.write!(pingHeader(token), undefined);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /**
   * The application took the message with `ticket` (and every earlier one). Acknowledges it, at
   * once when `ackEvery` are due, else by `ackDelay` (see `nextDeadline`).
   */
  taken(ticket: number, now: number): void {
    this.clock = now;
    const seq = ticket - this.ticketBase;
    if (seq <= 0) {
      this.counters.staleTaken++;
      return;
    }
    if (seq > this.received) {
      // The message being delivered right now, taken from inside `host.message`.
      this.takenAhead = seq;
      return;
    }
    const q = this.untaken;
    while (this.untakenHead < q.length && q[this.untakenHead]! <= seq) this.untakenHead++;
    if (this.untakenHead === q.length) {
      q.length = 0;
      this.untakenHead = 0;
    }
    this.advanceTaken(now);
  }

  /**
   * One frame received on the current connection. Delivers through the host. Throws a
   * SessionError (ENVELOPE_INVALID, SESSION_VERSION_UNSUPPORTED, SESSION_PROTOCOL_ERROR,
   * TOO_MANY_REQUESTS, SESSION_FORBIDDEN, SESSION_ENDED...): the driver closes this connection;
   * the session has ended (state ENDED) and its pending requests were rejected.
   */
  receive(frame: Uint8Array | string, now: number): void {
    if (this.st === SessionState.ENDED || this.st === SessionState.DETACHED) return;
    this.clock = now;
    try {
      this.handle(decodeEnvelope(frame, this.env), now);
    } catch (err) {
      this.endOn(err);
      throw err;
    }
  }

  /**
   * `receive` of a MSG whose header the driver has already parsed (`fastMessageAt`: `1M<seq>[,<ack>];`,
   * so seq >= 1 and ack >= 0 are valid numbers) and cut off: `payload` is what follows it. The same
   * checks and effects as `receive(frame)` of the whole envelope; saves the driver a second view.
   */
  receiveMessage(seq: number, ack: number, payload: Uint8Array, now: number): void {
    if (this.st === SessionState.ENDED || this.st === SessionState.DETACHED) return;
    this.clock = now;
    try {
      if (this.st === SessionState.OPEN) {
        // The common case, without filling the envelope record: `handle` -> `onSequenced`.
        if (ack > 0) this.onAck(ack, now);
        this.onMessage(seq, payload, '', now);
        return;
      }
      const e = this.env;
      e.version = 1; e.kind = 'M'; e.seq = seq; e.ack = ack; e.id = 0; e.sessionId = ''; e.secret = '';
      e.received = 0; e.resumed = false; e.retention = 0; e.maxRequests = 0; e.code = ''; e.versions = '';
      e.origin = ''; e.token = -1; e.payload = payload;
      this.handle(e, now);
    } catch (err) {
      this.endOn(err);
      throw err;
    }
  }

  /** A frame was refused with `err`: a SessionError ends the session (once). */
  private endOn(err: unknown): void {
    if (err instanceof SessionError && this.st !== SessionState.ENDED) {
      this.finish(err, err.code === ErrorCode.SESSION_ENDED, ErrorCode.CONNECTION_CLOSED, err.message);
    }
  }

  private handle(e: Envelope, now: number): void {
    if (this.st === SessionState.HELLO_SENT) {
      if (e.kind === 'W') return this.onWelcome(e, now);
      if (e.kind === 'N') {
        const code = (e.code === ErrorCode.SESSION_FORBIDDEN || e.code === ErrorCode.SESSION_VERSION_UNSUPPORTED ? e.code : ErrorCode.SESSION_PROTOCOL_ERROR) as Code;
        throw new SessionError(code, `the server refused the session with ${e.code} (it speaks versions "${e.versions}")`, { details: { code: e.code, versions: e.versions } });
      }
      throw protocol(`${e.kind} before WELCOME, expected WELCOME or REFUSE`);
    }
    switch (e.kind) {
      case 'M': case 'Q': case 'R': case 'E': case 'C':
        return this.onSequenced(e, now);
      case 'A':
        return this.onAck(e.ack, now);
      case 'P':
        this.write!(pongHeader(e.token), undefined);
        return;
      case 'O':
        this.host.event({ type: 'pong', token: e.token });
        return;
      case 'X':
        throw new SessionError(ErrorCode.SESSION_ENDED, `the peer ended session ${this.sid}${e.code ? ` (${e.code})` : ''}`);
      default:
        throw protocol(`${e.kind} on an open session, expected M Q R E C A P O or X`);
    }
  }

  private onWelcome(e: Envelope, now: number): void {
    this.requests.peerMax = e.maxRequests;
    this.retention = e.retention;
    if (e.resumed) {
      if (this.sid === '' || e.sessionId !== this.sid) throw protocol(`WELCOME resumed session ${e.sessionId}, but we asked for ${this.sid || 'a new one'}`);
      if (e.secret !== '') throw protocol('WELCOME of a resumed session carries a secret');
      this.checkPeerReceived(e.received, e.ack, 'WELCOME');
      this.st = SessionState.OPEN;
      this.onAck(e.ack, now);
      this.flushRetained(e.received);
      this.host.event({ type: 'open', sessionId: this.sid, resumed: true, redelivered: 0, failedRequests: 0 });
      return;
    }
    if (e.secret === '') throw protocol('WELCOME of a new session without a secret');
    if (e.received !== 0 || e.ack !== 0) throw protocol(`WELCOME of a new session with received ${e.received}, ack ${e.ack}, expected 0 and 0`);
    const previous = this.sid;
    let lost: SessionError | undefined;
    let redelivered = 0;
    let failedRequests = 0;
    if (previous !== '') {
      const expired = this.expiredReported || (this.retention > 0 && now - this.detachedAt >= this.retention);
      lost = new SessionError(expired ? ErrorCode.SESSION_EXPIRED : ErrorCode.SESSION_UNKNOWN, expired
        ? `session ${previous} expired while we were away; new session ${e.sessionId}: messages the server held for us are lost`
        : `the server no longer has session ${previous} (restarted or dropped it); new session ${e.sessionId}: messages it held for us are lost`);
      ({ redelivered, failedRequests } = this.rebase(previous, lost));
    }
    this.sid = e.sessionId;
    this.secret = e.secret;
    this.st = SessionState.OPEN;
    this.flushRetained(0);
    const ev: SessionEvent = { type: 'open', sessionId: this.sid, resumed: false, redelivered, failedRequests };
    if (lost !== undefined) ev.lost = lost;
    this.host.event(ev);
  }

  /**
   * Client, new session after the server lost ours: keep retained MSG and REQ envelopes (those
   * already written get their origin), drop RES/ERR/CANCEL (they answer the old server's state),
   * renumber from 1, fail requests the old server had taken, forget the peer's requests.
   */
  private rebase(previous: string, lost: SessionError): { redelivered: number; failedRequests: number } {
    const keep = new RetainedRing();
    let redelivered = 0;
    for (let k = 0; k < this.retained.length; k++) {
      const kind = this.retained.kind(k);
      const id = this.retained.id(k);
      if (kind !== K_M && kind !== K_Q) continue;
      const oldSeq = this.acked + 1 + k;
      if (kind === K_Q) {
        const p = this.requests.pending.get(id);
        if (p === undefined || p.abandoned) {
          this.requests.pending.delete(id);
          continue;
        }
        p.seq = keep.length + 1;
      }
      let origin = this.retained.auxOf(k);
      if (origin === '' && oldSeq <= this.lastWritten) origin = previous + '.' + oldSeq;
      if (origin !== '') redelivered++;
      keep.push(kind, id, this.retained.payload(k), origin);
    }
    // Requests whose REQ the old server had acknowledged (taken): their answers are gone.
    const kept = new Set<number>();
    for (let k = 0; k < keep.length; k++) if (keep.kind(k) === K_Q) kept.add(keep.id(k));
    const failed: number[] = [];
    for (const [id, p] of this.requests.pending) {
      if (!kept.has(id)) {
        this.requests.pending.delete(id);
        if (!p.abandoned) failed.push(id);
      }
    }
    if (failed.length > 0) this.host.requestsFailed(failed, lost.code, lost.message);
    for (const id of this.requests.inbound) this.host.cancelled(id);
    this.requests.inbound.clear();
    this.retained.clear();
    for (let k = 0; k < keep.length; k++) this.retained.push(keep.kind(k), keep.id(k), keep.payload(k), keep.auxOf(k));
    this.nextSeq = keep.length + 1;
    this.acked = 0;
    this.lastWritten = 0;
    this.ticketBase += this.received;
    this.received = 0;
    this.takenSeq = 0;
    this.ackSent = 0;
    this.untaken.length = 0;
    this.untakenHead = 0;
    this.counters.redelivered += redelivered;
    return { redelivered, failedRequests: failed.length };
  }

  private onSequenced(e: Envelope, now: number): void {
    if (e.ack > 0) this.onAck(e.ack, now);
    if (e.kind === 'M') return this.onMessage(e.seq, e.payload, e.origin, now);
    const seq = e.seq;
    if (seq <= this.received) {
      this.counters.duplicates++;
      return;
    }
    if (seq !== this.received + 1) throw protocol(`${e.kind} with seq ${seq} after ${this.received}, expected ${this.received + 1}`, { seq, expected: this.received + 1 });
    switch (e.kind) {
      case 'Q': {
        const r = this.requests.receive(e.id);
        if (r === 'full') {
          throw new SessionError(ErrorCode.TOO_MANY_REQUESTS,
            `request ${e.id} arrived with ${this.requests.inbound.size} requests in flight, we announced at most ${this.requests.ownMax}`);
        }
        if (r === 'duplicate') throw protocol(`request id ${e.id} is already in flight`);
        this.received = seq;
        this.advanceTaken(now);
        if (!this.handlesRequests) {
          this.requests.answer(e.id);
          this.queueSequenced(K_E, e.id, 'no request handler', ErrorCode.NO_HANDLER);
          return;
        }
        this.host.request(e.id, e.payload, e.origin === '' && seq <= this.redeliverUpTo ? this.sid + '.' + seq : e.origin);
        return;
      }
      case 'R':
      case 'E': {
        this.received = seq;
        this.advanceTaken(now);
        if (this.requests.settle(e.id) !== 'live') return;
        if (e.kind === 'R') this.host.response(e.id, e.payload);
        else {
          const msg = e.payload as string;
          this.host.requestFailed(e.id, new RequestError(localCodeFor(e.code), `the peer answered request ${e.id} with ${e.code}: ${msg}`, e.id, e.code));
        }
        return;
      }
      case 'C': {
        this.received = seq;
        this.advanceTaken(now);
        if (this.requests.answer(e.id)) {
          this.queueSequenced(K_E, e.id, 'the requester cancelled the request', ErrorCode.REQUEST_ABORTED);
          this.host.cancelled(e.id);
        }
        return;
      }
    }
  }

  /** A MSG `seq` (its ack already handled): delivered through the host, taken, acknowledged. */
  private onMessage(seq: number, payload: Uint8Array | string, origin: string, now: number): void {
    if (seq <= this.received) {
      this.counters.duplicates++;
      return;
    }
    if (seq !== this.received + 1) throw protocol(`M with seq ${seq} after ${this.received}, expected ${this.received + 1}`, { seq, expected: this.received + 1 });
    // `received` moves after the callback, so a `taken()` for this very message from inside
    // it is recognised (takenAhead) and no earlier take can count it by mistake.
    this.takenAhead = 0;
    const took = this.host.message(payload, this.ticketBase + seq, origin === '' && seq <= this.redeliverUpTo ? this.sid + '.' + seq : origin);
    this.received = seq;
    if (took || this.takenAhead >= seq) {
      // Taking a message takes every earlier one (cumulative).
      if (this.untakenHead !== this.untaken.length) {
        this.untaken.length = 0;
        this.untakenHead = 0;
      }
      this.advanceTaken(now);
    } else {
      this.untaken.push(seq);
    }
  }

  private onAck(ack: number, _now: number): void {
    if (ack <= this.acked) return;
    if (ack > this.lastWritten) {
      throw protocol(`ACK for seq ${ack}, but the highest seq we wrote is ${this.lastWritten}`, { ack, lastWritten: this.lastWritten });
    }
    this.retained.shift(ack - this.acked);
    this.acked = ack;
    // One event object reused for every ACK (one arrives with nearly every envelope when
    // messages flow both ways): the host reads it during the call.
    const ev = this.ackedEvent;
    ev.upTo = ack;
    ev.unacked = this.retained.length;
    this.host.event(ev);
  }

  private checkPeerReceived(received: number, ack: number, what: string): void {
    if (ack > received) throw protocol(`${what} acknowledges seq ${ack} but says it received only up to ${received}`, { received, ack });
    if (received < this.acked || received > this.lastWritten) {
      throw protocol(`${what} says the peer received up to seq ${received}, expected ${this.acked} to ${this.lastWritten}`, { received, acked: this.acked, lastWritten: this.lastWritten });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private full(): boolean {
    return this.retained.length >= this.maxUnackedMessages || this.retained.bytes >= this.maxUnackedBytes;
  }

  private halfFull(): boolean {
    return this.retained.length * 2 > this.maxUnackedMessages || this.retained.bytes * 2 > this.maxUnackedBytes;
  }

  /** Retains a sequenced envelope that must not be refused (answers); writes it when attached. */
  private queueSequenced(kind: number, id: number, payload: Uint8Array | string | undefined, aux: string): void {
    const seq = this.nextSeq++;
    this.retained.push(kind, id, payload, aux);
    if (this.st === SessionState.OPEN) this.writeSequenced(kind, seq, id, payload, aux);
  }

  private writeSequenced(kind: number, seq: number, id: number, payload: Uint8Array | string | undefined, aux: string): void {
    // An acknowledgement rides on this envelope only when it is due (ackEvery taken, or the
    // ackDelay passed): not on every envelope, which would make the peer handle one ACK per
    // message when messages flow both ways.
    let ack = 0;
    if (this.takenSeq > this.ackSent && (this.clock >= this.ackDeadline || this.takenSeq - this.ackSent >= this.ackEvery)) {
      ack = this.ackSent = this.takenSeq;
      this.ackDeadline = Infinity;
    }
    if (seq > this.lastWritten) this.lastWritten = seq;
    const wh = this.writeHead;
    if (wh !== undefined) {
      wh(this.head.set(kind, seq, ack, id, aux), payload);
      return;
    }
    let header: string;
    switch (kind) {
      case K_M: header = messageHeader(seq, ack, aux); break;
      case K_Q: header = requestHeader(seq, ack, id, aux); break;
      case K_R: header = responseHeader(seq, ack, id); break;
      case K_E: header = errorHeader(seq, ack, id, aux); break;
      default: header = cancelHeader(seq, ack, id); break;
    }
    this.write!(header, payload);
  }

  /** Writes retained envelopes with seq above `from`, in order. */
  private flushRetained(from: number): void {
    const first = this.acked + 1;
    for (let k = Math.max(0, from - this.acked); k < this.retained.length; k++) {
      const seq = first + k;
      if (seq <= this.lastWritten) this.counters.resent++;
      this.writeSequenced(this.retained.kind(k), seq, this.retained.id(k), this.retained.payload(k), this.retained.auxOf(k));
    }
  }

  private advanceTaken(now: number): void {
    const t = this.untakenHead < this.untaken.length ? this.untaken[this.untakenHead]! - 1 : this.received;
    if (t <= this.takenSeq) return;
    this.takenSeq = t;
    if (this.st !== SessionState.OPEN) return;
    if (t - this.ackSent >= this.ackEvery || now >= this.ackDeadline) this.sendAck();
    else if (this.ackDeadline === Infinity) this.ackDeadline = now + this.ackDelay;
  }

  private sendAck(): void {
    this.ackDeadline = Infinity;
    if (this.takenSeq <= this.ackSent) return;
    this.ackSent = this.takenSeq;
    this.counters.acksSent++;
    this.write!(ackHeader(this.takenSeq), undefined);
  }

  /** ENDED: reject every pending request, cancel the peer's, report once. */
  private finish(error: SessionError | undefined, byPeer: boolean, code: Code, message: string): void {
    this.st = SessionState.ENDED;
    this.write = undefined;
    this.writeHead = undefined;
    this.ackDeadline = Infinity;
    const ids = this.requests.takeAllLive();
    if (ids.length > 0) this.host.requestsFailed(ids, code, message);
    for (const id of this.requests.inbound) this.host.cancelled(id);
    this.requests.inbound.clear();
    this.retained.clear();
    this.host.event({ type: 'ended', error, byPeer });
  }
}

function protocol(message: string, details?: Record<string, unknown>): SessionError {
  return new SessionError(ErrorCode.SESSION_PROTOCOL_ERROR, message, details === undefined ? {} : { details });
}

/** The driver called the machine wrongly: a bug in the driver, never caused by the peer. */
function misuse(message: string): ConfigError {
  return new ConfigError(ErrorCode.INVALID_OPTION, message);
}

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder();

function clipMessage(message: string): string {
  if (message.length * 3 <= SESSION_ERROR_MESSAGE_MAX) return message;
  const b = encoder.encode(message);
  if (b.length <= SESSION_ERROR_MESSAGE_MAX) return message;
  let end = SESSION_ERROR_MESSAGE_MAX;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // do not cut a UTF-8 sequence
  return decoder.decode(b.subarray(0, end));
}

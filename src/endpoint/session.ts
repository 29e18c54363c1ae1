/**
 * The endpoint side of sessions: a {@link SessionHandle} drives one {@link SessionMachine} over
 * the raw connections of a session, one after another. docs/sessions.md is the user's page, its
 * "Driving the machine" checklist the spec this file follows.
 *
 *     app ── send(msg) ── codec.encode ── machine.send ── write(header, payload) ──► raw Connection
 *     app ◄── onMessage / iterator ── codec.decode ── host.message ── machine.receive ◄── raw frame
 *
 * The raw connection is an ordinary {@link Connection} whose codec passes bytes through (the
 * user's framing, the envelope as its payload): Connection itself knows nothing of sessions. A
 * handle outlives its connections: the server keeps it while the client is away (sends are
 * retained and written on resume), a permanent client keeps it across reconnects.
 *
 * Time: the machine never reads a clock. The handle passes the time (`Date.now()`, read once per
 * burst of frames on the receive path: `now()`) and keeps one timer at
 * the machine's `nextDeadline()`, re-armed only when the deadline moves earlier (a first
 * unacknowledged message, a detach), so the per-message cost is one comparison.
 */
import {
  ConfigError,
  CodecError,
  ConnectionError,
  ErrorCode,
  SESSION_HEADER_MAX,
  Limits,
  RequestError,
  SendStatus,
  SessionError,
  SessionMachine,
  SessionState,
  isSessionLog,
  isSwitchboardError,
  joinEnvelope,
  type Codec,
  type EnvelopeWriter,
  type Protocol,
  type SessionEvent,
  type SessionHost,
  type SessionOptions,
  type SessionStore,
  type SwitchboardError,
} from '../core/index.js';
import type { HeadSkip } from '../core/framing/framer.js';
import { fastHeader, fastMessageAt } from '../core/session/envelope.js';
import { AsyncQueue } from './async-queue.js';
import type { CloseInfo, Connection } from './connection.js';
import { diag, sessionGap, sessionResumed, traceRequest } from './diagnostics.js';
import type { Meter } from './metrics.js';

/**
 * The header cutter of one session connection (`Connection.setHeadSkip`): a MSG's header
 * `1M<seq>[,<ack>];` is parsed where the frame lies in the read buffer and left out of the
 * frame's view, so the payload view is the only one made per message (a Buffer view costs about
 * as much as the rest of the envelope's bookkeeping). Anything else is left whole.
 */
class EnvelopeCutter implements HeadSkip {
  frame: Uint8Array | undefined = undefined;
  seq = 0;
  ack = 0;
  skip(buf: Uint8Array, at: number, n: number): number {
    // A `messageReceived` subscriber sees raw frames whole (what they were before cutting).
    if (diag.messageReceived.hasSubscribers) return 0;
    const k = fastMessageAt(buf, at, n);
    if (k > 0) {
      this.seq = fastHeader.seq;
      this.ack = fastHeader.ack;
    }
    return k;
  }
}

/** What a raw session connection carries: one envelope per frame. */
export type RawFrame = Uint8Array | string;
/** @internal A connection carrying envelopes. */
export type RawConnection = Connection<RawFrame, RawFrame>;

/** Told to the app at every attach (`onOpen`). */
export interface SessionOpenInfo {
  /** The peer had the session: exactly the missing envelopes are being resent, both ways. */
  readonly resumed: boolean;
  /**
   * Client: set when we had a session the server no longer has: `SESSION_UNKNOWN` (it restarted
   * or dropped it) or `SESSION_EXPIRED` (we were away longer than the retention). What the old
   * server had queued for us is gone.
   */
  readonly lost?: SessionError;
  /** Client, with `lost`: retained messages and requests sent again in the new session, marked with their origin. */
  readonly redelivered: number;
  /** Client, with `lost`: requests the old server had taken, rejected with `lost.code`. */
  readonly failedRequests: number;
}

/** About one received message. */
export interface MessageInfo {
  /** The message was sent once already in an earlier session (after a server restart): it may be a duplicate. */
  readonly redelivered: boolean;
  /** With `redelivered`: its stable id `<session id>.<seq>` of the first sending, to deduplicate. '' otherwise. */
  readonly origin: string;
}

/** What a request handler gets besides the message. */
export interface RequestContext {
  /** The request id (per session side, from 1). */
  readonly id: number;
  /** Aborts when the requester gives up (its timeout or AbortSignal: a CANCEL arrived) or the session ends. */
  readonly signal: AbortSignal;
  /** '' unless the request was sent once already in an earlier session (see {@link MessageInfo}). */
  readonly origin: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly session: SessionHandle<any, any>;
}

export interface RequestOptions {
  /** ms until the request rejects with `REQUEST_TIMEOUT` (and a CANCEL goes to the peer). @default the session's `requestTimeout` (30000) */
  timeout?: number;
  /** Aborting rejects with `REQUEST_ABORTED` at once and aborts the peer handler's `ctx.signal`. */
  signal?: AbortSignal;
}

/** The `session` option of `connect()` and `permanentClient()`. */
export interface SessionConfig<In, Out> {
  /** Envelopes retained until the peer acknowledges them. @default Limits.sessionMaxUnackedMessages (4096) */
  maxUnackedMessages?: number;
  /** Payload bytes retained until acknowledged. @default Limits.sessionMaxUnackedBytes (4 MiB) */
  maxUnackedBytes?: number;
  /** Acknowledge after this many messages taken. @default Limits.sessionAckEvery (32) */
  ackEvery?: number;
  /** ... or this long (ms) after the first unacknowledged one. @default Limits.sessionAckDelay (20) */
  ackDelay?: number;
  /** Requests in flight at once, each side (announced to the peer). @default Limits.sessionMaxRequests (1024) */
  maxRequests?: number;
  /** Default `timeout` of `request()`, in ms. @default Limits.requestTimeout (30000) */
  requestTimeout?: number;
  /**
   * At the unacknowledged cap: `drop` refuses the message (`send` returns `dropped`); `close`
   * also ends the session with `SEND_OVERFLOW`. @default 'drop'
   */
  overflow?: 'drop' | 'close';
  /** Every attach: a new session, a resumed one, or (client) a new one after the server lost ours. */
  onOpen?(session: SessionHandle<In, Out>, info: SessionOpenInfo): void;
  /**
   * A message. It is taken (and acknowledged) when this returns; when it returns a promise, when
   * that settles, and until then nothing more is delivered and the connection is not read
   * (backpressure, as `onReceive` does), so a crash while the promise is pending cannot lose an
   * acknowledged message. A rejection is reported (`onFail`, `HOOK_FAILED`) and the message counts
   * as taken. Without it, iterate the session.
   */
  onMessage?(session: SessionHandle<In, Out>, msg: In, info: MessageInfo): void | PromiseLike<unknown>;
  /**
   * Answers a request: return the reply or a promise of it. A throw (or rejection) is answered
   * with the error's `code` (when it is `[A-Z0-9_]{1,64}`, else `REQUEST_FAILED`) and message,
   * never its stack. Without it every request is answered `NO_HANDLER` at once.
   */
  onRequest?(session: SessionHandle<In, Out>, msg: In, ctx: RequestContext): Out | Promise<Out>;
  /** The connection is gone; the session lives on (resumed on the next connection). */
  onDetach?(session: SessionHandle<In, Out>, info: CloseInfo): void;
  /** The session is over. `error` is undefined when this side ended it with `close()`. */
  onEnd?(session: SessionHandle<In, Out>, error: SwitchboardError | undefined): void;
  /** Client: away longer than the server's retention (`SESSION_EXPIRED`); the next connection opens a new session. */
  onExpired?(session: SessionHandle<In, Out>, error: SessionError): void;
  /** A received message or request the codec could not decode (it is skipped and acknowledged), a callback that threw. */
  onFail?(session: SessionHandle<In, Out>, error: SwitchboardError): void;
}

/** The `session` option of `listen()`. */
export interface ServerSessionConfig<In, Out> extends SessionConfig<In, Out> {
  /** How long a disconnected session is kept for a resume, in ms (announced to clients). @default Limits.sessionRetention (120000) */
  retention?: number;
  /**
   * Bytes kept for all disconnected sessions together (counted when a connection is lost);
   * above it the sessions closest to expiry end (their clients get `resumed: false`).
   * @default Limits.sessionStoreMaxBytes (64 MiB)
   */
  maxStoredBytes?: number;
  /**
   * Where detached sessions are kept for a resume on another node (the cluster's
   * `natsSessionStore`, docs/cluster.md). Without it they stay in this process only. With it a
   * session's snapshot is put when it detaches (and again, batched, when something is retained
   * while detached), deleted when it resumes here or ends, and put for every session on a
   * `close()` that does not end them; a HELLO naming a session this node does not hold awaits
   * `store.get(id)`. docs/sessions.md "Resuming on another node". @default none
   */
  store?: SessionStore;
  /** Time one store operation may take, in ms (then `SESSION_STORE_TIMEOUT`). @default Limits.sessionStoreTimeout (2000) */
  storeTimeout?: number;
  /**
   * Durable sessions: every envelope (and acknowledgement) goes to the store's session log
   * before it goes on the wire, so that when this node is killed its connected clients resume on
   * another node with `resumed: true` and nothing lost. Needs a `store` that keeps logs (a
   * {@link SessionLog}: the cluster's `natsSessionStore`). Costs a log write per batch of
   * envelopes (pipelined). docs/sessions.md "Durable sessions". @default false
   */
  durable?: boolean;
  /**
   * Durable sessions: how often every connected session's log is written again in full (so the
   * store's TTL never removes a quiet session's log; keep the TTL above it), in ms.
   * @default Limits.sessionLogRefresh (60000)
   */
  logRefresh?: number;
}

export type SessionHandleState = 'connecting' | 'open' | 'detached' | 'ended';

export interface SessionStats {
  messagesIn: number;
  messagesOut: number;
  requestsIn: number;
  requestsOut: number;
  /** Connections this session was attached to. */
  attaches: number;
}

/** @internal What owns a handle (a server, a client) and must hear about its end. */
export interface SessionOwner {
  ended(handle: SessionHandle<unknown, unknown>): void;
  report(error: SwitchboardError, handle: SessionHandle<unknown, unknown>): void;
  /** Something was retained while detached (the server recounts its stored bytes). */
  touched?(handle: SessionHandle<unknown, unknown>): void;
  /** The endpoint's metrics, which count the session's requests (also while no connection is up). */
  readonly meter?: Meter | undefined;
  /** Durable sessions: resolves once what the session wrote is in its log. */
  logged?(handle: SessionHandle<unknown, unknown>): Promise<void>;
}

interface Pending<In> {
  resolve(v: In): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const NOT_REDELIVERED: MessageInfo = Object.freeze({ redelivered: false, origin: '' });

// Set by the raw codec's decode and read by the host, synchronously, for the frame being
// handled: WebSocket text frames decode as text with codecs that care (`message`).
let frameBinary: boolean | undefined;
// What the raw connection said about the last envelope written (sent / queued / backpressured).
let writeStatus: SendStatus = SendStatus.Sent;
function lastWrite(): SendStatus {
  return writeStatus;
}

// The time of the frames being handled, read once per burst of synchronous work (one socket
// read delivers many frames) and forgotten at the next microtask: a clock read per frame cost as
// much as the rest of the envelope's bookkeeping. The machine uses it for the ACK delay only
// (`taken`, `receive`): a value older by the burst's duration makes an ACK leave that much
// earlier, never later. Expiry and detach times read the clock itself.
let burstNow = 0;
let burstClock = false;
const forgetClock = (): void => {
  burstClock = false;
};
function now(): number {
  if (!burstClock) {
    burstNow = Date.now();
    burstClock = true;
    queueMicrotask(forgetClock);
  }
  return burstNow;
}

/**
 * The raw protocol of a session connection: the user's framing, a codec that passes frames
 * through. Hooks, heartbeats and auto-replies work on single messages of one connection and are
 * refused with sessions.
 */
export function rawProtocol<In, Out>(user: Protocol<In, Out>): Protocol<RawFrame, RawFrame> {
  if (user.hooks !== undefined || user.heartbeat !== undefined || user.autoReply !== undefined) {
    throw new ConfigError(
      ErrorCode.INVALID_OPTION,
      'a session protocol cannot have hooks, heartbeat or autoReply (they see single messages of one connection); sessions have their own handshake and acknowledgements',
    );
  }
  return {
    framing: user.framing,
    codec: {
      name: `session(${user.codec.name})`,
      binary: user.codec.binary,
      encode: (frame) => frame,
      decode: (frame, binary) => {
        frameBinary = binary;
        return frame;
      },
    },
    name: `${user.framing.name}+session(${user.codec.name})`,
  };
}

// A framing error raised by the last write (see writerFor), for the handle to end its session.
let framingError: SwitchboardError | undefined;

/** Checks the `session` option's numbers before anything connects. */
export function checkSessionConfig(cfg: ServerSessionConfig<unknown, unknown>): void {
  const positive = ['maxUnackedMessages', 'maxUnackedBytes', 'ackEvery', 'maxRequests', 'requestTimeout', 'retention', 'maxStoredBytes', 'storeTimeout', 'logRefresh'] as const;
  for (const k of positive) {
    const v = cfg[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `session.${k} must be a positive number, got ${String(v)}`);
    }
  }
  if (cfg.ackDelay !== undefined && !(typeof cfg.ackDelay === 'number' && cfg.ackDelay >= 0)) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `session.ackDelay must be 0 or more, got ${String(cfg.ackDelay)}`);
  }
  if (cfg.overflow !== undefined && cfg.overflow !== 'drop' && cfg.overflow !== 'close') {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `session.overflow must be 'drop' or 'close', got ${String(cfg.overflow)}`);
  }
  const st = cfg.store as Partial<SessionStore> | undefined;
  if (st !== undefined && (typeof st !== 'object' || st === null || typeof st.get !== 'function' || typeof st.put !== 'function' || typeof st.delete !== 'function')) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'session.store must be a SessionStore (get, put, delete, sweep)');
  }
  if (cfg.durable !== undefined && typeof cfg.durable !== 'boolean') {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `session.durable must be true or false, got ${String(cfg.durable)}`);
  }
  if (cfg.durable === true && !isSessionLog(cfg.store)) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'session.durable needs a session.store that keeps session logs (append, remove, read), such as natsSessionStore');
  }
}

/** The machine options from a session config. */
export function machineOptions(cfg: ServerSessionConfig<unknown, unknown>): SessionOptions {
  const o: SessionOptions = { handlesRequests: cfg.onRequest !== undefined };
  if (cfg.maxUnackedMessages !== undefined) o.maxUnackedMessages = cfg.maxUnackedMessages;
  if (cfg.maxUnackedBytes !== undefined) o.maxUnackedBytes = cfg.maxUnackedBytes;
  if (cfg.ackEvery !== undefined) o.ackEvery = cfg.ackEvery;
  if (cfg.ackDelay !== undefined) o.ackDelay = cfg.ackDelay;
  if (cfg.maxRequests !== undefined) o.maxRequests = cfg.maxRequests;
  if (cfg.retention !== undefined) o.retention = cfg.retention;
  return o;
}

/**
 * @internal The writer of one raw connection: each envelope as one frame. A byte payload goes
 * out with its header in front without being joined to it (`Connection.sendParts`: the framer's
 * `encodeParts` writes both); sequenced envelopes hand over their header as numbers
 * (`EnvelopeHead`), so no header string is built per message either. Text payloads are joined
 * as strings (`header + text`, a WebSocket text frame stays text).
 */
export function writerFor(conn: RawConnection): EnvelopeWriter {
  const write: EnvelopeWriter = (header, payload) => {
    let s: SendStatus;
    try {
      s = payload !== undefined && typeof payload !== 'string' ? conn.sendParts(header, payload) : conn.send(joinEnvelope(header, payload));
    } catch (err) {
      s = writeFailed(conn, err);
    }
    afterWrite(conn, s);
  };
  write.sequenced = (head, payload) => {
    let s: SendStatus;
    try {
      s = payload !== undefined && typeof payload !== 'string' ? conn.sendParts(head, payload) : conn.send(joinEnvelope(head, payload));
    } catch (err) {
      s = writeFailed(conn, err);
    }
    afterWrite(conn, s);
  };
  return write;
}

/**
 * The framing cannot carry this envelope (a delimiter inside bytes): it cannot leave on any
 * connection, and the machine counts it written. Close this connection with the error;
 * `framingFailed` ends the session.
 */
function writeFailed(conn: RawConnection, err: unknown): SendStatus {
  const e = isSwitchboardError(err) ? err : new CodecError(ErrorCode.ENCODE_FAILED, `${conn.name}: ${(err as Error)?.message ?? String(err)}`);
  framingError = e;
  conn.destroy(e);
  return SendStatus.Closed;
}

function afterWrite(conn: RawConnection, s: SendStatus): void {
  if (s === SendStatus.Dropped) {
    // The envelope did not leave, but the machine counts it written: this connection cannot
    // go on without a gap. Drop it; the resume sends again exactly what the peer lacks.
    conn.destroy(new ConnectionError(ErrorCode.SEND_OVERFLOW, `${conn.name}: the write queue is full; the session resumes on a new connection`));
  }
  writeStatus = s;
}

/**
 * One session, as the application sees it: the same object for the session's whole life, across
 * the connections it runs on. Server: `onOpen`/`onMessage`/`onRequest` get it, and
 * `server.sessions` lists it. Client: `permanentClient(...).session`, or what `connect(url,
 * { session })` resolves with.
 */
export class SessionHandle<In, Out> implements AsyncIterable<In> {
  /** @internal */
  machine!: SessionMachine;
  readonly stats: SessionStats = { messagesIn: 0, messagesOut: 0, requestsIn: 0, requestsOut: 0, attaches: 0 };
  /** @internal set while a server attaches the session: `onOpen` waits until the attach is complete. */
  attaching = false;
  private link: RawConnection | undefined;
  /** Set while `machine.receive` runs when `onMessage` returned a promise: handed to the raw connection. */
  private pendingTake: Promise<void> | undefined;
  /** `machine.counters.resent` at the last attach: the difference is what a resume sent again. */
  private resentAt = 0;
  /** The frame limit of the last connection (checked while detached too). */
  private maxFrame = Infinity;
  /** The current link's header cutter, when its framer takes one (length prefix, WebSocket). */
  private cutter: EnvelopeCutter | undefined;
  private _state: SessionHandleState = 'connecting';
  private deferredOpen: SessionOpenInfo | undefined;
  private readonly pending = new Map<number, Pending<In>>();
  private handlers: Map<number, AbortController> | undefined;
  private inbox: AsyncQueue<{ msg: In; ticket: number; size: number }> | undefined;
  /** Payload bytes in `inbox`. */
  private inboxBytes = 0;
  /** Set while the raw connection is paused because the inbox is at its bound: the promise it waits on, and its resolver. */
  private inboxWait: Promise<void> | undefined;
  private inboxRoom: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private readonly onTimer = (): void => this.fire();
  private endError: SwitchboardError | undefined;
  private forcedError: SwitchboardError | undefined;
  private resolveEnded!: (e: SwitchboardError | undefined) => void;
  /** Resolves when the session is over, with the error that ended it (undefined: `close()` on this side). */
  readonly ended: Promise<SwitchboardError | undefined>;
  private ackWaiters: Array<(ok: boolean) => void> | undefined;
  private openWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> | undefined;

  constructor(
    readonly role: 'client' | 'server',
    private readonly codec: Codec<In, Out>,
    private readonly cfg: SessionConfig<In, Out>,
    private readonly owner: SessionOwner,
    options: SessionOptions | undefined,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    if (options !== undefined) this.machine = new SessionMachine(role, this.host, options);
  }

  /** The session id ('' before the first WELCOME on a client; a new one after `lost`). */
  get id(): string {
    return this.machine?.sessionId ?? '';
  }

  get state(): SessionHandleState {
    return this._state;
  }

  /** The raw connection the session runs on now (addresses, stats, `closed`); never send on it. */
  get connection(): Connection<unknown, unknown> | undefined {
    return this.link as Connection<unknown, unknown> | undefined;
  }

  /** Envelopes sent or waiting and not yet acknowledged by the peer. */
  get unacked(): number {
    return this.machine.unackedMessages;
  }

  /** Requests of ours waiting for an answer. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Duplicates dropped, envelopes resent on resume, messages redelivered in a new session. */
  get counters(): Readonly<SessionMachine['counters']> {
    return this.machine.counters;
  }

  toString(): string {
    return `session(${this.role}:${this.id || '-'})`;
  }

  // ------------------------------------------------------------------ sending

  /**
   * Sends a one-way message: `sent` (written now), `queued` (retained; written when a connection
   * is up, or behind unsent bytes), `backpressured` (accepted; slow down: the retained envelopes
   * are over half a cap or the connection's queue is over its high-water mark), `dropped` (the
   * unacknowledged cap is reached; with `overflow: 'close'` the session ends with
   * `SEND_OVERFLOW`), `closed` (the session is over). Throws a `CodecError` for a message the
   * codec cannot encode.
   */
  send(msg: Out): SendStatus {
    if (this._state === 'ended') return SendStatus.Closed;
    const payload = this.encode(msg);
    writeStatus = SendStatus.Sent;
    const s = this.machine.send(payload);
    if (framingError !== undefined) this.framingFailed();
    if (s === SendStatus.Dropped) {
      if (this.cfg.overflow === 'close') {
        this.terminate(new SessionError(ErrorCode.SEND_OVERFLOW,
          `${this}: ${this.machine.unackedMessages} envelopes (${this.machine.unackedBytes} bytes) await acknowledgement, the limit is ${this.machine.maxUnackedMessages} (${this.machine.maxUnackedBytes} bytes)`));
      }
      return s;
    }
    if (s === SendStatus.Closed) return s;
    this.stats.messagesOut++;
    if (this._state === 'detached') this.owner.touched?.(this as SessionHandle<unknown, unknown>);
    if (s === SendStatus.Sent) {
      const w = lastWrite();
      if (w === SendStatus.Backpressured || w === SendStatus.Queued) return w;
      if (w === SendStatus.Closed) return SendStatus.Queued; // the link is going: resent on resume
    }
    return s;
  }

  /**
   * Sends a request; resolves with the peer handler's reply (decoded by the codec). Rejects with
   * a RequestError: `REQUEST_TIMEOUT`, `REQUEST_ABORTED`, `NO_HANDLER`, `CONNECTION_CLOSED` (the
   * session ended), `TOO_MANY_REQUESTS` (in flight at the limit), `SEND_OVERFLOW` (unacknowledged
   * cap), `SESSION_UNKNOWN` / `SESSION_EXPIRED` (the server lost the session after taking the
   * request), or the handler's error (`remoteCode`, `REQUEST_FAILED` for codes we do not know).
   */
  request(msg: Out, options: RequestOptions = {}): Promise<In> {
    if (this._state === 'ended') {
      return Promise.reject(new RequestError(ErrorCode.CONNECTION_CLOSED, `${this}: the session is over`, 0));
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new RequestError(ErrorCode.REQUEST_ABORTED, `${this}: aborted before it was sent`, 0));
    const timeout = options.timeout ?? this.cfg.requestTimeout ?? Limits.requestTimeout;
    if (!(timeout > 0)) return Promise.reject(new ConfigError(ErrorCode.INVALID_OPTION, `timeout must be a positive number, got ${timeout}`));
    let id: number;
    try {
      id = this.machine.request(this.encode(msg));
      if (framingError !== undefined) this.framingFailed();
    } catch (err) {
      return Promise.reject(err);
    }
    this.stats.requestsOut++;
    if (this._state === 'detached') this.owner.touched?.(this as SessionHandle<unknown, unknown>);
    // Before the server welcomed it the session has no id yet: the context then has no sessionId.
    const trace = { connection: this.link as Connection<unknown, unknown> | undefined, ...(this.id !== '' && { sessionId: this.id }), request: msg, id };
    return traceRequest({ meter: this.owner.meter }, trace, () => this.awaitAnswer(id, timeout, signal));
  }

  private awaitAnswer(id: number, timeout: number, signal: AbortSignal | undefined): Promise<In> {
    return new Promise<In>((resolve, reject) => {
      const p: Pending<In> = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      if (timeout !== Infinity) p.timer = setTimeout(() => this.giveUp(id, ErrorCode.REQUEST_TIMEOUT, `${this}: request ${id} got no answer within ${timeout} ms`), timeout);
      if (signal !== undefined) {
        p.onAbort = () => this.giveUp(id, ErrorCode.REQUEST_ABORTED, `${this}: request ${id} was aborted`);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
    });
  }

  /**
   * Encodes a message and checks it fits a frame with the largest envelope header in front: a
   * message accepted by the machine must be writable on every later connection.
   */
  private encode(msg: Out): Uint8Array | string {
    const payload = this.codec.encode(msg);
    // `maxFrame` is the current link's (kept when a link attaches), or the last link's.
    const max = this.maxFrame;
    if (payload.length * 3 + SESSION_HEADER_MAX > max) {
      const n = typeof payload === 'string' ? new TextEncoder().encode(payload).length : payload.length;
      if (n + SESSION_HEADER_MAX > max) {
        throw new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `${this}: message is ${n} bytes; with the session header (up to ${SESSION_HEADER_MAX}) it must fit a frame of ${max}`);
      }
    }
    return payload;
  }

  /** A write could not be framed: the session cannot go on (the envelope is already numbered). */
  private framingFailed(): never {
    const e = framingError!;
    framingError = undefined;
    this.terminate(e);
    throw e;
  }

  private giveUp(id: number, code: typeof ErrorCode.REQUEST_TIMEOUT | typeof ErrorCode.REQUEST_ABORTED, message: string): void {
    if (this.machine.state === SessionState.ENDED) return;
    this.machine.abandon(id, code, message);
  }

  /**
   * Resolves `true` once everything sent so far was acknowledged by the peer's application
   * (taken), `false` on timeout or when the session ends first.
   */
  acked(options: { timeout?: number } = {}): Promise<boolean> {
    if (this._state === 'ended') return Promise.resolve(false);
    if (this.machine.unackedMessages === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        resolve(ok);
      };
      (this.ackWaiters ??= []).push(done);
      if (options.timeout !== undefined) {
        timer = setTimeout(() => {
          this.ackWaiters = this.ackWaiters?.filter((w) => w !== done);
          resolve(false);
        }, options.timeout);
      }
    });
  }

  /**
   * Durable sessions (server, `session.durable`): resolves once every envelope written so far is
   * in the session log, so that it survives this node being killed. At once otherwise.
   */
  logged(): Promise<void> {
    return this.owner.logged?.(this as SessionHandle<unknown, unknown>) ?? Promise.resolve();
  }

  /**
   * Ends the session deliberately: END goes to the peer (its session ends, `SESSION_ENDED`),
   * every pending request rejects with `CONNECTION_CLOSED` in this call, the connection closes.
   */

  async close(): Promise<void> {
    const link = this.link;
    if (this._state !== 'ended') this.machine.end();
    if (link !== undefined) await link.close();
  }

  /** @internal Ends the session with `error` (no END is written when detached). */
  terminate(error: SwitchboardError): void {
    if (this._state === 'ended') return;
    this.forcedError = error;
    this.machine.end(error.code.length <= 64 ? error.code : '');
  }

  // ------------------------------------------------------------------ receiving

  /** Messages, when no `onMessage` callback takes them. Each is acknowledged once yielded. */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    if (this.cfg.onMessage !== undefined) {
      throw new ConnectionError(ErrorCode.RECEIVE_MODE_CONFLICT, `${this}: messages already go to session.onMessage; use the callback or for await, not both`);
    }
    const q = (this.inbox ??= new AsyncQueue());
    if (this._state === 'ended') q.end();
    return {
      next: async () => {
        const r = await q.next();
        if (r.done) return { value: undefined, done: true };
        if (this._state !== 'ended') {
          this.machine.taken(r.value.ticket, Date.now());
          this.arm();
        }
        this.tookFromInbox(r.value.size);
        return { value: r.value.msg, done: false };
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  /** @internal One frame from the raw connection `conn`. */
  receive(conn: RawConnection, frame: RawFrame): PromiseLike<unknown> | undefined {
    if (conn !== this.link) return undefined; // a connection taken over, still delivering what it had
    const cut = this.cutter;
    if (cut !== undefined && cut.frame === frame) {
      // The framer cut this MSG's header off already: `frame` is its payload.
      cut.frame = undefined;
      return this.receiveCut(conn, frame as Uint8Array, cut.seq, cut.ack);
    }
    return this.receiveCut(conn, frame, 0, 0);
  }

  /** `receive`; `seq` > 0: `frame` is the payload of a MSG with this seq and ack, its header cut off. */
  private receiveCut(conn: RawConnection, frame: RawFrame, seq: number, ack: number): PromiseLike<unknown> | undefined {
    // The inbox is at its bound (a connection that replaced the paused one): this frame waits,
    // and so does its connection, until the iterator has made room.
    if (this.inboxWait !== undefined) return this.inboxWait.then(() => (conn === this.link ? this.receiveCut(conn, frame, seq, ack) : undefined));
    try {
      if (seq > 0) this.machine.receiveMessage(seq, ack, frame as Uint8Array, now());
      else this.machine.receive(frame, now());
    } catch (err) {
      this.pendingTake = undefined;
      if (!(err instanceof SessionError)) throw err;
      if (err.code === ErrorCode.SESSION_ENDED) void conn.close();
      else conn.abort(err);
      return undefined;
    }
    if (this.machine.nextDeadline() < this.timerAt) this.arm();
    // An onMessage that returned a promise: the raw connection reads nothing more until it settles.
    const p = this.pendingTake;
    this.pendingTake = undefined;
    return p;
  }

  // ------------------------------------------------------------------ attaching

  /** @internal Client: a new connection is up; writes HELLO. Resolves once WELCOME arrived. */
  open(conn: RawConnection): Promise<void> {
    if (this._state === 'ended') return Promise.reject(this.endError ?? new SessionError(ErrorCode.SESSION_ENDED, `${this}: the session is over`));
    if (conn.state !== 'open') return Promise.reject(new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${conn.name}: closed before the session could open`));
    this.link = conn;
    this.maxFrame = conn.protocol.framing.maxFrameSize;
    this.cutter = new EnvelopeCutter();
    if (!conn.setHeadSkip(this.cutter)) this.cutter = undefined;
    this.machine.open(writerFor(conn), Date.now());
    return new Promise<void>((resolve, reject) => {
      (this.openWaiters ??= []).push({ resolve, reject });
    });
  }

  /** @internal Server: `conn` is now this session's connection (after `acceptSession`). */
  attached(conn: RawConnection): void {
    this.link = conn;
    this.maxFrame = conn.protocol.framing.maxFrameSize;
    this.cutter = new EnvelopeCutter();
    if (!conn.setHeadSkip(this.cutter)) this.cutter = undefined;
    this.attaching = false;
    this.stats.attaches++;
    this._state = 'open';
    const info = this.deferredOpen;
    this.deferredOpen = undefined;
    this.arm();
    if (info !== undefined) {
      this.observeOpen(info);
      this.call(() => this.cfg.onOpen?.(this, info));
    }
  }

  /** @internal The raw connection `conn` closed. */
  lost(conn: RawConnection, info: CloseInfo): boolean {
    if (conn !== this.link) return false;
    this.link = undefined;
    const waiters = this.openWaiters;
    this.openWaiters = undefined;
    if (this._state === 'ended') return false;
    this.machine.lost(Date.now());
    this._state = 'detached';
    for (const w of waiters ?? []) w.reject(info.error ?? new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this}: the connection closed before the session opened`));
    this.arm();
    this.call(() => this.cfg.onDetach?.(this, info));
    return true;
  }

  // ------------------------------------------------------------------ time

  private arm(): void {
    const d = this.machine.nextDeadline();
    if (d >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = d;
    if (d === Infinity) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(this.onTimer, Math.max(0, d - Date.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.machine.state === SessionState.ENDED) return;
    this.machine.tick(Date.now());
    if ((this.machine.state as SessionState) !== SessionState.ENDED) this.arm();
  }

  // ------------------------------------------------------------------ SessionHost

  /** The machine's view of this handle. */
  private readonly host: SessionHost = {
    message: (payload, ticket, origin) => this.onMessage(payload, ticket, origin),
    request: (id, payload, origin) => this.onRequest(id, payload, origin),
    cancelled: (id) => this.onCancelled(id),
    response: (id, payload) => this.onResponse(id, payload),
    requestFailed: (id, error) => this.settle(id)?.reject(error),
    requestsFailed: (ids, code, message) => {
      for (const id of ids) this.settle(id)?.reject(new RequestError(code, `${this}: ${message}`, id));
    },
    event: (e) => this.onEvent(e),
  };

  /** @internal The host a server's `acceptSession` gives a new or restored machine. */
  get machineHost(): SessionHost {
    return this.host;
  }

  private onMessage(payload: Uint8Array | string, ticket: number, origin: string): boolean {
    let msg: In;
    try {
      msg = this.codec.decode(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, frameBinary);
    } catch (err) {
      this.fail(asError(err, ErrorCode.DECODE_FAILED, `${this}: a message the codec cannot decode was skipped`));
      return true;
    }
    this.stats.messagesIn++;
    const info = origin === '' ? NOT_REDELIVERED : { redelivered: true, origin };
    const cb = this.cfg.onMessage;
    if (cb !== undefined) {
      let r: unknown;
      try {
        r = cb.call(this.cfg, this, msg, info);
      } catch (cause) {
        this.callbackThrew(cause);
        return true;
      }
      if (r === undefined || r === null || typeof (r as PromiseLike<unknown>).then !== 'function') return true;
      // Taken when the promise settles (a rejection is reported and counts as taken: acks are
      // cumulative, so a message never taken would hold back every later acknowledgement).
      const taken = (): void => {
        if (this._state === 'ended') return;
        this.machine.taken(ticket, Date.now());
        this.arm();
      };
      this.pendingTake = Promise.resolve(r as PromiseLike<unknown>).then(taken, (cause: unknown) => {
        this.fail(new ConnectionError(ErrorCode.HOOK_FAILED, `${this}: onMessage rejected: ${(cause as Error)?.message ?? String(cause)}`, { cause }));
        taken();
      });
      return false;
    }
    const q = (this.inbox ??= new AsyncQueue());
    const size = payload.length;
    q.push({ msg, ticket, size });
    this.inboxBytes += size;
    // Not taken, so not acknowledged: an honest peer stops at its unacknowledged cap. One that
    // does not (or has a larger cap) is not read from until the iterator has taken half.
    // Every frame delivered while over the bound gets the same promise: a connection that
    // replaced the paused one (a resume) is paused too.
    if (q.length >= this.machine.maxUnackedMessages || this.inboxBytes >= this.machine.maxUnackedBytes) {
      this.pendingTake = this.inboxWait ??= new Promise<void>((resolve) => (this.inboxRoom = resolve));
    }
    return false;
  }

  /** The iterator took a message: reading resumes once half of the inbox's bound is free. */
  private tookFromInbox(size: number): void {
    this.inboxBytes -= size;
    const room = this.inboxRoom;
    if (room === undefined) return;
    if (this._state !== 'ended' && ((this.inbox?.length ?? 0) * 2 > this.machine.maxUnackedMessages || this.inboxBytes * 2 > this.machine.maxUnackedBytes)) return;
    this.inboxRoom = undefined;
    this.inboxWait = undefined;
    room();
  }

  private onRequest(id: number, payload: Uint8Array | string, origin: string): void {
    const handler = this.cfg.onRequest;
    this.stats.requestsIn++;
    let msg: In;
    try {
      if (handler === undefined) throw new RequestError(ErrorCode.NO_HANDLER, 'no request handler', id);
      msg = this.codec.decode(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, frameBinary);
    } catch (err) {
      this.answerError(id, err);
      return;
    }
    const ac = new AbortController();
    (this.handlers ??= new Map()).set(id, ac);
    const ctx: RequestContext = { id, signal: ac.signal, origin, session: this };
    let r: Out | Promise<Out>;
    try {
      r = handler.call(this.cfg, this, msg, ctx);
    } catch (err) {
      this.answerError(id, err);
      return;
    }
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
      (r as Promise<Out>).then(
        (v) => this.answer(id, v),
        (err) => this.answerError(id, err),
      );
    } else {
      this.answer(id, r as Out);
    }
  }

  private answer(id: number, reply: Out): void {
    this.handlers?.delete(id);
    if (this.machine.state === SessionState.ENDED) return;
    let payload: Uint8Array | string;
    try {
      payload = this.codec.encode(reply);
    } catch (err) {
      const e = asError(err, ErrorCode.ENCODE_FAILED, `${this}: the reply to request ${id} cannot be encoded`);
      this.fail(e);
      this.machine.fail(id, e.code, e.message);
      return;
    }
    this.machine.respond(id, payload);
    if (framingError !== undefined) {
      const e = framingError;
      framingError = undefined;
      this.fail(e);
      this.terminate(e);
    }
  }

  private answerError(id: number, err: unknown): void {
    this.handlers?.delete(id);
    if (this.machine.state === SessionState.ENDED) return;
    const raw = (err as { code?: unknown } | null)?.code;
    const code = typeof raw === 'string' && /^[A-Z0-9_]{1,64}$/.test(raw) ? raw : ErrorCode.REQUEST_FAILED;
    const message = err instanceof Error ? err.message : String(err);
    this.machine.fail(id, code, message);
  }

  private onCancelled(id: number): void {
    const ac = this.handlers?.get(id);
    if (ac === undefined) return;
    this.handlers!.delete(id);
    ac.abort(new RequestError(ErrorCode.REQUEST_ABORTED, `${this}: the requester gave up on request ${id}`, id));
  }

  private onResponse(id: number, payload: Uint8Array | string): void {
    const p = this.settle(id);
    if (p === undefined) return;
    let v: In;
    try {
      v = this.codec.decode(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, frameBinary);
    } catch (err) {
      p.reject(asError(err, ErrorCode.DECODE_FAILED, `${this}: the reply to request ${id} cannot be decoded`));
      return;
    }
    p.resolve(v);
  }

  private settle(id: number): Pending<In> | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.onAbort !== undefined) p.signal!.removeEventListener('abort', p.onAbort);
    return p;
  }

  private onEvent(e: SessionEvent): void {
    switch (e.type) {
      case 'open': {
        const info: SessionOpenInfo = { resumed: e.resumed, redelivered: e.redelivered, failedRequests: e.failedRequests, ...(e.lost && { lost: e.lost }) };
        if (this.attaching) {
          this.deferredOpen = info;
          return;
        }
        this._state = 'open';
        this.stats.attaches++;
        const waiters = this.openWaiters;
        this.openWaiters = undefined;
        for (const w of waiters ?? []) w.resolve();
        this.observeOpen(info);
        this.call(() => this.cfg.onOpen?.(this, info));
        return;
      }
      case 'acked':
        if (e.unacked === 0 && this.ackWaiters !== undefined) {
          const w = this.ackWaiters;
          this.ackWaiters = undefined;
          for (const f of w) f(true);
        }
        return;
      case 'expired':
        this.call(() => this.cfg.onExpired?.(this, e.error));
        return;
      case 'ended':
        this.onEnded(e.error);
        return;
      default:
        return;
    }
  }

  /** Metrics and diagnostics of an attach: `sessions.resumed` / `sessions.gaps` of the link's endpoint. */
  private observeOpen(info: SessionOpenInfo): void {
    const conn = this.link as Connection<unknown, unknown> | undefined;
    const resent = this.machine.counters.resent;
    const replayed = resent - this.resentAt;
    this.resentAt = resent;
    if (conn === undefined) return;
    if (info.resumed) sessionResumed(conn, this.id, replayed);
    else if (info.lost !== undefined) sessionGap(conn, this.id);
  }

  private onEnded(error: SessionError | undefined): void {
    this._state = 'ended';
    this.endError = this.forcedError ?? error;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = -Infinity; // never again
    const openWaiters = this.openWaiters;
    this.openWaiters = undefined;
    for (const w of openWaiters ?? []) w.reject(this.endError ?? new SessionError(ErrorCode.SESSION_ENDED, `${this}: the session ended before it opened`));
    const ackWaiters = this.ackWaiters;
    this.ackWaiters = undefined;
    for (const f of ackWaiters ?? []) f(false);
    for (const ac of this.handlers?.values() ?? []) ac.abort(new RequestError(ErrorCode.CONNECTION_CLOSED, `${this}: the session ended`, 0));
    this.handlers?.clear();
    this.inbox?.end();
    this.tookFromInbox(0); // an ended session holds no connection paused
    this.resolveEnded(this.endError);
    this.owner.ended(this as SessionHandle<unknown, unknown>);
    this.call(() => this.cfg.onEnd?.(this, this.endError));
  }

  /** The error that ended the session, once it has ended (undefined: ended by `close()` here). */
  get error(): SwitchboardError | undefined {
    return this.endError;
  }

  private fail(error: SwitchboardError): void {
    this.owner.report(error, this as SessionHandle<unknown, unknown>);
    if (this.cfg.onFail !== undefined) {
      try {
        this.cfg.onFail(this, error);
      } catch {
        // nowhere left to report
      }
    }
  }

  /** Runs an application callback: what it throws is reported, never thrown into the session. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      this.callbackThrew(cause);
    }
  }

  private callbackThrew(cause: unknown): void {
    this.fail(new ConnectionError(ErrorCode.HOOK_FAILED, `${this}: a session callback threw: ${(cause as Error)?.message ?? String(cause)}`, { cause }));
  }
}

function asError(err: unknown, code: ErrorCode, message: string): SwitchboardError {
  if (isSwitchboardError(err)) return err;
  return new ConnectionError(code, `${message}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * Sessions and requests in the browser: the second thin driver of the core session machine
 * (core/session/machine.ts; the Node one is endpoint/session.ts), so both speak exactly the same
 * protocol (docs/session-protocol.md).
 *
 *     app ── send(msg) ── codec.encode ── machine.send ── write(header, payload) ──► raw connection
 *     app ◄── for await / onMessage ── codec.decode ── host.message ── machine.receive ◄── raw frame
 *
 * The raw connections are those of an ordinary browser `PermanentClient` whose codec passes
 * WebSocket messages through (`messageCodec`: text as strings, binary as bytes); one envelope is
 * one WebSocket message. Its `onConnected` writes the HELLO and waits for the WELCOME, so
 * "connected" means the session is open; its own outbox is not used, because the machine keeps
 * every unacknowledged message and resends exactly what the server lacks after a resume.
 *
 * Kept apart from `permanentClient` (its own import, `sessionClient`) so that a page without
 * sessions does not carry the machine: test/browser/bundle.test.ts measures both.
 *
 * Heartbeat: a browser cannot send WebSocket pings, so the session's PING envelope is sent when
 * nothing was sent for `heartbeat.interval`; the server's session layer answers PONG without
 * application code. A connection on which nothing arrives for `heartbeat.timeout` is closed
 * (`IDLE_TIMEOUT`) and the session resumes on the next one.
 */
import { messageCodec, type Codec } from '../core/codec.js';
import { ConfigError, ConnectError, ConnectionError, ErrorCode, isSwitchboardError, type SwitchboardError } from '../core/errors.js';
import { Limits } from '../core/limits.js';
import type { SendStatus } from '../core/send-status.js';
import { joinEnvelope } from '../core/session/envelope.js';
import { RequestError, type SessionError } from '../core/session/errors.js';
import { SessionMachine, type SessionEvent } from '../core/session/machine.js';
import { resolveProtocol } from './client.js';
import type { Connection } from './connection.js';
import { PermanentClient, type ClientStatus, type PermanentClientOptions } from './permanent-client.js';
import { Queue } from './queue.js';

type Frame = string | Uint8Array;

/** Told to the application at every attach (`onOpen`), as in the Node driver. */
export interface SessionOpenInfo {
  /** The server had the session: exactly the missing envelopes are being resent, both ways. */
  readonly resumed: boolean;
  /**
   * Set when the server no longer had our session: `SESSION_UNKNOWN` (it restarted or dropped it)
   * or `SESSION_EXPIRED` (we were away longer than its retention). What it had queued for us is
   * gone; what we had not seen acknowledged is sent again, marked with its origin.
   */
  readonly lost?: SessionError;
  /** With `lost`: our retained messages and requests sent again in the new session. */
  readonly redelivered: number;
  /** With `lost`: our requests the old server had taken, rejected with `lost.code`. */
  readonly failedRequests: number;
}

/** About one received message. */
export interface MessageInfo {
  /** Sent once already in an earlier session (after a server restart): it may be a duplicate. */
  readonly redelivered: boolean;
  /** With `redelivered`: its stable id `<session id>.<seq>` of the first sending. '' otherwise. */
  readonly origin: string;
}

export interface RequestContext {
  readonly id: number;
  /** Aborts when the requester gives up (a CANCEL arrived) or the session ends. */
  readonly signal: AbortSignal;
  readonly origin: string;
}

export interface RequestOptions {
  /** ms until the request rejects with `REQUEST_TIMEOUT` (and a CANCEL goes to the server). @default the session's `requestTimeout` (30000) */
  timeout?: number;
  /** Aborting rejects with `REQUEST_ABORTED` at once and aborts the server handler's signal. */
  signal?: AbortSignal;
}

/** The `session` option of `sessionClient()`: the Node `SessionConfig`, less what a page does not need. */
export interface SessionConfig<In, Out> {
  /** Envelopes retained until the server acknowledges them. @default Limits.sessionMaxUnackedMessages (4096) */
  maxUnackedMessages?: number;
  /** Payload bytes retained until acknowledged. @default Limits.sessionMaxUnackedBytes (4 MiB) */
  maxUnackedBytes?: number;
  /** @default Limits.sessionAckEvery (32) */
  ackEvery?: number;
  /** @default Limits.sessionAckDelay (20 ms) */
  ackDelay?: number;
  /** Requests in flight at once, each side. @default Limits.sessionMaxRequests (1024) */
  maxRequests?: number;
  /** Default `timeout` of `request()`, in ms. @default Limits.requestTimeout (30000) */
  requestTimeout?: number;
  /** Send a PING when nothing was sent for `interval` ms; drop the connection after `timeout` ms without anything received. @default { interval: 15000, timeout: 45000 } */
  heartbeat?: { interval: number; timeout: number };
  onOpen?(session: SessionClient<In, Out>, info: SessionOpenInfo): void;
  /** A message; taken (acknowledged) when this returns. Without it, iterate the client: taken when the iterator yields. */
  onMessage?(session: SessionClient<In, Out>, msg: In, info: MessageInfo): void | PromiseLike<unknown>;
  /** Answers the server's requests. A throw is answered with its `code` and message. Without it: `NO_HANDLER`. */
  onRequest?(session: SessionClient<In, Out>, msg: In, ctx: RequestContext): Out | Promise<Out>;
  /** The session is over (the server ended or refused it, or `close()`: `error` undefined). The client stops. */
  onEnd?(session: SessionClient<In, Out>, error: SwitchboardError | undefined): void;
  /** Away longer than the server's retention (`SESSION_EXPIRED`); the next connection opens a new session. */
  onExpired?(session: SessionClient<In, Out>, error: SessionError): void;
  /** A message the codec could not decode (skipped and acknowledged), a callback that threw. */
  onFail?(session: SessionClient<In, Out>, error: SwitchboardError): void;
}

export interface SessionClientOptions<In, Out> extends Omit<PermanentClientOptions<In, Out>, 'outbox' | 'onConnected' | 'callbacks' | 'onStatus'> {
  session?: true | SessionConfig<In, Out>;
  /** Every status change: the raw client's, and `session` at every attach. */
  onStatus?: (status: SessionClientStatus) => void;
  /** Observe the raw connections (envelopes): `onConnect`, `onDisconnect`, `onFail`. Messages go to `session.onMessage` or `for await`. */
  callbacks?: {
    onConnect?(conn: Connection<Frame, Frame>): void;
    onDisconnect?: NonNullable<PermanentClientOptions<Frame, Frame>['callbacks']>['onDisconnect'];
    onFail?(error: SwitchboardError, conn: Connection<Frame, Frame> | undefined): void;
  };
}

/** Status of the session client: the raw client's, plus `session` at every attach. */
export type SessionClientStatus = ClientStatus<Frame, Frame> | ({ readonly type: 'session'; readonly sessionId: string } & SessionOpenInfo);

interface Pending<In> {
  resolve(v: In): void;
  reject(e: unknown): void;
  done(): void;
}

const utf8 = /* @__PURE__ */ new TextEncoder();

/**
 * A reconnecting client with a session: every message accepted by `send` reaches the server's
 * application exactly once and in order across dropped connections; requests in flight get their
 * answers after a reconnect; a server that lost the session says so (`lost`), never silently.
 */
export class SessionClient<In, Out> implements AsyncIterable<In>, AsyncDisposable {
  /** The reconnecting client of raw connections (envelopes) under the session. */
  readonly client: PermanentClient<Frame, Frame>;
  /** Counters. */
  readonly stats = { messagesIn: 0, messagesOut: 0, requestsIn: 0, requestsOut: 0, attaches: 0 };
  /** Resolves when the session is over, with what ended it (undefined for `close()`). */
  readonly ended: Promise<SwitchboardError | undefined>;

  private readonly machine: SessionMachine;
  private readonly codec: Codec<In, Out>;
  private readonly cfg: SessionConfig<In, Out>;
  private readonly inbox = new Queue<{ msg: In; ticket: number }>();
  private readonly pending = new Map<number, Pending<In>>();
  private readonly handlers = new Map<number, AbortController>();
  private readonly ackWaiters = new Set<() => void>();
  private readonly statusq = new Queue<SessionClientStatus>();
  private conn: Connection<Frame, Frame> | undefined;
  private waitOpen: [() => void, (e: unknown) => void] | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private lastTx = 0;
  private error: SwitchboardError | undefined;
  private finished = false;
  private resolveEnded!: (e: SwitchboardError | undefined) => void;
  /** While onMessage's promise is pending: `undefined` for it, then the messages waiting their turn. */
  private readonly taking: Array<{ msg: In; info: MessageInfo; ticket: number } | undefined> = [];

  constructor(
    url: string | readonly string[],
    private readonly options: SessionClientOptions<In, Out> = {},
  ) {
    const protocol = resolveProtocol(options);
    if (protocol.heartbeat || protocol.autoReply) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, 'a session has its own heartbeat (session.heartbeat); protocol heartbeat and autoReply see single messages of one connection');
    }
    this.codec = protocol.codec;
    this.cfg = options.session === true || options.session === undefined ? {} : options.session;
    const cfg = this.cfg;
    const hb = cfg.heartbeat ?? { interval: 15_000, timeout: 45_000 };
    this.ended = new Promise((r) => (this.resolveEnded = r));
    this.machine = new SessionMachine('client', this.host(), {
      maxUnackedMessages: cfg.maxUnackedMessages,
      maxUnackedBytes: cfg.maxUnackedBytes,
      ackEvery: cfg.ackEvery,
      ackDelay: cfg.ackDelay,
      maxRequests: cfg.maxRequests,
      handlesRequests: cfg.onRequest !== undefined,
    });
    const user = options.callbacks ?? {};
    const { session: _s, codec: _c, protocol: _p, callbacks: _cb, onStatus: _os, ...rest } = options;
    this.client = new PermanentClient<Frame, Frame>(url, {
      ...(rest as PermanentClientOptions<Frame, Frame>),
      protocol: { codec: messageCodec() },
      idleTimeout: options.idleTimeout ?? hb.timeout,
      outbox: { maxMessages: 0 },
      callbacks: {
        onConnect: user.onConnect,
        onDisconnect: user.onDisconnect,
        onFail: user.onFail,
        onReceive: (conn, frame) => this.frame(conn, frame),
      },
      onConnected: (conn) => this.attach(conn, options.attemptTimeout ?? Limits.connectTimeout),
      onStatus: (s) => {
        // A lost connection, or an attempt that failed after the HELLO (no WELCOME in time).
        if (s.type === 'disconnected' || s.type === 'failed') this.detach();
        this.emit(s);
      },
    });
    this.pinger = setInterval(() => {
      if (this.conn && Date.now() - this.lastTx >= hb.interval && this.machine.ping()) this.lastTx = Date.now();
    }, Math.max(10, hb.interval / 2));
  }

  /** '' until the first WELCOME; a new id after the server lost ours. */
  /** The URL of the live connection, or the one the next attempt goes to (see `client.urls`). */
  get url(): string {
    return this.client.url;
  }

  get sessionId(): string {
    return this.machine.sessionId;
  }

  /** A connection is up and the session open on it. */
  get connected(): boolean {
    return this.machine.state === 'OPEN';
  }

  /** Envelopes sent or waiting and not yet acknowledged by the server. */
  get unacked(): number {
    return this.machine.unackedMessages;
  }

  /** The session's counters: duplicates dropped, envelopes resent, messages redelivered... */
  get counters(): SessionMachine['counters'] {
    return this.machine.counters;
  }

  /**
   * Sends a message: `sent`; `queued` while disconnected (kept and sent on the next connection);
   * `backpressured` (accepted, but over half the unacknowledged cap); `dropped` at the cap;
   * `closed` once the session is over. Throws a `CodecError` for a message the codec cannot encode.
   */
  send(msg: Out): SendStatus {
    const s = this.machine.send(this.codec.encode(msg));
    if (s !== 'dropped' && s !== 'closed') this.stats.messagesOut++;
    this.after();
    return s;
  }

  /**
   * Sends a request and resolves with the server handler's reply. Rejects with a `RequestError`:
   * `REQUEST_TIMEOUT`, `REQUEST_ABORTED`, `NO_HANDLER`, `CONNECTION_CLOSED`, `TOO_MANY_REQUESTS`,
   * `SEND_OVERFLOW`, `SESSION_UNKNOWN`, `REQUEST_FAILED` or the handler's code. A request made
   * while disconnected is sent on the next connection.
   */
  request(msg: Out, options: RequestOptions = {}): Promise<In> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new RequestError(ErrorCode.REQUEST_ABORTED, 'the signal was aborted before the request was sent', 0));
    let id: number;
    try {
      id = this.machine.request(this.codec.encode(msg));
    } catch (e) {
      return Promise.reject(e);
    }
    this.stats.requestsOut++;
    this.after();
    const ms = options.timeout ?? this.cfg.requestTimeout ?? Limits.requestTimeout;
    return new Promise<In>((resolve, reject) => {
      const onAbort = (): void => void this.abandon(id, ErrorCode.REQUEST_ABORTED);
      const timer = setTimeout(() => this.abandon(id, ErrorCode.REQUEST_TIMEOUT), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve,
        reject,
        done: () => (clearTimeout(timer), signal?.removeEventListener('abort', onAbort), this.pending.delete(id)),
      });
    });
  }

  /** Resolves `true` once everything sent so far was acknowledged; `false` on timeout or when the session ends. */
  acked(options: { timeout?: number } = {}): Promise<boolean> {
    if (this.machine.unackedMessages === 0) return Promise.resolve(true);
    if (this.finished) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = options.timeout === undefined ? undefined : setTimeout(() => (this.ackWaiters.delete(w), resolve(false)), options.timeout);
      const w = (): void => (clearTimeout(t), resolve(this.machine.unackedMessages === 0));
      this.ackWaiters.add(w);
    });
  }

  /** Status changes: the raw client's (connecting, connected, disconnected, failed, retry, stopped) and `session` at every attach. */
  status(): AsyncIterable<SessionClientStatus> {
    return { [Symbol.asyncIterator]: () => ({ next: () => this.statusq.next() }) };
  }

  /** Messages of the session, across connections, each once and in order. Taken (acknowledged) as they are yielded. */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    if (this.cfg.onMessage) {
      throw new ConfigError(ErrorCode.RECEIVE_MODE_CONFLICT, `${this.client.name}: messages already go to session.onMessage; use it or for await, not both`);
    }
    return {
      next: async () => {
        const r = await this.inbox.next();
        if (r.done) return r;
        this.machine.taken(r.value.ticket, Date.now());
        this.after();
        return { value: r.value.msg, done: false };
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  /**
   * Ends the session (END to the server; pending requests reject with `CONNECTION_CLOSED`) and
   * stops reconnecting. What is not yet acknowledged is dropped: `await acked()` first to be sure.
   */
  async close(): Promise<void> {
    this.machine.end();
    await this.client.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ------------------------------------------------------------------------------ the driver

  private host(): ConstructorParameters<typeof SessionMachine>[1] {
    return {
      message: (payload, ticket, origin) => {
        const msg = this.decode(payload);
        if (msg === undefined) return true; // skipped, reported, acknowledged
        this.stats.messagesIn++;
        const info: MessageInfo = { redelivered: origin !== '', origin };
        if (this.cfg.onMessage) {
          // One at a time: while a promise from onMessage is pending the next ones wait here
          // (bounded by the server's unacknowledged cap) and are taken in order.
          if (this.taking.length > 0) {
            this.taking.push({ msg: msg.v, info, ticket });
            return false;
          }
          return this.take(msg.v, info, ticket);
        }
        // Taken when the iterator yields it. What waits here is bounded by the server's
        // unacknowledged cap: it sends no more than that before we acknowledge.
        this.inbox.push({ msg: msg.v, ticket });
        return false;
      },
      request: (id, payload, origin) => {
        const msg = this.decode(payload);
        const handler = this.cfg.onRequest!;
        this.stats.requestsIn++;
        if (msg === undefined) return void this.machine.fail(id, ErrorCode.DECODE_FAILED, 'the request could not be decoded');
        const ac = new AbortController();
        this.handlers.set(id, ac);
        void (async () => {
          try {
            const reply = await handler(this, msg.v, { id, signal: ac.signal, origin });
            if (!ac.signal.aborted) this.machine.respond(id, this.codec.encode(reply));
          } catch (e) {
            const code = isSwitchboardError(e) ? e.code : typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : ErrorCode.REQUEST_FAILED;
            if (!ac.signal.aborted) this.machine.fail(id, code, e instanceof Error ? e.message : String(e));
          }
          this.handlers.delete(id);
          this.after();
        })();
      },
      cancelled: (id) => this.handlers.get(id)?.abort(),
      response: (id, payload) => {
        const p = this.pending.get(id);
        if (!p) return;
        p.done();
        try {
          p.resolve(this.codec.decode(typeof payload === 'string' ? utf8.encode(payload) : payload, typeof payload !== 'string'));
        } catch (e) {
          p.reject(e);
        }
      },
      requestFailed: (id, error) => {
        const p = this.pending.get(id);
        p?.done();
        p?.reject(error);
      },
      requestsFailed: (ids, code, message) => {
        for (const id of ids) {
          const p = this.pending.get(id);
          p?.done();
          p?.reject(new RequestError(code, message, id));
        }
      },
      event: (e) => this.event(e),
    };
  }

  private event(e: SessionEvent): void {
    if (e.type === 'open') {
      this.stats.attaches++;
      const info: SessionOpenInfo = { resumed: e.resumed, redelivered: e.redelivered, failedRequests: e.failedRequests, ...(e.lost && { lost: e.lost }) };
      this.waitOpen?.[0]();
      this.emit({ type: 'session', sessionId: e.sessionId, ...info });
      this.guard(() => this.cfg.onOpen?.(this, info));
    } else if (e.type === 'acked') {
      if (e.unacked === 0) for (const w of [...this.ackWaiters]) (this.ackWaiters.delete(w), w());
    } else if (e.type === 'expired') {
      this.guard(() => this.cfg.onExpired?.(this, e.error));
    } else if (e.type === 'ended') {
      this.error = e.error;
      this.waitOpen?.[1](e.error ?? new ConnectError(ErrorCode.CONNECTION_CLOSED, `${this.client.name}: the session ended`));
      void this.client.close();
      this.finish();
    }
  }

  /** `onConnected` of the raw client: HELLO, then wait for the WELCOME (or fail the attempt). */
  private attach(conn: Connection<Frame, Frame>, ms: number): Promise<void> {
    if (this.machine.state === 'ENDED') return Promise.reject(this.error ?? new ConnectError(ErrorCode.CONNECTION_CLOSED, `${this.client.name}: the session ended`));
    this.conn = conn;
    const opened = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new ConnectError(ErrorCode.CONNECT_TIMEOUT, `${this.client.name}: no WELCOME within ${ms} ms`)), ms);
      this.waitOpen = [() => (clearTimeout(t), resolve()), (e) => (clearTimeout(t), reject(e))];
    });
    this.lastTx = Date.now();
    this.machine.open((header, payload) => {
      if (conn.send(joinEnvelope(header, payload)) === 'dropped') {
        // The envelope did not leave but the machine counts it written: this connection cannot go
        // on without a gap. Drop it; the resume sends exactly what the server lacks.
        conn.destroy(new ConnectionError(ErrorCode.SEND_OVERFLOW, `${conn.name}: ${conn.queuedBytes} bytes buffered, the session resumes on a new connection`));
      }
      this.lastTx = Date.now();
    }, Date.now());
    this.after();
    return opened.finally(() => (this.waitOpen = undefined));
  }

  private detach(): void {
    this.conn = undefined;
    this.machine.lost(Date.now());
    this.after();
  }

  private frame(conn: Connection<Frame, Frame>, frame: Frame): void {
    if (conn !== this.conn) return;
    try {
      this.machine.receive(frame, Date.now());
    } catch (err) {
      // A SessionError: the machine has ended the session; this connection closes.
      conn.destroy(isSwitchboardError(err) ? err : undefined);
    }
    this.after();
  }

  /** Re-arms the one session timer at the machine's next deadline (an ACK due, an expiry). */
  private after(): void {
    const at = this.machine.nextDeadline();
    if (at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.machine.tick(Date.now());
      this.after();
    }, Math.max(0, at - Date.now()));
  }

  private decode(payload: Frame): { v: In } | undefined {
    try {
      return { v: this.codec.decode(typeof payload === 'string' ? utf8.encode(payload) : payload, typeof payload !== 'string') };
    } catch (e) {
      this.fail(isSwitchboardError(e) ? e : new ConfigError(ErrorCode.DECODE_FAILED, String(e)));
      return undefined;
    }
  }

  private abandon(id: number, code: typeof ErrorCode.REQUEST_ABORTED | typeof ErrorCode.REQUEST_TIMEOUT): void {
    this.machine.abandon(id, code);
    this.after();
  }

  private emit(s: SessionClientStatus): void {
    this.statusq.push(s);
    try {
      this.options.onStatus?.(s);
    } catch {
      // a status listener that throws does not stop the client
    }
  }

  private fail(e: SwitchboardError): void {
    try {
      this.cfg.onFail?.(this, e);
    } catch {
      // nowhere left to report to
    }
  }

  /** Calls onMessage; true when the message is taken now, false when a promise takes it later. */
  private take(msg: In, info: MessageInfo, ticket: number): boolean {
    let r: unknown;
    this.guard(() => void (r = this.cfg.onMessage!(this, msg, info)));
    if (r == null || typeof (r as PromiseLike<unknown>).then !== 'function') return true;
    this.taking.unshift(undefined); // the one in progress, ahead of those waiting
    const done = (): void => {
      if (this.finished) return;
      this.machine.taken(ticket, Date.now());
      this.taking.shift();
      while (this.taking.length > 0) {
        const next = this.taking.shift()!;
        if (!this.take(next.msg, next.info, next.ticket)) break; // a promise again: it goes on when that settles
        this.machine.taken(next.ticket, Date.now());
      }
      this.after();
    };
    Promise.resolve(r as PromiseLike<unknown>).then(done, (e: unknown) => {
      this.fail(new ConfigError(ErrorCode.HOOK_FAILED, `onMessage rejected: ${e instanceof Error ? e.message : String(e)}`));
      done();
    });
    return false;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(isSwitchboardError(e) ? e : new ConfigError(ErrorCode.HOOK_FAILED, `a session callback threw: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.pinger);
    clearTimeout(this.timer);
    this.inbox.end();
    for (const w of [...this.ackWaiters]) w();
    for (const ac of this.handlers.values()) ac.abort();
    this.guard(() => this.cfg.onEnd?.(this, this.error));
    this.resolveEnded(this.error);
    void this.client.close().then(() => this.statusq.end());
  }
}

/**
 * Starts a reconnecting client with a session (see {@link SessionClient}): `send`, `request`,
 * `for await`, `acked`, `close`. Same options as `permanentClient` (less the outbox: the session
 * keeps what is not acknowledged), plus `session`.
 */
export function sessionClient<In = string | Uint8Array, Out = In>(url: string | readonly string[], options: SessionClientOptions<In, Out> = {}): SessionClient<In, Out> {
  return new SessionClient<In, Out>(url, options);
}

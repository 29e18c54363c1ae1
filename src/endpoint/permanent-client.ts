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
import {
  ConfigError,
  ConnectionError,
  ErrorCode,
  Limits,
  SendStatus,
  exponentialBackoff,
  isSwitchboardError,
  linesJson,
  type Backoff,
  type ProtocolSpec,
  type SwitchboardError,
} from '../core/index.js';
import { AsyncQueue } from './async-queue.js';
import type { Callbacks } from './callbacks.js';
import { connect, redactUrl, type ConnectOptions } from './client.js';
import type { CloseInfo, Connection } from './connection.js';
import type { SessionConfig } from './session.js';
import { SessionClient } from './session-client.js';
import { diag, dropped } from './diagnostics.js';
import { DropReason, METER, Meter, type MetricsSnapshot } from './metrics.js';
import { isWebSocketUrl } from '../transport/websocket.js';

/** What a permanent client is doing, as callbacks (`onStatus`) and as an async iterator (`status()`). */
export type ClientStatus<In, Out> =
  /** `url`: where this attempt goes (without user info), one of the client's URLs. */
  | { readonly type: 'connecting'; readonly attempt: number; readonly url: string }
  | { readonly type: 'connected'; readonly conn: Connection<In, Out> }
  | { readonly type: 'disconnected'; readonly info: CloseInfo }
  | { readonly type: 'failed'; readonly attempt: number; readonly error: SwitchboardError }
  | { readonly type: 'retry'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'stopped' };

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

interface Queued<Out> {
  msg: Out;
  size: number;
}

/**
 * A client that keeps one connection up for as long as it is not closed. Messages from every
 * connection it makes come through `callbacks.onReceive` or `for await (const msg of client)`.
 */
export class PermanentClient<In, Out> implements AsyncIterable<In>, AsyncDisposable {
  readonly name: string;
  private conn: Connection<In, Out> | undefined;
  private stopped = false;
  private flushing = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private readonly outbox: Array<Queued<Out>> = [];
  private outboxBytes = 0;
  private readonly statusQueue = new AsyncQueue<ClientStatus<In, Out>>();
  private statusListening = false;
  private readonly done: Promise<void>;
  private readonly protocol: ProtocolSpec<In, Out>;
  private readonly backoff: Backoff;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly callbacks: Callbacks<In, Out>;
  /** Counters: connects, disconnects, outbox drops. */
  readonly stats = { connects: 0, disconnects: 0, failedAttempts: 0, outboxDropped: 0 };
  /** @internal Counters for `metrics()`, shared with every connection this client makes. */
  readonly meter = new Meter();

  /** Every URL the client may connect to, in the order it tries them. */
  readonly urls: readonly string[];
  /** Index in `urls` of the URL of the live connection, or of the next attempt. */
  private current = 0;

  constructor(
    url: string | readonly string[],
    private readonly options: PermanentClientOptions<In, Out> = {},
  ) {
    this.urls = clientUrls(url);
    const shown = this.urls.map(redactUrl).join(','); // credentials never go into names, logs or diagnostics
    this.name = options.name ? `permanent(${options.name}@${shown})` : `permanent(${shown})`;
    this.protocol = options.protocol ?? (linesJson<In, Out>() as ProtocolSpec<In, Out>);
    this.backoff = options.backoff ?? exponentialBackoff();
    const ob = options.outbox ?? {};
    this.maxMessages = ob.maxMessages ?? Limits.outboxMessages;
    this.maxBytes = ob.maxBytes ?? Limits.outboxBytes;
    if (!(this.maxMessages >= 0) || !(this.maxBytes >= 0)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `outbox limits must be >= 0, got ${this.maxMessages} messages, ${this.maxBytes} bytes`);
    }
    const user = options.callbacks;
    this.consumesByCallback = user?.onReceive !== undefined && user.observeOnly !== true;
    this.callbacks = user ?? {};
    this.done = this.run();
  }

  /** The URL of the live connection, or the one the next attempt goes to. */
  get url(): string {
    return this.urls[this.current]!;
  }

  private readonly consumesByCallback: boolean;
  private connectedWaiters: Array<() => void> = [];

  /** The live connection, when there is one. */
  get connection(): Connection<In, Out> | undefined {
    return this.conn?.state === 'open' ? this.conn : undefined;
  }

  get connected(): boolean {
    return this.connection !== undefined && !this.flushing;
  }

  /** Messages waiting in the outbox. */
  get queued(): number {
    return this.outbox.length;
  }

  /**
   * Sends now when connected (and the outbox is empty), else keeps the message in the outbox:
   * `queued`, or `dropped` when the outbox is full (`reject-new`) — with `drop-oldest` the oldest
   * queued message is dropped instead. `closed` once the client is closed.
   */
  send(msg: Out): SendStatus {
    if (this.stopped) return SendStatus.Closed;
    const conn = this.connection;
    if (conn && !this.flushing && this.outbox.length === 0) {
      const status = conn.send(msg);
      if (status !== SendStatus.Closed) return status;
    }
    return this.enqueue(msg);
  }

  private enqueue(msg: Out): SendStatus {
    const size = this.sizeOf(msg);
    const policy = this.options.outbox?.overflow ?? 'reject-new';
    const fits = (): boolean => this.outbox.length < this.maxMessages && this.outboxBytes + size <= this.maxBytes;
    if (!fits()) {
      if (policy === 'reject-new' || size > this.maxBytes || this.maxMessages === 0) {
        this.stats.outboxDropped++;
        dropped(this.meter, undefined, DropReason.OutboxFull, msg);
        return SendStatus.Dropped;
      }
      while (!fits() && this.outbox.length > 0) {
        const old = this.outbox.shift()!;
        this.outboxBytes -= old.size;
        this.stats.outboxDropped++;
        dropped(this.meter, undefined, DropReason.OutboxFull, old.msg);
      }
    }
    this.outbox.push({ msg, size });
    this.outboxBytes += size;
    return SendStatus.Queued;
  }

  private sizeOf(msg: Out): number {
    const p = this.protocol.codec.encode(msg); // also rejects a message that cannot be encoded, now
    return typeof p === 'string' ? p.length : p.length;
  }

  /** Status changes as an async iterator (connecting, connected, disconnected, retry, stopped). */
  status(): AsyncIterable<ClientStatus<In, Out>> {
    this.statusListening = true;
    return { [Symbol.asyncIterator]: () => ({ next: () => this.statusQueue.next() }) };
  }

  /**
   * Messages from every connection the client makes, in order: it reads the live connection
   * (whose receive queue is bounded, so backpressure still reaches the server) and moves on to
   * the next one after a reconnect. Ends when the client is closed.
   */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    if (this.consumesByCallback) {
      throw new ConnectionError(
        ErrorCode.RECEIVE_MODE_CONFLICT,
        `${this.name}: messages already go to an onReceive callback; use callbacks or for await, not both`,
      );
    }
    return this.messagesAcrossConnections();
  }

  private async *messagesAcrossConnections(): AsyncGenerator<In, void, undefined> {
    while (!this.stopped) {
      const conn = this.conn ?? (await this.nextConnection());
      if (conn === undefined) return;
      try {
        for await (const msg of conn) yield msg;
      } catch {
        // The link failed; the status stream says why. Go on with the next connection.
      }
      if (this.conn === conn) await conn.closed;
    }
  }

  private nextConnection(): Promise<Connection<In, Out> | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((resolve) => this.connectedWaiters.push(() => resolve(this.stopped ? undefined : this.conn)));
  }

  /** Stops reconnecting and closes the live connection gracefully. The outbox is discarded. */
  async close(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      clearTimeout(this.timer);
      this.wake?.();
      await this.conn?.close();
    }
    await this.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * A snapshot of this client's metrics over every connection it made: messages and bytes in and
   * out, reconnects, outbox drops, sessions, requests, ping round trips (docs/observability.md).
   */
  metrics(): MetricsSnapshot {
    const c = this.conn;
    const open = c !== undefined && c.state === 'open' ? 1 : 0;
    return this.meter.snapshot(c !== undefined && c.state !== 'closed' ? [c.stats] : [], open);
  }

  private emit(s: ClientStatus<In, Out>): void {
    if (s.type === 'retry') {
      this.meter.reconnects++;
      if (diag.reconnect.hasSubscribers) diag.reconnect.publish({ client: this.name, attempt: s.attempt, delayMs: s.delayMs });
    }
    if (this.statusListening) this.statusQueue.push(s);
    try {
      this.options.onStatus?.(s);
    } catch {
      // a status listener that throws does not stop the client
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async run(): Promise<void> {
    const random = this.options.random ?? Math.random;
    if (this.backoff.initialDelay > 0) await this.sleep(this.backoff.initialDelay);
    while (!this.stopped) {
      this.attempt++;
      this.emit({ type: 'connecting', attempt: this.attempt, url: redactUrl(this.url) });
      let conn: Connection<In, Out> | undefined;
      try {
        conn = await connect<In, Out>(this.url, {
          ...this.options,
          protocol: this.protocol,
          callbacks: this.callbacks,
          timeout: this.options.attemptTimeout ?? Limits.connectTimeout,
          [METER]: this.meter,
        } as PermanentClientOptions<In, Out>);
        this.conn = conn;
        this.flushing = true;
        if (this.stopped) break;
        await this.options.onConnected?.(conn);
        await this.flushOutbox(conn);
      } catch (cause) {
        this.flushing = false;
        const error = isSwitchboardError(cause)
          ? cause
          : new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: onConnected failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
        conn?.destroy(error);
        this.stats.failedAttempts++;
        this.emit({ type: 'failed', attempt: this.attempt, error });
        if (this.stopped) break;
        // A failed attempt moves on to the next URL; a lost connection retries its own URL first
        // (a session is resumed fastest where it was, and a blip does not move the client).
        this.current = (this.current + 1) % this.urls.length;
        const delayMs = this.backoff.delay(this.attempt, random);
        this.emit({ type: 'retry', attempt: this.attempt, delayMs });
        await this.sleep(delayMs);
        continue;
      }
      this.flushing = false;
      this.attempt = 0;
      this.stats.connects++;
      this.emit({ type: 'connected', conn });
      for (const w of this.connectedWaiters.splice(0)) w();
      const info = await conn.closed;
      this.conn = undefined;
      this.stats.disconnects++;
      this.emit({ type: 'disconnected', info });
      if (this.stopped) break;
      // The link was lost: count it as the first failure, so the schedule starts over.
      this.attempt = 1;
      const delayMs = this.backoff.delay(1, random);
      this.emit({ type: 'retry', attempt: 1, delayMs });
      await this.sleep(delayMs);
      this.attempt = 0;
    }
    this.outbox.length = 0;
    this.outboxBytes = 0;
    this.emit({ type: 'stopped' });
    this.statusQueue.end();
    for (const w of this.connectedWaiters.splice(0)) w();
  }

  /** Sends the outbox in order, waiting for room when the connection pushes back. */
  private async flushOutbox(conn: Connection<In, Out>): Promise<void> {
    while (this.outbox.length > 0) {
      const next = this.outbox[0]!;
      const status = await conn.sendWait(next.msg, { timeout: this.options.closeTimeout ?? Limits.closeTimeout });
      if (status === SendStatus.Closed || status === SendStatus.Timeout || status === SendStatus.Dropped) {
        throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: the connection went away while the outbox was flushed (${status})`);
      }
      this.outbox.shift();
      this.outboxBytes -= next.size;
    }
  }
}

/**
 * The URLs of a permanent client: one, or several (tried in turn). All WebSocket or all stream
 * URLs, since one protocol serves them all.
 */
export function clientUrls(url: string | readonly string[]): readonly string[] {
  const urls = typeof url === 'string' ? [url] : [...url];
  if (urls.length === 0 || urls.some((u) => typeof u !== 'string' || u === '')) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'a permanent client needs a URL, or a non-empty list of URLs');
  }
  if (new Set(urls.map((u) => isWebSocketUrl(u))).size > 1) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `a permanent client's URLs must be all WebSocket (ws://, wss://) or all streams: ${urls.map(redactUrl).join(', ')}`);
  }
  return Object.freeze(urls);
}

/**
 * Starts a client that connects to `url` (or to each of several URLs in turn: a failed attempt
 * moves on to the next, a lost connection retries its own first) and reconnects for ever, with a pause schedule or
 * exponential backoff, until `close()`.
 */
export function permanentClient<In = unknown, Out = In>(
  url: string | readonly string[],
  options: PermanentClientOptions<In, Out> & { session: true | SessionConfig<In, Out> },
): SessionClient<In, Out>;
export function permanentClient<In = unknown, Out = In>(url: string | readonly string[], options?: PermanentClientOptions<In, Out>): PermanentClient<In, Out>;
export function permanentClient<In = unknown, Out = In>(
  url: string | readonly string[],
  options: PermanentClientOptions<In, Out> & { session?: true | SessionConfig<In, Out> } = {},
): PermanentClient<In, Out> | SessionClient<In, Out> {
  // Sessions (docs/sessions.md): reconnect and resume, in session-client.ts.
  if (options.session) return new SessionClient<In, Out>(url, options as PermanentClientOptions<In, Out> & { session: true | SessionConfig<In, Out> });
  return new PermanentClient<In, Out>(url, options);
}

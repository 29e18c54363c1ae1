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
import { exponentialBackoff, type Backoff } from '../core/backoff.js';
import { ConfigError, ConnectionError, ErrorCode, isSwitchboardError, type SwitchboardError } from '../core/errors.js';
import { Limits } from '../core/limits.js';
import { SendStatus } from '../core/send-status.js';
import { checkOptions, connect, resolveProtocol, type ConnectOptions } from './client.js';
import { errorText, type BrowserProtocol, type CloseInfo, type Connection } from './connection.js';
import { Queue } from './queue.js';

/** What a permanent client is doing, as callbacks (`onStatus`) and as an async iterator (`status()`). */
export type ClientStatus<In, Out> =
  | { readonly type: 'connecting'; readonly attempt: number; readonly url: string }
  | { readonly type: 'connected'; readonly conn: Connection<In, Out> }
  | { readonly type: 'disconnected'; readonly info: CloseInfo }
  | { readonly type: 'failed'; readonly attempt: number; readonly error: SwitchboardError }
  | { readonly type: 'retry'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'stopped' };

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

export class PermanentClient<In, Out> implements AsyncIterable<In>, AsyncDisposable {
  readonly name: string;
  /** Counters: connects, disconnects, failed attempts, outbox drops. */
  readonly stats = { connects: 0, disconnects: 0, failedAttempts: 0, outboxDropped: 0 };
  private conn: Connection<In, Out> | undefined;
  private stopped = false;
  private flushing = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private readonly outbox: Array<{ msg: Out; size: number }> = [];
  private outboxBytes = 0;
  private statusQueue: Queue<ClientStatus<In, Out>> | undefined;
  private readonly done: Promise<void>;
  private readonly protocol: BrowserProtocol<In, Out>;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly consumesByCallback: boolean;
  private connectedWaiters: Array<() => void> = [];

  /** Every URL the client may connect to, in the order it tries them. */
  readonly urls: readonly string[];
  private current = 0;

  constructor(
    url: string | readonly string[],
    private readonly options: PermanentClientOptions<In, Out> = {},
  ) {
    const urls = (this.urls = typeof url === 'string' ? [url] : [...url]);
    if (urls.length === 0) throw new ConfigError(ErrorCode.INVALID_OPTION, 'a permanent client needs a URL, or a non-empty list of URLs');
    this.name = options.name ? `permanent(${options.name}@${urls})` : `permanent(${urls})`;
    if ((options as { session?: unknown }).session !== undefined) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, 'for a session use sessionClient(url, { session }) (kept apart from permanentClient, which stays small without it)');
    }
    this.protocol = resolveProtocol(options);
    checkOptions({ ...options, protocol: this.protocol } as never);
    const ob = options.outbox ?? {};
    this.maxMessages = ob.maxMessages ?? Limits.outboxMessages;
    this.maxBytes = ob.maxBytes ?? Limits.outboxBytes;
    if (!(this.maxMessages >= 0) || !(this.maxBytes >= 0)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `outbox limits must be >= 0, got ${this.maxMessages} messages, ${this.maxBytes} bytes`);
    }
    const user = options.callbacks;
    this.consumesByCallback = user?.onReceive !== undefined && user.observeOnly !== true;
    this.done = this.run();
  }

  /** The URL of the live connection, or the one the next attempt goes to. */
  get url(): string {
    return this.urls[this.current]!;
  }

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
   * `queued`, or `dropped` when the outbox is full (`reject-new`); with `drop-oldest` the oldest
   * queued message is dropped instead. `closed` once the client is closed.
   */
  send(msg: Out): SendStatus {
    if (this.stopped) return SendStatus.Closed;
    const conn = this.connection;
    if (conn && !this.flushing && this.outbox.length === 0) {
      const status = conn.send(msg);
      if (status !== SendStatus.Closed) return status;
    }
    const p = this.protocol.codec.encode(msg); // also rejects a message that cannot be encoded, now
    const size = p.length;
    const fits = (): boolean => this.outbox.length < this.maxMessages && this.outboxBytes + size <= this.maxBytes;
    if (!fits()) {
      if (this.options.outbox?.overflow !== 'drop-oldest' || size > this.maxBytes || this.maxMessages === 0) {
        this.stats.outboxDropped++;
        return SendStatus.Dropped;
      }
      while (!fits() && this.outbox.length > 0) {
        this.outboxBytes -= this.outbox.shift()!.size;
        this.stats.outboxDropped++;
      }
    }
    this.outbox.push({ msg, size });
    this.outboxBytes += size;
    return SendStatus.Queued;
  }

  /** Status changes as an async iterator (connecting, connected, disconnected, failed, retry, stopped). */
  status(): AsyncIterable<ClientStatus<In, Out>> {
    const q = (this.statusQueue ??= new Queue());
    return { [Symbol.asyncIterator]: () => ({ next: () => q.next() }) };
  }

  /** Messages from every connection the client makes, in order. Ends when the client is closed. */
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
      const conn = this.conn ?? (await new Promise<Connection<In, Out> | undefined>((resolve) => this.connectedWaiters.push(() => resolve(this.conn))));
      if (conn === undefined || this.stopped) return;
      try {
        for await (const msg of conn) yield msg;
      } catch {
        // The link failed; the status stream says why. Go on with the next connection.
      }
      if (this.conn === conn) await conn.closed;
    }
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

  private emit(s: ClientStatus<In, Out>): void {
    this.statusQueue?.push(s);
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
    const o = this.options;
    const random = o.random ?? Math.random;
    const backoff = o.backoff ?? exponentialBackoff();
    if (backoff.initialDelay > 0) await this.sleep(backoff.initialDelay);
    while (!this.stopped) {
      this.attempt++;
      this.emit({ type: 'connecting', attempt: this.attempt, url: this.url });
      let conn: Connection<In, Out> | undefined;
      try {
        conn = await connect<In, Out>(this.url, { ...o, protocol: this.protocol, codec: undefined, timeout: o.attemptTimeout ?? Limits.connectTimeout });
        this.conn = conn;
        this.flushing = true;
        if (this.stopped) {
          void conn.close(); // close() was called while this attempt was connecting
          break;
        }
        await o.onConnected?.(conn);
        // Sends the outbox in order, waiting for room when the connection pushes back.
        while (this.outbox.length > 0) {
          const next = this.outbox[0]!;
          const status = await conn.sendWait(next.msg, { timeout: o.closeTimeout ?? Limits.closeTimeout });
          if (status === SendStatus.Closed || status === SendStatus.Timeout || status === SendStatus.Dropped) {
            throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: the connection went away while the outbox was flushed (${status})`);
          }
          this.outbox.shift();
          this.outboxBytes -= next.size;
        }
      } catch (cause) {
        this.flushing = false;
        const error = isSwitchboardError(cause)
          ? cause
          : new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: onConnected failed: ${errorText(cause)}`, { cause });
        conn?.destroy(error);
        this.stats.failedAttempts++;
        this.emit({ type: 'failed', attempt: this.attempt, error });
        if (this.stopped) break;
        // A failed attempt moves on to the next URL; a lost connection retries its own first.
        this.current = (this.current + 1) % this.urls.length;
        const delayMs = backoff.delay(this.attempt, random);
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
      const delayMs = backoff.delay(1, random);
      this.emit({ type: 'retry', attempt: 1, delayMs });
      await this.sleep(delayMs);
    }
    this.outbox.length = 0;
    this.outboxBytes = 0;
    this.emit({ type: 'stopped' });
    this.statusQueue?.end();
    for (const w of this.connectedWaiters.splice(0)) w();
  }
}

/**
 * Starts a client that connects to `url` (or to each of several URLs in turn: a failed attempt
 * moves on to the next, a lost connection retries its own first) and reconnects for ever, with
 * backoff, until `close()`.
 */
export function permanentClient<In = string | Uint8Array, Out = In>(url: string | readonly string[], options: PermanentClientOptions<In, Out> = {}): PermanentClient<In, Out> {
  return new PermanentClient<In, Out>(url, options);
}

/**
 * Client sessions: `permanentClient(url, { session })` (reconnects and resumes for as long as it
 * runs) and `connect(url, { session })` (one connection: the session ends with it).
 *
 *     PermanentClient<raw> ── connected ── handle.open(conn): HELLO ── WELCOME ── open
 *            ^                                                           │
 *            └──── backoff ◄── disconnected ◄── handle.lost(conn) ◄──────┘  (the machine keeps
 *                                                                           what is unacknowledged)
 */
import {
  ConfigError,
  ConnectionError,
  ErrorCode,
  Limits,
  SendStatus,
  type SwitchboardError,
} from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import { connect, resolveProtocol, type ConnectOptions } from './client.js';
import type { Connection } from './connection.js';
import type { MetricsSnapshot } from './metrics.js';
import { PermanentClient, clientUrls, type ClientStatus, type PermanentClientOptions } from './permanent-client.js';
import {
  SessionHandle,
  checkSessionConfig,
  machineOptions,
  rawProtocol,
  type RawConnection,
  type RawFrame,
  type RequestOptions,
  type SessionConfig,
  type SessionOwner,
} from './session.js';
import { isWebSocketUrl } from '../transport/websocket.js';

function sessionConfig<In, Out>(session: true | SessionConfig<In, Out>): SessionConfig<In, Out> {
  const cfg = session === true ? {} : session;
  checkSessionConfig(cfg as SessionConfig<unknown, unknown>);
  return cfg;
}

function refuseOnReceive(callbacks: Callbacks<unknown, unknown> | undefined): void {
  if (callbacks?.onReceive !== undefined && callbacks.observeOnly !== true) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'with sessions, messages go to session.onMessage (or iterate the session): callbacks.onReceive is not used');
  }
}

/** The user's connection observers plus the session's receive and disconnect. */
function rawCallbacks(
  user: Callbacks<unknown, unknown> | undefined,
  handle: () => SessionHandle<unknown, unknown>,
): Callbacks<RawFrame, RawFrame> {
  const u = user as Callbacks<RawFrame, RawFrame> | undefined;
  return {
    ...(u?.onInitialize && { onInitialize: (e) => u.onInitialize!.call(u, e) }),
    ...(u?.onConnect && { onConnect: (c) => u.onConnect!.call(u, c) }),
    ...(u?.onDrain && { onDrain: (c) => u.onDrain!.call(u, c) }),
    ...(u?.onFail && { onFail: (e, c) => u.onFail!.call(u, e, c) }),
    onReceive: (c, frame) => handle().receive(c, frame),
    onDisconnect: (c, info) => {
      handle().lost(c, info);
      u?.onDisconnect?.call(u, c, info);
    },
  };
}

/** Waits for WELCOME on a fresh connection, at most `ms`. */
async function opened(handle: SessionHandle<unknown, unknown>, conn: RawConnection, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      handle.open(conn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ConnectionError(ErrorCode.HANDSHAKE_TIMEOUT, `${conn.name}: no WELCOME within ${ms} ms`)), ms);
      }),
    ]);
  } catch (err) {
    // The link is useless without a session on it: detach, so the next connection can open.
    handle.lost(conn, { initiator: 'error', error: err as SwitchboardError, clean: false });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `connect(url, { session })`: one connection, one session. Resolves once the server welcomed
 * it. When the connection drops the session ends (no resume: use `permanentClient` for that):
 * pending requests reject with `CONNECTION_CLOSED` and `ended` resolves with the close's error.
 */
export async function connectSession<In, Out>(url: string, options: ConnectOptions<In, Out> & { session: true | SessionConfig<In, Out> }): Promise<SessionHandle<In, Out>> {
  const cfg = sessionConfig(options.session);
  refuseOnReceive(options.callbacks as Callbacks<unknown, unknown> | undefined);
  const user = resolveProtocol(options, isWebSocketUrl(url));
  const raw = rawProtocol(user);
  const owner: SessionOwner = {
    ended: (h) => void (h.connection as RawConnection | undefined)?.close(),
    report: (e, h) => void (options.callbacks?.onFail as ((e: SwitchboardError, c: unknown) => void) | undefined)?.(e, h.connection),
  };
  const handle = new SessionHandle<In, Out>('client', user.codec, cfg, owner, machineOptions(cfg as SessionConfig<unknown, unknown>));
  const h = handle as SessionHandle<unknown, unknown>;
  const cbs = rawCallbacks(options.callbacks as Callbacks<unknown, unknown> | undefined, () => h);
  const onDisconnect = cbs.onDisconnect!;
  cbs.onDisconnect = (c, info) => {
    onDisconnect(c, info);
    // One connection, one session: its end ends the session.
    h.terminate(info.error ?? new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${c.name}: the connection closed`));
  };
  const { session: _s, codec: _c, protocol: _p, callbacks: _cb, ...rest } = options;
  const conn = await connect<RawFrame, RawFrame>(url, { ...rest, protocol: raw, callbacks: cbs } as ConnectOptions<RawFrame, RawFrame>);
  try {
    await opened(h, conn, options.handshakeTimeout ?? Limits.handshakeTimeout);
  } catch (err) {
    conn.destroy();
    h.terminate(err as SwitchboardError);
    throw err;
  }
  return handle;
}

/**
 * A permanent client with a session: every message accepted by `send` reaches the server's
 * application exactly once and in order across dropped connections, requests in flight get their
 * answers after a reconnect. See docs/sessions.md.
 */
export class SessionClient<In, Out> implements AsyncIterable<In>, AsyncDisposable {
  /** The session: the same object across reconnects. */
  readonly session: SessionHandle<In, Out>;
  /** The reconnecting client of raw connections under it. */
  readonly client: PermanentClient<RawFrame, RawFrame>;

  constructor(
    url: string | readonly string[],
    options: PermanentClientOptions<In, Out> & { session: true | SessionConfig<In, Out> },
  ) {
    const urls = clientUrls(url);
    const cfg = sessionConfig(options.session);
    refuseOnReceive(options.callbacks as Callbacks<unknown, unknown> | undefined);
    const user = resolveProtocol(options, isWebSocketUrl(urls[0]!));
    const raw = rawProtocol(user);
    const owner: SessionOwner = {
      // The session is over (ended by either side, refused): stop reconnecting.
      ended: () => void this.client?.close(),
      report: (e, h) => void (options.callbacks?.onFail as ((e: SwitchboardError, c: unknown) => void) | undefined)?.(e, h.connection),
      get meter() {
        return client().meter;
      },
    };
    const client = (): PermanentClient<RawFrame, RawFrame> => this.client;
    this.session = new SessionHandle<In, Out>('client', user.codec, cfg, owner, machineOptions(cfg as SessionConfig<unknown, unknown>));
    const h = this.session as SessionHandle<unknown, unknown>;
    const handshake = options.handshakeTimeout ?? Limits.handshakeTimeout;
    const userConnected = options.onConnected as ((c: Connection<RawFrame, RawFrame>) => void | Promise<void>) | undefined;
    const { session: _s, codec: _c, protocol: _p, callbacks, onConnected: _o, outbox: _ob, ...rest } = options;
    this.client = new PermanentClient<RawFrame, RawFrame>(urls, {
      ...(rest as PermanentClientOptions<RawFrame, RawFrame>),
      protocol: raw,
      callbacks: rawCallbacks(callbacks as Callbacks<unknown, unknown> | undefined, () => h),
      outbox: { maxMessages: 0 },
      onConnected: async (conn) => {
        await userConnected?.(conn);
        await opened(h, conn, handshake);
      },
    });
  }

  /** See {@link SessionHandle.send}: while disconnected, messages are retained (`queued`) and sent on resume. */
  send(msg: Out): SendStatus {
    return this.session.send(msg);
  }

  /** See {@link SessionHandle.request}: a request in flight across a reconnect still gets its answer. */
  request(msg: Out, options?: RequestOptions): Promise<In> {
    return this.session.request(msg, options);
  }

  /** Resolves `true` once everything sent so far was acknowledged; `false` on timeout or end. */
  acked(options?: { timeout?: number }): Promise<boolean> {
    return this.session.acked(options);
  }

  /** The URL of the live connection, or the one the next attempt goes to (see `urls`). */
  get url(): string {
    return this.client.url;
  }

  /** Every URL the client may connect to, in the order it tries them. */
  get urls(): readonly string[] {
    return this.client.urls;
  }

  /** Whether a connection is up and the session open on it. */
  get connected(): boolean {
    return this.session.state === 'open';
  }

  /**
   * The raw client's metrics (docs/observability.md): reconnects, `sessions.resumed` and
   * `sessions.gaps`, requests by outcome; messages and bytes counted on the wire (envelopes, so
   * acknowledgements and the handshake count too).
   */
  metrics(): MetricsSnapshot {
    return this.client.metrics();
  }

  /** Status changes of the raw client (connecting, connected, disconnected, retry, stopped). */
  status(): AsyncIterable<ClientStatus<RawFrame, RawFrame>> {
    return this.client.status();
  }

  [Symbol.asyncIterator](): AsyncIterator<In> {
    return this.session[Symbol.asyncIterator]();
  }

  /**
   * Ends the session (END to the server; pending requests reject with `CONNECTION_CLOSED`) and
   * stops reconnecting. What is not yet acknowledged is dropped: `await acked()` first to be sure.
   */
  async close(): Promise<void> {
    await this.session.close();
    await this.client.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return this.client.name;
  }
}

/** @internal */
export function sessionClient<In, Out>(url: string | readonly string[], options: PermanentClientOptions<In, Out> & { session: true | SessionConfig<In, Out> }): SessionClient<In, Out> {
  return new SessionClient(url, options);
}


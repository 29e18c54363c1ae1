/**
 * `listen(url, { session })`: a server whose connections carry sessions.
 *
 *     raw connection ── first frame (HELLO) ── acceptSession ──┬─ refused: typed error, that connection closes
 *                                                             └─ accepted: bound to the session's handle
 *     later frames ── handle.receive ── machine           (a takeover closes the old connection)
 *     connection lost ── machine.lost; snapshot counted in the store; the handle stays (sends are retained)
 *     retention over ── the machine's timer ends the session (SESSION_EXPIRED)
 *
 * Detached sessions keep their live machine (so the application can send to a session whose
 * client is momentarily away); a {@link MemorySessionStore} counts their bytes, and when a detach
 * takes it over `maxStoredBytes`, the sessions closest to expiry end. Sends to a detached session
 * are bounded by the session's own caps and recounted once per tick.
 */
import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  ErrorCode,
  MemorySessionStore,
  SessionError,
  acceptSession,
  decodeEnvelope,
  emptyEnvelope,
  type Address,
  type SessionMachine,
  type SwitchboardError,
} from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import { resolveProtocol } from './client.js';
import type { CloseInfo } from './connection.js';
import type { Meter, MetricsSnapshot } from './metrics.js';
import { Server, type ListenOptions, type ServerCloseOptions } from './server.js';
import {
  SessionHandle,
  checkSessionConfig,
  machineOptions,
  rawProtocol,
  writerFor,
  type RawConnection,
  type RawFrame,
  type ServerSessionConfig,
  type SessionOwner,
} from './session.js';
import { isWebSocketUrl, type HttpServer } from '../transport/websocket.js';

export interface SessionServerCloseOptions extends ServerCloseOptions {
  /** End every session (END to connected clients, whose sessions then end with SESSION_ENDED). @default false: clients resume elsewhere or get `resumed: false` */
  endSessions?: boolean;
}

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const scratch = emptyEnvelope();

/** A server of sessions. `sessions` lists them, connected or not; `server` is the raw server under it. */
export class SessionServer<In, Out> implements AsyncDisposable, SessionOwner {
  /** The raw server (connections carry envelopes: observe them, do not send on them). */
  readonly server: Server<RawFrame, RawFrame>;
  private readonly live = new Map<string, SessionHandle<In, Out>>();
  /** Raw connections: the session each is bound to, `null` while its HELLO is awaited. */
  private readonly bindings = new Map<RawConnection, SessionHandle<In, Out> | null>();
  private readonly store: MemorySessionStore;
  private readonly dirty = new Set<SessionHandle<In, Out>>();
  private recountScheduled = false;
  private closing = false;
  /** Sessions refused or ended by the store's bound, accepted, resumed, taken over. */
  readonly counters = { accepted: 0, resumed: 0, refused: 0, tookOver: 0, evicted: 0, expired: 0 };

  /** @internal use `listen(url, { session })` */
  constructor(
    server: Server<RawFrame, RawFrame> | undefined,
    private readonly options: ListenOptions<In, Out>,
    private readonly cfg: ServerSessionConfig<In, Out>,
    private readonly codec: ListenOptions<In, Out>['codec'] & object,
  ) {
    this.server = server!;
    this.store = new MemorySessionStore(cfg.maxStoredBytes !== undefined ? { maxBytes: cfg.maxStoredBytes } : {});
  }

  /** @internal */
  setServer(server: Server<RawFrame, RawFrame>): void {
    (this as { server: Server<RawFrame, RawFrame> }).server = server;
  }

  get url(): string {
    return this.server.url;
  }
  get address(): Address {
    return this.server.address;
  }
  get name(): string {
    return this.server.name;
  }
  /** Open raw connections. */
  get connectionCount(): number {
    return this.server.connectionCount;
  }
  /** Every session, connected or detached, by id. */
  get sessions(): ReadonlyMap<string, SessionHandle<In, Out>> {
    return this.live;
  }
  /**
   * The raw server's metrics (docs/observability.md), with `sessions.resumed` and `sessions.gaps`
   * and this server's requests by outcome. Messages and bytes are counted on the wire: envelopes,
   * so acknowledgements and the handshake count too.
   */
  metrics(): MetricsSnapshot {
    return this.server.metrics();
  }
  /** @internal the raw server's counters: the sessions' requests count on them */
  get meter(): Meter {
    return this.server.meter;
  }
  /** Bytes counted for detached sessions (bounded by `maxStoredBytes`). */
  get storedBytes(): number {
    return this.store.bytes;
  }

  /** @internal the raw callbacks: the user's (observers of connections) and ours. */
  callbacks(user: Callbacks<In, Out> | undefined): Callbacks<RawFrame, RawFrame> {
    const u = user as Callbacks<RawFrame, RawFrame> | undefined;
    return {
      ...(u?.onInitialize && { onInitialize: (e) => u.onInitialize!.call(u, e) }),
      ...(u?.onReject && { onReject: (r, e) => u.onReject!.call(u, r, e) }),
      ...(u?.onDrain && { onDrain: (c) => u.onDrain!.call(u, c) }),
      onFail: (e, c) => u?.onFail?.call(u, e, c),
      onConnect: (c) => {
        this.bindings.set(c, null);
        u?.onConnect?.call(u, c);
      },
      onReceive: (c, frame) => this.onFrame(c, frame),
      onDisconnect: (c, info) => {
        this.onLost(c, info);
        u?.onDisconnect?.call(u, c, info);
      },
    };
  }

  private onFrame(conn: RawConnection, frame: RawFrame): void {
    const h = this.bindings.get(conn);
    if (h === undefined) return; // not ours any more
    if (h !== null) {
      h.receive(conn, frame);
      return;
    }
    this.accept(conn, frame);
  }

  private accept(conn: RawConnection, frame: RawFrame): void {
    // Which session the HELLO names decides who hears `open` (deferred until the attach is done).
    let named: SessionHandle<In, Out> | undefined;
    try {
      const e = decodeEnvelope(frame, scratch);
      if (e.kind === 'H' && e.sessionId !== '') named = this.live.get(e.sessionId);
    } catch {
      // acceptSession refuses it with the right code
    }
    if (named !== undefined) named.attaching = true;
    let created: SessionHandle<In, Out> | undefined;
    const now = Date.now();
    const out = acceptSession(frame, writerFor(conn), now, {
      lookup: (id) => this.live.get(id)?.machine ?? this.store.get(id),
      host: () => {
        created = new SessionHandle<In, Out>('server', this.codec, this.cfg, this, undefined);
        created.attaching = true; // `open` is told once the handle has its machine and connection
        return created.machineHost;
      },
      options: { ...machineOptions(this.cfg as ServerSessionConfig<unknown, unknown>), random },
    });
    if (named !== undefined) named.attaching = false;
    if (out.type === 'refused') {
      this.counters.refused++;
      this.bindings.delete(conn);
      conn.abort(out.error); // reported to callbacks.onFail by the connection
      return;
    }
    const m: SessionMachine = out.machine;
    let h = created;
    if (h !== undefined) {
      h.machine = m;
      this.live.set(m.sessionId, h);
      if (named !== undefined && named.machine !== m) {
        // The HELLO named a session that had ended or expired: a new one replaces it.
        named.attaching = false;
      }
    } else {
      h = this.live.get(m.sessionId)!;
    }
    this.store.delete(m.sessionId);
    this.dirty.delete(h);
    if (out.resumed) this.counters.resumed++;
    else this.counters.accepted++;
    const old = out.tookOver ? (h.connection as RawConnection | undefined) : undefined;
    this.bindings.set(conn, h);
    h.attached(conn);
    if (old !== undefined && old !== conn) {
      this.counters.tookOver++;
      this.bindings.delete(old);
      void old.close();
    }
  }

  private onLost(conn: RawConnection, info: CloseInfo): void {
    const h = this.bindings.get(conn);
    this.bindings.delete(conn);
    if (h === undefined || h === null) return;
    if (!h.lost(conn, info)) return;
    if (this.closing) return;
    this.keep(h);
  }

  /** Counts a detached session in the store; ends the sessions the store's bound pushes out. */
  private keep(h: SessionHandle<In, Out>): void {
    const m = h.machine;
    if (h.state !== 'detached') return;
    const dropped = this.store.put(m.snapshot(), Date.now());
    for (const id of dropped) {
      const victim = this.live.get(id);
      this.store.delete(id);
      if (victim === undefined) continue;
      this.counters.evicted++;
      victim.terminate(new SessionError(ErrorCode.SESSION_UNKNOWN,
        `${victim}: dropped to keep disconnected sessions within ${this.store.maxBytes} bytes`));
    }
  }

  /** @internal a send to a detached session: recount it once this tick. */
  touched(handle: SessionHandle<unknown, unknown>): void {
    const h = handle as SessionHandle<In, Out>;
    if (h.state !== 'detached') return;
    this.dirty.add(h);
    if (this.recountScheduled) return;
    this.recountScheduled = true;
    queueMicrotask(() => {
      this.recountScheduled = false;
      const list = [...this.dirty];
      this.dirty.clear();
      for (const d of list) this.keep(d);
    });
  }

  /** @internal SessionOwner */
  ended(handle: SessionHandle<unknown, unknown>): void {
    const h = handle as SessionHandle<In, Out>;
    const id = h.id;
    if (this.live.get(id) === h) this.live.delete(id);
    this.store.delete(id);
    this.dirty.delete(h);
    if (h.error?.code === ErrorCode.SESSION_EXPIRED) this.counters.expired++;
    const c = h.connection as RawConnection | undefined;
    if (c !== undefined) {
      this.bindings.delete(c);
      void c.close();
    }
  }

  /** @internal SessionOwner */
  report(error: SwitchboardError, _h: SessionHandle<unknown, unknown> | undefined, conn?: RawConnection): void {
    try {
      (this.options.callbacks?.onFail as ((e: SwitchboardError, c: unknown) => void) | undefined)?.(error, conn);
    } catch {
      // nowhere left to report
    }
  }

  /**
   * Stops accepting and closes every connection. Sessions are not ended by default (their
   * clients reconnect and learn `resumed: false` from the next server); `endSessions: true`
   * sends END first. Pending requests of this side reject with `CONNECTION_CLOSED`.
   */
  async close(options: SessionServerCloseOptions = {}): Promise<void> {
    if (options.endSessions) for (const h of [...this.live.values()]) h.machine.end('SERVER_CLOSED');
    this.closing = true;
    await this.server.close(options);
    for (const h of [...this.live.values()]) {
      h.terminate(new SessionError(ErrorCode.SESSION_ENDED, `${h}: the server closed`));
    }
    this.live.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return this.server.name;
  }
}

/** @internal `listen(url, { session })` */
export async function listenSessions<In, Out>(url: string, options: ListenOptions<In, Out> & { session: true | ServerSessionConfig<In, Out> }): Promise<SessionServer<In, Out>> {
  const cfg: ServerSessionConfig<In, Out> = options.session === true ? {} : options.session;
  checkSessionConfig(cfg as ServerSessionConfig<unknown, unknown>);
  const user = resolveProtocol(options, isWebSocketUrl(url));
  const raw = rawProtocol(user);
  if (options.callbacks?.onReceive !== undefined && options.callbacks.observeOnly !== true) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'with sessions, messages go to session.onMessage (or iterate a session): callbacks.onReceive is not used');
  }
  const { session: _s, codec: _c, protocol: _p, callbacks, rejectMessage: _r, ...rest } = options;
  const ss = new SessionServer<In, Out>(undefined, options, cfg, user.codec);
  const server = await Server.start<RawFrame, RawFrame>(url, { ...rest, protocol: raw, callbacks: ss.callbacks(callbacks) } as ListenOptions<RawFrame, RawFrame>);
  ss.setServer(server);
  return ss;
}

/**
 * `attachWebSocket(httpServer, { session })`: sessions on a WebSocket endpoint attached to an
 * existing `node:http` / `node:https` server (one port for the pages and the endpoint), as
 * `listen(url, { session })` does on its own port.
 */
export function attachSessions<In, Out>(
  httpServer: HttpServer,
  options: ListenOptions<In, Out> & { path?: string; session: true | ServerSessionConfig<In, Out> },
): SessionServer<In, Out> {
  const cfg: ServerSessionConfig<In, Out> = options.session === true ? {} : options.session;
  checkSessionConfig(cfg as ServerSessionConfig<unknown, unknown>);
  if (options.callbacks?.onReceive !== undefined && options.callbacks.observeOnly !== true) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'with sessions, messages go to session.onMessage (or iterate a session): callbacks.onReceive is not used');
  }
  const user = resolveProtocol(options, true);
  const { session: _s, codec: _c, protocol: _p, callbacks, rejectMessage: _r, ...rest } = options;
  const ss = new SessionServer<In, Out>(undefined, options, cfg, user.codec);
  ss.setServer(Server.attach<RawFrame, RawFrame>(httpServer, { ...(rest as ListenOptions<RawFrame, RawFrame> & { path?: string }), protocol: rawProtocol(user), callbacks: ss.callbacks(callbacks) }));
  return ss;
}

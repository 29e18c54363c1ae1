import {
  ConfigError,
  ConnectionError,
  ErrorCode,
  Limits,
  SendStatus,
  ServerError,
  WriteBuffer,
  concatBytes,
  formatAddress,
  parseAddress,
  type Address,
  type Framer,
  type Protocol,
  type ProtocolSpec,
} from '../core/index.js';
import { StreamListener, type ListenOptions as SocketListenOptions, type StreamSocket } from '../transport/stream.js';
import {
  acceptWebSocket,
  answer,
  compressorFor,
  headFromIncoming,
  checkWebSocketLimits,
  isWebSocketUrl,
  nodeRandom,
  socketFromUpgrade,
  type HttpServer,
  type IncomingMessage,
  type NetSocket,
  type WebSocketServerOptions,
} from '../transport/websocket.js';
import { httpErrorResponse, type DeflateParams, type UpgradeRequest } from '../core/websocket/index.js';
import { webSocketFraming } from '../core/websocket/framing.js';
import { resolveProtocol, redactUrl } from './client.js';
import type { Codec, SwitchboardError } from '../core/index.js';
import { AsyncQueue } from './async-queue.js';
import type { Callbacks } from './callbacks.js';
import { Connection, checkConnectionOptions, type ConnectionOptions, type MemoryBudget } from './connection.js';
import { WebSocketMeta } from './ws-meta.js';
import type { ServerSessionConfig } from './session.js';
import { attachSessions, listenSessions, type SessionServer } from './session-server.js';
import { diag } from './diagnostics.js';
import { Meter, RejectReason, type MetricsSnapshot } from './metrics.js';
import { Rooms, type RoomHost } from './rooms.js';
import { webSocketMask } from '../transport/ws-mask.js';

export interface ListenOptions<In, Out> extends ConnectionOptions, SocketListenOptions {
  /**
   * Framing + codec + hooks. @default lines + JSON on byte streams; on WebSocket, the `message`
   * codec (text frames as strings, binary frames as bytes), and the framing is not used (it may
   * be left out; on a byte stream a protocol without one uses `lines()`).
   */
  protocol?: ProtocolSpec<In, Out>;
  /** Shorthand for `protocol: { framing: lines(), codec }` (on WebSocket: just the codec). */
  codec?: Codec<In, Out>;
  /** `ws://` / `wss://` only: `verify` hook (origin, credentials, path), subprotocols, compression, limits. */
  websocket?: WebSocketServerOptions;
  callbacks?: Callbacks<In, Out>;
  /** Shown in identities: `svc(name@...)`. */
  name?: string;
  /** Open (or handshaking) connections allowed at once; more are refused. @default Infinity */
  maxConnections?: number;
  /** Sent to a connection refused over `maxConnections` before it is closed. @default nothing */
  rejectMessage?: Out;
  /**
   * Bytes all connections may hold at once in partial frames (received bytes that do not make a
   * whole frame yet; on WebSocket also an unfinished message) and outgoing queues (`heldBytes`).
   * Over it, the connection holding the most is closed with `MEMORY_BUDGET_EXCEEDED` (WebSocket
   * close code 1013). `Infinity` turns it off. @default Limits.serverMemoryBudget (256 MiB)
   */
  memoryBudget?: number;
  /**
   * Time a new connection has to deliver its first whole message, in ms; 0 is off. A silent
   * peer, or one that parks a partial frame, is closed with `FIRST_MESSAGE_TIMEOUT`. WebSocket:
   * the upgrade request is the first message (bounded by `handshakeTimeout`), so this does not
   * apply after it. Set 0 for protocols whose clients may never send (server push).
   * @default Limits.firstMessageTimeout (30000)
   */
  firstMessageTimeout?: number;
}

/**
 * Bytes of the buffer consecutive broadcast frames are laid in (a new one when full; frames over
 * a quarter of it stay on their own). The size of the write buffers' shared slab (16 KiB,
 * `SHARED_SLAB` in core/bytes.ts): a write a slow peer has not taken keeps no more alive than a
 * slab piece does, and once bytes wait in its socket, small ranges are copied (`compactPinned`).
 */
const BROADCAST_ARENA = 16 * 1024;

/** How many connections a broadcast reached, by send status. */
export interface BroadcastResult {
  sent: number;
  queued: number;
  backpressured: number;
  dropped: number;
  closed: number;
}

export interface ServerCloseOptions {
  /** Close each connection gracefully (goodbye hook, flush, FIN) instead of destroying it. @default true */
  drain?: boolean;
  /** How long to wait for connections to close before destroying them, in ms. @default Limits.drainTimeout (5000) */
  timeout?: number;
}


/** What a server listens with: a socket listener, or an attachment to a node:http server. */
interface Listener {
  readonly address: Address;
  readonly url: string;
  close(): Promise<void>;
}

/** What a WebSocket upgrade hands to the connection. */
interface Upgrade {
  initialData: Uint8Array;
  request: UpgradeRequest;
  subprotocol: string | undefined;
  deflate: DeflateParams | undefined;
}

/**
 * A listening server. Iterate it (`for await (const conn of server)`) to get each connection as
 * it opens, or pass callbacks. `connections` / `connectionCount` show the open ones.
 */
export class Server<In, Out> implements AsyncIterable<Connection<In, Out>>, AsyncDisposable {
  readonly name: string;
  /** Rooms of this server's connections: `conn.join(room)`, `server.to(room).send(msg)`; see docs/cluster.md. */
  readonly rooms: Rooms<In, Out> = new Rooms<In, Out>((conns, msg) => this.deliver(conns, msg));
  private readonly open = new Set<Connection<In, Out>>();
  /** Removes a closed connection from `open` and its rooms: one function for all of them. */
  private readonly forget = (conn: Connection<In, Out>): void => {
    this.open.delete(conn);
    this.rooms.leaveAll(conn);
  };
  /** Connections still in the protocol's onConnect handshake. */
  private readonly pending = new Set<Connection<In, Out>>();
  private accepts = 0; // connections accepted so far, for Unix socket identities
  private wsPlain: Protocol<In, Out> | undefined; // WebSocket without compression: shared by every connection
  private closing = false;
  private readonly accepted = new AsyncQueue<Connection<In, Out>>();
  private iterating = false;
  private encoder: Framer | undefined;
  /** Broadcast frames, appended and never written again (connections hold ranges of it until written). */
  private arena: Uint8Array | undefined;
  private arenaPos = 0;
  private listener!: Listener;
  private closedPromise: Promise<void> | undefined;
  /** Sockets in the WebSocket opening handshake: they count against maxConnections. */
  private readonly upgrading = new Set<StreamSocket>();
  /** Set for WebSocket servers: the path served (undefined: any) and the upgrade options. */
  private ws: { path: string | undefined; options: WebSocketServerOptions } | undefined;
  /** Bytes held by all connections, updated by each connection as its holding changes. */
  private readonly budget: MemoryBudget | undefined;
  private evicting = false;
  /**
   * Connections that have not delivered a message yet, with their deadlines. Every connection
   * has the same timeout, so insertion order is deadline order: one timer, for the oldest.
   */
  private readonly firstWait = new Map<Connection<In, Out>, number>();
  private firstTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly gotFirst = (conn: Connection<In, Out>): void => void this.firstWait.delete(conn);
  /** @internal Counters for `metrics()` (docs/observability.md); the session layer counts on it too. */
  readonly meter = new Meter();

  private constructor(
    where: string,
    readonly protocol: Protocol<In, Out>,
    private readonly options: ListenOptions<In, Out>,
  ) {
    this.name = options.name ? `svc(${options.name}@${where})` : `svc(${where})`;
    const limit = options.memoryBudget ?? Limits.serverMemoryBudget;
    if (limit !== Infinity) this.budget = { limit, total: 0, over: () => this.overBudget() };
  }

  private static prepare<In, Out>(options: ListenOptions<In, Out>, ws: boolean): Protocol<In, Out> {
    const protocol = resolveProtocol(options, ws);
    const max = options.maxConnections ?? Infinity;
    if (!(max >= 0)) throw new ConfigError(ErrorCode.INVALID_OPTION, `maxConnections must be 0 or more, got ${max}`);
    const budget = options.memoryBudget;
    if (budget !== undefined && !(typeof budget === 'number' && budget > 0)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `memoryBudget must be a positive number of bytes (Infinity: off), got ${String(budget)}`);
    }
    const first = options.firstMessageTimeout;
    if (first !== undefined && !(typeof first === 'number' && first >= 0 && first !== Infinity)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `firstMessageTimeout must be 0 (off) or a positive number of ms, got ${String(first)}`);
    }
    const backlog = options.backlog;
    if (backlog !== undefined && !(Number.isInteger(backlog) && backlog >= 1)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `backlog must be a positive integer, got ${String(backlog)}`);
    }
    checkConnectionOptions(options, protocol as Protocol<unknown, never>, !ws);
    if (ws) checkWebSocketLimits(options.websocket?.limits);
    return protocol;
  }

  private initialized(): void {
    try {
      this.options.callbacks?.onInitialize?.(this);
    } catch (cause) {
      this.fail(new ServerError(ErrorCode.HOOK_FAILED, `${this.name}: onInitialize threw: ${(cause as Error)?.message ?? String(cause)}`, { cause }));
    }
  }

  private fail(e: SwitchboardError): void {
    try {
      this.options.callbacks?.onFail?.(e, undefined);
    } catch {
      // nowhere left to report
    }
  }

  /** @internal use `attachWebSocket()` */
  static attach<In, Out>(httpServer: HttpServer, options: ListenOptions<In, Out> & { path?: string }): Server<In, Out> {
    const protocol = Server.prepare(options, true);
    const a = httpServer.address();
    const address: Address =
      a && typeof a === 'object' ? { scheme: 'tcp', host: a.address, port: a.port } : { scheme: 'tcp', host: 'localhost', port: 0 };
    const secure = 'cert' in httpServer || typeof (httpServer as { addContext?: unknown }).addContext === 'function';
    const url = `${secure ? 'wss' : 'ws'}://${formatAddress(address).slice('tcp://'.length)}${options.path ?? ''}`;
    const server = new Server<In, Out>(url, protocol, options);
    server.ws = { path: options.path, options: options.websocket ?? {} };
    const onUpgrade = (req: IncomingMessage, socket: NetSocket, head: Buffer): void => server.onHttpUpgrade(httpServer, req, socket, head);
    httpServer.on('upgrade', onUpgrade);
    let siblings = attachments.get(httpServer);
    if (siblings === undefined) attachments.set(httpServer, (siblings = new Set()));
    siblings.add(server as Server<unknown, unknown>);
    server.listener = {
      address,
      url,
      close: async () => {
        httpServer.removeListener('upgrade', onUpgrade);
        siblings.delete(server as Server<unknown, unknown>);
      },
    };
    server.initialized();
    return server;
  }

  /** @internal use `listen()` */
  static async start<In, Out>(url: string, options: ListenOptions<In, Out>): Promise<Server<In, Out>> {
    const ws = isWebSocketUrl(url);
    const { address, path } = ws ? webSocketAddress(url) : { address: parseAddress(url), path: undefined };
    const protocol = Server.prepare(options, ws);
    const server = new Server<In, Out>(ws ? redactUrl(url) : formatAddress(address), protocol, options);
    if (ws) server.ws = { path, options: options.websocket ?? {} };
    const listener = await StreamListener.open(
      address,
      options,
      (sock) => server.onSocket(sock),
      (err, remote) => {
        const e = new ServerError(ErrorCode.TRANSPORT_ERROR, `${server.name}: ${remote ? `${remote}: ` : ''}${err.message}`, { cause: err });
        try {
          options.callbacks?.onFail?.(e, undefined);
        } catch {
          // nowhere left to report
        }
      },
    );
    const bound = formatAddress(listener.address);
    const boundUrl = ws ? `${url.slice(0, url.indexOf(':'))}://${bound.slice(bound.indexOf('://') + 3)}${path ?? ''}` : bound;
    server.listener = { address: listener.address, url: boundUrl, close: () => listener.close() };
    (server as { name: string }).name = options.name ? `svc(${options.name}@${boundUrl})` : `svc(${boundUrl})`;
    server.initialized();
    return server;
  }

  /** The address actually listened on (port 0 resolved). */
  get address(): Address {
    return this.listener.address;
  }

  /** `tcp://127.0.0.1:40123` or `ws://127.0.0.1:40123/chat`: give it to `connect()`. */
  get url(): string {
    return this.listener.url;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.open.size;
  }

  /** The open connections, in the order they opened. */
  get connections(): ReadonlySet<Connection<In, Out>> {
    return this.open;
  }

  [Symbol.iterator](): IterableIterator<Connection<In, Out>> {
    return this.open.values();
  }

  /** Each connection as it opens. Ends when the server closes. */
  [Symbol.asyncIterator](): AsyncIterator<Connection<In, Out>> {
    if (this.iterating) throw new ServerError(ErrorCode.INVALID_OPTION, `${this.name}: only one loop may iterate a server's connections`);
    this.iterating = true;
    return { next: () => this.accepted.next() };
  }

  private onSocket(sock: StreamSocket): void {
    const max = this.options.maxConnections ?? Infinity;
    if (this.closing) {
      sock.destroy();
      return;
    }
    if (this.open.size + this.pending.size + this.upgrading.size >= max) {
      this.refuse(sock, max);
      return;
    }
    if (this.ws) {
      this.upgrading.add(sock);
      void acceptWebSocket(sock, {
        ...this.ws.options,
        ...(this.ws.path !== undefined && { path: this.ws.path }),
        timeoutMs: this.options.handshakeTimeout ?? Limits.handshakeTimeout,
      }).then((r) => {
        this.upgrading.delete(sock);
        if (!r.ok) {
          this.refused(sock.remote, RejectReason.Handshake, r.error);
          return this.fail(r.error);
        }
        if (this.closing) return sock.destroy();
        this.openConnection(sock, { initialData: r.rest, request: r.request, subprotocol: r.subprotocol, deflate: r.deflate });
      });
      return;
    }
    this.openConnection(sock, undefined);
  }

  /** node:http handed over an upgrade request (a server made with `attachWebSocket`). */
  private onHttpUpgrade(httpServer: HttpServer, req: IncomingMessage, socket: NetSocket, head: Buffer): void {
    const pathOnly = (req.url ?? '/').split('?')[0];
    // One attachment answers each upgrade: the one for its path, else one serving every path,
    // else (no listener of another library either) the first, with 404. Never none, never two.
    const siblings = [...(attachments.get(httpServer) ?? [this as Server<unknown, unknown>])];
    const owner = siblings.find((s) => s.ws?.path === pathOnly) ?? siblings.find((s) => s.ws?.path === undefined);
    if (owner !== undefined ? owner !== this : httpServer.listenerCount('upgrade') > siblings.length || siblings[0] !== this) return;
    const sock = socketFromUpgrade(socket);
    const max = this.options.maxConnections ?? Infinity;
    if (this.closing || this.open.size + this.pending.size + this.upgrading.size >= max) {
      if (!this.closing) {
        const err = this.overLimit(sock, max);
        this.refused(sock.remote, RejectReason.MaxConnections, err);
        this.fail(err);
      }
      socket.end(httpErrorResponse(503));
      return;
    }
    this.upgrading.add(sock);
    void answer(headFromIncoming(req), { ...this.ws!.options, ...(this.ws!.path !== undefined && { path: this.ws!.path }) }).then(
      (r) => {
        this.upgrading.delete(sock);
        if (!r.ok) {
          socket.end(r.response);
          this.refused(sock.remote, RejectReason.Handshake, r.error);
          return this.fail(r.error);
        }
        if (this.closing) return sock.destroy();
        socket.write(r.response);
        this.openConnection(sock, { initialData: new Uint8Array(head), request: r.request, subprotocol: r.subprotocol, deflate: r.deflate });
      },
      (err: unknown) => {
        this.upgrading.delete(sock);
        sock.destroy();
        this.fail(new ServerError(ErrorCode.TRANSPORT_ERROR, `${this.name}: upgrade failed: ${(err as Error)?.message}`, { cause: err }));
      },
    );
  }

  private openConnection(sock: StreamSocket, upgrade: Upgrade | undefined): void {
    let protocol = this.protocol;
    let meta: Readonly<Record<string, unknown>> | undefined;
    if (upgrade) {
      protocol = this.webSocketProtocol(upgrade.deflate);
      meta = new WebSocketMeta(
        { path: upgrade.request.path, subprotocol: upgrade.subprotocol, compression: upgrade.deflate !== undefined, origin: upgrade.request.origin },
        upgrade.request.head.headers.list,
      ).asMeta();
    }
    const conn = new Connection<In, Out>(sock, protocol, this.options.callbacks, this.options, {
      role: 'server',
      app: this.options.name,
      serial: ++this.accepts,
      ...(upgrade && { path: upgrade.request.path.split('?')[0]! }),
      ...(upgrade && { initialData: upgrade.initialData }),
      ...(meta && { meta }),
      meter: this.meter,
    });
    if (this.budget !== undefined) conn.setBudget(this.budget);
    conn.roomHost = this.rooms as unknown as RoomHost;
    // WebSocket: the upgrade request was the first message (handshakeTimeout bounded it).
    if (upgrade === undefined) this.awaitFirstMessage(conn);
    this.pending.add(conn);
    conn.open().then(
      () => {
        this.pending.delete(conn);
        // A connection whose peer closed in the bytes that came with the upgrade is already
        // closing: it is still handed out, its messages readable, until it has closed.
        if (conn.state === 'closed') return;
        if (this.closing) {
          void conn.close();
          return;
        }
        this.open.add(conn);
        conn.watchClose(this.forget);
        if (this.iterating) this.accepted.push(conn);
      },
      (err: SwitchboardError) => {
        this.pending.delete(conn); // already reported to onFail by the connection
        if (!this.closing) this.refused(conn.remoteAddress, RejectReason.Handshake, err);
      },
    );
  }

  /** Starts the connection's `firstMessageTimeout`. */
  private awaitFirstMessage(conn: Connection<In, Out>): void {
    const ms = this.options.firstMessageTimeout ?? Limits.firstMessageTimeout;
    if (ms === 0 || conn.stats.messagesIn > 0 || conn.state === 'closed') return;
    this.firstWait.set(conn, Date.now() + ms);
    conn.watchFirstMessage(this.gotFirst);
    if (this.firstTimer === undefined) this.armFirstTimer(ms);
  }

  private armFirstTimer(ms: number): void {
    this.firstTimer = setTimeout(() => this.firstDeadlines(), ms);
    this.firstTimer.unref?.();
  }

  /** Closes the connections whose first message is late; re-arms for the next deadline. */
  private firstDeadlines(): void {
    this.firstTimer = undefined;
    const now = Date.now();
    const ms = this.options.firstMessageTimeout ?? Limits.firstMessageTimeout;
    for (const [conn, deadline] of this.firstWait) {
      if (deadline > now) {
        this.armFirstTimer(deadline - now);
        return;
      }
      this.firstWait.delete(conn);
      if (conn.state === 'closed' || conn.stats.messagesIn > 0) continue;
      conn.abort(
        new ConnectionError(
          ErrorCode.FIRST_MESSAGE_TIMEOUT,
          `${conn.name}: no whole message within ${ms} ms of connecting (${conn.heldBytes} bytes of a partial frame held), expected one within ${ms} ms`,
          { details: { timeout: ms, buffered: conn.heldBytes } },
        ),
      );
    }
  }

  /**
   * Over the memory budget: count again exactly (the running total can lag the kernel taking
   * queued bytes), then close the connections holding the most until the total fits. Runs only
   * when a connection's growth crossed the budget, so a busy server does not scan per chunk.
   */
  private overBudget(): void {
    const budget = this.budget!;
    if (this.evicting) return;
    this.evicting = true;
    try {
      const conns = [...this.open, ...this.pending];
      const held = conns.map((c) => c.recount()); // 0 for those already evicted
      budget.total = held.reduce((a, b) => a + b, 0);
      while (budget.total > budget.limit) {
        let at = -1;
        let most = 0;
        for (let i = 0; i < held.length; i++) {
          if (held[i]! > most) {
            most = held[i]!;
            at = i;
          }
        }
        if (at < 0) break;
        const worst = conns[at]!;
        held[at] = 0;
        const before = budget.total;
        worst.evict(
          new ConnectionError(
            ErrorCode.MEMORY_BUDGET_EXCEEDED,
            `${worst.name}: holds ${most} bytes (partial frames and unsent output) of the ${before} all connections hold, expected no more than ${budget.limit} in all; closing the connection that holds the most`,
            { closeCode: 1013, details: { held: most, total: before, budget: budget.limit } },
          ),
        );
      }
    } finally {
      this.evicting = false;
    }
  }

  /**
   * The protocol of a WebSocket connection: the server's codec and hooks over WebSocket framing.
   * Without compression every connection shares one (the framing is a factory); a compressed
   * one gets its own, with a compressor for its negotiated parameters.
   */
  private webSocketProtocol(deflate: DeflateParams | undefined): Protocol<In, Out> {
    if (deflate === undefined && this.wsPlain !== undefined) return this.wsPlain;
    const compressor = compressorFor(deflate, 'server');
    const limits = this.ws?.options.limits;
    const protocol = {
      ...this.protocol,
      framing: webSocketFraming({ role: 'server', random: nodeRandom, mask: webSocketMask().fn, ...(compressor && { compressor }), ...(limits && { limits }) }),
    };
    if (deflate === undefined) this.wsPlain = protocol;
    return protocol;
  }

  private overLimit(sock: StreamSocket, max: number): SwitchboardError {
    return new ServerError(
      ErrorCode.MAX_CONNECTIONS,
      `${this.name}: refused ${sock.remote}: ${this.open.size + this.pending.size + this.upgrading.size} connections open, expected no more than ${max}`,
      { details: { remote: sock.remote, max } },
    );
  }

  /**
   * Over `maxConnections`: optionally send the reject message, then close. A WebSocket server
   * answers the upgrade with 503 instead (no message can be framed before the handshake).
   */
  private refuse(sock: StreamSocket, max: number): void {
    const err = this.overLimit(sock, max);
    this.refused(sock.remote, RejectReason.MaxConnections, err);
    const timer = setTimeout(() => sock.destroy(), this.options.closeTimeout ?? Limits.closeTimeout);
    timer.unref?.();
    sock.setHandler({
      onStreamData: () => {},
      onStreamEnd: () => sock.end(),
      onStreamDrain: () => {},
      onStreamError: () => {},
      onStreamClose: () => clearTimeout(timer),
    });
    if (this.ws) {
      sock.write([httpErrorResponse(503)]);
    } else if (this.options.rejectMessage !== undefined) {
      try {
        sock.write([this.frame(this.options.rejectMessage)]);
      } catch {
        // a reject message that cannot be encoded is the program's bug; the refusal still happens
      }
    }
    sock.end();
    try {
      this.options.callbacks?.onReject?.(sock.remote, err);
    } catch {
      // user code; nothing to do
    }
  }

  /** Counts a refused connection and publishes `switchboard:handshake:refused`. */
  private refused(remote: string, reason: RejectReason, error: SwitchboardError): void {
    this.meter.rejected[reason]++;
    if (diag.handshakeRefused.hasSubscribers) diag.handshakeRefused.publish({ server: this.name, remote, reason, error });
  }

  /**
   * A snapshot of this server's metrics: connections open, opened, closed and refused by reason;
   * messages and bytes in and out over every connection it has had; drops by reason; sessions,
   * requests, ping round trips. See docs/observability.md for the OpenTelemetry names.
   */
  metrics(): MetricsSnapshot {
    const live = [];
    for (const c of this.pending) if (c.state !== 'closed') live.push(c.stats);
    for (const c of this.open) if (c.state !== 'closed') live.push(c.stats);
    return this.meter.snapshot(live, this.open.size);
  }

  /** Encodes and frames one message into standalone bytes (an uncompressed server frame on WebSocket). */
  private frame(msg: Out): Uint8Array {
    const wb = new WriteBuffer();
    // A WebSocket framer writes into the buffer it was made with; a stream framer into the one given.
    const encoder = this.ws ? webSocketFraming({ role: 'server', random: nodeRandom }).create(wb) : (this.encoder ??= this.protocol.framing.create());
    const payload = this.protocol.codec.encode(msg);
    if (typeof payload === 'string') encoder.encodeText(payload, wb);
    else encoder.encode(payload, wb);
    return concatBytes(wb.take());
  }

  /**
   * Sends `msg` to every open connection (or those `filter` keeps). The message is encoded once
   * unless the protocol has a `beforeSend` hook. Returns how many connections got each status.
   */
  broadcast(msg: Out, filter?: (conn: Connection<In, Out>) => boolean): BroadcastResult {
    return this.deliver(this.open, msg, filter);
  }

  /** The members of `room` (on every node when the server is in a cluster): `server.to(room).send(msg)`. */
  to(room: string): { send(msg: Out): BroadcastResult } {
    return { send: (msg: Out) => this.rooms.send(room, msg) };
  }

  /** Sends `msg` to each of `conns` (that `filter` keeps), encoded once where the protocol allows. */
  private deliver(conns: Iterable<Connection<In, Out>>, msg: Out, filter?: (conn: Connection<In, Out>) => boolean): BroadcastResult {
    const result: BroadcastResult = { sent: 0, queued: 0, backpressured: 0, dropped: 0, closed: 0 };
    if ((conns as ReadonlySet<unknown>).size === 0) return result;
    const once = this.protocol.hooks?.beforeSend === undefined ? this.frame(msg) : undefined;
    let buf = once;
    let start = 0;
    if (once !== undefined && once.length <= BROADCAST_ARENA / 4) {
      // Consecutive broadcasts lie one after another in the arena, so that a connection sent a
      // burst of them queues one range of it (one write, no copy per connection).
      if (this.arena === undefined || this.arena.length - this.arenaPos < once.length) {
        this.arena = new Uint8Array(BROADCAST_ARENA);
        this.arenaPos = 0;
      }
      buf = this.arena;
      start = this.arenaPos;
      buf.set(once, start);
      this.arenaPos += once.length;
    }
    const end = start + (once?.length ?? 0);
    for (const conn of conns) {
      if (filter && !filter(conn)) continue;
      // A compressing WebSocket has its own deflate context: it encodes for itself.
      const status = buf !== undefined && conn.meta['compression'] !== true ? conn.sendFramed(buf, msg, start, end) : conn.send(msg);
      if (status !== SendStatus.Timeout) result[status]++;
    }
    return result;
  }

  /**
   * Stops accepting and closes every connection: gracefully (goodbye hook, flush, FIN) by
   * default, destroying those that are not closed after `timeout` ms.
   */
  close(options: ServerCloseOptions = {}): Promise<void> {
    this.closedPromise ??= this.doClose(options);
    return this.closedPromise;
  }

  private async doClose(options: ServerCloseOptions): Promise<void> {
    this.closing = true;
    clearTimeout(this.firstTimer);
    this.firstWait.clear();
    const stopped = this.listener.close();
    // A handshake cannot be drained, and the listener does not finish closing while its socket
    // is there: end those at once.
    for (const sock of this.upgrading) sock.destroy();
    const handshaking = [...this.pending];
    for (const c of handshaking) {
      c.destroy(new ServerError(ErrorCode.SERVER_CLOSED, `${c.name}: the server closed during the handshake`));
    }
    const conns = [...this.open];
    if (options.drain ?? true) {
      const timeout = options.timeout ?? Limits.drainTimeout;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        // RFC 6455 7.4.1: 1001, the server is going away.
        Promise.all(conns.map((c) => c.close(this.ws ? { code: 1001 } : {}))),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const c of conns) if (c.state !== 'closed') c.destroy();
    await Promise.all([...conns, ...handshaking].map((c) => c.closed));
    await stopped;
    this.accepted.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return this.name;
  }
}

/** The servers `attachWebSocket` put on each HTTP server, to route each upgrade to exactly one. */
const attachments = new WeakMap<HttpServer, Set<Server<unknown, unknown>>>();

/** `ws://host:port/path` -> the TCP (or TLS for wss) address and the path to serve (none for `/`... any). */
function webSocketAddress(url: string): { address: Address; path: string | undefined } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid address "${url}": expected ws://host:port/path`);
  }
  if (u.port === '' && !/:0(\/|$)/.test(url)) throw new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid address "${url}": a port is required`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const address: Address = { scheme: u.protocol === 'wss:' ? 'tls' : 'tcp', host, port: u.port === '' ? 0 : Number(u.port) };
  // `ws://host:port` (path "/") serves every path; `ws://host:port/chat` only /chat.
  return { address, path: u.pathname === '/' && !/\/$/.test(url) ? undefined : u.pathname };
}

/**
 * Listens on `tcp://host:port` (port 0: any free port), `tls://host:port`, `unix:///path`, or
 * `ws://host:port/path` / `wss://...` for WebSocket (TLS options in `tls`).
 */
export function listen<In = unknown, Out = In>(
  url: string,
  options: ListenOptions<In, Out> & { session: true | ServerSessionConfig<In, Out> },
): Promise<SessionServer<In, Out>>;
export function listen<In = unknown, Out = In>(url: string, options?: ListenOptions<In, Out>): Promise<Server<In, Out>>;
export function listen<In = unknown, Out = In>(
  url: string,
  options: ListenOptions<In, Out> & { session?: true | ServerSessionConfig<In, Out> } = {},
): Promise<Server<In, Out> | SessionServer<In, Out>> {
  // Sessions (docs/sessions.md): a session layer over a raw server, in session-server.ts.
  if (options.session) return listenSessions(url, options as ListenOptions<In, Out> & { session: true | ServerSessionConfig<In, Out> });
  return Server.start(url, options);
}

/**
 * Serves WebSocket on an existing `node:http` or `node:https` server (its `upgrade` event), at
 * `path` or at every path. Closing the returned server stops taking upgrades and closes its
 * connections; the HTTP server itself stays up.
 */
export function attachWebSocket<In = unknown, Out = In>(
  httpServer: HttpServer,
  options: ListenOptions<In, Out> & { path?: string; session: true | ServerSessionConfig<In, Out> },
): SessionServer<In, Out>;
export function attachWebSocket<In = unknown, Out = In>(httpServer: HttpServer, options?: ListenOptions<In, Out> & { path?: string }): Server<In, Out>;
export function attachWebSocket<In = unknown, Out = In>(
  httpServer: HttpServer,
  options: ListenOptions<In, Out> & { path?: string; session?: true | ServerSessionConfig<In, Out> } = {},
): Server<In, Out> | SessionServer<In, Out> {
  // Sessions (docs/sessions.md): the session layer over an attached raw endpoint.
  if (options.session) return attachSessions(httpServer, options as ListenOptions<In, Out> & { path?: string; session: true | ServerSessionConfig<In, Out> });
  return Server.attach(httpServer, options);
}

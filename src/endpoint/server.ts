import {
  ConfigError,
  ErrorCode,
  Limits,
  SendStatus,
  ServerError,
  WriteBuffer,
  concatBytes,
  formatAddress,
  linesJson,
  parseAddress,
  type Address,
  type Framer,
  type Protocol,
} from '../core/index.js';
import { StreamListener, type ListenOptions as SocketListenOptions, type StreamSocket } from '../transport/stream.js';
import { AsyncQueue } from './async-queue.js';
import type { Callbacks } from './callbacks.js';
import { Connection, checkConnectionOptions, type ConnectionOptions } from './connection.js';

export interface ListenOptions<In, Out> extends ConnectionOptions, SocketListenOptions {
  /** Framing + codec + hooks. @default lines + JSON */
  protocol?: Protocol<In, Out>;
  callbacks?: Callbacks<In, Out>;
  /** Shown in identities: `svc(name@...)`. */
  name?: string;
  /** Open (or handshaking) connections allowed at once; more are refused. @default Infinity */
  maxConnections?: number;
  /** Sent to a connection refused over `maxConnections` before it is closed. @default nothing */
  rejectMessage?: Out;
}

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

/**
 * `svc(name@127.0.0.1:8080<-127.0.0.1:50312)`, or `svc(name@unix:/path#3)` for the third
 * connection of a Unix socket server (Unix peers have no address of their own).
 */
export function serverLabel(name: string | undefined, sock: StreamSocket, serial: number): string {
  const who = name ? `${name}@` : '';
  return sock.local.startsWith('unix:') ? `svc(${who}${sock.local}#${serial})` : `svc(${who}${sock.local}<-${sock.remote})`;
}

/**
 * A listening server. Iterate it (`for await (const conn of server)`) to get each connection as
 * it opens, or pass callbacks. `connections` / `connectionCount` show the open ones.
 */
export class Server<In, Out> implements AsyncIterable<Connection<In, Out>>, AsyncDisposable {
  readonly name: string;
  private readonly open = new Set<Connection<In, Out>>();
  /** Connections still in the protocol's onConnect handshake. */
  private readonly pending = new Set<Connection<In, Out>>();
  private accepts = 0; // connections accepted so far, for Unix socket identities
  private closing = false;
  private readonly accepted = new AsyncQueue<Connection<In, Out>>();
  private iterating = false;
  private encoder: Framer | undefined;
  private listener!: StreamListener;
  private closedPromise: Promise<void> | undefined;

  private constructor(
    private readonly requested: Address,
    readonly protocol: Protocol<In, Out>,
    private readonly options: ListenOptions<In, Out>,
  ) {
    this.name = options.name ? `svc(${options.name}@${formatAddress(requested)})` : `svc(${formatAddress(requested)})`;
  }

  /** @internal use `listen()` */
  static async start<In, Out>(url: string, options: ListenOptions<In, Out>): Promise<Server<In, Out>> {
    const address = parseAddress(url);
    const protocol = options.protocol ?? (linesJson<In, Out>() as Protocol<In, Out>);
    const max = options.maxConnections ?? Infinity;
    if (!(max >= 0)) throw new ConfigError(ErrorCode.INVALID_OPTION, `maxConnections must be 0 or more, got ${max}`);
    checkConnectionOptions(options, protocol as Protocol<unknown, never>, true);
    const server = new Server<In, Out>(address, protocol, options);
    server.listener = await StreamListener.open(
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
    (server as { name: string }).name = options.name
      ? `svc(${options.name}@${formatAddress(server.listener.address)})`
      : `svc(${formatAddress(server.listener.address)})`;
    try {
      options.callbacks?.onInitialize?.(server);
    } catch (cause) {
      const e = new ServerError(ErrorCode.HOOK_FAILED, `${server.name}: onInitialize threw: ${(cause as Error)?.message ?? String(cause)}`, { cause });
      try {
        options.callbacks?.onFail?.(e, undefined);
      } catch {
        // nowhere left to report
      }
    }
    return server;
  }

  /** The address actually listened on (port 0 resolved). */
  get address(): Address {
    return this.listener.address;
  }

  /** `tcp://127.0.0.1:40123`: give it to `connect()`. */
  get url(): string {
    return formatAddress(this.listener.address);
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
    if (this.open.size + this.pending.size >= max) {
      this.refuse(sock, max);
      return;
    }
    const conn = new Connection<In, Out>(sock, this.protocol, this.options.callbacks, this.options, {
      role: 'server',
      label: serverLabel(this.options.name, sock, ++this.accepts),
    });
    this.pending.add(conn);
    conn.open().then(
      () => {
        this.pending.delete(conn);
        if (conn.state !== 'open') return;
        if (this.closing) {
          void conn.close();
          return;
        }
        this.open.add(conn);
        void conn.closed.then(() => this.open.delete(conn));
        if (this.iterating) this.accepted.push(conn);
      },
      () => {
        this.pending.delete(conn); // already reported to onFail by the connection
      },
    );
  }

  /** Over `maxConnections`: optionally send the reject message, then close. */
  private refuse(sock: StreamSocket, max: number): void {
    const err = new ServerError(
      ErrorCode.MAX_CONNECTIONS,
      `${this.name}: refused ${sock.remote}: ${this.open.size + this.pending.size} connections open, expected no more than ${max}`,
      { details: { remote: sock.remote, max } },
    );
    const timer = setTimeout(() => sock.destroy(), this.options.closeTimeout ?? Limits.closeTimeout);
    timer.unref?.();
    sock.attach({
      data: () => {},
      end: () => sock.end(),
      drain: () => {},
      error: () => {},
      close: () => clearTimeout(timer),
    });
    if (this.options.rejectMessage !== undefined) {
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

  /** Encodes and frames one message into standalone bytes. */
  private frame(msg: Out): Uint8Array {
    this.encoder ??= this.protocol.framing.create();
    const wb = new WriteBuffer();
    const payload = this.protocol.codec.encode(msg);
    if (typeof payload === 'string') this.encoder.encodeText(payload, wb);
    else this.encoder.encode(payload, wb);
    return concatBytes(wb.take());
  }

  /**
   * Sends `msg` to every open connection (or those `filter` keeps). The message is encoded once
   * unless the protocol has a `beforeSend` hook. Returns how many connections got each status.
   */
  broadcast(msg: Out, filter?: (conn: Connection<In, Out>) => boolean): BroadcastResult {
    const result: BroadcastResult = { sent: 0, queued: 0, backpressured: 0, dropped: 0, closed: 0 };
    const once = this.protocol.hooks?.beforeSend === undefined ? this.frame(msg) : undefined;
    for (const conn of this.open) {
      if (filter && !filter(conn)) continue;
      const status = once ? conn.sendFramed(once, msg) : conn.send(msg);
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
    const stopped = this.listener.close();
    // A handshake cannot be drained, and the listener does not finish closing while its socket
    // is there: end those at once.
    const handshaking = [...this.pending];
    for (const c of handshaking) {
      c.destroy(new ServerError(ErrorCode.SERVER_CLOSED, `${c.name}: the server closed during the handshake`));
    }
    const conns = [...this.open];
    if (options.drain ?? true) {
      const timeout = options.timeout ?? Limits.drainTimeout;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(conns.map((c) => c.close())),
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

/**
 * Listens on `tcp://host:port` (port 0: any free port), `tls://host:port` or `unix:///path`.
 */
export function listen<In = unknown, Out = In>(url: string, options: ListenOptions<In, Out> = {}): Promise<Server<In, Out>> {
  return Server.start(url, options);
}

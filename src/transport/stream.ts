/**
 * Byte-stream transports: TCP (IPv4/IPv6), TLS and Unix stream sockets, as thin adapters over
 * `node:net` and `node:tls`. Opening, reading chunks, writing batches, closing and reporting
 * errors: everything else (framing, backpressure policy, close handshake) lives above.
 */
import net from 'node:net';
import tls from 'node:tls';
import { lstatSync, unlinkSync } from 'node:fs';
import { ConfigError, ConnectError, ErrorCode, Limits, ServerError, formatAddress, hostPort, type Address } from '../core/index.js';

/** TLS material and checks, passed to `node:tls`. */
export interface TlsOptions {
  /** PEM certificate chain of this side (a server's, or a client's for client certificates). */
  cert?: string | Uint8Array;
  /** PEM private key for `cert`. */
  key?: string | Uint8Array;
  /** PEM certificates of the authorities to trust instead of the system's. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** Server: ask clients for a certificate. @default false */
  requestCert?: boolean;
  /** Reject peers whose certificate does not verify. @default true */
  rejectUnauthorized?: boolean;
  /** Client: the name to check the server certificate against (SNI). @default the host */
  servername?: string;
  /** ALPN protocol names to offer/accept. */
  alpnProtocols?: string[];
}

export interface SocketOptions {
  /** Disable Nagle's algorithm so small messages leave at once. @default true */
  noDelay?: boolean;
  /** TCP keep-alive probe delay in ms; 0 turns keep-alive off. @default 0 */
  keepAlive?: number;
  /** TLS settings, for `tls://` addresses. */
  tls?: TlsOptions;
}

/**
 * Receives a socket's events. Listeners are added to the `net.Socket` once, when the
 * `StreamSocket` is made, and never removed: a handler is swapped with `setHandler()` (an upgrade
 * handshake, then the connection). Removing listeners would turn the socket's event table into a
 * hash table (~450 bytes per connection), and per-socket closures cost ~60 bytes each.
 */
export interface StreamHandler {
  onStreamData(chunk: Uint8Array): void;
  /** The peer finished sending (FIN). */
  onStreamEnd(): void;
  /** The socket took all queued bytes after a write that exceeded its buffer. */
  onStreamDrain(): void;
  onStreamError(err: Error): void;
  /** The socket is gone; no more events. */
  onStreamClose(): void;
}

const noop = (): void => {};
/** The handler of a socket nobody took yet: errors are ignored (the close that follows is what counts). */
const IGNORE: StreamHandler = { onStreamData: noop, onStreamEnd: noop, onStreamDrain: noop, onStreamError: noop, onStreamClose: noop };

const kStream = Symbol('switchboard.stream');

/**
 * The last local and remote host strings seen: a server's sockets have the same local address,
 * and often few peers, so equal strings are kept once instead of once per connection.
 */
const lastHosts: Array<string | undefined> = [undefined, undefined];
function intern(host: string | undefined, slot: 0 | 1): string | undefined {
  if (host === undefined) return undefined;
  const last = lastHosts[slot];
  if (last === host) return last;
  lastHosts[slot] = host;
  return host;
}
type Owned = net.Socket & { [kStream]: StreamSocket };

// One set of listener functions for every socket: `this` is the socket, which knows its StreamSocket.
function onData(this: Owned, chunk: Buffer): void {
  this[kStream].handler.onStreamData(chunk);
}
function onEnd(this: Owned): void {
  this[kStream].handler.onStreamEnd();
}
function onDrain(this: Owned): void {
  this[kStream].handler.onStreamDrain();
}
function onError(this: Owned, err: Error): void {
  this[kStream].handler.onStreamError(err);
}
function onClose(this: Owned): void {
  const ss = this[kStream];
  ss.sawClose = true;
  ss.handler.onStreamClose();
}

/** One connected stream socket. */
export class StreamSocket {
  /** @internal the current receiver of the socket's events */
  handler: StreamHandler = IGNORE;
  /** @internal the socket emitted 'close' */
  sawClose = false;
  private reading = false;
  // Addresses are read now (a closed socket no longer knows its local address) and formatted
  // only when asked: most connections never are, and the label strings cost ~300 bytes a connection.
  private readonly localHost: string | undefined;
  private readonly localPort: number | undefined;
  private readonly remoteHost: string | undefined;
  private readonly remotePort: number | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly unixPath?: string,
  ) {
    if (unixPath === undefined) {
      this.localHost = intern(socket.localAddress, 0);
      this.localPort = socket.localPort;
      this.remoteHost = intern(socket.remoteAddress, 1);
      this.remotePort = socket.remotePort;
      // node:net keeps what getsockname/getpeername returned on the socket ({ address, family,
      // port }: two objects of 56 bytes a connection); the fields above are what we need of them.
      // Asked again while the socket is open, node:net asks the kernel again.
      const cached = socket as unknown as { _sockname?: unknown; _peername?: unknown };
      cached._sockname = undefined;
      cached._peername = undefined;
    }
    (socket as Owned)[kStream] = this;
    socket.on('end', onEnd);
    socket.on('drain', onDrain);
    socket.on('error', onError);
    socket.on('close', onClose);
  }

  /** `127.0.0.1:50312`, `[::1]:8080` or `unix:/tmp/app.sock`. */
  get local(): string {
    return this.unixPath !== undefined ? `unix:${this.unixPath}` : hostPort(this.localHost ?? '?', this.localPort);
  }

  get remote(): string {
    return this.unixPath !== undefined ? `unix:${this.unixPath}` : hostPort(this.remoteHost ?? '?', this.remotePort);
  }

  /**
   * Sends the socket's events to `h` from now on, and starts reading. A socket handed over
   * paused (after an upgrade handshake) flows again; one that already closed reports it.
   */
  setHandler(h: StreamHandler): void {
    this.handler = h;
    const s = this.socket;
    if (!this.reading) {
      this.reading = true;
      s.on('data', onData);
    }
    if (this.sawClose) {
      queueMicrotask(() => h.onStreamClose());
      return;
    }
    if (s.isPaused()) s.resume();
  }

  /** Stops delivering events (they are ignored) and pauses reading. */
  release(): void {
    this.handler = IGNORE;
    this.socket.pause();
  }

  /**
   * Writes a batch of chunks as one corked write. `onWritten` runs once the socket has handed
   * the whole batch to the kernel (or failed to).
   */
  write(chunks: readonly Uint8Array[], onWritten?: () => void): void {
    const s = this.socket;
    const last = chunks.length - 1;
    const cb = onWritten && ((): void => onWritten());
    if (last === 0) {
      s.write(chunks[0]!, cb);
      return;
    }
    s.cork();
    for (let i = 0; i <= last; i++) s.write(chunks[i]!, i === last ? cb : undefined);
    s.uncork();
  }

  /** Bytes the socket holds that the kernel has not taken yet. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  get needDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /** The peer's TLS certificate when it sent one (verified unless `rejectUnauthorized` is false), else undefined. */
  get peerCertificate(): tls.PeerCertificate | undefined {
    const s = this.socket;
    if (s instanceof tls.TLSSocket) {
      const c = s.getPeerCertificate();
      return c && Object.keys(c).length > 0 ? c : undefined;
    }
    return undefined;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends FIN once everything queued is written. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function applySocketOptions(s: net.Socket, o: SocketOptions): void {
  if (o.noDelay ?? true) s.setNoDelay(true);
  if (o.keepAlive && o.keepAlive > 0) s.setKeepAlive(true, o.keepAlive);
}

/**
 * One connection attempt. Resolves when the socket is connected (TLS: after the handshake).
 * Rejects with `CONNECT_FAILED` (cause: the system error) or when `signal` aborts.
 */
export function dial(address: Address, options: SocketOptions, signal?: AbortSignal): Promise<StreamSocket> {
  return new Promise<StreamSocket>((resolve, reject) => {
    let socket: net.Socket;
    const common = { allowHalfOpen: true } as const;
    if (address.scheme === 'unix') {
      socket = net.connect({ path: address.path, ...common });
    } else if (address.scheme === 'tls') {
      const t = options.tls ?? {};
      socket = tls.connect({
        host: address.host,
        port: address.port,
        ...common,
        ...(t.ca !== undefined && { ca: t.ca as never }),
        ...(t.cert !== undefined && { cert: t.cert as never }),
        ...(t.key !== undefined && { key: t.key as never }),
        rejectUnauthorized: t.rejectUnauthorized ?? true,
        ...(t.alpnProtocols !== undefined && { ALPNProtocols: t.alpnProtocols }),
        ...(net.isIP(address.host) === 0 || t.servername !== undefined ? { servername: t.servername ?? address.host } : {}),
      });
    } else {
      socket = net.connect({ host: address.host, port: address.port, ...common });
    }
    const readyEvent = address.scheme === 'tls' ? 'secureConnect' : 'connect';
    let tcpUp = false; // TLS: the TCP connection is up, so a failure now is the TLS handshake's
    const onTcp = (): void => {
      tcpUp = true;
    };
    const cleanup = (): void => {
      socket.removeListener(readyEvent, onReady);
      socket.removeListener('connect', onTcp);
      socket.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      applySocketOptions(socket, options);
      resolve(new StreamSocket(socket, address.scheme === 'unix' ? address.path : undefined));
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      const tlsFailure = address.scheme === 'tls' && tcpUp;
      reject(
        new ConnectError(ErrorCode.CONNECT_FAILED, `connect to ${formatAddress(address)} failed: ${err.message}`, {
          cause: err,
          // A certificate that did not verify will not verify on a retry.
          details: { retryable: !tlsFailure },
        }),
      );
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal?.reason ?? new Error('aborted'));
    };
    if (address.scheme === 'tls') socket.once('connect', onTcp);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ListenOptions extends SocketOptions {
  /** Unix sockets: remove a stale socket file nobody listens on. @default true */
  unlinkStale?: boolean;
  /**
   * Connections the kernel queues before they are accepted (a burst of connects beyond it is
   * refused or dropped by the kernel). Linux caps it at `net.core.somaxconn`.
   * @default Limits.listenBacklog (4096)
   */
  backlog?: number;
  /** Only IPv6 for `::` (no dual stack). @default false */
  ipv6Only?: boolean;
}

/** Reports a socket the listener could not turn into a connection (a failed TLS handshake, say). */
export type ListenerErrorHandler = (err: Error, remote: string | undefined) => void;

/** A listening socket. */
export class StreamListener {
  private constructor(
    private readonly server: net.Server,
    /** The address actually bound (port 0 resolved). */
    readonly address: Address,
  ) {}

  static async open(
    address: Address,
    options: ListenOptions,
    onSocket: (s: StreamSocket) => void,
    onError: ListenerErrorHandler,
  ): Promise<StreamListener> {
    const isTls = address.scheme === 'tls';
    let server: net.Server;
    const connectionEvent = isTls ? 'secureConnection' : 'connection';
    if (isTls) {
      const t = options.tls ?? {};
      if (t.cert === undefined || t.key === undefined) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'a tls:// server needs tls.cert and tls.key');
      }
      server = tls.createServer({
        // Half-open only once the handshake is done (set per socket below): a half-open socket
        // whose peer leaves during the handshake is never destroyed and keeps close() waiting.
        allowHalfOpen: false,
        cert: t.cert as never,
        key: t.key as never,
        ...(t.ca !== undefined && { ca: t.ca as never }),
        requestCert: t.requestCert ?? false,
        rejectUnauthorized: t.rejectUnauthorized ?? true,
        ...(t.alpnProtocols !== undefined && { ALPNProtocols: t.alpnProtocols }),
      });
      server.on('tlsClientError', (err: Error, s: tls.TLSSocket) => {
        onError(err, s.remoteAddress === undefined ? undefined : hostPort(s.remoteAddress, s.remotePort));
        s.destroy();
      });
    } else {
      server = net.createServer({ allowHalfOpen: true });
    }
    const unixPath = address.scheme === 'unix' ? address.path : undefined;
    server.on(connectionEvent, (socket: net.Socket) => {
      if (isTls) socket.allowHalfOpen = true; // the peer's FIN must not end our side: replies may still leave
      applySocketOptions(socket, options);
      onSocket(new StreamSocket(socket, unixPath));
    });
    const bind = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const onErr = (err: Error): void => reject(err);
        server.once('error', onErr);
        const done = (): void => {
          server.removeListener('error', onErr);
          resolve();
        };
        if (address.scheme === 'unix') server.listen({ path: address.path, backlog: options.backlog ?? Limits.listenBacklog }, done);
        else
          server.listen(
            { host: address.host, port: address.port, backlog: options.backlog ?? Limits.listenBacklog, ipv6Only: options.ipv6Only ?? false },
            done,
          );
      });
    try {
      try {
        await bind();
      } catch (err) {
        // A Unix socket file left by a process that died blocks listen(): replace it if it is a
        // socket and nobody answers on it. Anything else at that path is left alone.
        const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!(unixPath !== undefined && inUse && (options.unlinkStale ?? true) && (await removeStaleSocket(unixPath)))) throw err;
        await bind();
      }
    } catch (err) {
      throw new ServerError(ErrorCode.LISTEN_FAILED, `cannot listen on ${formatAddress(address)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    server.on('error', (err) => onError(err, undefined));
    let bound: Address = address;
    if (address.scheme !== 'unix') {
      const a = server.address() as net.AddressInfo;
      bound = { scheme: address.scheme, host: address.host, port: a.port };
    }
    return new StreamListener(server, bound);
  }

  /** Stops accepting. Existing sockets are not touched. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }
}

/** A Unix socket file left by a process that died blocks `listen`; remove it if nobody answers. */
/** Removes `path` if it is a Unix socket nobody answers on; true when it was removed. */
async function removeStaleSocket(path: string): Promise<boolean> {
  let isSocket = false;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return false;
  }
  if (!isSocket) return false;
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) return false;
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Node's pooled allocator: slabs for the write buffer without zero-filling. */
export const allocUnsafe = (n: number): Uint8Array => Buffer.allocUnsafe(n);

/**
 * UTF-8 straight into a slab `allocUnsafe` made (a Buffer), without the view per call that
 * `TextEncoder.encodeInto` needs: a fifth of the cost of echoing a 64-byte text message.
 */
export const utf8Write = (s: string, into: Uint8Array, at: number, max: number): number => (into as Buffer).write(s, at, max, 'utf8');

export type { PeerCertificate } from 'node:tls';

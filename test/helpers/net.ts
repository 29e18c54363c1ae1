/**
 * Small helpers for integration tests on real sockets: a raw `node:net` client and server that
 * speak bytes at our endpoints, bounded polling, and fresh Unix socket paths.
 *
 * Every wait here is bounded: a test that goes wrong fails with a message instead of hanging.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAddress } from '../../src/core/index.js';

/** Generous bound for anything a test waits on: only reached when something is broken. */
export const WAIT_MS = 10_000;

/**
 * Polls `predicate` until it returns true, every `intervalMs`, for at most `timeoutMs`.
 * Rejects naming `what` when time runs out.
 */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number = WAIT_MS,
  what = 'condition',
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Resolves `p`, or rejects after `ms` naming `what`. */
export async function within<T>(p: Promise<T>, ms: number = WAIT_MS, what = 'promise'): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets pending I/O callbacks and microtasks run once. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A path for a Unix socket in a fresh temporary directory (removed when the process exits). */
export function tempSocketPath(name = 'sb.sock'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-'));
  tempDirs.push(dir);
  return join(dir, name);
}

/** `unix:///tmp/sb-XXXX/sb.sock` for a fresh path. */
export function tempUnixUrl(name?: string): string {
  return `unix://${tempSocketPath(name)}`;
}

/** A raw socket with everything it received collected, for speaking bytes at our servers. */
export interface RawPeer {
  readonly socket: net.Socket;
  /** Every byte received so far (empty when created with `read: false`). */
  received(): Buffer;
  /** `received()` as UTF-8. */
  text(): string;
  /** Writes and resolves once the bytes are handed to the kernel. */
  write(data: string | Uint8Array): Promise<void>;
  /** Sends FIN (half-close); the socket can still read. */
  end(): void;
  /** Resolves when the peer sent FIN (or the socket closed without one). */
  readonly ended: Promise<void>;
  /** Resolves when the socket is fully closed; `hadError` tells whether it was reset. */
  readonly closed: Promise<{ hadError: boolean }>;
  readonly isClosed: boolean;
  destroy(): void;
}

function wrap(socket: net.Socket, read: boolean): RawPeer {
  const chunks: Buffer[] = [];
  let isClosed = false;
  socket.on('error', () => {}); // a reset shows up as closed.hadError
  const ended = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', () => resolve());
  });
  const closed = new Promise<{ hadError: boolean }>((resolve) =>
    socket.once('close', (hadError) => {
      isClosed = true;
      resolve({ hadError });
    }),
  );
  if (read) socket.on('data', (c: Buffer) => chunks.push(c));
  else socket.pause();
  return {
    socket,
    received: () => Buffer.concat(chunks),
    text: () => Buffer.concat(chunks).toString('utf8'),
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        socket.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    end: () => void socket.end(),
    ended,
    closed,
    get isClosed() {
      return isClosed;
    },
    destroy: () => void socket.destroy(),
  };
}

export interface RawOptions {
  /** False: never read (the kernel buffers fill, then the writer sees backpressure). @default true */
  read?: boolean;
  /**
   * True: the peer's FIN does not end this side (reply after it, then `end()` by hand).
   * False: answer the peer's FIN with ours at once, like most simple clients. @default false
   */
  halfOpen?: boolean;
}

/** Connects a raw socket to `url` (`tcp://...` or `unix://...`). */
export function rawConnect(url: string, options: RawOptions = {}): Promise<RawPeer> {
  const a = parseAddress(url);
  return new Promise((resolve, reject) => {
    const socket =
      a.scheme === 'unix'
        ? net.connect({ path: a.path, allowHalfOpen: options.halfOpen ?? false })
        : net.connect({ host: a.host, port: a.port, allowHalfOpen: options.halfOpen ?? false });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(wrap(socket, options.read ?? true));
    });
  });
}

/** A raw listening server that collects every accepted socket. */
export interface RawServer {
  readonly url: string;
  readonly port: number;
  readonly peers: RawPeer[];
  /** The next accepted socket (those accepted already come first, in order). */
  accept(timeoutMs?: number): Promise<RawPeer>;
  /** Destroys every accepted socket and stops listening. */
  close(): Promise<void>;
}

/** Listens on `host`, port 0 (or `port`). */
export async function rawListen(host = '127.0.0.1', options: RawOptions & { port?: number } = {}): Promise<RawServer> {
  const peers: RawPeer[] = [];
  let taken = 0;
  const waiting: Array<(p: RawPeer) => void> = [];
  const read = options.read ?? true;
  const server = net.createServer({ allowHalfOpen: options.halfOpen ?? false, pauseOnConnect: !read }, (socket) => {
    const p = wrap(socket, read);
    peers.push(p);
    const w = waiting.shift();
    if (w) {
      taken++;
      w(p);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    url: `tcp://${h}:${port}`,
    port,
    peers,
    accept: (timeoutMs = WAIT_MS) => {
      if (taken < peers.length) return Promise.resolve(peers[taken++]!);
      return within(new Promise<RawPeer>((resolve) => waiting.push(resolve)), timeoutMs, 'a connection to the raw server');
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of peers) p.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP port nobody listens on: bound, then released. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen({ host, port: 0 }, resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

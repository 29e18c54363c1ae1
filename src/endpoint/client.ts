import {
  ConfigError,
  ConnectError,
  ErrorCode,
  Limits,
  formatAddress,
  linesJson,
  parseAddress,
  type Address,
  type Protocol,
} from '../core/index.js';
import { dial, type SocketOptions, type StreamSocket } from '../transport/stream.js';
import type { Callbacks } from './callbacks.js';
import { Connection, checkConnectionOptions, type ConnectionOptions } from './connection.js';

export interface ConnectOptions<In, Out> extends ConnectionOptions, SocketOptions {
  /** Framing + codec + hooks. @default lines + JSON */
  protocol?: Protocol<In, Out>;
  callbacks?: Callbacks<In, Out>;
  /** Shown in the connection's identity: `clt(name@...)`. */
  name?: string;
  /**
   * Total time allowed to get the transport connected, all attempts together, in ms. The
   * protocol's `onConnect` handshake then has its own `handshakeTimeout`.
   * @default Limits.connectTimeout (10000)
   */
  timeout?: number;
  /**
   * Pause between failed attempts, in ms (links' `retry_after`). Unset: one attempt only, so a
   * refused connection fails at once with `CONNECT_FAILED`. @default undefined
   */
  retryAfter?: number;
  /** Aborts connecting (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** `clt(name@127.0.0.1:50312->127.0.0.1:8080)`, or `clt(name@unix:/path)`. */
export function clientLabel(name: string | undefined, sock: StreamSocket): string {
  const who = name ? `${name}@` : '';
  return sock.remote.startsWith('unix:') ? `clt(${who}${sock.remote})` : `clt(${who}${sock.local}->${sock.remote})`;
}

/**
 * Connects to `tcp://host:port`, `tls://host:port` or `unix:///path` and resolves with an open
 * connection (after the protocol's `onConnect` handshake, if it has one).
 *
 * With `retryAfter`, failed attempts are retried until `timeout` runs out; then the promise
 * rejects with `CONNECT_TIMEOUT`, naming the address, the number of attempts and the last error.
 */
export async function connect<In = unknown, Out = In>(url: string, options: ConnectOptions<In, Out> = {}): Promise<Connection<In, Out>> {
  const address = parseAddress(url);
  const where = formatAddress(address);
  const protocol = options.protocol ?? (linesJson<In, Out>() as Protocol<In, Out>);
  checkConnectionOptions(options, protocol as Protocol<unknown, never>, true);
  const timeout = options.timeout ?? Limits.connectTimeout;
  if (!(timeout > 0)) throw new ConfigError(ErrorCode.INVALID_OPTION, `timeout must be a positive number, got ${timeout}`);
  const { retryAfter, signal } = options;
  if (retryAfter !== undefined && !(retryAfter >= 0)) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `retryAfter must be 0 or more, got ${retryAfter}`);
  }
  signal?.throwIfAborted();
  try {
    options.callbacks?.onInitialize?.({ name: options.name ? `clt(${options.name}@${where})` : `clt(${where})` });
  } catch {
    // a watcher that throws does not stop the connect
  }
  const sock = await dialWithRetry(address, where, options, timeout);
  // Connected: from here on nothing is retried. A refused or failed handshake is final.
  const conn = new Connection<In, Out>(sock, protocol, options.callbacks, options, {
    role: 'client',
    label: clientLabel(options.name, sock),
  });
  const onAbort = (): void => conn.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await conn.open();
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return conn;
}

/** Transport attempts until one connects, `timeout` runs out or an error is not worth retrying. */
async function dialWithRetry(address: Address, where: string, options: SocketOptions & { retryAfter?: number; signal?: AbortSignal }, timeout: number): Promise<StreamSocket> {
  const { retryAfter, signal } = options;
  const deadline = Date.now() + timeout;
  let attempts = 0;
  for (;;) {
    attempts++;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`attempt timed out`)), Math.max(0, deadline - Date.now()));
    const onUserAbort = (): void => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onUserAbort, { once: true });
    let last: unknown;
    try {
      return await dial(address, options, ac.signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      last = err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onUserAbort);
    }
    const lastText = last instanceof Error ? (last.cause instanceof Error ? last.cause.message : last.message) : String(last);
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    const timedOut = ac.signal.aborted;
    // A certificate that does not verify will not verify on the next attempt either.
    const final = (last as { details?: { retryable?: boolean } }).details?.retryable === false;
    if (!timedOut && (retryAfter === undefined || final)) {
      throw new ConnectError(ErrorCode.CONNECT_FAILED, `could not connect to ${where} after ${tries}: ${lastText}`, {
        cause: last,
        details: { address: where, attempts },
      });
    }
    if (timedOut || retryAfter === undefined || Date.now() + retryAfter >= deadline) {
      throw new ConnectError(
        ErrorCode.CONNECT_TIMEOUT,
        `could not connect to ${where} within ${timeout} ms after ${tries}; last error: ${lastText}`,
        { cause: last, details: { address: where, attempts, timeout } },
      );
    }
    await sleep(retryAfter, signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

import {
  ConnectError,
  ErrorCode,
  Limits,
  formatAddress,
  linesJson,
  parseAddress,
  type Protocol,
} from '../core/index.js';
import { dial, type SocketOptions, type StreamSocket } from '../transport/stream.js';
import type { Callbacks } from './callbacks.js';
import { Connection, type ConnectionOptions } from './connection.js';

export interface ConnectOptions<In, Out> extends ConnectionOptions, SocketOptions {
  /** Framing + codec + hooks. @default lines + JSON */
  protocol?: Protocol<In, Out>;
  callbacks?: Callbacks<In, Out>;
  /** Shown in the connection's identity: `clt(name@...)`. */
  name?: string;
  /** Total time allowed to get connected, all attempts together, in ms. @default Limits.connectTimeout (10000) */
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
  const timeout = options.timeout ?? Limits.connectTimeout;
  const { retryAfter, signal } = options;
  options.callbacks?.onInitialize?.({ name: options.name ? `clt(${options.name}@${where})` : `clt(${where})` });
  const started = Date.now();
  const deadline = started + timeout;
  let attempts = 0;
  let last: unknown;
  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('attempt timed out')), Math.max(0, remaining));
    const onUserAbort = (): void => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onUserAbort, { once: true });
    try {
      const sock = await dial(address, options, ac.signal);
      const conn = new Connection<In, Out>(sock, protocol, options.callbacks, options, {
        role: 'client',
        label: clientLabel(options.name, sock),
      });
      await conn.open();
      return conn;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const code = (err as { code?: string }).code;
      if (code === ErrorCode.HANDSHAKE_REJECTED || code === ErrorCode.HANDSHAKE_TIMEOUT) throw err;
      last = err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onUserAbort);
    }
    const lastText = last instanceof Error ? (last.cause instanceof Error ? last.cause.message : last.message) : String(last);
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    if (retryAfter === undefined && Date.now() < deadline) {
      throw new ConnectError(ErrorCode.CONNECT_FAILED, `could not connect to ${where} after ${tries}: ${lastText}`, {
        cause: last,
        details: { address: where, attempts },
      });
    }
    if (retryAfter === undefined || Date.now() + retryAfter >= deadline) {
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

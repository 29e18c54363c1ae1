import {
  ConfigError,
  ConnectError,
  ErrorCode,
  Limits,
  formatAddress,
  linesJson,
  parseAddress,
  lines,
  messageCodec,
  type Protocol,
  type ProtocolSpec,
} from '../core/index.js';
import { dial, type SocketOptions, type StreamSocket } from '../transport/stream.js';
import { webSocketFraming } from '../core/websocket/framing.js';
import { checkWebSocketLimits, compressorFor, dialWebSocket, isWebSocketUrl, nodeRandom, type WebSocketClientOptions } from '../transport/websocket.js';
import type { Codec, Framing } from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import { Connection, checkConnectionOptions, type ConnectionOptions } from './connection.js';
import { WebSocketMeta } from './ws-meta.js';
import { diag } from './diagnostics.js';
import { METER, type Meter } from './metrics.js';
import { webSocketMask } from '../transport/ws-mask.js';
import type { SessionConfig, SessionHandle } from './session.js';
import { connectSession } from './session-client.js';

export interface ConnectOptions<In, Out> extends ConnectionOptions, SocketOptions {
  /**
   * Framing + codec + hooks. @default lines + JSON on byte streams; on WebSocket, the `message`
   * codec (text frames as strings, binary frames as bytes). On WebSocket the protocol's framing
   * is not used (each WebSocket message is one frame) and may be left out; on a byte stream a
   * protocol without one uses `lines()`.
   */
  protocol?: ProtocolSpec<In, Out>;
  /** Shorthand for `protocol: { framing: lines(), codec }` (on WebSocket: just the codec). */
  codec?: Codec<In, Out>;
  /** `ws://` / `wss://` only: origin, subprotocols, extra headers, compression, limits. */
  websocket?: WebSocketClientOptions;
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


/**
 * Connects to `tcp://host:port`, `tls://host:port` or `unix:///path` and resolves with an open
 * connection (after the protocol's `onConnect` handshake, if it has one).
 *
 * With `retryAfter`, failed attempts are retried until `timeout` runs out; then the promise
 * rejects with `CONNECT_TIMEOUT`, naming the address, the number of attempts and the last error.
 */
export function connect<In = unknown, Out = In>(
  url: string,
  options: ConnectOptions<In, Out> & { session: true | SessionConfig<In, Out> },
): Promise<SessionHandle<In, Out>>;
export function connect<In = unknown, Out = In>(url: string, options?: ConnectOptions<In, Out>): Promise<Connection<In, Out>>;
export function connect<In = unknown, Out = In>(
  url: string,
  options: ConnectOptions<In, Out> & { session?: true | SessionConfig<In, Out> } = {},
): Promise<Connection<In, Out> | SessionHandle<In, Out>> {
  // Sessions (docs/sessions.md): a session layer over a raw connection, in session-client.ts.
  if (options.session) return connectSession(url, options as ConnectOptions<In, Out> & { session: true | SessionConfig<In, Out> });
  return connectPlain(url, options);
}

async function connectPlain<In, Out>(url: string, options: ConnectOptions<In, Out>): Promise<Connection<In, Out>> {
  const ws = isWebSocketUrl(url);
  const address = ws ? undefined : parseAddress(url);
  const where = address ? formatAddress(address) : redactUrl(url);
  const protocol = resolveProtocol(options, ws);
  checkConnectionOptions(options, protocol as Protocol<unknown, never>, !ws);
  if (ws) checkWebSocketLimits(options.websocket?.limits);
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
  const link = await dialWithRetry(
    (s) => (address ? dial(address, options, s).then((sock) => ({ sock })) : dialWs(url, options, s)),
    where,
    options,
    timeout,
  );
  // Connected: from here on nothing is retried. A refused or failed handshake is final.
  const conn = new Connection<In, Out>(link.sock, link.framing ? { ...protocol, framing: link.framing } : protocol, options.callbacks, options, {
    role: 'client',
    app: options.name,
    // The name shows the path without its query: a token in the query never reaches logs or diagnostics.
    ...(link.path !== undefined && { path: link.path.split('?')[0]! }),
    ...(link.initialData && { initialData: link.initialData }),
    ...(link.meta && { meta: link.meta }),
    meter: (options as { [METER]?: Meter })[METER],
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
/** What one successful attempt gives: the socket, and for WebSocket the framing and what came with the upgrade. */
interface Link {
  sock: StreamSocket;
  framing?: Framing;
  initialData?: Uint8Array;
  meta?: Readonly<Record<string, unknown>>;
  path?: string;
}

/** One WebSocket attempt: TCP/TLS, then the upgrade; the framing carries the negotiated compression. */
async function dialWs(url: string, options: SocketOptions & { websocket?: WebSocketClientOptions }, signal: AbortSignal): Promise<Link> {
  const up = await dialWebSocket(url, { ...options, ...options.websocket }, signal);
  const compressor = compressorFor(up.deflate, 'client');
  return {
    sock: up.sock,
    framing: webSocketFraming({
      role: 'client',
      random: nodeRandom,
      mask: webSocketMask().fn,
      ...(compressor && { compressor }),
      ...(options.websocket?.limits && { limits: options.websocket.limits }),
    }),
    initialData: up.rest,
    path: up.path,
    meta: new WebSocketMeta({ path: up.path, subprotocol: up.subprotocol, compression: up.deflate !== undefined }, up.response.headers.list).asMeta(),
  };
}

/** The protocol a connection runs: the given one, or a default for the transport. */
export function resolveProtocol<In, Out>(options: { protocol?: ProtocolSpec<In, Out>; codec?: Codec<In, Out> }, ws: boolean): Protocol<In, Out> {
  if (options.protocol && options.codec) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'give either protocol or codec, not both');
  }
  const p = options.protocol;
  if (p) return p.framing !== undefined ? (p as Protocol<In, Out>) : { ...p, framing: lines() };
  if (options.codec) return { framing: lines(), codec: options.codec };
  if (ws) return { framing: lines(), codec: messageCodec() as unknown as Codec<In, Out> };
  return linesJson<In, Out>() as Protocol<In, Out>;
}

/** A URL without its user info (credentials never go to logs). */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]*@/, '$1');
}

async function dialWithRetry(
  attempt: (signal: AbortSignal) => Promise<Link>,
  where: string,
  options: { retryAfter?: number; signal?: AbortSignal },
  timeout: number,
): Promise<Link> {
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
    if (diag.connectAttempt.hasSubscribers) diag.connectAttempt.publish({ address: noQuery(where), attempt: attempts });
    try {
      return await attempt(ac.signal);
    } catch (err) {
      if (diag.connectFailure.hasSubscribers) diag.connectFailure.publish({ address: noQuery(where), attempt: attempts, error: err });
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

/** An address for diagnostics: without a query, where a token may be. */
function noQuery(where: string): string {
  const q = where.indexOf('?');
  return q < 0 ? where : where.slice(0, q);
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

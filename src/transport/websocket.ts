/**
 * The WebSocket opening handshake over a stream socket (RFC 6455 4): the client's upgrade and the
 * server's answer, on top of the sans-I/O handshake in core/websocket. After it, the socket
 * carries WebSocket frames and belongs to a Connection with a WebSocket framing.
 */
import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import {
  ClientHandshake,
  HandshakeError,
  HttpHeaders,
  acceptUpgrade,
  handshakeErrorResponse,
  httpErrorResponse,
  parseUpgradeRequest,
  requestHeadReader,
  type DeflateOptions,
  type DeflateParams,
  type HandshakeRefusal,
  type HttpHeadLimits,
  type HttpRequestHead,
  type HttpResponseHead,
  type UpgradeRequest,
  type WebSocketLimits,
} from '../core/websocket/index.js';
import { ConfigError, ConnectError, ErrorCode, ServerError, type SwitchboardError } from '../core/index.js';
import { createDeflateCompressor, deflateAvailable } from './deflate.js';
import { dial, StreamSocket, type SocketOptions } from './stream.js';
import { nodeRandom, nodeSha1 } from './ws-crypto.js';

export { nodeRandom, nodeSha1 };
export type { Server as HttpServer, IncomingMessage } from 'node:http';
export type { Socket as NetSocket } from 'node:net';

/** Client-side WebSocket options. */
export interface WebSocketClientOptions {
  /** `Origin` header to send. @default none */
  origin?: string;
  /** Subprotocols to offer, most preferred first. @default none */
  subprotocols?: readonly string[];
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Offer permessage-deflate (RFC 7692). @default true when node:zlib supports it */
  compression?: boolean | DeflateOptions;
  /** Limits on the server's answer head. */
  httpLimits?: HttpHeadLimits;
  /** Limits on received messages and frames. @default Limits.wsMaxMessageSize / wsMaxFrameSize / wsMaxFragments / wsCompressionThreshold */
  limits?: WebSocketLimits;
}

export interface UpgradedClient {
  sock: StreamSocket;
  /** Frames that arrived with the answer. */
  rest: Uint8Array;
  response: HttpResponseHead;
  subprotocol: string | undefined;
  deflate: DeflateParams | undefined;
  path: string;
}

/** True for `ws://` and `wss://` URLs. */
export function isWebSocketUrl(url: string): boolean {
  return /^wss?:\/\//i.test(url);
}

function compressionOption(c: boolean | DeflateOptions | undefined): DeflateOptions | false {
  if (c === false || !deflateAvailable) return false;
  return c === true || c === undefined ? {} : c;
}

/**
 * One attempt: connects TCP (or TLS for `wss://`), sends the upgrade request and reads the
 * answer. Rejects with `CONNECT_FAILED` (cause: the system error, or a `HandshakeError` for a
 * refused or invalid answer).
 */
export async function dialWebSocket(url: string, options: WebSocketClientOptions & SocketOptions, signal?: AbortSignal): Promise<UpgradedClient> {
  const deflate = compressionOption(options.compression);
  const hs = new ClientHandshake({
    url,
    sha1: nodeSha1,
    random: nodeRandom,
    ...(options.origin !== undefined && { origin: options.origin }),
    ...(options.subprotocols && { subprotocols: options.subprotocols }),
    ...(options.headers && { headers: options.headers }),
    ...(deflate !== false && { deflate }),
    ...(options.httpLimits && { limits: options.httpLimits }),
  });
  const { host, port, secure, path } = hs.target;
  const sock = await dial({ scheme: secure ? 'tls' : 'tcp', host, port }, options, signal);
  const s = sock.socket;
  return new Promise<UpgradedClient>((resolve, reject) => {
    const cleanup = (): void => {
      sock.release(); // paused: the connection resumes it once it takes over
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: SwitchboardError | Error): void => {
      cleanup();
      s.destroy();
      const retryable = !(err instanceof HandshakeError) || err.status >= 500;
      reject(
        new ConnectError(ErrorCode.CONNECT_FAILED, `WebSocket upgrade to ${url.replace(/\/\/[^@/]*@/, '//')} failed: ${err.message}`, {
          cause: err,
          details: { retryable, ...(err instanceof HandshakeError && { status: err.status }) },
        }),
      );
    };
    const onAbort = (): void => fail((signal?.reason as Error) ?? new Error('aborted'));
    sock.setHandler({
      onStreamData: (chunk) => {
        let r;
        try {
          r = hs.receive(chunk);
        } catch (err) {
          fail(err as Error);
          return;
        }
        if (r === undefined) return;
        cleanup();
        resolve({ sock, rest: r.rest, response: r.response, subprotocol: r.subprotocol, deflate: r.deflate, path });
      },
      onStreamError: (err) => fail(err),
      onStreamEnd: () => fail(new Error('the server closed the connection before answering the upgrade')),
      onStreamDrain: () => {},
      onStreamClose: () => fail(new Error('the connection closed before the upgrade answer')),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    s.write(hs.request);
  });
}

/** Server-side WebSocket options. */
export interface WebSocketServerOptions {
  /**
   * Decides on each valid upgrade request before the handshake completes: check `origin`,
   * credentials (`request.head.headers.get('authorization')`), `path`. Return (or resolve)
   * `undefined` to accept, or a refusal such as `{ status: 403 }` or `{ status: 401, headers: {
   * 'WWW-Authenticate': 'Basic realm="app"' } }`. @default accept every request for the path
   */
  verify?: (request: UpgradeRequest) => HandshakeRefusal | undefined | Promise<HandshakeRefusal | undefined>;
  /** Subprotocols this server speaks; the first the client offered is chosen. @default none */
  subprotocols?: readonly string[];
  /** Accept permessage-deflate offers (RFC 7692). @default true when node:zlib supports it */
  compression?: boolean | DeflateOptions;
  /** Extra headers for the 101 answer. */
  headers?: Record<string, string>;
  /** Limits on the request head. @default Limits.httpMaxLineLength / httpMaxHeaders / httpMaxHeadSize */
  httpLimits?: HttpHeadLimits;
  /** Limits on received messages and frames. @default Limits.wsMaxMessageSize / wsMaxFrameSize / wsMaxFragments / wsCompressionThreshold */
  limits?: WebSocketLimits;
}

const LIMIT_NAMES: readonly string[] = ['maxMessageSize', 'maxFrameSize', 'maxFragments', 'compressionThreshold'] satisfies ReadonlyArray<keyof WebSocketLimits>;

/** Checks `websocket.limits` before any socket is opened (`INVALID_OPTION`): known names, and numbers in range. */
export function checkWebSocketLimits(limits: WebSocketLimits | undefined): void {
  for (const [k, v] of Object.entries(limits ?? {})) {
    if (!LIMIT_NAMES.includes(k)) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `websocket.limits.${k} is not a WebSocket limit, expected one of ${LIMIT_NAMES.join(', ')}`);
    }
    if (v === undefined) continue; // the default
    const ok = typeof v === 'number' && (k === 'compressionThreshold' ? v >= 0 : v > 0);
    if (!ok) throw new ConfigError(ErrorCode.INVALID_OPTION, `websocket.limits.${k} must be a ${k === 'compressionThreshold' ? 'number, 0 or more' : 'positive number'}, got ${String(v)}`);
  }
}

export type ServerUpgrade =
  | { ok: true; rest: Uint8Array; request: UpgradeRequest; subprotocol: string | undefined; deflate: DeflateParams | undefined }
  | { ok: false; error: SwitchboardError };

/**
 * Reads the upgrade request from a fresh socket and answers it: 101, or an HTTP error (400, 404,
 * 405, 426, 431, or the status `verify` chose) followed by closing the socket. `timeoutMs`
 * bounds the whole exchange (a slowloris peer is destroyed). Never rejects.
 */
export function acceptWebSocket(sock: StreamSocket, options: WebSocketServerOptions & { path?: string; timeoutMs: number }): Promise<ServerUpgrade> {
  const s = sock.socket;
  const reader = requestHeadReader(options.httpLimits);
  return new Promise<ServerUpgrade>((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      finish({
        ok: false,
        error: new ServerError(ErrorCode.HANDSHAKE_TIMEOUT, `${sock.remote}: no complete upgrade request within ${options.timeoutMs} ms`),
      });
      s.destroy();
    }, options.timeoutMs);
    const finish = (r: ServerUpgrade): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.release();
      resolve(r);
    };
    const refuse = (response: Uint8Array, error: SwitchboardError): void => {
      finish({ ok: false, error });
      // Answer, then close; a peer that does not take the answer is destroyed with the socket.
      const t = setTimeout(() => s.destroy(), 2000);
      t.unref?.();
      sock.setHandler({ onStreamData: () => {}, onStreamEnd: () => {}, onStreamDrain: () => {}, onStreamError: () => {}, onStreamClose: () => clearTimeout(t) });
      s.end(response);
    };
    const complete = async (head: HttpRequestHead, rest: Uint8Array): Promise<void> => {
      const r = await answer(head, options);
      if (settled) return;
      if (!r.ok) return refuse(r.response, r.error);
      s.write(r.response);
      finish({ ok: true, rest, request: r.request, subprotocol: r.subprotocol, deflate: r.deflate });
    };
    let headDone = false;
    sock.setHandler({
      onStreamData: (chunk) => {
        if (headDone) return;
        let head: HttpRequestHead | undefined;
        try {
          reader.push(chunk);
          head = reader.read();
        } catch (err) {
          if (err instanceof HandshakeError) return refuse(handshakeErrorResponse(err), err);
          return refuse(httpErrorResponse(400), err as SwitchboardError);
        }
        if (head === undefined) return;
        headDone = true;
        s.pause(); // bytes after the head wait for the connection
        void complete(head, reader.rest());
      },
      onStreamError: (err) => {
        finish({ ok: false, error: new ServerError(ErrorCode.TRANSPORT_ERROR, `${sock.remote}: ${err.message}`, { cause: err }) });
        s.destroy();
      },
      onStreamEnd: () => {
        finish({ ok: false, error: new ServerError(ErrorCode.WS_BAD_REQUEST, `${sock.remote}: the peer left before sending a whole upgrade request`) });
        s.destroy();
      },
      onStreamDrain: () => {},
      onStreamClose: () => {
        finish({ ok: false, error: new ServerError(ErrorCode.WS_BAD_REQUEST, `${sock.remote}: the connection closed before a whole upgrade request`) });
      },
    });
  });
}

type Answer =
  | { ok: true; request: UpgradeRequest; response: Uint8Array; subprotocol: string | undefined; deflate: DeflateParams | undefined }
  | { ok: false; response: Uint8Array; error: SwitchboardError };

/** Validates a request head, asks `verify`, and builds the 101 or the error answer. */
export async function answer(head: HttpRequestHead, options: WebSocketServerOptions & { path?: string }): Promise<Answer> {
  let request: UpgradeRequest;
  try {
    request = parseUpgradeRequest(head);
  } catch (err) {
    if (err instanceof HandshakeError) return { ok: false, response: handshakeErrorResponse(err), error: err };
    throw err;
  }
  const pathOnly = request.path.split('?')[0];
  if (options.path !== undefined && pathOnly !== options.path) {
    const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `no WebSocket endpoint at ${JSON.stringify(pathOnly)}`, 404);
    return { ok: false, response: httpErrorResponse(404), error };
  }
  let refusal: HandshakeRefusal | undefined;
  try {
    refusal = await options.verify?.(request);
  } catch (cause) {
    // A verify hook that throws refuses with 500; what it threw stays in the local log.
    const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `the verify hook threw: ${(cause as Error)?.message ?? String(cause)}`, 500, { cause });
    return { ok: false, response: httpErrorResponse(500), error };
  }
  if (refusal !== undefined) {
    const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `the verify hook refused the request with ${refusal.status}`, refusal.status, {
      ...(refusal.headers && { headers: refusal.headers }),
    });
    return { ok: false, response: httpErrorResponse(refusal.status, refusal.headers), error };
  }
  const deflate = compressionOption(options.compression);
  const accepted = acceptUpgrade(request, {
    sha1: nodeSha1,
    ...(options.subprotocols && { subprotocols: options.subprotocols }),
    ...(deflate !== false && { deflate }),
    ...(options.headers && { headers: options.headers }),
  });
  return { ok: true, request, ...accepted };
}

/** A request node:http already parsed (its `upgrade` event), as the core's request head. */
export function headFromIncoming(req: IncomingMessage): HttpRequestHead {
  const list: Array<[string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) list.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return { method: req.method ?? 'GET', target: req.url ?? '/', version: `HTTP/${req.httpVersion}`, headers: new HttpHeaders(list) };
}

/** Wraps a socket node:http handed over in its `upgrade` event. */
export function socketFromUpgrade(socket: net.Socket): StreamSocket {
  socket.setNoDelay(true);
  // node:http sockets end themselves on the peer's FIN; the connection ends ours once flushed.
  (socket as net.Socket & { allowHalfOpen: boolean }).allowHalfOpen = true;
  return new StreamSocket(socket);
}

/** The compressor factory for negotiated parameters (node:zlib). */
export function compressorFor(params: DeflateParams | undefined, role: 'client' | 'server') {
  return params ? () => createDeflateCompressor(params, role) : undefined;
}

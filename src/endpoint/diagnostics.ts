/**
 * Lifecycle and traffic events on `node:diagnostics_channel`, in the manner of undici: every
 * publish is guarded by the channel's `hasSubscribers`, so with nobody subscribed an event costs
 * one property read and a branch. The core is sans-I/O; only the endpoint layer publishes.
 *
 *     import diagnostics_channel from 'node:diagnostics_channel';
 *     diagnostics_channel.subscribe('switchboard:message:received', ({ connection, size }) => ...);
 *
 * docs/observability.md lists every channel and its payload. Payloads never carry credentials:
 * URLs are shown without their user info, TLS options and session secrets are never included.
 */
import dc from 'node:diagnostics_channel';
import type { SwitchboardError } from '../core/index.js';
import type { CloseInfo, Connection } from './connection.js';
import { RequestOutcome, type DropReason, type Meter, type RejectReason } from './metrics.js';

/** Every channel's name. The request channels are a `TracingChannel` (see {@link REQUEST_TRACING}). */
export const ChannelName = {
  connectionOpen: 'switchboard:connection:open',
  connectionClose: 'switchboard:connection:close',
  connectAttempt: 'switchboard:connect:attempt',
  connectFailure: 'switchboard:connect:failure',
  handshakeRefused: 'switchboard:handshake:refused',
  messageReceived: 'switchboard:message:received',
  messageSent: 'switchboard:message:sent',
  sendDropped: 'switchboard:send:dropped',
  reconnect: 'switchboard:reconnect',
  sessionResumed: 'switchboard:session:resumed',
  sessionGap: 'switchboard:session:gap',
} as const;
export type ChannelName = (typeof ChannelName)[keyof typeof ChannelName];

/**
 * The requests' tracing channel: `tracing:switchboard:request:start`, `:end`, `:asyncStart`,
 * `:asyncEnd` and `:error`, as `diagnostics_channel.tracingChannel('switchboard:request')`.
 */
export const REQUEST_TRACING = 'switchboard:request';

// ------------------------------------------------------------------ payloads

/** A connection opened (after its handshake). */
export interface ConnectionOpenEvent {
  readonly connection: Connection<unknown, unknown>;
}
/** A connection closed. */
export interface ConnectionCloseEvent {
  readonly connection: Connection<unknown, unknown>;
  readonly info: CloseInfo;
}
/** A client starts a connection attempt. */
export interface ConnectAttemptEvent {
  /** Where, without user info: `tcp://127.0.0.1:4000`, `ws://host:80/chat`. */
  readonly address: string;
  /** 1 for the first attempt of this `connect()`. */
  readonly attempt: number;
}
/** A connection attempt failed (it may be retried). */
export interface ConnectFailureEvent {
  readonly address: string;
  readonly attempt: number;
  readonly error: unknown;
}
/** A server refused a connection before it opened. */
export interface HandshakeRefusedEvent {
  /** The server's name. */
  readonly server: string;
  /** The peer's address. */
  readonly remote: string;
  readonly reason: RejectReason;
  readonly error: SwitchboardError;
}
/** A message was decoded (received) or queued for sending (sent). */
export interface MessageEvent {
  readonly connection: Connection<unknown, unknown>;
  /** The message value itself, by reference (nothing is copied or serialized). */
  readonly message: unknown;
  /** Its encoded size in bytes (received: the frame's payload; sent: the bytes queued, framing included). */
  readonly size: number;
}
/** A message (or a connection's traffic) was dropped. */
export interface SendDroppedEvent {
  /** The connection, when there is one (an outbox drop has none). */
  readonly connection: Connection<unknown, unknown> | undefined;
  readonly reason: DropReason;
  /** The message dropped, when one was (a decode error has only bytes; a closing connection none). */
  readonly message?: unknown;
  /** The error, when one closed or refused something. */
  readonly error?: SwitchboardError;
}
/** A client scheduled a reconnect. */
export interface ReconnectEvent {
  /** The client's name (its URL without user info). */
  readonly client: string;
  readonly attempt: number;
  readonly delayMs: number;
}
/** A session resumed on a new connection. */
export interface SessionResumedEvent {
  readonly connection: Connection<unknown, unknown>;
  readonly sessionId: string;
  /** Messages sent again after the resume. */
  readonly replayed: number;
}
/** A session could not resume without a gap (Centrifugo's `recovered: false`). */
export interface SessionGapEvent {
  readonly connection: Connection<unknown, unknown>;
  readonly sessionId: string;
  /** Messages known lost, when known. */
  readonly lost?: number;
}
/** The context object of the request tracing channel; `result` or `error` is set when it ends. */
export interface RequestTraceContext {
  /** The connection it was sent on; `undefined` when it was queued while the session was detached. */
  readonly connection: Connection<unknown, unknown> | undefined;
  /** The session's id, when the request belongs to one. */
  readonly sessionId?: string;
  /** The request message. */
  readonly request: unknown;
  /** The request id on the wire, when there is one. */
  readonly id?: number | string;
  result?: unknown;
  error?: unknown;
}

// ------------------------------------------------------------------ channels

/**
 * @internal The channel objects (module-level, so they stay alive: diagnostics_channel holds
 * channels weakly). The endpoint tests `hasSubscribers` before building a payload.
 */
export const diag = {
  connectionOpen: dc.channel(ChannelName.connectionOpen),
  connectionClose: dc.channel(ChannelName.connectionClose),
  connectAttempt: dc.channel(ChannelName.connectAttempt),
  connectFailure: dc.channel(ChannelName.connectFailure),
  handshakeRefused: dc.channel(ChannelName.handshakeRefused),
  messageReceived: dc.channel(ChannelName.messageReceived),
  messageSent: dc.channel(ChannelName.messageSent),
  sendDropped: dc.channel(ChannelName.sendDropped),
  reconnect: dc.channel(ChannelName.reconnect),
  sessionResumed: dc.channel(ChannelName.sessionResumed),
  sessionGap: dc.channel(ChannelName.sessionGap),
  request: dc.tracingChannel<unknown, RequestTraceContext & object>(REQUEST_TRACING),
};

/** @internal A drop: counted on the meter (if any) and published (if anyone listens). */
export function dropped(
  meter: Meter | undefined,
  connection: Connection<unknown, unknown> | undefined,
  reason: DropReason,
  message?: unknown,
  error?: SwitchboardError,
): void {
  if (meter !== undefined) meter.drops[reason]++;
  if (diag.sendDropped.hasSubscribers) {
    diag.sendDropped.publish({ connection, reason, ...(message !== undefined && { message }), ...(error && { error }) } satisfies SendDroppedEvent);
  }
}

// ------------------------------------------------------------------ for the session layer

/**
 * Whatever holds an endpoint's meter: a `Connection` (its server's or client's), a `Server`, a
 * `PermanentClient`. The session layer passes the one it has.
 */
export interface Metered {
  /** @internal */
  readonly meter: Meter | undefined;
}

/**
 * The session layer calls this when a session resumed on `connection`: counts it in the
 * endpoint's metrics (`sessions.resumed`) and publishes `switchboard:session:resumed`.
 */
export function sessionResumed(connection: Connection<unknown, unknown>, sessionId: string, replayed: number): void {
  const meter = (connection as unknown as Metered).meter;
  if (meter !== undefined) meter.sessionsResumed++;
  if (diag.sessionResumed.hasSubscribers) diag.sessionResumed.publish({ connection, sessionId, replayed } satisfies SessionResumedEvent);
}

/**
 * The session layer calls this when a resume found a gap (messages lost): counts it
 * (`sessions.gaps`) and publishes `switchboard:session:gap`.
 */
export function sessionGap(connection: Connection<unknown, unknown>, sessionId: string, lost?: number): void {
  const meter = (connection as unknown as Metered).meter;
  if (meter !== undefined) meter.sessionGaps++;
  if (diag.sessionGap.hasSubscribers) {
    diag.sessionGap.publish({ connection, sessionId, ...(lost !== undefined && { lost }) } satisfies SessionGapEvent);
  }
}

/**
 * The request layer wraps each request's promise in this: the tracing channel
 * `tracing:switchboard:request:*` sees it start and end (with `result` or `error` set on
 * `context`), and `owner`'s metrics (a connection's, a server's, a permanent client's) count it
 * by outcome (`outcomeOf`). `run` is called at once, inside the start event's context. Returns
 * the promise `run` returns.
 */
export function traceRequest<T>(
  owner: Metered | undefined,
  context: RequestTraceContext,
  run: () => Promise<T>,
  outcomeOf: (error: unknown) => RequestOutcome = defaultOutcome,
): Promise<T> {
  const ch = diag.request;
  const p = ch.hasSubscribers ? ch.tracePromise(run, context) : run();
  const meter = owner?.meter;
  if (meter !== undefined) {
    p.then(
      () => void meter.requests.ok++,
      (e: unknown) => void meter.requests[outcomeOf(e)]++,
    );
  }
  return p;
}

/** By error code: `*TIMEOUT` is a timeout; aborts and closes are cancelled; anything else an error. */
export function defaultOutcome(error: unknown): RequestOutcome {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof code === 'string' && code.endsWith('TIMEOUT')) return RequestOutcome.Timeout;
  if (name === 'AbortError' || code === 'ABORT_ERR' || code === 'CONNECTION_CLOSED' || code === 'REQUEST_ABORTED' || code === 'SESSION_ENDED') {
    return RequestOutcome.Cancelled;
  }
  return RequestOutcome.Error;
}

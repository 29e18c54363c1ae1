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
import { RequestOutcome } from './metrics.js';
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
};
/**
 * The requests' tracing channel: `tracing:switchboard:request:start`, `:end`, `:asyncStart`,
 * `:asyncEnd` and `:error`, as `diagnostics_channel.tracingChannel('switchboard:request')`.
 */
export const REQUEST_TRACING = 'switchboard:request';
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
    request: dc.tracingChannel(REQUEST_TRACING),
};
/** @internal A drop: counted on the meter (if any) and published (if anyone listens). */
export function dropped(meter, connection, reason, message, error) {
    if (meter !== undefined)
        meter.drops[reason]++;
    if (diag.sendDropped.hasSubscribers) {
        diag.sendDropped.publish({ connection, reason, ...(message !== undefined && { message }), ...(error && { error }) });
    }
}
/**
 * The session layer calls this when a session resumed on `connection`: counts it in the
 * endpoint's metrics (`sessions.resumed`) and publishes `switchboard:session:resumed`.
 */
export function sessionResumed(connection, sessionId, replayed) {
    const meter = connection.meter;
    if (meter !== undefined)
        meter.sessionsResumed++;
}
/**
 * The session layer calls this when a resume found a gap (messages lost): counts it
 * (`sessions.gaps`) and publishes `switchboard:session:gap`.
 */
export function sessionGap(connection, sessionId, lost) {
    const meter = connection.meter;
    if (meter !== undefined)
        meter.sessionGaps++;
    if (diag.sessionGap.hasSubscribers) {
        diag.sessionGap.publish({ connection, sessionId, ...(lost !== undefined && { lost }) });
    }
}
/**
 * The request layer wraps each request's promise in this: the tracing channel
 * `tracing:switchboard:request:*` sees it start and end (with `result` or `error` set on
 * `context`), and `owner`'s metrics (a connection's, a server's, a permanent client's) count it
 * by outcome (`outcomeOf`). `run` is called at once, inside the start event's context. Returns
 * the promise `run` returns.
 */
export function traceRequest(owner, context, run, outcomeOf = defaultOutcome) {
    const ch = diag.request;
    const p = ch.hasSubscribers ? ch.tracePromise(run, context) : run();
    const meter = owner?.meter;
    if (meter !== undefined) {
        p.then(() => void meter.requests.ok++, (e) => void meter.requests[outcomeOf(e)]++);
    }
    return p;
}
/** By error code: `*TIMEOUT` is a timeout; aborts and closes are cancelled; anything else an error. */
export function defaultOutcome(error) {
    const code = error?.code;
    const name = error?.name;
    if (typeof code === 'string' && code.endsWith('TIMEOUT'))
        return RequestOutcome.Timeout;
    if (name === 'AbortError' || code === 'ABORT_ERR' || code === 'CONNECTION_CLOSED' || code === 'REQUEST_ABORTED' || code === 'SESSION_ENDED') {
        return RequestOutcome.Cancelled;
    }
    return RequestOutcome.Error;
}

import { ConfigError, ConnectError, ErrorCode, Limits, formatAddress, linesJson, parseAddress, lines, messageCodec, } from '../core/index.js';
import { dial } from '../transport/stream.js';
import { webSocketFraming } from '../core/websocket/framing.js';
import { checkWebSocketLimits, compressorFor, dialWebSocket, isWebSocketUrl, nodeRandom } from '../transport/websocket.js';
import { Connection, checkConnectionOptions } from './connection.js';
import { WebSocketMeta } from './ws-meta.js';
import { diag } from './diagnostics.js';
import { METER } from './metrics.js';
import { webSocketMask } from '../transport/ws-mask.js';
/**
 * Connects to `tcp://host:port`, `tls://host:port` or `unix:///path` and resolves with an open
 * connection (after the protocol's `onConnect` handshake, if it has one).
 *
 * With `retryAfter`, failed attempts are retried until `timeout` runs out; then the promise
 * rejects with `CONNECT_TIMEOUT`, naming the address, the number of attempts and the last error.
 */
export async function connect(url, options = {}) {
    const ws = isWebSocketUrl(url);
    const address = ws ? undefined : parseAddress(url);
    const where = address ? formatAddress(address) : redactUrl(url);
    const protocol = resolveProtocol(options, ws);
    checkConnectionOptions(options, protocol, !ws);
    if (ws)
        checkWebSocketLimits(options.websocket?.limits);
    const timeout = options.timeout ?? Limits.connectTimeout;
    if (!(timeout > 0))
        throw new ConfigError(ErrorCode.INVALID_OPTION, `timeout must be a positive number, got ${timeout}`);
    const { retryAfter, signal } = options;
    if (retryAfter !== undefined && !(retryAfter >= 0)) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, `retryAfter must be 0 or more, got ${retryAfter}`);
    }
    signal?.throwIfAborted();
    try {
        options.callbacks?.onInitialize?.({ name: options.name ? `clt(${options.name}@${where})` : `clt(${where})` });
    }
    catch {
        // a watcher that throws does not stop the connect
    }
    const link = await dialWithRetry((s) => (address ? dial(address, options, s).then((sock) => ({ sock })) : dialWs(url, options, s)), where, options, timeout);
    // Connected: from here on nothing is retried. A refused or failed handshake is final.
    const conn = new Connection(link.sock, link.framing ? { ...protocol, framing: link.framing } : protocol, options.callbacks, options, {
        role: 'client',
        app: options.name,
        // The name shows the path without its query: a token in the query never reaches logs or diagnostics.
        ...(link.path !== undefined && { path: link.path.split('?')[0] }),
        ...(link.initialData && { initialData: link.initialData }),
        ...(link.meta && { meta: link.meta }),
        meter: options[METER],
    });
    const onAbort = () => conn.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
        await conn.open();
    }
    catch (err) {
        if (signal?.aborted)
            throw signal.reason;
        throw err;
    }
    finally {
        signal?.removeEventListener('abort', onAbort);
    }
    return conn;
}
/** One WebSocket attempt: TCP/TLS, then the upgrade; the framing carries the negotiated compression. */
async function dialWs(url, options, signal) {
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
export function resolveProtocol(options, ws) {
    if (options.protocol && options.codec) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'give either protocol or codec, not both');
    }
    const p = options.protocol;
    if (p)
        return p.framing !== undefined ? p : { ...p, framing: lines() };
    if (options.codec)
        return { framing: lines(), codec: options.codec };
    if (ws)
        return { framing: lines(), codec: messageCodec() };
    return linesJson();
}
/** A URL without its user info (credentials never go to logs). */
export function redactUrl(url) {
    return url.replace(/^(\w+:\/\/)[^@/]*@/, '$1');
}
async function dialWithRetry(attempt, where, options, timeout) {
    const { retryAfter, signal } = options;
    const deadline = Date.now() + timeout;
    let attempts = 0;
    for (;;) {
        attempts++;
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(new Error(`attempt timed out`)), Math.max(0, deadline - Date.now()));
        const onUserAbort = () => ac.abort(signal?.reason);
        signal?.addEventListener('abort', onUserAbort, { once: true });
        let last;
        try {
            return await attempt(ac.signal);
        }
        catch (err) {
            if (signal?.aborted)
                throw signal.reason;
            last = err;
        }
        finally {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onUserAbort);
        }
        const lastText = last instanceof Error ? (last.cause instanceof Error ? last.cause.message : last.message) : String(last);
        const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
        const timedOut = ac.signal.aborted;
        // A certificate that does not verify will not verify on the next attempt either.
        const final = last.details?.retryable === false;
        if (!timedOut && (retryAfter === undefined || final)) {
            throw new ConnectError(ErrorCode.CONNECT_FAILED, `could not connect to ${where} after ${tries}: ${lastText}`, {
                cause: last,
                details: { address: where, attempts },
            });
        }
        if (timedOut || retryAfter === undefined || Date.now() + retryAfter >= deadline) {
            throw new ConnectError(ErrorCode.CONNECT_TIMEOUT, `could not connect to ${where} within ${timeout} ms after ${tries}; last error: ${lastText}`, { cause: last, details: { address: where, attempts, timeout } });
        }
        await sleep(retryAfter, signal);
    }
}
/** An address for diagnostics: without a query, where a token may be. */
function noQuery(where) {
    const q = where.indexOf('?');
    return q < 0 ? where : where.slice(0, q);
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(t);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}

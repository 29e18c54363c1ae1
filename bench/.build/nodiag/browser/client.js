import { messageCodec } from '../core/codec.js';
import { ConfigError, ConnectError, ErrorCode } from '../core/errors.js';
import { Limits } from '../core/limits.js';
import { Connection, errorText } from './connection.js';
/** The protocol a connection runs: the given one, or the codec, or the `message` codec. */
export function resolveProtocol(options) {
    const { protocol, codec } = options;
    if (protocol && codec)
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'give either protocol or codec, not both');
    if (protocol && 'hooks' in protocol && protocol.hooks !== undefined) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'protocol hooks are not supported by the browser client; use callbacks and onConnected');
    }
    return protocol ?? { codec: codec ?? messageCodec() };
}
/** Checks options before any socket is opened (`INVALID_OPTION`). */
export function checkOptions(o) {
    if (typeof WebSocket !== 'function') {
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'this runtime has no global WebSocket (Node 20 needs --experimental-websocket; Node >= 22 has one)');
    }
    const positive = ['receiveQueue', 'highWaterMark', 'maxQueuedBytes', 'closeTimeout', 'timeout', 'attemptTimeout'];
    for (const k of positive)
        bad(k, o[k], (v) => v > 0, 'a positive number');
    bad('idleTimeout', o.idleTimeout, (v) => v >= 0, '0 (off) or a positive number');
    bad('retryAfter', o.retryAfter, (v) => v >= 0, '0 or more');
    bad('websocket.limits.maxMessageSize', o.websocket?.limits?.maxMessageSize, (v) => v > 0, 'a positive number');
    const hb = o.protocol?.heartbeat;
    if (hb) {
        bad('heartbeat.interval', hb.interval, (v) => v > 0, 'a positive number');
        bad('heartbeat.timeout', hb.timeout, (v) => v >= 0, '0 (off) or a positive number');
    }
}
function bad(name, v, ok, expected) {
    if (v !== undefined && !(typeof v === 'number' && ok(v)))
        throw new ConfigError(ErrorCode.INVALID_OPTION, `${name} must be ${expected}, got ${String(v)}`);
}
/**
 * Opens a WebSocket to `ws://` / `wss://` `url` and resolves with an open connection. With
 * `retryAfter`, failed attempts are retried until `timeout` runs out (`CONNECT_TIMEOUT`, naming
 * the URL and the number of attempts); without, the first failure is `CONNECT_FAILED`. A browser
 * does not say why a WebSocket failed (refused, DNS, TLS, HTTP status all look the same to a
 * page), so neither can these errors.
 */
export async function connect(url, options = {}) {
    const protocol = resolveProtocol(options);
    checkOptions({ ...options, protocol });
    const timeout = options.timeout ?? Limits.connectTimeout;
    const { retryAfter, signal, callbacks } = options;
    signal?.throwIfAborted();
    const where = url.replace(/^(\w+:\/\/)[^@/]*@/, '$1'); // no credentials in messages
    const setup = { url, protocol, callbacks, options };
    try {
        callbacks?.onInitialize?.({ name: options.name ? `clt(${options.name}@${where})` : `clt(${where})` });
    }
    catch {
        // a watcher that throws does not stop the connect
    }
    const deadline = Date.now() + timeout;
    for (let attempts = 1;; attempts++) {
        const conn = new Connection(setup);
        let timedOut = false;
        const timer = setTimeout(() => ((timedOut = true), conn.destroy()), Math.max(0, deadline - Date.now()));
        const onAbort = () => conn.destroy();
        signal?.addEventListener('abort', onAbort);
        let last;
        try {
            await conn.opened;
            return conn;
        }
        catch (err) {
            last = err;
        }
        finally {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        }
        if (signal?.aborted)
            throw signal.reason;
        const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
        const details = { address: where, attempts, timeout };
        if (!timedOut && retryAfter === undefined) {
            throw new ConnectError(ErrorCode.CONNECT_FAILED, `could not connect to ${where} after ${tries}: ${errorText(last)}`, { cause: last, details });
        }
        if (timedOut || retryAfter === undefined || Date.now() + retryAfter >= deadline) {
            throw new ConnectError(ErrorCode.CONNECT_TIMEOUT, `could not connect to ${where} within ${timeout} ms after ${tries}; last error: ${errorText(last)}`, {
                cause: last,
                details,
            });
        }
        await new Promise((resolve, reject) => {
            const t = setTimeout(resolve, retryAfter);
            signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
        });
    }
}

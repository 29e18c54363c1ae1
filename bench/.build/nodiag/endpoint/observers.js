/**
 * Ready-made callbacks that watch a connection without consuming its messages: a logger, a
 * counter and a store that can wait for a message. Combine them with `chainCallbacks`.
 */
import { ConnectionError, ErrorCode, previewBytes } from '../core/index.js';
/** Shows a message for a log line. */
export function formatMessage(msg) {
    if (msg instanceof Uint8Array)
        return previewBytes(msg, 200);
    if (typeof msg === 'string')
        return msg.length > 200 ? JSON.stringify(msg.slice(0, 200)) + '...' : JSON.stringify(msg);
    try {
        const s = JSON.stringify(msg);
        if (s === undefined)
            return String(msg);
        return s.length > 200 ? s.slice(0, 200) + '...' : s;
    }
    catch {
        return String(msg);
    }
}
/** Logs each message sent and received with the connection's name (links' `LoggerCallback`). */
export function loggerCallback(options = {}) {
    if (options.structured)
        return structuredLogger(options);
    const level = options.level ?? 'info';
    const logger = options.logger ?? console;
    const fmt = options.format ?? formatMessage;
    const log = (line) => logger[level](line);
    return {
        observeOnly: true,
        onInitialize: (ep) => log(`${ep.name} ready`),
        onConnect: (conn) => log(`${conn.name} connected`),
        onReceive: (conn, msg) => log(`${conn.name} RECV ${fmt(msg)}`),
        onSent: (conn, msg) => log(`${conn.name} SENT ${fmt(msg)}`),
        onFail: (err, conn) => logger.warn(`${conn ? conn.name + ' ' : ''}${err.code}: ${err.message}`),
        onDisconnect: (conn, info) => log(`${conn.name} disconnected (${describeClose(info)})`),
        onReject: (remote, err) => logger.warn(`refused ${remote}: ${err.message}`),
    };
}
/** The structured variant of {@link loggerCallback}: fields, and previews only when asked. */
function structuredLogger(options) {
    const level = options.level ?? 'info';
    const logger = (options.logger ?? consoleFields);
    const preview = options.preview ?? 0;
    const fmt = options.format ?? formatMessage;
    const message = (conn, direction, msg) => {
        const fields = { event: 'message', connection: conn.name, direction };
        const size = sizeOf(msg);
        if (size !== undefined)
            fields['size'] = size;
        if (preview > 0) {
            const p = fmt(msg);
            fields['preview'] = p.length > preview ? p.slice(0, preview) + '...' : p;
        }
        logger[level](fields, direction === 'in' ? 'received' : 'sent');
    };
    return {
        observeOnly: true,
        onInitialize: (ep) => logger[level]({ event: 'ready', endpoint: ep.name }, 'ready'),
        onConnect: (conn) => logger[level]({ event: 'connect', connection: conn.name }, 'connected'),
        onReceive: (conn, msg) => message(conn, 'in', msg),
        onSent: (conn, msg) => message(conn, 'out', msg),
        onFail: (err, conn) => logger.warn({ event: 'error', ...(conn && { connection: conn.name }), code: err.code }, err.message),
        onDisconnect: (conn, info) => logger[level]({ event: 'disconnect', connection: conn.name, initiator: info.initiator, clean: info.clean, ...(info.error && { code: info.error.code }), ...(info.code !== undefined && { closeCode: info.code }) }, `disconnected (${describeClose(info)})`),
        onReject: (remote, err) => logger.warn({ event: 'reject', remote, code: err.code }, err.message),
    };
}
/** @internal A message's size where it is plain: bytes, or a string's UTF-8 length; else undefined. */
export function sizeOf(msg) {
    if (msg instanceof Uint8Array)
        return msg.length;
    if (typeof msg === 'string')
        return utf8Length(msg);
    return undefined;
}
function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80)
            n += 1;
        else if (c < 0x800)
            n += 2;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
            n += 4;
            i++;
        }
        else
            n += 3;
    }
    return n;
}
/** console, in pino's convention: the message, then the fields. */
const consoleFields = {
    debug: (f, m) => console.debug(m, f),
    info: (f, m) => console.info(m, f),
    warn: (f, m) => console.warn(m, f),
    error: (f, m) => console.error(m, f),
};
/** `closed here`, `closed by the peer`, or `<initiator>, <CODE>` when an error closed it (`error, FRAME_TOO_LARGE`). */
export function describeClose(info) {
    if (info.error)
        return `${info.initiator}, ${info.error.code}`;
    return info.initiator === 'local' ? 'closed here' : 'closed by the peer';
}
/** Counts events; read `counts`. */
export function counterCallback() {
    const counts = { connects: 0, disconnects: 0, received: 0, sent: 0, fails: 0, rejects: 0 };
    return {
        observeOnly: true,
        counts,
        onConnect: () => void counts.connects++,
        onDisconnect: () => void counts.disconnects++,
        onReceive: () => void counts.received++,
        onSent: () => void counts.sent++,
        onFail: () => void counts.fails++,
        onReject: () => void counts.rejects++,
    };
}
/** Records messages (at most `capacity`, oldest dropped) and waits for one matching a predicate. */
export function storeCallback(options = {}) {
    const capacity = options.capacity ?? 10_000;
    const entries = [];
    const errors = [];
    const waiters = new Set();
    const record = (e) => {
        entries.push(e);
        if (entries.length > capacity)
            entries.shift();
    };
    return {
        observeOnly: true,
        entries,
        received: () => entries.filter((e) => e.direction === 'received').map((e) => e.msg),
        sent: () => entries.filter((e) => e.direction === 'sent').map((e) => e.msg),
        errors: () => errors.slice(),
        onReceive(conn, msg) {
            record({ direction: 'received', connection: conn.name, msg, at: Date.now() });
            for (const w of [...waiters])
                if (w(msg, conn.name))
                    waiters.delete(w);
        },
        onSent(conn, msg) {
            record({ direction: 'sent', connection: conn.name, msg, at: Date.now() });
        },
        onFail(err) {
            errors.push(err);
            if (errors.length > capacity)
                errors.shift();
        },
        waitFor(predicate, opts = {}) {
            for (const e of entries) {
                if (e.direction === 'received' && predicate(e.msg, e.connection))
                    return Promise.resolve(e.msg);
            }
            const timeout = opts.timeout ?? 5_000;
            return new Promise((resolve, reject) => {
                const w = (msg, conn) => {
                    if (!predicate(msg, conn))
                        return false;
                    clearTimeout(timer);
                    resolve(msg);
                    return true;
                };
                const timer = setTimeout(() => {
                    waiters.delete(w);
                    reject(new ConnectionError(ErrorCode.RECEIVE_TIMEOUT, `no matching message within ${timeout} ms`));
                }, timeout);
                waiters.add(w);
            });
        },
    };
}

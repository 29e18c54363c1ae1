import { ConfigError, ConnectError, ConnectionError, ErrorCode, isSwitchboardError } from '../core/errors.js';
import { Limits } from '../core/limits.js';
import { SendStatus } from '../core/send-status.js';
import { Queue } from './queue.js';
/** Unread errors `errors()` keeps. */
const ERROR_BACKLOG = 64;
/** How often `bufferedAmount` is looked at while a sender waits for room (there is no drain event). */
const DRAIN_POLL_MS = 10;
const utf8 = new TextEncoder();
export class Connection {
    link;
    role = 'client';
    name;
    stats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
    /** The negotiated `subprotocol` and `extensions`, and the `url`. */
    meta = {};
    /** @internal Resolves when the socket opens; rejects when it fails or closes first. */
    opened;
    _state = 'opening';
    ws;
    codec;
    cb;
    consumes;
    mode;
    inbox = new Queue();
    errq;
    receiveLimit;
    hwm;
    maxQueued;
    maxMessage;
    wire;
    discarding = false;
    closeError;
    initiator;
    sentCode;
    sentReason = '';
    closeInfo;
    resolveClosed;
    closed;
    timers = [];
    lastRx = Date.now();
    lastTx = Date.now();
    roomWaiters = [];
    drainWatch;
    backpressured = false;
    rejectOpen;
    wasOpen = false;
    constructor(link) {
        this.link = link;
        const o = link.options;
        this.name = o.name ? `clt(${o.name}@${link.url})` : `clt(${link.url})`;
        this.codec = link.protocol.codec;
        this.cb = link.callbacks ?? {};
        this.wire = link.wire;
        this.consumes = this.cb.onReceive !== undefined && this.cb.observeOnly !== true;
        this.mode = this.consumes ? 'callback' : 'none';
        this.receiveLimit = o.receiveQueue ?? Limits.receiveQueueMessages;
        this.hwm = o.highWaterMark ?? Limits.sendHighWaterMark;
        this.maxQueued = Math.max(this.hwm, o.maxQueuedBytes ?? Limits.sendMaxQueuedBytes);
        this.maxMessage = o.websocket?.limits?.maxMessageSize ?? Limits.wsMaxMessageSize;
        this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
        const subprotocols = o.websocket?.subprotocols;
        let ws;
        try {
            ws = subprotocols ? new WebSocket(link.url, subprotocols) : new WebSocket(link.url);
        }
        catch (cause) {
            throw new ConfigError(ErrorCode.INVALID_ADDRESS, `cannot open a WebSocket to ${link.url}: ${errorText(cause)}`, { cause });
        }
        this.ws = ws;
        ws.binaryType = 'arraybuffer';
        this.opened = new Promise((resolve, reject) => {
            ws.onopen = () => {
                this._state = 'open';
                this.wasOpen = true;
                this.meta = { url: link.url, subprotocol: ws.protocol, extensions: ws.extensions };
                this.lastRx = this.lastTx = Date.now();
                this.wire?.opened?.((d) => ws.send(d));
                this.startTimers();
                this.guard(() => this.cb.onConnect?.(this));
                resolve();
            };
            this.rejectOpen = reject;
            ws.onclose = (e) => this.finish(e);
            // Node 20's WebSocket reports a failed connect with an error event and no close event.
            ws.onerror = () => this._state === 'opening' && this.finish({ code: 1006, reason: '', wasClean: false });
        });
        this.opened.catch(() => { }); // connect() awaits it; an unobserved failure is not an unhandled rejection
        ws.onmessage = (e) => this.onMessage(e.data);
    }
    get state() {
        return this._state;
    }
    /** Bytes accepted by `send` that the WebSocket has not sent yet (`bufferedAmount`). */
    get queuedBytes() {
        return this.ws.bufferedAmount;
    }
    toString() {
        return this.name;
    }
    // ---------------------------------------------------------------- receiving
    onMessage(data) {
        this.lastRx = Date.now();
        if (this.discarding || this._state === 'closed')
            return;
        const binary = typeof data !== 'string';
        // A UTF-16 string has at least as many UTF-8 bytes as code units: too long is too long, unencoded.
        const n = binary ? data.byteLength : data.length;
        let frame;
        if (n <= this.maxMessage)
            frame = binary ? new Uint8Array(data) : utf8.encode(data);
        const size = frame?.length ?? n;
        this.stats.bytesIn += size;
        if (frame === undefined || size > this.maxMessage) {
            return this.fail(new ConnectionError(ErrorCode.WS_MESSAGE_TOO_LARGE, `${this.name}: received a message of ${size}+ bytes, expected no more than ${this.maxMessage}`, {
                closeCode: 1009,
                details: { max: this.maxMessage },
            }));
        }
        let msg;
        try {
            if (this.wire) {
                frame = this.wire.unwrap(frame, binary);
                if (frame === undefined)
                    return;
            }
            msg = this.codec.decode(frame, binary);
        }
        catch (err) {
            const e = asError(err, ErrorCode.DECODE_FAILED, this.name);
            if (this.link.options.decodeErrors === 'skip')
                return this.report(e);
            return this.fail(e);
        }
        this.stats.messagesIn++;
        const p = this.link.protocol;
        const hb = p.heartbeat;
        if (hb?.isHeartbeat && this.attempt(() => hb.isHeartbeat(msg)))
            return;
        if (p.autoReply) {
            const reply = this.attempt(() => p.autoReply(msg));
            if (reply !== undefined)
                this.attempt(() => this.enqueue(reply));
        }
        const on = this.cb.onReceive;
        if (on)
            this.guard(() => on.call(this.cb, this, msg));
        if (this.consumes)
            return;
        this.inbox.push(msg);
        if (this.inbox.length > this.receiveLimit) {
            // RECEIVE_OVERFLOW: a browser cannot stop reading, so a slow consumer ends the connection
            // rather than let the queue grow without bound. What is queued stays readable.
            this.fail(new ConnectionError(ErrorCode.RECEIVE_OVERFLOW, `${this.name}: ${this.inbox.length} received messages wait for a consumer, expected no more than ${this.receiveLimit}`, { details: { max: this.receiveLimit } }));
        }
    }
    claimIterator() {
        if (this.mode === 'callback') {
            throw new ConnectionError(ErrorCode.RECEIVE_MODE_CONFLICT, `${this.name}: messages already go to an onReceive callback; use callbacks or for await, not both`);
        }
        this.mode = 'iterator';
    }
    /** Messages as an async iterator. Ends when the connection closes; throws the error that closed it, if any. */
    [Symbol.asyncIterator]() {
        this.claimIterator();
        return { next: () => this.inbox.next(), return: async () => ({ value: undefined, done: true }) };
    }
    /** The next message. Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, `CONNECTION_CLOSED` (or the closing error) when none will come. */
    async receive(options = {}) {
        this.claimIterator();
        const { timeout } = options;
        const r = await this.inbox.next(timeout, () => new ConnectionError(ErrorCode.RECEIVE_TIMEOUT, `${this.name}: no message within ${timeout} ms`));
        if (r.done)
            throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: closed, no more messages`);
        return r.value;
    }
    /** Errors as they happen: bad input, timeouts, resets. Ends when the connection closes. Holds the newest 64 unread. */
    errors() {
        const q = (this.errq ??= new Queue());
        if (this._state === 'closed')
            q.end();
        return { [Symbol.asyncIterator]: () => ({ next: () => q.next() }) };
    }
    // ---------------------------------------------------------------- sending
    /**
     * Encodes and sends a message; returns at once with what happened (see `SendStatus`): `sent`
     * when nothing was buffered before it, `queued` behind buffered bytes, `backpressured` when
     * `bufferedAmount` is now at or over `highWaterMark`, `dropped` at `maxQueuedBytes`, `closed`.
     * Throws a `CodecError` for a message the codec cannot encode.
     */
    send(msg) {
        return this._state === 'open' ? this.enqueue(msg) : SendStatus.Closed;
    }
    /** Sends when `bufferedAmount` is under the high-water mark, waiting up to `timeout` ms (`timeout` status). */
    async sendWait(msg, options = {}) {
        if (this._state === 'open' && this.ws.bufferedAmount >= this.hwm) {
            const room = await this.drained(options);
            if (this._state === 'open' && !room)
                return SendStatus.Timeout;
        }
        return this.send(msg);
    }
    /** Resolves true when `bufferedAmount` is under the high-water mark (at once if it is); false on timeout or close. */
    drained(options = {}) {
        if (this._state === 'closed')
            return Promise.resolve(false);
        if (this.ws.bufferedAmount < this.hwm)
            return Promise.resolve(true);
        this.watchDrain();
        return new Promise((resolve) => {
            const w = (ok) => (clearTimeout(t), resolve(ok));
            const t = options.timeout === undefined ? undefined : setTimeout(() => {
                this.roomWaiters = this.roomWaiters.filter((x) => x !== w);
                resolve(false);
            }, options.timeout);
            this.roomWaiters.push(w);
        });
    }
    enqueue(msg) {
        const ws = this.ws;
        const before = ws.bufferedAmount;
        if (before >= this.maxQueued) {
            if (this.link.options.overflow === 'close') {
                this.fail(new ConnectionError(ErrorCode.SEND_OVERFLOW, `${this.name}: ${before} bytes buffered for a peer that does not read, expected no more than ${this.maxQueued}`));
            }
            return SendStatus.Dropped;
        }
        const payload = this.codec.encode(msg);
        ws.send(this.wire ? this.wire.wrap(payload) : payload);
        this.lastTx = Date.now();
        const after = ws.bufferedAmount;
        this.stats.messagesOut++;
        this.stats.bytesOut += typeof payload === 'string' ? Math.max(after - before, payload.length) : payload.length;
        const onSent = this.cb.onSent;
        if (onSent)
            this.guard(() => onSent.call(this.cb, this, msg));
        if (after >= this.hwm) {
            this.backpressured = true;
            this.watchDrain();
            return SendStatus.Backpressured;
        }
        return before > 0 ? SendStatus.Queued : SendStatus.Sent;
    }
    /** There is no drain event: look at `bufferedAmount` until it is under the high-water mark. */
    watchDrain() {
        if (this.drainWatch !== undefined)
            return;
        const look = () => {
            this.drainWatch = undefined;
            if (this._state === 'closed')
                return;
            if (this.ws.bufferedAmount >= this.hwm) {
                this.drainWatch = setTimeout(look, DRAIN_POLL_MS);
                return;
            }
            for (const w of this.roomWaiters.splice(0))
                w(true);
            if (this.backpressured) {
                this.backpressured = false;
                this.guard(() => this.cb.onDrain?.(this));
            }
        };
        this.drainWatch = setTimeout(look, DRAIN_POLL_MS);
    }
    // ---------------------------------------------------------------- closing
    /**
     * Graceful close: sends the close frame (`code`, `reason`) after every accepted message and
     * waits for the server's, up to `closeTimeout` ms. Resolves with the close reason. Throws
     * `WS_INVALID_ARGUMENT` for a code a browser may not send (only 1000 and 3000-4999) or a reason
     * over 123 bytes.
     */
    close(options = {}) {
        const code = options.code ?? 1000;
        const reason = options.reason ?? '';
        if (!(code === 1000 || (code >= 3000 && code <= 4999 && code % 1 === 0)) || utf8.encode(reason).length > 123) {
            return Promise.reject(new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `a browser WebSocket closes with 1000 or 3000-4999 and a reason of at most 123 bytes, got ${code} and ${utf8.encode(reason).length} bytes`));
        }
        this.initiator ??= 'local';
        this.shut(code, reason);
        return this.closed;
    }
    /** Closes without waiting for the server: `closed` resolves at once. */
    destroy(error) {
        if (this._state === 'closed')
            return;
        if (error)
            this.record(error);
        this.initiator ??= error ? 'error' : 'local';
        this.shut(error ? wireCode(error) : 1000, '');
        this.finish(undefined);
    }
    async [Symbol.asyncDispose]() {
        await this.close();
    }
    shut(code, reason) {
        if (this._state === 'closing' || this._state === 'closed')
            return;
        this._state = 'closing';
        this.sentCode = code;
        this.sentReason = reason;
        this.stopTimers();
        try {
            this.ws.close(code, reason);
        }
        catch {
            // a socket that cannot close is closed already: the close event ends it
        }
        const ms = this.link.options.closeTimeout ?? Limits.closeTimeout;
        // The close event normally ends it; a server that never answers the close frame does not.
        this.timers.push(setTimeout(() => {
            this.record(new ConnectionError(ErrorCode.CLOSE_TIMEOUT, `${this.name}: the server did not finish closing within ${ms} ms`));
            this.finish(undefined);
        }, ms));
    }
    /** A fatal error: reported, and the connection closed with the error's code (mapped into 4xxx). */
    fail(err) {
        if (this._state === 'closed' || this.discarding)
            return;
        this.discarding = true;
        this.record(err);
        this.initiator ??= 'error';
        this.report(err);
        this.shut(wireCode(err), '');
    }
    record(err) {
        this.closeError ??= err;
    }
    finish(e) {
        if (this._state === 'closed')
            return;
        const wasOpening = !this.wasOpen;
        this._state = 'closed';
        this.stopTimers();
        clearTimeout(this.drainWatch);
        // RFC 6455 7.1.5: 1006 means no close frame came; the server went away (a killed process, a lost network).
        if (e && e.code === 1006 && this.closeError === undefined && this.sentCode === undefined && !wasOpening) {
            this.record(new ConnectionError(ErrorCode.CONNECTION_RESET, `${this.name}: the connection ended without a close frame (1006)`));
            this.initiator ??= 'peer';
        }
        const error = this.closeError;
        const peerCode = e && e.code !== 1005 && e.code !== 1006 ? e.code : undefined;
        const code = peerCode ?? this.sentCode;
        const info = {
            initiator: this.initiator ?? 'peer',
            error,
            clean: error === undefined && e?.wasClean === true,
            ...(code !== undefined && { code, reason: peerCode !== undefined ? e.reason : this.sentReason }),
        };
        this.closeInfo = info;
        this.inbox.end(error !== undefined && error.code !== ErrorCode.CONNECTION_CLOSED ? error : undefined);
        this.errq?.end();
        for (const w of this.roomWaiters.splice(0))
            w(false);
        this.resolveClosed(info);
        if (wasOpening) {
            this.rejectOpen(error ?? new ConnectError(ErrorCode.CONNECT_FAILED, `${this.name}: the WebSocket closed before it opened (code ${e?.code ?? 'none'})`));
        }
        else
            this.guard(() => this.cb.onDisconnect?.(this, info));
    }
    /** @internal For a permanent client: the close info once closed. */
    get info() {
        return this.closeInfo;
    }
    // ---------------------------------------------------------------- timers
    startTimers() {
        const hb = this.link.protocol.heartbeat;
        const idle = this.link.options.idleTimeout ?? 0;
        const hbTimeout = hb?.timeout ?? 0;
        const periods = [hb?.interval, hbTimeout, idle].filter((x) => x !== undefined && x > 0);
        if (periods.length === 0)
            return;
        // One timer for the three: heartbeat sends, the heartbeat's silence timeout, the idle timeout.
        const every = Math.max(1, Math.min(...periods) / 2);
        const tick = () => {
            if (this._state !== 'open')
                return;
            const now = Date.now();
            const quiet = now - this.lastRx;
            for (const [limit, code] of [
                [hbTimeout, ErrorCode.HEARTBEAT_TIMEOUT],
                [idle, ErrorCode.IDLE_TIMEOUT],
            ]) {
                if (limit > 0 && quiet >= limit) {
                    return this.fail(new ConnectionError(code, `${this.name}: nothing received for ${quiet} ms, expected something within ${limit} ms`));
                }
            }
            if (hb && now - this.lastTx >= hb.interval) {
                this.attempt(() => this.enqueue(typeof hb.message === 'function' ? hb.message() : hb.message));
                this.lastTx = now;
            }
            this.timers[0] = setTimeout(tick, every);
        };
        this.timers[0] = setTimeout(tick, every);
    }
    stopTimers() {
        for (const t of this.timers)
            clearTimeout(t);
    }
    // ---------------------------------------------------------------- reporting
    report(err) {
        const q = (this.errq ??= new Queue());
        q.push(err);
        if (q.length > ERROR_BACKLOG)
            q.shift();
        try {
            this.cb.onFail?.(err, this);
        }
        catch {
            // an onFail that throws has nowhere left to report to
        }
    }
    /** Runs user or protocol code; what it throws is reported as `HOOK_FAILED`. */
    attempt(fn) {
        try {
            return fn();
        }
        catch (cause) {
            this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: a callback threw: ${errorText(cause)}`, { cause }));
            return undefined;
        }
    }
    guard(fn) {
        this.attempt(fn);
    }
}
/**
 * The code an error closes with, as a browser may send it: RFC 6455 7.4.1's code (1009 message
 * too big, 1008 policy, 1007 bad UTF-8, 1003 unsupported data, 1011 internal error) moved into
 * the 4000-4999 private range, because `WebSocket.close()` throws for 1001-2999.
 */
export function wireCode(err) {
    const C = ErrorCode;
    const code = err.closeCode ??
        { [C.INVALID_UTF8]: 1007, [C.MESSAGE_TOO_LARGE]: 1009, [C.INVALID_JSON]: 1003, [C.DECODE_FAILED]: 1003 }[err.code] ??
        ([C.SEND_OVERFLOW, C.IDLE_TIMEOUT, C.HEARTBEAT_TIMEOUT, C.RECEIVE_OVERFLOW].includes(err.code) ? 1008 : 1011);
    return code < 3000 ? code + 3000 : code;
}
export function errorText(e) {
    return e instanceof Error ? e.message : String(e);
}
function asError(err, code, name) {
    return isSwitchboardError(err) ? err : new ConnectionError(code, `${name}: ${errorText(err)}`, { cause: err });
}

/**
 * A client that reconnects for ever over the platform's WebSocket: the browser twin of the
 * endpoint's permanent client, with the same options, statuses and outbox.
 *
 *     stopped <-- close()
 *        ^
 *     waiting --(pause over)--> connecting --(ok)--> connected --(link lost)--> waiting
 *        ^                          |
 *        +-------(attempt failed)---+
 *
 * Sends while disconnected go into a bounded outbox, flushed in order after each (re)connect,
 * once the `onConnected` hook (log in, join again) is done.
 */
import { exponentialBackoff } from '../core/backoff.js';
import { ConfigError, ConnectionError, ErrorCode, isSwitchboardError } from '../core/errors.js';
import { Limits } from '../core/limits.js';
import { SendStatus } from '../core/send-status.js';
import { checkOptions, connect, resolveProtocol } from './client.js';
import { errorText } from './connection.js';
import { Queue } from './queue.js';
export class PermanentClient {
    url;
    options;
    name;
    /** Counters: connects, disconnects, failed attempts, outbox drops. */
    stats = { connects: 0, disconnects: 0, failedAttempts: 0, outboxDropped: 0 };
    conn;
    stopped = false;
    flushing = false;
    attempt = 0;
    timer;
    wake;
    outbox = [];
    outboxBytes = 0;
    statusQueue;
    done;
    protocol;
    maxMessages;
    maxBytes;
    consumesByCallback;
    connectedWaiters = [];
    constructor(url, options = {}) {
        this.url = url;
        this.options = options;
        this.name = options.name ? `permanent(${options.name}@${url})` : `permanent(${url})`;
        this.protocol = resolveProtocol(options);
        checkOptions({ ...options, protocol: this.protocol });
        const ob = options.outbox ?? {};
        this.maxMessages = ob.maxMessages ?? Limits.outboxMessages;
        this.maxBytes = ob.maxBytes ?? Limits.outboxBytes;
        if (!(this.maxMessages >= 0) || !(this.maxBytes >= 0)) {
            throw new ConfigError(ErrorCode.INVALID_OPTION, `outbox limits must be >= 0, got ${this.maxMessages} messages, ${this.maxBytes} bytes`);
        }
        const user = options.callbacks;
        this.consumesByCallback = user?.onReceive !== undefined && user.observeOnly !== true;
        this.done = this.run();
    }
    /** The live connection, when there is one. */
    get connection() {
        return this.conn?.state === 'open' ? this.conn : undefined;
    }
    get connected() {
        return this.connection !== undefined && !this.flushing;
    }
    /** Messages waiting in the outbox. */
    get queued() {
        return this.outbox.length;
    }
    /**
     * Sends now when connected (and the outbox is empty), else keeps the message in the outbox:
     * `queued`, or `dropped` when the outbox is full (`reject-new`); with `drop-oldest` the oldest
     * queued message is dropped instead. `closed` once the client is closed.
     */
    send(msg) {
        if (this.stopped)
            return SendStatus.Closed;
        const conn = this.connection;
        if (conn && !this.flushing && this.outbox.length === 0) {
            const status = conn.send(msg);
            if (status !== SendStatus.Closed)
                return status;
        }
        const p = this.protocol.codec.encode(msg); // also rejects a message that cannot be encoded, now
        const size = p.length;
        const fits = () => this.outbox.length < this.maxMessages && this.outboxBytes + size <= this.maxBytes;
        if (!fits()) {
            if (this.options.outbox?.overflow !== 'drop-oldest' || size > this.maxBytes || this.maxMessages === 0) {
                this.stats.outboxDropped++;
                return SendStatus.Dropped;
            }
            while (!fits() && this.outbox.length > 0) {
                this.outboxBytes -= this.outbox.shift().size;
                this.stats.outboxDropped++;
            }
        }
        this.outbox.push({ msg, size });
        this.outboxBytes += size;
        return SendStatus.Queued;
    }
    /** Status changes as an async iterator (connecting, connected, disconnected, failed, retry, stopped). */
    status() {
        const q = (this.statusQueue ??= new Queue());
        return { [Symbol.asyncIterator]: () => ({ next: () => q.next() }) };
    }
    /** Messages from every connection the client makes, in order. Ends when the client is closed. */
    [Symbol.asyncIterator]() {
        if (this.consumesByCallback) {
            throw new ConnectionError(ErrorCode.RECEIVE_MODE_CONFLICT, `${this.name}: messages already go to an onReceive callback; use callbacks or for await, not both`);
        }
        return this.messagesAcrossConnections();
    }
    async *messagesAcrossConnections() {
        while (!this.stopped) {
            const conn = this.conn ?? (await new Promise((resolve) => this.connectedWaiters.push(() => resolve(this.conn))));
            if (conn === undefined || this.stopped)
                return;
            try {
                for await (const msg of conn)
                    yield msg;
            }
            catch {
                // The link failed; the status stream says why. Go on with the next connection.
            }
            if (this.conn === conn)
                await conn.closed;
        }
    }
    /** Stops reconnecting and closes the live connection gracefully. The outbox is discarded. */
    async close() {
        if (!this.stopped) {
            this.stopped = true;
            clearTimeout(this.timer);
            this.wake?.();
            await this.conn?.close();
        }
        await this.done;
    }
    async [Symbol.asyncDispose]() {
        await this.close();
    }
    emit(s) {
        this.statusQueue?.push(s);
        try {
            this.options.onStatus?.(s);
        }
        catch {
            // a status listener that throws does not stop the client
        }
    }
    sleep(ms) {
        return new Promise((resolve) => {
            if (this.stopped)
                return resolve();
            this.wake = resolve;
            this.timer = setTimeout(resolve, ms);
        });
    }
    async run() {
        const o = this.options;
        const random = o.random ?? Math.random;
        const backoff = o.backoff ?? exponentialBackoff();
        if (backoff.initialDelay > 0)
            await this.sleep(backoff.initialDelay);
        while (!this.stopped) {
            this.attempt++;
            this.emit({ type: 'connecting', attempt: this.attempt });
            let conn;
            try {
                conn = await connect(this.url, { ...o, protocol: this.protocol, codec: undefined, timeout: o.attemptTimeout ?? Limits.connectTimeout });
                this.conn = conn;
                this.flushing = true;
                if (this.stopped) {
                    void conn.close(); // close() was called while this attempt was connecting
                    break;
                }
                await o.onConnected?.(conn);
                // Sends the outbox in order, waiting for room when the connection pushes back.
                while (this.outbox.length > 0) {
                    const next = this.outbox[0];
                    const status = await conn.sendWait(next.msg, { timeout: o.closeTimeout ?? Limits.closeTimeout });
                    if (status === SendStatus.Closed || status === SendStatus.Timeout || status === SendStatus.Dropped) {
                        throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: the connection went away while the outbox was flushed (${status})`);
                    }
                    this.outbox.shift();
                    this.outboxBytes -= next.size;
                }
            }
            catch (cause) {
                this.flushing = false;
                const error = isSwitchboardError(cause)
                    ? cause
                    : new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: onConnected failed: ${errorText(cause)}`, { cause });
                conn?.destroy(error);
                this.stats.failedAttempts++;
                this.emit({ type: 'failed', attempt: this.attempt, error });
                if (this.stopped)
                    break;
                const delayMs = backoff.delay(this.attempt, random);
                this.emit({ type: 'retry', attempt: this.attempt, delayMs });
                await this.sleep(delayMs);
                continue;
            }
            this.flushing = false;
            this.attempt = 0;
            this.stats.connects++;
            this.emit({ type: 'connected', conn });
            for (const w of this.connectedWaiters.splice(0))
                w();
            const info = await conn.closed;
            this.conn = undefined;
            this.stats.disconnects++;
            this.emit({ type: 'disconnected', info });
            if (this.stopped)
                break;
            // The link was lost: count it as the first failure, so the schedule starts over.
            const delayMs = backoff.delay(1, random);
            this.emit({ type: 'retry', attempt: 1, delayMs });
            await this.sleep(delayMs);
        }
        this.outbox.length = 0;
        this.outboxBytes = 0;
        this.emit({ type: 'stopped' });
        this.statusQueue?.end();
        for (const w of this.connectedWaiters.splice(0))
            w();
    }
}
/** Starts a client that connects to `url` and reconnects for ever, with backoff, until `close()`. */
export function permanentClient(url, options = {}) {
    return new PermanentClient(url, options);
}

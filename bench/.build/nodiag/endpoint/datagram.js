/**
 * Datagram endpoints: one message per datagram over UDP or Unix datagram sockets, no
 * connection. One endpoint both receives (from anyone who sends to its address) and sends (to
 * any address, or by default to the peer of a `datagramClient`).
 *
 *     receive   datagram -> size check -> codec.decode -> secret_code check -> onReceive / for await { msg, from }
 *     send      send(msg, to) -> secret_code added -> codec.encode -> size check -> one datagram
 *
 * Bad input never closes the endpoint: a datagram over `maxDatagramSize`, one that does not
 * decode, or a named message with a missing or wrong `secret_code` is dropped, counted in
 * `stats` and reported to `onFail` / `errors()`, and the next datagram is read as usual.
 *
 * States: open --(close())--> closed. There is no handshake and no peer to wait for.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { formatAddress, parseDatagramAddress } from '../core/address.js';
import { CodecError, ConfigError, ConnectionError, ErrorCode, FramingError, Limits, SendStatus, SwitchboardError, isSwitchboardError, } from '../core/index.js';
import { Message, namedMessageDatagrams, paramText } from '../core/message/index.js';
import { openDatagramSender, openDatagramSocket, resolveUdpHost, } from '../transport/datagram.js';
import { AsyncQueue } from './async-queue.js';
/** The parameter eventdispatcher checks on datagrams from untrusted senders (`LOG_ROTATE`, `STOP`...). */
export const SECRET_CODE_PARAMETER = 'secret_code';
/** Unread errors `errors()` keeps; older ones are dropped (they still went to `onFail`). */
const ERROR_BACKLOG = 64;
function badOption(name, value, expected) {
    return new ConfigError(ErrorCode.INVALID_OPTION, `${name} must be ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}
/** Checks every option before a socket is opened: a bad value rejects with `INVALID_OPTION` at once. */
function checkOptions(options) {
    const max = options.maxDatagramSize;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= Limits.maxDatagramSize)) {
        throw badOption('maxDatagramSize', max, `an integer from 1 to ${Limits.maxDatagramSize} (the largest UDP payload over IPv4)`);
    }
    const protocol = options.protocol ?? namedMessageDatagrams(max === undefined ? {} : { maxDatagramSize: max });
    if (!protocol.framing.messageOriented) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, `framing "${protocol.framing.name}" cuts a byte stream; a datagram endpoint sends one message per datagram: use datagram() or namedMessageDatagrams()`);
    }
    if (protocol.hooks !== undefined || protocol.heartbeat !== undefined) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'protocol hooks and heartbeats need a connection; a datagram endpoint has none (autoReply works)');
    }
    const maxSize = max ?? Math.min(protocol.framing.maxFrameSize, Limits.maxDatagramSize);
    const q = options.receiveQueue;
    if (q !== undefined && !(Number.isInteger(q) && q > 0))
        throw badOption('receiveQueue', q, 'a positive integer');
    const ct = options.closeTimeout;
    if (ct !== undefined && !(typeof ct === 'number' && ct > 0))
        throw badOption('closeTimeout', ct, 'a positive number');
    const mq = options.maxQueuedBytes;
    if (mq !== undefined && !(typeof mq === 'number' && mq > 0))
        throw badOption('maxQueuedBytes', mq, 'a positive number');
    const secretText = options.secretCode;
    let secret;
    if (secretText !== undefined) {
        if (typeof secretText !== 'string' || secretText === '')
            throw badOption('secretCode', secretText === '' ? '(empty)' : typeof secretText, 'a non-empty string');
        try {
            paramText(SECRET_CODE_PARAMETER, secretText);
        }
        catch (cause) {
            throw new ConfigError(ErrorCode.INVALID_OPTION, `secretCode cannot be sent as a parameter: ${cause.message}`, { cause });
        }
        secret = digest(secretText);
    }
    return { protocol, maxSize, secret, secretText, receiveLimit: q ?? Limits.receiveQueueMessages, maxQueued: mq ?? Limits.datagramMaxQueuedBytes };
}
/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(text) {
    return createHash('sha256').update(text, 'utf8').digest();
}
/**
 * Binds a datagram endpoint to `udp://host:port` (port 0: any free port; `udp://[::1]:0` for
 * IPv6) or `unixgram:///absolute/path`, and resolves once it is ready to receive.
 *
 *     await using ep = await bindDatagram('udp://127.0.0.1:4041', { secretCode: 'x' });
 *     for await (const { msg, from } of ep) if (msg.command === 'LOG_ROTATE') reopenLogs();
 *
 * Rejects with `INVALID_ADDRESS`, `INVALID_OPTION`, `LISTEN_FAILED` (the address is taken) or
 * `UNIXGRAM_UNAVAILABLE`.
 */
export async function bindDatagram(url, options = {}) {
    const local = parseDatagramAddress(url);
    const setup = checkOptions(options);
    const ep = new DatagramEndpoint(setup, options, undefined, 'svc');
    await ep.start((handlers) => openDatagramSocket(local, options, handlers));
    return ep;
}
/**
 * A datagram endpoint whose `send(msg)` goes to `url` by default (eventdispatcher's
 * `ed-signal`): `udp://host:port` or `unixgram:///path`. A UDP host name is resolved once, here.
 * Replies sent back to the client's address are received as on any endpoint.
 *
 *     await using client = await datagramClient('udp://127.0.0.1:4041', { secretCode: 'x' });
 *     client.send(message('LOG_ROTATE'));
 */
export async function datagramClient(url, options = {}) {
    let peer = parseDatagramAddress(url);
    const bind = options.bind === undefined ? undefined : parseDatagramAddress(options.bind);
    if (bind !== undefined && bind.scheme !== peer.scheme) {
        throw new ConfigError(ErrorCode.INVALID_ADDRESS, `bind address ${options.bind} must be ${peer.scheme}:// like the peer ${url}`);
    }
    const setup = checkOptions(options);
    if (peer.scheme === 'udp')
        peer = { scheme: 'udp', host: (await resolveUdpHost(peer.host, peer)).address, port: peer.port };
    const to = peer;
    const ep = new DatagramEndpoint(setup, options, to, 'clt');
    await ep.start((handlers) => (bind === undefined ? openDatagramSender(to, options, handlers) : openDatagramSocket(bind, options, handlers)));
    return ep;
}
/**
 * A bound datagram socket with a codec: see {@link bindDatagram} and {@link datagramClient}.
 * Iterate it (`for await (const { msg, from } of ep)`), call `receive()`, or pass an `onReceive`
 * callback; send with `send(msg, to?)`.
 */
export class DatagramEndpoint {
    setup;
    options;
    role;
    /** `svc(name@udp://127.0.0.1:4000)`, or `clt(name@udp://0.0.0.0:50312->udp://127.0.0.1:4000)` for a client. */
    name = '';
    protocol;
    /** Largest datagram sent or accepted, in bytes. */
    maxDatagramSize;
    /** Where `send(msg)` without `to` goes: the client's peer; `undefined` for `bindDatagram()`. */
    peer;
    stats = {
        received: 0,
        delivered: 0,
        droppedOversize: 0,
        droppedSecret: 0,
        decodeErrors: 0,
        droppedQueueFull: 0,
        sent: 0,
        sendDropped: 0,
        sendErrors: 0,
        bytesIn: 0,
        bytesOut: 0,
    };
    /** Resolves once the endpoint is closed. Never rejects. */
    closed;
    socket;
    _state = 'opening';
    inbox = new AsyncQueue();
    errorQueue = new AsyncQueue();
    mode;
    consumes;
    queueFull = false; // a DATAGRAM_QUEUE_FULL was reported and the queue has not drained to half since
    resolveClosed;
    closing;
    lastTo;
    callbacks;
    /** @internal use `bindDatagram()` or `datagramClient()` */
    constructor(setup, options, peer, role) {
        this.setup = setup;
        this.options = options;
        this.role = role;
        this.protocol = setup.protocol;
        this.maxDatagramSize = setup.maxSize;
        this.peer = peer;
        this.callbacks = options.callbacks;
        this.consumes = this.callbacks?.onReceive !== undefined && this.callbacks.observeOnly !== true;
        this.mode = this.consumes ? 'callback' : 'none';
        this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    }
    /** @internal opens the socket and reports the endpoint ready. */
    async start(open) {
        this.socket = await open({
            message: (data, from) => this.onDatagram(data, from),
            error: (err) => this.report(new ConnectionError(ErrorCode.TRANSPORT_ERROR, `${this.name}: ${err.message}`, { cause: err })),
        });
        if (this.peer !== undefined) {
            // Fail now rather than at the first send: an IPv6 peer with an IPv4 bind address, a path too long.
            try {
                this.socket.checkDestination(this.peer);
            }
            catch (err) {
                await this.socket.close();
                throw err;
            }
        }
        const local = this.socket.local;
        const who = this.options.name ? `${this.options.name}@` : '';
        const here = local === undefined ? '' : formatAddress(local);
        this.name =
            this.role === 'clt' && this.peer !== undefined ? `clt(${who}${here}->${formatAddress(this.peer)})` : `svc(${who}${here})`;
        this._state = 'open';
        const cb = this.callbacks?.onInitialize;
        if (cb !== undefined)
            this.guard(() => cb.call(this.callbacks, this));
    }
    get state() {
        return this._state === 'closed' ? 'closed' : 'open';
    }
    /** The bound address (port 0 resolved); `undefined` for a Unix client that is not bound (it can only send). */
    get address() {
        return this.socket.local;
    }
    /** `udp://127.0.0.1:40123`, `unixgram:///tmp/app.sock`: give it to `datagramClient()`. `''` when not bound. */
    get url() {
        const a = this.socket.local;
        return a === undefined ? '' : formatAddress(a);
    }
    toString() {
        return this.name;
    }
    // ---------------------------------------------------------------- receiving
    onDatagram(data, from) {
        if (this._state !== 'open')
            return;
        const s = this.stats;
        s.received++;
        s.bytesIn += data.length;
        const sender = from === undefined ? 'an unbound sender' : formatAddress(from);
        if (data.length > this.maxDatagramSize) {
            s.droppedOversize++;
            this.report(new FramingError(ErrorCode.FRAME_TOO_LARGE, `${this.name}: datagram from ${sender} is ${data.length} bytes, expected no more than ${this.maxDatagramSize}; dropped`, {
                details: { from: sender, size: data.length, max: this.maxDatagramSize },
            }));
            return;
        }
        let msg;
        try {
            msg = this.protocol.codec.decode(data, undefined);
        }
        catch (err) {
            s.decodeErrors++;
            const e = isSwitchboardError(err)
                ? err
                : new CodecError(ErrorCode.DECODE_FAILED, `${this.name}: datagram from ${sender} could not be decoded: ${errorText(err)}`, { cause: err });
            this.report(e);
            return;
        }
        if (this.setup.secret !== undefined) {
            const checked = this.checkSecret(msg);
            if (checked === undefined) {
                s.droppedSecret++;
                const what = msg instanceof Message ? `${msg.command} ${msg.has(SECRET_CODE_PARAMETER) ? 'has a wrong' : 'has no'} ${SECRET_CODE_PARAMETER}` : `a message that is not a named message (it cannot carry ${SECRET_CODE_PARAMETER})`;
                this.report(new ConnectionError(ErrorCode.SECRET_CODE_MISMATCH, `${this.name}: datagram from ${sender}: ${what}; dropped`, { details: { from: sender } }));
                return;
            }
            msg = checked;
        }
        this.deliver(msg, from);
    }
    /** The message without its secret code when the code is right, else `undefined`. */
    checkSecret(msg) {
        if (!(msg instanceof Message))
            return undefined;
        const got = msg.parameters[SECRET_CODE_PARAMETER];
        if (got === undefined)
            return undefined;
        if (!timingSafeEqual(digest(got), this.setup.secret))
            return undefined;
        return msg.without(SECRET_CODE_PARAMETER);
    }
    deliver(msg, from) {
        const auto = this.protocol.autoReply;
        if (auto !== undefined && from !== undefined) {
            let reply;
            try {
                reply = auto(msg);
            }
            catch (cause) {
                this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: autoReply threw: ${errorText(cause)}`, { cause }));
            }
            if (reply !== undefined) {
                const r = reply;
                this.guardHook('autoReply send', () => void this.send(r, from));
            }
        }
        const cb = this.callbacks?.onReceive;
        if (cb !== undefined)
            this.guard(() => cb.call(this.callbacks, this, msg, from));
        if (this.consumes) {
            this.stats.delivered++;
            return;
        }
        if (this.inbox.length >= this.setup.receiveLimit) {
            this.stats.droppedQueueFull++;
            if (!this.queueFull) {
                // Once per episode: a reader that stopped would otherwise flood onFail.
                this.queueFull = true;
                this.report(new ConnectionError(ErrorCode.DATAGRAM_QUEUE_FULL, `${this.name}: ${this.inbox.length} messages wait to be read, expected no more than ${this.setup.receiveLimit}; new ones are dropped until half are read`));
            }
            return;
        }
        this.stats.delivered++;
        this.inbox.push({ msg, from });
    }
    afterTake() {
        if (this.queueFull && this.inbox.length <= this.setup.receiveLimit >> 1)
            this.queueFull = false;
    }
    claimIterator() {
        if (this.mode === 'callback') {
            throw new ConnectionError(ErrorCode.RECEIVE_MODE_CONFLICT, `${this.name}: messages already go to an onReceive callback; use callbacks or for await, not both`);
        }
        this.mode = 'iterator';
    }
    /** Messages with their sender, as they arrive. Ends when the endpoint closes (after the queued ones). */
    [Symbol.asyncIterator]() {
        this.claimIterator();
        return {
            next: async () => {
                const r = await this.inbox.next();
                this.afterTake();
                return r;
            },
            return: async () => ({ value: undefined, done: true }),
        };
    }
    /**
     * The next message and its sender. Rejects with `RECEIVE_TIMEOUT` after `timeout` ms, or with
     * `CONNECTION_CLOSED` once the endpoint is closed and the queue is empty.
     */
    async receive(options = {}) {
        this.claimIterator();
        const { timeout } = options;
        const r = await this.inbox.next(timeout, () => new ConnectionError(ErrorCode.RECEIVE_TIMEOUT, `${this.name}: no message within ${timeout} ms`));
        this.afterTake();
        if (r.done)
            throw new ConnectionError(ErrorCode.CONNECTION_CLOSED, `${this.name}: closed, no more messages`);
        return r.value;
    }
    /** Errors as they happen: dropped datagrams, failed sends, callbacks that threw. Ends when the endpoint closes. Holds the newest 64 unread. */
    errors() {
        const q = this.errorQueue;
        return { [Symbol.asyncIterator]: () => ({ next: () => q.next() }) };
    }
    // ---------------------------------------------------------------- sending
    /**
     * Encodes `msg` and sends it as one datagram to `to` (a URL or a `from` received earlier), or
     * to the client's peer. Returns at once:
     *
     * - `sent`: handed to the socket. Datagrams may still be lost on the way; nothing says so.
     * - `dropped`: not sent: larger than `maxDatagramSize` (`MESSAGE_TOO_LARGE` to `onFail`),
     *   more than `maxQueuedBytes` waiting in the socket, or refused at once by the system
     *   (unixgram: nobody at the path, the receiver's queue is full: `TRANSPORT_ERROR`).
     * - `closed`: the endpoint is closed.
     *
     * Throws `INVALID_ADDRESS` for a destination this endpoint can never reach (bad URL, other
     * scheme or IP family, no `to` on an endpoint without a peer) and a `CodecError` for a message
     * that cannot be encoded: bugs in the caller, not network conditions.
     */
    send(msg, to) {
        if (this._state !== 'open')
            return SendStatus.Closed;
        const dest = this.destination(to);
        let out = msg;
        const secret = this.setup.secretText;
        if (secret !== undefined && msg instanceof Message && !msg.has(SECRET_CODE_PARAMETER)) {
            out = msg.with(SECRET_CODE_PARAMETER, secret);
        }
        const payload = this.protocol.codec.encode(out);
        // A copy: UDP sends leave asynchronously, and the caller may reuse its buffer at once.
        const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Uint8Array.prototype.slice.call(payload);
        const s = this.stats;
        if (data.length > this.maxDatagramSize) {
            s.sendDropped++;
            this.report(new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `${this.name}: message for ${formatAddress(dest)} is ${data.length} bytes, expected no more than ${this.maxDatagramSize}; not sent`, {
                details: { to: formatAddress(dest), size: data.length, max: this.maxDatagramSize },
            }));
            return SendStatus.Dropped;
        }
        if (this.socket.queuedBytes >= this.setup.maxQueued) {
            s.sendDropped++;
            return SendStatus.Dropped;
        }
        const refused = this.socket.send(data, dest, (err) => this.sendFailed(err, dest));
        if (refused !== undefined) {
            s.sendDropped++;
            this.sendFailed(refused, dest);
            return SendStatus.Dropped;
        }
        s.sent++;
        s.bytesOut += data.length;
        const cb = this.callbacks?.onSent;
        if (cb !== undefined)
            this.guard(() => cb.call(this.callbacks, this, msg, dest));
        return SendStatus.Sent;
    }
    sendFailed(err, dest) {
        this.stats.sendErrors++;
        this.report(new ConnectionError(ErrorCode.TRANSPORT_ERROR, `${this.name}: send to ${formatAddress(dest)} failed: ${err.message}`, {
            cause: err,
            details: { to: formatAddress(dest) },
        }));
    }
    destination(to) {
        let dest;
        if (to === undefined) {
            if (this.peer === undefined) {
                throw new ConfigError(ErrorCode.INVALID_ADDRESS, `${this.name}: send() needs a destination: pass one (a URL or a received \`from\`), or use datagramClient()`);
            }
            return this.peer; // checked when the client was created
        }
        if (typeof to === 'string') {
            if (this.lastTo?.text === to)
                return this.lastTo.address;
            dest = parseDatagramAddress(to);
            this.socket.checkDestination(dest);
            this.lastTo = { text: to, address: dest };
            return dest;
        }
        this.socket.checkDestination(to);
        return to;
    }
    // ---------------------------------------------------------------- closing
    /**
     * Closes: sends already accepted still leave (UDP waits for them, up to `closeTimeout`), then
     * the socket is closed and a Unix socket file it bound is removed. Messages already received
     * stay readable. Resolves when done.
     */
    close() {
        this.closing ??= this.doClose();
        return this.closing;
    }
    async [Symbol.asyncDispose]() {
        await this.close();
    }
    async doClose() {
        this._state = 'closed';
        try {
            await this.socket?.close();
        }
        finally {
            this.inbox.end();
            this.errorQueue.end();
            this.resolveClosed();
            const cb = this.callbacks?.onClose;
            if (cb !== undefined)
                this.guard(() => cb.call(this.callbacks, this));
        }
    }
    // ---------------------------------------------------------------- failures
    /** Tells `onFail` and the error stream. */
    report(err) {
        this.errorQueue.push(err);
        if (this.errorQueue.length > ERROR_BACKLOG)
            this.errorQueue.tryShift(); // keep the newest
        const cb = this.callbacks?.onFail;
        if (cb === undefined)
            return;
        try {
            cb.call(this.callbacks, err, this);
        }
        catch {
            // an onFail that throws has nowhere left to report to
        }
    }
    /** Runs user code; what it throws is reported as `HOOK_FAILED` and the endpoint goes on. */
    guard(fn) {
        this.guardHook('a callback', fn);
    }
    guardHook(what, fn) {
        try {
            fn();
        }
        catch (cause) {
            this.report(new ConnectionError(ErrorCode.HOOK_FAILED, `${this.name}: ${what} threw: ${errorText(cause)}`, { cause }));
        }
    }
}
function errorText(e) {
    return e instanceof Error ? e.message : String(e);
}

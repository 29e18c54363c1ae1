/**
 * Byte-stream transports: TCP (IPv4/IPv6), TLS and Unix stream sockets, as thin adapters over
 * `node:net` and `node:tls`. Opening, reading chunks, writing batches, closing and reporting
 * errors: everything else (framing, backpressure policy, close handshake) lives above.
 */
import net from 'node:net';
import tls from 'node:tls';
import { lstatSync, unlinkSync } from 'node:fs';
import { ConfigError, ConnectError, ErrorCode, Limits, ServerError, formatAddress, hostPort } from '../core/index.js';
const noop = () => { };
/** The handler of a socket nobody took yet: errors are ignored (the close that follows is what counts). */
const IGNORE = { onStreamData: noop, onStreamEnd: noop, onStreamDrain: noop, onStreamError: noop, onStreamClose: noop };
const kStream = Symbol('switchboard.stream');
// One set of listener functions for every socket: `this` is the socket, which knows its StreamSocket.
function onData(chunk) {
    this[kStream].handler.onStreamData(chunk);
}
function onEnd() {
    this[kStream].handler.onStreamEnd();
}
function onDrain() {
    this[kStream].handler.onStreamDrain();
}
function onError(err) {
    this[kStream].handler.onStreamError(err);
}
function onClose() {
    const ss = this[kStream];
    ss.sawClose = true;
    ss.handler.onStreamClose();
}
/** One connected stream socket. */
export class StreamSocket {
    socket;
    unixPath;
    /** @internal the current receiver of the socket's events */
    handler = IGNORE;
    /** @internal the socket emitted 'close' */
    sawClose = false;
    reading = false;
    // Addresses are read now (a closed socket no longer knows its local address) and formatted
    // only when asked: most connections never are, and the label strings cost ~300 bytes a connection.
    localHost;
    localPort;
    remoteHost;
    remotePort;
    constructor(socket, unixPath) {
        this.socket = socket;
        this.unixPath = unixPath;
        if (unixPath === undefined) {
            this.localHost = socket.localAddress;
            this.localPort = socket.localPort;
            this.remoteHost = socket.remoteAddress;
            this.remotePort = socket.remotePort;
        }
        socket[kStream] = this;
        socket.on('end', onEnd);
        socket.on('drain', onDrain);
        socket.on('error', onError);
        socket.on('close', onClose);
    }
    /** `127.0.0.1:50312`, `[::1]:8080` or `unix:/tmp/app.sock`. */
    get local() {
        return this.unixPath !== undefined ? `unix:${this.unixPath}` : hostPort(this.localHost ?? '?', this.localPort);
    }
    get remote() {
        return this.unixPath !== undefined ? `unix:${this.unixPath}` : hostPort(this.remoteHost ?? '?', this.remotePort);
    }
    /**
     * Sends the socket's events to `h` from now on, and starts reading. A socket handed over
     * paused (after an upgrade handshake) flows again; one that already closed reports it.
     */
    setHandler(h) {
        this.handler = h;
        const s = this.socket;
        if (!this.reading) {
            this.reading = true;
            s.on('data', onData);
        }
        if (this.sawClose) {
            queueMicrotask(() => h.onStreamClose());
            return;
        }
        if (s.isPaused())
            s.resume();
    }
    /** Stops delivering events (they are ignored) and pauses reading. */
    release() {
        this.handler = IGNORE;
        this.socket.pause();
    }
    /**
     * Writes a batch of chunks as one corked write. `onWritten` runs once the socket has handed
     * the whole batch to the kernel (or failed to).
     */
    write(chunks, onWritten) {
        const s = this.socket;
        const last = chunks.length - 1;
        const cb = onWritten && (() => onWritten());
        if (last === 0) {
            s.write(chunks[0], cb);
            return;
        }
        s.cork();
        for (let i = 0; i <= last; i++)
            s.write(chunks[i], i === last ? cb : undefined);
        s.uncork();
    }
    /** Bytes the socket holds that the kernel has not taken yet. */
    get writableLength() {
        return this.socket.writableLength;
    }
    get needDrain() {
        return this.socket.writableNeedDrain;
    }
    get destroyed() {
        return this.socket.destroyed;
    }
    /** The peer's TLS certificate when it sent one (verified unless `rejectUnauthorized` is false), else undefined. */
    get peerCertificate() {
        const s = this.socket;
        if (s instanceof tls.TLSSocket) {
            const c = s.getPeerCertificate();
            return c && Object.keys(c).length > 0 ? c : undefined;
        }
        return undefined;
    }
    pause() {
        this.socket.pause();
    }
    resume() {
        this.socket.resume();
    }
    /** Sends FIN once everything queued is written. */
    end() {
        this.socket.end();
    }
    destroy() {
        this.socket.destroy();
    }
}
function applySocketOptions(s, o) {
    if (o.noDelay ?? true)
        s.setNoDelay(true);
    if (o.keepAlive && o.keepAlive > 0)
        s.setKeepAlive(true, o.keepAlive);
}
/**
 * One connection attempt. Resolves when the socket is connected (TLS: after the handshake).
 * Rejects with `CONNECT_FAILED` (cause: the system error) or when `signal` aborts.
 */
export function dial(address, options, signal) {
    return new Promise((resolve, reject) => {
        let socket;
        const common = { allowHalfOpen: true };
        if (address.scheme === 'unix') {
            socket = net.connect({ path: address.path, ...common });
        }
        else if (address.scheme === 'tls') {
            const t = options.tls ?? {};
            socket = tls.connect({
                host: address.host,
                port: address.port,
                ...common,
                ...(t.ca !== undefined && { ca: t.ca }),
                ...(t.cert !== undefined && { cert: t.cert }),
                ...(t.key !== undefined && { key: t.key }),
                rejectUnauthorized: t.rejectUnauthorized ?? true,
                ...(t.alpnProtocols !== undefined && { ALPNProtocols: t.alpnProtocols }),
                ...(net.isIP(address.host) === 0 || t.servername !== undefined ? { servername: t.servername ?? address.host } : {}),
            });
        }
        else {
            socket = net.connect({ host: address.host, port: address.port, ...common });
        }
        const readyEvent = address.scheme === 'tls' ? 'secureConnect' : 'connect';
        let tcpUp = false; // TLS: the TCP connection is up, so a failure now is the TLS handshake's
        const onTcp = () => {
            tcpUp = true;
        };
        const cleanup = () => {
            socket.removeListener(readyEvent, onReady);
            socket.removeListener('connect', onTcp);
            socket.removeListener('error', onError);
            signal?.removeEventListener('abort', onAbort);
        };
        const onReady = () => {
            cleanup();
            applySocketOptions(socket, options);
            resolve(new StreamSocket(socket, address.scheme === 'unix' ? address.path : undefined));
        };
        const onError = (err) => {
            cleanup();
            socket.destroy();
            const tlsFailure = address.scheme === 'tls' && tcpUp;
            reject(new ConnectError(ErrorCode.CONNECT_FAILED, `connect to ${formatAddress(address)} failed: ${err.message}`, {
                cause: err,
                // A certificate that did not verify will not verify on a retry.
                details: { retryable: !tlsFailure },
            }));
        };
        const onAbort = () => {
            cleanup();
            socket.destroy();
            reject(signal?.reason ?? new Error('aborted'));
        };
        if (address.scheme === 'tls')
            socket.once('connect', onTcp);
        if (signal?.aborted) {
            onAbort();
            return;
        }
        socket.once(readyEvent, onReady);
        socket.once('error', onError);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/** A listening socket. */
export class StreamListener {
    server;
    address;
    constructor(server, 
    /** The address actually bound (port 0 resolved). */
    address) {
        this.server = server;
        this.address = address;
    }
    static async open(address, options, onSocket, onError) {
        const isTls = address.scheme === 'tls';
        let server;
        const connectionEvent = isTls ? 'secureConnection' : 'connection';
        if (isTls) {
            const t = options.tls ?? {};
            if (t.cert === undefined || t.key === undefined) {
                throw new ConfigError(ErrorCode.INVALID_OPTION, 'a tls:// server needs tls.cert and tls.key');
            }
            server = tls.createServer({
                // Half-open only once the handshake is done (set per socket below): a half-open socket
                // whose peer leaves during the handshake is never destroyed and keeps close() waiting.
                allowHalfOpen: false,
                cert: t.cert,
                key: t.key,
                ...(t.ca !== undefined && { ca: t.ca }),
                requestCert: t.requestCert ?? false,
                rejectUnauthorized: t.rejectUnauthorized ?? true,
                ...(t.alpnProtocols !== undefined && { ALPNProtocols: t.alpnProtocols }),
            });
            server.on('tlsClientError', (err, s) => {
                onError(err, s.remoteAddress === undefined ? undefined : hostPort(s.remoteAddress, s.remotePort));
                s.destroy();
            });
        }
        else {
            server = net.createServer({ allowHalfOpen: true });
        }
        const unixPath = address.scheme === 'unix' ? address.path : undefined;
        server.on(connectionEvent, (socket) => {
            if (isTls)
                socket.allowHalfOpen = true; // the peer's FIN must not end our side: replies may still leave
            applySocketOptions(socket, options);
            onSocket(new StreamSocket(socket, unixPath));
        });
        const bind = () => new Promise((resolve, reject) => {
            const onErr = (err) => reject(err);
            server.once('error', onErr);
            const done = () => {
                server.removeListener('error', onErr);
                resolve();
            };
            if (address.scheme === 'unix')
                server.listen({ path: address.path, backlog: options.backlog ?? Limits.listenBacklog }, done);
            else
                server.listen({ host: address.host, port: address.port, backlog: options.backlog ?? Limits.listenBacklog, ipv6Only: options.ipv6Only ?? false }, done);
        });
        try {
            try {
                await bind();
            }
            catch (err) {
                // A Unix socket file left by a process that died blocks listen(): replace it if it is a
                // socket and nobody answers on it. Anything else at that path is left alone.
                const inUse = err.code === 'EADDRINUSE';
                if (!(unixPath !== undefined && inUse && (options.unlinkStale ?? true) && (await removeStaleSocket(unixPath))))
                    throw err;
                await bind();
            }
        }
        catch (err) {
            throw new ServerError(ErrorCode.LISTEN_FAILED, `cannot listen on ${formatAddress(address)}: ${err.message}`, {
                cause: err,
            });
        }
        server.on('error', (err) => onError(err, undefined));
        let bound = address;
        if (address.scheme !== 'unix') {
            const a = server.address();
            bound = { scheme: address.scheme, host: address.host, port: a.port };
        }
        return new StreamListener(server, bound);
    }
    /** Stops accepting. Existing sockets are not touched. */
    close() {
        return new Promise((resolve) => {
            if (!this.server.listening)
                return resolve();
            this.server.close(() => resolve());
        });
    }
}
/** A Unix socket file left by a process that died blocks `listen`; remove it if nobody answers. */
/** Removes `path` if it is a Unix socket nobody answers on; true when it was removed. */
async function removeStaleSocket(path) {
    let isSocket = false;
    try {
        isSocket = lstatSync(path).isSocket();
    }
    catch {
        return false;
    }
    if (!isSocket)
        return false;
    const alive = await new Promise((resolve) => {
        const s = net.connect({ path });
        s.once('connect', () => {
            s.destroy();
            resolve(true);
        });
        s.once('error', () => resolve(false));
    });
    if (alive)
        return false;
    try {
        unlinkSync(path);
        return true;
    }
    catch {
        return false;
    }
}
/** Node's pooled allocator: slabs for the write buffer without zero-filling. */
export const allocUnsafe = (n) => Buffer.allocUnsafe(n);

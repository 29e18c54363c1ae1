/**
 * Datagram transports, as thin adapters: bind, receive one datagram at a time, send one
 * datagram, close. Everything else (size checks, decoding, secret codes, queues) lives above.
 *
 * - UDP (IPv4 and IPv6) through `node:dgram`. The socket family follows the host: an IPv6
 *   literal (`::1`, `::`) gives `udp6`, an IPv4 literal `udp4`, a name the family it resolves to.
 * - Unix datagram sockets (AF_UNIX, SOCK_DGRAM) through the optional native package
 *   `unix-dgram`: Node has no such socket of its own. The addon is loaded lazily, the first time
 *   a `unixgram://` socket is opened; when it cannot load (not installed, built for another
 *   Node ABI, no compiler at install time, Windows) that open fails with `UNIXGRAM_UNAVAILABLE`
 *   and UDP is not affected.
 *
 * We call the addon's native functions directly rather than its JavaScript wrapper: the wrapper
 * crashes on a failed `recvmsg` (it reads `.length` of a null buffer) and cannot be closed twice.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { lstatSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { getSystemErrorName } from 'node:util';
import { formatAddress } from '../core/address.js';
import { ConfigError, ErrorCode, ServerError, bytes } from '../core/errors.js';
import { Limits } from '../core/limits.js';
/**
 * Opens a datagram socket bound to `local`: `udp://host:port` (port 0: any free port) or
 * `unixgram:///path`. Rejects with `LISTEN_FAILED` when the address cannot be bound,
 * `INVALID_ADDRESS` for a Unix path too long for the system, `UNIXGRAM_UNAVAILABLE` when Unix
 * datagram sockets cannot be had.
 */
export async function openDatagramSocket(local, options, handlers) {
    if (local.scheme === 'unixgram')
        return UnixgramSocket.open(local.path, options, handlers);
    const { address, family } = await resolveUdpHost(local.host, local);
    return UdpSocket.open(family === 6 ? 'udp6' : 'udp4', address, local.port, options, handlers, local);
}
/**
 * Opens a socket for sending to `peer` without a chosen local address: UDP binds an ephemeral
 * port on the wildcard address of the peer's family (so replies come back); unixgram leaves
 * the socket unbound (send only, as eventdispatcher's `ed-signal`).
 */
export async function openDatagramSender(peer, options, handlers) {
    if (peer.scheme === 'unixgram')
        return UnixgramSocket.open(undefined, options, handlers);
    const { family } = await resolveUdpHost(peer.host, peer);
    return UdpSocket.open(family === 6 ? 'udp6' : 'udp4', family === 6 ? '::' : '0.0.0.0', 0, options, handlers, undefined);
}
/**
 * The IP address and family of a UDP host: literals as they are, names through the system
 * resolver (its first answer). A name that does not resolve is `INVALID_ADDRESS`.
 */
export async function resolveUdpHost(host, shown) {
    const literal = net.isIP(host);
    if (literal === 4 || literal === 6)
        return { address: host, family: literal };
    try {
        const r = await lookup(host);
        return { address: r.address, family: r.family === 6 ? 6 : 4 };
    }
    catch (cause) {
        throw new ConfigError(ErrorCode.INVALID_ADDRESS, `cannot resolve the host of ${formatAddress(shown)}: ${cause.message}`, {
            cause,
        });
    }
}
function badDestination(to, why) {
    return new ConfigError(ErrorCode.INVALID_ADDRESS, `cannot send to ${formatAddress(to)}: ${why}`);
}
// ---------------------------------------------------------------------------------------------
// UDP
class UdpSocket {
    socket;
    kind;
    local;
    closeTimeout;
    closing;
    inFlight = 0; // sends accepted whose callback has not run yet
    flushed; // close() waiting for inFlight to reach 0
    constructor(socket, kind, local, closeTimeout) {
        this.socket = socket;
        this.kind = kind;
        this.local = local;
        this.closeTimeout = closeTimeout;
    }
    static open(kind, address, port, options, handlers, shown) {
        const socket = dgram.createSocket({ type: kind, ipv6Only: options.ipv6Only ?? false, reuseAddr: options.reuseAddr ?? false });
        return new Promise((resolve, reject) => {
            const onBindError = (err) => {
                socket.close();
                const where = shown ? formatAddress(shown) : `udp://${kind === 'udp6' ? '[::]' : '0.0.0.0'}:0`;
                reject(new ServerError(ErrorCode.LISTEN_FAILED, `cannot bind ${where}: ${err.message}`, { cause: err }));
            };
            socket.once('error', onBindError);
            socket.bind({ address, port, exclusive: true }, () => {
                socket.removeListener('error', onBindError);
                socket.on('error', (err) => handlers.error(err));
                socket.on('message', (data, rinfo) => {
                    try {
                        handlers.message(data, { scheme: 'udp', host: rinfo.address, port: rinfo.port });
                    }
                    catch (err) {
                        // An emitter listener that throws would be an uncaught exception: one bad datagram must not end the process.
                        handlers.error(err instanceof Error ? err : new Error(String(err)));
                    }
                });
                const a = socket.address();
                resolve(new UdpSocket(socket, kind, { scheme: 'udp', host: a.address, port: a.port }, options.closeTimeout ?? Limits.closeTimeout));
            });
        });
    }
    get queuedBytes() {
        return this.closing ? 0 : this.socket.getSendQueueSize();
    }
    checkDestination(to) {
        if (to.scheme !== 'udp')
            throw badDestination(to, `a ${this.kind} socket sends to udp:// addresses`);
        const family = net.isIP(to.host);
        if ((family === 6 && this.kind === 'udp4') || (family === 4 && this.kind === 'udp6')) {
            throw badDestination(to, `an IPv${family} address, and this socket is ${this.kind} (the family of the address it was opened with)`);
        }
    }
    send(data, to, onError) {
        if (to.scheme !== 'udp')
            return new Error(`a UDP socket cannot send to ${formatAddress(to)}`);
        if (this.closing)
            return new Error('send after close');
        try {
            this.socket.send(data, to.port, to.host, (err) => {
                if (--this.inFlight === 0)
                    this.flushed?.();
                if (err)
                    onError(err);
            });
            this.inFlight++;
            return undefined;
        }
        catch (err) {
            // Thrown at once: a bad port (0 included) or a closed socket.
            return err instanceof Error ? err : new Error(String(err));
        }
    }
    /**
     * Waits until every accepted send has been handed to the kernel (at most `closeTimeout` ms),
     * then closes. `send()` looks the address up asynchronously, even an IP literal: a socket
     * closed in the same tick would silently drop the datagram (`ed-signal` sends one and exits).
     */
    close() {
        this.closing ??= new Promise((resolve) => {
            const finish = () => {
                clearTimeout(timer);
                this.flushed = undefined;
                try {
                    this.socket.close(() => resolve());
                }
                catch {
                    resolve(); // already closed
                }
            };
            let timer;
            if (this.inFlight === 0)
                return finish();
            this.flushed = finish;
            timer = setTimeout(finish, this.closeTimeout);
            timer.unref?.();
        });
        return this.closing;
    }
}
let loaded;
/**
 * Where a build of the addon for this Node may be, best first: a build named for this Node's
 * ABI (`prebuilds/<platform>-<arch>/node.abi<N>.node`, written by scripts/build-unix-dgram.mjs),
 * then what `npm install` built (for the Node that ran it).
 */
function candidates(dir) {
    return [
        join(dir, 'prebuilds', `${process.platform}-${process.arch}`, `node.abi${process.versions.modules}.node`),
        join(dir, 'build', 'Release', 'unix_dgram.node'),
        join(dir, 'build', 'Debug', 'unix_dgram.node'),
    ];
}
function loadBinding() {
    const unavailable = (why, cause) => ({
        error: new ConfigError(ErrorCode.UNIXGRAM_UNAVAILABLE, `Unix datagram sockets are not available: ${why}`, {
            ...(cause === undefined ? {} : { cause }),
            details: { node: process.version, abi: process.versions.modules, platform: process.platform },
        }),
    });
    if (process.platform === 'win32')
        return unavailable('Windows has no AF_UNIX datagram sockets');
    const require = createRequire(import.meta.url);
    let dir;
    try {
        dir = dirname(require.resolve('unix-dgram/package.json'));
    }
    catch (cause) {
        return unavailable('the optional package unix-dgram is not installed (npm install unix-dgram; it builds with node-gyp)', cause);
    }
    let last;
    for (const file of candidates(dir)) {
        try {
            lstatSync(file);
        }
        catch {
            continue;
        }
        try {
            const b = require(file);
            if (typeof b.socket !== 'function' || typeof b.sendto !== 'function' || typeof b.AF_UNIX !== 'number') {
                last = new Error(`${file} does not have the functions of unix-dgram`);
                continue;
            }
            return { binding: b, file };
        }
        catch (err) {
            last = err; // built for another Node ABI, most likely
        }
    }
    if (last === undefined) {
        return unavailable(`unix-dgram is installed but was not built (no ${join('build', 'Release', 'unix_dgram.node')}): run npm rebuild unix-dgram`);
    }
    const text = (last instanceof Error ? last.message : String(last)).replace(/\s*\n\s*/g, ' ').slice(0, 400);
    return unavailable(`the unix-dgram addon does not load in Node ${process.version} (ABI ${process.versions.modules}): ${text}. ` +
        'Rebuild it for this Node: npm rebuild unix-dgram, or node scripts/build-unix-dgram.mjs', last);
}
function binding() {
    loaded ??= loadBinding();
    if ('error' in loaded)
        throw loaded.error;
    return loaded.binding;
}
/**
 * Whether Unix datagram sockets can be opened here, and if not, why (the `UNIXGRAM_UNAVAILABLE`
 * error `openDatagramSocket` would reject with). Loads the addon on first call.
 */
export function unixgramSupport() {
    loaded ??= loadBinding();
    return 'error' in loaded ? { available: false, error: loaded.error } : { available: true, addon: loaded.file };
}
/**
 * Longest path `sockaddr_un.sun_path` holds, in bytes, without its NUL: 108 - 1 on Linux, 104 - 1
 * on the BSDs and macOS. unix-dgram copies paths with `strncpy`, which would silently cut a
 * longer one and bind or send to another path: so longer paths are refused before.
 */
export const UNIX_PATH_MAX = process.platform === 'linux' ? 107 : 103;
function checkPath(path) {
    const n = Buffer.byteLength(path);
    if (n > UNIX_PATH_MAX) {
        throw new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid address "unixgram://${path}": the path is ${bytes(n)}, expected no more than ${UNIX_PATH_MAX} (the system's socket path limit)`);
    }
}
function errnoError(r, syscall, path) {
    let name;
    try {
        name = getSystemErrorName(r);
    }
    catch {
        name = `errno ${-r}`;
    }
    const e = new Error(`${syscall} ${name}${path === undefined ? '' : ` ${path}`}`);
    e.code = name;
    e.errno = r;
    e.syscall = syscall;
    if (path !== undefined)
        e.path = path;
    return e;
}
const noop = () => { };
class UnixgramSocket {
    b;
    local;
    kind = 'unixgram';
    queuedBytes = 0;
    fd;
    boundIno;
    constructor(b, handlers, local) {
        this.b = b;
        this.local = local;
        // The callback runs from the addon's uv_poll callback: whatever it throws would be an
        // uncaught exception, so nothing may escape it.
        const onRecv = (status, data, path) => {
            try {
                if (status < 0 || data === null) {
                    // EAGAIN / EINTR: another reader got there first, or a signal; nothing was lost.
                    const e = errnoError(status, 'recvmsg');
                    if (e.code !== 'EAGAIN' && e.code !== 'EWOULDBLOCK' && e.code !== 'EINTR')
                        handlers.error(e);
                    return;
                }
                handlers.message(data, path ? { scheme: 'unixgram', path } : undefined);
            }
            catch {
                // the handler must not throw; if it does there is nowhere to report it from here
            }
        };
        const fd = b.socket(b.AF_UNIX, b.SOCK_DGRAM, 0, onRecv, noop);
        if (fd < 0)
            throw errnoError(fd, 'socket');
        this.fd = fd;
    }
    static async open(path, options, handlers) {
        const b = binding();
        if (path === undefined)
            return new UnixgramSocket(b, handlers, undefined);
        checkPath(path);
        const s = new UnixgramSocket(b, handlers, { scheme: 'unixgram', path });
        let r = b.bind(s.fd, path);
        if (r < 0 && getSystemErrorName(r) === 'EADDRINUSE' && (options.unlinkStale ?? true) && removeStaleSocket(b, path)) {
            r = b.bind(s.fd, path);
        }
        if (r < 0) {
            s.closeFd();
            const err = errnoError(r, 'bind', path);
            throw new ServerError(ErrorCode.LISTEN_FAILED, `cannot bind unixgram://${path}: ${err.message}`, { cause: err });
        }
        try {
            s.boundIno = lstatSync(path).ino;
        }
        catch {
            // removed under our feet: nothing to clean up at close
        }
        return s;
    }
    checkDestination(to) {
        if (to.scheme !== 'unixgram')
            throw badDestination(to, 'a Unix datagram socket sends to unixgram:// addresses');
        checkPath(to.path);
    }
    send(data, to, _onError) {
        if (to.scheme !== 'unixgram')
            return new Error(`a Unix datagram socket cannot send to ${formatAddress(to)}`);
        if (this.fd < 0)
            return errnoError(-9, 'sendto'); // EBADF
        try {
            checkPath(to.path);
        }
        catch (err) {
            return err;
        }
        // sendto() on a non-blocking socket: done, or refused at once (ENOENT, ECONNREFUSED: nobody
        // at the path; EAGAIN: the receiver's queue is full; EMSGSIZE).
        const r = this.b.sendto(this.fd, data, 0, data.byteLength, to.path);
        return r < 0 ? errnoError(r, 'sendto', to.path) : undefined;
    }
    close() {
        if (this.fd >= 0) {
            this.closeFd();
            // Remove the socket file we bound, unless something else replaced it since.
            const path = this.local?.scheme === 'unixgram' ? this.local.path : undefined;
            if (path !== undefined && this.boundIno !== undefined) {
                try {
                    if (lstatSync(path).ino === this.boundIno)
                        unlinkSync(path);
                }
                catch {
                    // already gone
                }
            }
        }
        return Promise.resolve();
    }
    closeFd() {
        const fd = this.fd;
        this.fd = -1;
        this.b.close(fd); // also stops the watcher; the addon asserts if a fd is closed twice
    }
}
/**
 * A socket file left by a process that died blocks `bind()`: remove it when it is a socket and
 * nobody receives on it (a datagram `connect()` to it is refused). Anything else is left alone.
 */
function removeStaleSocket(b, path) {
    try {
        if (!lstatSync(path).isSocket())
            return false;
    }
    catch {
        return false;
    }
    const probe = b.socket(b.AF_UNIX, b.SOCK_DGRAM, 0, noop, noop);
    if (probe < 0)
        return false;
    const r = b.connect(probe, path);
    b.close(probe);
    if (r >= 0 || getSystemErrorName(r) !== 'ECONNREFUSED')
        return false;
    try {
        unlinkSync(path);
        return true;
    }
    catch {
        return false;
    }
}

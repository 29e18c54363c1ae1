import { ConfigError, ErrorCode } from './errors.js';
/** Schemes Switchboard understands. Stream schemes carry framed messages over a byte stream. */
export const Scheme = {
    tcp: 'tcp',
    tls: 'tls',
    unix: 'unix',
};
/** Datagram schemes: one message per datagram, no connection (see `bindDatagram()`). */
export const DatagramScheme = {
    udp: 'udp',
    unixgram: 'unixgram',
};
/**
 * Parses `tcp://host:port`, `tls://host:port`, `tcp://[::1]:port` or `unix:///absolute/path`.
 * Port 0 asks the system for a free port (servers only). The datagram schemes (`udp`,
 * `unixgram`) are refused here with a hint: they are read by {@link parseDatagramAddress}.
 */
export function parseAddress(url) {
    const { scheme, rest } = splitScheme(url, 'tcp://127.0.0.1:4000 or unix:///tmp/app.sock');
    if (scheme === 'unix')
        return { scheme, path: parsePath(url, rest, 'unix') };
    if (scheme === 'udp' || scheme === 'unixgram') {
        throw bad(url, `"${scheme}" is a datagram scheme: use bindDatagram() or datagramClient(), not a stream connection`);
    }
    if (scheme === 'ws' || scheme === 'wss') {
        throw bad(url, `"${scheme}" is a WebSocket scheme: pass the URL to connect() or listen(); parseAddress() reads tcp, tls and unix`);
    }
    if (scheme !== 'tcp' && scheme !== 'tls')
        throw bad(url, `unknown scheme "${scheme}", expected ${EVERY_SCHEME}`);
    return { scheme, ...parseHostPort(url, rest) };
}
/**
 * Parses `udp://host:port`, `udp://[::1]:port` or `unixgram:///absolute/path` (the same rules as
 * {@link parseAddress}: one host:port and nothing else, an absolute path with `%`-escapes).
 * A `unixgram` path may not hold NUL (`%00`): the system would cut the path there.
 */
export function parseDatagramAddress(url) {
    const { scheme, rest } = splitScheme(url, 'udp://127.0.0.1:4000 or unixgram:///tmp/app.sock');
    if (scheme === 'unixgram') {
        const path = parsePath(url, rest, 'unixgram');
        if (path.includes('\0'))
            throw bad(url, 'the path holds NUL (%00)');
        return { scheme, path };
    }
    if (scheme === 'tcp' || scheme === 'tls' || scheme === 'unix') {
        throw bad(url, `"${scheme}" is a stream scheme: use connect() or listen(); datagrams use udp or unixgram`);
    }
    if (scheme === 'ws' || scheme === 'wss') {
        throw bad(url, `"${scheme}" is a WebSocket scheme: use connect() or listen(); datagrams use udp or unixgram`);
    }
    if (scheme !== 'udp')
        throw bad(url, `unknown scheme "${scheme}", expected ${EVERY_SCHEME}`);
    return { scheme, ...parseHostPort(url, rest) };
}
/** Every scheme, for "unknown scheme" messages: the user may have meant any of them. */
const EVERY_SCHEME = 'tcp, tls, unix, ws, wss, udp or unixgram';
function splitScheme(url, example) {
    const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url);
    if (!m)
        throw bad(url, `expected scheme://..., for example ${example}`);
    return { scheme: m[1].toLowerCase(), rest: m[2] };
}
function parsePath(url, rest, scheme) {
    if (!rest.startsWith('/') || rest.length < 2)
        throw bad(url, `expected ${scheme}:///absolute/path`);
    try {
        return decodeURIComponent(rest);
    }
    catch {
        throw bad(url, 'the path has a malformed %-escape');
    }
}
function parseHostPort(url, rest) {
    // The URL parser silently strips tabs and newlines and ignores an empty "?" or "#": refuse them here.
    if (/[\x00-\x20\x7f?#@\\]/.test(rest))
        throw bad(url, 'expected only host:port after the scheme');
    let u;
    try {
        u = new URL(`http://${rest}`);
    }
    catch {
        throw bad(url, 'expected host:port');
    }
    if (u.pathname !== '/' || u.search || u.hash || u.username || u.password)
        throw bad(url, 'expected only host:port after the scheme');
    // Read the port from the text: the URL parser drops a port equal to http's default (80).
    const portText = /:(\d+)\/?$/.exec(rest)?.[1];
    if (portText === undefined)
        throw bad(url, 'a port is required');
    const port = Number(portText);
    let host = u.hostname;
    if (host.startsWith('[') && host.endsWith(']'))
        host = host.slice(1, -1);
    if (host === '')
        throw bad(url, 'a host is required');
    return { host, port };
}
/** `127.0.0.1:8080`, `[::1]:8080`. */
export function hostPort(host, port) {
    const h = host.includes(':') ? `[${host}]` : host;
    return port === undefined ? h : `${h}:${port}`;
}
/** `tcp://127.0.0.1:4000`, `udp://[::1]:4000`, `unix:///tmp/app.sock`, `unixgram:///tmp/app.sock`. */
export function formatAddress(a) {
    // parseAddress decodes %-escapes in a unix path, so a literal "%" is written as "%25".
    return a.scheme === 'unix' || a.scheme === 'unixgram'
        ? `${a.scheme}://${a.path.replace(/%/g, '%25')}`
        : `${a.scheme}://${hostPort(a.host, a.port)}`;
}
function bad(url, why) {
    return new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid address "${url}": ${why}`);
}

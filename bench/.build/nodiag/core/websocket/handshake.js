/**
 * The opening handshake (RFC 6455 4): the client's upgrade request and the server's answer.
 *
 *     client                                          server
 *       | GET /chat HTTP/1.1                            |
 *       | Host, Upgrade: websocket, Connection: Upgrade |
 *       | Sec-WebSocket-Key: <16 random bytes, base64>  |
 *       | Sec-WebSocket-Version: 13                     |
 *       | [Origin] [Sec-WebSocket-Protocol]             |
 *       | [Sec-WebSocket-Extensions] [Authorization]    |
 *       |---------------------------------------------->|  parseUpgradeRequest(): 400/405/426
 *       |                                               |  check(): 401/403/404...
 *       |          HTTP/1.1 101 Switching Protocols     |
 *       |   Sec-WebSocket-Accept: base64(sha1(key+GUID))|
 *       |<----------------------------------------------|
 *       | checked by ClientHandshake.receive()          |
 *       |<=============== frames both ways ============>|
 *
 * Sans-I/O: SHA-1 and random bytes are injected (`sha1`, `random`); the core has no hashing.
 * src/transport/ws-crypto.ts has the node:crypto versions.
 *
 * Error answers are short and fixed: the status line, `Connection: close`, and the reason
 * phrase as body. Why a request was refused goes to the local log (the error), never to the peer.
 */
import { ConfigError, ErrorCode } from '../errors.js';
import { base64Decode, base64Encode } from './base64.js';
import { acceptDeflateResponse, deflateOffer, formatExtensions, negotiateDeflate, parseExtensions, PERMESSAGE_DEFLATE, } from './deflate.js';
import { HandshakeError } from './errors.js';
import { isFieldValue, isToken, listHasToken, requestHeadReader, responseHeadReader, splitList, } from './http-head.js';
/** RFC 6455 1.3: the GUID appended to the key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const ascii = (s) => {
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++)
        b[i] = s.charCodeAt(i) & 0xff;
    return b;
};
/** RFC 6455 4.2.2 (5.4): `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)). */
export function acceptKey(key, sha1) {
    return base64Encode(sha1(ascii(key + WEBSOCKET_GUID)));
}
/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64 (RFC 6455 4.1). */
export function generateKey(random) {
    const b = random(16);
    if (b.length !== 16)
        throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `random(16) returned ${b.length} bytes`);
    return base64Encode(b);
}
const REASONS = {
    101: 'Switching Protocols',
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    408: 'Request Timeout',
    409: 'Conflict',
    410: 'Gone',
    414: 'URI Too Long',
    426: 'Upgrade Required',
    429: 'Too Many Requests',
    431: 'Request Header Fields Too Large',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
};
/** Header names the handshake writes itself; extra headers may not set them. */
const RESERVED = new Set([
    'upgrade',
    'connection',
    'sec-websocket-key',
    'sec-websocket-version',
    'sec-websocket-accept',
    'sec-websocket-extensions',
    'sec-websocket-protocol',
    'content-length',
    'transfer-encoding',
]);
/** Header names an error answer writes itself. */
const RESERVED_IN_ERRORS = new Set(['connection', 'content-length', 'content-type', 'transfer-encoding']);
function headerLines(headers, what, reserved = RESERVED) {
    let s = '';
    if (headers === undefined)
        return s;
    for (const [name, value] of Object.entries(headers)) {
        if (!isToken(name))
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `${what}: ${JSON.stringify(name)} is not a valid header name`);
        if (reserved.has(name.toLowerCase()))
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `${what}: ${name} is set by the handshake itself`);
        // No CR, LF or NUL: a value cannot inject header lines.
        if (!isFieldValue(value))
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `${what}: the value of ${name} has control characters`);
        s += `${name}: ${value}\r\n`;
    }
    return s;
}
/**
 * A complete HTTP error answer: status line, `Connection: close`, a plain-text body holding only
 * the reason phrase, and `headers` (for example `Sec-WebSocket-Version: 13` with 426). Write it,
 * then close the connection.
 */
export function httpErrorResponse(status, headers) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `an HTTP error answer needs a status from 400 to 599, got ${status}`);
    }
    const reason = REASONS[status] ?? (status < 500 ? 'Client Error' : 'Server Error');
    const body = `${reason}\n`;
    return ascii(`HTTP/1.1 ${status} ${reason}\r\n` +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${body.length}\r\n` +
        headerLines(headers, 'error answer headers', RESERVED_IN_ERRORS) +
        '\r\n' +
        body);
}
/** The answer to a {@link HandshakeError} raised while reading or checking a request. */
export function handshakeErrorResponse(error) {
    return httpErrorResponse(error.status >= 400 && error.status <= 599 ? error.status : 400, error.headers);
}
const badRequest = (why, status = 400, headers) => new HandshakeError(ErrorCode.WS_BAD_REQUEST, `not a valid WebSocket upgrade request: ${why}`, status, headers ? { headers } : {});
/**
 * Checks a request head against RFC 6455 4.2.1. Throws a {@link HandshakeError} whose `status`
 * and `headers` make the answer (`handshakeErrorResponse(err)`):
 * - 405 with `Allow: GET` for another method;
 * - 400 for HTTP older than 1.1, a target not starting with `/`, no `Host` or several, a
 *   `Sec-WebSocket-Key` that is not 16 bytes in base64, malformed protocol or extension lists;
 * - 426 with `Upgrade: websocket` when `Upgrade: websocket` or `Connection: Upgrade` is missing
 *   (a plain HTTP request);
 * - 426 with `Sec-WebSocket-Version: 13` (`WS_UNSUPPORTED_VERSION`) for another version.
 */
export function parseUpgradeRequest(head) {
    const h = head.headers;
    // RFC 6455 4.1 (2): "The method of the request MUST be GET, and the HTTP version MUST be at
    // least 1.1."
    if (head.method !== 'GET')
        throw badRequest(`method ${head.method}, expected GET`, 405, { Allow: 'GET' });
    const [major, minor] = head.version.slice(5).split('.').map(Number);
    if (major !== 1 || minor < 1)
        throw badRequest(`${head.version}, expected HTTP/1.1`);
    if (!head.target.startsWith('/'))
        throw badRequest(`request target ${JSON.stringify(head.target.slice(0, 60))}, expected a path`);
    // RFC 6455 4.1 (4) and RFC 9112 3.2: exactly one Host.
    const hosts = h.getAll('Host');
    if (hosts.length !== 1 || hosts[0] === '')
        throw badRequest(`${hosts.length} Host header fields, expected one`);
    // RFC 6455 4.2.1 (3), (4): Upgrade contains "websocket", Connection contains "Upgrade",
    // both case-insensitive, both possibly lists.
    if (!listHasToken(h.get('Upgrade'), 'websocket')) {
        throw badRequest(`Upgrade is ${JSON.stringify(h.get('Upgrade') ?? null)}, expected websocket`, 426, { Upgrade: 'websocket' });
    }
    if (!listHasToken(h.get('Connection'), 'upgrade')) {
        throw badRequest(`Connection is ${JSON.stringify(h.get('Connection') ?? null)}, expected it to hold Upgrade`, 426, { Upgrade: 'websocket' });
    }
    // RFC 6455 4.2.2: a version the server does not speak gets 426 and the versions it does.
    const version = h.get('Sec-WebSocket-Version');
    if (version !== '13') {
        throw new HandshakeError(ErrorCode.WS_UNSUPPORTED_VERSION, `Sec-WebSocket-Version is ${JSON.stringify(version ?? null)}, expected 13`, 426, { headers: { 'Sec-WebSocket-Version': '13' } });
    }
    // RFC 6455 4.2.1 (5): "a base64-encoded value that, when decoded, is 16 bytes in length".
    const keys = h.getAll('Sec-WebSocket-Key');
    const key = keys.length === 1 ? keys[0] : '';
    if (keys.length !== 1 || base64Decode(key)?.length !== 16) {
        throw badRequest(keys.length === 1 ? `Sec-WebSocket-Key ${JSON.stringify(key.slice(0, 40))} is not 16 bytes in base64` : `${keys.length} Sec-WebSocket-Key header fields, expected one`);
    }
    const subprotocols = [];
    for (const v of h.getAll('Sec-WebSocket-Protocol')) {
        for (const p of splitList(v)) {
            if (!isToken(p))
                throw badRequest(`Sec-WebSocket-Protocol element ${JSON.stringify(p.slice(0, 40))} is not a token`);
            subprotocols.push(p);
        }
    }
    const extHeader = h.get('Sec-WebSocket-Extensions');
    const extensions = extHeader === undefined ? [] : parseExtensions(extHeader);
    if (extensions === undefined)
        throw badRequest('Sec-WebSocket-Extensions does not follow RFC 6455 9.1');
    return { head, path: head.target, host: hosts[0], origin: h.get('Origin'), key, subprotocols, extensions };
}
/** Builds the 101 answer to a valid request: accept key, subprotocol choice, extension negotiation. */
export function acceptUpgrade(request, options) {
    let subprotocol;
    if (options.selectSubprotocol) {
        subprotocol = options.selectSubprotocol(request.subprotocols, request);
        if (subprotocol !== undefined && !request.subprotocols.includes(subprotocol)) {
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `selectSubprotocol chose ${JSON.stringify(subprotocol)}, which the client did not offer`);
        }
    }
    else if (options.subprotocols) {
        // RFC 6455 4.2.2 (5.4): the server selects one of the client's values, or none.
        subprotocol = request.subprotocols.find((p) => options.subprotocols.includes(p));
    }
    let deflate;
    let extLine = '';
    if (options.deflate) {
        const agreed = negotiateDeflate(request.extensions, options.deflate === true ? {} : options.deflate);
        if (agreed) {
            deflate = agreed.params;
            extLine = `Sec-WebSocket-Extensions: ${formatExtensions([agreed.response])}\r\n`;
        }
    }
    const response = ascii('HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(request.key, options.sha1)}\r\n` +
        (subprotocol !== undefined ? `Sec-WebSocket-Protocol: ${subprotocol}\r\n` : '') +
        extLine +
        headerLines(options.headers, '101 answer headers') +
        '\r\n');
    return { response, subprotocol, deflate };
}
/**
 * The server's side of the handshake as one object:
 *
 *     const hs = new ServerHandshake({ sha1, subprotocols: ['chat'], deflate: true });
 *     const r = hs.receive(chunk);          // undefined: not yet
 *     if (r) { write(r.response); if (!r.ok) end(); else startProtocol(r.deflate, r.rest); }
 */
export class ServerHandshake {
    reader;
    options;
    finished = false;
    constructor(options) {
        this.options = options;
        this.reader = requestHeadReader(options.limits);
    }
    /** Feeds received bytes (ownership passes to the handshake). `undefined` until the head is complete. */
    receive(chunk) {
        if (this.finished)
            throw new Error('ServerHandshake.receive() called after the handshake finished');
        this.reader.push(chunk);
        let request;
        try {
            const head = this.reader.read();
            if (head === undefined)
                return undefined;
            this.finished = true;
            request = parseUpgradeRequest(head);
            const refusal = this.options.check?.(request);
            if (refusal !== undefined) {
                const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `the server's check refused the request with ${refusal.status}`, refusal.status, {
                    ...(refusal.headers ? { headers: refusal.headers } : {}),
                });
                return { ok: false, response: httpErrorResponse(refusal.status, refusal.headers), error, request };
            }
            const accepted = acceptUpgrade(request, this.options);
            return { ok: true, request, ...accepted, rest: this.reader.rest() };
        }
        catch (err) {
            if (!(err instanceof HandshakeError))
                throw err;
            this.finished = true;
            return { ok: false, response: handshakeErrorResponse(err), error: err, request };
        }
    }
}
const invalidUrl = (why) => new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `invalid WebSocket URL: ${why}`);
const failed = (why, response) => new HandshakeError(ErrorCode.WS_HANDSHAKE_FAILED, `invalid handshake response: ${why}`, response?.status ?? 0, response ? { response } : {});
/**
 * The client's side of the handshake:
 *
 *     const hs = new ClientHandshake({ url: 'ws://localhost:8080/chat', sha1, random });
 *     write(hs.request);
 *     const r = hs.receive(chunk);   // undefined: not yet; throws HandshakeError
 *     if (r) startProtocol(r.deflate, r.rest);
 */
export class ClientHandshake {
    /** The request bytes to write. */
    request;
    /** The `Sec-WebSocket-Key` sent. */
    key;
    /** The host and port to connect to, and whether TLS is needed (`wss:`). */
    target;
    reader;
    options;
    deflateOptions;
    finished = false;
    constructor(options) {
        this.options = options;
        let url;
        try {
            url = typeof options.url === 'string' ? new URL(options.url) : options.url;
        }
        catch (cause) {
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `invalid WebSocket URL ${JSON.stringify(String(options.url))}`, { cause });
        }
        if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
            throw invalidUrl(`scheme ${url.protocol}, expected ws: or wss:`);
        // RFC 6455 3: "Fragment identifiers are meaningless in the context of WebSocket URIs and
        // MUST NOT be used on these URIs."
        if (url.hash !== '' || String(url).includes('#'))
            throw invalidUrl('a fragment (#...) is not allowed');
        if (url.hostname === '')
            throw invalidUrl('no host');
        const secure = url.protocol === 'wss:';
        const path = (url.pathname || '/') + url.search;
        const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
        this.target = { host: hostname, port: url.port === '' ? (secure ? 443 : 80) : Number(url.port), secure, path };
        for (const p of options.subprotocols ?? []) {
            if (!isToken(p))
                throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `subprotocol ${JSON.stringify(p)} is not a token`);
        }
        if (new Set(options.subprotocols ?? []).size !== (options.subprotocols ?? []).length) {
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, 'subprotocols are listed twice');
        }
        if (options.origin !== undefined && !isFieldValue(options.origin)) {
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, 'origin has control characters');
        }
        this.deflateOptions = options.deflate ? (options.deflate === true ? {} : options.deflate) : undefined;
        this.key = generateKey(options.random);
        const extra = options.headers ?? {};
        const has = (name) => Object.keys(extra).some((k) => k.toLowerCase() === name);
        let head = `GET ${path} HTTP/1.1\r\n`;
        // RFC 6455 4.1 (4): Host, with the port when it is not the default one (URL.host does that).
        if (!has('host'))
            head += `Host: ${url.host}\r\n`;
        head += 'Upgrade: websocket\r\nConnection: Upgrade\r\n';
        head += `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n`;
        if (options.origin !== undefined && !has('origin'))
            head += `Origin: ${options.origin}\r\n`;
        if (options.subprotocols && options.subprotocols.length > 0)
            head += `Sec-WebSocket-Protocol: ${options.subprotocols.join(', ')}\r\n`;
        if (this.deflateOptions)
            head += `Sec-WebSocket-Extensions: ${formatExtensions([deflateOffer(this.deflateOptions)])}\r\n`;
        if ((url.username !== '' || url.password !== '') && !has('authorization')) {
            let credentials;
            try {
                credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
            }
            catch (cause) {
                throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, 'invalid %-escape in the URL user info', { cause });
            }
            head += `Authorization: Basic ${base64Encode(new TextEncoder().encode(credentials))}\r\n`;
        }
        head += headerLines(extra, 'request headers');
        head += '\r\n';
        this.request = ascii(head);
        this.reader = responseHeadReader(options.limits);
    }
    /**
     * Feeds received bytes (ownership passes to the handshake). `undefined` until the response
     * head is complete. Throws a {@link HandshakeError}: `WS_HANDSHAKE_REFUSED` when the server
     * answered with another status than 101 (`status` is that status, `response` the head),
     * `WS_HANDSHAKE_FAILED` when the 101 answer breaks RFC 6455 4.2.2 / RFC 7692, or
     * `WS_HEAD_TOO_LARGE`.
     */
    receive(chunk) {
        if (this.finished)
            throw new Error('ClientHandshake.receive() called after the handshake finished');
        this.reader.push(chunk);
        let response;
        try {
            response = this.reader.read();
        }
        catch (err) {
            this.finished = true;
            if (err instanceof HandshakeError && err.code === ErrorCode.WS_HEAD_TOO_LARGE) {
                throw new HandshakeError(ErrorCode.WS_HEAD_TOO_LARGE, `server's answer: ${err.message}`, 0, { cause: err });
            }
            throw new HandshakeError(ErrorCode.WS_HANDSHAKE_FAILED, `invalid handshake response: ${err instanceof Error ? err.message : String(err)}`, 0, { cause: err });
        }
        if (response === undefined)
            return undefined;
        this.finished = true;
        const result = this.check(response);
        return { ...result, response, rest: this.reader.rest() };
    }
    check(res) {
        const h = res.headers;
        // RFC 6455 4.1: "If the status code received from the server is not 101, the client handles
        // the response per HTTP procedures" - here: the connection is refused.
        if (res.status !== 101) {
            throw new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `server answered ${res.status} ${res.reason}, expected 101`, res.status, { response: res });
        }
        if (res.version !== 'HTTP/1.1')
            throw failed(`${res.version}, expected HTTP/1.1`, res);
        // RFC 6455 4.1, points 2-4 of the client's checks on the response.
        if (!listHasToken(h.get('Upgrade'), 'websocket'))
            throw failed(`Upgrade is ${JSON.stringify(h.get('Upgrade') ?? null)}, expected websocket`, res);
        if (!listHasToken(h.get('Connection'), 'upgrade'))
            throw failed(`Connection is ${JSON.stringify(h.get('Connection') ?? null)}, expected Upgrade`, res);
        const accept = h.getAll('Sec-WebSocket-Accept');
        const expected = acceptKey(this.key, this.options.sha1);
        if (accept.length !== 1 || accept[0] !== expected) {
            throw failed(`Sec-WebSocket-Accept is ${JSON.stringify(accept.join(', '))}, expected ${expected}`, res);
        }
        // RFC 6455 4.1 (6): a subprotocol "that was not present in the client's handshake" fails.
        let subprotocol;
        const protos = h.getAll('Sec-WebSocket-Protocol');
        if (protos.length > 0) {
            const list = protos.flatMap(splitList);
            if (list.length !== 1)
                throw failed(`Sec-WebSocket-Protocol has ${list.length} values, expected one`, res);
            if (!(this.options.subprotocols ?? []).includes(list[0]))
                throw failed(`subprotocol ${JSON.stringify(list[0])} was not offered`, res);
            subprotocol = list[0];
        }
        // RFC 6455 4.1 (5): an extension "not present in the client's handshake" fails.
        let deflate;
        const extHeader = h.get('Sec-WebSocket-Extensions');
        if (extHeader !== undefined) {
            const exts = parseExtensions(extHeader);
            if (exts === undefined)
                throw failed('Sec-WebSocket-Extensions does not follow RFC 6455 9.1', res);
            for (const ext of exts) {
                if (ext.name.toLowerCase() !== PERMESSAGE_DEFLATE || this.deflateOptions === undefined)
                    throw failed(`extension ${ext.name} was not offered`, res);
                if (deflate !== undefined)
                    throw failed('permessage-deflate accepted twice', res);
                try {
                    deflate = acceptDeflateResponse(ext, this.deflateOptions);
                }
                catch (err) {
                    if (err instanceof HandshakeError)
                        throw new HandshakeError(err.code, err.message, res.status, { response: res });
                    throw err;
                }
            }
        }
        return { subprotocol, deflate };
    }
}

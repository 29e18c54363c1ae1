import { ClientHandshake, HandshakeError, HttpHeaders, acceptUpgrade, handshakeErrorResponse, httpErrorResponse, parseUpgradeRequest, requestHeadReader, } from '../core/websocket/index.js';
import { ConfigError, ConnectError, ErrorCode, ServerError } from '../core/index.js';
import { createDeflateCompressor, deflateAvailable } from './deflate.js';
import { dial, StreamSocket } from './stream.js';
import { nodeRandom, nodeSha1 } from './ws-crypto.js';
export { nodeRandom, nodeSha1 };
/** True for `ws://` and `wss://` URLs. */
export function isWebSocketUrl(url) {
    return /^wss?:\/\//i.test(url);
}
function compressionOption(c) {
    if (c === false || !deflateAvailable)
        return false;
    return c === true || c === undefined ? {} : c;
}
/**
 * One attempt: connects TCP (or TLS for `wss://`), sends the upgrade request and reads the
 * answer. Rejects with `CONNECT_FAILED` (cause: the system error, or a `HandshakeError` for a
 * refused or invalid answer).
 */
export async function dialWebSocket(url, options, signal) {
    const deflate = compressionOption(options.compression);
    const hs = new ClientHandshake({
        url,
        sha1: nodeSha1,
        random: nodeRandom,
        ...(options.origin !== undefined && { origin: options.origin }),
        ...(options.subprotocols && { subprotocols: options.subprotocols }),
        ...(options.headers && { headers: options.headers }),
        ...(deflate !== false && { deflate }),
        ...(options.httpLimits && { limits: options.httpLimits }),
    });
    const { host, port, secure, path } = hs.target;
    const sock = await dial({ scheme: secure ? 'tls' : 'tcp', host, port }, options, signal);
    const s = sock.socket;
    return new Promise((resolve, reject) => {
        const cleanup = () => {
            sock.release(); // paused: the connection resumes it once it takes over
            signal?.removeEventListener('abort', onAbort);
        };
        const fail = (err) => {
            cleanup();
            s.destroy();
            const retryable = !(err instanceof HandshakeError) || err.status >= 500;
            reject(new ConnectError(ErrorCode.CONNECT_FAILED, `WebSocket upgrade to ${url.replace(/\/\/[^@/]*@/, '//')} failed: ${err.message}`, {
                cause: err,
                details: { retryable, ...(err instanceof HandshakeError && { status: err.status }) },
            }));
        };
        const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
        sock.setHandler({
            onStreamData: (chunk) => {
                let r;
                try {
                    r = hs.receive(chunk);
                }
                catch (err) {
                    fail(err);
                    return;
                }
                if (r === undefined)
                    return;
                cleanup();
                resolve({ sock, rest: r.rest, response: r.response, subprotocol: r.subprotocol, deflate: r.deflate, path });
            },
            onStreamError: (err) => fail(err),
            onStreamEnd: () => fail(new Error('the server closed the connection before answering the upgrade')),
            onStreamDrain: () => { },
            onStreamClose: () => fail(new Error('the connection closed before the upgrade answer')),
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        s.write(hs.request);
    });
}
const LIMIT_NAMES = ['maxMessageSize', 'maxFrameSize', 'maxFragments', 'compressionThreshold'];
/** Checks `websocket.limits` before any socket is opened (`INVALID_OPTION`): known names, and numbers in range. */
export function checkWebSocketLimits(limits) {
    for (const [k, v] of Object.entries(limits ?? {})) {
        if (!LIMIT_NAMES.includes(k)) {
            throw new ConfigError(ErrorCode.INVALID_OPTION, `websocket.limits.${k} is not a WebSocket limit, expected one of ${LIMIT_NAMES.join(', ')}`);
        }
        if (v === undefined)
            continue; // the default
        const ok = typeof v === 'number' && (k === 'compressionThreshold' ? v >= 0 : v > 0);
        if (!ok)
            throw new ConfigError(ErrorCode.INVALID_OPTION, `websocket.limits.${k} must be a ${k === 'compressionThreshold' ? 'number, 0 or more' : 'positive number'}, got ${String(v)}`);
    }
}
/**
 * Reads the upgrade request from a fresh socket and answers it: 101, or an HTTP error (400, 404,
 * 405, 426, 431, or the status `verify` chose) followed by closing the socket. `timeoutMs`
 * bounds the whole exchange (a slowloris peer is destroyed). Never rejects.
 */
export function acceptWebSocket(sock, options) {
    const s = sock.socket;
    const reader = requestHeadReader(options.httpLimits);
    return new Promise((resolve) => {
        let settled = false;
        const timer = setTimeout(() => {
            finish({
                ok: false,
                error: new ServerError(ErrorCode.HANDSHAKE_TIMEOUT, `${sock.remote}: no complete upgrade request within ${options.timeoutMs} ms`),
            });
            s.destroy();
        }, options.timeoutMs);
        const finish = (r) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            sock.release();
            resolve(r);
        };
        const refuse = (response, error) => {
            finish({ ok: false, error });
            // Answer, then close; a peer that does not take the answer is destroyed with the socket.
            const t = setTimeout(() => s.destroy(), 2000);
            t.unref?.();
            sock.setHandler({ onStreamData: () => { }, onStreamEnd: () => { }, onStreamDrain: () => { }, onStreamError: () => { }, onStreamClose: () => clearTimeout(t) });
            s.end(response);
        };
        const complete = async (head, rest) => {
            const r = await answer(head, options);
            if (settled)
                return;
            if (!r.ok)
                return refuse(r.response, r.error);
            s.write(r.response);
            finish({ ok: true, rest, request: r.request, subprotocol: r.subprotocol, deflate: r.deflate });
        };
        let headDone = false;
        sock.setHandler({
            onStreamData: (chunk) => {
                if (headDone)
                    return;
                let head;
                try {
                    reader.push(chunk);
                    head = reader.read();
                }
                catch (err) {
                    if (err instanceof HandshakeError)
                        return refuse(handshakeErrorResponse(err), err);
                    return refuse(httpErrorResponse(400), err);
                }
                if (head === undefined)
                    return;
                headDone = true;
                s.pause(); // bytes after the head wait for the connection
                void complete(head, reader.rest());
            },
            onStreamError: (err) => {
                finish({ ok: false, error: new ServerError(ErrorCode.TRANSPORT_ERROR, `${sock.remote}: ${err.message}`, { cause: err }) });
                s.destroy();
            },
            onStreamEnd: () => {
                finish({ ok: false, error: new ServerError(ErrorCode.WS_BAD_REQUEST, `${sock.remote}: the peer left before sending a whole upgrade request`) });
                s.destroy();
            },
            onStreamDrain: () => { },
            onStreamClose: () => {
                finish({ ok: false, error: new ServerError(ErrorCode.WS_BAD_REQUEST, `${sock.remote}: the connection closed before a whole upgrade request`) });
            },
        });
    });
}
/** Validates a request head, asks `verify`, and builds the 101 or the error answer. */
export async function answer(head, options) {
    let request;
    try {
        request = parseUpgradeRequest(head);
    }
    catch (err) {
        if (err instanceof HandshakeError)
            return { ok: false, response: handshakeErrorResponse(err), error: err };
        throw err;
    }
    const pathOnly = request.path.split('?')[0];
    if (options.path !== undefined && pathOnly !== options.path) {
        const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `no WebSocket endpoint at ${JSON.stringify(pathOnly)}`, 404);
        return { ok: false, response: httpErrorResponse(404), error };
    }
    let refusal;
    try {
        refusal = await options.verify?.(request);
    }
    catch (cause) {
        // A verify hook that throws refuses with 500; what it threw stays in the local log.
        const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `the verify hook threw: ${cause?.message ?? String(cause)}`, 500, { cause });
        return { ok: false, response: httpErrorResponse(500), error };
    }
    if (refusal !== undefined) {
        const error = new HandshakeError(ErrorCode.WS_HANDSHAKE_REFUSED, `the verify hook refused the request with ${refusal.status}`, refusal.status, {
            ...(refusal.headers && { headers: refusal.headers }),
        });
        return { ok: false, response: httpErrorResponse(refusal.status, refusal.headers), error };
    }
    const deflate = compressionOption(options.compression);
    const accepted = acceptUpgrade(request, {
        sha1: nodeSha1,
        ...(options.subprotocols && { subprotocols: options.subprotocols }),
        ...(deflate !== false && { deflate }),
        ...(options.headers && { headers: options.headers }),
    });
    return { ok: true, request, ...accepted };
}
/** A request node:http already parsed (its `upgrade` event), as the core's request head. */
export function headFromIncoming(req) {
    const list = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        list.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    return { method: req.method ?? 'GET', target: req.url ?? '/', version: `HTTP/${req.httpVersion}`, headers: new HttpHeaders(list) };
}
/** Wraps a socket node:http handed over in its `upgrade` event. */
export function socketFromUpgrade(socket) {
    socket.setNoDelay(true);
    // node:http sockets end themselves on the peer's FIN; the connection ends ours once flushed.
    socket.allowHalfOpen = true;
    return new StreamSocket(socket);
}
/** The compressor factory for negotiated parameters (node:zlib). */
export function compressorFor(params, role) {
    return params ? () => createDeflateCompressor(params, role) : undefined;
}

/**
 * permessage-deflate (RFC 7692) on node:zlib: the {@link Compressor} the sans-I/O WebSocket core
 * calls synchronously.
 *
 * Node's public zlib API cannot do this. The one-shot `deflateRawSync()` / `inflateRawSync()`
 * start from an empty window every time, but RFC 7692 context takeover (the default) needs one
 * LZ77 window that lives across all messages of a connection. The streams keep it but are
 * asynchronous. And `_processChunk(chunk, flag)`, the internal the sync functions use, closes the
 * zlib handle when it returns (Node 20 and 24 both do), so a second message fails.
 *
 * So this drives the native handle of a `DeflateRaw` / `InflateRaw` stream directly, the way
 * Node's own `processChunkSync()` does, minus the close: `handle.writeSync(flush, in, inOff,
 * inLen, out, outOff, outLen)`, then `_writeState` holds [availOutAfter, availInAfter]. Errors
 * arrive synchronously through `handle.onerror`, which we replace (Node's own handler would
 * destroy the stream). The stream object is never written to: it only owns the handle.
 *
 * These are internals (`_handle`, `_writeState`, `writeSync`, `onerror`), stable from Node 10
 * to 24 and checked when this module loads: if they are missing or a round trip fails,
 * `deflateAvailable` is false and the I/O layer must not negotiate permessage-deflate.
 */
import zlib from 'node:zlib';
import { ErrorCode, bytes } from '../core/errors.js';
import { CloseCode, WebSocketError } from '../core/websocket/index.js';
const { Z_SYNC_FLUSH } = zlib.constants;
/** RFC 7692 7.2.1 / 7.2.2: the empty stored block a sync flush ends with. */
const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const CHUNK = 64 * 1024;
function internalsOf(stream) {
    const s = stream;
    const h = s._handle;
    if (h === null ||
        h === undefined ||
        typeof h.writeSync !== 'function' ||
        typeof h.reset !== 'function' ||
        typeof h.close !== 'function' ||
        !(s._writeState instanceof Uint32Array)) {
        return undefined;
    }
    return s;
}
/** A zlib stream driven synchronously. */
class Engine {
    handle;
    state;
    error;
    closed = false;
    /** Set when inflate reached the end of a DEFLATE stream (a block with BFINAL). */
    ended = false;
    constructor(stream) {
        const internals = internalsOf(stream);
        if (internals === undefined)
            throw new Error('node:zlib internals (_handle.writeSync, _writeState) are not available');
        this.handle = internals._handle;
        this.state = internals._writeState;
        this.handle.onerror = (message, errno, code) => {
            this.error = Object.assign(new Error(`zlib: ${message}`), { errno, code });
        };
    }
    /**
     * Feeds all of `input` with Z_SYNC_FLUSH and returns the output. Throws `tooBig(n)` as soon as
     * the output would pass `max` bytes: output buffers are sized so at most `max + 1` bytes are
     * ever produced.
     */
    run(input, max, tooBig, sizeHint = CHUNK) {
        if (this.closed)
            throw new Error('zlib stream already closed');
        if (this.error !== undefined)
            throw this.error;
        const parts = [];
        let total = 0;
        let inOff = 0;
        let inLen = input.length;
        // The first output buffer is sized from the hint, so a small message does not cost 64 KiB.
        let size = Math.min(CHUNK, Math.max(64, sizeHint));
        for (;;) {
            const room = Math.min(size, max - total + 1);
            size = CHUNK;
            const out = new Uint8Array(Math.max(room, 1));
            this.handle.writeSync(Z_SYNC_FLUSH, input, inOff, inLen, out, 0, out.length);
            if (this.error !== undefined)
                throw this.error;
            const availOut = this.state[0];
            const availIn = this.state[1];
            const have = out.length - availOut;
            if (have > 0) {
                parts.push(have === out.length ? out : out.subarray(0, have));
                total += have;
                if (total > max)
                    throw tooBig(total);
            }
            inOff += inLen - availIn;
            inLen = availIn;
            if (availOut !== 0) {
                // Output space left over: zlib took all it wanted. Input left over as well means the
                // DEFLATE stream ended (BFINAL); the rest is ignored, as zlib does.
                if (inLen > 0)
                    this.ended = true;
                break;
            }
        }
        if (parts.length === 1)
            return parts[0];
        if (parts.length === 0)
            return new Uint8Array(0);
        const joined = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
            joined.set(p, at);
            at += p.length;
        }
        return joined;
    }
    reset() {
        if (this.closed)
            return;
        this.handle.reset();
        this.ended = false;
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.handle.close();
    }
}
const noLimit = () => new Error('unreachable');
class NodeCompressor {
    deflater;
    inflater;
    ownBits;
    peerBits;
    ownNoContext;
    peerNoContext;
    options;
    messageInput = 0; // compressed bytes of the incoming message so far
    constructor(params, role, options) {
        const server = role === 'server';
        // zlib refuses an 8-bit window for raw deflate; 9 is safe for a peer that inflates with 8:
        // zlib's matches never reach more than 2^9 - 262 = 250 bytes back (ws does the same).
        this.ownBits = Math.max(9, server ? params.serverMaxWindowBits : params.clientMaxWindowBits);
        this.peerBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
        this.ownNoContext = server ? params.serverNoContextTakeover : params.clientNoContextTakeover;
        this.peerNoContext = server ? params.clientNoContextTakeover : params.serverNoContextTakeover;
        this.options = options;
    }
    compress(data) {
        // Created on first use: a connection that only sends small messages never pays for it.
        const d = (this.deflater ??= new Engine(zlib.createDeflateRaw({ windowBits: this.ownBits, level: this.options.level ?? -1, memLevel: this.options.memLevel ?? 8 })));
        // DEFLATE output is at most a few bytes per 16 KiB block plus the flush over the input size.
        const out = d.run(data, Infinity, noLimit, data.length + 64);
        // RFC 7692 7.2.1: "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end."
        // RFC 7692 7.1.1.1 / 7.1.1.2: with no context takeover the next message starts from an
        // empty window.
        if (this.ownNoContext)
            d.reset();
        const n = out.length;
        if (n >= 4 && out[n - 4] === 0 && out[n - 3] === 0 && out[n - 2] === 0xff && out[n - 1] === 0xff)
            return out.subarray(0, n - 4);
        // zlib writes nothing for an empty message when nothing is pending since the last flush.
        // RFC 7692 7.2.1: data not ending with an empty stored block gets one appended (00 00 00 ff
        // ff, the first byte holding its 3 header bits); minus the 4-byte tail that is a single 00
        // (7.2.3.6).
        if (n === 0)
            return Uint8Array.of(0);
        return out;
    }
    decompress(data, maxOutput, fin) {
        const i = (this.inflater ??= new Engine(zlib.createInflateRaw({ windowBits: this.peerBits })));
        this.messageInput += data.length;
        if (fin && this.messageInput === 0) {
            // A compressed message with no payload at all: RFC 7692 wants at least 00 (7.2.3.6), but
            // there is nothing to inflate, and appending the tail alone would leave the inflater in
            // the middle of a stored block. Lenient: an empty message.
            return new Uint8Array(0);
        }
        if (fin)
            this.messageInput = 0;
        const tooBig = (seen) => new WebSocketError(ErrorCode.WS_MESSAGE_TOO_LARGE, `compressed message inflates to ${bytes(seen)} or more, expected no more than ${maxOutput} (room left in the message)`, CloseCode.MESSAGE_TOO_BIG, { details: { max: maxOutput } });
        try {
            let out = data.length > 0 && !i.ended ? i.run(data, maxOutput, tooBig, data.length * 4) : new Uint8Array(0);
            if (fin) {
                // RFC 7692 7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the
                // payload of the message" before inflating the end of it.
                if (!i.ended) {
                    const tail = i.run(TAIL, maxOutput - out.length, tooBig, 256);
                    if (tail.length > 0) {
                        const joined = new Uint8Array(out.length + tail.length);
                        joined.set(out);
                        joined.set(tail, out.length);
                        out = joined;
                    }
                }
                // A stream that ended with BFINAL cannot go on: the next message starts a new one.
                if (this.peerNoContext || i.ended)
                    i.reset();
            }
            return out;
        }
        catch (err) {
            if (err instanceof WebSocketError)
                throw err;
            throw new WebSocketError(ErrorCode.WS_INFLATE_FAILED, `compressed message is not valid DEFLATE: ${err.message}`, CloseCode.INVALID_PAYLOAD, {
                cause: err,
            });
        }
    }
    dispose() {
        this.deflater?.close();
        this.inflater?.close();
        this.deflater = undefined;
        this.inflater = undefined;
    }
}
/** A {@link Compressor} for one connection, on node:zlib. Check {@link deflateAvailable} first. */
export function createDeflateCompressor(params, role, options = {}) {
    return new NodeCompressor(params, role, options);
}
/** {@link createDeflateCompressor} as a {@link CompressorFactory} with zlib's default settings. */
export const nodeDeflate = (params, role) => new NodeCompressor(params, role, {});
/** Checks the zlib internals once: a two-message round trip with context takeover. */
function selfTest() {
    try {
        const params = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
        const a = new NodeCompressor(params, 'client', {});
        const b = new NodeCompressor(params, 'server', {});
        const text = new TextEncoder().encode('switchboard permessage-deflate self test, switchboard permessage-deflate');
        let ok = true;
        for (let k = 0; k < 2; k++) {
            const back = b.decompress(a.compress(text), 1024, true);
            ok &&= back.length === text.length && back.every((v, j) => v === text[j]);
        }
        a.dispose();
        b.dispose();
        return ok;
    }
    catch {
        return false;
    }
}
/**
 * Whether this Node.js exposes what {@link createDeflateCompressor} needs. When false, do not
 * offer or accept permessage-deflate.
 */
export const deflateAvailable = selfTest();

import { ErrorCode, bytes } from '../errors.js';
import { CloseCode } from './close.js';
import { WebSocketError } from './errors.js';
/** Frame opcodes (RFC 6455 5.2, 11.8). 0x3-0x7 and 0xB-0xF are reserved. */
export const Opcode = {
    CONTINUATION: 0x0,
    TEXT: 0x1,
    BINARY: 0x2,
    CLOSE: 0x8,
    PING: 0x9,
    PONG: 0xa,
};
/** RFC 6455 5.5: "All control frames MUST have a payload length of 125 bytes or less". */
export const MAX_CONTROL_PAYLOAD = 125;
const isControl = (opcode) => (opcode & 0x8) !== 0;
const protocolError = (message) => new WebSocketError(ErrorCode.WS_INVALID_FRAME, message, CloseCode.PROTOCOL_ERROR);
/**
 * Reads one frame header from the front of `q`. Returns `undefined` ("not yet") without
 * consuming anything while the header is incomplete; otherwise consumes the header (the payload
 * stays in `q`) and returns it. Each rule is checked as soon as its bytes have arrived, so a bad
 * frame is refused at its first byte, however the input is split. Throws a {@link WebSocketError}:
 * `WS_INVALID_FRAME` (1002) or `WS_MESSAGE_TOO_LARGE` (1009).
 *
 * With `into`, the header is written into that object (and its `mask` array, which is reused)
 * instead of a new one: a connection parsing a frame at a time allocates nothing per frame.
 */
export function parseFrameHeader(q, options, into) {
    const avail = q.length;
    if (avail < 1)
        return undefined;
    const b0 = q.byteAt(0);
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    // RFC 6455 5.2: "RSV1, RSV2, RSV3: MUST be 0 unless an extension is negotiated that defines
    // meanings for non-zero values." permessage-deflate defines RSV1 only.
    if ((b0 & 0x30) !== 0)
        throw protocolError(`frame with RSV2/RSV3 set (first byte 0x${hex(b0)}), no extension defines them`);
    if (rsv1 && !options.compression)
        throw protocolError('frame with RSV1 set, but permessage-deflate was not negotiated');
    // RFC 6455 5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the
    // WebSocket Connection_."
    if ((opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb)
        throw protocolError(`frame with reserved opcode 0x${opcode.toString(16)}`);
    if (isControl(opcode)) {
        // RFC 6455 5.5: "Control frames ... MUST NOT be fragmented."
        if (!fin)
            throw protocolError(`control frame (opcode 0x${opcode.toString(16)}) without FIN, control frames cannot be fragmented`);
        // RFC 7692 6.1: RSV1 ("Per-Message Compressed") is never set on control frames.
        if (rsv1)
            throw protocolError(`control frame (opcode 0x${opcode.toString(16)}) with RSV1 set, control frames are never compressed`);
    }
    else if (opcode === Opcode.CONTINUATION && rsv1) {
        // RFC 7692 6.1: RSV1 is set on the first frame of a message only.
        throw protocolError('continuation frame with RSV1 set, expected it on the first frame of a message only');
    }
    if (avail < 2)
        return undefined;
    const b1 = q.byteAt(1);
    const masked = (b1 & 0x80) !== 0;
    // RFC 6455 5.1: "a client MUST mask all frames that it sends to the server ... A server MUST
    // close the connection upon receiving a frame that is not masked" and "A server MUST NOT mask
    // any frames ... A client MUST close a connection if it detects a masked frame."
    if (options.role === 'server' && !masked)
        throw protocolError('unmasked frame from a client, clients must mask every frame');
    if (options.role === 'client' && masked)
        throw protocolError('masked frame from a server, servers must not mask frames');
    const len7 = b1 & 0x7f;
    if (isControl(opcode) && len7 > MAX_CONTROL_PAYLOAD) {
        throw protocolError(`control frame (opcode 0x${opcode.toString(16)}) announces a payload over ${MAX_CONTROL_PAYLOAD} bytes`);
    }
    let length;
    let pos = 2;
    if (len7 < 126) {
        length = len7;
    }
    else if (len7 === 126) {
        if (avail < 4)
            return undefined;
        length = (q.byteAt(2) << 8) | q.byteAt(3);
        // RFC 6455 5.2: "the minimal number of bytes MUST be used to encode the length".
        if (length < 126)
            throw protocolError(`frame length ${length} sent in a 16-bit field, expected the 7-bit form`);
        pos = 4;
    }
    else {
        if (avail < 10)
            return undefined;
        const high = q.readUint(2, 4, false);
        const low = q.readUint(6, 4, false);
        // RFC 6455 5.2: "the most significant bit MUST be 0".
        if (high >= 0x80000000)
            throw protocolError('frame length with the most significant bit of the 64-bit field set');
        length = high * 0x1_0000_0000 + low; // exact below 2^53; anything larger is refused below anyway
        if (length < 0x10000)
            throw protocolError(`frame length ${length} sent in a 64-bit field, expected a shorter form`);
        pos = 10;
    }
    if (length > options.maxFrameSize) {
        throw new WebSocketError(ErrorCode.WS_MESSAGE_TOO_LARGE, `frame announces ${bytes(length)}, expected no more than ${options.maxFrameSize}`, CloseCode.MESSAGE_TOO_BIG, { details: { announced: length, max: options.maxFrameSize } });
    }
    let mask;
    if (masked) {
        if (avail < pos + 4)
            return undefined;
        mask = into?.mask ?? new Uint8Array(4);
        for (let k = 0; k < 4; k++)
            mask[k] = q.byteAt(pos + k);
        pos += 4;
    }
    q.skip(pos);
    if (into === undefined)
        return { fin, rsv1, opcode: opcode, mask, length, headerLength: pos };
    into.fin = fin;
    into.rsv1 = rsv1;
    into.opcode = opcode;
    into.mask = mask;
    into.length = length;
    into.headerLength = pos;
    return into;
}
/** Header size for a payload of `length` bytes (RFC 6455 5.2: the shortest length form). */
export function frameHeaderLength(length, masked) {
    return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}
/**
 * Writes a frame header at `buf[at]` and returns its length. `mask`, when given, is written
 * as the masking key; the caller masks the payload.
 */
export function writeFrameHeader(buf, at, opcode, fin, rsv1, length, mask) {
    buf[at] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
    const m = mask !== undefined ? 0x80 : 0;
    let pos = at + 2;
    if (length < 126) {
        buf[at + 1] = m | length;
    }
    else if (length < 0x10000) {
        buf[at + 1] = m | 126;
        buf[at + 2] = length >>> 8;
        buf[at + 3] = length & 0xff;
        pos = at + 4;
    }
    else {
        buf[at + 1] = m | 127;
        const high = Math.floor(length / 0x1_0000_0000);
        const low = length >>> 0;
        buf[at + 2] = high >>> 24;
        buf[at + 3] = (high >>> 16) & 0xff;
        buf[at + 4] = (high >>> 8) & 0xff;
        buf[at + 5] = high & 0xff;
        buf[at + 6] = low >>> 24;
        buf[at + 7] = (low >>> 16) & 0xff;
        buf[at + 8] = (low >>> 8) & 0xff;
        buf[at + 9] = low & 0xff;
        pos = at + 10;
    }
    if (mask !== undefined) {
        buf[pos] = mask[0];
        buf[pos + 1] = mask[1];
        buf[pos + 2] = mask[2];
        buf[pos + 3] = mask[3];
        pos += 4;
    }
    return pos - at;
}
export function applyMask(src, mask, dst, at) {
    const n = src.length;
    let i = 0;
    if (n >= WORD_MASK_MIN) {
        // A word at a time: 4-5x faster than byte by byte, which was most of the CPU time of a
        // WebSocket echo at 16 KiB and more (see bench/). Bytes up to a 4-byte boundary of `dst`
        // first; `src` is read through a DataView when its alignment differs.
        const dstOff = dst.byteOffset + at;
        for (; ((dstOff + i) & 3) !== 0; i++)
            dst[at + i] = src[i] ^ mask[i & 3];
        const words = (n - i) >>> 2;
        const d32 = new Int32Array(dst.buffer, dstOff + i, words);
        // The key rotated to start at byte i, as a word in the platform's byte order.
        const b0 = mask[i & 3];
        const b1 = mask[(i + 1) & 3];
        const b2 = mask[(i + 2) & 3];
        const b3 = mask[(i + 3) & 3];
        const m = LITTLE_ENDIAN ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
        const srcOff = src.byteOffset + i;
        let k = 0;
        if ((srcOff & 3) === 0) {
            const s32 = new Int32Array(src.buffer, srcOff, words);
            for (const end = words - 3; k < end; k += 4) {
                d32[k] = s32[k] ^ m;
                d32[k + 1] = s32[k + 1] ^ m;
                d32[k + 2] = s32[k + 2] ^ m;
                d32[k + 3] = s32[k + 3] ^ m;
            }
            for (; k < words; k++)
                d32[k] = s32[k] ^ m;
        }
        else {
            const dv = new DataView(src.buffer, srcOff, words * 4);
            for (const end = words - 3; k < end; k += 4) {
                const o = k * 4;
                d32[k] = dv.getInt32(o, LITTLE_ENDIAN) ^ m;
                d32[k + 1] = dv.getInt32(o + 4, LITTLE_ENDIAN) ^ m;
                d32[k + 2] = dv.getInt32(o + 8, LITTLE_ENDIAN) ^ m;
                d32[k + 3] = dv.getInt32(o + 12, LITTLE_ENDIAN) ^ m;
            }
            for (; k < words; k++)
                d32[k] = dv.getInt32(k * 4, LITTLE_ENDIAN) ^ m;
        }
        i += words * 4;
    }
    else {
        const m0 = mask[0];
        const m1 = mask[1];
        const m2 = mask[2];
        const m3 = mask[3];
        for (const end = n - 3; i < end; i += 4) {
            dst[at + i] = src[i] ^ m0;
            dst[at + i + 1] = src[i + 1] ^ m1;
            dst[at + i + 2] = src[i + 2] ^ m2;
            dst[at + i + 3] = src[i + 3] ^ m3;
        }
    }
    for (; i < n; i++)
        dst[at + i] = src[i] ^ mask[i & 3];
}
/** Payloads at least this long are masked a word at a time (below it, making the views costs more). */
const WORD_MASK_MIN = 256;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/**
 * Appends one frame to `out`. Without `mask` the header goes into a reserved slot and the
 * payload is written by `out.writeBytes` (copied into the slab when small, kept by reference
 * when large). With `mask`, header and payload go into one reserved slot and the payload is
 * XOR-ed into it: copied exactly once, `payload` itself untouched. With `owned: true` the
 * caller gives up `payload` (a fresh compressor output): it is masked in place instead.
 * `maskWith` does the XOR (default {@link applyMask}).
 */
export function writeFrame(out, opcode, fin, rsv1, payload, mask, owned = false, maskWith = applyMask) {
    const n = payload.length;
    const h = frameHeaderLength(n, mask !== undefined);
    if (mask === undefined || owned) {
        const { buf, at } = out.reserve(h);
        writeFrameHeader(buf, at, opcode, fin, rsv1, n, mask);
        if (mask !== undefined)
            maskWith(payload, mask, payload, 0);
        out.writeBytes(payload);
        return;
    }
    const { buf, at } = out.reserve(h + n);
    writeFrameHeader(buf, at, opcode, fin, rsv1, n, mask);
    maskWith(payload, mask, buf, at + h);
}
function hex(b) {
    return b.toString(16).padStart(2, '0');
}

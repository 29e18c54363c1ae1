import { ByteQueue, writeUint } from '../bytes.js';
import { CodecError, ConfigError, ErrorCode, FramingError, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { checkMax } from './delimiter.js';
const utf8 = new TextEncoder();
/**
 * Length-prefixed frames, as in tokio-util's `LengthDelimitedCodec` or Netty's
 * `LengthFieldBasedFrameDecoder`:
 *
 *     +-----------------+--------------+---------------------------+
 *     | prefix (offset) | length field | payload (length + adjust) |
 *     +-----------------+--------------+---------------------------+
 *
 * A frame whose announced length exceeds `maxFrameSize` fails as soon as its header arrives,
 * before any payload is buffered.
 */
export function lengthPrefix(options = {}) {
    const width = options.width ?? 4;
    if (![1, 2, 4, 8, 'varint'].includes(width)) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, `width must be 1, 2, 4, 8 or 'varint', got ${String(width)}`);
    }
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, `offset must be a non-negative integer, got ${offset}`);
    }
    if (options.includesHeader && width === 'varint') {
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'includesHeader needs a fixed-width length field, not a varint');
    }
    const adjustment = options.includesHeader ? -(offset + width) : (options.adjustment ?? 0);
    if (!Number.isSafeInteger(adjustment)) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, `adjustment must be an integer, got ${adjustment}`);
    }
    const littleEndian = (options.endian ?? 'big') === 'little';
    const maxFrameSize = options.maxFrameSize ?? Limits.maxFrameSize;
    checkMax(maxFrameSize);
    const desc = width === 'varint' ? 'varint' : `u${width * 8}${width === 1 ? '' : littleEndian ? 'le' : 'be'}`;
    const cfg = { width, littleEndian, offset, adjustment, max: maxFrameSize, fieldMax: fieldMax(width) };
    return {
        name: `length-prefix(${desc}${offset ? `,offset=${offset}` : ''}${adjustment ? `,adjust=${adjustment}` : ''})`,
        maxFrameSize,
        messageOriented: false,
        create: () => new LengthPrefixFramer(cfg),
    };
}
/** Largest value a field of `width` bytes can hold (8 bytes: capped at 2^53 - 1). */
function fieldMax(width) {
    return width === 'varint' || width === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (width * 8) - 1;
}
/** Varints longer than this are rejected: 8 x 7 bits already covers 2^56. */
const MAX_VARINT_BYTES = 8;
class LengthPrefixFramer {
    c;
    q = new ByteQueue();
    pending = -1; // payload length of the frame whose header was read, or -1
    headerLen = 0;
    fieldLen = 0; // bytes of the length field readHeader() just read
    skipped = 0;
    constructor(c) {
        this.c = c;
    }
    get buffered() {
        return this.q.length;
    }
    push(chunk) {
        this.q.push(chunk);
    }
    next() {
        const q = this.q;
        const c = this.c;
        if (this.pending < 0) {
            const value = this.readHeader();
            if (value < 0)
                return undefined;
            const len = value + c.adjustment;
            if (len < 0) {
                throw new FramingError(ErrorCode.FRAME_INVALID, `length field says ${value}, which with adjustment ${c.adjustment} gives ${len} payload bytes, expected at least 0`);
            }
            if (len > c.max) {
                throw new FramingError(ErrorCode.FRAME_TOO_LARGE, `frame announces ${bytes(len)}, expected no more than ${c.max}`, {
                    details: { announced: len, max: c.max },
                });
            }
            this.pending = len;
            this.headerLen = c.offset + this.fieldLen;
        }
        const total = this.headerLen + this.pending;
        if (q.length < total)
            return undefined;
        const len = this.pending;
        this.pending = -1;
        if (c.offset === 0) {
            q.skip(this.headerLen);
            return q.take(len);
        }
        // RFC-style prefix bytes stay part of the message: [prefix][payload], length field removed.
        const prefix = q.take(c.offset).slice();
        q.skip(this.headerLen - c.offset);
        const payload = q.take(len);
        const out = new Uint8Array(c.offset + len);
        out.set(prefix, 0);
        out.set(payload, c.offset);
        return out;
    }
    /**
     * The length field's value (and its size in `fieldLen`), or -1 when the header is not all
     * here. No tuple: this runs once per frame.
     */
    readHeader() {
        const q = this.q;
        const { width, offset, littleEndian } = this.c;
        if (width === 'varint') {
            let value = 0;
            let mul = 1;
            for (let k = 0; k < MAX_VARINT_BYTES; k++) {
                if (q.length < offset + k + 1)
                    return -1;
                const b = q.byteAt(offset + k);
                value += (b & 0x7f) * mul;
                if ((b & 0x80) === 0) {
                    if (k > 0 && b === 0) {
                        throw new FramingError(ErrorCode.FRAME_INVALID, `varint length has a redundant zero byte at position ${k}`);
                    }
                    this.fieldLen = k + 1;
                    return value;
                }
                mul *= 128;
            }
            throw new FramingError(ErrorCode.FRAME_INVALID, `varint length runs past ${MAX_VARINT_BYTES} bytes`);
        }
        if (q.length < offset + width)
            return -1;
        if (width === 8) {
            const hi = q.readUint(offset + (littleEndian ? 4 : 0), 4, littleEndian);
            const lo = q.readUint(offset + (littleEndian ? 0 : 4), 4, littleEndian);
            if (hi > 0x1fffff) {
                throw new FramingError(ErrorCode.FRAME_TOO_LARGE, `frame announces more than 2^53 bytes, expected no more than ${this.c.max}`);
            }
            this.fieldLen = 8;
            return hi * 2 ** 32 + lo;
        }
        this.fieldLen = width;
        return q.readUint(offset, width, littleEndian);
    }
    finish() {
        if (this.q.length > 0) {
            const want = this.pending >= 0 ? `${this.headerLen + this.pending}` : 'a whole header';
            throw new FramingError(ErrorCode.FRAME_TRUNCATED, `stream ended inside a frame: ${bytes(this.q.length)} buffered, expected ${want}`);
        }
    }
    encode(payload, out) {
        const { offset } = this.c;
        if (payload.length < offset) {
            throw new CodecError(ErrorCode.ENCODE_FAILED, `message is ${bytes(payload.length)}, expected at least the ${offset}-byte prefix`);
        }
        const len = payload.length - offset;
        this.writeHeader(len, out, offset > 0 ? payload.subarray(0, offset) : undefined);
        out.writeBytes(offset > 0 ? payload.subarray(offset) : payload);
    }
    encodeText(payload, out) {
        const { width, offset, littleEndian, adjustment } = this.c;
        // Fast path: reserve a fixed-width header, write the text straight into the slab, fill in.
        if (offset === 0 && adjustment <= 0 && width !== 'varint' && payload.length * 3 <= this.c.max && payload.length * 3 <= this.c.fieldMax + adjustment) {
            const { buf, at } = out.reserve(width);
            const n = out.writeText(payload);
            writeUint(buf, at, width, n - adjustment, littleEndian);
            return;
        }
        this.encode(utf8.encode(payload), out);
    }
    writeHeader(len, out, prefix) {
        const { width, littleEndian, adjustment, max } = this.c;
        if (len > max) {
            throw new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `message is ${bytes(len)}, expected no more than ${max}`);
        }
        const value = len - adjustment;
        if (value < 0) {
            // A positive adjustment means every frame carries at least `adjustment` payload bytes.
            throw new CodecError(ErrorCode.ENCODE_FAILED, `message is ${bytes(len)}, expected at least ${adjustment} (the length adjustment)`);
        }
        if (value > this.c.fieldMax) {
            throw new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `length ${value} does not fit a ${String(width)}-byte length field`);
        }
        if (prefix)
            out.writeBytes(prefix);
        if (width === 'varint') {
            const tmp = [];
            let v = value;
            do {
                let b = v % 128;
                v = Math.floor(v / 128);
                if (v > 0)
                    b |= 0x80;
                tmp.push(b);
            } while (v > 0);
            const { buf, at } = out.reserve(tmp.length);
            buf.set(tmp, at);
            return;
        }
        const { buf, at } = out.reserve(width);
        writeUint(buf, at, width, value, littleEndian);
    }
}

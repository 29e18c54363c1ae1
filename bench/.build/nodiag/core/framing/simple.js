import { ByteQueue } from '../bytes.js';
import { CodecError, ErrorCode, FramingError, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { checkMax } from './delimiter.js';
const utf8 = new TextEncoder();
/** Base for framers whose encoding is the payload as it is (plus a size check). */
class PlainEncoder {
    encode(payload, out) {
        this.checkEncode(payload.length);
        out.writeBytes(payload);
    }
    encodeText(payload, out) {
        this.encode(utf8.encode(payload), out);
    }
    checkEncode(n) {
        if (n > this.limit)
            throw new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `message is ${bytes(n)}, expected no more than ${this.limit}`);
    }
}
/** Every frame is exactly `size` bytes. */
export function fixed(size) {
    checkMax(size);
    return { name: `fixed(${size})`, maxFrameSize: size, messageOriented: false, create: () => new FixedFramer(size) };
}
class FixedFramer extends PlainEncoder {
    limit;
    q = new ByteQueue();
    skipped = 0;
    constructor(limit) {
        super();
        this.limit = limit;
    }
    get buffered() {
        return this.q.length;
    }
    push(chunk) {
        this.q.push(chunk);
    }
    next() {
        return this.q.length >= this.limit ? this.q.take(this.limit) : undefined;
    }
    finish() {
        if (this.q.length > 0) {
            throw new FramingError(ErrorCode.FRAME_TRUNCATED, `stream ended inside a frame: ${bytes(this.q.length)} buffered, expected ${this.limit}`);
        }
    }
    encode(payload, out) {
        if (payload.length !== this.limit) {
            throw new CodecError(payload.length > this.limit ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.ENCODE_FAILED, `message is ${bytes(payload.length)}, expected exactly ${this.limit}`);
        }
        out.writeBytes(payload);
    }
}
export function custom(frameLength, options = {}) {
    const max = options.maxFrameSize ?? Limits.maxFrameSize;
    checkMax(max);
    return {
        name: options.name ?? 'custom',
        maxFrameSize: max,
        messageOriented: false,
        create: () => new CustomFramer(frameLength, max, options.encode),
    };
}
class CustomFramer extends PlainEncoder {
    fn;
    limit;
    enc;
    q = new ByteQueue();
    known = -1; // length the function announced for the frame being assembled
    skipped = 0;
    constructor(fn, limit, enc) {
        super();
        this.fn = fn;
        this.limit = limit;
        this.enc = enc;
    }
    get buffered() {
        return this.q.length;
    }
    push(chunk) {
        this.q.push(chunk);
    }
    next() {
        const q = this.q;
        if (q.length === 0)
            return undefined;
        if (this.known < 0) {
            let n;
            try {
                n = this.fn(q.peek(q.length));
            }
            catch (cause) {
                if (cause instanceof FramingError)
                    throw cause;
                const why = cause instanceof Error ? cause.message : String(cause);
                throw new FramingError(ErrorCode.FRAME_INVALID, `frame length function threw on ${bytes(q.length)}: ${why}`, { cause });
            }
            if (n === undefined) {
                if (q.length > this.limit) {
                    throw new FramingError(ErrorCode.FRAME_TOO_LARGE, `buffered ${bytes(q.length)} without a whole frame, expected no more than ${this.limit}`);
                }
                return undefined;
            }
            if (!Number.isSafeInteger(n) || n < 1) {
                throw new FramingError(ErrorCode.FRAME_INVALID, `frame length function returned ${String(n)}, expected a positive integer or undefined`);
            }
            if (n > this.limit) {
                throw new FramingError(ErrorCode.FRAME_TOO_LARGE, `frame announces ${bytes(n)}, expected no more than ${this.limit}`);
            }
            this.known = n;
        }
        if (q.length < this.known)
            return undefined;
        const n = this.known;
        this.known = -1;
        return q.take(n);
    }
    finish() {
        if (this.q.length > 0) {
            throw new FramingError(ErrorCode.FRAME_TRUNCATED, `stream ended inside a frame: ${bytes(this.q.length)} buffered`);
        }
    }
    encode(payload, out) {
        let b = payload;
        if (this.enc) {
            try {
                b = this.enc(payload);
            }
            catch (cause) {
                if (cause instanceof CodecError)
                    throw cause;
                const why = cause instanceof Error ? cause.message : String(cause);
                throw new CodecError(ErrorCode.ENCODE_FAILED, `custom framing could not encode a message of ${bytes(payload.length)}: ${why}`, { cause });
            }
        }
        this.checkEncode(b.length);
        out.writeBytes(b);
    }
}
/** One datagram (or one transport message) is one frame. */
export function datagram(options = {}) {
    const max = options.maxFrameSize ?? Limits.maxDatagramSize;
    checkMax(max);
    return { name: 'datagram', maxFrameSize: max, messageOriented: true, create: () => new MessageFramer(max, true) };
}
/**
 * No framing: each chunk read from the socket is delivered as it came (split at `maxChunk`),
 * and each payload is written as it is. For byte streams whose meaning is up to the user
 * (the clj-tcp model). Chunk boundaries carry no meaning.
 */
export function raw(options = {}) {
    const max = options.maxChunk ?? Limits.maxRawChunk;
    checkMax(max);
    return { name: 'raw', maxFrameSize: Number.MAX_SAFE_INTEGER, messageOriented: false, create: () => new MessageFramer(max, false) };
}
class MessageFramer extends PlainEncoder {
    max;
    strict;
    frames = [];
    head = 0;
    buffered = 0;
    skipped = 0;
    limit;
    constructor(max, strict) {
        super();
        this.max = max;
        this.strict = strict;
        this.limit = strict ? max : Number.MAX_SAFE_INTEGER;
    }
    push(chunk) {
        if (this.strict) {
            this.frames.push(chunk);
            this.buffered += chunk.length;
            return;
        }
        for (let at = 0; at < chunk.length; at += this.max) {
            const part = at === 0 && chunk.length <= this.max ? chunk : chunk.subarray(at, at + this.max);
            this.frames.push(part);
            this.buffered += part.length;
        }
    }
    next() {
        if (this.head === this.frames.length) {
            if (this.head > 0) {
                this.frames.length = 0;
                this.head = 0;
            }
            return undefined;
        }
        const f = this.frames[this.head];
        this.frames[this.head++] = EMPTY;
        this.buffered -= f.length;
        if (this.strict && f.length > this.max) {
            throw new FramingError(ErrorCode.FRAME_TOO_LARGE, `datagram is ${bytes(f.length)}, expected no more than ${this.max}`);
        }
        return f;
    }
    finish() { }
}
const EMPTY = new Uint8Array(0);

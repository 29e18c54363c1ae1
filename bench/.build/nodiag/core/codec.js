import { allocLike } from './bytes.js';
import { CodecError, ErrorCode, bytes } from './errors.js';
/**
 * Payloads as bytes. A received message is the frame's view, as node:net's `data` events and `ws`
 * hand them out; `copy: true` gives each message memory of its own (see {@link Codec}).
 */
export function bytesCodec(options = {}) {
    const copy = options.copy ?? false;
    return {
        name: 'bytes',
        binary: true,
        encode: (msg) => {
            if (typeof msg !== 'string' && !(msg instanceof Uint8Array)) {
                throw new CodecError(ErrorCode.ENCODE_FAILED, `bytes codec expected a Uint8Array or a string, got ${typeof msg}`);
            }
            return msg;
        },
        decode: (frame) => (copy ? copyBytes(frame) : frame),
    };
}
/** A copy of `bytes` that shares no memory with it (`Buffer#slice` would return a view). */
export function copyBytes(bytes) {
    // Not `slice`: on a Node Buffer it zero-fills a fresh Buffer through its species constructor,
    // which was a third of the CPU of a 64-byte echo (bench/). allocLike takes Buffer.allocUnsafe
    // (pooled, not zeroed); every byte is overwritten at once.
    const out = allocLike(bytes, bytes.length);
    out.set(bytes);
    return out;
}
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Decodes UTF-8 strictly: invalid bytes are an `INVALID_UTF8` error, never U+FFFD. */
export function decodeUtf8(frame) {
    try {
        return strictDecoder.decode(frame);
    }
    catch (cause) {
        throw new CodecError(ErrorCode.INVALID_UTF8, `frame of ${bytes(frame.length)} is not valid UTF-8`, { cause });
    }
}
/** UTF-8 text. Invalid UTF-8 is an `INVALID_UTF8` error. */
export function textCodec() {
    return {
        name: 'text',
        binary: false,
        encode: (msg) => {
            if (typeof msg !== 'string')
                throw new CodecError(ErrorCode.ENCODE_FAILED, `text codec expected a string, got ${typeof msg}`);
            return msg;
        },
        decode: decodeUtf8,
    };
}
/** JSON text, one value per frame. `In`/`Out` are the receive and send types. */
export function jsonCodec(options = {}) {
    const { validate } = options;
    return {
        name: 'json',
        binary: false,
        encode: (msg) => {
            let s;
            try {
                s = JSON.stringify(msg);
            }
            catch (cause) {
                throw new CodecError(ErrorCode.ENCODE_FAILED, `message cannot be written as JSON: ${cause.message}`, { cause });
            }
            if (s === undefined)
                throw new CodecError(ErrorCode.ENCODE_FAILED, `a value of type ${typeof msg} has no JSON form`);
            return s;
        },
        decode: (frame) => {
            const text = decodeUtf8(frame);
            let value;
            try {
                value = JSON.parse(text);
            }
            catch (cause) {
                throw new CodecError(ErrorCode.INVALID_JSON, `frame of ${bytes(frame.length)} is not valid JSON: ${cause.message}`, {
                    cause,
                });
            }
            if (validate && !validate(value)) {
                throw new CodecError(ErrorCode.DECODE_FAILED, `frame of ${bytes(frame.length)} is JSON but fails the message validator`);
            }
            return value;
        },
    };
}
/** Builds a codec from two functions (msgpack, protobuf...); what they throw becomes `DECODE_FAILED` / `ENCODE_FAILED`. */
export function defineCodec(spec) {
    const fail = (code, what, cause) => {
        if (cause instanceof CodecError)
            throw cause;
        const why = cause instanceof Error ? cause.message : String(cause);
        throw new CodecError(code, `${spec.name} codec could not ${what}: ${why}`, { cause });
    };
    return {
        name: spec.name,
        binary: spec.binary ?? true,
        encode: (msg) => {
            try {
                return spec.encode(msg);
            }
            catch (cause) {
                return fail(ErrorCode.ENCODE_FAILED, 'encode the message', cause);
            }
        },
        decode: (frame) => {
            try {
                return spec.decode(frame);
            }
            catch (cause) {
                return fail(ErrorCode.DECODE_FAILED, `decode a frame of ${bytes(frame.length)}`, cause);
            }
        },
    };
}
/**
 * Text or bytes, as they came: WebSocket text frames decode to `string` and binary frames to
 * `Uint8Array`; a `string` is sent as a text frame and a `Uint8Array` as a binary one. On byte
 * streams, where frames have no kind, every frame is a `Uint8Array`.
 */
export function messageCodec() {
    return {
        name: 'message',
        binary: true,
        encode: (msg) => {
            if (typeof msg !== 'string' && !(msg instanceof Uint8Array)) {
                throw new CodecError(ErrorCode.ENCODE_FAILED, `message codec expected a string or a Uint8Array, got ${typeof msg}`);
            }
            return msg;
        },
        decode: (frame, binary) => (binary === false ? decodeUtf8(frame) : frame),
    };
}
export const codecs = {
    bytes: bytesCodec,
    message: messageCodec,
    text: textCodec,
    json: jsonCodec,
    define: defineCodec,
};

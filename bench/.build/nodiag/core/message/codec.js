import { decodeUtf8 } from '../codec.js';
import { CodecError, ErrorCode } from '../errors.js';
import { datagram } from '../framing/simple.js';
import { lines } from '../framing/delimiter.js';
import { Limits } from '../limits.js';
import { parseMessage, serializeMessage, toJson } from './format.js';
import { Message } from './message.js';
/**
 * A codec between frames and `Message`s. `decode` reads UTF-8 strictly (`INVALID_UTF8`) and then
 * {@link parseMessage} (`MESSAGE_SYNTAX`, `MESSAGE_INVALID_NAME`, `MESSAGE_LINE_TOO_LONG`);
 * `encode` takes only a `Message` (`ENCODE_FAILED` otherwise), which is always valid.
 */
export function namedMessageCodec(options = {}) {
    const format = options.format ?? 'line';
    const maxLength = options.maxLength ?? Limits.namedMessageMaxLine;
    const write = format === 'json' ? toJson : serializeMessage;
    return {
        name: format === 'json' ? 'named-message-json' : 'named-message',
        binary: false,
        encode: (msg) => {
            if (!(msg instanceof Message)) {
                throw new CodecError(ErrorCode.ENCODE_FAILED, `named message codec expected a Message (build one with message()), got ${msg === null ? 'null' : typeof msg}`);
            }
            return write(msg);
        },
        decode: (frame) => parseMessage(decodeUtf8(frame), { maxLength }),
    };
}
const isBlankByte = (b) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
/**
 * `\n`-terminated lines, with a `\r` before the `\n` dropped, and lines that are empty or only
 * blanks (space, \t, \v, \f, \r) skipped, as eventdispatcher ignores them. Everything else is
 * the `lines()` framer: `FRAME_TOO_LARGE` past `maxLineLength`, `FRAME_TRUNCATED` for an
 * unterminated last line.
 */
export function namedMessageLines(options = {}) {
    const inner = lines({ maxFrameSize: options.maxLineLength ?? Limits.namedMessageMaxLine, trimCR: true, skipEmpty: true });
    return { ...inner, name: 'lines', create: () => new BlankSkippingFramer(inner.create()) };
}
/** Drops frames made only of blanks; like `skipEmpty`, what it drops is not counted in `skipped`. */
class BlankSkippingFramer {
    inner;
    constructor(inner) {
        this.inner = inner;
    }
    get buffered() {
        return this.inner.buffered;
    }
    get skipped() {
        return this.inner.skipped;
    }
    push(chunk) {
        this.inner.push(chunk);
    }
    next() {
        for (;;) {
            const f = this.inner.next();
            if (f === undefined || !f.every(isBlankByte))
                return f;
        }
    }
    finish() {
        this.inner.finish();
    }
    encode(payload, out) {
        this.inner.encode(payload, out);
    }
    encodeText(payload, out) {
        this.inner.encodeText(payload, out);
    }
}
/**
 * The eventdispatcher protocol on a stream (TCP, TLS, Unix): one message per `\n`-terminated
 * line, in either form, blank lines skipped.
 *
 *     const conn = await connect('tcp://127.0.0.1:4040', { protocol: namedMessages() });
 *     conn.send(message('REGISTER', { service: 'me', version: 1 }));
 */
export function namedMessages(options = {}) {
    const framing = namedMessageLines(options);
    const codec = namedMessageCodec({ maxLength: framing.maxFrameSize, ...(options.format ? { format: options.format } : {}) });
    return { name: `lines+${codec.name}`, framing, codec };
}
/** The eventdispatcher protocol on datagrams (UDP): one message per datagram, no newline. */
export function namedMessageDatagrams(options = {}) {
    const framing = datagram({ maxFrameSize: options.maxDatagramSize ?? Limits.namedMessageMaxDatagram });
    const codec = namedMessageCodec({ maxLength: framing.maxFrameSize, ...(options.format ? { format: options.format } : {}) });
    return { name: `datagram+${codec.name}`, framing, codec };
}

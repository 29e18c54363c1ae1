/**
 * Named messages on connections: a codec, a lines framing that skips blank lines, and two
 * protocol presets.
 *
 *     stream     FIRE length=-35;name=Charles\n      one message per line; \r\n works; blank lines are skipped
 *     datagram   FIRE length=-35;name=Charles        one message per datagram, no newline, at most 1024 bytes
 */
import type { WriteBuffer } from '../bytes.js';
import { decodeUtf8, type Codec } from '../codec.js';
import { CodecError, ErrorCode } from '../errors.js';
import { datagram } from '../framing/simple.js';
import { lines } from '../framing/delimiter.js';
import type { Framer, Framing } from '../framing/framer.js';
import { Limits } from '../limits.js';
import type { Protocol } from '../protocol.js';
import { parseMessage, serializeMessage, toJson } from './format.js';
import { Message } from './message.js';

/** Which form `encode` writes. Decoding always reads both. */
export type NamedMessageFormat = 'line' | 'json';

export interface NamedMessageCodecOptions {
  /** The form messages are sent in. @default 'line' */
  format?: NamedMessageFormat;
  /**
   * Largest message `decode` accepts, in bytes (`MESSAGE_LINE_TOO_LONG`). The framing usually
   * stops larger frames first. @default Limits.namedMessageMaxLine (64 KiB)
   */
  maxLength?: number;
}

/**
 * A codec between frames and `Message`s. `decode` reads UTF-8 strictly (`INVALID_UTF8`) and then
 * {@link parseMessage} (`MESSAGE_SYNTAX`, `MESSAGE_INVALID_NAME`, `MESSAGE_LINE_TOO_LONG`);
 * `encode` takes only a `Message` (`ENCODE_FAILED` otherwise), which is always valid.
 */
export function namedMessageCodec(options: NamedMessageCodecOptions = {}): Codec<Message, Message> {
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

export interface NamedMessageLinesOptions {
  /**
   * Longest line, in bytes, without the `\n` (and a `\r` before it). A security limit: a peer
   * cannot make a connection buffer more for one message.
   * @default Limits.namedMessageMaxLine (64 KiB)
   */
  maxLineLength?: number;
}

const isBlankByte = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/**
 * `\n`-terminated lines, with a `\r` before the `\n` dropped, and lines that are empty or only
 * blanks (space, \t, \v, \f, \r) skipped, as eventdispatcher ignores them. Everything else is
 * the `lines()` framer: `FRAME_TOO_LARGE` past `maxLineLength`, `FRAME_TRUNCATED` for an
 * unterminated last line.
 */
export function namedMessageLines(options: NamedMessageLinesOptions = {}): Framing {
  const inner = lines({ maxFrameSize: options.maxLineLength ?? Limits.namedMessageMaxLine, trimCR: true, skipEmpty: true });
  return { ...inner, name: 'lines', create: () => new BlankSkippingFramer(inner.create()) };
}

/** Drops frames made only of blanks; like `skipEmpty`, what it drops is not counted in `skipped`. */
class BlankSkippingFramer implements Framer {
  constructor(private readonly inner: Framer) {}
  get buffered(): number {
    return this.inner.buffered;
  }
  get skipped(): number {
    return this.inner.skipped;
  }
  push(chunk: Uint8Array): void {
    this.inner.push(chunk);
  }
  next(): Uint8Array | undefined {
    for (;;) {
      const f = this.inner.next();
      if (f === undefined || !f.every(isBlankByte)) return f;
    }
  }
  finish(): void {
    this.inner.finish();
  }
  encode(payload: Uint8Array, out: WriteBuffer): void {
    this.inner.encode(payload, out);
  }
  encodeText(payload: string, out: WriteBuffer): void {
    this.inner.encodeText(payload, out);
  }
}

export interface NamedMessagesOptions extends NamedMessageLinesOptions {
  /** The form messages are sent in. @default 'line' */
  format?: NamedMessageFormat;
}

/**
 * The eventdispatcher protocol on a stream (TCP, TLS, Unix): one message per `\n`-terminated
 * line, in either form, blank lines skipped.
 *
 *     const conn = await connect('tcp://127.0.0.1:4040', { protocol: namedMessages() });
 *     conn.send(message('REGISTER', { service: 'me', version: 1 }));
 */
export function namedMessages(options: NamedMessagesOptions = {}): Protocol<Message, Message> {
  const framing = namedMessageLines(options);
  const codec = namedMessageCodec({ maxLength: framing.maxFrameSize, ...(options.format ? { format: options.format } : {}) });
  return { name: `lines+${codec.name}`, framing, codec };
}

export interface NamedMessageDatagramsOptions {
  /**
   * Largest datagram, in bytes, both ways (`FRAME_TOO_LARGE` received, `MESSAGE_TOO_LARGE` sent).
   * @default Limits.namedMessageMaxDatagram (1024, eventdispatcher's DATAGRAM_MAX_SIZE)
   */
  maxDatagramSize?: number;
  /** The form messages are sent in. @default 'line' */
  format?: NamedMessageFormat;
}

/** The eventdispatcher protocol on datagrams (UDP): one message per datagram, no newline. */
export function namedMessageDatagrams(options: NamedMessageDatagramsOptions = {}): Protocol<Message, Message> {
  const framing = datagram({ maxFrameSize: options.maxDatagramSize ?? Limits.namedMessageMaxDatagram });
  const codec = namedMessageCodec({ maxLength: framing.maxFrameSize, ...(options.format ? { format: options.format } : {}) });
  return { name: `datagram+${codec.name}`, framing, codec };
}

import { type Codec } from '../codec.js';
import type { Framing } from '../framing/framer.js';
import type { Protocol } from '../protocol.js';
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
export declare function namedMessageCodec(options?: NamedMessageCodecOptions): Codec<Message, Message>;
export interface NamedMessageLinesOptions {
    /**
     * Longest line, in bytes, without the `\n` (and a `\r` before it). A security limit: a peer
     * cannot make a connection buffer more for one message.
     * @default Limits.namedMessageMaxLine (64 KiB)
     */
    maxLineLength?: number;
}
/**
 * `\n`-terminated lines, with a `\r` before the `\n` dropped, and lines that are empty or only
 * blanks (space, \t, \v, \f, \r) skipped, as eventdispatcher ignores them. Everything else is
 * the `lines()` framer: `FRAME_TOO_LARGE` past `maxLineLength`, `FRAME_TRUNCATED` for an
 * unterminated last line.
 */
export declare function namedMessageLines(options?: NamedMessageLinesOptions): Framing;
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
export declare function namedMessages(options?: NamedMessagesOptions): Protocol<Message, Message>;
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
export declare function namedMessageDatagrams(options?: NamedMessageDatagramsOptions): Protocol<Message, Message>;

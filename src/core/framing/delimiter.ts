import { ByteQueue, type WriteBuffer } from '../bytes.js';
import { ConfigError, ErrorCode, FramingError, CodecError, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { joinAscii, writeAscii } from './length-prefix.js';
import type { FrameHead, Framer, Framing } from './framer.js';

export interface DelimiterOptions {
  /** Largest frame (without the delimiter), in bytes. @default Limits.maxFrameSize (8 MiB) */
  maxFrameSize?: number;
  /**
   * What to do with a frame longer than `maxFrameSize`: `false` fails with `FRAME_TOO_LARGE`;
   * `true` skips the bytes up to and including the next delimiter, counts them in `skipped`,
   * and carries on with the frame after it.
   * @default false
   */
  recover?: boolean;
  /**
   * Also drop one `\r` before each `\n` delimiter, so `\r\n` lines work with `\n`. A message
   * ending in `\r` is then sent with one more `\r` before the `\n`, which the receiver drops:
   * every delivered frame can be sent back unchanged. Only for the delimiter `"\n"`. @default false
   */
  trimCR?: boolean;
  /** Silently drop empty frames (two delimiters in a row). @default false */
  skipEmpty?: boolean;
}

const utf8 = new TextEncoder();
const CRLF = Uint8Array.of(0x0d, 0x0a);

/**
 * Frames end with a delimiter: one byte (`\n`, `;`) or a sequence (`\r\n`, `end;`).
 *
 *     +---------------------+-----------+
 *     | payload (no delim)  | delimiter |
 *     +---------------------+-----------+
 */
export function delimiter(delim: string | Uint8Array, options: DelimiterOptions = {}): Framing {
  const seq = typeof delim === 'string' ? utf8.encode(delim) : Uint8Array.from(delim);
  if (seq.length === 0) throw new ConfigError(ErrorCode.INVALID_OPTION, 'delimiter must be at least one byte, got an empty one');
  const maxFrameSize = options.maxFrameSize ?? Limits.maxFrameSize;
  checkMax(maxFrameSize);
  // The string fast path of encodeText compares strings, not bytes. That is exact only for an
  // ASCII delimiter: a lone surrogate in the payload is written as U+FFFD, whose bytes could
  // match a non-ASCII delimiter that the string does not contain.
  const text = typeof delim === 'string' && /^[\x00-\x7f]*$/.test(delim) ? delim : undefined;
  // What every framer of this framing reads, made once: a framer is then its queue and scan state.
  const shared: DelimiterConfig = {
    seq,
    text,
    max: maxFrameSize,
    recover: options.recover ?? false,
    trimCR: (options.trimCR ?? false) && seq.length === 1 && seq[0] === 0x0a,
    skipEmpty: options.skipEmpty ?? false,
  };
  const shown = JSON.stringify(typeof delim === 'string' ? delim : Array.from(seq, (b) => String.fromCharCode(b)).join(''));
  return {
    name: seq.length === 1 && seq[0] === 0x0a ? 'lines' : `delimiter(${shown})`,
    maxFrameSize,
    messageOriented: false,
    create: () => new DelimiterFramer(shared),
  };
}

/**
 * Newline-terminated frames; one `\r` before the `\n` is dropped (`abc\r\r\n` is `abc\r`), and a
 * message ending in `\r` is sent with `\r\n` so it reads back the same.
 */
export function lines(options: DelimiterOptions = {}): Framing {
  const f = delimiter('\n', { trimCR: true, ...options });
  return { ...f, name: 'lines' };
}

export function checkMax(maxFrameSize: number): void {
  if (!Number.isSafeInteger(maxFrameSize) || maxFrameSize < 1) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `maxFrameSize must be a positive integer, got ${maxFrameSize}`);
  }
}

interface DelimiterConfig {
  readonly seq: Uint8Array;
  readonly text: string | undefined;
  readonly max: number;
  readonly recover: boolean;
  readonly trimCR: boolean;
  readonly skipEmpty: boolean;
}

class DelimiterFramer implements Framer {
  private readonly q = new ByteQueue();
  private scanFrom = 0; // no delimiter starts before this position
  private discarding = false; // recovering: dropping bytes until the next delimiter
  skipped = 0;

  constructor(private readonly c: DelimiterConfig) {}

  private get seq(): Uint8Array {
    return this.c.seq;
  }
  private get text(): string | undefined {
    return this.c.text;
  }
  private get max(): number {
    return this.c.max;
  }
  private get recover(): boolean {
    return this.c.recover;
  }
  private get trimCR(): boolean {
    return this.c.trimCR;
  }
  private get skipEmpty(): boolean {
    return this.c.skipEmpty;
  }

  get buffered(): number {
    return this.q.length;
  }

  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }

  next(): Uint8Array | undefined {
    const q = this.q;
    const d = this.seq.length;
    for (;;) {
      const at = q.indexOfSeq(this.seq, this.scanFrom);
      if (at < 0) {
        this.scanFrom = Math.max(0, q.length - d + 1);
        if (this.discarding) {
          // Keep only what could be the start of a delimiter.
          const drop = q.length - (d - 1);
          if (drop > 0) {
            q.skip(drop);
            this.skipped += drop;
            this.scanFrom = 0;
          }
          return undefined;
        }
        // The last d - 1 bytes may be the start of a delimiter, so the frame is at least
        // q.length - (d - 1) bytes (plus a `\r` that trimCR would drop).
        if (q.length - (d - 1) > this.max + (this.trimCR ? 1 : 0)) {
          if (!this.recover) throw this.tooLarge(q.length);
          this.discarding = true;
          continue;
        }
        return undefined;
      }
      this.scanFrom = 0;
      if (this.discarding) {
        q.skip(at + d);
        this.skipped += at + d;
        this.discarding = false;
        continue;
      }
      let len = at;
      if (this.trimCR && len > 0 && q.byteAt(len - 1) === 0x0d) len--;
      if (len > this.max) {
        if (!this.recover) throw this.tooLarge(len);
        q.skip(at + d);
        this.skipped += at + d;
        continue;
      }
      const frame = q.take(len);
      q.skip(at - len + d);
      if (len === 0 && this.skipEmpty) continue;
      return frame;
    }
  }

  finish(): void {
    if (this.q.length > 0 && !this.discarding) {
      throw new FramingError(
        ErrorCode.FRAME_TRUNCATED,
        `stream ended inside a frame: ${bytes(this.q.length)} buffered, expected a delimiter to end them`,
      );
    }
  }

  encode(payload: Uint8Array, out: WriteBuffer): void {
    this.check(payload.length);
    if (indexOfSeq(payload, this.seq) >= 0) throw containsDelimiter();
    const d = this.seq.length;
    if (d > 1 && payload.length > 0) {
      // A delimiter that overlaps itself (";;", "\r\n\r\n") can start inside the payload's tail:
      // "a;" + ";;" would read back as "a" followed by a stray ";".
      const tail = payload.subarray(Math.max(0, payload.length - (d - 1)));
      const joined = new Uint8Array(tail.length + d);
      joined.set(tail, 0);
      joined.set(this.seq, tail.length);
      if (indexOfSeq(joined, this.seq) < tail.length) throw runsIntoDelimiter();
    }
    out.writeBytes(payload);
    // trimCR drops one `\r` before the `\n`: a payload that ends with `\r` gets one more, which
    // the receiver drops, so "abc\r" is sent as "abc\r\r\n" and read back as "abc\r".
    if (this.trimCR && payload.length > 0 && payload[payload.length - 1] === 0x0d) out.writeBytes(CRLF);
    else out.writeBytes(this.seq);
  }

  encodeParts(head: FrameHead, payload: Uint8Array, out: WriteBuffer): void {
    // One-byte delimiters only (lines, NUL...): longer ones need the overlap check on the joined tail.
    if (this.seq.length !== 1 || payload.length === 0) {
      this.encode(joinAscii(head, payload), out);
      return;
    }
    this.check(head.length + payload.length);
    const d = this.seq[0]!;
    // A header is ASCII `0-9 A-Z a-z - _ . , ;`: only a delimiter among those can be in it.
    if (d < 0x80 && d !== 0x0a && d !== 0) {
      const h = typeof head === 'string' ? head : head.toString();
      for (let i = 0; i < h.length; i++) if (h.charCodeAt(i) === d) throw containsDelimiter();
    }
    if (payload.indexOf(d) >= 0) throw containsDelimiter();
    writeAscii(head, out);
    out.writeBytes(payload);
    if (this.trimCR && payload[payload.length - 1] === 0x0d) out.writeBytes(CRLF); // see encode
    else out.writeBytes(this.seq);
  }

  encodeText(payload: string, out: WriteBuffer): void {
    if (this.text === undefined) {
      this.encode(utf8.encode(payload), out);
      return;
    }
    if (payload.length * 3 > this.max) {
      // Could exceed the limit: measure exactly before anything is written.
      this.encode(utf8.encode(payload), out);
      return;
    }
    const text = this.text;
    if (payload.includes(text)) throw containsDelimiter();
    if (text.length > 1) {
      const tail = payload.slice(-(text.length - 1)); // the same check as in encode, on the string
      if ((tail + text).indexOf(text) < tail.length) throw runsIntoDelimiter();
    }
    out.writeText(payload);
    out.writeBytes(this.trimCR && payload.endsWith('\r') ? CRLF : this.seq); // see encode
  }

  private check(n: number): void {
    if (n > this.max) {
      throw new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `message is ${bytes(n)}, expected no more than ${this.max}`);
    }
  }

  private tooLarge(seen: number): FramingError {
    return new FramingError(
      ErrorCode.FRAME_TOO_LARGE,
      `read ${bytes(seen)} without a delimiter, expected no more than ${this.max}`,
      { details: { seen, max: this.max } },
    );
  }
}

function containsDelimiter(): CodecError {
  return new CodecError(ErrorCode.ENCODE_FAILED, 'message contains the frame delimiter, which would split it in two');
}

function runsIntoDelimiter(): CodecError {
  return new CodecError(ErrorCode.ENCODE_FAILED, 'message ends with bytes that form the frame delimiter together with it');
}

function indexOfSeq(hay: Uint8Array, seq: Uint8Array): number {
  const first = seq[0]!;
  let at = hay.indexOf(first);
  while (at >= 0 && at + seq.length <= hay.length) {
    let k = 1;
    while (k < seq.length && hay[at + k] === seq[k]) k++;
    if (k === seq.length) return at;
    at = hay.indexOf(first, at + 1);
  }
  return -1;
}

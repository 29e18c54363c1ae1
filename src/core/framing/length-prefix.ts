import { ByteQueue, writeUint, type WriteBuffer } from '../bytes.js';
import { CodecError, ConfigError, ErrorCode, FramingError, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { checkMax } from './delimiter.js';
import type { FrameHead, Framer, Framing, HeadSkip } from './framer.js';

export type LengthWidth = 1 | 2 | 4 | 8 | 'varint';

export interface LengthPrefixOptions {
  /** Size of the length field: 1, 2, 4 or 8 bytes unsigned, or an unsigned LEB128 varint. @default 4 */
  width?: LengthWidth;
  /** Byte order of a fixed-width length field. @default 'big' */
  endian?: 'big' | 'little';
  /**
   * Bytes before the length field (a type byte, a magic number). They are part of the message:
   * `decode` delivers them followed by the payload, `encode` expects the payload to start with them.
   * @default 0
   */
  offset?: number;
  /**
   * Added to the length field's value to get the number of bytes that follow the length field.
   * Use `-(offset + width)` when the length counts the whole header (see `includesHeader`).
   * @default 0
   */
  adjustment?: number;
  /** Shorthand for `adjustment: -(offset + width)`: the length counts the header too. @default false */
  includesHeader?: boolean;
  /** Largest payload (bytes after the length field), in bytes. @default Limits.maxFrameSize (8 MiB) */
  maxFrameSize?: number;
}

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
export function lengthPrefix(options: LengthPrefixOptions = {}): Framing {
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
  const adjustment = options.includesHeader ? -(offset + (width as number)) : (options.adjustment ?? 0);
  if (!Number.isSafeInteger(adjustment)) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, `adjustment must be an integer, got ${adjustment}`);
  }
  const littleEndian = (options.endian ?? 'big') === 'little';
  const maxFrameSize = options.maxFrameSize ?? Limits.maxFrameSize;
  checkMax(maxFrameSize);
  const desc = width === 'varint' ? 'varint' : `u${width * 8}${width === 1 ? '' : littleEndian ? 'le' : 'be'}`;
  const cfg: Config = { width, littleEndian, offset, adjustment, max: maxFrameSize, fieldMax: fieldMax(width) };
  return {
    name: `length-prefix(${desc}${offset ? `,offset=${offset}` : ''}${adjustment ? `,adjust=${adjustment}` : ''})`,
    maxFrameSize,
    messageOriented: false,
    create: () => new LengthPrefixFramer(cfg),
  };
}

interface Config {
  width: LengthWidth;
  littleEndian: boolean;
  offset: number;
  adjustment: number;
  max: number;
  /** Largest value the length field holds, computed once (`2 **` per message was a quarter of an echo server's CPU). */
  fieldMax: number;
}

/** Largest value a field of `width` bytes can hold (8 bytes: capped at 2^53 - 1). */
function fieldMax(width: LengthWidth): number {
  return width === 'varint' || width === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (width * 8) - 1;
}

/** Varints longer than this are rejected: 8 x 7 bits already covers 2^56. */
const MAX_VARINT_BYTES = 8;

class LengthPrefixFramer implements Framer {
  private readonly q = new ByteQueue();
  private pending = -1; // payload length of the frame whose header was read, or -1
  private headerLen = 0;
  private fieldLen = 0; // bytes of the length field readHeader() just read
  readonly skipped = 0;
  headSkip: HeadSkip | undefined = undefined;

  constructor(private readonly c: Config) {}

  get buffered(): number {
    return this.q.length;
  }

  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }

  next(): Uint8Array | undefined {
    const q = this.q;
    const c = this.c;
    if (this.pending < 0) {
      const value = this.readHeader();
      if (value < 0) return undefined;
      const len = value + c.adjustment;
      if (len < 0) {
        throw new FramingError(
          ErrorCode.FRAME_INVALID,
          `length field says ${value}, which with adjustment ${c.adjustment} gives ${len} payload bytes, expected at least 0`,
        );
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
    if (q.length < total) return undefined;
    const len = this.pending;
    this.pending = -1;
    if (c.offset === 0) {
      q.skip(this.headerLen);
      const hs = this.headSkip;
      return hs === undefined ? q.take(len) : q.takeSkipping(len, hs);
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
  private readHeader(): number {
    const q = this.q;
    const { width, offset, littleEndian } = this.c;
    if (width === 'varint') {
      let value = 0;
      let mul = 1;
      for (let k = 0; k < MAX_VARINT_BYTES; k++) {
        if (q.length < offset + k + 1) return -1;
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
    if (q.length < offset + width) return -1;
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

  finish(): void {
    if (this.q.length > 0) {
      const want = this.pending >= 0 ? `${this.headerLen + this.pending}` : 'a whole header';
      throw new FramingError(
        ErrorCode.FRAME_TRUNCATED,
        `stream ended inside a frame: ${bytes(this.q.length)} buffered, expected ${want}`,
      );
    }
  }

  encode(payload: Uint8Array, out: WriteBuffer): void {
    const { offset } = this.c;
    if (payload.length < offset) {
      throw new CodecError(ErrorCode.ENCODE_FAILED, `message is ${bytes(payload.length)}, expected at least the ${offset}-byte prefix`);
    }
    const len = payload.length - offset;
    this.writeHeader(len, out, offset > 0 ? payload.subarray(0, offset) : undefined);
    out.writeBytes(offset > 0 ? payload.subarray(offset) : payload);
  }

  encodeParts(head: FrameHead, payload: Uint8Array, out: WriteBuffer): void {
    if (this.c.offset > 0) {
      this.encode(joinAscii(head, payload), out);
      return;
    }
    const { width, littleEndian } = this.c;
    const hl = head.length;
    if (width === 'varint' || hl === 0) {
      this.writeHeader(hl + payload.length, out, undefined);
      writeAscii(head, out);
    } else {
      // The length field and the header in one reserved slot.
      const value = this.checkLength(hl + payload.length);
      const { buf, at } = out.reserve(width + hl);
      writeUint(buf, at, width, value, littleEndian);
      writeHeadAt(head, buf, at + width);
    }
    out.writeBytes(payload);
  }

  encodeText(payload: string, out: WriteBuffer): void {
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

  private writeHeader(len: number, out: WriteBuffer, prefix: Uint8Array | undefined): void {
    const { width, littleEndian } = this.c;
    const value = this.checkLength(len);
    if (prefix) out.writeBytes(prefix);
    if (width === 'varint') {
      const tmp: number[] = [];
      let v = value;
      do {
        let b = v % 128;
        v = Math.floor(v / 128);
        if (v > 0) b |= 0x80;
        tmp.push(b);
      } while (v > 0);
      const { buf, at } = out.reserve(tmp.length);
      buf.set(tmp, at);
      return;
    }
    const { buf, at } = out.reserve(width);
    writeUint(buf, at, width, value, littleEndian);
  }

  /** The length field's value for a payload of `len` bytes; throws when it cannot be framed. */
  private checkLength(len: number): number {
    const { width, adjustment, max } = this.c;
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
    return value;
  }
}

/** Writes an ASCII header byte for byte (a session header: short, no encoder call needed). */
export function writeAscii(head: FrameHead, out: WriteBuffer): void {
  const n = head.length;
  if (n === 0) return;
  const { buf, at } = out.reserve(n);
  writeHeadAt(head, buf, at);
}

/** Writes the bytes of an ASCII header at `buf[at]`. */
export function writeHeadAt(head: FrameHead, buf: Uint8Array, at: number): void {
  if (typeof head !== 'string') {
    head.writeTo(buf, at);
    return;
  }
  const n = head.length;
  for (let i = 0; i < n; i++) buf[at + i] = head.charCodeAt(i);
}

/** `head` (ASCII) and `payload` joined into new bytes: the fallback of `encodeParts`. */
export function joinAscii(head: FrameHead, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + payload.length);
  writeHeadAt(head, out, 0);
  out.set(payload, head.length);
  return out;
}

import { ByteQueue, type WriteBuffer } from '../bytes.js';
import { CodecError, ErrorCode, FramingError, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { checkMax } from './delimiter.js';
import type { Framer, Framing } from './framer.js';

const utf8 = new TextEncoder();

/** Base for framers whose encoding is the payload as it is (plus a size check). */
abstract class PlainEncoder {
  abstract readonly limit: number;
  encode(payload: Uint8Array, out: WriteBuffer): void {
    this.checkEncode(payload.length);
    out.writeBytes(payload);
  }
  encodeText(payload: string, out: WriteBuffer): void {
    this.encode(utf8.encode(payload), out);
  }
  protected checkEncode(n: number): void {
    if (n > this.limit) throw new CodecError(ErrorCode.MESSAGE_TOO_LARGE, `message is ${bytes(n)}, expected no more than ${this.limit}`);
  }
}

/** Every frame is exactly `size` bytes. */
export function fixed(size: number): Framing {
  checkMax(size);
  return { name: `fixed(${size})`, maxFrameSize: size, messageOriented: false, create: () => new FixedFramer(size) };
}

class FixedFramer extends PlainEncoder implements Framer {
  private readonly q = new ByteQueue();
  readonly skipped = 0;
  constructor(readonly limit: number) {
    super();
  }
  get buffered(): number {
    return this.q.length;
  }
  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }
  next(): Uint8Array | undefined {
    return this.q.length >= this.limit ? this.q.take(this.limit) : undefined;
  }
  finish(): void {
    if (this.q.length > 0) {
      throw new FramingError(ErrorCode.FRAME_TRUNCATED, `stream ended inside a frame: ${bytes(this.q.length)} buffered, expected ${this.limit}`);
    }
  }
  override encode(payload: Uint8Array, out: WriteBuffer): void {
    if (payload.length !== this.limit) {
      throw new CodecError(
        payload.length > this.limit ? ErrorCode.MESSAGE_TOO_LARGE : ErrorCode.ENCODE_FAILED,
        `message is ${bytes(payload.length)}, expected exactly ${this.limit}`,
      );
    }
    out.writeBytes(payload);
  }
}

/**
 * Looks at the buffered bytes and returns the length of the first whole frame, or `undefined`
 * for "not yet" (links' `Framer::get_frame_length`). The length counts every byte of the frame,
 * header and trailer included; the frame is delivered as those bytes. Returning a length larger
 * than what is buffered means "the frame is this long; wait for the rest".
 */
export type FrameLengthFn = (buffered: Uint8Array) => number | undefined;

export interface CustomOptions {
  /** Largest frame, in bytes. @default Limits.maxFrameSize (8 MiB) */
  maxFrameSize?: number;
  /** Turns a payload into the bytes of a frame. @default the payload as it is */
  encode?: (payload: Uint8Array) => Uint8Array;
  /** For logs. @default 'custom' */
  name?: string;
}

export function custom(frameLength: FrameLengthFn, options: CustomOptions = {}): Framing {
  const max = options.maxFrameSize ?? Limits.maxFrameSize;
  checkMax(max);
  return {
    name: options.name ?? 'custom',
    maxFrameSize: max,
    messageOriented: false,
    create: () => new CustomFramer(frameLength, max, options.encode),
  };
}

class CustomFramer extends PlainEncoder implements Framer {
  private readonly q = new ByteQueue();
  private known = -1; // length the function announced for the frame being assembled
  readonly skipped = 0;
  constructor(
    private readonly fn: FrameLengthFn,
    readonly limit: number,
    private readonly enc: ((payload: Uint8Array) => Uint8Array) | undefined,
  ) {
    super();
  }
  get buffered(): number {
    return this.q.length;
  }
  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }
  next(): Uint8Array | undefined {
    const q = this.q;
    if (q.length === 0) return undefined;
    if (this.known < 0) {
      let n: number | undefined;
      try {
        n = this.fn(q.peek(q.length));
      } catch (cause) {
        if (cause instanceof FramingError) throw cause;
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
    if (q.length < this.known) return undefined;
    const n = this.known;
    this.known = -1;
    return q.take(n);
  }
  finish(): void {
    if (this.q.length > 0) {
      throw new FramingError(ErrorCode.FRAME_TRUNCATED, `stream ended inside a frame: ${bytes(this.q.length)} buffered`);
    }
  }
  override encode(payload: Uint8Array, out: WriteBuffer): void {
    let b = payload;
    if (this.enc) {
      try {
        b = this.enc(payload);
      } catch (cause) {
        if (cause instanceof CodecError) throw cause;
        const why = cause instanceof Error ? cause.message : String(cause);
        throw new CodecError(ErrorCode.ENCODE_FAILED, `custom framing could not encode a message of ${bytes(payload.length)}: ${why}`, { cause });
      }
    }
    this.checkEncode(b.length);
    out.writeBytes(b);
  }
}

/** One datagram (or one transport message) is one frame. */
export function datagram(options: { maxFrameSize?: number } = {}): Framing {
  const max = options.maxFrameSize ?? Limits.maxDatagramSize;
  checkMax(max);
  return { name: 'datagram', maxFrameSize: max, messageOriented: true, create: () => new MessageFramer(max, true) };
}

/**
 * No framing: each chunk read from the socket is delivered as it came (split at `maxChunk`),
 * and each payload is written as it is. For byte streams whose meaning is up to the user
 * (the clj-tcp model). Chunk boundaries carry no meaning.
 */
export function raw(options: { maxChunk?: number } = {}): Framing {
  const max = options.maxChunk ?? Limits.maxRawChunk;
  checkMax(max);
  return { name: 'raw', maxFrameSize: Number.MAX_SAFE_INTEGER, messageOriented: false, create: () => new MessageFramer(max, false) };
}

class MessageFramer extends PlainEncoder implements Framer {
  private readonly frames: Uint8Array[] = [];
  private head = 0;
  buffered = 0;
  skipped = 0;
  readonly limit: number;
  constructor(
    private readonly max: number,
    private readonly strict: boolean,
  ) {
    super();
    this.limit = strict ? max : Number.MAX_SAFE_INTEGER;
  }
  push(chunk: Uint8Array): void {
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
  next(): Uint8Array | undefined {
    if (this.head === this.frames.length) {
      if (this.head > 0) {
        this.frames.length = 0;
        this.head = 0;
      }
      return undefined;
    }
    const f = this.frames[this.head]!;
    this.frames[this.head++] = EMPTY;
    this.buffered -= f.length;
    if (this.strict && f.length > this.max) {
      throw new FramingError(ErrorCode.FRAME_TOO_LARGE, `datagram is ${bytes(f.length)}, expected no more than ${this.max}`);
    }
    return f;
  }
  finish(): void {}
}

const EMPTY = new Uint8Array(0);


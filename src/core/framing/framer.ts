import type { WriteBuffer } from '../bytes.js';

/**
 * A framer cuts a byte stream into frames and writes frames back out.
 *
 * Decoding follows the tokio `Decoder` / Netty `ByteToMessageDecoder` contract: `next()` either
 * takes one whole frame out of the buffered bytes or says "not yet" (`undefined`) and consumes
 * nothing, except bytes it throws away on purpose: those counted in `skipped` (`recover`) and
 * empty frames dropped by the delimiter framer's `skipEmpty`. At end of stream `finish()` throws
 * `FRAME_TRUNCATED` if bytes are left over: a partial frame is never delivered as a message.
 *
 * A framer instance belongs to one connection; a {@link Framing} creates one per connection.
 */
export interface Framer {
  /** Buffers received bytes. Never throws; errors come out of `next()`. */
  push(chunk: Uint8Array): void;
  /** The next whole frame, or `undefined` for "not yet". Throws a `FramingError`. */
  next(): Uint8Array | undefined;
  /** End of stream: throws `FRAME_TRUNCATED` when a partial frame is buffered. */
  finish(): void;
  /** Bytes buffered and not yet returned as frames. */
  readonly buffered: number;
  /** Bytes thrown away while recovering from bad input (delimiter framer with `recover`). */
  readonly skipped: number;
  /** Appends one framed payload to `out`. Throws `MESSAGE_TOO_LARGE` or `ENCODE_FAILED`. */
  encode(payload: Uint8Array, out: WriteBuffer): void;
  /**
   * Appends one framed UTF-8 payload given as a string, avoiding an intermediate byte array.
   * Framers without a faster path encode the string first.
   */
  encodeText(payload: string, out: WriteBuffer): void;
}

/** A framing scheme: a description plus a factory for per-connection framers. */
export interface Framing {
  /** `lines`, `delimiter(";")`, `length-prefix(u32be)`, ... for logs and `--help`. */
  readonly name: string;
  /** Largest frame payload accepted, in bytes. */
  readonly maxFrameSize: number;
  /** True when one transport message is one frame (datagrams, WebSocket): no byte-stream reassembly. */
  readonly messageOriented: boolean;
  create(): Framer;
}

import type { WriteBuffer } from '../bytes.js';

/**
 * The short ASCII header `Framer.encodeParts` writes in front of a payload: a string, or an
 * object that writes its bytes itself (a session envelope header kept as numbers, so no string is
 * built per message: `EnvelopeHead` in src/core/session/envelope.ts). An object is only valid
 * during the call it is passed to (it is reused for the next envelope).
 */
export type FrameHead = string | HeadBytes;

/** A header that writes its own ASCII bytes; see {@link FrameHead}. */
export interface HeadBytes {
  /** Its length in bytes (one byte per character: ASCII). */
  readonly length: number;
  /** Writes its `length` bytes at `buf[at]`. */
  writeTo(buf: Uint8Array, at: number): void;
  /** The same bytes as a string. */
  toString(): string;
}

/**
 * A framer cuts a byte stream into frames and writes frames back out.
 *
 * Decoding follows the tokio `Decoder` / Netty `ByteToMessageDecoder` contract: `next()` either
 * takes one whole frame out of the buffered bytes or says "not yet" (`undefined`) and consumes
 * nothing, except bytes it throws away on purpose: those counted in `skipped` (`recover`) and
 * empty frames dropped by the delimiter framer's `skipEmpty`. At end of stream `finish()` throws
 * `FRAME_TRUNCATED` if bytes are left over: a partial frame is never delivered as a message.
 *
 * Frames are handed to the codec, and from there to the application, without a copy, so a frame
 * returned by `next()` must never be written to afterwards: not by the framer, not by a later
 * `push()`. Cut it as a view of a received chunk (chunks are the framer's to keep) or of a buffer
 * the framer will not reuse. The built-in framers and the WebSocket protocol keep this contract
 * (tested in `test/endpoint/frame-ownership.test.ts`).
 *
 * A framer instance belongs to one connection; a {@link Framing} creates one per connection.
 */
/** @internal See {@link Framer.headSkip}. */
export interface HeadSkip {
  /** How many leading bytes of the frame `buf[at .. at + n)` to leave out of its view (0: none). Called once per frame. */
  skip(buf: Uint8Array, at: number, n: number): number;
  /** Set by the framer after `skip` claimed bytes: the view it returned for that frame; else undefined. */
  frame: Uint8Array | undefined;
}

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
  /**
   * Optional: appends one frame whose payload is `head` (ASCII, at most a few hundred bytes)
   * followed by `payload`, without joining them first (a session envelope's header and the
   * application's bytes: docs/session-protocol.md). Same checks and result as `encode` of the
   * joined bytes. Framers without it get the joined bytes through `encode`. `head` is a string
   * or a {@link FrameHead} object that writes its own bytes (no string built per message).
   */
  encodeParts?(head: FrameHead, payload: Uint8Array, out: WriteBuffer): void;
  /**
   * Message framers that know a frame's kind (WebSocket): whether the frame `next()` returned
   * last was binary (`false`: UTF-8 text). Stream framers leave it undefined.
   */
  readonly lastFrameBinary?: boolean;
  /** Framers that run a session protocol with its own control messages (WebSocket). */
  readonly session?: Session;
  /**
   * @internal Set by a session connection on framers that support it (length prefix, WebSocket): each
   * frame's bytes are shown to it before the frame's view is made, and the leading bytes it
   * claims (an envelope header it has parsed) are left out of the view. Saves the second view
   * a session otherwise makes per message (src/endpoint/session.ts).
   */
  headSkip?: HeadSkip | undefined;
  /** The connection is gone: release what the framer holds (a WebSocket's zlib streams). */
  dispose?(): void;
}

/**
 * The session side of a framer that speaks a protocol of its own on top of frames (WebSocket:
 * ping/pong, the close handshake). Control replies (a pong, a close reply) are written by the
 * framer into the write buffer it was created with; the connection flushes them.
 */
export interface Session {
  /** Set once the peer's closing message arrived: its code and reason. */
  readonly peerClose: { readonly code: number; readonly reason: string } | undefined;
  /** Set once we sent our closing message. */
  readonly closeSent: boolean;
  /** Writes our closing message (code, reason) into the write buffer. Does nothing when already sent. */
  close(code: number, reason: string): void;
  /**
   * Whether this side must wait for the peer's closing message before ending the transport
   * (RFC 6455 7.1.1: the client waits for the server to close TCP).
   */
  readonly waitForPeerClose: boolean;
  /** Writes a ping carrying `data` into the write buffer. */
  ping(data: Uint8Array): void;
  /** Called with each pong's data as frames are read. */
  onPong: ((data: Uint8Array) => void) | undefined;
}

/** A framing scheme: a description plus a factory for per-connection framers. */
export interface Framing {
  /** `lines`, `delimiter(";")`, `length-prefix(u32be)`, ... for logs and `--help`. */
  readonly name: string;
  /** Largest frame payload accepted, in bytes. */
  readonly maxFrameSize: number;
  /** True when one transport message is one frame (datagrams, WebSocket): no byte-stream reassembly. */
  readonly messageOriented: boolean;
  /**
   * A framer for one connection. `out` is the connection's write buffer, for framers that write
   * control messages of their own (a WebSocket pong); stream framers ignore it.
   */
  create(out?: WriteBuffer): Framer;
}

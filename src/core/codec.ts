import { allocLike } from './bytes.js';
import { CodecError, ErrorCode, bytes } from './errors.js';

/**
 * A codec turns frames into messages and messages into frame payloads. The receive type `In`
 * and the send type `Out` may differ: a client sends `ClientMsg` and receives `ServerMsg`.
 *
 * `encode` may return a string; it is then written as UTF-8 straight into the outgoing buffer,
 * without an intermediate byte array. `decode` gets the received bytes as a view that nothing
 * writes to again (the {@link Framer} contract), so a message may keep it without copying. The
 * view may share its memory with the other frames of the same socket read (at most one read's
 * worth, 64 KiB): a codec that turns small frames into long-lived messages may copy them
 * (`copyBytes(frame)`; note that `Buffer#slice` does not copy) so the read buffer can be freed.
 */
export interface Codec<In, Out = In> {
  /** For logs and `--help`: `bytes`, `text`, `json`, `msgpack`... */
  readonly name: string;
  /** Whether payloads are binary (WebSocket binary frames) or UTF-8 text (text frames). */
  readonly binary: boolean;
  encode(msg: Out): Uint8Array | string;
  /**
   * `binary` is the frame's kind where the transport knows it (WebSocket: `false` for a text
   * frame, already checked to be UTF-8); `undefined` on byte streams.
   */
  decode(frame: Uint8Array, binary?: boolean): In;
}

/**
 * Payloads as bytes. A received message is the frame's view, as node:net's `data` events and `ws`
 * hand them out; `copy: true` gives each message memory of its own (see {@link Codec}).
 */
export function bytesCodec(options: { copy?: boolean } = {}): Codec<Uint8Array, Uint8Array | string> {
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
export function copyBytes(bytes: Uint8Array): Uint8Array {
  // Not `slice`: on a Node Buffer it zero-fills a fresh Buffer through its species constructor,
  // which was a third of the CPU of a 64-byte echo (bench/). allocLike takes Buffer.allocUnsafe
  // (pooled, not zeroed); every byte is overwritten at once.
  const out = allocLike(bytes, bytes.length);
  out.set(bytes);
  return out;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly: invalid bytes are an `INVALID_UTF8` error, never U+FFFD. */
export function decodeUtf8(frame: Uint8Array): string {
  try {
    return strictDecoder.decode(frame);
  } catch (cause) {
    throw new CodecError(ErrorCode.INVALID_UTF8, `frame of ${bytes(frame.length)} is not valid UTF-8`, { cause });
  }
}

/** UTF-8 text. Invalid UTF-8 is an `INVALID_UTF8` error. */
export function textCodec(): Codec<string> {
  return {
    name: 'text',
    binary: false,
    encode: (msg) => {
      if (typeof msg !== 'string') throw new CodecError(ErrorCode.ENCODE_FAILED, `text codec expected a string, got ${typeof msg}`);
      return msg;
    },
    decode: decodeUtf8,
  };
}

export interface JsonCodecOptions<In> {
  /**
   * Checks a parsed value before it is delivered (a schema's type guard). A value that fails is
   * a `DECODE_FAILED` error. @default accept any JSON value
   */
  validate?: (value: unknown) => value is In;
}

/** JSON text, one value per frame. `In`/`Out` are the receive and send types. */
export function jsonCodec<In = unknown, Out = In>(options: JsonCodecOptions<In> = {}): Codec<In, Out> {
  const { validate } = options;
  return {
    name: 'json',
    binary: false,
    encode: (msg) => {
      let s: string | undefined;
      try {
        s = JSON.stringify(msg);
      } catch (cause) {
        throw new CodecError(ErrorCode.ENCODE_FAILED, `message cannot be written as JSON: ${(cause as Error).message}`, { cause });
      }
      if (s === undefined) throw new CodecError(ErrorCode.ENCODE_FAILED, `a value of type ${typeof msg} has no JSON form`);
      return s;
    },
    decode: (frame) => {
      const text = decodeUtf8(frame);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new CodecError(ErrorCode.INVALID_JSON, `frame of ${bytes(frame.length)} is not valid JSON: ${(cause as Error).message}`, {
          cause,
        });
      }
      if (validate && !validate(value)) {
        throw new CodecError(ErrorCode.DECODE_FAILED, `frame of ${bytes(frame.length)} is JSON but fails the message validator`);
      }
      return value as In;
    },
  };
}

/** Builds a codec from two functions (msgpack, protobuf...); what they throw becomes `DECODE_FAILED` / `ENCODE_FAILED`. */
export function defineCodec<In, Out = In>(spec: {
  name: string;
  /** @default true */
  binary?: boolean;
  encode: (msg: Out) => Uint8Array | string;
  decode: (frame: Uint8Array) => In;
}): Codec<In, Out> {
  const fail = (code: typeof ErrorCode.ENCODE_FAILED | typeof ErrorCode.DECODE_FAILED, what: string, cause: unknown): never => {
    if (cause instanceof CodecError) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new CodecError(code, `${spec.name} codec could not ${what}: ${why}`, { cause });
  };
  return {
    name: spec.name,
    binary: spec.binary ?? true,
    encode: (msg) => {
      try {
        return spec.encode(msg);
      } catch (cause) {
        return fail(ErrorCode.ENCODE_FAILED, 'encode the message', cause);
      }
    },
    decode: (frame) => {
      try {
        return spec.decode(frame);
      } catch (cause) {
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
export function messageCodec(): Codec<string | Uint8Array> {
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
} as const;

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
export declare function bytesCodec(options?: {
    copy?: boolean;
}): Codec<Uint8Array, Uint8Array | string>;
/** A copy of `bytes` that shares no memory with it (`Buffer#slice` would return a view). */
export declare function copyBytes(bytes: Uint8Array): Uint8Array;
/** Decodes UTF-8 strictly: invalid bytes are an `INVALID_UTF8` error, never U+FFFD. */
export declare function decodeUtf8(frame: Uint8Array): string;
/** UTF-8 text. Invalid UTF-8 is an `INVALID_UTF8` error. */
export declare function textCodec(): Codec<string>;
export interface JsonCodecOptions<In> {
    /**
     * Checks a parsed value before it is delivered (a schema's type guard). A value that fails is
     * a `DECODE_FAILED` error. @default accept any JSON value
     */
    validate?: (value: unknown) => value is In;
}
/** JSON text, one value per frame. `In`/`Out` are the receive and send types. */
export declare function jsonCodec<In = unknown, Out = In>(options?: JsonCodecOptions<In>): Codec<In, Out>;
/** Builds a codec from two functions (msgpack, protobuf...); what they throw becomes `DECODE_FAILED` / `ENCODE_FAILED`. */
export declare function defineCodec<In, Out = In>(spec: {
    name: string;
    /** @default true */
    binary?: boolean;
    encode: (msg: Out) => Uint8Array | string;
    decode: (frame: Uint8Array) => In;
}): Codec<In, Out>;
/**
 * Text or bytes, as they came: WebSocket text frames decode to `string` and binary frames to
 * `Uint8Array`; a `string` is sent as a text frame and a `Uint8Array` as a binary one. On byte
 * streams, where frames have no kind, every frame is a `Uint8Array`.
 */
export declare function messageCodec(): Codec<string | Uint8Array>;
export declare const codecs: {
    readonly bytes: typeof bytesCodec;
    readonly message: typeof messageCodec;
    readonly text: typeof textCodec;
    readonly json: typeof jsonCodec;
    readonly define: typeof defineCodec;
};

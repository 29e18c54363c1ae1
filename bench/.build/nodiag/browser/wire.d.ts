/**
 * The seam between the codec and the platform's WebSocket.
 *
 *     send:     msg -> codec.encode -> wire.wrap(payload) -> ws.send
 *     receive:  ws message -> size check -> wire.unwrap(frame, binary) -> codec.decode -> deliver
 *
 * Today the wire is the identity: a codec's payload is one WebSocket message. The sessions issue's
 * envelope (the sans-I/O machine in core/session: sequence numbers, cumulative acks, resume,
 * request ids, PING/PONG) is a `Wire`: `wrap` puts a payload in a DATA envelope, `unwrap` takes
 * acks, pongs and replies out of the stream (returning `undefined`) and hands the payload of a DATA
 * envelope on to the codec; `opened` sends the HELLO/RESUME before anything else leaves. The
 * connection and the permanent client do not change for it.
 */
export interface Wire {
    /** A payload the codec made -> what `ws.send` sends. */
    wrap(payload: string | Uint8Array): string | Uint8Array;
    /** A received message -> the codec's frame, or `undefined` when the wire consumed it. Throwing closes the connection. */
    unwrap(frame: Uint8Array, binary: boolean): Uint8Array | undefined;
    /** The socket opened: `send` writes straight to it (a session's HELLO / RESUME). */
    opened?(send: (data: string | Uint8Array) => void): void;
}

/**
 * The WebSocket protocol after the opening handshake (RFC 6455 5-7, RFC 7692 6-7), sans-I/O in
 * the style of python-websockets: bytes in (`receive`, `receiveEof`), events out (`nextEvent`),
 * and everything to send written into the connection's {@link WriteBuffer}.
 *
 *                   open()
 *     CONNECTING ----------> OPEN ----------------------------+
 *         |                   |                               |
 *         | close()           | close() / peer's close frame  | receiveEof()
 *         |                   | / protocol error              | (no close frame:
 *         |                   v                               |  close code 1006)
 *         |                CLOSING                            |
 *         |                   | both close frames exchanged:  |
 *         |                   |  server closes TCP first,     |
 *         |                   |  client waits (closeExpected) |
 *         |                   | receiveEof()                  |
 *         |                   v                               |
 *         +-------------->  CLOSED  <-------------------------+
 *
 * The I/O layer is a short loop:
 *
 *     socket.on('data', (chunk) => { ws.receive(chunk); pump(); });
 *     socket.on('end', () => { ws.receiveEof(); pump(); });
 *     function pump() {
 *       for (let ev; (ev = ws.nextEvent()) !== undefined; ) deliver(ev);
 *       for (const piece of out.take()) socket.write(piece);       // pongs, close replies
 *       if (ws.shouldCloseTransport()) socket.end();
 *       else if (ws.closeExpected()) armCloseTimer();             // Limits.closeTimeout
 *     }
 *
 * Frames are parsed lazily, in `nextEvent()`: received bytes wait compact (and compressed) in
 * the receive queue until the application takes events, so an I/O layer that stops calling
 * `nextEvent()` (its receive queue is full) and pauses reading bounds memory by itself.
 * Automatic replies (pongs, the close reply) are written while parsing.
 */
import { type WriteBuffer } from '../bytes.js';
import type { Compressor } from './deflate.js';
import { WebSocketError } from './errors.js';
import { type FrameParseOptions, type MaskFunction, type Role } from './frame.js';
import type { RandomBytes } from './handshake.js';
export declare const WsState: {
    readonly CONNECTING: "CONNECTING";
    readonly OPEN: "OPEN";
    readonly CLOSING: "CLOSING";
    readonly CLOSED: "CLOSED";
};
export type WsState = (typeof WsState)[keyof typeof WsState];
/** What `nextEvent()` returns. */
export type WsEvent = 
/** A whole message. `data` may be a view of received bytes: it is the caller's from now on. */
{
    type: 'message';
    data: Uint8Array;
    binary: boolean;
}
/**
 * A ping. Its pong is written (in state OPEN) once the pings that arrived together are parsed:
 * when `nextEvent()` next returns anything but a ping, or `undefined`. Several pings in a row
 * get one pong, for the latest (RFC 6455 5.5.3).
 */
 | {
    type: 'ping';
    data: Uint8Array;
} | {
    type: 'pong';
    data: Uint8Array;
}
/**
 * The close handshake finished (both close frames), or the transport ended first. `code` and
 * `reason` are what the peer's close frame said: 1005 when it had no code, 1006 when no close
 * frame arrived. `initiatedByPeer`: the peer closed first (or just went away). Emitted once.
 */
 | {
    type: 'close';
    code: number;
    reason: string;
    initiatedByPeer: boolean;
}
/**
 * The peer broke the protocol. The close frame with `error.closeCode` has been written, the
 * state is CLOSING, and data frames are ignored from now on.
 */
 | {
    type: 'error';
    error: WebSocketError;
};
/** Security limits of one connection. Defaults from {@link Limits}. */
export interface WebSocketLimits {
    /** @default Limits.wsMaxMessageSize (8 MiB) */
    maxMessageSize?: number;
    /** @default Limits.wsMaxFrameSize (8 MiB) */
    maxFrameSize?: number;
    /** @default Limits.wsMaxFragments (1048576) */
    maxFragments?: number;
    /** Messages smaller than this are sent uncompressed. @default Limits.wsCompressionThreshold (1024) */
    compressionThreshold?: number;
}
export interface WebSocketProtocolOptions {
    role: Role;
    /** The connection's write buffer: every frame to send is written here. */
    out: WriteBuffer;
    /** Random bytes for masking keys. Required for clients (RFC 6455 5.3); unused by servers. */
    random?: RandomBytes;
    limits?: WebSocketLimits;
    /** permessage-deflate, when the handshake negotiated it. */
    compressor?: Compressor;
    /** Masks and unmasks payloads. @default applyMask (portable JavaScript) */
    mask?: MaskFunction;
    /** `CONNECTING` to create the protocol before the handshake finished; then call `open()`. @default 'OPEN' */
    state?: 'CONNECTING' | 'OPEN';
}
export interface SendOptions {
    /** Split the message into frames of at most this many payload bytes. @default no splitting */
    fragmentSize?: number;
}
/** The WebSocket protocol state machine of one connection. */
export declare class WebSocketProtocol implements FrameParseOptions {
    readonly role: Role;
    private readonly out;
    private readonly random;
    private readonly maskWith;
    private compressor;
    private readonly maxMessageSize;
    /** Largest frame payload accepted (`limits.maxFrameSize`). */
    readonly maxFrameSize: number;
    private readonly maxFragments;
    private readonly threshold;
    private _state;
    private readonly q;
    private header;
    private utf8;
    private frameUtf8;
    private checked;
    private rotated;
    private scratch;
    private skipping;
    private msg;
    private events;
    private closeSent;
    private closeReceived;
    private closeEmitted;
    private failed;
    private discard;
    private eof;
    private peerClose;
    private maskPool;
    private maskPos;
    private maskKey;
    private pongData;
    private pongLength;
    constructor(options: WebSocketProtocolOptions);
    get state(): WsState;
    /** Received bytes not yet parsed into events. */
    get bufferedAmount(): number;
    /** Bytes held for the peer: received bytes not yet parsed, plus the parts of an unfinished fragmented message. */
    get heldAmount(): number;
    /** Whether messages are compressed (permessage-deflate was negotiated). */
    get compression(): boolean;
    /** CONNECTING -> OPEN, once the handshake succeeded; bytes received meanwhile are parsed now. */
    open(options?: {
        compressor?: Compressor;
    }): void;
    /**
     * Buffers received bytes; `nextEvent()` parses them. The protocol takes ownership of `chunk`:
     * masked payloads are unmasked in place, and messages may be views of it.
     */
    receive(chunk: Uint8Array): void;
    /** The peer ended the stream (TCP FIN), or the I/O layer gave up on it (close timer). */
    receiveEof(): void;
    /** The next event, or `undefined` when the buffered bytes hold no more. */
    nextEvent(): WsEvent | undefined;
    /** Parses at most one frame. */
    private step;
    /**
     * The validator that checks an uncompressed text frame's payload as it arrives: the
     * connection's one for a message in one frame, a fresh one for the first fragment, the
     * message's one for a continuation. `undefined` for binary, control and compressed frames
     * (those are checked after inflating, in onData).
     */
    private textValidatorFor;
    /**
     * Part of a text frame's payload is here: unmask it in place and validate it, so invalid
     * UTF-8 fails the connection (1007) before the rest of the frame arrives. Each byte is
     * unmasked and checked once: the frame's completion only does the bytes after `checked`.
     */
    private checkAhead;
    /** Unmasks `view` in place, `view[0]` being byte `offset` of the payload (RFC 6455 5.3: key octet i MOD 4). */
    private unmaskAt;
    /** Rules that need the message state (RFC 6455 5.4), checked once the header is in. */
    private checkHeader;
    /** A data frame. `checked`: the validator that already checked an uncompressed text payload. */
    private onData;
    /**
     * A message in one frame, the common case: checked like any other (size, inflation, UTF-8)
     * without the state a fragmented message needs.
     */
    private wholeMessage;
    private onClose;
    /**
     * RFC 6455 7.1.7 _Fail the WebSocket Connection_: send a close frame with the error's code
     * (unless one was sent already), then ignore data. `desync`: the byte stream itself cannot be
     * followed any further (bad header), so no close frame from the peer can be read either.
     */
    private fail;
    /** End of the transport: CLOSED, and the close event if the close handshake did not finish. */
    private finish;
    /**
     * True when the I/O layer should end the transport now, after writing what is in `out`:
     * the server once the close handshake is done or it failed the connection (RFC 6455 7.1.1:
     * "the underlying TCP connection ... SHOULD be closed first by the server"), and either side
     * once the peer has ended the stream.
     */
    shouldCloseTransport(): boolean;
    /**
     * True while CLOSING: the transport should end soon (we wait for the peer's close frame, or a
     * client waits for the server to close TCP). Arm a timer (`Limits.closeTimeout`); when it
     * fires, end the transport and call `receiveEof()`.
     */
    closeExpected(): boolean;
    /**
     * Starts the closing handshake (RFC 6455 7.1.2): writes a close frame and moves to CLOSING.
     * `code` defaults to 1000; `reason` is cut to 123 UTF-8 bytes. Returns false (and writes
     * nothing) unless OPEN. Throws `WS_INVALID_ARGUMENT` for a code that may not be sent (1005,
     * 1006, 1015, reserved ranges). In CONNECTING it goes straight to CLOSED, writing nothing,
     * and the next event is the close event (1006).
     */
    close(code?: number, reason?: string): boolean;
    private writeClose;
    /**
     * Writes one message. Text may be given as a string: unmasked and uncompressed, it is encoded
     * straight into the write buffer; masked, it is encoded once into the write buffer and masked
     * in place there. With permessage-deflate, messages of at least `compressionThreshold` bytes
     * are compressed. Returns false (and writes nothing) unless OPEN. Text given as bytes is not
     * checked for valid UTF-8.
     */
    send(payload: Uint8Array | string, binary: boolean, options?: SendOptions): boolean;
    /** One unfragmented, uncompressed frame for a string of `n` UTF-8 bytes, encoded in place. */
    private writeTextFrame;
    /** Writes `data` as one frame or as fragments. `owned`: `data` is ours to mask in place. */
    private writeMessage;
    /** Sends a ping (RFC 6455 5.5.2). At most 125 bytes. Returns false unless OPEN. */
    ping(data?: Uint8Array | string): boolean;
    /** Sends a pong, also unsolicited, as a heartbeat (RFC 6455 5.5.3). At most 125 bytes. */
    pong(data?: Uint8Array | string): boolean;
    private control;
    /** Writes the pong of the latest ping not answered yet, if any (still OPEN). */
    private writePong;
    /** A fresh masking key for a client frame (RFC 6455 5.3), `undefined` for a server. */
    private nextMask;
}

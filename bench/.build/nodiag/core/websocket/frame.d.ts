/**
 * WebSocket frames (RFC 6455 5.2): header parsing and writing, and masking.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-------+-+-------------+-------------------------------+
 *     |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *     |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *     |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *     | |1|2|3|       |K|             |                               |
 *     +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *     |     Extended payload length continued, if payload len == 127  |
 *     + - - - - - - - - - - - - - - - +-------------------------------+
 *     |                               |Masking-key, if MASK set to 1  |
 *     +-------------------------------+-------------------------------+
 *     | Masking-key (continued)       |          Payload Data         |
 *     +-------------------------------- - - - - - - - - - - - - - - - +
 *     :                     Payload Data continued ...                :
 *     + - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - +
 *
 * The header is 2 to 14 bytes: 2, plus 2 or 8 for an extended length, plus 4 for a mask.
 *
 * Received payloads are unmasked in place: they are views of chunks handed to the protocol's
 * `receive()`, which takes ownership of them. Outgoing payloads given by the caller are never
 * modified: masking copies them once, XOR-ing on the way into the write buffer.
 */
import type { ByteQueue, WriteBuffer } from '../bytes.js';
/** Frame opcodes (RFC 6455 5.2, 11.8). 0x3-0x7 and 0xB-0xF are reserved. */
export declare const Opcode: {
    readonly CONTINUATION: 0;
    readonly TEXT: 1;
    readonly BINARY: 2;
    readonly CLOSE: 8;
    readonly PING: 9;
    readonly PONG: 10;
};
export type Opcode = (typeof Opcode)[keyof typeof Opcode];
/** Which end of the connection we are. Clients mask what they send; servers do not. */
export type Role = 'client' | 'server';
/** RFC 6455 5.5: "All control frames MUST have a payload length of 125 bytes or less". */
export declare const MAX_CONTROL_PAYLOAD = 125;
export interface FrameHeader {
    fin: boolean;
    /** RSV1: with permessage-deflate, "this message is compressed" (RFC 7692 6). */
    rsv1: boolean;
    opcode: Opcode;
    /** The masking key, or `undefined` for an unmasked frame. */
    mask: Uint8Array | undefined;
    /** Payload length in bytes. */
    length: number;
    /** Header length in bytes (2..14). */
    headerLength: number;
}
export interface FrameParseOptions {
    /** Our role: a server requires masked frames, a client requires unmasked ones. */
    role: Role;
    /** Whether RSV1 may be set (permessage-deflate was negotiated). */
    compression: boolean;
    /** Largest payload accepted; a larger one is close code 1009 before it is buffered. */
    maxFrameSize: number;
}
/**
 * Reads one frame header from the front of `q`. Returns `undefined` ("not yet") without
 * consuming anything while the header is incomplete; otherwise consumes the header (the payload
 * stays in `q`) and returns it. Each rule is checked as soon as its bytes have arrived, so a bad
 * frame is refused at its first byte, however the input is split. Throws a {@link WebSocketError}:
 * `WS_INVALID_FRAME` (1002) or `WS_MESSAGE_TOO_LARGE` (1009).
 *
 * With `into`, the header is written into that object (and its `mask` array, which is reused)
 * instead of a new one: a connection parsing a frame at a time allocates nothing per frame.
 */
export declare function parseFrameHeader(q: ByteQueue, options: FrameParseOptions, into?: FrameHeader): FrameHeader | undefined;
/** Header size for a payload of `length` bytes (RFC 6455 5.2: the shortest length form). */
export declare function frameHeaderLength(length: number, masked: boolean): number;
/**
 * Writes a frame header at `buf[at]` and returns its length. `mask`, when given, is written
 * as the masking key; the caller masks the payload.
 */
export declare function writeFrameHeader(buf: Uint8Array, at: number, opcode: Opcode, fin: boolean, rsv1: boolean, length: number, mask: Uint8Array | undefined): number;
/**
 * XORs `src` with the 4-byte `mask` into `dst[at..]` (RFC 6455 5.3: octet i of the payload is
 * XOR-ed with octet i MOD 4 of the key). `dst` may be `src` itself (with `at` = 0) to unmask in
 * place.
 */
/**
 * XORs `src` with the 4-byte `mask` into `dst` from offset `at` (`src === dst` with `at` 0 masks
 * in place). {@link applyMask} is the portable one; the Node transport passes a native one
 * (bufferutil, SIMD) where it is installed.
 */
export type MaskFunction = (src: Uint8Array, mask: Uint8Array, dst: Uint8Array, at: number) => void;
export declare function applyMask(src: Uint8Array, mask: Uint8Array, dst: Uint8Array, at: number): void;
/**
 * Appends one frame to `out`. Without `mask` the header goes into a reserved slot and the
 * payload is written by `out.writeBytes` (copied into the slab when small, kept by reference
 * when large). With `mask`, header and payload go into one reserved slot and the payload is
 * XOR-ed into it: copied exactly once, `payload` itself untouched. With `owned: true` the
 * caller gives up `payload` (a fresh compressor output): it is masked in place instead.
 * `maskWith` does the XOR (default {@link applyMask}).
 */
export declare function writeFrame(out: WriteBuffer, opcode: Opcode, fin: boolean, rsv1: boolean, payload: Uint8Array, mask: Uint8Array | undefined, owned?: boolean, maskWith?: MaskFunction): void;

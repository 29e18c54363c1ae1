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
import { ByteQueue, type WriteBuffer } from '../bytes.js';
import { ConfigError, ErrorCode, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { CloseCode, closePayload, parseClosePayload } from './close.js';
import type { FrameHead, HeadSkip } from '../framing/framer.js';
import { joinAscii, writeHeadAt } from '../framing/length-prefix.js';
import type { Compressor } from './deflate.js';
import { WebSocketError } from './errors.js';
import {
  MAX_CONTROL_PAYLOAD,
  Opcode,
  applyMask,
  frameHeaderLength,
  parseFrameHeader,
  writeFrame,
  writeFrameHeader,
  type FrameHeader,
  type FrameParseOptions,
  type MaskFunction,
  type Role,
} from './frame.js';
import type { RandomBytes } from './handshake.js';
import { Utf8Validator, utf8Length } from './utf8.js';

export const WsState = {
  CONNECTING: 'CONNECTING',
  OPEN: 'OPEN',
  CLOSING: 'CLOSING',
  CLOSED: 'CLOSED',
} as const;
export type WsState = (typeof WsState)[keyof typeof WsState];

/** What `nextEvent()` returns. */
export type WsEvent =
  /** A whole message. `data` may be a view of received bytes: it is the caller's from now on. */
  | { type: 'message'; data: Uint8Array; binary: boolean }
  /**
   * A ping. Its pong is written (in state OPEN) once the pings that arrived together are parsed:
   * when `nextEvent()` next returns anything but a ping, or `undefined`. Several pings in a row
   * get one pong, for the latest (RFC 6455 5.5.3).
   */
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  /**
   * The close handshake finished (both close frames), or the transport ended first. `code` and
   * `reason` are what the peer's close frame said: 1005 when it had no code, 1006 when no close
   * frame arrived. `initiatedByPeer`: the peer closed first (or just went away). Emitted once.
   */
  | { type: 'close'; code: number; reason: string; initiatedByPeer: boolean }
  /**
   * The peer broke the protocol. The close frame with `error.closeCode` has been written, the
   * state is CLOSING, and data frames are ignored from now on.
   */
  | { type: 'error'; error: WebSocketError };

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

const NOT_YET = 0;
const CONTINUE = 1;
type Step = WsEvent | typeof NOT_YET | typeof CONTINUE;

/** Masking keys are taken from random bytes fetched this many at a time: 2048 frames per call to `random` (ws uses 8 KiB too). */
const MASK_POOL = 8192;

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Short, fixed close reasons: the code's meaning, never details of what went wrong. */
const FAIL_REASON: Record<number, string> = {
  [CloseCode.PROTOCOL_ERROR]: 'protocol error',
  [CloseCode.INVALID_PAYLOAD]: 'invalid payload data',
  [CloseCode.POLICY_VIOLATION]: 'policy violation',
  [CloseCode.MESSAGE_TOO_BIG]: 'message too big',
};

interface Message {
  binary: boolean;
  compressed: boolean;
  /** Bytes of the message so far (inflated bytes when compressed). */
  size: number;
  fragments: number;
  utf8: Utf8Validator | undefined;
  parts: Assembler;
}

/** Settings every protocol made with the same limits, role and masking shares (see `configFor`). */
interface ProtocolConfig {
  readonly role: Role;
  readonly random: RandomBytes | undefined;
  readonly maskWith: MaskFunction;
  readonly limits: WebSocketLimits | undefined;
  readonly maxMessageSize: number;
  readonly maxFrameSize: number;
  readonly maxFragments: number;
  readonly threshold: number;
}

const NO_LIMITS: WebSocketLimits = Object.freeze({});
const configs = new WeakMap<WebSocketLimits, ProtocolConfig>();

/** One resolved config per limits object (a server passes the same one to every connection). */
function configFor(options: WebSocketProtocolOptions): ProtocolConfig {
  const key = options.limits ?? NO_LIMITS;
  const maskWith = options.mask ?? applyMask;
  const c = configs.get(key);
  if (c !== undefined && c.role === options.role && c.random === options.random && c.maskWith === maskWith) return c;
  const l = options.limits ?? {};
  const made: ProtocolConfig = {
    role: options.role,
    random: options.random,
    maskWith,
    limits: options.limits,
    maxMessageSize: positive('maxMessageSize', l.maxMessageSize ?? Limits.wsMaxMessageSize),
    maxFrameSize: positive('maxFrameSize', l.maxFrameSize ?? Limits.wsMaxFrameSize),
    maxFragments: positive('maxFragments', l.maxFragments ?? Limits.wsMaxFragments),
    threshold: l.compressionThreshold ?? Limits.wsCompressionThreshold,
  };
  configs.set(key, made);
  return made;
}

/** Close-handshake and input bits (`WebSocketProtocol.bits`). */
const B = { closeSent: 1, closeReceived: 2, closeEmitted: 4, failed: 8, discard: 16, eof: 32 } as const;

/**
 * Fields a server connection that only exchanges data never uses (masking is the client's, pongs
 * and close bookkeeping are rare): made on first use.
 */
class ProtocolExtras {
  /** The masking key rotated for the payload part of `sendParts`. */
  partsKey: Uint8Array | undefined = undefined;
  /** Queued by a local close after EOF (rare). */
  events: WsEvent[] | undefined = undefined;
  peerClose: { code: number; reason: string } | undefined = undefined;
  /** Clients: random bytes masking keys are taken from. */
  maskPool: Uint8Array = EMPTY;
  maskPos: number = 0;
  /** Clients: the current frame's key. */
  maskKey: Uint8Array | undefined = undefined;
  /** The latest ping's payload, not answered yet (copied: at most 125 bytes). */
  pongData: Uint8Array | undefined = undefined;
  /** -1: no pong pending. */
  pongLength: number = -1;
  /** Masked frames cut by a `headSkip` (sessions over WebSocket, server side). */
  unmasker: Unmasker | undefined = undefined;
}

/** The WebSocket protocol state machine of one connection. */
export class WebSocketProtocol implements FrameParseOptions {
  // Settings shared with the other connections of the endpoint, and six flags in one number:
  // an idle connection's protocol is the per-connection state below and little else.
  private readonly cfg: ProtocolConfig;
  private bits = 0;
  private x: ProtocolExtras | undefined;
  private readonly out: WriteBuffer;
  /** @internal See `Framer.headSkip`: used on whole, uncompressed binary messages (one frame). */
  headSkip: HeadSkip | undefined = undefined;
  private compressor: Compressor | undefined;

  private _state: WsState;
  private readonly q = new ByteQueue();
  private header: FrameHeader | undefined; // parsed, payload not yet complete
  private utf8: Utf8Validator | undefined; // for text messages in one frame
  // An uncompressed text frame is unmasked and checked as its payload arrives (see checkAhead):
  private frameUtf8: Utf8Validator | undefined; // the validator of the frame being read, if text
  private checked = 0; // payload bytes of that frame already unmasked and validated
  private rotated: Uint8Array | undefined; // the masking key rotated to a payload offset
  private scratch: FrameHeader | undefined; // every frame's header is parsed into it (made at the first frame)
  private skipping = 0; // payload bytes still to drop (data frames after a failure)
  private msg: Message | undefined;


  constructor(options: WebSocketProtocolOptions) {
    if (options.role === 'client' && options.random === undefined) {
      throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, 'a client WebSocketProtocol needs `random` for masking keys (RFC 6455 5.3)');
    }
    this.cfg = configFor(options);
    this.out = options.out;
    this.compressor = options.compressor;
    this._state = options.state ?? WsState.OPEN;
  }

  private get partsKey(): Uint8Array | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.partsKey;
  }
  private set partsKey(v: Uint8Array | undefined) {
    if (this.x === undefined && v === undefined) return;
    (this.x ??= new ProtocolExtras()).partsKey = v;
  }
  private get events(): WsEvent[] | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.events;
  }
  private set events(v: WsEvent[] | undefined) {
    if (this.x === undefined && v === undefined) return;
    (this.x ??= new ProtocolExtras()).events = v;
  }
  private get peerClose(): { code: number; reason: string } | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.peerClose;
  }
  private set peerClose(v: { code: number; reason: string } | undefined) {
    if (this.x === undefined && v === undefined) return;
    (this.x ??= new ProtocolExtras()).peerClose = v;
  }
  private get maskPool(): Uint8Array {
    const x = this.x;
    return x === undefined ? EMPTY : x.maskPool;
  }
  private set maskPool(v: Uint8Array) {
    if (this.x === undefined && v === EMPTY) return;
    (this.x ??= new ProtocolExtras()).maskPool = v;
  }
  private get maskPos(): number {
    const x = this.x;
    return x === undefined ? 0 : x.maskPos;
  }
  private set maskPos(v: number) {
    if (this.x === undefined && v === 0) return;
    (this.x ??= new ProtocolExtras()).maskPos = v;
  }
  private get maskKey(): Uint8Array | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.maskKey;
  }
  private set maskKey(v: Uint8Array | undefined) {
    if (this.x === undefined && v === undefined) return;
    (this.x ??= new ProtocolExtras()).maskKey = v;
  }
  private get pongData(): Uint8Array | undefined {
    const x = this.x;
    return x === undefined ? undefined : x.pongData;
  }
  private set pongData(v: Uint8Array | undefined) {
    if (this.x === undefined && v === undefined) return;
    (this.x ??= new ProtocolExtras()).pongData = v;
  }
  private get pongLength(): number {
    const x = this.x;
    return x === undefined ? -1 : x.pongLength;
  }
  private set pongLength(v: number) {
    if (this.x === undefined && v === -1) return;
    (this.x ??= new ProtocolExtras()).pongLength = v;
  }

  get role(): Role {
    return this.cfg.role;
  }

  /** Largest frame payload accepted (`limits.maxFrameSize`). */
  get maxFrameSize(): number {
    return this.cfg.maxFrameSize;
  }

  private get random(): RandomBytes | undefined {
    return this.cfg.random;
  }
  private get maskWith(): MaskFunction {
    return this.cfg.maskWith;
  }
  private get maxMessageSize(): number {
    return this.cfg.maxMessageSize;
  }
  private get maxFragments(): number {
    return this.cfg.maxFragments;
  }
  private get threshold(): number {
    return this.cfg.threshold;
  }
  private get closeSent(): boolean {
    return (this.bits & B.closeSent) !== 0;
  }
  private set closeSent(v: boolean) {
    this.bits = v ? this.bits | B.closeSent : this.bits & ~B.closeSent;
  }
  private get closeReceived(): boolean {
    return (this.bits & B.closeReceived) !== 0;
  }
  private set closeReceived(v: boolean) {
    this.bits = v ? this.bits | B.closeReceived : this.bits & ~B.closeReceived;
  }
  private get closeEmitted(): boolean {
    return (this.bits & B.closeEmitted) !== 0;
  }
  private set closeEmitted(v: boolean) {
    this.bits = v ? this.bits | B.closeEmitted : this.bits & ~B.closeEmitted;
  }
  private get failed(): boolean {
    return (this.bits & B.failed) !== 0;
  }
  private set failed(v: boolean) {
    this.bits = v ? this.bits | B.failed : this.bits & ~B.failed;
  }
  private get discard(): boolean {
    return (this.bits & B.discard) !== 0;
  }
  private set discard(v: boolean) {
    this.bits = v ? this.bits | B.discard : this.bits & ~B.discard;
  }
  private get eof(): boolean {
    return (this.bits & B.eof) !== 0;
  }
  private set eof(v: boolean) {
    this.bits = v ? this.bits | B.eof : this.bits & ~B.eof;
  }

  get state(): WsState {
    return this._state;
  }

  /** Received bytes not yet parsed into events. */
  get bufferedAmount(): number {
    return this.q.length;
  }

  /** Bytes held for the peer: received bytes not yet parsed, plus the parts of an unfinished fragmented message. */
  get heldAmount(): number {
    return this.q.length + (this.msg?.size ?? 0);
  }

  /** Whether messages are compressed (permessage-deflate was negotiated). */
  get compression(): boolean {
    return this.compressor !== undefined;
  }

  /** CONNECTING -> OPEN, once the handshake succeeded; bytes received meanwhile are parsed now. */
  open(options: { compressor?: Compressor } = {}): void {
    if (this._state !== WsState.CONNECTING) throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `open() in state ${this._state}, expected CONNECTING`);
    if (options.compressor) this.compressor = options.compressor;
    this._state = WsState.OPEN;
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Buffers received bytes; `nextEvent()` parses them. The protocol takes ownership of `chunk`:
   * masked payloads are unmasked in place, and messages may be views of it.
   */
  receive(chunk: Uint8Array): void {
    if (this.discard || this.eof || this._state === WsState.CLOSED) return;
    this.q.push(chunk);
  }

  /** The peer ended the stream (TCP FIN), or the I/O layer gave up on it (close timer). */
  receiveEof(): void {
    this.eof = true;
  }

  /** The next event, or `undefined` when the buffered bytes hold no more. */
  nextEvent(): WsEvent | undefined {
    const queued = this.events?.shift();
    if (queued !== undefined) return queued;
    if (this._state === WsState.CONNECTING) return this.eof ? this.finish() : undefined;
    for (;;) {
      if (this.discard) {
        this.q.clear();
        break;
      }
      const step = this.step();
      if (step === NOT_YET) break;
      if (step === CONTINUE) continue;
      if (step.type !== 'ping') this.writePong();
      return step;
    }
    if (this.eof && this._state !== WsState.CLOSED) return this.finish();
    this.writePong();
    return undefined;
  }

  /** Parses at most one frame. */
  private step(): Step {
    const q = this.q;
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, q.length);
      q.skip(n);
      this.skipping -= n;
      return this.skipping > 0 ? NOT_YET : CONTINUE;
    }
    let h = this.header;
    if (h === undefined) {
      if (q.length === 0) return NOT_YET; // (an idle connection never makes the scratch header)
      try {
        // The protocol is its own FrameParseOptions (role, compression, maxFrameSize): nothing per frame.
        h = parseFrameHeader(q, this, (this.scratch ??= { fin: false, rsv1: false, opcode: Opcode.CONTINUATION, mask: undefined, length: 0, headerLength: 0 }));
      } catch (err) {
        // The stream cannot be trusted past a bad header: nothing after it is read.
        return this.fail(err as WebSocketError, true);
      }
      if (h === undefined) return NOT_YET;
      if (this.failed && h.opcode !== Opcode.CLOSE) {
        // After failing we only wait for the peer's close frame.
        this.skipping = h.length;
        return CONTINUE;
      }
      const err = this.checkHeader(h);
      if (err !== undefined) return this.fail(err, true);
      this.header = h;
      this.frameUtf8 = this.textValidatorFor(h);
      this.checked = 0;
    }
    if (q.length < h.length) {
      // RFC 6455 8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that
      // the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the
      // WebSocket Connection_": as soon as it is seen, not once the whole frame is here.
      if (this.frameUtf8 !== undefined && q.length > this.checked) return this.checkAhead(h);
      return NOT_YET;
    }
    this.header = undefined;
    const done = this.checked;
    const hs = this.headSkip;
    let payload: Uint8Array;
    if (hs !== undefined && h.opcode === Opcode.BINARY && h.fin && !h.rsv1 && this.msg === undefined && done === 0) {
      // A whole binary message in one frame: its leading bytes (a session header) may be cut off
      // before its view is made. Masked, it is unmasked in place first (Unmasker).
      if (h.mask === undefined) {
        payload = q.takeSkipping(h.length, hs);
      } else {
        const x = (this.x ??= new ProtocolExtras());
        const u = (x.unmasker ??= new Unmasker(this.maskWith));
        u.key = h.mask;
        u.inner = hs;
        payload = q.takeSkipping(h.length, u);
      }
      return this.wholeMessage(h, payload, undefined);
    }
    payload = q.take(h.length);
    // Our bytes: unmask in place (RFC 6455 5.3), past what checkAhead already unmasked.
    if (h.mask !== undefined) {
      if (done === 0) this.maskWith(payload, h.mask, payload, 0);
      else if (done < payload.length) this.unmaskAt(payload.subarray(done), h.mask, done);
    }
    const v = this.frameUtf8;
    if (v !== undefined) {
      this.frameUtf8 = undefined;
      this.checked = 0;
      const bad = v.update(done === 0 ? payload : payload.subarray(done));
      if (bad >= 0) return this.fail(invalidUtf8(`text message is not valid UTF-8 at byte ${bad}`), false);
    }

    switch (h.opcode) {
      case Opcode.PING:
        // RFC 6455 5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
        // response ... with identical Application data". Not once we have sent a close frame.
        // RFC 6455 5.5.3: "If an endpoint receives a Ping frame and has not yet sent Pong
        // frame(s) in response to previous Ping frame(s), the endpoint MAY elect to send a Pong
        // frame for only the most recently processed Ping frame." A peer that floods pings gets
        // one pong per run of pings, not one each: writePong() sends the latest.
        if (this._state === WsState.OPEN) {
          const d = (this.pongData ??= new Uint8Array(MAX_CONTROL_PAYLOAD));
          d.set(payload);
          this.pongLength = payload.length;
        }
        return { type: 'ping', data: payload };
      case Opcode.PONG:
        // RFC 6455 5.5.3: an unsolicited pong is allowed and needs no answer.
        return { type: 'pong', data: payload };
      case Opcode.CLOSE:
        return this.onClose(payload);
      default:
        return this.onData(h, payload, v);
    }
  }

  /**
   * The validator that checks an uncompressed text frame's payload as it arrives: the
   * connection's one for a message in one frame, a fresh one for the first fragment, the
   * message's one for a continuation. `undefined` for binary, control and compressed frames
   * (those are checked after inflating, in onData).
   */
  private textValidatorFor(h: FrameHeader): Utf8Validator | undefined {
    if (h.opcode === Opcode.TEXT && !h.rsv1) {
      if (!h.fin) return new Utf8Validator();
      const v = (this.utf8 ??= new Utf8Validator());
      v.reset();
      return v;
    }
    const msg = this.msg;
    if (h.opcode === Opcode.CONTINUATION && msg !== undefined && !msg.compressed) return msg.utf8;
    return undefined;
  }

  /**
   * Part of a text frame's payload is here: unmask it in place and validate it, so invalid
   * UTF-8 fails the connection (1007) before the rest of the frame arrives. Each byte is
   * unmasked and checked once: the frame's completion only does the bytes after `checked`.
   */
  private checkAhead(h: FrameHeader): Step {
    const v = this.frameUtf8!;
    const from = this.checked;
    const n = this.q.length - from;
    let at = from;
    let bad = -1;
    this.q.forEachView(from, n, (view) => {
      if (bad >= 0) return;
      if (h.mask !== undefined) this.unmaskAt(view, h.mask, at);
      at += view.length;
      bad = v.update(view);
    });
    this.checked = at;
    if (bad < 0) return NOT_YET;
    // The rest of the frame is dropped as it arrives; then we wait for the peer's close frame.
    const err = invalidUtf8(`text message is not valid UTF-8 at byte ${bad}, seen before the rest of its frame arrived`);
    this.skipping = h.length;
    this.frameUtf8 = undefined;
    this.checked = 0;
    return this.fail(err, false);
  }

  /** Unmasks `view` in place, `view[0]` being byte `offset` of the payload (RFC 6455 5.3: key octet i MOD 4). */
  private unmaskAt(view: Uint8Array, mask: Uint8Array, offset: number): void {
    const r = offset & 3;
    if (r === 0) {
      this.maskWith(view, mask, view, 0);
      return;
    }
    const k = (this.rotated ??= new Uint8Array(4));
    for (let j = 0; j < 4; j++) k[j] = mask[(r + j) & 3]!;
    this.maskWith(view, k, view, 0);
  }

  /** Rules that need the message state (RFC 6455 5.4), checked once the header is in. */
  private checkHeader(h: FrameHeader): WebSocketError | undefined {
    if (h.opcode >= 0x8) return undefined;
    const msg = this.msg;
    // RFC 6455 5.4: a fragmented message is a first frame (text/binary) followed by
    // continuation frames; control frames may come in between, other messages may not.
    if (h.opcode === Opcode.CONTINUATION && msg === undefined) {
      return new WebSocketError(ErrorCode.WS_INVALID_FRAME, 'continuation frame without a message to continue', CloseCode.PROTOCOL_ERROR);
    }
    if (h.opcode !== Opcode.CONTINUATION && msg !== undefined) {
      return new WebSocketError(
        ErrorCode.WS_INVALID_FRAME,
        `${h.opcode === Opcode.TEXT ? 'text' : 'binary'} frame while a fragmented message is unfinished, expected a continuation frame`,
        CloseCode.PROTOCOL_ERROR,
      );
    }
    const fragments = (msg?.fragments ?? 0) + 1;
    if (fragments > this.maxFragments) {
      return new WebSocketError(
        ErrorCode.WS_MESSAGE_TOO_LARGE,
        `message split into more than ${this.maxFragments} frames`,
        CloseCode.MESSAGE_TOO_BIG,
        { details: { fragments, max: this.maxFragments } },
      );
    }
    const compressed = msg !== undefined ? msg.compressed : h.rsv1;
    if (!compressed) {
      const size = (msg?.size ?? 0) + h.length;
      if (size > this.maxMessageSize) return tooBig(size, this.maxMessageSize);
    }
    return undefined;
  }

  /** A data frame. `checked`: the validator that already checked an uncompressed text payload. */
  private onData(h: FrameHeader, payload: Uint8Array, checked: Utf8Validator | undefined): Step {
    let msg = this.msg;
    if (msg === undefined && h.fin) return this.wholeMessage(h, payload, checked);
    if (msg === undefined) {
      msg = {
        binary: h.opcode === Opcode.BINARY,
        compressed: h.rsv1,
        size: 0,
        fragments: 0,
        utf8: h.opcode === Opcode.TEXT ? (checked ?? new Utf8Validator()) : undefined,
        parts: new Assembler(),
      };
      this.msg = msg;
    }
    msg.fragments++;
    let piece = payload;
    if (msg.compressed) {
      const room = this.maxMessageSize - msg.size;
      try {
        piece = this.compressor!.decompress(payload, room, h.fin);
      } catch (err) {
        return this.fail(inflateError(err), false);
      }
      // Also when a compressor does not honour maxOutput.
      if (piece.length > room) return this.fail(tooBig(msg.size + piece.length, this.maxMessageSize, true), false);
    }
    msg.size += piece.length;
    if (msg.utf8 !== undefined) {
      // RFC 6455 8.1: invalid UTF-8 fails the connection as soon as it is seen (1007). An
      // uncompressed fragment was checked as it arrived (step); an inflated one is checked here.
      if (msg.compressed) {
        const bad = msg.utf8.update(piece);
        if (bad >= 0) return this.fail(invalidUtf8(`text message is not valid UTF-8 at byte ${bad}`), false);
      }
      if (h.fin && !msg.utf8.complete) return this.fail(invalidUtf8('text message ends in the middle of a UTF-8 sequence'), false);
    }
    if (!h.fin) {
      msg.parts.add(piece);
      return CONTINUE;
    }
    this.msg = undefined;
    const data = msg.fragments === 1 ? piece : (msg.parts.add(piece), msg.parts.finish());
    return { type: 'message', data, binary: msg.binary };
  }

  /**
   * A message in one frame, the common case: checked like any other (size, inflation, UTF-8)
   * without the state a fragmented message needs.
   */
  private wholeMessage(h: FrameHeader, payload: Uint8Array, checked: Utf8Validator | undefined): Step {
    let data = payload;
    if (h.rsv1) {
      try {
        data = this.compressor!.decompress(payload, this.maxMessageSize, true);
      } catch (err) {
        return this.fail(inflateError(err), false);
      }
      if (data.length > this.maxMessageSize) return this.fail(tooBig(data.length, this.maxMessageSize, true), false);
    }
    if (h.opcode === Opcode.TEXT) {
      // RFC 6455 8.1: a text message must be valid UTF-8 (1007). Uncompressed, its bytes were
      // checked as they arrived (step); inflated ones are checked here.
      let v = checked;
      if (v === undefined) {
        v = this.utf8 ??= new Utf8Validator();
        v.reset();
        const bad = v.update(data);
        if (bad >= 0) return this.fail(invalidUtf8(`text message is not valid UTF-8 at byte ${bad}`), false);
      }
      if (!v.complete) return this.fail(invalidUtf8('text message ends in the middle of a UTF-8 sequence'), false);
    }
    return { type: 'message', data, binary: h.opcode === Opcode.BINARY };
  }

  private onClose(payload: Uint8Array): Step {
    let info: { code: number; reason: string };
    try {
      info = parseClosePayload(payload);
    } catch (err) {
      return this.fail(err as WebSocketError, true);
    }
    this.closeReceived = true;
    this.peerClose = info;
    // RFC 6455 5.5.1: "Frames sent after a Close frame are ignored"; nothing more is read.
    this.discard = true;
    this.msg = undefined;
    const initiatedByPeer = !this.closeSent;
    if (!this.closeSent) {
      // RFC 6455 5.5.1: "If an endpoint receives a Close frame and did not previously send a
      // Close frame, the endpoint MUST send a Close frame in response. ... it typically echos
      // the status code it received."
      this.writeClose(info.code === CloseCode.NO_STATUS ? EMPTY : closePayload(info.code));
    }
    this._state = WsState.CLOSING;
    this.closeEmitted = true;
    return { type: 'close', code: info.code, reason: info.reason, initiatedByPeer };
  }

  /**
   * RFC 6455 7.1.7 _Fail the WebSocket Connection_: send a close frame with the error's code
   * (unless one was sent already), then ignore data. `desync`: the byte stream itself cannot be
   * followed any further (bad header), so no close frame from the peer can be read either.
   */
  private fail(error: WebSocketError, desync: boolean): Step {
    this.msg = undefined;
    this.header = undefined;
    this.frameUtf8 = undefined;
    this.checked = 0;
    if (desync) this.discard = true;
    if (this.failed || this.closeReceived) return CONTINUE; // report the first problem only
    this.failed = true;
    if (!this.closeSent) this.writeClose(closePayload(error.closeCode, FAIL_REASON[error.closeCode] ?? ''));
    this._state = WsState.CLOSING;
    return { type: 'error', error };
  }

  /** End of the transport: CLOSED, and the close event if the close handshake did not finish. */
  private finish(): WsEvent | undefined {
    this._state = WsState.CLOSED;
    this.pongLength = -1; // the transport is gone: no pong can reach the peer
    this.discard = true;
    this.q.clear();
    this.msg = undefined;
    this.compressor?.dispose?.();
    if (this.closeEmitted) return undefined;
    this.closeEmitted = true;
    const pc = this.peerClose;
    return {
      type: 'close',
      code: pc?.code ?? CloseCode.ABNORMAL,
      reason: pc?.reason ?? '',
      initiatedByPeer: !this.closeSent,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Closing

  /**
   * True when the I/O layer should end the transport now, after writing what is in `out`:
   * the server once the close handshake is done or it failed the connection (RFC 6455 7.1.1:
   * "the underlying TCP connection ... SHOULD be closed first by the server"), and either side
   * once the peer has ended the stream.
   */
  shouldCloseTransport(): boolean {
    if (this._state === WsState.CLOSED) return true;
    return this.role === 'server' && this.closeSent && (this.closeReceived || this.failed);
  }

  /**
   * True while CLOSING: the transport should end soon (we wait for the peer's close frame, or a
   * client waits for the server to close TCP). Arm a timer (`Limits.closeTimeout`); when it
   * fires, end the transport and call `receiveEof()`.
   */
  closeExpected(): boolean {
    return this._state === WsState.CLOSING;
  }

  /**
   * Starts the closing handshake (RFC 6455 7.1.2): writes a close frame and moves to CLOSING.
   * `code` defaults to 1000; `reason` is cut to 123 UTF-8 bytes. Returns false (and writes
   * nothing) unless OPEN. Throws `WS_INVALID_ARGUMENT` for a code that may not be sent (1005,
   * 1006, 1015, reserved ranges). In CONNECTING it goes straight to CLOSED, writing nothing,
   * and the next event is the close event (1006).
   */
  close(code: number = CloseCode.NORMAL, reason = ''): boolean {
    const payload = closePayload(code, reason); // validates before any change
    if (this._state === WsState.CONNECTING) {
      // RFC 6455 7.1.7: before the connection is established there is no close frame to send.
      this.closeSent = true;
      (this.events ??= []).push(this.finish()!);
      return true;
    }
    if (this._state !== WsState.OPEN) return false;
    this.writeClose(payload);
    this._state = WsState.CLOSING;
    return true;
  }

  private writeClose(payload: Uint8Array): void {
    this.writePong(); // a pending pong leaves first: nothing may follow a close frame
    writeFrame(this.out, Opcode.CLOSE, true, false, payload, this.nextMask(), false, this.maskWith);
    this.closeSent = true;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /**
   * Writes one message. Text may be given as a string: unmasked and uncompressed, it is encoded
   * straight into the write buffer; masked, it is encoded once into the write buffer and masked
   * in place there. With permessage-deflate, messages of at least `compressionThreshold` bytes
   * are compressed. Returns false (and writes nothing) unless OPEN. Text given as bytes is not
   * checked for valid UTF-8.
   */
  send(payload: Uint8Array | string, binary: boolean, options: SendOptions = {}): boolean {
    if (this._state !== WsState.OPEN) return false;
    const fragmentSize = options.fragmentSize ?? Infinity;
    if (!(fragmentSize >= 1) || (fragmentSize !== Infinity && !Number.isInteger(fragmentSize))) {
      throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `fragmentSize must be a positive integer, got ${fragmentSize}`);
    }
    const opcode = binary ? Opcode.BINARY : Opcode.TEXT;
    const c = this.compressor;
    if (typeof payload === 'string') {
      const n = utf8Length(payload);
      if (c !== undefined && n >= this.threshold) {
        this.writeMessage(c.compress(encoder.encode(payload)), opcode, true, fragmentSize, true);
      } else if (n <= fragmentSize) {
        this.writeTextFrame(payload, n, opcode);
      } else {
        this.writeMessage(encoder.encode(payload), opcode, false, fragmentSize, true);
      }
      return true;
    }
    if (c !== undefined && payload.length >= this.threshold) {
      this.writeMessage(c.compress(payload), opcode, true, fragmentSize, true);
    } else {
      this.writeMessage(payload, opcode, false, fragmentSize, false);
    }
    return true;
  }

  /**
   * Writes one binary message whose payload is `head` (ASCII) followed by `payload`, as one frame
   * without joining them first (a session envelope). The same bytes on the wire as
   * `send(joined, true)`. Masked, both parts are XOR-ed on their way into the write buffer (one
   * copy, as `send` does); unmasked, a large payload is kept by reference. With compression
   * (at the threshold) the parts are joined and compressed as `send` would. Returns false
   * (writes nothing) unless OPEN.
   */
  sendParts(head: FrameHead, payload: Uint8Array): boolean {
    if (this._state !== WsState.OPEN) return false;
    const hl = head.length;
    const n = hl + payload.length;
    if (this.compressor !== undefined && n >= this.threshold) return this.send(joinAscii(head, payload), true);
    const mask = this.nextMask();
    const h = frameHeaderLength(n, mask !== undefined);
    if (mask === undefined) {
      const { buf, at } = this.out.reserve(h + hl);
      writeFrameHeader(buf, at, Opcode.BINARY, true, false, n, undefined);
      writeHeadAt(head, buf, at + h);
      this.out.writeBytes(payload);
      return true;
    }
    const { buf, at } = this.out.reserve(h + n);
    writeFrameHeader(buf, at, Opcode.BINARY, true, false, n, mask);
    const p = at + h;
    writeHeadAt(head, buf, p);
    for (let i = 0; i < hl; i++) buf[p + i]! ^= mask[i & 3]!;
    // Octet i of the frame's payload is XOR-ed with key octet i MOD 4 (RFC 6455 5.3): the
    // payload starts at octet `hl`, so its key is the frame's rotated by `hl`.
    const k = (this.partsKey ??= new Uint8Array(4));
    k[0] = mask[hl & 3]!;
    k[1] = mask[(hl + 1) & 3]!;
    k[2] = mask[(hl + 2) & 3]!;
    k[3] = mask[(hl + 3) & 3]!;
    if (payload.length > 0) this.maskWith(payload, k, buf, p + hl);
    return true;
  }

  /** One unfragmented, uncompressed frame for a string of `n` UTF-8 bytes, encoded in place. */
  private writeTextFrame(s: string, n: number, opcode: Opcode): void {
    const mask = this.nextMask();
    const h = frameHeaderLength(n, mask !== undefined);
    if (mask === undefined) {
      const { buf, at } = this.out.reserve(h);
      writeFrameHeader(buf, at, opcode, true, false, n, undefined);
      this.out.writeText(s);
      return;
    }
    const { buf, at } = this.out.reserve(h + n);
    writeFrameHeader(buf, at, opcode, true, false, n, mask);
    const body = buf.subarray(at + h, at + h + n);
    encoder.encodeInto(s, body);
    this.maskWith(body, mask, body, 0);
  }

  /** Writes `data` as one frame or as fragments. `owned`: `data` is ours to mask in place. */
  private writeMessage(data: Uint8Array, opcode: Opcode, rsv1: boolean, fragmentSize: number, owned: boolean): void {
    if (data.length <= fragmentSize) {
      writeFrame(this.out, opcode, true, rsv1, data, this.nextMask(), owned, this.maskWith);
      return;
    }
    for (let off = 0; off < data.length; off += fragmentSize) {
      const end = Math.min(off + fragmentSize, data.length);
      // RFC 6455 5.4: first frame with the opcode, then continuation frames; RFC 7692 6.1:
      // RSV1 on the first frame only.
      writeFrame(this.out, off === 0 ? opcode : Opcode.CONTINUATION, end === data.length, off === 0 && rsv1, data.subarray(off, end), this.nextMask(), owned, this.maskWith);
    }
  }

  /** Sends a ping (RFC 6455 5.5.2). At most 125 bytes. Returns false unless OPEN. */
  ping(data: Uint8Array | string = EMPTY): boolean {
    return this.control(Opcode.PING, data);
  }

  /** Sends a pong, also unsolicited, as a heartbeat (RFC 6455 5.5.3). At most 125 bytes. */
  pong(data: Uint8Array | string = EMPTY): boolean {
    return this.control(Opcode.PONG, data);
  }

  private control(opcode: Opcode, data: Uint8Array | string): boolean {
    const b = typeof data === 'string' ? encoder.encode(data) : data;
    if (b.length > MAX_CONTROL_PAYLOAD) {
      throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `${opcode === Opcode.PING ? 'ping' : 'pong'} payload of ${bytes(b.length)}, expected no more than ${MAX_CONTROL_PAYLOAD}`);
    }
    if (this._state !== WsState.OPEN) return false;
    writeFrame(this.out, opcode, true, false, b, this.nextMask(), false, this.maskWith);
    return true;
  }

  /** Writes the pong of the latest ping not answered yet, if any (still OPEN). */
  private writePong(): void {
    const n = this.pongLength;
    if (n < 0) return;
    this.pongLength = -1;
    if (this._state === WsState.OPEN) writeFrame(this.out, Opcode.PONG, true, false, this.pongData!.slice(0, n), this.nextMask(), true, this.maskWith);
  }

  /** A fresh masking key for a client frame (RFC 6455 5.3), `undefined` for a server. */
  private nextMask(): Uint8Array | undefined {
    if (this.role === 'server') return undefined;
    if (this.maskPos + 4 > this.maskPool.length) {
      this.maskPool = this.random!(MASK_POOL);
      this.maskPos = 0;
      if (this.maskPool.length < 4) throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `random(${MASK_POOL}) returned ${this.maskPool.length} bytes`);
    }
    // One 4-byte array reused for every frame (writeFrame copies the key at once): no view
    // allocated per message.
    const p = this.maskPool;
    const i = this.maskPos;
    const m = (this.maskKey ??= new Uint8Array(4));
    m[0] = p[i]!;
    m[1] = p[i + 1]!;
    m[2] = p[i + 2]!;
    m[3] = p[i + 3]!;
    this.maskPos = i + 4;
    return m;
  }
}

function positive(name: string, v: number): number {
  if (!(v > 0)) throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `WebSocket limit ${name} must be above 0, got ${v}`);
  return v;
}

function tooBig(size: number, max: number, inflated = false): WebSocketError {
  return new WebSocketError(
    ErrorCode.WS_MESSAGE_TOO_LARGE,
    `message of ${inflated ? 'more than ' : ''}${bytes(size)}${inflated ? ' once inflated' : ''}, expected no more than ${max}`,
    CloseCode.MESSAGE_TOO_BIG,
    { details: { seen: size, max } },
  );
}

function invalidUtf8(message: string): WebSocketError {
  return new WebSocketError(ErrorCode.WS_INVALID_UTF8, message, CloseCode.INVALID_PAYLOAD);
}

/** Pieces below this size are copied (coalesced) rather than kept by reference. */
const KEEP_MIN = 1024;
const BLOCK_MIN = 4096;
const BLOCK_MAX = 1024 * 1024;

/**
 * The fragments of a message, joined once at the end (no quadratic copying). Memory follows
 * bytes, not fragment count: a large fragment is kept by reference when it does not pin a much
 * larger buffer (a received chunk holding other frames); everything else is copied into blocks
 * that grow with the message. 65536 fragments of 64 bytes are a few blocks, not 65536 arrays.
 */
class Assembler {
  private parts: Uint8Array[] = [];
  private size = 0;
  private block: Uint8Array = EMPTY;
  private used = 0;

  add(piece: Uint8Array): void {
    const n = piece.length;
    if (n === 0) return;
    if (n >= KEEP_MIN && piece.buffer.byteLength <= 2 * n) {
      this.seal();
      this.parts.push(piece);
    } else {
      if (this.block.length - this.used < n) {
        this.seal();
        this.block = new Uint8Array(Math.max(n, Math.min(Math.max(BLOCK_MIN, this.size), BLOCK_MAX)));
        this.used = 0;
      }
      this.block.set(piece, this.used);
      this.used += n;
    }
    this.size += n;
  }

  finish(): Uint8Array {
    this.seal();
    const parts = this.parts;
    if (parts.length === 0) return EMPTY;
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private seal(): void {
    if (this.used > 0) {
      this.parts.push(this.block.subarray(0, this.used));
      this.block = this.block.subarray(this.used);
      this.used = 0;
    }
  }
}

/** What a failed inflation closes the connection with (1007). */
function inflateError(err: unknown): WebSocketError {
  return err instanceof WebSocketError
    ? err
    : new WebSocketError(ErrorCode.WS_INFLATE_FAILED, `compressed message could not be inflated: ${(err as Error).message}`, CloseCode.INVALID_PAYLOAD, { cause: err });
}

/**
 * Unmasks a frame's bytes in place where they lie (RFC 6455 5.3), then lets the session's
 * {@link HeadSkip} see them: `ByteQueue.takeSkipping` for masked frames.
 */
class Unmasker implements HeadSkip {
  key: Uint8Array = new Uint8Array(4);
  inner: HeadSkip | undefined;
  constructor(private readonly maskWith: MaskFunction) {}
  get frame(): Uint8Array | undefined {
    return this.inner!.frame;
  }
  set frame(v: Uint8Array | undefined) {
    this.inner!.frame = v;
  }
  skip(buf: Uint8Array, at: number, n: number): number {
    const key = this.key;
    if (n < 128) {
      for (let i = 0; i < n; i++) buf[at + i]! ^= key[i & 3]!;
    } else {
      const view = buf.subarray(at, at + n);
      this.maskWith(view, key, view, 0);
    }
    return this.inner!.skip(buf, at, n);
  }
}

/**
 * WebSocket as a Switchboard framing: the {@link WebSocketProtocol} state machine behind the
 * `Framer` interface, so a WebSocket connection is the same `Connection` as a TCP one.
 *
 *     socket bytes -> push -> WebSocketProtocol.receive
 *     next()       -> nextEvent(): message -> frame (+ lastFrameBinary); ping -> (pong written)
 *                     pong -> session.onPong; close -> session.peerClose; error -> throw
 *     encode       -> WebSocketProtocol.send(bytes, binary)   (binary frame)
 *     encodeText   -> WebSocketProtocol.send(string, text)    (text frame)
 */
import type { WriteBuffer } from '../bytes.js';
import { ErrorCode, FramingError } from '../errors.js';
import { Limits } from '../limits.js';
import type { FrameHead, Framer, Framing, HeadSkip, Session } from '../framing/framer.js';
import { CloseCode } from './close.js';
import type { Compressor } from './deflate.js';
import type { MaskFunction, Role } from './frame.js';
import type { RandomBytes } from './handshake.js';
import { WebSocketProtocol, type WebSocketLimits } from './protocol.js';

export interface WebSocketFramingOptions {
  role: Role;
  /** Random bytes for masking keys (clients). */
  random: RandomBytes;
  /** Makes the permessage-deflate compressor of one connection, when the handshake negotiated it. */
  compressor?: () => Compressor;
  limits?: WebSocketLimits;
  /** Masks and unmasks payloads. @default applyMask (portable JavaScript) */
  mask?: MaskFunction;
}

/** A framing whose framers speak WebSocket frames (RFC 6455) over an open, upgraded link. */
export function webSocketFraming(options: WebSocketFramingOptions): Framing {
  const maxFrameSize = options.limits?.maxMessageSize ?? Limits.wsMaxMessageSize;
  return {
    name: options.compressor ? 'websocket+deflate' : 'websocket',
    maxFrameSize,
    messageOriented: true,
    create(out?: WriteBuffer): Framer {
      if (out === undefined) throw new Error('a WebSocket framer needs the connection write buffer');
      return new WebSocketFramer(options, out);
    },
  };
}

class WebSocketFramer implements Framer, Session {
  private readonly ws: WebSocketProtocol;
  lastFrameBinary = true;
  peerClose: { code: number; reason: string } | undefined;
  onPong: ((data: Uint8Array) => void) | undefined;
  private closedSent = false;

  constructor(options: WebSocketFramingOptions, out: WriteBuffer) {
    this.ws = new WebSocketProtocol({
      role: options.role,
      out,
      random: options.random,
      ...(options.limits && { limits: options.limits }),
      ...(options.compressor && { compressor: options.compressor() }),
      ...(options.mask && { mask: options.mask }),
    });
  }

  /** RFC 6455 7.1.1: the server closes TCP first; a client waits for it. */
  get waitForPeerClose(): boolean {
    return this.ws.role === 'client';
  }

  get skipped(): number {
    return 0;
  }

  get session(): Session {
    return this;
  }

  /** Received bytes not parsed yet, and the parts of an unfinished message. */
  get buffered(): number {
    return this.ws.heldAmount;
  }

  /** True once a close frame left: ours, or the protocol's reply or failure close. */
  get closeSent(): boolean {
    return this.closedSent || this.ws.state !== 'OPEN';
  }

  push(chunk: Uint8Array): void {
    this.ws.receive(chunk);
  }

  /** @internal See `Framer.headSkip` (whole, uncompressed binary messages). */
  get headSkip(): HeadSkip | undefined {
    return this.ws.headSkip;
  }
  set headSkip(v: HeadSkip | undefined) {
    this.ws.headSkip = v;
  }

  next(): Uint8Array | undefined {
    for (;;) {
      const ev = this.ws.nextEvent();
      if (ev === undefined) return undefined;
      switch (ev.type) {
        case 'message':
          this.lastFrameBinary = ev.binary;
          return ev.data;
        case 'ping':
          continue; // RFC 6455 5.5.2: the pong is already written
        case 'pong':
          this.onPong?.(ev.data);
          continue;
        case 'close':
          this.peerClose = { code: ev.code, reason: ev.reason };
          if (ev.code === CloseCode.ABNORMAL) {
            throw new FramingError(ErrorCode.FRAME_TRUNCATED, 'the peer ended the connection without a close frame (1006)', {
              closeCode: CloseCode.ABNORMAL,
            });
          }
          return undefined;
        case 'error':
          throw ev.error;
      }
    }
  }

  dispose(): void {
    this.ws.receiveEof();
    // Drain to CLOSED, which frees the compressor; nothing here can reach the peer any more.
    try {
      while (this.ws.nextEvent() !== undefined);
    } catch {
      // the connection already recorded why it closed
    }
  }

  finish(): void {
    this.ws.receiveEof();
    // Whatever the end of stream reveals (an abnormal closure) comes out of next().
    this.next();
  }

  encode(payload: Uint8Array, _out: WriteBuffer): void {
    this.ws.send(payload, true);
  }

  encodeParts(head: FrameHead, payload: Uint8Array, _out: WriteBuffer): void {
    this.ws.sendParts(head, payload);
  }

  encodeText(payload: string, _out: WriteBuffer): void {
    this.ws.send(payload, false);
  }

  close(code: number, reason: string): void {
    if (this.closedSent) return;
    this.closedSent = true;
    this.ws.close(code, reason);
  }

  ping(data: Uint8Array): void {
    this.ws.ping(data);
  }
}

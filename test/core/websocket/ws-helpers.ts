/**
 * Test helpers for the WebSocket core: a frame builder and a frame decoder written independently
 * of src/core/websocket/frame.ts (so the implementation is not tested against itself), and a
 * driver that feeds a protocol chunk by chunk and collects its events and output.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { WriteBuffer, concatBytes } from '../../../src/core/index.js';
import {
  WebSocketProtocol,
  type Compressor,
  type Role,
  type WebSocketLimits,
  type WsEvent,
} from '../../../src/core/websocket/index.js';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
export const sha1 = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(d).digest());
export const random = (n: number): Uint8Array => randomFillSync(new Uint8Array(n));

/** A fixed masking key for frames the tests build. */
export const KEY = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  /** @default true */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** A masking key, or false for an unmasked frame. @default KEY (a frame from a client) */
  mask?: Uint8Array | false;
  /** Force the length field form (7, 16 or 64 bits), even when not minimal. */
  lengthForm?: 7 | 16 | 64;
  /** Announce this length instead of the payload's (the payload is still appended as is). */
  announce?: number;
  /** Set the most significant bit of a 64-bit length field. */
  msb?: boolean;
}

/** Builds the bytes of one frame, exactly as specified (valid or not). */
export function frame(spec: FrameSpec): Uint8Array {
  const payload = typeof spec.payload === 'string' ? utf8(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const mask = spec.mask === undefined ? KEY : spec.mask;
  const len = spec.announce ?? payload.length;
  const form = spec.lengthForm ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const head: number[] = [];
  head.push((spec.fin === false ? 0 : 0x80) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | spec.opcode);
  const m = mask ? 0x80 : 0;
  if (form === 7) head.push(m | len);
  else if (form === 16) head.push(m | 126, len >> 8, len & 0xff);
  else {
    const hi = Math.floor(len / 2 ** 32);
    head.push(m | 127, ((hi >>> 24) & 0xff) | (spec.msb ? 0x80 : 0), (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (mask) head.push(...mask);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  for (let i = 0; i < payload.length; i++) out[head.length + i] = mask ? payload[i]! ^ mask[i & 3]! : payload[i]!;
  return out;
}

/** A frame as a client sends it (masked). */
export const clientFrame = (opcode: number, payload: Uint8Array | string = '', more: Omit<FrameSpec, 'opcode' | 'payload'> = {}): Uint8Array =>
  frame({ opcode, payload, ...more });
/** A frame as a server sends it (unmasked). */
export const serverFrame = (opcode: number, payload: Uint8Array | string = '', more: Omit<FrameSpec, 'opcode' | 'payload'> = {}): Uint8Array =>
  frame({ opcode, payload, mask: false, ...more });

/** A close payload: code and reason. */
export function closeBody(code: number, reason: string | Uint8Array = ''): Uint8Array {
  const r = typeof reason === 'string' ? utf8(reason) : reason;
  const b = new Uint8Array(2 + r.length);
  b[0] = code >> 8;
  b[1] = code & 0xff;
  b.set(r, 2);
  return b;
}

export interface DecodedFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
}

/** Decodes a byte stream of whole frames (unmasking them). Throws on a truncated stream. */
export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const out: DecodedFrame[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    let len = b1 & 0x7f;
    let p = i + 2;
    if (len === 126) {
      len = (bytes[p]! << 8) | bytes[p + 1]!;
      p += 2;
    } else if (len === 127) {
      len = 0;
      for (let k = 0; k < 8; k++) len = len * 256 + bytes[p + k]!;
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? bytes.subarray(p, p + 4) : undefined;
    if (masked) p += 4;
    if (p + len > bytes.length) throw new Error(`truncated frame at ${i}`);
    const payload = bytes.slice(p, p + len);
    if (key) for (let k = 0; k < len; k++) payload[k] ^= key[k & 3]!;
    out.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, masked, payload });
    i = p + len;
  }
  return out;
}

/** The close code in a decoded close frame, or undefined for an empty one. */
export const closeCodeOf = (f: DecodedFrame): number | undefined => (f.payload.length >= 2 ? (f.payload[0]! << 8) | f.payload[1]! : undefined);

export interface Peer {
  proto: WebSocketProtocol;
  out: WriteBuffer;
}

export function makePeer(role: Role, options: { limits?: WebSocketLimits; compressor?: Compressor; state?: 'CONNECTING' | 'OPEN' } = {}): Peer {
  const out = new WriteBuffer();
  const proto = new WebSocketProtocol({ role, out, random, ...options });
  return { proto, out };
}

/** An event with its data copied (messages may be views of fed chunks). */
export type Ev = WsEvent;

/** Takes every event now available, copying data so it outlives later feeds. */
export function drainEvents(proto: WebSocketProtocol, limit = 10_000_000): Ev[] {
  const evs: Ev[] = [];
  for (let k = 0; k < limit; k++) {
    const e = proto.nextEvent();
    if (e === undefined) return evs;
    if (e.type === 'message' || e.type === 'ping' || e.type === 'pong') evs.push({ ...e, data: e.data.slice() } as Ev);
    else evs.push(e);
  }
  throw new Error('nextEvent() never said "not yet"');
}

/** Everything the peer wrote so far, as one array. */
export const taken = (out: WriteBuffer): Uint8Array => concatBytes(out.take()).slice();

/**
 * Feeds `chunks` (copied: the protocol unmasks in place) into a fresh peer, draining events after
 * each, then end of stream when `eof`. Returns the events and what the peer wrote.
 */
export function run(
  role: Role,
  chunks: Iterable<Uint8Array>,
  options: { eof?: boolean; limits?: WebSocketLimits; compressor?: Compressor } = {},
): { events: Ev[]; written: Uint8Array; peer: Peer } {
  const peer = makePeer(role, options);
  const events: Ev[] = [];
  for (const c of chunks) {
    peer.proto.receive(c.slice());
    events.push(...drainEvents(peer.proto));
  }
  if (options.eof) {
    peer.proto.receiveEof();
    events.push(...drainEvents(peer.proto));
  }
  return { events, written: taken(peer.out), peer };
}

/** A summary of events for deepEqual: data as text or hex. */
export function summary(events: readonly Ev[]): unknown[] {
  return events.map((e) => {
    switch (e.type) {
      case 'message':
        return { type: e.type, binary: e.binary, data: e.binary ? Buffer.from(e.data).toString('hex') : text(e.data) };
      case 'ping':
      case 'pong':
        return { type: e.type, data: Buffer.from(e.data).toString('hex') };
      case 'close':
        return { ...e };
      case 'error':
        return { type: 'error', code: e.error.code, closeCode: e.error.closeCode };
    }
  });
}

export const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts).slice();

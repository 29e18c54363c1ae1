/**
 * A misbehaving WebSocket peer on a raw `node:net` socket: frames and handshakes written byte by
 * byte here, independently of src/core/websocket, so our client and server are not tested
 * against their own encoder.
 *
 *     wsFrame({ opcode, payload, mask })     one frame, valid or not
 *     upgradeRequest({ path, ... })          a client's opening handshake, as text
 *     rawWsConnect(url)                      TCP + handshake, then frames in/out by hand
 *     rawWsListen()                          a raw server that answers 101, then plays the server
 *     parseFrames(bytes)                     what the other side sent
 *
 * Every wait is bounded (WAIT_MS from ./net.js).
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { rawConnect, rawListen, waitFor, WAIT_MS, type RawOptions, type RawPeer, type RawServer } from './net.js';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  /** @default true */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** true: a random key (a client frame); a key; or false: unmasked (a server frame). @default true */
  mask?: boolean | Uint8Array;
  /** Announce this payload length instead of the real one (the payload is still appended as is). */
  announce?: number;
}

/** The bytes of one frame, exactly as specified. */
export function wsFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? utf8(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const key = spec.mask === false ? undefined : spec.mask === undefined || spec.mask === true ? randomBytes(4) : spec.mask;
  const len = spec.announce ?? payload.length;
  const head: number[] = [(spec.fin === false ? 0 : 0x80) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | spec.opcode];
  const m = key ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    const hi = Math.floor(len / 2 ** 32);
    head.push(m | 127, (hi >>> 24) & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (key) head.push(...key);
  const out = Buffer.alloc(head.length + payload.length);
  out.set(head);
  for (let i = 0; i < payload.length; i++) out[head.length + i] = key ? payload[i]! ^ key[i & 3]! : payload[i]!;
  return out;
}

/** A masked frame, as a client sends it. */
export const maskedFrame = (opcode: number, payload: Uint8Array | string = '', more: Omit<FrameSpec, 'opcode' | 'payload'> = {}): Buffer =>
  wsFrame({ opcode, payload, ...more });

/** An unmasked frame, as a server sends it. */
export const unmaskedFrame = (opcode: number, payload: Uint8Array | string = '', more: Omit<FrameSpec, 'opcode' | 'payload'> = {}): Buffer =>
  wsFrame({ opcode, payload, mask: false, ...more });

/** A close frame's payload: a 2-byte code and a reason (shared with the core tests). */
export { closeBody } from '../core/websocket/ws-helpers.js';

/** A compressed message body (RFC 7692 7.2.1): raw DEFLATE, sync-flushed, without the 00 00 ff ff tail. */
export function deflateMessage(data: Uint8Array): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** `Sec-WebSocket-Accept` for `key` (RFC 6455 4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export const newKey = (): string => randomBytes(16).toString('base64');

export interface UpgradeSpec {
  path?: string;
  method?: string;
  host?: string;
  key?: string;
  version?: string;
  /** `Sec-WebSocket-Extensions`, e.g. `permessage-deflate`. */
  extensions?: string;
  protocols?: string;
  origin?: string;
  headers?: Record<string, string>;
}

/** A client's upgrade request as text (RFC 6455 4.1). */
export function upgradeRequest(spec: UpgradeSpec = {}): string {
  let s = `${spec.method ?? 'GET'} ${spec.path ?? '/'} HTTP/1.1\r\n`;
  s += `Host: ${spec.host ?? '127.0.0.1'}\r\n`;
  s += 'Upgrade: websocket\r\nConnection: Upgrade\r\n';
  s += `Sec-WebSocket-Key: ${spec.key ?? newKey()}\r\n`;
  s += `Sec-WebSocket-Version: ${spec.version ?? '13'}\r\n`;
  if (spec.extensions !== undefined) s += `Sec-WebSocket-Extensions: ${spec.extensions}\r\n`;
  if (spec.protocols !== undefined) s += `Sec-WebSocket-Protocol: ${spec.protocols}\r\n`;
  if (spec.origin !== undefined) s += `Origin: ${spec.origin}\r\n`;
  for (const [k, v] of Object.entries(spec.headers ?? {})) s += `${k}: ${v}\r\n`;
  return s + '\r\n';
}

export interface HttpAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Everything after the head (an error body, or frames after a 101). */
  rest: Buffer;
  /** The head as text. */
  head: string;
}

/** Splits an HTTP head from what follows it; undefined until the empty line arrived. */
export function parseHttpAnswer(bytes: Buffer): HttpAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = bytes.subarray(0, end).toString('latin1');
  const [status, ...lines] = head.split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3})/.exec(status!);
  if (!m) throw new Error(`not an HTTP answer: ${JSON.stringify(status)}`);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  return { status: Number(m[1]), headers, rest: bytes.subarray(end + 4), head };
}

export interface ParsedFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  /** Unmasked. */
  payload: Buffer;
}

/** Every whole frame in `bytes`; a partial frame at the end is left out. */
export function parseFrames(bytes: Buffer): ParsedFrame[] {
  const out: ParsedFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) return out;
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    let len = b1 & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (bytes.length - p < 2) return out;
      len = bytes.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (bytes.length - p < 8) return out;
      len = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    let key: Buffer | undefined;
    if (masked) {
      if (bytes.length - p < 4) return out;
      key = bytes.subarray(p, p + 4);
      p += 4;
    }
    if (bytes.length - p < len) return out;
    const payload = Buffer.from(bytes.subarray(p, p + len));
    if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    out.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, masked, payload });
    at = p + len;
  }
}

/** The close frame among `frames`: its code (1005 when it had none) and reason. */
export function closeOf(frames: ParsedFrame[]): { code: number; reason: string } | undefined {
  const f = frames.find((x) => x.opcode === OP.CLOSE);
  if (!f) return undefined;
  if (f.payload.length < 2) return { code: 1005, reason: '' };
  return { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString('utf8') };
}

/** `ws://127.0.0.1:1234/x` -> `tcp://127.0.0.1:1234` (for rawConnect). */
export function tcpUrlOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `tcp://${u.hostname}:${u.port}`;
}

/** Sends `request` on a fresh raw socket and waits for the whole HTTP answer head. */
export async function rawHttp(wsUrl: string, request: string | Uint8Array, options: RawOptions = {}): Promise<{ peer: RawPeer; answer: HttpAnswer }> {
  const peer = await rawConnect(tcpUrlOf(wsUrl), options);
  await peer.write(request);
  let answer: HttpAnswer | undefined;
  try {
    await waitFor(() => (answer = parseHttpAnswer(peer.received())) !== undefined || peer.isClosed, WAIT_MS, 'an HTTP answer');
  } catch (err) {
    peer.destroy(); // a socket left open would keep the server under test from closing
    throw err;
  }
  answer ??= parseHttpAnswer(peer.received());
  if (!answer) peer.destroy();
  if (!answer) throw new Error(`no HTTP answer before the socket closed; got ${JSON.stringify(peer.text().slice(0, 200))}`);
  return { peer, answer };
}

/** A raw client past the opening handshake. */
export interface RawWsClient {
  readonly peer: RawPeer;
  readonly answer: HttpAnswer;
  /** Frames received after the 101 answer. */
  frames(): ParsedFrame[];
  /** Writes bytes (frames) as they are. */
  write(data: Uint8Array | string): Promise<void>;
  /** Waits for the server's close frame; its code and reason. */
  closeFrame(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  destroy(): void;
}

/**
 * Connects and completes the opening handshake by hand; throws unless the answer is a 101 with
 * the right accept key. `options.halfOpen`: the server's FIN is not answered (a peer that
 * never finishes closing).
 */
export async function rawWsConnect(wsUrl: string, spec: UpgradeSpec = {}, options: RawOptions = {}): Promise<RawWsClient> {
  const key = spec.key ?? newKey();
  const u = new URL(wsUrl);
  const { peer, answer } = await rawHttp(wsUrl, upgradeRequest({ path: u.pathname + u.search, host: u.host, ...spec, key }), options);
  if (answer.status !== 101) throw new Error(`expected 101, got ${answer.head}`);
  if (answer.headers['sec-websocket-accept'] !== acceptFor(key)) throw new Error(`bad accept key in ${answer.head}`);
  const headLength = peer.received().indexOf('\r\n\r\n') + 4;
  const frames = (): ParsedFrame[] => parseFrames(peer.received().subarray(headLength));
  return {
    peer,
    answer,
    frames,
    write: (data) => peer.write(data),
    closeFrame: async (timeoutMs = WAIT_MS) => {
      await waitFor(() => closeOf(frames()) !== undefined, timeoutMs, 'a close frame');
      return closeOf(frames())!;
    },
    destroy: () => peer.destroy(),
  };
}

/** A raw server that answers each upgrade with a valid 101 and then lets the test play the server. */
export interface RawWsServer {
  readonly url: string;
  readonly raw: RawServer;
  /**
   * The next upgraded connection: the peer, the request head, and the frames that follow it.
   * `withAnswer`: bytes (frames) sent in the same write as the 101 answer, so they reach the
   * client in the same TCP segment.
   */
  accept(timeoutMs?: number, withAnswer?: Uint8Array): Promise<RawWsServerPeer>;
  close(): Promise<void>;
}

export interface RawWsServerPeer {
  readonly peer: RawPeer;
  readonly request: string;
  frames(): ParsedFrame[];
  write(data: Uint8Array | string): Promise<void>;
  closeFrame(timeoutMs?: number): Promise<{ code: number; reason: string }>;
}

/** Listens on 127.0.0.1; `extraHeaders` go into every 101 answer. `options.halfOpen`: the client's FIN is not answered. */
export async function rawWsListen(path = '/', extraHeaders = '', options: RawOptions = {}): Promise<RawWsServer> {
  const raw = await rawListen('127.0.0.1', options);
  return {
    url: `ws://127.0.0.1:${raw.port}${path}`,
    raw,
    accept: async (timeoutMs = WAIT_MS, withAnswer?: Uint8Array) => {
      const peer = await raw.accept(timeoutMs);
      await waitFor(() => peer.received().includes('\r\n\r\n'), timeoutMs, 'an upgrade request');
      const all = peer.received();
      const headLength = all.indexOf('\r\n\r\n') + 4;
      const request = all.subarray(0, headLength).toString('latin1');
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(request)?.[1];
      if (!key) throw new Error(`no key in ${request}`);
      const answer = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extraHeaders}\r\n`;
      await peer.write(withAnswer ? Buffer.concat([Buffer.from(answer, 'latin1'), withAnswer]) : answer);
      const frames = (): ParsedFrame[] => parseFrames(peer.received().subarray(headLength));
      return {
        peer,
        request,
        frames,
        write: (data) => peer.write(data),
        closeFrame: async (ms = WAIT_MS) => {
          await waitFor(() => closeOf(frames()) !== undefined, ms, 'a close frame');
          return closeOf(frames())!;
        },
      };
    },
    close: () => raw.close(),
  };
}

/** Writes `data` one byte every `intervalMs` until done or the socket closes; resolves with the bytes written. */
export async function dribble(socket: net.Socket, data: string, intervalMs: number): Promise<number> {
  let n = 0;
  for (; n < data.length && !socket.destroyed; n++) {
    socket.write(data[n]!);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return n;
}

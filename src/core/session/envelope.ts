/**
 * The session envelope: a short ASCII header in front of the application's already-encoded
 * message. docs/session-protocol.md is the normative description; this comment is the summary.
 *
 *     envelope = version kind field *( "," field ) ";" payload
 *
 *     +---------+------+---------------------------------+-----+----------------------------+
 *     | version | kind | fields, comma-separated (ASCII) |  ;  | payload, verbatim          |
 *     |  "1"    | "M"  | "42,17"                         |     | the codec's bytes or text  |
 *     +---------+------+---------------------------------+-----+----------------------------+
 *        1 byte   1 byte   0 to 253 bytes                  1 byte  0 or more bytes
 *
 *     1M42,17;{"hello":"world"}    MSG seq 42, acknowledging the peer's messages up to 17
 *     1M43;{"hello":"again"}       MSG seq 43, no acknowledgement piggybacked
 *     1A43;                        ACK: everything up to 43 was taken by the application
 *
 * Why ASCII: sessions run over every framing (length prefix, lines, delimiters, WebSocket text
 * and binary frames) and every codec. A header made only of `0-9 A-Z a-z - _ . , ;` never holds
 * `\r`, `\n` or NUL (so `lines()` and NUL-delimited framings still work), and a UTF-8 text payload
 * after it stays valid UTF-8 (so a WebSocket text frame stays a text frame). Decimal numbers are
 * what `String(n)` writes, so encoding costs one number-to-string conversion per field.
 *
 * Header bytes: at most {@link SESSION_HEADER_MAX} (256), `;` included. Decimal fields: the shortest
 * form ("0" or no leading zero), at most 16 digits and at most 2^53 - 1. Tokens (session id,
 * secret): `[A-Za-z0-9_-]`, at most 64. Codes: `[A-Z0-9_]`, 1 to 64. Anything else is
 * `ENVELOPE_INVALID`; a version other than "1" is `SESSION_VERSION_UNSUPPORTED`.
 */
import { ErrorCode, bytes } from '../errors.js';
import { allocLike } from '../bytes.js';
import type { HeadBytes } from '../framing/framer.js';
import { SessionError } from './errors.js';

/** The protocol version this code speaks, as it appears in byte 0 of every envelope. */
export const SESSION_PROTOCOL_VERSION = 1;
/** The versions this code speaks, as the `versions` field of a REFUSE lists them. */
export const SESSION_VERSIONS = '1';
/** The longest header, from the version byte to the `;` included. */
export const SESSION_HEADER_MAX = 256;
/** The longest error message an ERR envelope carries, in UTF-8 bytes; longer ones are cut when sending. */
export const SESSION_ERROR_MESSAGE_MAX = 1024;

/**
 * The kind letter in byte 1. Sequenced kinds (MSG, REQ, RES, ERR, CANCEL) carry a sequence number
 * and are kept until acknowledged; the others are control envelopes of one connection.
 */
export const EnvelopeKind = {
  /** Client to server, first on every connection: open a new session or resume one. */
  Hello: 'H',
  /** Server to client: the session is open (new or resumed). */
  Welcome: 'W',
  /** Server to client: the HELLO is refused (version, secret, protocol); the connection closes. */
  Refuse: 'N',
  /** A one-way application message. */
  Message: 'M',
  /** A request: the peer answers it with one RES or one ERR. */
  Request: 'Q',
  /** The answer to a request. */
  Response: 'R',
  /** A request failed: code and message, never a stack. */
  Error: 'E',
  /** The requester gave up on a request (abort, timeout): the handler's signal aborts. */
  Cancel: 'C',
  /** Cumulative acknowledgement: every sequenced envelope up to `ack` was taken. */
  Ack: 'A',
  /** Application-level heartbeat, answered at once with PONG (browsers cannot send WebSocket pings). */
  Ping: 'P',
  /** The answer to a PING, echoing its token. */
  Pong: 'O',
  /** The session ends deliberately: the peer drops its state and rejects what is pending. */
  End: 'X',
} as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

/** A decoded envelope. Fields a kind does not use keep their neutral value (0, '', false, -1). */
export interface Envelope {
  version: number;
  kind: EnvelopeKind;
  /** Sequenced kinds: this envelope's sequence number (from 1). */
  seq: number;
  /** Cumulative acknowledgement carried by ACK or piggybacked on a sequenced kind; 0 for none. */
  ack: number;
  /** REQ, RES, ERR, CANCEL: the request id (from 1, chosen by the requester). */
  id: number;
  /** HELLO, WELCOME: the session id ('' in a HELLO that opens a new session). */
  sessionId: string;
  /** HELLO: the resume secret ('' when new). WELCOME: the secret of a new session, '' on resume. */
  secret: string;
  /** HELLO, WELCOME: the highest sequence number the sender received in order from the peer. */
  received: number;
  /** WELCOME: the server resumed the session the HELLO named. */
  resumed: boolean;
  /** WELCOME: how long the server keeps the session while disconnected, in ms. */
  retention: number;
  /** HELLO, WELCOME: requests the sender accepts in flight at once (its Receive Maximum). */
  maxRequests: number;
  /** ERR, REFUSE, END: a code (`[A-Z0-9_]+`); '' for none (END). */
  code: string;
  /** REFUSE: the versions the refusing side speaks, one character each ("1"). */
  versions: string;
  /** MSG, REQ sent again in a new session: the stable id `<session id>.<seq>` of the first sending; '' otherwise. */
  origin: string;
  /** PING, PONG: the token (decimal), -1 for none. */
  token: number;
  /** The payload as received: a view of the input bytes, or a slice of the input string. ERR: the message. */
  payload: Uint8Array | string;
}

/** A fresh envelope with neutral fields, for {@link decodeEnvelope}'s `into`. */
export function emptyEnvelope(): Envelope {
  return {
    version: 1, kind: 'A', seq: 0, ack: 0, id: 0, sessionId: '', secret: '', received: 0, resumed: false,
    retention: 0, maxRequests: 0, code: '', versions: '', origin: '', token: -1, payload: '',
  };
}

// ---------------------------------------------------------------------------------------------
// Encoding: one string per header. The machine calls these directly (no envelope object).

/** `1M<seq>[,<ack>[,<origin>]];` */
export function messageHeader(seq: number, ack: number, origin = ''): string {
  if (origin !== '') return '1M' + seq + ',' + (ack > 0 ? ack : '') + ',' + origin + ';';
  return ack > 0 ? '1M' + seq + ',' + ack + ';' : '1M' + seq + ';';
}
/** `1Q<seq>,[<ack>],<id>[,<origin>];` */
export function requestHeader(seq: number, ack: number, id: number, origin = ''): string {
  return '1Q' + seq + ',' + (ack > 0 ? ack : '') + ',' + id + (origin !== '' ? ',' + origin : '') + ';';
}
/** `1R<seq>,[<ack>],<id>;` */
export function responseHeader(seq: number, ack: number, id: number): string {
  return '1R' + seq + ',' + (ack > 0 ? ack : '') + ',' + id + ';';
}
/** `1E<seq>,[<ack>],<id>,<code>;` followed by the message as the payload. */
export function errorHeader(seq: number, ack: number, id: number, code: string): string {
  return '1E' + seq + ',' + (ack > 0 ? ack : '') + ',' + id + ',' + code + ';';
}
/** `1C<seq>,[<ack>],<id>;` */
export function cancelHeader(seq: number, ack: number, id: number): string {
  return '1C' + seq + ',' + (ack > 0 ? ack : '') + ',' + id + ';';
}
/** `1A<ack>;` */
export function ackHeader(ack: number): string {
  return '1A' + ack + ';';
}
/** `1H<session id>,<secret>,<received>,<ack>,<max requests>;` */
export function helloHeader(sessionId: string, secret: string, received: number, ack: number, maxRequests: number): string {
  return '1H' + sessionId + ',' + secret + ',' + received + ',' + ack + ',' + maxRequests + ';';
}
/** `1W<session id>,<secret>,<received>,<ack>,<resumed 0|1>,<retention ms>,<max requests>;` */
export function welcomeHeader(
  sessionId: string, secret: string, received: number, ack: number, resumed: boolean, retention: number, maxRequests: number,
): string {
  return '1W' + sessionId + ',' + secret + ',' + received + ',' + ack + ',' + (resumed ? '1' : '0') + ',' + retention + ',' + maxRequests + ';';
}
/** `1N<code>,<versions>;` */
export function refuseHeader(code: string, versions = SESSION_VERSIONS): string {
  return '1N' + code + ',' + versions + ';';
}
/** `1P[<token>];` */
export function pingHeader(token = -1): string {
  return token >= 0 ? '1P' + token + ';' : '1P;';
}
/** `1O[<token>];` */
export function pongHeader(token = -1): string {
  return token >= 0 ? '1O' + token + ';' : '1O;';
}
/** `1X[<code>];` */
export function endHeader(code = ''): string {
  return '1X' + code + ';';
}

/**
 * The header of a sequenced envelope (MSG, REQ, RES, ERR, CANCEL) kept as numbers and written
 * straight into a frame by `Framer.encodeParts` (it is a {@link HeadBytes}): the same bytes as
 * {@link messageHeader} and its siblings, without building a string per envelope. The machine
 * reuses one per session, so it is valid only during the writer call it is passed to.
 */
export class EnvelopeHead implements HeadBytes {
  /** The kind's character code: 0x4d M, 0x51 Q, 0x52 R, 0x45 E, 0x43 C. */
  kind = 0x4d;
  seq = 0;
  /** 0: none piggybacked. */
  ack = 0;
  /** REQ, RES, ERR, CANCEL: the request id. */
  id = 0;
  /** MSG, REQ: the origin ('' for none); ERR: the code. */
  aux = '';
  /** Bytes, from the version to the `;` included. */
  length = 0;
  /**
   * The decimal digits of `seq`, kept from one header to the next: a sender numbers its
   * envelopes 1, 2, 3..., so the next seq is nearly always the last one plus 1, one carry on
   * these bytes instead of a division per digit.
   */
  private readonly digits = new Uint8Array(16);
  private digitCount = 0;
  private digitsOf = -1;

  /** Sets the fields and computes `length`; returns this. */
  set(kind: number, seq: number, ack: number, id: number, aux: string): this {
    this.kind = kind;
    this.seq = seq;
    this.ack = ack;
    this.id = id;
    this.aux = aux;
    if (seq !== this.digitsOf) {
      if (seq === this.digitsOf + 1 && this.digitsOf > 0) this.increment();
      else this.digitCount = writeDecimal(this.digits, 0, seq);
      this.digitsOf = seq;
    }
    const a = ack > 0 ? decimalLength(ack) : 0;
    let n = 3 + this.digitCount; // "1" kind seq ";"
    if (kind === 0x4d) {
      if (aux !== '') n += 2 + a + aux.length;
      else if (ack > 0) n += 1 + a;
    } else {
      n += 2 + a + decimalLength(id);
      if (kind === 0x45 || (kind === 0x51 && aux !== '')) n += 1 + aux.length;
    }
    this.length = n;
    return this;
  }

  /** `digits` + 1, in place. */
  private increment(): void {
    const d = this.digits;
    let i = this.digitCount - 1;
    while (i >= 0 && d[i] === 0x39) d[i--] = 0x30;
    if (i >= 0) {
      d[i]!++;
      return;
    }
    // 9...9 + 1 = 10...0: one more digit.
    d[this.digitCount++] = 0x30;
    d[0] = 0x31;
  }

  writeTo(buf: Uint8Array, at: number): void {
    const { kind, ack, aux } = this;
    buf[at] = 0x31;
    buf[at + 1] = kind;
    const d = this.digits;
    const nd = this.digitCount;
    let p = at + 2;
    for (let i = 0; i < nd; i++) buf[p + i] = d[i]!;
    p += nd;
    if (kind === 0x4d) {
      if (aux !== '') {
        buf[p++] = 0x2c;
        if (ack > 0) p = writeDecimal(buf, p, ack);
        buf[p++] = 0x2c;
        p = writeToken(buf, p, aux);
      } else if (ack > 0) {
        buf[p++] = 0x2c;
        p = writeDecimal(buf, p, ack);
      }
    } else {
      buf[p++] = 0x2c;
      if (ack > 0) p = writeDecimal(buf, p, ack);
      buf[p++] = 0x2c;
      p = writeDecimal(buf, p, this.id);
      if (kind === 0x45 || (kind === 0x51 && aux !== '')) {
        buf[p++] = 0x2c;
        p = writeToken(buf, p, aux);
      }
    }
    buf[p] = 0x3b;
  }

  /** The same header as a string (the `*Header` functions). */
  toString(): string {
    const { seq, ack, id, aux } = this;
    switch (this.kind) {
      case 0x4d: return messageHeader(seq, ack, aux);
      case 0x51: return requestHeader(seq, ack, id, aux);
      case 0x52: return responseHeader(seq, ack, id);
      case 0x45: return errorHeader(seq, ack, id, aux);
      default: return cancelHeader(seq, ack, id);
    }
  }
}

/** Digits of a non-negative safe integer in decimal. */
function decimalLength(v: number): number {
  if (v < 100000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  if (v < 10000000000) return v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let n = 11;
  let p = 100000000000;
  while (v >= p && n < 16) {
    n++;
    p *= 10;
  }
  return n;
}

/** Writes `v` in decimal (the shortest form, as `String(v)`) at `buf[at]`; returns the end. */
function writeDecimal(buf: Uint8Array, at: number, v: number): number {
  const end = at + decimalLength(v);
  let i = end;
  if (v <= 0x7fffffff) {
    // Small integer arithmetic while it fits (every sequence number in practice).
    while (v >= 10) {
      const q = (v / 10) | 0;
      buf[--i] = 0x30 + v - q * 10;
      v = q;
    }
    buf[i - 1] = 0x30 + v;
    return end;
  }
  do {
    const q = Math.floor(v / 10);
    buf[--i] = 0x30 + (v - q * 10);
    v = q;
  } while (v > 0);
  return end;
}

function writeToken(buf: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
}

/**
 * Header and payload as one frame payload, for framers that take one piece: text stays text
 * (`header + payload`, so a WebSocket text frame stays text), bytes become one byte array (the
 * header copied in front; allocated like the payload, so a Node `Buffer` gives a pooled Buffer).
 */
export function joinEnvelope(header: string | EnvelopeHead, payload: Uint8Array | string | undefined): Uint8Array | string {
  if (typeof header !== 'string') {
    if (payload === undefined || typeof payload === 'string') return header.toString() + (payload ?? '');
    const out = allocLike(payload, header.length + payload.length);
    header.writeTo(out, 0);
    out.set(payload, header.length);
    return out;
  }
  if (payload === undefined) return header;
  if (typeof payload === 'string') return header + payload;
  const h = header.length;
  const out = allocLike(payload, h + payload.length);
  for (let i = 0; i < h; i++) out[i] = header.charCodeAt(i);
  out.set(payload, h);
  return out;
}

/** Everything an envelope can say, for {@link encodeEnvelope} (tests, tools, other drivers). */
export type EnvelopeFields = Partial<Omit<Envelope, 'kind' | 'version'>> & { kind: EnvelopeKind };

/**
 * Encodes any envelope, checking every field against the limits {@link decodeEnvelope} applies,
 * so that what this returns always decodes to the same fields. Throws `ENVELOPE_INVALID`.
 */
export function encodeEnvelope(e: EnvelopeFields): Uint8Array | string {
  const seq = e.seq ?? 0;
  const ack = e.ack ?? 0;
  const id = e.id ?? 0;
  const payload = e.payload ?? '';
  const n = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw invalid(`${name} must be an integer from ${min} to 2^53-1, got ${v}`);
  };
  const tok = (name: string, v: string, re: RegExp) => {
    if (!re.test(v)) throw invalid(`${name} must match ${re.source}, got ${JSON.stringify(v).slice(0, 80)}`);
  };
  const noPayload = () => {
    if (payload.length !== 0) throw invalid(`a ${e.kind} envelope carries no payload, got ${payload.length}`);
  };
  n('ack', ack, 0);
  let header: string;
  switch (e.kind) {
    case 'M': case 'Q': case 'R': case 'E': case 'C':
      n('seq', seq, 1);
      if (e.kind !== 'M') n('id', id, 1);
      if (e.origin) tok('origin', e.origin, ORIGIN_RE);
      if (e.origin && e.kind !== 'M' && e.kind !== 'Q') throw invalid(`only MSG and REQ carry an origin, got one on ${e.kind}`);
      if (e.kind === 'M') header = messageHeader(seq, ack, e.origin ?? '');
      else if (e.kind === 'Q') header = requestHeader(seq, ack, id, e.origin ?? '');
      else if (e.kind === 'R') header = responseHeader(seq, ack, id);
      else if (e.kind === 'C') { noPayload(); header = cancelHeader(seq, ack, id); }
      else {
        tok('code', e.code ?? '', CODE_RE);
        if (typeof payload !== 'string') throw invalid('an ERR envelope carries its message as a string');
        if (utf8Bytes(payload) > SESSION_ERROR_MESSAGE_MAX) throw invalid(`an ERR message is at most ${SESSION_ERROR_MESSAGE_MAX} UTF-8 bytes`);
        header = errorHeader(seq, ack, id, e.code!);
      }
      break;
    case 'A': noPayload(); n('ack', ack, 1); header = ackHeader(ack); break;
    case 'H': case 'W': {
      noPayload();
      const sid = e.sessionId ?? '';
      const secret = e.secret ?? '';
      tok('session id', sid, TOKEN_RE);
      tok('secret', secret, TOKEN_RE);
      n('received', e.received ?? 0, 0);
      n('maxRequests', e.maxRequests ?? 0, 0);
      if (e.kind === 'H') header = helloHeader(sid, secret, e.received ?? 0, ack, e.maxRequests ?? 0);
      else {
        if (sid === '') throw invalid('a WELCOME names its session');
        n('retention', e.retention ?? 0, 0);
        header = welcomeHeader(sid, secret, e.received ?? 0, ack, e.resumed ?? false, e.retention ?? 0, e.maxRequests ?? 0);
      }
      break;
    }
    case 'N':
      noPayload();
      tok('code', e.code ?? '', CODE_RE);
      tok('versions', e.versions ?? '', VERSIONS_RE);
      header = refuseHeader(e.code!, e.versions);
      break;
    case 'P': case 'O': {
      noPayload();
      const t = e.token ?? -1;
      if (t !== -1) n('token', t, 0);
      header = e.kind === 'P' ? pingHeader(t) : pongHeader(t);
      break;
    }
    case 'X':
      noPayload();
      if (e.code) tok('code', e.code, CODE_RE);
      header = endHeader(e.code ?? '');
      break;
    default:
      throw invalid(`unknown kind ${JSON.stringify(e.kind)}`);
  }
  if (header.length > SESSION_HEADER_MAX) throw invalid(`header of ${header.length} bytes, expected at most ${SESSION_HEADER_MAX}`);
  return joinEnvelope(header, payload);
}

const TOKEN_RE = /^[A-Za-z0-9_-]{0,64}$/;
const CODE_RE = /^[A-Z0-9_]{1,64}$/;
const VERSIONS_RE = /^[0-9A-Za-z]{1,16}$/;
const ORIGIN_RE = /^[A-Za-z0-9_-]{1,64}\.[1-9][0-9]{0,15}$/;

function invalid(message: string, details?: Record<string, unknown>): SessionError {
  return new SessionError(ErrorCode.ENVELOPE_INVALID, message, details === undefined ? {} : { details });
}

function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Decoding

// Character classes of header bytes: 1 digit, 2 upper, 3 lower, 4 '-', 5 '_', 6 '.', 7 ','.
// Built by a function marked pure, so that a bundle that does not use sessions drops it
// (esbuild and Rollup keep top-level statements they cannot prove free of side effects).
const CLASS = /* @__PURE__ */ charClasses();
function charClasses(): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 2;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 3;
  t[0x2d] = 4;
  t[0x5f] = 5;
  t[0x2e] = 6;
  t[0x2c] = 7;
  return t;
}

const MAX_FIELDS = 8;
// Scratch space for one header: its bytes and where each field starts and ends. Decoding is
// synchronous and never re-entered, so one set per module is enough and nothing is allocated.
const head = /* @__PURE__ */ new Uint8Array(SESSION_HEADER_MAX);
const fieldStart = /* @__PURE__ */ new Int32Array(MAX_FIELDS);
const fieldEnd = /* @__PURE__ */ new Int32Array(MAX_FIELDS);
let fieldCount = 0;
let decodingKind = '';

const strictUtf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes one envelope from a frame's payload (bytes, or a string where the transport hands out
 * text). The payload is not copied: it is a view of `input` (or a slice of the string). `into`
 * is overwritten and returned, so a driver can decode every frame into one object.
 *
 * Untrusted input only ever throws a {@link SessionError} with code `ENVELOPE_INVALID` or
 * `SESSION_VERSION_UNSUPPORTED`.
 */
/**
 * The seq of a sequenced envelope (MSG, REQ, RES, ERR, CANCEL) read from its first bytes without
 * decoding it, or 0 (another kind, or not well-formed: `decodeEnvelope` says why later).
 */
export function peekSeq(input: Uint8Array | string): number {
  const text = typeof input === 'string';
  const at = (i: number): number => (text ? (input as string).charCodeAt(i) : (input as Uint8Array)[i]!);
  if (input.length < 3 || at(0) !== 0x31) return 0;
  const k = at(1);
  if (k !== 0x4d && k !== 0x51 && k !== 0x52 && k !== 0x45 && k !== 0x43) return 0;
  let n = 0;
  for (let i = 2; i < input.length && i < 18; i++) {
    const c = at(i);
    if (c < 0x30 || c > 0x39) return c === 0x2c || c === 0x3b ? n : 0;
    n = n * 10 + (c - 0x30);
  }
  return 0;
}

export function decodeEnvelope(input: Uint8Array | string, into: Envelope = emptyEnvelope()): Envelope {
  const n = input.length;
  // Fast path for the common case, a MSG with seq and maybe ack: `1M<seq>[,<ack>];`. Anything it
  // does not recognise (or a number it would have to judge) goes through the general path below.
  const fast = typeof input === 'string' ? fastMessageText(input, n) : fastMessageBytes(input, n);
  if (fast > 0) {
    const e = into;
    e.version = 1; e.kind = 'M'; e.seq = fastSeq; e.ack = fastAck; e.id = 0; e.sessionId = ''; e.secret = '';
    e.received = 0; e.resumed = false; e.retention = 0; e.maxRequests = 0; e.code = ''; e.versions = '';
    e.origin = ''; e.token = -1;
    e.payload = typeof input === 'string' ? input.slice(fast) : input.subarray(fast);
    return e;
  }
  const lim = n < SESSION_HEADER_MAX ? n : SESSION_HEADER_MAX;
  let end = -1;
  if (typeof input === 'string') {
    for (let i = 0; i < lim; i++) {
      const c = input.charCodeAt(i);
      if (c === 0x3b) { end = i; break; }
      head[i] = c > 0xff ? 0 : c;
    }
  } else {
    for (let i = 0; i < lim; i++) {
      const c = input[i]!;
      if (c === 0x3b) { end = i; break; }
      head[i] = c;
    }
  }
  if (end < 0) {
    throw invalid(n >= SESSION_HEADER_MAX
      ? `no ';' in the first ${SESSION_HEADER_MAX} bytes, expected a session envelope header of at most ${SESSION_HEADER_MAX} bytes`
      : `no ';' in ${bytes(n)}, expected a session envelope header ending with ';'`, { seen: n });
  }
  if (end < 2) throw invalid(`header of ${bytes(end + 1)}, expected at least a version, a kind and ';'`);
  const v = head[0]!;
  if (v !== 0x31 /* '1' */) {
    if (CLASS[v] === 1 || CLASS[v] === 2 || CLASS[v] === 3) {
      throw new SessionError(ErrorCode.SESSION_VERSION_UNSUPPORTED,
        `session envelope of version ${JSON.stringify(String.fromCharCode(v))}, expected one of "${SESSION_VERSIONS}"`,
        { details: { version: String.fromCharCode(v), supported: SESSION_VERSIONS } });
    }
    throw invalid(`byte 0 is ${hex(v)}, expected a version character (0-9, A-Z, a-z)`);
  }
  const k = head[1]!;
  decodingKind = String.fromCharCode(k);
  // Split into fields and check every byte's class.
  fieldCount = 0;
  let start = 2;
  for (let i = 2; i <= end; i++) {
    const c = i === end ? 0x2c : head[i]!;
    const cls = CLASS[c]!;
    if (cls === 0) throw invalid(`byte ${i} of the header is ${hex(c)}, expected 0-9 A-Z a-z - _ . , or ;`);
    if (cls === 7) {
      if (fieldCount === MAX_FIELDS) throw invalid(`more than ${MAX_FIELDS} header fields`);
      fieldStart[fieldCount] = start;
      fieldEnd[fieldCount] = i;
      fieldCount++;
      start = i + 1;
    }
  }
  const payload = typeof input === 'string' ? input.slice(end + 1) : input.subarray(end + 1);
  const e = into;
  e.version = 1;
  e.seq = 0; e.ack = 0; e.id = 0; e.sessionId = ''; e.secret = ''; e.received = 0; e.resumed = false;
  e.retention = 0; e.maxRequests = 0; e.code = ''; e.versions = ''; e.origin = ''; e.token = -1;
  e.payload = payload;
  switch (k) {
    case 0x4d: // M: seq [, ack [, origin]]
      fields(1, 3);
      e.kind = 'M';
      e.seq = decimal(0, 1, false);
      e.ack = decimal(1, 0, true);
      if (fieldCount === 3) e.origin = origin(2);
      break;
    case 0x51: // Q: seq, [ack], id [, origin]
      fields(3, 4);
      e.kind = 'Q';
      e.seq = decimal(0, 1, false);
      e.ack = decimal(1, 0, true);
      e.id = decimal(2, 1, false);
      if (fieldCount === 4) e.origin = origin(3);
      break;
    case 0x52: // R: seq, [ack], id
    case 0x43: // C: seq, [ack], id
      fields(3, 3);
      e.kind = k === 0x52 ? 'R' : 'C';
      e.seq = decimal(0, 1, false);
      e.ack = decimal(1, 0, true);
      e.id = decimal(2, 1, false);
      if (k === 0x43) noPayload(payload);
      break;
    case 0x45: { // E: seq, [ack], id, code; payload = UTF-8 message
      fields(4, 4);
      e.kind = 'E';
      e.seq = decimal(0, 1, false);
      e.ack = decimal(1, 0, true);
      e.id = decimal(2, 1, false);
      e.code = code(3, false);
      if (typeof payload === 'string') {
        if (payload.length > SESSION_ERROR_MESSAGE_MAX) throw invalid(`ERR message of ${payload.length} characters, expected at most ${SESSION_ERROR_MESSAGE_MAX}`);
      } else {
        if (payload.length > SESSION_ERROR_MESSAGE_MAX) throw invalid(`ERR message of ${bytes(payload.length)}, expected at most ${SESSION_ERROR_MESSAGE_MAX}`);
        try {
          e.payload = strictUtf8.decode(payload);
        } catch (cause) {
          throw new SessionError(ErrorCode.ENVELOPE_INVALID, 'ERR message is not valid UTF-8', { cause });
        }
      }
      break;
    }
    case 0x41: // A: ack
      fields(1, 1);
      e.kind = 'A';
      e.ack = decimal(0, 1, false);
      noPayload(payload);
      break;
    case 0x48: // H: session id, secret, received, ack, max requests
      fields(5, 5);
      e.kind = 'H';
      e.sessionId = token(0);
      e.secret = token(1);
      if ((e.sessionId === '') !== (e.secret === '')) throw invalid('a HELLO names a session id and its secret, or neither');
      e.received = decimal(2, 0, false);
      e.ack = decimal(3, 0, false);
      e.maxRequests = decimal(4, 0, false);
      noPayload(payload);
      break;
    case 0x57: // W: session id, secret, received, ack, resumed, retention, max requests
      fields(7, 7);
      e.kind = 'W';
      e.sessionId = token(0);
      if (e.sessionId === '') throw invalid('a WELCOME with an empty session id');
      e.secret = token(1);
      e.received = decimal(2, 0, false);
      e.ack = decimal(3, 0, false);
      {
        const r = decimal(4, 0, false);
        if (r > 1) throw invalid(`WELCOME resumed flag is ${r}, expected 0 or 1`);
        e.resumed = r === 1;
      }
      e.retention = decimal(5, 0, false);
      e.maxRequests = decimal(6, 0, false);
      noPayload(payload);
      break;
    case 0x4e: // N: code, versions
      fields(2, 2);
      e.kind = 'N';
      e.code = code(0, false);
      e.versions = token(1);
      if (!/^[0-9A-Za-z]{1,16}$/.test(e.versions)) throw invalid(`REFUSE versions ${JSON.stringify(e.versions)}, expected 1 to 16 version characters`);
      noPayload(payload);
      break;
    case 0x50: // P: [token]
    case 0x4f: // O: [token]
      fields(1, 1);
      e.kind = k === 0x50 ? 'P' : 'O';
      e.token = fieldEnd[0] === fieldStart[0] ? -1 : decimal(0, 0, false);
      noPayload(payload);
      break;
    case 0x58: // X: [code]
      fields(1, 1);
      e.kind = 'X';
      e.code = code(0, true);
      noPayload(payload);
      break;
    default:
      throw invalid(`unknown envelope kind ${hex(k)}, expected one of H W N M Q R E C A P O X`);
  }
  return e;
}

let fastSeq = 0;
let fastAck = 0;

// Both return the payload offset, or 0 to take the general path: a digit run for seq (1 to 15
// digits, no leading zero, so always a safe integer of at least 1), optionally ',' and a second
// such run (or nothing) for ack, then ';'.
function fastMessageBytes(b: Uint8Array, n: number): number {
  return fastMessageAt(b, 0, n);
}

/**
 * The fast path of {@link decodeEnvelope} on the frame `b[at .. at + n)`: the header length of a
 * MSG `1M<seq>[,<ack>];` (its numbers in `fastSeq` / `fastAck`, see {@link fastHeader}), or 0
 * when the frame is anything else (then decode it whole with `decodeEnvelope`).
 */
export function fastMessageAt(b: Uint8Array, at: number, n: number): number {
  if (n < 4 || b[at] !== 0x31 || b[at + 1] !== 0x4d) return 0;
  let i = at + 2;
  let c = b[i]!;
  if (c < 0x31 || c > 0x39) return 0;
  let v = 0;
  const end = at + n;
  const lim = n < 17 ? end : at + 17; // at most 15 digits
  for (; i < lim; i++) {
    c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  if (i >= lim) return 0;
  fastSeq = v;
  fastAck = 0;
  if (c === 0x3b) return i + 1 - at;
  if (c !== 0x2c) return 0;
  i++;
  if (i >= end) return 0;
  c = b[i]!;
  if (c === 0x3b) return i + 1 - at;
  if (c < 0x31 || c > 0x39) return 0;
  v = 0;
  const lim2 = end < i + 15 ? end : i + 15;
  for (; i < lim2; i++) {
    c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  if (i >= lim2 || c !== 0x3b) return 0;
  fastAck = v;
  return i + 1 - at;
}

/** The numbers of the header {@link fastMessageAt} just read: `[seq, ack]` are in these two getters. */
export const fastHeader = {
  get seq(): number {
    return fastSeq;
  },
  get ack(): number {
    return fastAck;
  },
};

function fastMessageText(s: string, n: number): number {
  if (n < 4 || s.charCodeAt(0) !== 0x31 || s.charCodeAt(1) !== 0x4d) return 0;
  let i = 2;
  let c = s.charCodeAt(2);
  if (c < 0x31 || c > 0x39) return 0;
  let v = 0;
  const lim = n < 17 ? n : 17; // at most 15 digits
  for (; i < lim; i++) {
    c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  if (i >= lim) return 0;
  fastSeq = v;
  fastAck = 0;
  if (c === 0x3b) return i + 1;
  if (c !== 0x2c) return 0;
  i++;
  if (i >= n) return 0;
  c = s.charCodeAt(i);
  if (c === 0x3b) return i + 1;
  if (c < 0x31 || c > 0x39) return 0;
  v = 0;
  const lim2 = n < i + 15 ? n : i + 15;
  for (; i < lim2; i++) {
    c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  if (i >= lim2 || c !== 0x3b) return 0;
  fastAck = v;
  return i + 1;
}

function hex(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `0x${c.toString(16).padStart(2, '0')}`;
}

function fields(min: number, max: number): void {
  if (fieldCount < min || fieldCount > max) {
    throw invalid(`${decodingKind} envelope with ${fieldCount} header fields, expected ${min === max ? min : `${min} to ${max}`}`);
  }
}

function noPayload(payload: Uint8Array | string): void {
  if (payload.length !== 0) throw invalid(`${decodingKind} envelope with a payload of ${payload.length}, expected none`);
}

/** Field `f` as a decimal in its shortest form, at least `min`; an empty optional field is 0. */
function decimal(f: number, min: number, optional: boolean): number {
  if (f >= fieldCount) return 0; // an optional trailing field left out (`fields()` checked the count)
  const s = fieldStart[f]!;
  const e = fieldEnd[f]!;
  const len = e - s;
  if (len === 0) {
    if (optional) return 0;
    throw invalid(`${decodingKind} envelope field ${f + 1} is empty, expected a number`);
  }
  if (len > 16) throw invalid(`${decodingKind} envelope field ${f + 1} has ${len} digits, expected at most 16`);
  if (len > 1 && head[s] === 0x30) throw invalid(`${decodingKind} envelope field ${f + 1} has a leading zero`);
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = head[i]!;
    if (c < 0x30 || c > 0x39) throw invalid(`${decodingKind} envelope field ${f + 1} holds ${hex(c)}, expected a digit`);
    v = v * 10 + (c - 0x30);
  }
  if (v > Number.MAX_SAFE_INTEGER) throw invalid(`${decodingKind} envelope field ${f + 1} is above 2^53-1`);
  if (v < min) throw invalid(`${decodingKind} envelope field ${f + 1} is ${v}, expected at least ${min}`);
  return v;
}

function text(f: number): string {
  return String.fromCharCode.apply(null, head.subarray(fieldStart[f]!, fieldEnd[f]!) as unknown as number[]);
}

/** A token field: `[A-Za-z0-9_-]{0,64}`. */
function token(f: number): string {
  const s = fieldStart[f]!;
  const e = fieldEnd[f]!;
  if (e - s > 64) throw invalid(`${decodingKind} envelope field ${f + 1} has ${e - s} characters, expected at most 64`);
  for (let i = s; i < e; i++) {
    if (CLASS[head[i]!]! > 5) throw invalid(`${decodingKind} envelope field ${f + 1} holds ${hex(head[i]!)}, expected A-Z a-z 0-9 - _`);
  }
  return text(f);
}

/** A code field: `[A-Z0-9_]{1,64}` (empty allowed when `optional`). */
function code(f: number, optional: boolean): string {
  const s = fieldStart[f]!;
  const e = fieldEnd[f]!;
  if (e === s && optional) return '';
  if (e === s || e - s > 64) throw invalid(`${decodingKind} envelope code of ${e - s} characters, expected 1 to 64`);
  for (let i = s; i < e; i++) {
    const cls = CLASS[head[i]!]!;
    if (cls !== 1 && cls !== 2 && cls !== 5) throw invalid(`${decodingKind} envelope code holds ${hex(head[i]!)}, expected A-Z 0-9 _`);
  }
  return text(f);
}

/** An origin field: '' or `<token>.<decimal from 1>`. */
function origin(f: number): string {
  const s = fieldStart[f]!;
  const e = fieldEnd[f]!;
  if (e === s) return '';
  const o = text(f);
  if (!ORIGIN_RE.test(o) || Number(o.slice(o.indexOf('.') + 1)) > Number.MAX_SAFE_INTEGER) {
    throw invalid(`${decodingKind} envelope origin ${JSON.stringify(o)}, expected <session id>.<seq>`);
  }
  return o;
}

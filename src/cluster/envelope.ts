/**
 * What nodes send each other through the broker. Every byte of it is untrusted: a decoder
 * returns a value or a reason, never throws, and the node drops and counts what it refuses.
 *
 * Room and broadcast messages (binary, so a payload is carried as it is):
 *
 *      0    1    2     3      4 .. 7      8 .. 11     12     13 .. 13+n   13+n ..
 *     +----+----+-----+------+-----------+-----------+------+------------+----------+
 *     | 53 | 42 | ver | kind | stream    | seq       | n    | node name  | payload  |
 *     | 'S'| 'B'|  1  | 1|2  | u32 BE    | u32 BE    | u8   | n bytes    | the rest |
 *     +----+----+-----+------+-----------+-----------+------+------------+----------+
 *
 * kind 1: the payload is UTF-8 text (the codec encoded a string); kind 2: bytes.
 * `stream` names one sequence of `seq` (a sender starts a new stream for a room when it first
 * publishes to it, or after forgetting it): within a stream `seq` goes up by one per message,
 * so a receiver that sees it jump knows how many messages it missed (a gap), and says so.
 *
 * Control messages (heartbeats, queries, answers, service calls) are small JSON objects,
 * checked field by field ({@link parseControl}).
 */
import { decodeUtf8 } from '../core/index.js';
import { roomNameProblem } from '../core/rooms.js';

export const ENVELOPE_VERSION = 1;
const MAGIC0 = 0x53;
const MAGIC1 = 0x42;
const HEADER = 13;

export const PayloadKind = { Text: 1, Bytes: 2 } as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

export interface DataEnvelope {
  node: string;
  stream: number;
  seq: number;
  kind: PayloadKind;
  payload: Uint8Array;
}

const utf8 = new TextEncoder();

export function encodeData(env: { node: string; stream: number; seq: number; payload: Uint8Array | string }): Uint8Array {
  const node = utf8.encode(env.node);
  const text = typeof env.payload === 'string';
  const payload = text ? utf8.encode(env.payload as string) : (env.payload as Uint8Array);
  const out = new Uint8Array(HEADER + node.length + payload.length);
  const view = new DataView(out.buffer);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = ENVELOPE_VERSION;
  out[3] = text ? PayloadKind.Text : PayloadKind.Bytes;
  view.setUint32(4, env.stream >>> 0);
  view.setUint32(8, env.seq >>> 0);
  out[12] = node.length;
  out.set(node, HEADER);
  out.set(payload, HEADER + node.length);
  return out;
}

/** The envelope, or why the bytes are not one. */
export function decodeData(bytes: Uint8Array): DataEnvelope | string {
  if (bytes.length < HEADER) return `${bytes.length} bytes, shorter than the ${HEADER}-byte header`;
  if (bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) return 'no SB magic';
  if (bytes[2] !== ENVELOPE_VERSION) return `version ${bytes[2]}, expected ${ENVELOPE_VERSION}`;
  const kind = bytes[3]!;
  if (kind !== PayloadKind.Text && kind !== PayloadKind.Bytes) return `payload kind ${kind}, expected 1 or 2`;
  const n = bytes[12]!;
  if (HEADER + n > bytes.length) return `node name of ${n} bytes runs past the end`;
  let node: string;
  try {
    node = decodeUtf8(bytes.subarray(HEADER, HEADER + n));
  } catch {
    return 'node name is not UTF-8';
  }
  const problem = roomNameProblem(node, 'node');
  if (problem !== undefined) return problem;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { node, stream: view.getUint32(4), seq: view.getUint32(8), kind: kind as PayloadKind, payload: bytes.subarray(HEADER + n) };
}

/** A JSON control message: an object with a string `t` (its type) and a valid `node`. */
export interface Control {
  t: string;
  node: string;
  [field: string]: unknown;
}

/** Parses and checks a control message, or says why not. */
export function parseControl(bytes: Uint8Array): Control | string {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes));
  } catch {
    return 'not UTF-8 JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const c = value as Record<string, unknown>;
  if (typeof c['t'] !== 'string') return 'no string field t';
  const problem = roomNameProblem(c['node'], 'node');
  if (problem !== undefined) return problem;
  return c as Control;
}

export function encodeControl(c: Control): Uint8Array {
  return utf8.encode(JSON.stringify(c));
}

/** A finite non-negative integer, or undefined. */
export function count(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : undefined;
}

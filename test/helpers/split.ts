/**
 * Helpers for feeding parsers in every possible chunking (nats.js `byByteTest` style).
 *
 *     for (const { name, chunks } of everySplit(wire)) {
 *       assert.deepEqual(feed(framing.create(), chunks), expected, name);
 *     }
 */
import { WriteBuffer, concatBytes, type Framer, type Framing } from '../../src/core/index.js';

/** One way to cut a buffer: `chunks` joined together give back the original bytes. */
export interface Split {
  /** For assertion messages: `whole`, `cut at 3`, `cut at 3,7`, `byte by byte`. */
  readonly name: string;
  readonly chunks: Uint8Array[];
}

export interface EverySplitOptions {
  /**
   * Three-piece cuts are generated only for inputs up to this many bytes, since there are
   * n^2 / 2 of them. Longer inputs still get the whole, every two-piece cut and byte by byte.
   * @default 64
   */
  threePieceMaxLength?: number;
}

/** Cuts `bytes` at the given positions (ascending, each in 1..length-1). */
export function cutAt(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of positions) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/**
 * Every way to deliver `bytes`: in one piece, cut into two pieces at every position, cut into
 * three pieces at every pair of positions (inputs up to `threePieceMaxLength` bytes), and one
 * byte at a time. Chunks are views of `bytes`; no piece is empty.
 */
export function* everySplit(bytes: Uint8Array, options: EverySplitOptions = {}): Generator<Split> {
  const n = bytes.length;
  yield { name: 'whole', chunks: n === 0 ? [] : [bytes] };
  for (let i = 1; i < n; i++) yield { name: `cut at ${i}`, chunks: cutAt(bytes, [i]) };
  if (n <= (options.threePieceMaxLength ?? 64)) {
    for (let i = 1; i < n; i++) {
      for (let j = i + 1; j < n; j++) yield { name: `cut at ${i},${j}`, chunks: cutAt(bytes, [i, j]) };
    }
  }
  if (n > 1) yield { name: 'byte by byte', chunks: Array.from({ length: n }, (_, k) => bytes.subarray(k, k + 1)) };
}

/** Largest number of frames {@link drain} takes in one go, so a broken framer cannot loop forever. */
export const MAX_FRAMES_PER_DRAIN = 100_000;

/** Takes every whole frame the framer has, as copies (frames may be views of pushed chunks). */
export function drain(framer: Framer): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let k = 0; k < MAX_FRAMES_PER_DRAIN; k++) {
    const f = framer.next();
    if (f === undefined) return frames;
    frames.push(f.slice());
  }
  throw new Error(`framer returned more than ${MAX_FRAMES_PER_DRAIN} frames without saying "not yet"`);
}

/**
 * Pushes each chunk into `framer`, draining frames after every push, and returns all frames in
 * order. With `finish: true` it calls `framer.finish()` at the end (which throws on a partial
 * frame). Errors from the framer propagate.
 */
export function feed(framer: Framer, chunks: Iterable<Uint8Array>, options: { finish?: boolean } = {}): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    framer.push(chunk);
    frames.push(...drain(framer));
  }
  if (options.finish) framer.finish();
  return frames;
}

/** The bytes a fresh framer of `framing` writes for `payloads`, joined into one buffer. */
export function encodeAll(framing: Framing, payloads: readonly Uint8Array[]): Uint8Array {
  const framer = framing.create();
  const out = new WriteBuffer();
  for (const p of payloads) framer.encode(p, out);
  return concatBytes(out.take()).slice();
}

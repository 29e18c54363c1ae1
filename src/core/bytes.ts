/**
 * Byte plumbing shared by every framer: a queue of received chunks that frames are cut from
 * without copying where possible, and a write buffer that coalesces many small messages into
 * few large writes.
 */
import type { HeadSkip } from './framing/framer.js';

/** A queue of received chunks. Frames that sit inside one chunk come out as views, not copies. */
/** The chunks of an empty queue: shared, never written (a queue makes its own array at its first push). */
const NO_CHUNKS: Uint8Array[] = [];

export class ByteQueue {
  private chunks: Uint8Array[] = NO_CHUNKS;
  private head = 0; // index of the first live chunk
  private offset = 0; // bytes already consumed from chunks[head]
  /** Bytes buffered and not yet taken. */
  length = 0;
  private growable: Uint8Array | undefined; // backing store of a merged last chunk, see peek()

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const g = this.growable;
    if (g !== undefined && this.head < this.chunks.length) {
      // The last chunk is a merged one with spare room: append in place, so repeated peeks of a
      // slowly arriving frame cost O(total) instead of O(total^2).
      const last = this.chunks[this.chunks.length - 1]!;
      const end = last.byteOffset - g.byteOffset + last.length;
      if (last.buffer === g.buffer && end + chunk.length <= g.length) {
        g.set(chunk, end);
        this.chunks[this.chunks.length - 1] = g.subarray(last.byteOffset - g.byteOffset, end + chunk.length);
        this.length += chunk.length;
        return;
      }
    }
    this.growable = undefined;
    if (this.chunks === NO_CHUNKS) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The byte at position `i` (0 = first unconsumed byte). `i` must be < length. */
  byteAt(i: number): number {
    let idx = this.head;
    let pos = i + this.offset;
    for (;;) {
      const c = this.chunks[idx]!;
      if (pos < c.length) return c[pos]!;
      pos -= c.length;
      idx++;
    }
  }

  /** Position of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from = 0): number {
    if (this.head === this.chunks.length - 1) {
      // One chunk buffered (the common case): one native search, no walk.
      const hit = this.chunks[this.head]!.indexOf(byte, this.offset + from);
      return hit < 0 ? -1 : hit - this.offset;
    }
    let base = -this.offset; // position of chunks[idx][0] relative to the queue start
    for (let idx = this.head; idx < this.chunks.length; idx++) {
      const c = this.chunks[idx]!;
      const end = base + c.length;
      if (end > from) {
        const start = from > base ? from - base : idx === this.head ? this.offset : 0;
        const hit = c.indexOf(byte, start);
        if (hit >= 0) return base + hit;
      }
      base = end;
    }
    return -1;
  }

  /** Position of the first occurrence of `seq` starting at or after `from`, or -1. */
  indexOfSeq(seq: Uint8Array, from = 0): number {
    const first = seq[0]!;
    if (seq.length === 1) return this.indexOf(first, from);
    let at = from;
    for (;;) {
      const hit = this.indexOf(first, at);
      if (hit < 0 || hit + seq.length > this.length) return -1;
      let ok = true;
      for (let k = 1; k < seq.length; k++) {
        if (this.byteAt(hit + k) !== seq[k]) {
          ok = false;
          break;
        }
      }
      if (ok) return hit;
      at = hit + 1;
    }
  }

  /** Removes and returns the first `n` bytes: a view when they sit in one chunk, else one copy. */
  take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const c = this.chunks[this.head]!;
    const avail = c.length - this.offset;
    if (n <= avail) {
      const view = c.subarray(this.offset, this.offset + n);
      this.advance(n);
      return view;
    }
    const out = allocLike(c, n);
    this.copyTo(out, 0, n);
    this.advance(n);
    return out;
  }

  /**
   * `take(n)`, but `hs.skip` sees the bytes first and the view leaves out the leading bytes it
   * claims (`hs.frame` is set to the view when it claimed any). See `Framer.headSkip`.
   */
  takeSkipping(n: number, hs: HeadSkip): Uint8Array {
    if (n === 0) {
      hs.skip(EMPTY, 0, 0);
      hs.frame = undefined;
      return new Uint8Array(0);
    }
    const c = this.chunks[this.head]!;
    let view: Uint8Array;
    let k: number;
    if (n <= c.length - this.offset) {
      k = hs.skip(c, this.offset, n);
      view = c.subarray(this.offset + k, this.offset + n);
    } else {
      const out = allocLike(c, n);
      this.copyTo(out, 0, n);
      k = hs.skip(out, 0, n);
      view = k === 0 ? out : out.subarray(k);
    }
    this.advance(n);
    hs.frame = k > 0 ? view : undefined;
    return view;
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.advance(n);
  }

  /**
   * A contiguous view of the first `n` bytes without consuming them. When they span chunks,
   * the chunks are merged once so the next peek does not copy again.
   */
  peek(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const c = this.chunks[this.head]!;
    if (c.length - this.offset >= n) return c.subarray(this.offset, this.offset + n);
    // Merge into a buffer with room to grow (doubling), which later pushes append to.
    const backing = new Uint8Array(Math.max(this.length * 2, 4096));
    this.copyTo(backing, 0, this.length);
    this.chunks = [backing.subarray(0, this.length)];
    this.growable = backing;
    this.head = 0;
    this.offset = 0;
    return backing.subarray(0, n);
  }

  /**
   * Calls `fn` with views of the bytes at positions `from` to `from + n` (`from + n` at most
   * `length`), in order, one view per chunk they span, without consuming or copying them.
   * `fn` may write into the views (the queue's chunks are its owner's: a WebSocket unmasks
   * a payload in place as it arrives). The start is found from the end of the queue, so
   * visiting the bytes that arrived last costs the chunks they span, not every chunk buffered:
   * a frame dribbled in 1-byte chunks and checked after each one stays linear.
   */
  forEachView(from: number, n: number, fn: (view: Uint8Array) => void): void {
    if (n <= 0) return;
    const chunks = this.chunks;
    let idx = chunks.length - 1;
    let tail = this.length - from; // bytes from `from` to the end of the queue
    for (;;) {
      const len = idx === this.head ? chunks[idx]!.length - this.offset : chunks[idx]!.length;
      if (len >= tail) break;
      tail -= len;
      idx--;
    }
    let c = chunks[idx]!;
    let pos = c.length - tail;
    let left = n;
    for (;;) {
      const part = Math.min(left, c.length - pos);
      fn(c.subarray(pos, pos + part));
      left -= part;
      if (left === 0) return;
      c = chunks[++idx]!;
      pos = 0;
    }
  }

  /** Reads an unsigned integer of 1, 2 or 4 bytes at `pos` without consuming. */
  readUint(pos: number, width: 1 | 2 | 4, littleEndian: boolean): number {
    const c = this.chunks[this.head];
    const p = this.offset + pos;
    if (c !== undefined && p + width <= c.length) {
      // The common case: the field lies in the first chunk (no walk over chunks per byte).
      if (width === 1) return c[p]!;
      if (width === 2) return littleEndian ? c[p]! | (c[p + 1]! << 8) : (c[p]! << 8) | c[p + 1]!;
      return (littleEndian ? c[p]! | (c[p + 1]! << 8) | (c[p + 2]! << 16) | (c[p + 3]! << 24) : (c[p]! << 24) | (c[p + 1]! << 16) | (c[p + 2]! << 8) | c[p + 3]!) >>> 0;
    }
    let v = 0;
    if (littleEndian) {
      for (let k = width - 1; k >= 0; k--) v = v * 256 + this.byteAt(pos + k);
    } else {
      for (let k = 0; k < width; k++) v = v * 256 + this.byteAt(pos + k);
    }
    return v;
  }

  clear(): void {
    this.growable = undefined;
    this.chunks = NO_CHUNKS;
    this.head = 0;
    this.offset = 0;
    this.length = 0;
  }

  private copyTo(out: Uint8Array, at: number, n: number): void {
    let idx = this.head;
    let off = this.offset;
    let left = n;
    let pos = at;
    while (left > 0) {
      const c = this.chunks[idx]!;
      const part = Math.min(left, c.length - off);
      out.set(off === 0 && part === c.length ? c : c.subarray(off, off + part), pos);
      pos += part;
      left -= part;
      idx++;
      off = 0;
    }
  }

  private advance(n: number): void {
    this.length -= n;
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.head]!;
      const avail = c.length - this.offset;
      if (left < avail) {
        this.offset += left;
        return;
      }
      left -= avail;
      this.chunks[this.head] = EMPTY;
      this.head++;
      this.offset = 0;
    }
    if (this.head === this.chunks.length) {
      // Empty: the array goes too, so a queue that has been used holds no more than a new one.
      this.chunks = NO_CHUNKS;
      this.head = 0;
      this.growable = undefined;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * `n` bytes for a copy of `sample`'s kind, to be overwritten entirely by the caller. A Node
 * Buffer (what sockets deliver) gets a Buffer from its own `allocUnsafe`: no zero-filling, a
 * pooled slab for small sizes, and `indexOf` that is memchr instead of a byte loop (100x faster
 * on 1 MiB). Found by duck typing, so core/ imports nothing from node:*. Anything else gets a
 * plain Uint8Array.
 */
export function allocLike(sample: Uint8Array, n: number): Uint8Array {
  const ctor = sample.constructor as { allocUnsafe?: unknown };
  if (typeof ctor.allocUnsafe === 'function') {
    const out = (ctor.allocUnsafe as (size: number) => unknown).call(ctor, n);
    if (out instanceof Uint8Array && out.length === n) return out;
  }
  return new Uint8Array(n);
}

/** Allocates a byte array for the write buffer (Node passes `Buffer.allocUnsafe`). */
export type Allocator = (size: number) => Uint8Array;

/**
 * Writes `s` as UTF-8 into `into` (an array the {@link Allocator} made) at `at`, at most `max`
 * bytes, and returns the number written. Node passes `Buffer#utf8Write`, which needs no view per
 * call; the default is `TextEncoder.encodeInto` on a subarray.
 */
export type Utf8Writer = (s: string, into: Uint8Array, at: number, max: number) => number;

export interface WriteBufferOptions {
  /** Size of the slabs small writes are copied into. @default Limits.writeSlabSize (64 KiB) */
  slabSize?: number;
  /** Payloads this large or larger are kept by reference, not copied. @default Limits.writeCopyThreshold (16 KiB) */
  copyThreshold?: number;
  /** @default `n => new Uint8Array(n)` */
  alloc?: Allocator;
  /** @default `TextEncoder.encodeInto` */
  writeUtf8?: Utf8Writer;
  /** @internal Where full-size slabs go back after `recycle()` and come from again (shared by many buffers). */
  pool?: SlabPool;
}

/**
 * Full-size write slabs free for reuse, shared by the write buffers of one process. A burst of
 * small messages fills a 64 KiB slab per flush; allocating a fresh one for every flush made the
 * C allocator give the memory back to the system and fault it in again on every batch (brk up
 * and down, page faults inside read()), which cost more than the messages themselves. A buffer
 * whose transport took the whole write at once (`recycle()`) puts its slab here; the next burst
 * of any connection takes it. Bounded: at most `max` slabs are kept, so an idle process holds at
 * most `max * size` bytes here and an idle connection holds no large slab.
 *
 * @internal (connections share one, `Limits.writeSlabPool`; not part of the public API)
 */
export class SlabPool {
  private readonly free: Uint8Array[] = [];

  /**
   * @param size the only slab size kept (the write buffers' `slabSize`)
   * @param max slabs kept at most
   */
  constructor(
    readonly size: number,
    readonly max: number,
  ) {}

  /** Slabs held now. */
  get length(): number {
    return this.free.length;
  }

  /** A free slab of `size` bytes, or undefined. */
  get(): Uint8Array | undefined {
    return this.free.pop();
  }

  /** Takes back a slab nobody reads or writes any more; dropped when the pool is full or the size differs. */
  put(slab: Uint8Array): void {
    if (slab.length === this.size && this.free.length < this.max) this.free.push(slab);
  }
}

const encoder = new TextEncoder();

/** Smallest private slab (a burst's first). */
const MIN_SLAB = 2048;
/**
 * The slab that every buffer made with the same options takes the first piece of a flush from:
 * a flush of a few small messages (a reply, an echo) costs no allocation of its own, and a
 * thousand connections that each sent one reply share a few of these instead of holding (or
 * having freed: the C heap keeps freed blocks in the process) a slab each.
 */
const SHARED_SLAB = 16 * 1024;
/** A first piece larger than this goes to a private slab. Both are capped by `slabSize`. */
const SHARED_MAX = 2048;

/** Options with their defaults filled in, made once and shared by every buffer made with them. */
interface WriteBufferConfig {
  readonly slabSize: number;
  readonly copyThreshold: number;
  readonly alloc: Allocator;
  readonly writeUtf8: Utf8Writer;
  /** The shared slab and its first free byte: only the buffer whose segment ends there appends to it. */
  readonly pool: { slab: Uint8Array | undefined; pos: number };
  /** Full-size slabs for reuse (only when they are larger than the smallest private slab). */
  readonly slabs: SlabPool | undefined;
}

const defaultWriteUtf8: Utf8Writer = (s, into, at, max) => encoder.encodeInto(s, into.subarray(at, at + max)).written;
const resolved = new WeakMap<WriteBufferOptions, WriteBufferConfig>();

function configFor(o: WriteBufferOptions): WriteBufferConfig {
  let c = resolved.get(o);
  if (c === undefined) {
    const slabSize = o.slabSize ?? 64 * 1024;
    c = {
      slabSize,
      copyThreshold: o.copyThreshold ?? 16 * 1024,
      alloc: o.alloc ?? ((n) => new Uint8Array(n)),
      writeUtf8: o.writeUtf8 ?? defaultWriteUtf8,
      pool: { slab: undefined, pos: 0 },
      slabs: o.pool !== undefined && o.pool.size === slabSize && slabSize > MIN_SLAB ? o.pool : undefined,
    };
    resolved.set(o, c);
  }
  return c;
}

const NO_OPTIONS: WriteBufferOptions = Object.freeze({});

/**
 * Outgoing bytes waiting for the next flush. Small pieces are copied into a slab so that a
 * thousand 64-byte messages leave as one 64 KiB write; large payloads are kept by reference
 * (no copy). `take()` hands the pending pieces to the transport.
 *
 * Slabs: the first piece of a flush is cut from a slab shared by every buffer made with the same
 * options (the `pool`), and grows there as long as no other buffer wrote after it; a flush that
 * needs more (a burst), or that another buffer's writes interrupted, goes on in a private slab
 * that doubles while bursts fill slabs and halves when flushes copy little. `take()` lets the
 * private slab go: a buffer with nothing pending holds no memory but itself, so an idle
 * connection that has talked costs what one that never did. Handed-out regions of either kind
 * are never written again, except full-size private slabs given back with `recycle()` once the
 * transport has written them (the `SlabPool`, shared by a process's connections).
 *
 *     slab: [ sealed, handed out | pending segment | free ...... ]
 *                                 ^segStart         ^pos
 *
 * Options passed as the same object share one resolved copy (`WeakMap`) and one shared slab.
 */
export class WriteBuffer {
  private slab: Uint8Array | undefined;
  private pos = 0;
  private segStart = 0;
  private out: Uint8Array[] | undefined;
  /** `slab` is the shared one (then only appended to while `pos` is its free space's start). */
  private inShared = false;
  /** Bytes pending, not yet taken. */
  length = 0;
  private readonly cfg: WriteBufferConfig;
  /** Size of the next private slab: doubles while bursts fill slabs, halves when flushes copy little. */
  private nextSlab: number;
  /** Bytes copied into slabs since the last take (payloads kept by reference do not count). */
  private copied = 0;
  // Made when first needed (only bursts use full-size slabs).
  /** Full-size slabs given up since the last take: their bytes leave with the next take. */
  private retired: Uint8Array[] | undefined;
  /** Full-size slabs whose bytes the last take handed out, for `recycle()`. */
  private lent: Uint8Array[] | undefined;
  /** An open range of a buffer the caller never writes again (`writeShared`): [shStart, shEnd) of shBuf. */
  private shBuf: Uint8Array | undefined;
  private shStart = 0;
  private shEnd = 0;

  constructor(options: WriteBufferOptions = NO_OPTIONS) {
    this.cfg = configFor(options);
    this.nextSlab = Math.min(MIN_SLAB, this.cfg.slabSize);
  }

  /**
   * Bytes of private slab this buffer holds: 0 between flushes (nothing is kept), and while its
   * pending bytes sit in the shared slab.
   */
  get slabBytes(): number {
    const slab = this.slab;
    return slab === undefined || this.inShared ? 0 : slab.length;
  }

  writeBytes(b: Uint8Array): void {
    const n = b.length;
    if (n === 0) return;
    if (n >= this.cfg.copyThreshold) {
      this.seal();
      (this.out ??= []).push(b);
    } else {
      const slab = this.ensure(n);
      slab.set(b, this.pos);
      this.moved(n);
    }
    this.length += n;
  }

  /**
   * Appends bytes `start` to `end` of `buf`, which nobody writes again (a broadcast frames a
   * message once for every connection): ranges of one buffer that follow each other join into
   * one piece, so a burst of broadcast messages leaves as one view of the shared bytes, never
   * copied, when it is all this buffer holds. Mixed with other writes, a joined range under
   * `copyThreshold` is copied like any small write (few pieces per write).
   */
  writeShared(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.length += n;
    if (this.shBuf === buf && this.shEnd === start) {
      this.shEnd = end;
      return;
    }
    if (this.shBuf !== undefined) this.closeShared(false);
    this.shBuf = buf;
    this.shStart = start;
    this.shEnd = end;
  }

  /** Writes `s` as UTF-8 and returns the number of bytes written. */
  writeText(s: string): number {
    if (s.length >= this.cfg.copyThreshold) {
      const b = encoder.encode(s);
      this.seal();
      (this.out ??= []).push(b);
      this.length += b.length;
      return b.length;
    }
    const max = s.length * 3;
    const slab = this.ensure(max);
    const written = this.cfg.writeUtf8(s, slab, this.pos, max);
    this.moved(written);
    this.length += written;
    return written;
  }

  /** Reserves `n` bytes (a header to fill in later) and returns where they are. */
  reserve(n: number): { buf: Uint8Array; at: number } {
    const buf = this.ensure(n);
    const at = this.pos;
    this.moved(n);
    this.length += n;
    return { buf, at };
  }

  /**
   * Removes and returns the pending pieces, in order. The caller owns them until it calls
   * `recycle()` (if it does), which says the transport is done with them.
   */
  take(): Uint8Array[] {
    this.seal();
    const out = this.out ?? [];
    const copied = this.copied;
    this.out = undefined;
    this.length = 0;
    this.copied = 0;
    // The full-size slabs of an earlier take that was not recycled stay with whoever holds them.
    let lent = this.retired;
    this.retired = this.lent;
    if (this.retired !== undefined) this.retired.length = 0;
    // The slab goes with its last piece: the socket holds that until written, and nothing here
    // holds it after (a full-size one may come back through `recycle()`). The next private slab
    // shrinks again after flushes that copied little. Payloads kept by reference do not count:
    // 16 KiB messages with 4-byte headers need a small slab.
    const slab = this.slab;
    const slabs = this.cfg.slabs;
    if (slab !== undefined && !this.inShared && slabs !== undefined && slab.length === slabs.size) (lent ??= []).push(slab);
    this.lent = lent;
    this.slab = undefined;
    this.inShared = false;
    if (copied < this.nextSlab >> 2) this.nextSlab = Math.max(Math.min(MIN_SLAB, this.cfg.slabSize), this.nextSlab >> 1);
    return out;
  }

  /**
   * The transport is done with every piece the last `take()` returned (the socket handed them to
   * the kernel at once): the full-size slabs they were cut from go back to the pool. Call it only
   * then, and before the next `take()`: a slab still referenced by a pending write would be
   * overwritten.
   */
  recycle(): void {
    const slabs = this.cfg.slabs;
    const lent = this.lent;
    if (slabs === undefined || lent === undefined) return;
    for (let i = 0; i < lent.length; i++) slabs.put(lent[i]!);
    lent.length = 0;
  }

  /** `n` bytes were written at `pos`; in the shared slab, its free space now starts after them. */
  private moved(n: number): void {
    this.pos += n;
    this.copied += n;
    if (this.inShared) this.cfg.pool.pos = this.pos;
  }

  private seal(): void {
    // An open shared range follows every pending slab byte (a slab write closes it first);
    // closed here, it may be copied into the slab.
    if (this.shBuf !== undefined) this.closeShared(true);
    this.sealSlab();
  }

  /** The slab's pending segment becomes a piece. */
  private sealSlab(): void {
    if (this.slab !== undefined && this.pos > this.segStart) {
      (this.out ??= []).push(this.slab.subarray(this.segStart, this.pos));
      this.segStart = this.pos;
    }
  }

  /**
   * Ends the open shared range: by reference when it is large, or when it is all the flush holds
   * (`sealing`, nothing before it); else copied into the slab after the bytes before it (fewer
   * pieces per write).
   */
  private closeShared(sealing: boolean): void {
    const buf = this.shBuf!;
    const view = buf.subarray(this.shStart, this.shEnd);
    this.shBuf = undefined;
    const slabPending = this.slab !== undefined && this.pos > this.segStart;
    if ((sealing && this.out === undefined && !slabPending) || view.length >= this.cfg.copyThreshold) {
      this.sealSlab();
      (this.out ??= []).push(view);
      return;
    }
    // The bytes were counted in `length` by writeShared: copy without counting them again.
    const slab = this.ensure(view.length);
    slab.set(view, this.pos);
    this.moved(view.length);
  }

  /** A slab with `n` free bytes at `pos`. */
  private ensure(n: number): Uint8Array {
    if (this.shBuf !== undefined) this.closeShared(false);
    const slab = this.slab;
    const pool = this.cfg.pool;
    if (slab !== undefined && slab.length - this.pos >= n) {
      if (!this.inShared) return slab;
      if (slab === pool.slab && pool.pos === this.pos) return slab; // nobody wrote after us
    }
    this.seal();
    const wasPrivate = slab !== undefined && !this.inShared;
    const shared = Math.min(SHARED_SLAB, this.cfg.slabSize);
    const slabs = this.cfg.slabs;
    // A buffer whose recent flushes filled full-size slabs (a burst going on) starts the next one
    // in a pooled full-size slab: the shared slab would fill within the flush and a fresh one be
    // allocated for every burst.
    const bursting = slabs !== undefined && this.nextSlab === slabs.size;
    if (this.out === undefined && n <= Math.min(SHARED_MAX, shared) && !bursting) {
      // The first piece of this flush: from the shared slab (a fresh one when it is full).
      if (pool.slab === undefined || pool.slab.length - pool.pos < n) {
        pool.slab = this.cfg.alloc(shared);
        pool.pos = 0;
      }
      this.slab = pool.slab;
      this.inShared = true;
      this.pos = this.segStart = pool.pos;
      return pool.slab;
    }
    const want = Math.max(this.nextSlab, n);
    const fresh = (slabs !== undefined && want === slabs.size ? slabs.get() : undefined) ?? this.cfg.alloc(want);
    if (wasPrivate) {
      // A full-size slab given up within one flush: its bytes leave with the next take, after
      // which it may be recycled (one given up unused can go back at once).
      if (slabs !== undefined && slab.length === slabs.size) {
        if (this.pos > 0) (this.retired ??= []).push(slab);
        else slabs.put(slab);
      }
      // A private slab ran out within one flush: a burst, so the next slab is bigger.
      this.nextSlab = Math.min(this.nextSlab * 2, this.cfg.slabSize);
    }
    this.slab = fresh;
    this.inShared = false;
    this.pos = 0;
    this.segStart = 0;
    return fresh;
  }
}

/**
 * Pieces about to wait in a socket that is not writing (its peer does not read): each view that
 * would keep a buffer over `ratio` times its size alive (a range of a shared write slab or of a
 * broadcast arena, a frame inside a read chunk) is replaced by a copy of its bytes, so that what
 * a stalled connection holds stays within `ratio` times what it has queued. Other pieces are
 * kept as they are. Returns `pieces` itself when nothing needed copying.
 */
export function compactPinned(pieces: Uint8Array[], ratio = 4): Uint8Array[] {
  let out: Uint8Array[] | undefined;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (p.byteLength * ratio >= p.buffer.byteLength) continue;
    out ??= pieces.slice();
    out[i] = new Uint8Array(p); // a copy in a buffer of its own
  }
  return out ?? pieces;
}

/** Writes `value` as an unsigned big- or little-endian integer of `width` bytes at `at`. */
export function writeUint(buf: Uint8Array, at: number, width: number, value: number, littleEndian: boolean): void {
  if (width <= 4) {
    // Below 2^32: shifts instead of division.
    for (let k = 0; k < width; k++) buf[littleEndian ? at + k : at + width - 1 - k] = (value >>> (8 * k)) & 0xff;
    return;
  }
  let v = value;
  for (let k = 0; k < width; k++) {
    const byte = v % 256;
    v = Math.floor(v / 256);
    buf[littleEndian ? at + k : at + width - 1 - k] = byte;
  }
}

/** Concatenates byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes as text for logs: UTF-8 where printable, escapes elsewhere, cut at `max` characters. */
export function previewBytes(b: Uint8Array, max = 64): string {
  let s = '';
  let i = 0;
  for (; i < b.length && s.length < max; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f && c !== 0x5c) s += String.fromCharCode(c);
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x5c) s += '\\\\';
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  // Escapes take up to 4 characters per byte, so bytes may be left over even when b.length <= max.
  return i < b.length ? s + '...' : s;
}

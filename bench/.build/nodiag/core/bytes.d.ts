/**
 * Byte plumbing shared by every framer: a queue of received chunks that frames are cut from
 * without copying where possible, and a write buffer that coalesces many small messages into
 * few large writes.
 */
/** A queue of received chunks. Frames that sit inside one chunk come out as views, not copies. */
export declare class ByteQueue {
    private chunks;
    private head;
    private offset;
    /** Bytes buffered and not yet taken. */
    length: number;
    private growable;
    push(chunk: Uint8Array): void;
    /** The byte at position `i` (0 = first unconsumed byte). `i` must be < length. */
    byteAt(i: number): number;
    /** Position of the first `byte` at or after `from`, or -1. */
    indexOf(byte: number, from?: number): number;
    /** Position of the first occurrence of `seq` starting at or after `from`, or -1. */
    indexOfSeq(seq: Uint8Array, from?: number): number;
    /** Removes and returns the first `n` bytes: a view when they sit in one chunk, else one copy. */
    take(n: number): Uint8Array;
    /** Drops the first `n` bytes. */
    skip(n: number): void;
    /**
     * A contiguous view of the first `n` bytes without consuming them. When they span chunks,
     * the chunks are merged once so the next peek does not copy again.
     */
    peek(n: number): Uint8Array;
    /**
     * Calls `fn` with views of the bytes at positions `from` to `from + n` (`from + n` at most
     * `length`), in order, one view per chunk they span, without consuming or copying them.
     * `fn` may write into the views (the queue's chunks are its owner's: a WebSocket unmasks
     * a payload in place as it arrives). The start is found from the end of the queue, so
     * visiting the bytes that arrived last costs the chunks they span, not every chunk buffered:
     * a frame dribbled in 1-byte chunks and checked after each one stays linear.
     */
    forEachView(from: number, n: number, fn: (view: Uint8Array) => void): void;
    /** Reads an unsigned integer of 1, 2 or 4 bytes at `pos` without consuming. */
    readUint(pos: number, width: 1 | 2 | 4, littleEndian: boolean): number;
    clear(): void;
    private copyTo;
    private advance;
}
/**
 * `n` bytes for a copy of `sample`'s kind, to be overwritten entirely by the caller. A Node
 * Buffer (what sockets deliver) gets a Buffer from its own `allocUnsafe`: no zero-filling, a
 * pooled slab for small sizes, and `indexOf` that is memchr instead of a byte loop (100x faster
 * on 1 MiB). Found by duck typing, so core/ imports nothing from node:*. Anything else gets a
 * plain Uint8Array.
 */
export declare function allocLike(sample: Uint8Array, n: number): Uint8Array;
/** Allocates a byte array for the write buffer (Node passes `Buffer.allocUnsafe`). */
export type Allocator = (size: number) => Uint8Array;
export interface WriteBufferOptions {
    /** Size of the slabs small writes are copied into. @default Limits.writeSlabSize (64 KiB) */
    slabSize?: number;
    /** Payloads this large or larger are kept by reference, not copied. @default Limits.writeCopyThreshold (16 KiB) */
    copyThreshold?: number;
    /** @default `n => new Uint8Array(n)` */
    alloc?: Allocator;
}
/**
 * Outgoing bytes waiting for the next flush. Small pieces are copied into a slab so that a
 * thousand 64-byte messages leave as one 64 KiB write; large payloads are kept by reference
 * (no copy). `take()` hands the pending pieces to the transport; handed-out slab regions are
 * never written again.
 *
 *     slab: [ sealed, handed out | pending segment | free ...... ]
 *                                 ^segStart         ^pos
 */
export declare class WriteBuffer {
    private slab;
    private pos;
    private segStart;
    private out;
    /** Bytes pending, not yet taken. */
    length: number;
    private readonly slabSize;
    private readonly copyThreshold;
    private readonly alloc;
    /** Size of the next slab: doubles while bursts fill slabs, halves when flushes copy little. */
    private nextSlab;
    /** Bytes copied into slabs since the last take (payloads kept by reference do not count). */
    private copied;
    constructor(options?: WriteBufferOptions);
    writeBytes(b: Uint8Array): void;
    /** Writes `s` as UTF-8 and returns the number of bytes written. */
    writeText(s: string): number;
    /** Reserves `n` bytes (a header to fill in later) and returns where they are. */
    reserve(n: number): {
        buf: Uint8Array;
        at: number;
    };
    /** Removes and returns the pending pieces, in order. */
    take(): Uint8Array[];
    private seal;
    private ensure;
}
/** Writes `value` as an unsigned big- or little-endian integer of `width` bytes at `at`. */
export declare function writeUint(buf: Uint8Array, at: number, width: number, value: number, littleEndian: boolean): void;
/** Concatenates byte arrays into one. */
export declare function concatBytes(parts: readonly Uint8Array[]): Uint8Array;
/** Bytes as text for logs: UTF-8 where printable, escapes elsewhere, cut at `max` characters. */
export declare function previewBytes(b: Uint8Array, max?: number): string;

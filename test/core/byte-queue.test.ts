import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue, WriteBuffer, concatBytes, previewBytes } from '../../src/core/index.js';
import { SlabPool, compactPinned } from '../../src/core/bytes.js';
import fc from 'fast-check';

const u8 = (...b: number[]) => Uint8Array.from(b);
const utf8 = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A queue holding `parts` as separate chunks. */
function queueOf(...parts: string[]): ByteQueue {
  const q = new ByteQueue();
  for (const p of parts) q.push(utf8(p));
  return q;
}

describe('ByteQueue', () => {
  it('starts empty', () => {
    const q = new ByteQueue();
    assert.equal(q.length, 0);
    assert.equal(q.indexOf(0x61), -1);
    assert.deepEqual(q.take(0), new Uint8Array(0));
  });

  it('ignores empty chunks', () => {
    const q = new ByteQueue();
    q.push(new Uint8Array(0));
    assert.equal(q.length, 0);
    q.push(utf8('ab'));
    q.push(new Uint8Array(0));
    q.push(utf8('c'));
    assert.equal(q.length, 3);
    assert.equal(str(q.take(3)), 'abc');
  });

  it('reads bytes by position across chunks', () => {
    const q = queueOf('ab', 'c', 'def');
    assert.equal(q.length, 6);
    assert.deepEqual(
      Array.from({ length: 6 }, (_, i) => String.fromCharCode(q.byteAt(i))),
      ['a', 'b', 'c', 'd', 'e', 'f'],
    );
  });

  it('counts positions from the first unconsumed byte after a partial take', () => {
    const q = queueOf('abc', 'def');
    q.skip(2);
    assert.equal(q.length, 4);
    assert.equal(String.fromCharCode(q.byteAt(0)), 'c');
    assert.equal(String.fromCharCode(q.byteAt(1)), 'd');
    assert.equal(q.indexOf(0x63), 0); // 'c'
    assert.equal(q.indexOf(0x61), -1); // 'a' was consumed
    assert.equal(q.indexOf(0x66), 3); // 'f'
  });

  it('finds a byte at or after a start position in any chunk', () => {
    const q = queueOf('xax', 'x', 'axa'); // x a x | x | a x a
    assert.equal(q.indexOf(0x61), 1);
    assert.equal(q.indexOf(0x61, 1), 1);
    assert.equal(q.indexOf(0x61, 2), 4); // first byte of the third chunk
    assert.equal(q.indexOf(0x61, 5), 6);
    assert.equal(q.indexOf(0x61, 6), 6);
    assert.equal(q.indexOf(0x61, 7), -1);
    assert.equal(q.indexOf(0x61, 100), -1);
    assert.equal(q.indexOf(0x7a), -1);
  });

  it('finds a byte with a start position inside a partly consumed head chunk', () => {
    const q = queueOf('aaab', 'b');
    q.skip(1); // "aab" + "b"
    assert.equal(q.indexOf(0x61, 1), 1);
    assert.equal(q.indexOf(0x62, 0), 2);
    assert.equal(q.indexOf(0x62, 3), 3);
  });

  it('finds a multi-byte sequence that spans chunks', () => {
    const q = queueOf('xxe', 'n', 'd;yy');
    assert.equal(q.indexOfSeq(utf8('end;')), 2);
    assert.equal(q.indexOfSeq(utf8('end;'), 2), 2);
    assert.equal(q.indexOfSeq(utf8('end;'), 3), -1);
    assert.equal(q.indexOfSeq(utf8(';')), 5);
  });

  it('finds a self-overlapping sequence after a false start', () => {
    const q = queueOf('aa', 'ab');
    assert.equal(q.indexOfSeq(utf8('aab')), 1);
    const r = queueOf('\r\n\r', '\r\n\r\n');
    assert.equal(r.indexOfSeq(utf8('\r\n\r\n')), 3);
  });

  it('does not report a sequence whose end has not arrived', () => {
    const q = queueOf('abc\r');
    assert.equal(q.indexOfSeq(utf8('\r\n')), -1);
    q.push(utf8('\n'));
    assert.equal(q.indexOfSeq(utf8('\r\n')), 3);
  });

  it('returns a view, not a copy, when the bytes sit in one chunk', () => {
    const chunk = utf8('hello world');
    const q = new ByteQueue();
    q.push(chunk);
    const first = q.take(5);
    assert.equal(str(first), 'hello');
    assert.equal(first.buffer, chunk.buffer);
    assert.equal(first.byteOffset, chunk.byteOffset);
    const second = q.take(6);
    assert.equal(str(second), ' world');
    assert.equal(second.buffer, chunk.buffer);
    assert.equal(q.length, 0);
  });

  it('copies into one array when the bytes span chunks', () => {
    const a = utf8('abc');
    const b = utf8('def');
    const q = new ByteQueue();
    q.push(a);
    q.push(b);
    q.skip(1);
    const out = q.take(4);
    assert.equal(str(out), 'bcde');
    assert.notEqual(out.buffer, a.buffer);
    assert.notEqual(out.buffer, b.buffer);
    assert.equal(q.length, 1);
    assert.equal(str(q.take(1)), 'f');
  });

  it('skips bytes across several chunks', () => {
    const q = queueOf('ab', 'cd', 'ef', 'gh');
    q.skip(5);
    assert.equal(q.length, 3);
    assert.equal(str(q.take(3)), 'fgh');
    assert.equal(q.length, 0);
  });

  it('peeks without consuming and merges chunks only once', () => {
    const q = queueOf('ab', 'cd', 'ef');
    const p = q.peek(5);
    assert.equal(str(p), 'abcde');
    assert.equal(q.length, 6);
    // After the merge, a second peek of any length is a view of the same merged array.
    const again = q.peek(6);
    assert.equal(str(again), 'abcdef');
    assert.equal(again.buffer, p.buffer);
    assert.equal(str(q.take(6)), 'abcdef');
  });

  it('peeks a view of the head chunk when it holds enough bytes', () => {
    const chunk = utf8('abcdef');
    const q = new ByteQueue();
    q.push(chunk);
    q.push(utf8('gh'));
    q.skip(1);
    const p = q.peek(3);
    assert.equal(str(p), 'bcd');
    assert.equal(p.buffer, chunk.buffer);
  });

  it('peeks zero bytes of an empty queue', () => {
    const q = new ByteQueue();
    assert.equal(q.peek(0).length, 0);
  });

  it('reads unsigned integers in both byte orders across chunks', () => {
    const q = new ByteQueue();
    q.push(u8(0x01));
    q.push(u8(0x02, 0x03));
    q.push(u8(0x04, 0xff));
    assert.equal(q.readUint(0, 1, false), 0x01);
    assert.equal(q.readUint(0, 2, false), 0x0102);
    assert.equal(q.readUint(0, 2, true), 0x0201);
    assert.equal(q.readUint(0, 4, false), 0x01020304);
    assert.equal(q.readUint(0, 4, true), 0x04030201);
    assert.equal(q.readUint(1, 4, false), 0x020304ff);
    assert.equal(q.readUint(1, 4, true), 0xff040302); // stays unsigned above 2^31
    assert.equal(q.length, 5, 'reading consumes nothing');
  });

  it('visits views of a range across chunks, in order, without consuming, and writes through them', () => {
    const q = queueOf('ab', 'cde', 'f', 'ghij');
    q.skip(1); // b cde f ghij
    const seen: string[] = [];
    q.forEachView(1, 6, (v) => void seen.push(str(v)));
    assert.deepEqual(seen, ['cde', 'f', 'gh']);
    assert.equal(q.length, 9);
    q.forEachView(0, 9, (v) => v.fill(0x78));
    assert.equal(str(q.take(9)), 'xxxxxxxxx');
    const empty = queueOf('abc');
    empty.forEachView(3, 0, () => assert.fail('no view for an empty range'));
  });

  it('visits every range of a queue of partly consumed chunks', () => {
    const parts = ['ab', 'c', 'defg', 'h', 'ijk'];
    const all = parts.join('');
    for (let consumed = 0; consumed < all.length; consumed++) {
      for (let from = 0; from <= all.length - consumed; from++) {
        for (let n = 0; from + n <= all.length - consumed; n++) {
          const q = queueOf(...parts);
          q.skip(consumed);
          const seen: string[] = [];
          q.forEachView(from, n, (v) => void seen.push(str(v)));
          assert.equal(seen.join(''), all.slice(consumed + from, consumed + from + n), `consumed ${consumed}, from ${from}, n ${n}`);
          assert.ok(seen.every((v) => v.length > 0), 'no empty views');
        }
      }
    }
  });

  it('clears everything', () => {
    const q = queueOf('abc', 'def');
    q.skip(1);
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(q.indexOf(0x64), -1);
    q.push(utf8('x'));
    assert.equal(str(q.take(1)), 'x');
  });

  it('keeps working after consuming many small chunks (compaction)', () => {
    const q = new ByteQueue();
    const expected: number[] = [];
    for (let i = 0; i < 300; i++) {
      q.push(u8(i & 0xff, (i * 7) & 0xff));
      expected.push(i & 0xff, (i * 7) & 0xff);
    }
    const got: number[] = [];
    // Consume in odd-sized steps so takes cross chunk boundaries, with searches in between.
    for (let step = 0; q.length > 0 && step < 1000; step++) {
      const n = Math.min(q.length, 1 + (step % 5));
      if (q.length > 3) assert.equal(q.byteAt(3), expected[got.length + 3]);
      got.push(...q.take(n));
    }
    assert.deepEqual(got, expected);
    assert.equal(q.length, 0);
  });

  it('takes exactly what was pushed under random interleavings', () => {
    // A small deterministic PRNG keeps this reproducible without fast-check.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const q = new ByteQueue();
    const model: number[] = [];
    for (let step = 0; step < 2000; step++) {
      const op = rand(4);
      if (op === 0) {
        const chunk = Uint8Array.from({ length: rand(6) }, () => rand(256));
        q.push(chunk);
        model.push(...chunk);
      } else if (op === 1 && model.length > 0) {
        const n = rand(model.length + 1);
        assert.deepEqual(Array.from(q.take(n)), model.splice(0, n));
      } else if (op === 2 && model.length > 0) {
        const n = rand(model.length + 1);
        q.skip(n);
        model.splice(0, n);
      } else if (model.length > 0) {
        const b = rand(256);
        const from = rand(model.length + 1);
        const idx = model.indexOf(b, from);
        assert.equal(q.indexOf(b, from), idx);
        assert.deepEqual(Array.from(q.peek(model.length)), model);
      }
      assert.equal(q.length, model.length);
    }
  });
});

describe('WriteBuffer', () => {
  it('is empty until something is written', () => {
    const w = new WriteBuffer();
    assert.equal(w.length, 0);
    assert.deepEqual(w.take(), []);
  });

  it('ignores empty writes', () => {
    const w = new WriteBuffer();
    w.writeBytes(new Uint8Array(0));
    assert.equal(w.length, 0);
    assert.deepEqual(w.take(), []);
  });

  it('coalesces small writes into one piece', () => {
    const w = new WriteBuffer();
    for (let i = 0; i < 100; i++) w.writeBytes(utf8('ab'));
    assert.equal(w.length, 200);
    const pieces = w.take();
    assert.equal(pieces.length, 1);
    assert.equal(str(pieces[0]!), 'ab'.repeat(100));
    assert.equal(w.length, 0);
  });

  it('copies small payloads, so later changes to the caller’s array do not leak in', () => {
    const w = new WriteBuffer();
    const b = utf8('abc');
    w.writeBytes(b);
    b[0] = 0x7a;
    assert.equal(str(concatBytes(w.take())), 'abc');
  });

  it('keeps payloads at or above the copy threshold by reference, in order', () => {
    const w = new WriteBuffer({ copyThreshold: 8 });
    const big = utf8('BIGBIGBIG');
    w.writeBytes(utf8('ab'));
    w.writeBytes(big);
    w.writeBytes(utf8('cd'));
    const pieces = w.take();
    assert.equal(pieces.length, 3);
    assert.equal(pieces[1], big, 'the large payload is the very same array');
    assert.equal(str(concatBytes(pieces)), 'abBIGBIGBIGcd');
  });

  it('never writes again into slab regions that were handed out', () => {
    const w = new WriteBuffer({ slabSize: 16, copyThreshold: 1024 });
    const handed: { piece: Uint8Array; copy: Uint8Array }[] = [];
    let expected = '';
    for (let round = 0; round < 40; round++) {
      const s = String.fromCharCode(0x61 + (round % 26)).repeat(1 + (round % 7));
      w.writeBytes(utf8(s));
      expected += s;
      if (round % 3 === 2) {
        for (const piece of w.take()) handed.push({ piece, copy: piece.slice() });
        // Everything handed out so far must still hold what it held when it was taken.
        for (const h of handed) assert.deepEqual(h.piece, h.copy);
      }
    }
    for (const piece of w.take()) handed.push({ piece, copy: piece.slice() });
    for (const h of handed) assert.deepEqual(h.piece, h.copy);
    assert.equal(str(concatBytes(handed.map((h) => h.piece))), expected);
  });

  it('reuses the rest of a slab after take() without touching the taken part', () => {
    const slabs: Uint8Array[] = [];
    const w = new WriteBuffer({ slabSize: 64, alloc: (n) => (slabs.push(new Uint8Array(n)), slabs[slabs.length - 1]!) });
    w.writeBytes(utf8('first'));
    const [a] = w.take();
    w.writeBytes(utf8('second'));
    const [b] = w.take();
    assert.equal(slabs.length, 1, 'both writes share one slab');
    assert.equal(a!.buffer, b!.buffer);
    assert.equal(str(a!), 'first');
    assert.equal(str(b!), 'second');
    assert.ok(b!.byteOffset >= a!.byteOffset + a!.length, 'the second region starts after the first');
  });

  it('starts a new slab when the current one is full and keeps the old pending bytes', () => {
    let allocs = 0;
    const w = new WriteBuffer({ slabSize: 8, alloc: (n) => (allocs++, new Uint8Array(n)) });
    w.writeBytes(utf8('abcdef'));
    w.writeBytes(utf8('ghijk')); // does not fit the 2 bytes left
    assert.equal(allocs, 2);
    const pieces = w.take();
    assert.equal(pieces.length, 2);
    assert.equal(str(concatBytes(pieces)), 'abcdefghijk');
  });

  it('allocates a slab big enough for a write larger than the slab size', () => {
    const sizes: number[] = [];
    const w = new WriteBuffer({ slabSize: 4, copyThreshold: 1000, alloc: (n) => (sizes.push(n), new Uint8Array(n)) });
    w.writeBytes(utf8('0123456789'));
    assert.deepEqual(sizes, [10]);
    assert.equal(str(concatBytes(w.take())), '0123456789');
  });

  it('writes text as UTF-8 and returns the byte count', () => {
    const w = new WriteBuffer();
    assert.equal(w.writeText('héllo €𝄞'), utf8('héllo €𝄞').length);
    assert.equal(w.writeText(''), 0);
    assert.equal(w.length, utf8('héllo €𝄞').length);
    assert.equal(str(concatBytes(w.take())), 'héllo €𝄞');
  });

  it('writes a lone surrogate as U+FFFD (3 bytes), as TextEncoder does', () => {
    const w = new WriteBuffer();
    assert.equal(w.writeText('a\ud800b'), 5);
    assert.deepEqual(concatBytes(w.take()), utf8('a\ud800b'));
  });

  it('writes long text by reference above the copy threshold', () => {
    const w = new WriteBuffer({ copyThreshold: 4 });
    w.writeText('ab');
    assert.equal(w.writeText('long text'), 9);
    w.writeText('cd');
    const pieces = w.take();
    assert.equal(pieces.length, 3);
    assert.equal(str(concatBytes(pieces)), 'ablong textcd');
  });

  it('lets a reserved header be filled in after the body is written', () => {
    const w = new WriteBuffer({ slabSize: 16 });
    const { buf, at } = w.reserve(2);
    const n = w.writeText('hello, slab boundary'); // larger than what is left in the slab
    buf[at] = n >> 8;
    buf[at + 1] = n & 0xff;
    assert.equal(w.length, 2 + n);
    const all = concatBytes(w.take());
    assert.equal((all[0]! << 8) | all[1]!, n);
    assert.equal(str(all.subarray(2)), 'hello, slab boundary');
  });

  it('keeps the byte count equal to the bytes taken', () => {
    const w = new WriteBuffer({ slabSize: 32, copyThreshold: 16 });
    let written = 0;
    for (let i = 0; i < 50; i++) {
      const s = 'x'.repeat(i % 20);
      written += w.writeText(s);
      w.writeBytes(new Uint8Array(i % 18));
      written += i % 18;
      w.reserve(i % 3);
      written += i % 3;
    }
    assert.equal(w.length, written);
    const total = w.take().reduce((n, p) => n + p.length, 0);
    assert.equal(total, written);
  });
});

describe('concatBytes', () => {
  it('joins arrays in order', () => {
    assert.deepEqual(concatBytes([u8(1, 2), u8(), u8(3), u8(4, 5, 6)]), u8(1, 2, 3, 4, 5, 6));
  });

  it('returns an empty array for no parts', () => {
    assert.deepEqual(concatBytes([]), new Uint8Array(0));
  });

  it('returns a single part as it is, without copying', () => {
    const a = u8(1, 2, 3);
    assert.equal(concatBytes([a]), a);
  });

  it('copies when there are several parts', () => {
    const a = u8(1);
    const out = concatBytes([a, u8(2)]);
    a[0] = 9;
    assert.deepEqual(out, u8(1, 2));
  });
});

describe('previewBytes', () => {
  it('shows printable ASCII as it is', () => {
    assert.equal(previewBytes(utf8('GET / HTTP/1.1')), 'GET / HTTP/1.1');
  });

  it('escapes newlines, carriage returns, backslashes and other bytes', () => {
    assert.equal(previewBytes(u8(0x61, 0x0a, 0x0d, 0x5c, 0x00, 0x7f, 0xff)), 'a\\n\\r\\\\\\x00\\x7f\\xff');
  });

  it('shows nothing for no bytes', () => {
    assert.equal(previewBytes(new Uint8Array(0)), '');
  });

  it('cuts long input at max characters and marks the cut', () => {
    assert.equal(previewBytes(utf8('abcdefghij'), 4), 'abcd...');
    assert.equal(previewBytes(utf8('abcd'), 4), 'abcd');
  });

  it('marks the cut when escapes fill the limit before the bytes run out', () => {
    // 20 NUL bytes are 80 characters of escapes: the preview stops at 64 and must say so.
    const p = previewBytes(new Uint8Array(20));
    assert.ok(p.endsWith('...'), p);
    assert.equal(p, '\\x00'.repeat(16) + '...');
  });

  it('uses 64 characters by default', () => {
    const p = previewBytes(utf8('y'.repeat(100)));
    assert.equal(p, 'y'.repeat(64) + '...');
  });
});

describe('WriteBuffer slab sizing', () => {
  it('takes small flushes from one shared slab, grows private slabs for bursts, and keeps no slab between flushes', () => {
    const sizes: number[] = [];
    const options = { alloc: (n: number) => (sizes.push(n), new Uint8Array(n)) };
    const wb = new WriteBuffer(options);
    wb.writeBytes(new Uint8Array(16));
    assert.equal(wb.slabBytes, 0, 'a small flush sits in the shared slab');
    wb.take();
    assert.deepEqual(sizes, [16 * 1024], 'the shared slab');
    assert.equal(wb.slabBytes, 0, 'an idle buffer that sent one small message holds no slab');
    // A thousand other buffers (connections) made with the same options send one small message each.
    const others = Array.from({ length: 1000 }, () => new WriteBuffer(options));
    for (const o of others) {
      o.writeBytes(new Uint8Array(16));
      o.take();
    }
    assert.ok(sizes.length <= 2, `1000 small flushes share ${sizes.length} slab(s) of 16 KiB, not one each`);
    sizes.length = 0;
    for (let i = 0; i < 2000; i++) wb.writeBytes(new Uint8Array(64)); // a 128 KB burst in one tick
    assert.ok(wb.slabBytes > 0, 'a burst goes on in a private slab');
    const burst = wb.take();
    assert.equal(burst.reduce((n, c) => n + c.length, 0), 128_000);
    assert.ok(sizes.length <= 9, `a burst allocates few slabs (${sizes.join(', ')})`);
    assert.equal(Math.max(...sizes), 64 * 1024, 'slabs grow up to slabSize');
    assert.equal(wb.slabBytes, 0, 'the burst slab was let go with the flush');
    sizes.length = 0;
    for (let i = 0; i < 200; i++) {
      wb.writeBytes(new Uint8Array(16));
      wb.take();
    }
    assert.ok(sizes.every((n) => n === 16 * 1024) && sizes.length <= 1, `after the burst, small flushes use the shared slab again (${sizes.join(', ')})`);
  });

  it('never appends to a shared-slab piece once another buffer wrote after it', () => {
    const options = { slabSize: 64 };
    const a = new WriteBuffer(options);
    const b = new WriteBuffer(options);
    a.writeBytes(utf8('aa'));
    b.writeBytes(utf8('bb'));
    a.writeBytes(utf8('AA')); // not at the shared slab's free space any more: a second piece
    b.writeBytes(utf8('BB'));
    const pa = a.take();
    const pb = b.take();
    assert.equal(str(concatBytes(pa)), 'aaAA');
    assert.equal(str(concatBytes(pb)), 'bbBB');
    // a was interrupted by b: its second write went on elsewhere, and its first piece still reads 'aa'.
    assert.deepEqual(pa.map(str), ['aa', 'AA']);
    // b's segment ended at the shared slab's free space: it grew there, one piece.
    assert.deepEqual(pb.map(str), ['bbBB']);
  });

  it('sizes slabs by the bytes copied into them: large payloads kept by reference do not make every flush allocate', () => {
    const sizes: number[] = [];
    const wb = new WriteBuffer({ alloc: (n) => (sizes.push(n), new Uint8Array(n)) });
    const big = new Uint8Array(16 * 1024); // at the copy threshold: kept by reference
    // One burst that fills the 2 KiB slab with headers grows the next slab...
    for (let i = 0; i < 600; i++) {
      wb.reserve(4);
      wb.writeBytes(big);
    }
    wb.take();
    sizes.length = 0;
    // ...then 200 flushes of four 16 KiB messages each: 16 header bytes copied per flush.
    for (let f = 0; f < 200; f++) {
      for (let i = 0; i < 4; i++) {
        wb.reserve(4);
        wb.writeBytes(big);
      }
      const pieces = wb.take();
      assert.equal(pieces.reduce((n, c) => n + c.length, 0), 4 * (4 + big.length));
    }
    assert.ok(sizes.length <= 3, `${sizes.length} slabs allocated for 200 flushes (${[...new Set(sizes)].join(', ')}), expected the header bytes to share a slab`);
  });
});

describe('WriteBuffer with a SlabPool', () => {
  const burst = (wb: WriteBuffer, fill: number): Uint8Array[] => {
    for (let i = 0; i < 1000; i++) wb.writeBytes(new Uint8Array(64).fill(fill));
    return wb.take();
  };

  it('reuses a full-size slab once recycled, instead of allocating one per burst', () => {
    const sizes: number[] = [];
    const pool = new SlabPool(64 * 1024, 8);
    const wb = new WriteBuffer({ alloc: (n) => (sizes.push(n), new Uint8Array(n)), pool });
    burst(wb, 1); // grows up to a full-size slab
    wb.recycle();
    burst(wb, 2);
    wb.recycle();
    sizes.length = 0;
    for (let k = 0; k < 50; k++) {
      const pieces = burst(wb, k);
      assert.equal(pieces.reduce((n, c) => n + c.length, 0), 64_000);
      assert.ok(pieces.every((c) => c.every((b) => b === (k & 0xff))), 'each burst reads back its own bytes');
      wb.recycle();
    }
    assert.deepEqual(sizes, [], `50 recycled bursts allocated ${sizes.join(', ')}`);
    assert.ok(pool.length >= 1 && pool.length <= 8);
  });

  it('never reuses a slab whose take was not recycled (a write still in flight)', () => {
    const pool = new SlabPool(64 * 1024, 8);
    const wb = new WriteBuffer({ pool });
    burst(wb, 1);
    wb.recycle();
    const inFlight = burst(wb, 7); // not recycled: the socket still holds these bytes
    for (let k = 0; k < 20; k++) {
      burst(wb, 9);
      wb.recycle();
    }
    assert.ok(inFlight.every((c) => c.every((b) => b === 7)), 'bytes handed out and not recycled were overwritten');
  });

  it('keeps at most max slabs, only of its size, and nothing for a buffer whose slabs are not full-size', () => {
    const pool = new SlabPool(64 * 1024, 2);
    pool.put(new Uint8Array(1024));
    assert.equal(pool.length, 0);
    for (let i = 0; i < 5; i++) pool.put(new Uint8Array(64 * 1024));
    assert.equal(pool.length, 2);
    const small = new WriteBuffer({ slabSize: 2048, pool: new SlabPool(2048, 8) });
    for (let i = 0; i < 100; i++) small.writeBytes(new Uint8Array(64));
    const held = small.take();
    small.recycle();
    for (let i = 0; i < 100; i++) small.writeBytes(new Uint8Array(64).fill(3));
    small.take();
    assert.ok(held.every((c) => c.every((b) => b === 0)), 'a 2 KiB slab kept between takes is never pooled');
  });
});

describe('WriteBuffer.writeShared (broadcast frames kept by reference)', () => {
  const arenaOf = (text: string) => utf8(text);

  it('joins consecutive ranges of one buffer into one piece, a view of that buffer, never a copy', () => {
    const arena = arenaOf('aaabbbcccddd');
    const w = new WriteBuffer();
    w.writeShared(arena, 0, 3);
    w.writeShared(arena, 3, 6);
    w.writeShared(arena, 6, 9);
    assert.equal(w.length, 9);
    const pieces = w.take();
    assert.equal(pieces.length, 1);
    assert.equal(pieces[0]!.buffer, arena.buffer, 'a view of the shared bytes');
    assert.equal(pieces[0]!.byteOffset, arena.byteOffset);
    assert.equal(str(pieces[0]!), 'aaabbbccc');
    assert.equal(w.length, 0);
  });

  it('keeps order with other writes around it, copying a small range that other bytes follow', () => {
    const arena = arenaOf('SHARED');
    const w = new WriteBuffer();
    w.writeBytes(utf8('<'));
    w.writeShared(arena, 0, 3);
    w.writeShared(arena, 3, 6);
    w.writeBytes(utf8('|'));
    w.writeShared(arena, 0, 2); // not after the last range: a new one
    w.writeText('>');
    const pieces = w.take();
    assert.equal(str(concatBytes(pieces)), '<SHARED|SH>');
    assert.equal(pieces.length, 1, 'small ranges mixed with other bytes are copied into one piece');
    arena.fill(0x78); // nothing taken may still point into the shared bytes
    assert.equal(str(concatBytes(pieces)), '<SHARED|SH>');
  });

  it('keeps a range at or above the copy threshold by reference, also between other writes', () => {
    const big = new Uint8Array(64).fill(0x62);
    const w = new WriteBuffer({ copyThreshold: 32 });
    w.writeBytes(utf8('a'));
    w.writeShared(big, 0, 40);
    w.writeBytes(utf8('c'));
    const pieces = w.take();
    assert.equal(str(concatBytes(pieces)), 'a' + 'b'.repeat(40) + 'c');
    assert.ok(pieces.some((p) => p.buffer === big.buffer && p.length === 40), 'the large range is a view');
  });

  it('gives the bytes of a reference model for any mix of writes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('bytes' as const), n: fc.integer({ min: 0, max: 80 }) }),
            fc.record({ op: fc.constant('text' as const), s: fc.string({ maxLength: 40 }) }),
            fc.record({ op: fc.constant('reserve' as const), n: fc.integer({ min: 1, max: 8 }) }),
            fc.record({ op: fc.constant('shared' as const), n: fc.integer({ min: 0, max: 90 }), skip: fc.integer({ min: 0, max: 3 }) }),
            fc.record({ op: fc.constant('take' as const) }),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 16, max: 128 }),
        (ops, threshold) => {
          const w = new WriteBuffer({ copyThreshold: threshold, slabSize: 256 });
          const arena = new Uint8Array(8192);
          for (let i = 0; i < arena.length; i++) arena[i] = (i * 7 + 3) & 0xff;
          let arenaPos = 0;
          const want: number[] = [];
          const got: Uint8Array[] = [];
          let k = 0;
          for (const o of ops) {
            if (o.op === 'bytes') {
              const b = Uint8Array.from({ length: o.n }, () => k++ & 0xff);
              w.writeBytes(b);
              want.push(...b);
            } else if (o.op === 'text') {
              w.writeText(o.s);
              want.push(...utf8(o.s));
            } else if (o.op === 'reserve') {
              const r = w.reserve(o.n);
              for (let i = 0; i < o.n; i++) r.buf[r.at + i] = 0xa0 + i;
              for (let i = 0; i < o.n; i++) want.push(0xa0 + i);
            } else if (o.op === 'shared') {
              const start = Math.min(arena.length, arenaPos + o.skip);
              const end = Math.min(arena.length, start + o.n);
              w.writeShared(arena, start, end);
              want.push(...arena.subarray(start, end));
              arenaPos = end;
            } else {
              got.push(...w.take());
            }
          }
          assert.equal(w.length, want.length - got.reduce((a, p) => a + p.length, 0));
          got.push(...w.take());
          assert.deepEqual([...concatBytes(got)], want);
          assert.equal(w.length, 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('compactPinned (what waits in a stalled socket)', () => {
  it('copies a view that would keep a buffer over 4 times its size alive, and keeps the rest by reference', () => {
    const arena = new Uint8Array(16 * 1024).fill(5);
    const small = arena.subarray(100, 165); // 65 bytes of a 16 KiB buffer
    const own = utf8('a buffer of its own');
    const quarter = arena.subarray(0, 4096); // exactly a quarter: kept
    const pieces = [own, small, quarter];
    const out = compactPinned(pieces);
    assert.notEqual(out, pieces, 'a new array when something was copied');
    assert.equal(out[0], own);
    assert.equal(out[2], quarter);
    assert.notEqual(out[1]!.buffer, arena.buffer, 'the small view is a copy');
    assert.equal(out[1]!.buffer.byteLength, 65);
    assert.deepEqual([...out[1]!], [...small]);
    assert.equal(pieces[1], small, 'the input array is left as it was');
  });

  it('returns the same array when nothing pins a larger buffer', () => {
    const pieces = [utf8('x'), new Uint8Array(10)];
    assert.equal(compactPinned(pieces), pieces);
    assert.deepEqual(compactPinned([]), []);
  });
});

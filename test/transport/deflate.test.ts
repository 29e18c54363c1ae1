/**
 * The node:zlib permessage-deflate compressor (src/transport/deflate.ts): RFC 7692 7.2 framing of
 * the DEFLATE data, context takeover, window sizes, the inflate limit, bad data.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ErrorCode } from '../../src/core/index.js';
import type { DeflateParams } from '../../src/core/websocket/index.js';
import { createDeflateCompressor, deflateAvailable, nodeDeflate } from '../../src/transport/deflate.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const base: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Inflates with a fresh zlib inflater, as an independent peer would. */
const inflate = (b: Uint8Array, windowBits = 15): Buffer => zlib.inflateRawSync(Buffer.concat([b, TAIL]), { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });

describe('node:zlib compressor', () => {
  it('is available on this Node.js', () => {
    assert.equal(deflateAvailable, true, `Node ${process.version}`);
  });

  it('7.2.1: compresses to raw DEFLATE without the final 00 00 ff ff', () => {
    const c = nodeDeflate(base, 'server');
    const msg = text('Hello, Hello, Hello, Hello');
    const out = c.compress(msg);
    assert.notDeepEqual([...out.subarray(-4)], [0, 0, 0xff, 0xff]);
    assert.deepEqual(inflate(out), Buffer.from(msg));
    c.dispose?.();
  });

  it('7.2.3.1: the RFC example "Hello" compresses to f2 48 cd c9 c9 07 00', () => {
    const c = nodeDeflate(base, 'client');
    assert.deepEqual([...c.compress(text('Hello'))], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
  });

  it('7.2.3.6: an empty message compresses to a single 00 byte, also after another message', () => {
    const c = nodeDeflate(base, 'client');
    assert.deepEqual([...c.compress(new Uint8Array(0))], [0x00]);
    c.compress(text('x'.repeat(100)));
    assert.deepEqual([...c.compress(new Uint8Array(0))], [0x00]);
    const d = nodeDeflate(base, 'server');
    assert.equal(d.decompress(Uint8Array.of(0), 10, true).length, 0);
    assert.equal(d.decompress(new Uint8Array(0), 10, true).length, 0, 'an empty payload is taken as an empty message');
    assert.deepEqual(Buffer.from(d.decompress(nodeDeflate(base, 'client').compress(text('after')), 10, true)).toString(), 'after');
  });

  it('keeps the window across messages (context takeover): a repeated message gets smaller', () => {
    const c = nodeDeflate(base, 'client');
    const d = nodeDeflate(base, 'server');
    const msg = text('a message with some words in it, a message with some words');
    const first = c.compress(msg);
    const second = c.compress(msg);
    assert.ok(second.length < first.length / 2, `${second.length} vs ${first.length}`);
    assert.deepEqual(d.decompress(first, 1000, true), msg);
    assert.deepEqual(d.decompress(second, 1000, true), msg);
  });

  it('no_context_takeover: every message inflates on its own', () => {
    for (const role of ['client', 'server'] as const) {
      const p = { ...base, serverNoContextTakeover: role === 'server', clientNoContextTakeover: role === 'client' };
      const c = nodeDeflate(p, role);
      const d = nodeDeflate(p, role === 'client' ? 'server' : 'client');
      const msg = text('the same message, the same message');
      const a = c.compress(msg);
      const b = c.compress(msg);
      assert.deepEqual(a, b, 'identical output: no context kept');
      assert.deepEqual(inflate(b), Buffer.from(msg));
      assert.deepEqual(d.decompress(a, 100, true), msg);
      assert.deepEqual(d.decompress(b, 100, true), msg);
    }
  });

  it('window bits 8: compresses with 9 and stays inflatable with an 8-bit window', () => {
    const p = { ...base, serverMaxWindowBits: 8 };
    const c = nodeDeflate(p, 'server');
    // Repeats at distances around 256 and 512.
    const chunk = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) & 0xff);
    const msg = Buffer.concat([chunk, chunk, chunk.subarray(0, 250), chunk, chunk]);
    const out = c.compress(msg);
    assert.deepEqual(inflate(out, 8), msg);
    assert.deepEqual(nodeDeflate(p, 'client').decompress(out, 10_000, true), new Uint8Array(msg));
  });

  it('inflates a message given in pieces (fragments), the tail added at the end', () => {
    const msg = text('fragmented compressed message '.repeat(50));
    const out = nodeDeflate(base, 'client').compress(msg);
    const d = nodeDeflate(base, 'server');
    const parts: Uint8Array[] = [];
    for (let i = 0; i < out.length; i += 5) parts.push(d.decompress(out.subarray(i, i + 5), msg.length, i + 5 >= out.length));
    assert.deepEqual(Buffer.concat(parts), Buffer.from(msg));
  });

  it('inflates exactly maxOutput bytes, and refuses one more with WS_MESSAGE_TOO_LARGE (1009)', () => {
    const msg = new Uint8Array(5000).fill(97);
    const out = nodeDeflate(base, 'client').compress(msg);
    assert.equal(nodeDeflate(base, 'server').decompress(out, 5000, true).length, 5000);
    assert.throws(() => nodeDeflate(base, 'server').decompress(out, 4999, true), { code: ErrorCode.WS_MESSAGE_TOO_LARGE, closeCode: 1009 });
  });

  it('stops a zip bomb at the limit without inflating it', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(200 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const d = nodeDeflate(base, 'server');
    const before = process.memoryUsage().arrayBuffers;
    const t = performance.now();
    assert.throws(() => d.decompress(bomb.subarray(0, bomb.length - 4), 1024 * 1024, true), { code: ErrorCode.WS_MESSAGE_TOO_LARGE });
    assert.ok(performance.now() - t < 500, 'stopped early');
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  });

  it('refuses data that is not DEFLATE with WS_INFLATE_FAILED (1007)', () => {
    const d = createDeflateCompressor(base, 'client');
    assert.throws(() => d.decompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3), 1000, true), { code: ErrorCode.WS_INFLATE_FAILED, closeCode: 1007 });
    d.dispose?.();
  });

  it('round-trips many messages of many sizes with one pair of compressors', () => {
    const c = createDeflateCompressor(base, 'client', { level: 1, memLevel: 4 });
    const d = createDeflateCompressor(base, 'server');
    for (let n = 0; n < 200; n++) {
      const msg = Uint8Array.from({ length: (n * 37) % 3000 }, (_, i) => (i * n) & 0x3f);
      assert.deepEqual(d.decompress(c.compress(msg), 3000, true), msg, `message ${n}`);
    }
    c.dispose?.();
    d.dispose?.();
  });
});

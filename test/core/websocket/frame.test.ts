/**
 * Frame headers and masking (RFC 6455 5.2, 5.3): what writeFrame produces matches an independent
 * builder byte for byte, and parseFrameHeader reads back what was written, in every split.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteQueue } from '../../../src/core/bytes.js';
import { WriteBuffer, concatBytes } from '../../../src/core/index.js';
import { Opcode, applyMask, frameHeaderLength, parseFrameHeader, writeFrame } from '../../../src/core/websocket/index.js';
import { everySplit } from '../../helpers/split.js';
import { frame } from './ws-helpers.js';

const written = (f: (out: WriteBuffer) => void): Uint8Array => {
  const out = new WriteBuffer({ slabSize: 256, copyThreshold: 64 });
  f(out);
  return concatBytes(out.take()).slice();
};

describe('frame header', () => {
  it('uses the shortest length form (7, 16 or 64 bits)', () => {
    for (const [n, h] of [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10], [2 ** 32 + 1, 10]] as const) {
      assert.equal(frameHeaderLength(n, false), h, String(n));
      assert.equal(frameHeaderLength(n, true), h + 4, String(n));
    }
  });

  it('writes the same bytes as an independent builder, masked and unmasked', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION, Opcode.PING, Opcode.PONG, Opcode.CLOSE),
        fc.boolean(),
        fc.boolean(),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(new Uint8Array(65535), new Uint8Array(65536))),
        fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
        fc.boolean(),
        (opcode, fin, rsv1, payload, mask, owned) => {
          const copy = payload.slice();
          const got = written((out) => writeFrame(out, opcode, fin, rsv1, owned ? payload.slice() : payload, mask, owned));
          assert.deepEqual(got, frame({ opcode, fin, rsv1, payload: copy, mask: mask ?? false }));
          assert.deepEqual(payload, copy, 'the caller\'s payload is untouched');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads back what it wrote, however the header is cut, consuming nothing until it is whole', () => {
    for (const n of [0, 1, 125, 126, 65535, 65536]) {
      for (const mask of [undefined, Uint8Array.of(9, 8, 7, 6)]) {
        const bytes = written((out) => writeFrame(out, Opcode.BINARY, false, true, new Uint8Array(n), mask));
        const header = bytes.subarray(0, frameHeaderLength(n, mask !== undefined));
        for (const { name, chunks } of everySplit(header)) {
          const q = new ByteQueue();
          let h;
          for (const c of chunks) {
            q.push(c);
            const before = q.length;
            h = parseFrameHeader(q, { role: mask ? 'server' : 'client', compression: true, maxFrameSize: 1 << 20 });
            if (h === undefined) assert.equal(q.length, before, name);
          }
          assert.deepEqual(h, { fin: false, rsv1: true, opcode: Opcode.BINARY, mask, length: n, headerLength: header.length }, `${n} ${name}`);
        }
      }
    }
  });

  it('masks and unmasks in place (XOR is its own inverse), at any length', () => {
    const key = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    for (let n = 0; n < 20; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => i * 13);
      const masked = new Uint8Array(n);
      applyMask(data, key, masked, 0);
      for (let i = 0; i < n; i++) assert.equal(masked[i], data[i]! ^ key[i % 4]!);
      applyMask(masked, key, masked, 0);
      assert.deepEqual(masked, data);
    }
  });

  it('masks long payloads a word at a time with the same result at every alignment of source and destination', () => {
    const key = Uint8Array.of(0x01, 0x80, 0x7f, 0xfe);
    for (const n of [255, 256, 257, 300, 1027]) {
      const backing = Uint8Array.from({ length: n + 8 }, (_, i) => (i * 131 + 7) & 0xff);
      for (let srcOff = 0; srcOff < 4; srcOff++) {
        const src = backing.subarray(srcOff, srcOff + n);
        const expected = Uint8Array.from(src, (b, i) => b ^ key[i % 4]!);
        for (let at = 0; at < 4; at++) {
          const dst = new Uint8Array(n + 8);
          applyMask(src, key, dst, at);
          assert.deepEqual(dst.subarray(at, at + n), expected, `n=${n} srcOff=${srcOff} at=${at}`);
          assert.ok(dst.subarray(0, at).every((b) => b === 0) && dst.subarray(at + n).every((b) => b === 0), 'writes nothing outside');
        }
        const holder = new Uint8Array(n + 4);
        holder.set(src, srcOff);
        const inPlace = holder.subarray(srcOff, srcOff + n);
        applyMask(inPlace, key, inPlace, 0);
        assert.deepEqual(inPlace, expected, `in place n=${n}`);
      }
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Utf8Validator, isValidUtf8, utf8Length } from '../../../src/core/websocket/index.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const reference = (b: Uint8Array): boolean => {
  try {
    strict.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Validates `b` fed in pieces of the given sizes (cycled). */
function validateIn(b: Uint8Array, sizes: readonly number[]): boolean {
  const v = new Utf8Validator();
  let at = 0;
  for (let k = 0; at < b.length; k++) {
    const n = sizes.length ? sizes[k % sizes.length]! : b.length;
    if (v.update(b.subarray(at, at + n)) >= 0) return false;
    at += n;
  }
  return v.complete;
}

/** Bytes biased towards UTF-8 lead and boundary bytes. */
const byte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
);

describe('UTF-8 validator', () => {
  it('accepts boundary code points', () => {
    for (const cp of [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff]) {
      const b = new TextEncoder().encode(String.fromCodePoint(cp));
      assert.ok(isValidUtf8(b), cp.toString(16));
    }
  });
  it('reports the offset of the first bad byte, counted across pieces', () => {
    const v = new Utf8Validator();
    assert.equal(v.update(Uint8Array.of(0x61, 0x62)), -1);
    assert.equal(v.update(Uint8Array.of(0xe2, 0x82)), -1);
    assert.equal(v.complete, false);
    assert.equal(v.update(Uint8Array.of(0x41)), 4);
    assert.equal(v.update(Uint8Array.of(0x41)), 4, 'stays failed');
    v.reset();
    assert.equal(v.update(Uint8Array.of(0x41)), -1);
  });
  it('agrees with TextDecoder (fatal) on random bytes, however they are cut', () => {
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 6 }), (arr, sizes) => {
        const b = Uint8Array.from(arr);
        assert.equal(validateIn(b, sizes), reference(b));
      }),
      { numRuns: 2000 },
    );
  });
  it('accepts every encoded string, however it is cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }), (s, sizes) => {
        assert.ok(validateIn(new TextEncoder().encode(s), sizes));
      }),
      { numRuns: 500 },
    );
  });
  it('utf8Length matches TextEncoder, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.constantFrom('\ud800', '\udc00', 'a', '€', '😀', '\u07ff'), maxLength: 20 }), (a, b) => {
        for (const s of [a, b, a + b]) assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
      }),
      { numRuns: 500 },
    );
  });
});

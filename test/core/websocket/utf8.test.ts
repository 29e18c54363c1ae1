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

/**
 * An independent reference for the first error's offset, by code point arithmetic rather than a
 * state table: after the lead byte and each continuation byte, the code points the sequence can
 * still become form a range; the byte that makes that range hold no valid code point (all
 * overlong, all surrogates U+D800..U+DFFF, or all above U+10FFFF: RFC 3629 3) is the first error,
 * as is a byte that should be a continuation and is not, or one that cannot start a sequence.
 * Returns the offset, 'truncated' when the input ends inside a sequence, or 'valid'.
 */
function referenceFirstError(b: Uint8Array): number | 'truncated' | 'valid' {
  let i = 0;
  while (i < b.length) {
    const lead = b[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Sequence length and the smallest code point that needs it.
    let len: number;
    let min: number;
    if ((lead & 0xe0) === 0xc0) [len, min] = [2, 0x80];
    else if ((lead & 0xf0) === 0xe0) [len, min] = [3, 0x800];
    else if ((lead & 0xf8) === 0xf0) [len, min] = [4, 0x10000];
    else return i; // a continuation byte where a character starts, or F8..FF
    let cp = lead & (0xff >> (len + 1));
    for (let k = 0; k < len; k++) {
      if (k > 0) {
        if (i + k >= b.length) return 'truncated';
        const c = b[i + k]!;
        if ((c & 0xc0) !== 0x80) return i + k;
        cp = (cp << 6) | (c & 0x3f);
      }
      const rest = 6 * (len - 1 - k);
      const lo = cp * 2 ** rest;
      const hi = lo + 2 ** rest - 1;
      const allOverlong = hi < min;
      const allTooBig = lo > 0x10ffff;
      const allSurrogates = lo >= 0xd800 && hi <= 0xdfff;
      if (allOverlong || allTooBig || allSurrogates) return i + k;
    }
    i += len;
  }
  return 'valid';
}

/** What the validator says about `b` fed in pieces of the given sizes (cycled): the error offset, 'truncated' or 'valid'. */
function firstErrorIn(b: Uint8Array, sizes: readonly number[]): number | 'truncated' | 'valid' {
  const v = new Utf8Validator();
  let at = 0;
  for (let k = 0; at < b.length; k++) {
    const n = sizes.length ? Math.max(1, sizes[k % sizes.length]!) : b.length;
    const r = v.update(b.subarray(at, at + n));
    if (r >= 0) {
      assert.equal(v.update(Uint8Array.of(0x41)), r, 'stays failed at the same offset');
      return r;
    }
    at += n;
  }
  return v.complete ? 'valid' : 'truncated';
}

/** Code points from every encoded length, with the boundaries of each range. */
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xffff }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
  fc.constantFrom(0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x10ffff),
);
const validText = fc.array(codePoint, { maxLength: 12 }).map((cps) => new TextEncoder().encode(String.fromCodePoint(...cps)));
const cont = fc.integer({ min: 0x80, max: 0xbf });

/** One targeted corruption: its bytes and the index, within them, of the first byte that is wrong (undefined: truncated). */
type Corruption = { kind: string; bytes: number[]; bad: number | undefined };
const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  // U+D800..U+DFFF encoded as 3 bytes: ED A0..BF 80..BF; wrong from the second byte.
  fc.tuple(fc.integer({ min: 0xa0, max: 0xbf }), cont).map(([b1, b2]) => ({ kind: 'surrogate', bytes: [0xed, b1, b2], bad: 1 })),
  // Above U+10FFFF: F4 90..BF .. ..; wrong from the second byte.
  fc.tuple(fc.integer({ min: 0x90, max: 0xbf }), cont, cont).map(([b1, b2, b3]) => ({ kind: 'above U+10FFFF (F4)', bytes: [0xf4, b1, b2, b3], bad: 1 })),
  // F5..FF never start a sequence (past U+10FFFF, or no UTF-8 form at all).
  fc.tuple(fc.integer({ min: 0xf5, max: 0xff }), cont, cont, cont).map(([l, b1, b2, b3]) => ({ kind: 'lead F5..FF', bytes: [l, b1, b2, b3], bad: 0 })),
  // Overlong 2-byte forms: C0, C1.
  fc.tuple(fc.constantFrom(0xc0, 0xc1), cont).map(([l, b1]) => ({ kind: 'overlong 2-byte (C0/C1)', bytes: [l, b1], bad: 0 })),
  // Overlong 3-byte forms: E0 80..9F ..
  fc.tuple(fc.integer({ min: 0x80, max: 0x9f }), cont).map(([b1, b2]) => ({ kind: 'overlong 3-byte', bytes: [0xe0, b1, b2], bad: 1 })),
  // Overlong 4-byte forms: F0 80..8F .. ..
  fc.tuple(fc.integer({ min: 0x80, max: 0x8f }), cont, cont).map(([b1, b2, b3]) => ({ kind: 'overlong 4-byte', bytes: [0xf0, b1, b2, b3], bad: 1 })),
  // A continuation byte where a character starts.
  cont.map((c) => ({ kind: 'stray continuation', bytes: [c], bad: 0 })),
  // A valid 2-, 3- or 4-byte character cut short: wrong at the next character's first byte, or truncated at the end.
  fc
    .tuple(fc.oneof(fc.integer({ min: 0x80, max: 0x7ff }), fc.integer({ min: 0x800, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff })), fc.nat())
    .map(([cp, cut]) => {
      const full = [...new TextEncoder().encode(String.fromCodePoint(cp))];
      const keep = 1 + (cut % (full.length - 1));
      return { kind: `truncated ${full.length}-byte`, bytes: full.slice(0, keep), bad: undefined };
    }),
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
  it('finds the first error of valid text with one targeted corruption at the offset the reference gives, in every chunking', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(validText, corruption, validText, fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 6 }), (before, bad, after, sizes) => {
        kinds.add(bad.kind);
        const b = Uint8Array.from([...before, ...bad.bytes, ...after]);
        // What the construction says: the corrupted byte, or for a cut character the next one (a character
        // starts there, so it cannot be a continuation), or 'truncated' when nothing follows.
        const expected: number | 'truncated' =
          bad.bad !== undefined ? before.length + bad.bad : after.length > 0 ? before.length + bad.bytes.length : 'truncated';
        const ref = referenceFirstError(b);
        assert.equal(ref, expected, `reference on ${bad.kind}: ${Buffer.from(b).toString('hex')}`);
        assert.equal(isValidUtf8(b), false);
        assert.throws(() => strict.decode(b), TypeError, 'TextDecoder (fatal) agrees it is invalid');
        const chunkings: number[][] = [[], [1], sizes];
        for (let cut = 1; cut < b.length; cut++) chunkings.push([cut, b.length]);
        for (const c of chunkings) {
          assert.equal(firstErrorIn(b, c), ref, `${bad.kind} in pieces ${JSON.stringify(c)}: ${Buffer.from(b).toString('hex')}`);
        }
        // The text up to the corruption is valid on its own.
        assert.equal(firstErrorIn(Uint8Array.from(before), [1]), 'valid');
      }),
      { numRuns: 1000 },
    );
    assert.equal(kinds.size, 10, `every kind of corruption was generated: ${[...kinds].join(', ')}`);
  });

  it('accepts valid text of code points from every range, in every chunking, as the reference does', () => {
    fc.assert(
      fc.property(validText, (b) => {
        assert.equal(referenceFirstError(b), 'valid');
        for (let cut = 0; cut <= b.length; cut++) assert.equal(firstErrorIn(b, cut === 0 ? [1] : [cut, b.length]), 'valid');
      }),
      { numRuns: 300 },
    );
  });
});

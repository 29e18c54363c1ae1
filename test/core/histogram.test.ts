import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Histogram } from '../../src/core/histogram.js';

/** The exact value at percentile p of sorted values (nearest rank). */
function exact(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

describe('Histogram (HDR-style, log-linear)', () => {
  it('is exact below 256 and for min, max, count and sum', () => {
    const h = new Histogram();
    for (let v = 0; v < 256; v++) h.record(v);
    assert.equal(h.count, 256);
    assert.equal(h.min, 0);
    assert.equal(h.max, 255);
    assert.equal(h.sum, (255 * 256) / 2);
    assert.equal(h.percentile(50), 127);
    assert.equal(h.percentile(100), 255);
    assert.equal(h.countAtOrBelow(99), 100);
  });

  it('keeps every percentile within 1/128 of the exact value, at any magnitude', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e13, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0, 50, 90, 99, 99.9, 100), (values, p) => {
        const h = new Histogram();
        for (const v of values) h.record(v);
        const sorted = values.map((v) => Math.floor(v)).sort((a, b) => a - b);
        const want = exact(sorted, p);
        const got = h.percentile(p);
        assert.ok(got >= want && got <= want + want / 128 + 1, `p${p}: got ${got}, exact ${want}`);
        assert.equal(h.max, sorted.at(-1));
        assert.equal(h.min, sorted[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('merges, resets, clamps negatives to 0 and huge values to 2^52, and reports 0 when empty', () => {
    const a = new Histogram();
    const b = new Histogram();
    assert.equal(a.percentile(99), 0);
    assert.deepEqual(a.snapshot(), { count: 0, sum: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, p999: 0 });
    a.record(-5);
    b.record(1e20);
    b.record(1000);
    a.merge(b);
    assert.equal(a.count, 3);
    assert.equal(a.min, 0);
    assert.equal(a.max, 2 ** 52);
    assert.equal(a.countAtOrBelow(1000), 2);
    a.reset();
    assert.equal(a.count, 0);
    assert.equal(a.percentile(50), 0);
  });
});

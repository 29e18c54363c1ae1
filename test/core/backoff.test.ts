import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exponentialBackoff, pauseSchedule } from '../../src/core/index.js';

const never = (): number => {
  throw new Error('a pause schedule draws no random numbers');
};

describe('pauseSchedule (eventdispatcher)', () => {
  it('uses the durations in order and repeats the last one', () => {
    const b = pauseSchedule([1000, 5000, 30000]);
    assert.equal(b.initialDelay, 0);
    assert.deepEqual([1, 2, 3, 4, 50].map((a) => b.delay(a, never)), [1000, 5000, 30000, 30000, 30000]);
  });

  it('takes a negative first value as an initial delay, not a pause', () => {
    const b = pauseSchedule([-2000, 1000, 5000]);
    assert.equal(b.initialDelay, 2000);
    assert.deepEqual([1, 2, 3].map((a) => b.delay(a, never)), [1000, 5000, 5000]);
  });

  it('repeats the initial delay when it is the only value', () => {
    const b = pauseSchedule([-500]);
    assert.equal(b.initialDelay, 500);
    assert.equal(b.delay(7, never), 500);
  });

  it('rejects an empty schedule and negative pauses after the first', () => {
    assert.throws(() => pauseSchedule([]), { code: 'INVALID_OPTION' });
    assert.throws(() => pauseSchedule([100, -1]), { code: 'INVALID_OPTION' });
    assert.throws(() => pauseSchedule([Number.NaN]), { code: 'INVALID_OPTION' });
  });
});

describe('exponentialBackoff (full jitter)', () => {
  it('stays within [0, min(max, initial * factor^(attempt-1))]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const b = exponentialBackoff({ initial: 100, max: 30_000, factor: 2 });
        const d = b.delay(attempt, () => r);
        const ceiling = Math.min(30_000, 100 * 2 ** (attempt - 1));
        return d >= 0 && d <= ceiling && Number.isInteger(d);
      }),
      { numRuns: 300 },
    );
  });

  it('still varies once the cap is reached (no lockstep at the cap)', () => {
    const b = exponentialBackoff({ initial: 100, max: 1000 });
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const atCap = Array.from({ length: 50 }, () => b.delay(40, random));
    assert.ok(new Set(atCap).size > 25, `expected many different pauses at the cap, got ${new Set(atCap).size}`);
    assert.ok(atCap.every((d) => d <= 1000));
  });

  it('grows the ceiling with the attempt number', () => {
    const b = exponentialBackoff({ initial: 10, max: 100_000, factor: 3 });
    const top = (a: number): number => b.delay(a, () => 0.999999999);
    assert.deepEqual([1, 2, 3, 4].map(top), [10, 30, 90, 270]);
  });

  it('rejects nonsense parameters', () => {
    assert.throws(() => exponentialBackoff({ factor: 0.5 }), { code: 'INVALID_OPTION' });
    assert.throws(() => exponentialBackoff({ max: -1 }), { code: 'INVALID_OPTION' });
  });
});

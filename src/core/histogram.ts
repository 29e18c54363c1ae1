/**
 * A log-linear histogram in the manner of HdrHistogram: fixed memory, constant-time record, and a
 * relative error under 1/128 (0.8 %) at any magnitude. Used for round-trip times in metrics
 * snapshots and for `switchboard bench`'s latency report.
 *
 * Buckets: values 0..255 each have their own bucket (exact). Above, a value v with its highest
 * set bit at position e (v in [2^e, 2^(e+1))) falls in one of 128 equal sub-buckets of that
 * power of two:
 *
 *     index 0 .. 255                       exact values 0 .. 255
 *     index 256 + (e - 8) * 128 + m - 128  v >> (e - 7) == m, m in [128, 256)
 *
 * Values are non-negative numbers in the caller's unit (bench: nanoseconds, metrics: microseconds);
 * fractions are rounded down, negatives count as 0, values above 2^52 as 2^52.
 */
const EXACT = 256;
const SUB = 128;
const MAX_EXP = 52;
const BUCKETS = EXACT + (MAX_EXP - 8 + 1) * SUB;

export interface HistogramSnapshot {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

export class Histogram {
  private counts: Float64Array | undefined; // created at the first record: an unused histogram costs nothing
  private _count = 0;
  private _sum = 0;
  private _min = Infinity;
  private _max = 0;

  record(value: number): void {
    let v = value > 0 ? Math.floor(value) : 0;
    if (v > 2 ** MAX_EXP) v = 2 ** MAX_EXP;
    const counts = (this.counts ??= new Float64Array(BUCKETS));
    counts[indexOf(v)]!++;
    this._count++;
    this._sum += v;
    if (v < this._min) this._min = v;
    if (v > this._max) this._max = v;
  }

  get count(): number {
    return this._count;
  }

  get sum(): number {
    return this._sum;
  }

  get max(): number {
    return this._max;
  }

  get min(): number {
    return this._count === 0 ? 0 : this._min;
  }

  /**
   * The value at percentile `p` (0..100): the highest value of the bucket holding it, capped at the
   * largest value recorded (so p100 is the exact maximum). 0 when empty.
   */
  percentile(p: number): number {
    if (this._count === 0 || this.counts === undefined) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this._count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this._max);
    }
    return this._max;
  }

  /** How many recorded values are at most `v` (counted by bucket: exact to the bucket's width). */
  countAtOrBelow(v: number): number {
    if (this.counts === undefined || v < 0) return 0;
    if (v >= this._max) return this._count;
    const last = indexOf(Math.floor(v));
    let n = 0;
    for (let i = 0; i <= last; i++) n += this.counts[i]!;
    return n;
  }

  /** Adds another histogram's values to this one. */
  merge(other: Histogram): void {
    if (other.counts === undefined) return;
    const counts = (this.counts ??= new Float64Array(BUCKETS));
    for (let i = 0; i < BUCKETS; i++) counts[i]! += other.counts[i]!;
    this._count += other._count;
    this._sum += other._sum;
    if (other._count > 0 && other._min < this._min) this._min = other._min;
    if (other._max > this._max) this._max = other._max;
  }

  reset(): void {
    this.counts = undefined;
    this._count = 0;
    this._sum = 0;
    this._min = Infinity;
    this._max = 0;
  }

  snapshot(): HistogramSnapshot {
    return {
      count: this._count,
      sum: this._sum,
      min: this.min,
      max: this._max,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
    };
  }
}

function indexOf(v: number): number {
  if (v < EXACT) return v;
  const e = Math.floor(Math.log2(v));
  // log2 of a float may land one off at the edge of a power of two: correct it.
  const exp = v >= 2 ** (e + 1) ? e + 1 : v < 2 ** e ? e - 1 : e;
  const shift = exp - 7;
  const m = Math.floor(v / 2 ** shift); // in [128, 256)
  return EXACT + (exp - 8) * SUB + (m - SUB);
}

/** The highest value bucket `i` holds. */
function upperOf(i: number): number {
  if (i < EXACT) return i;
  const k = i - EXACT;
  const exp = Math.floor(k / SUB) + 8;
  const m = (k % SUB) + SUB;
  const shift = exp - 7;
  return (m + 1) * 2 ** shift - 1;
}

// Shared helpers of the benchmark workers and the orchestrator: clocks, payloads, IPC, stats.
import { performance } from 'node:perf_hooks';
import { setImmediate as immediate } from 'node:timers/promises';
import { createRequire } from 'node:module';

/** Milliseconds on this process's monotonic clock. */
export const now = () => performance.now();

/**
 * Milliseconds since the epoch with sub-millisecond resolution, comparable between processes of
 * one machine (timeOrigin is the process start on the same wall clock).
 */
export const absNow = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { immediate };

const SYMS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA', 'META', 'TSLA', 'ORCL'];

/**
 * A deterministic payload of `size` bytes: JSON-like records with varying numbers, so it
 * compresses like real messages (about 3-4x), not like a run of one byte. It never contains
 * '\n' (the line framings' delimiter) nor ends with '\r'.
 */
export function makePayload(size) {
  let seed = 0x2545f491;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  const parts = [];
  let n = 0;
  while (n < size) {
    const rec = `{"seq":${rnd() % 1000000},"px":${(rnd() % 1000000) / 100},"qty":${rnd() % 5000},"sym":"${SYMS[rnd() % SYMS.length]}"},`;
    parts.push(rec);
    n += rec.length;
  }
  const buf = Buffer.from(parts.join('').slice(0, size), 'latin1');
  if (buf[buf.length - 1] === 0x0d) buf[buf.length - 1] = 0x20;
  return buf;
}

/** Whether `ws` found the native `bufferutil` in this process (it loads it on first use of its buffer-util). */
export function bufferutilLoaded() {
  const require = createRequire(import.meta.url);
  try {
    const p = require.resolve('bufferutil');
    return Object.keys(require.cache).some((k) => k === p);
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ statistics (orchestrator)

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function fmtNum(x, digits = 3) {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  // A unit as soon as the rounded value reaches it (999,600 is "1.00 M", not "1.00e+3 k").
  for (const [d, unit] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (a >= d * (1 - 0.5 * 10 ** -digits) && (d > 1e3 || a >= 1e4)) return `${(x / d).toPrecision(digits)} ${unit}`;
  }
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(digits);
}

export function fmtBytes(n) {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${Math.round(n)} B`;
}

export function sizeLabel(n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

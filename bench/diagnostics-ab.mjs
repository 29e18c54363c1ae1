#!/usr/bin/env node
// The diagnostics channels' cost, measured so that a busy machine skews it less than the
// wall-clock scenario of bench/run.mjs: one process loads this build (dist/) and the same build
// with its guarded publish lines stripped (bench/lib/strip-diagnostics.mjs), runs a TCP echo
// pair of each, and alternates short rounds of the two many times:
//
//   stripped   the build without publish calls (the baseline)
//   none       the build, nobody subscribed
//   noop       (with --noop, instead of none) the build, a no-op subscriber on every channel
//
// Each round echoes ROUND messages (W in flight, 64 B, lines, bytes codec) and records the
// process's CPU time per message; rounds are interleaved (the order rotates), so a slow patch of
// the machine hits both. Reported: median CPU ns per message per variant and the cost relative
// to the baseline (CPU per message; the throughput cost is about the same fraction).
//
//   npm run build && node bench/diagnostics-ab.mjs [--rounds 40] [--round 20000] [--window 100] [--noop]
import dc from 'node:diagnostics_channel';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stripDiagnostics } from './lib/strip-diagnostics.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const ROUNDS = arg('--rounds', 40);
const ROUND = arg('--round', 20_000);
const W = arg('--window', 100);

const dist = join(here, '..', 'dist');
const strippedDir = join(here, '.build', 'nodiag-ab');
const removed = stripDiagnostics(dist, strippedDir);
if (removed === 0) throw new Error('no guarded publish line found in dist/endpoint');
const built = await import(pathToFileURL(join(dist, 'index.js')).href);
const stripped = await import(pathToFileURL(join(strippedDir, 'index.js')).href);

/** A server and a client of module `m`, echoing; `run(n)` echoes n messages with W in flight. */
async function pair(m) {
  const codec = m.bytesCodec();
  const protocol = { framing: m.lines(), codec };
  const server = await m.listen('tcp://127.0.0.1:0', { protocol, callbacks: { onReceive: (c, msg) => void c.send(msg) } });
  const payload = new Uint8Array(64).fill(120);
  let left = 0;
  let outstanding = 0;
  let done;
  const conn = await m.connect(server.url, {
    protocol,
    callbacks: {
      onReceive: (c) => {
        outstanding--;
        if (left > 0) {
          left--;
          outstanding++;
          c.send(payload);
        } else if (outstanding === 0) done();
      },
    },
  });
  return {
    run(n) {
      return new Promise((resolve) => {
        done = resolve;
        left = n - W;
        for (let i = 0; i < W; i++) {
          outstanding++;
          conn.send(payload);
        }
      });
    },
    async close() {
      await conn.close();
      await server.close();
    },
  };
}

const noop = () => {};
const names = Object.values(built.ChannelName);
const subscribe = (on) => {
  for (const n of names) (on ? dc.subscribe : dc.unsubscribe)(n, noop);
};

// `none` and `noop` run in separate processes: subscribing and unsubscribing between rounds
// changes the channel objects' prototypes (inactive <-> active channel), which would make the
// shared `hasSubscribers` reads polymorphic and charge `none` for `noop`. With `--noop` this
// process subscribes once, before anything runs, and compares `noop` with `stripped`.
const withNoop = process.argv.includes('--noop');
if (withNoop) subscribe(true);
const variants = withNoop
  ? { stripped: { p: await pair(stripped) }, noop: { p: await pair(built) } }
  : { stripped: { p: await pair(stripped) }, none: { p: await pair(built) } };
const ids = Object.keys(variants);
const cpu = Object.fromEntries(ids.map((id) => [id, []]));

// Warm-up: every variant, twice, unmeasured.
for (let k = 0; k < 2; k++) for (const id of ids) await variants[id].p.run(ROUND);
for (let r = 0; r < ROUNDS; r++) {
  for (let j = 0; j < ids.length; j++) {
    const id = ids[(j + r) % ids.length];
    const v = variants[id];
    const c0 = process.cpuUsage();
    await v.p.run(ROUND);
    const c = process.cpuUsage(c0);
    cpu[id].push(((c.user + c.system) * 1000) / ROUND);
  }
}
for (const v of Object.values(variants)) await v.p.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(cpu.stripped);
const result = {
  rounds: ROUNDS,
  round: ROUND,
  window: W,
  strippedLines: removed,
  cpuNsPerMessage: Object.fromEntries(ids.map((id) => [id, +median(cpu[id]).toFixed(1)])),
  costVsStripped: Object.fromEntries(ids.map((id) => [id, +(median(cpu[id]) / base - 1).toFixed(4)])),
};
console.log(JSON.stringify(result, null, 2));

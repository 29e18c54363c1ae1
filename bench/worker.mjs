// One benchmark process: a server or a client of one scenario, started by bench/run.mjs with a
// JSON spec as its only argument. It talks to the orchestrator over IPC: it says `ready` (with
// its URL), waits for commands, and sends its measurements back as `result`.
//
//   node bench/worker.mjs '{"role":"echo-server","impl":"sb-lines"}'
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import hdr from 'hdr-histogram-js';
import { absNow, bufferutilLoaded, immediate, makePayload, now, sleep } from './lib/common.mjs';
import { expect, tell } from './lib/ipc.mjs';
import { echoImpls } from './lib/echo.mjs';
import { openMany } from './lib/fleet.mjs';
import { absentPort, hubs, startRetrier } from './lib/hubs.mjs';

const spec = JSON.parse(process.argv[2] ?? '{}');

process.on('uncaughtException', (err) => {
  tell({ type: 'error', error: err?.stack ?? String(err) });
  setTimeout(() => process.exit(1), 50);
});
process.on('unhandledRejection', (err) => {
  tell({ type: 'error', error: err?.stack ?? String(err) });
  setTimeout(() => process.exit(1), 50);
});

const roles = {
  // ---------------------------------------------------------------- ping-pong and pipelined echo
  async 'echo-server'() {
    holdBallast(spec.ballastMB);
    const gc = countGcs();
    const { url, pid } = await echoImpls[spec.impl].server(spec);
    // `pid`: a server in a child process (the CLI), which the orchestrator kills with this worker.
    tell({ type: 'ready', url, bufferutil: bufferutilLoaded(), ...(pid !== undefined && { childPid: pid }) });
    // The orchestrator asks for the server's CPU time and peak memory after a measurement. A
    // server in a child process (the CLI) is read from /proc.
    for (;;) {
      await expect('usage');
      tell({ type: 'usage', ...(pid === undefined ? { ...ownUsage(), majorGcs: gc.major, gcMs: gc.ms } : procUsage(pid)) });
    }
  },

  /**
   * Sends `count` messages of `size` bytes at once (one batch), then waits until all are echoed
   * back or `timeoutMs` passes: an echo server must return every one (no drops) while holding
   * its memory down (backpressure instead of queueing the whole burst).
   */
  async 'burst-client'() {
    const { impl, url, count, size, timeoutMs } = spec;
    const payload = makePayload(size);
    let got = 0;
    let bad = 0;
    let resolveDone;
    const done = new Promise((res) => (resolveDone = res));
    const client = await echoImpls[impl].client(url, spec, (msg) => {
      if (msg.length !== size) bad++;
      if (++got === count) resolveDone();
    });
    await expect('go');
    const t0 = now();
    client.batch(() => {
      for (let i = 0; i < count; i++) client.send(payload);
    });
    const timer = setTimeout(resolveDone, timeoutMs);
    await done;
    clearTimeout(timer);
    const elapsedMs = now() - t0;
    tell({ type: 'result', received: got, expected: count, badSize: bad, elapsedMs, msgsPerSec: (got / elapsedMs) * 1000 });
  },

  /**
   * Keeps `window` messages in flight: sends `window` at once, then one more for every reply.
   * Warm-up first (JIT, buffers); the measurement starts at the first reply after it and lasts
   * `durationMs`. With window 1 each reply's round trip goes into an HDR histogram (ns).
   */
  async 'echo-client'() {
    const { impl, url, window: W, size, warmupMs, durationMs, latency, coldCount = 0 } = spec;
    holdBallast(spec.ballastMB);
    const payload = makePayload(size);
    const hist = latency ? hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e9, numberOfSignificantValueDigits: 3 }) : undefined;
    let phase = 0; // 0 warm-up, 1 measuring, 2 done
    let tWarmEnd = Infinity;
    let tStart = 0;
    let tEnd = 0;
    let counted = 0;
    let warm = 0;
    let t0 = 0;
    let client;
    // `coldCount` (client-rtt): the first replies on a fresh connection in a fresh process, timed
    // as Autobahn's 9.7.x cases time them (the warm-up lasts at least that long).
    let tFirst = 0;
    let coldMs;
    let coldCpu;
    let cpu0;
    let cpuCold0;
    let resolveDone;
    let rejectDone;
    const done = new Promise((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    // Reading the clock costs about as much as a small message: without a latency histogram,
    // small messages look at it every 64th reply (a window then ends at most 64 replies late).
    const every = hist || size > 4096 ? 1 : 64;
    let tick = 0;
    const onMessage = (msg) => {
      if (phase === 2) return;
      if (msg.length !== size) {
        phase = 2;
        rejectDone(new Error(`${impl}: a reply of ${msg.length} bytes, expected ${size}`));
        return;
      }
      if (phase === 1) {
        counted++;
        if (++tick === every) {
          tick = 0;
          const t = now();
          if (hist) hist.recordValue(Math.round((t - t0) * 1e6));
          if (t >= tEnd) {
            phase = 2;
            resolveDone(t);
            return;
          }
          t0 = t;
        }
      } else {
        warm++;
        if (warm === coldCount) {
          coldMs = now() - tFirst;
          coldCpu = process.cpuUsage(cpuCold0);
        }
        if (++tick === every) {
          tick = 0;
          const t = now();
          if (t >= tWarmEnd && warm >= coldCount) {
            phase = 1;
            tStart = t;
            tEnd = t + durationMs;
            cpu0 = process.cpuUsage();
            tell({ type: 'measuring' }); // the orchestrator reads the server's CPU time now
          }
          t0 = t;
        }
      }
      try {
        client.send(payload);
      } catch (e) {
        phase = 2;
        rejectDone(e);
      }
    };
    client = await echoImpls[impl].client(url, spec, onMessage);
    tWarmEnd = now() + warmupMs;
    t0 = now();
    tFirst = t0;
    cpuCold0 = process.cpuUsage();
    client.batch(() => {
      for (let i = 0; i < W; i++) client.send(payload);
    });
    const tLast = await done;
    const cpu = process.cpuUsage(cpu0);
    const elapsed = tLast - tStart;
    const r = {
      type: 'result',
      messages: counted,
      warmupMessages: warm,
      elapsedMs: elapsed,
      msgsPerSec: (counted / elapsed) * 1000,
      bytesPerSec: ((counted * size) / elapsed) * 1000,
      bufferutil: bufferutilLoaded(),
      // This client process's CPU time per reply over the measurement window (µs).
      clientCpuUsPerMsg: (cpu.user + cpu.system) / counted,
      ...(coldMs !== undefined && { coldCount, coldMs, coldClientCpuMs: (coldCpu.user + coldCpu.system) / 1000 }),
    };
    if (hist) {
      Object.assign(r, {
        p50Us: hist.getValueAtPercentile(50) / 1000,
        p99Us: hist.getValueAtPercentile(99) / 1000,
        p999Us: hist.getValueAtPercentile(99.9) / 1000,
        maxUs: hist.maxValue / 1000,
        meanUs: hist.mean / 1000,
      });
    }
    tell(r);
  },

  // ---------------------------------------------------------------- broadcast
  /**
   * Waits for `clients` connections, warms up, waits until every queue is empty, then sends
   * bursts of `burst` messages to everybody for `durationMs`. Between bursts it yields to the
   * event loop (setImmediate) and, when some connection has more than `highWater` bytes queued,
   * waits until none has: a broadcaster that outruns its slowest reader only fills memory.
   */
  async 'broadcast-server'() {
    const hub = await hubs[spec.impl]();
    tell({ type: 'ready', url: hub.url, kind: hub.kind, bufferutil: bufferutilLoaded() });
    const { clients, warmupMs, durationMs, burst, size, highWater } = await expect('start');
    const payload = makePayload(size);
    while (hub.count() < clients) await sleep(5);
    const room = async () => {
      await immediate();
      while (hub.maxQueued() > highWater) await immediate();
    };
    let warm = 0;
    const tw = now() + warmupMs;
    while (now() < tw) {
      hub.burst(payload, burst);
      warm += burst;
      await room();
    }
    while (hub.maxQueued() > 0) await immediate();
    await sleep(20);
    const t0Abs = absNow();
    const t0 = now();
    const c0 = process.cpuUsage();
    let sent = 0;
    while (now() - t0 < durationMs) {
      hub.burst(payload, burst);
      sent += burst;
      await room();
    }
    // The server's CPU time (all threads) while it sent: what one delivery costs it, whatever the load.
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    tell({ type: 'sent', t0Abs, sendMs: now() - t0, cpuMs, warmup: warm, measured: sent, perConn: warm + sent, problems: hub.problems, count: hub.count() });
  },

  /** `n` counting connections; says when each got `perConn` messages, and when the last arrived. */
  async 'broadcast-clients'() {
    const { url, kind, n } = spec;
    const stats = { lastAt: 0 };
    const { conns, errors } = await openMany(url, kind, n, { count: true, stats, concurrency: 64 });
    tell({ type: 'connected', n: conns.length, errors: errors.slice(0, 5) });
    const { perConn, timeoutMs } = await expect('expect');
    const deadline = now() + timeoutMs;
    const short = () => conns.reduce((k, c) => k + (c.counter.count < perConn ? 1 : 0), 0);
    while (short() > 0 && now() < deadline) await sleep(2);
    const received = conns.reduce((k, c) => k + c.counter.count, 0);
    tell({ type: 'done', received, expected: perConn * conns.length, incomplete: short(), lastAbs: performance.timeOrigin + stats.lastAt });
  },

  // ---------------------------------------------------------------- connections (memory, accept time)
  /**
   * Holds connections and answers the orchestrator's commands: `wait` until it holds `n`
   * connections (answers when it does, or at the deadline), `measure` memory after GC.
   */
  async 'conn-server'() {
    const hub = await hubs[spec.impl]();
    const mem = () => {
      global.gc?.();
      global.gc?.();
      const m = process.memoryUsage();
      // V8's young generation keeps the size it grew to during the accept burst: part of the RSS
      // that is not live memory (bench/conn-heap.mjs prints every space).
      const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size]));
      return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, newSpace: spaces.new_space ?? 0, oldSpace: spaces.old_space ?? 0 };
    };
    await sleep(100);
    tell({ type: 'ready', url: hub.url, kind: hub.kind, before: mem(), gc: typeof global.gc === 'function' });
    for (;;) {
      const cmd = await expect('cmd');
      if (cmd.op === 'wait') {
        const deadline = now() + cmd.timeoutMs;
        while (hub.count() < cmd.n && now() < deadline) await immediate();
        tell({ type: 'reached', count: hub.count(), tAbs: absNow() });
      } else if (cmd.op === 'measure') {
        await sleep(500); // let handshakes and first reads settle
        tell({ type: 'memory', count: hub.count(), mem: mem(), problems: hub.problems });
      }
    }
  },

  /** Opens connections when told (`open`, n more), and makes each send one message and wait for its echo (`echo`). */
  async 'conn-clients'() {
    const { url, kind } = spec;
    tell({ type: 'ready' });
    const all = [];
    for (;;) {
      const cmd = await expect('cmd');
      if (cmd.op === 'open') {
        const { conns, errors } = await openMany(url, kind, cmd.n, { concurrency: cmd.n, count: true });
        all.push(...conns);
        tell({ type: 'opened', n: conns.length, errors: [...new Set(errors)].slice(0, 5), errorCount: errors.length });
      } else if (cmd.op === 'echo') {
        // 16 bytes; a WebSocket client frame must be masked (RFC 6455 5.3): key 1,2,3,4.
        const line = Buffer.from('0123456789abcde\n');
        const key = [1, 2, 3, 4];
        const frame = Buffer.from([0x82, 0x80 | 16, ...key, ...[...line].map((b, i) => b ^ key[i & 3])]);
        // Time to first message: from the moment every connection has written its message (all
        // at once, as after a restart) until its echo's first byte arrives, per connection.
        const firstAt = new Array(all.length);
        all.forEach((c, i) => c.sock.once('data', () => (firstAt[i] = now())));
        const t0 = now();
        for (const c of all) c.sock.write(kind === 'ws' ? frame : line);
        const deadline = now() + cmd.timeoutMs;
        const missing = () => all.reduce((k, c) => k + (c.counter.count < 1 ? 1 : 0), 0);
        while (missing() > 0 && now() < deadline) await sleep(5);
        const firstMs = firstAt.filter((t) => t !== undefined).map((t) => +(t - t0).toFixed(3));
        tell({ type: 'echoed', missing: missing(), firstMs });
      }
    }
  },

  // ---------------------------------------------------------------- idle CPU
  /**
   * Starts a client that keeps retrying a server that is not there, waits for `n` connections,
   * lets the setup settle (a forced GC, then `settleMs`), and measures this process's CPU (all
   * threads, so the GC's too) over `idleMs`.
   */
  async 'idle-server'() {
    const hub = await hubs[spec.impl]();
    tell({ type: 'ready', url: hub.url, kind: hub.kind });
    const { n, idleMs, settleMs } = await expect('start');
    void (async () => {
      for (;;) {
        const cmd = await expect('cmd');
        if (cmd.op !== 'wait') continue;
        const deadline = now() + cmd.timeoutMs;
        while (hub.count() < cmd.n && now() < deadline) await immediate();
        tell({ type: 'reached', count: hub.count(), tAbs: absNow() });
      }
    })();
    // The retrier runs from the start, as it would in a real server: the window then sees it
    // waiting in its backoff, not its first attempts (and not the JIT compiling them).
    const retrier = await startRetrier(spec.impl, await absentPort());
    while (hub.count() < n) await sleep(10);
    // The setup's garbage: a forced GC and a settle keep it out of the idle window (the
    // orchestrator also turns V8's memory reducer off, see bench/run.mjs).
    global.gc?.();
    await sleep(settleMs);
    const attempts0 = retrier.attempts();
    let gcMs = 0;
    let gcs = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcMs += e.duration;
        gcs++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const c0 = process.cpuUsage();
    const t0 = now();
    await sleep(idleMs);
    const cpu = process.cpuUsage(c0);
    const wallMs = now() - t0;
    obs.disconnect();
    tell({
      type: 'result',
      count: hub.count(),
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      gcMs,
      gcs,
      retryAttempts: retrier.attempts() - attempts0,
      retryAttemptsTotal: retrier.attempts(),
    });
  },
};

/**
 * `mb` MiB of live JavaScript heap for the rest of the process: the state a real application
 * holds. One array of doubles (no pointers, so marking it costs nothing): it only moves the old
 * generation's size, and with it V8's collection limits, away from its small-heap thresholds
 * (bench/README.md, "Heap size and major collections").
 */
let ballast;
function holdBallast(mb) {
  if (mb > 0) ballast = new Array(Math.round((mb * 1024 * 1024) / 8)).fill(0.5);
}

/** Counts this process's garbage collections from now on: major ones and the time in all of them. */
function countGcs() {
  const c = { major: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      c.ms += e.duration;
      if (e.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) c.major++;
    }
  }).observe({ entryTypes: ['gc'] });
  return c;
}

/** This process's CPU time (ms) and peak RSS (bytes). */
function ownUsage() {
  const u = process.resourceUsage();
  return { cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRss: u.maxRSS * 1024, faults: u.minorPageFault + u.majorPageFault };
}

/** A child process's CPU time (ms), peak RSS (bytes) and page faults, from /proc (Linux). */
function procUsage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 per second on Linux)
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuMs: ticks * 10, maxRss: hwm ? Number(hwm[1]) * 1024 : undefined, faults: Number(f[7]) + Number(f[9]) }; // minflt + majflt
  } catch {
    return {};
  }
}

const role = roles[spec.role];
if (!role) {
  tell({ type: 'error', error: `unknown role ${spec.role}` });
  process.exit(2);
}
await role();

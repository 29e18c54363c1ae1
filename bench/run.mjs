#!/usr/bin/env node
// `npm run bench`: measures Switchboard against hand-written raw node:net baselines and the `ws`
// package in the same run. Every measurement runs a server process and client process(es)
// (child_process.fork of bench/worker.mjs); implementations are alternated within each round and
// each is measured several times; the report shows medians and ratios to the baseline.
//
//   npm run bench                      the full benchmark (about 13 minutes on 2 cores)
//   npm run bench -- --quick           smoke version of every scenario (CI): tiny counts, 1 run
//   npm run bench -- --only pingpong,idle --runs 5
//
// Writes bench/results/latest.json and bench/results/latest.md (a --quick run writes quick.json
// and quick.md, a run narrowed by --only/--impls/--cases/--runs partial.json and partial.md);
// bench/update-readme.mjs copies the table into the README's "## Performance" section.
import { fork, spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { absNow, median, sizeLabel, sleep } from './lib/common.mjs';
import { renderMarkdown, evaluateTargets } from './lib/report.mjs';
import { IMPLS } from './lib/impls.mjs';
import { NODIAG_DIST } from './lib/echo.mjs';
import { stripDiagnostics } from './lib/strip-diagnostics.mjs';
import { loadUws } from './lib/uws.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'worker.mjs');
const RESULTS = join(here, 'results');

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice(name.length + 1) : argv[i + 1];
};
if (flag('--help') || flag('-h')) {
  console.log(`usage: npm run bench -- [--quick] [--runs N] [--only pingpong,client-rtt,latency,burst,pipelined,sessions,diagnostics,broadcast,connections,idle] [--connections N] [--impls a,b] [--cases 'W=100 64 B'] [--no-progress]`);
  process.exit(0);
}
const quick = flag('--quick');
const only = value('--only')?.split(',');
const onlyImpls = value('--impls')?.split(',');
const onlyCases = value('--cases')?.split(',');
const runsOverride = value('--runs') !== undefined ? Number(value('--runs')) : undefined;

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The live heap each process of the sessions scenario holds besides the server (MiB; 0 turns it
 * off): without it, the session's own few hundred KiB decide whether V8's old generation is
 * over its 8 MiB marking threshold, and that, not the session, decided the 16 KiB cells
 * (bench/README.md, "Heap size and major collections").
 */
const SESSION_BALLAST_MB = Number(process.env.BENCH_BALLAST_MB ?? 32);

/** Every knob of every scenario, full and quick. */
const config = quick
  ? {
      pingpong: { size: 64, warmupMs: 50, durationMs: 150, runs: 1 },
      'client-rtt': { size: 16, servers: ['ws-text', 'sb-ws-text'], coldCount: 1000, warmupMs: 50, durationMs: 150, runs: 1 },
      latency: { sizes: [KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB], warmupMs: 30, durationMs: 100, runs: 1 },
      burst: { count: 200, size: 16 * KiB, timeoutMs: 30_000, runs: 1 },
      // maxInFlight: a smoke run caps W x size (1000 x 1 MiB through deflate alone takes 20 s).
      pipelined: { windows: [100, 1000], sizes: [64, 16 * KiB, MiB], warmupMs: 50, durationMs: 150, runs: 1, maxInFlight: 64 * MiB },
      broadcast: { clients: 50, size: 64, burst: 16, highWater: 256 * KiB, warmupMs: 50, durationMs: 200, runs: 1, clientProcs: 1 },
      connections: { n: 200, runs: 1, clientProcs: 1, batch: 256, timeoutMs: 20_000 },
      idle: { n: 100, idleMs: 1000, settleMs: 200, runs: 1, batch: 256 },
      sessions: { window: 100, sizes: [64, 16 * KiB], ballastMB: SESSION_BALLAST_MB, warmupMs: 50, durationMs: 150, runs: 1 },
      diagnostics: { window: 100, size: 64, warmupMs: 50, durationMs: 200, runs: 1 },
    }
  : {
      pingpong: { size: 64, warmupMs: 500, durationMs: 2000, runs: 3 },
      // Autobahn 9.7.2's size; both servers, so a client's cost shows against either.
      'client-rtt': { size: 16, servers: ['ws-text', 'sb-ws-text'], coldCount: 1000, warmupMs: 500, durationMs: 2000, runs: 5 },
      latency: { sizes: [KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB], warmupMs: 300, durationMs: 1500, runs: 3 },
      burst: { count: 2000, size: 16 * KiB, timeoutMs: 60_000, runs: 3 },
      pipelined: { windows: [100, 1000], sizes: [64, 16 * KiB, MiB], warmupMs: 500, durationMs: 1500, runs: 3 },
      broadcast: { clients: 1000, size: 64, burst: 16, highWater: 256 * KiB, warmupMs: 500, durationMs: 2000, runs: 3, clientProcs: 1 },
      connections: { n: 10_000, runs: 3, clientProcs: 2, batch: 256, timeoutMs: 60_000 },
      idle: { n: 1000, idleMs: 10_000, settleMs: 3000, runs: 2, batch: 256 },
      // A ratio of two close figures: more runs than pipelined, so the median is steadier.
      sessions: { window: 100, sizes: [64, 16 * KiB], ballastMB: SESSION_BALLAST_MB, warmupMs: 500, durationMs: 1500, runs: 5 },
      diagnostics: { window: 100, size: 64, warmupMs: 500, durationMs: 2000, runs: 5 },
    };
if (value('--connections')) config.connections.n = Number(value('--connections'));
if (value('--idle-settle')) config.idle.settleMs = Number(value('--idle-settle')) * 1000;
if (runsOverride) for (const c of Object.values(config)) c.runs = runsOverride;

// ws-nobu: ws without bufferutil. sb-ws-js: Switchboard without it (its JavaScript masking).
const ENV = { 'ws-nobu': { WS_NO_BUFFER_UTIL: '1' }, 'sb-ws-js': { SWITCHBOARD_NO_BUFFERUTIL: '1' } };

// BENCH_DIST_B=path/to/other/dist: an A/B comparison of two builds in the same run; the `-b`
// variants load that build and their ratio divides by the same implementation of this one.
if (process.env.BENCH_DIST_B) {
  for (const scenario of ['pingpong', 'pipelined', 'broadcast', 'latency']) {
    for (const id of ['sb-lines', 'sb-length', 'sb-ws']) {
      if (scenario === 'broadcast' && id !== 'sb-lines') continue; // the broadcast hubs have a -b variant for TCP lines
      const row = IMPLS[scenario].find(([i]) => i === id);
      if (row) IMPLS[scenario].push([`${id}-b`, `${row[1]} (build B)`, id]);
    }
  }
  // Sessions: build B's session rows, each divided by this build's session row.
  for (const id of ['sb-length-session', 'sb-ws-session']) {
    const row = IMPLS.sessions.find(([i]) => i === id);
    if (row) IMPLS.sessions.push([`${id}-b`, `${row[1]} (build B)`, id]);
  }
}

// uWebSockets.js (bench/lib/uws.mjs): a baseline where its native binary loads in this Node;
// otherwise its rows are left out and the report says why. Never a reason to fail the run.
const uwsLoad = loadUws();
const skipped = [];
if (!uwsLoad.uws) {
  for (const rows of Object.values(IMPLS)) {
    for (let i = rows.length - 1; i >= 0; i--) if (rows[i][0] === 'uws') rows.splice(i, 1);
  }
  skipped.push({ impl: 'uws', reason: uwsLoad.reason });
}

/** Full runs wait up to this long before each measurement for the machine to be at most this busy. */
const QUIET_THRESHOLD = Number(value('--quiet-threshold') ?? 20);
const QUIET_MAX_WAIT_MS = Number(value('--quiet-wait') ?? 15) * 1000;

// ------------------------------------------------------------------ the machine

function sh(cmd) {
  try {
    return execFileSync('bash', ['-c', cmd], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}
const fdSoft = Number(sh('ulimit -n')) || 1024;
const fdHard = sh('ulimit -Hn') === 'unlimited' ? Infinity : Number(sh('ulimit -Hn')) || fdSoft;

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    fdLimit: { soft: fdSoft, hard: fdHard },
  };
}

// ------------------------------------------------------------------ processes

const live = new Set();
/** Servers the workers run in child processes of their own (the CLI), by pid. */
const liveGrandchildren = new Set();
function killPid(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {} // gone already
}
function killAll() {
  for (const c of live) c.kill('SIGKILL');
  for (const pid of liveGrandchildren) killPid(pid);
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/**
 * Starts a worker process. `fds`: descriptors it needs; above the soft limit the worker is
 * started through bash with `ulimit -n` raised (up to the hard limit).
 */
function launch(spec, { env = {}, gc = false, fds = 0, v8 = [] } = {}) {
  const execArgv = [...(gc ? ['--expose-gc'] : []), ...v8];
  // BENCH_PROF=dir: every worker writes a V8 CPU profile there (open it in Chrome DevTools).
  if (process.env.BENCH_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`, ...(process.env.BENCH_PROF_INTERVAL ? [`--cpu-prof-interval=${process.env.BENCH_PROF_INTERVAL}`] : []));
  const args = [WORKER, JSON.stringify(spec)];
  // BENCH_MALLOC_TRIM=bytes (diagnosis): every worker, baselines included, runs with glibc's
  // MALLOC_TRIM_THRESHOLD_ set, so no implementation pays for the C heap being given back to the
  // system after each GC and faulted in again (see bench/README.md, "Allocator").
  const trim = process.env.BENCH_MALLOC_TRIM ? { MALLOC_TRIM_THRESHOLD_: process.env.BENCH_MALLOC_TRIM } : {};
  const options = { env: { ...process.env, ...trim, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] };
  let child;
  if (fds + 64 > fdSoft) {
    const want = Math.min(fdHard, fds + 256);
    child = spawn('bash', ['-c', `ulimit -n ${want} && exec "$0" "$@"`, process.execPath, ...execArgv, ...args], options);
  } else {
    child = fork(WORKER, args.slice(1), { ...options, execArgv });
  }
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  child.stdout.on('data', () => {});
  const inbox = [];
  const waiters = [];
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      for (const w of waiters.splice(0)) w.reject(new Error(`${spec.role} ${spec.impl ?? ''} exited (${signal ?? code}) before "${w.type}"${stderr ? `: ${stderr.trim().split('\n').slice(-6).join(' | ')}` : ''}`));
      resolve();
    }),
  );
  let failure;
  // A server the worker runs in a child process of its own (the CLI): killed with the worker,
  // which SIGKILL leaves no time to do it (its 'exit' handler does not run).
  let grandchild;
  child.on('message', (m) => {
    if (m?.type === 'ready' && Number.isInteger(m.childPid)) liveGrandchildren.add((grandchild = m.childPid));
    if (m?.type === 'error') {
      failure = new Error(`${spec.role} ${spec.impl ?? ''}: ${m.error}`);
      for (const w of waiters.splice(0)) w.reject(failure);
      return;
    }
    const i = waiters.findIndex((w) => w.type === m?.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  return {
    child,
    /** The next message of `type`; rejects on the worker's error, its exit, or after timeoutMs. */
    next(type, timeoutMs = 60_000) {
      if (failure) return Promise.reject(failure);
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      if (exited) return Promise.reject(new Error(`${spec.role} ${spec.impl ?? ''} already exited${stderr ? `: ${stderr.trim().split('\n').slice(-6).join(' | ')}` : ''}`));
      return new Promise((resolve, reject) => {
        const w = { type, resolve, reject };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`${spec.role} ${spec.impl ?? ''}: no "${type}" within ${timeoutMs} ms`));
        }, timeoutMs);
        w.resolve = (m) => (clearTimeout(t), resolve(m));
        w.reject = (e) => (clearTimeout(t), reject(e));
        waiters.push(w);
      });
    },
    send(m) {
      if (!exited) child.send(m);
    },
    async stop() {
      if (!exited && process.env.BENCH_PROF) {
        child.send({ type: 'exit' });
        await Promise.race([exit, new Promise((r) => setTimeout(r, 10_000))]);
      }
      if (!exited) child.kill('SIGKILL');
      await exit;
      if (grandchild !== undefined) {
        liveGrandchildren.delete(grandchild);
        killPid(grandchild);
      }
    },
  };
}

async function stopAll(procs) {
  await Promise.all(procs.filter(Boolean).map((p) => p.stop()));
}

// ------------------------------------------------------------------ one measurement per scenario

/**
 * One echo measurement. `params.serverImpl`: a different server than the client's (client-rtt:
 * the same server for every client). The server's CPU time is read when the client says it
 * starts measuring and when it is done, so `serverCpuUsPerMsg` covers the measurement window
 * only (the IPC round trips at both ends are a few hundred µs of a window of 150+ ms).
 */
async function echoRun(impl, params) {
  const env = ENV[impl] ?? {};
  const serverImpl = params.serverImpl ?? impl;
  // Heap held besides the server and the client: the sessions scenario's own, or for every echo
  // scenario BENCH_BALLAST_MB when it is set (a diagnosis: bench/README.md, "Heap size and major
  // collections").
  const ballastMB = params.ballastMB ?? Number(process.env.BENCH_BALLAST_MB ?? 0);
  const held = ballastMB > 0 ? { ballastMB } : {};
  const procs = [];
  try {
    const server = launch({ role: 'echo-server', impl: serverImpl, ...held }, { env: ENV[serverImpl] ?? {} });
    procs.push(server);
    const ready = await server.next('ready', 30_000);
    const { serverImpl: _, ballastMB: _b, ...clientParams } = params;
    const client = launch({ role: 'echo-client', impl, url: ready.url, ...clientParams, ...held }, { env });
    procs.push(client);
    // Slow cases (deflate of 1000 x 1 MiB before the first reply) get time; a hang does not.
    const limit = params.warmupMs + params.durationMs + 120_000;
    const serverDied = server.next('never', 1e9);
    serverDied.catch(() => {});
    const atStart = client.next('measuring', limit).then(() => {
      server.send({ type: 'usage' });
      return server.next('usage', 30_000);
    });
    atStart.catch(() => {});
    const r = await Promise.race([client.next('result', limit), serverDied]);
    const u0 = await atStart;
    server.send({ type: 'usage' });
    const u1 = await server.next('usage', 30_000);
    const serverCpuUsPerMsg = Number.isFinite(u1.cpuMs - u0.cpuMs) && r.messages > 0 ? ((u1.cpuMs - u0.cpuMs) * 1000) / r.messages : undefined;
    // Page faults per message: fresh memory faulted in (the C allocator gave it back between
    // collections, docs/connections.md "Deep windows and the C allocator"), for any server.
    const serverFaultsPerMsg = Number.isFinite(u1.faults - u0.faults) && r.messages > 0 ? (u1.faults - u0.faults) / r.messages : undefined;
    // Major (mark-compact) collections per 1,000 messages, and the share of the time in any collection.
    const serverMajorGcsPerKMsg = Number.isFinite(u1.majorGcs - u0.majorGcs) && r.messages > 0 ? ((u1.majorGcs - u0.majorGcs) * 1000) / r.messages : undefined;
    const serverGcShare = Number.isFinite(u1.gcMs - u0.gcMs) && r.elapsedMs > 0 ? (u1.gcMs - u0.gcMs) / r.elapsedMs : undefined;
    return { ...r, serverCpuUsPerMsg, serverFaultsPerMsg, serverMajorGcsPerKMsg, serverGcShare, serverMaxRss: u1.maxRss, serverBufferutil: ready.bufferutil };
  } finally {
    await stopAll(procs);
  }
}

/** A burst of `count` messages sent at once to an echo server; every one must come back. */
async function burstRun(impl, p) {
  const procs = [];
  try {
    const server = launch({ role: 'echo-server', impl });
    procs.push(server);
    const ready = await server.next('ready', 30_000);
    server.send({ type: 'usage' });
    const u0 = await server.next('usage', 30_000);
    const client = launch({ role: 'burst-client', impl, url: ready.url, count: p.count, size: p.size, timeoutMs: p.timeoutMs });
    procs.push(client);
    const serverDied = server.next('never', 1e9);
    serverDied.catch(() => {});
    client.send({ type: 'go' });
    const r = await Promise.race([client.next('result', p.timeoutMs + 30_000), serverDied]);
    server.send({ type: 'usage' });
    const u1 = await server.next('usage', 30_000);
    if (r.received !== r.expected || r.badSize > 0) throw new Error(`${r.received} of ${r.expected} messages came back (${r.badSize} of the wrong size)`);
    return { ...r, serverMaxRss: u1.maxRss, serverRssGrowth: u1.maxRss - u0.maxRss, serverCpuUsPerMsg: ((u1.cpuMs - u0.cpuMs) * 1000) / r.expected };
  } finally {
    await stopAll(procs);
  }
}

async function broadcastRun(impl, p) {
  const procs = [];
  try {
    const server = launch({ role: 'broadcast-server', impl }, { fds: p.clients });
    procs.push(server);
    const ready = await server.next('ready', 30_000);
    const per = Math.ceil(p.clients / p.clientProcs);
    const fleets = [];
    for (let k = 0, left = p.clients; left > 0; k++, left -= per) {
      const f = launch({ role: 'broadcast-clients', url: ready.url, kind: ready.kind, n: Math.min(per, left) }, { fds: per });
      procs.push(f);
      fleets.push(f);
    }
    const connected = await Promise.all(fleets.map((f) => f.next('connected', 60_000)));
    const n = connected.reduce((k, c) => k + c.n, 0);
    if (n < p.clients) throw new Error(`only ${n} of ${p.clients} clients connected: ${connected.flatMap((c) => c.errors).join(', ')}`);
    server.send({ type: 'start', clients: p.clients, warmupMs: p.warmupMs, durationMs: p.durationMs, burst: p.burst, size: p.size, highWater: p.highWater });
    const sent = await server.next('sent', p.warmupMs + p.durationMs + 60_000);
    for (const f of fleets) f.send({ type: 'expect', perConn: sent.perConn, timeoutMs: 30_000 });
    const done = await Promise.all(fleets.map((f) => f.next('done', 60_000)));
    const incomplete = done.reduce((k, d) => k + d.incomplete, 0);
    const lastAbs = Math.max(...done.map((d) => d.lastAbs));
    const deliveries = sent.measured * p.clients;
    const elapsedMs = lastAbs - sent.t0Abs;
    if (incomplete > 0 || sent.problems > 0) {
      throw new Error(`${incomplete} clients missed messages (got ${done.reduce((k, d) => k + d.received, 0)} of ${sent.perConn * p.clients}); server reported ${sent.problems} problems`);
    }
    return {
      deliveries,
      elapsedMs,
      deliveriesPerSec: (deliveries / elapsedMs) * 1000,
      sendMs: sent.sendMs,
      messagesPerClient: sent.measured,
      // Server CPU per delivery while sending (the deliveries still in flight at the end are few).
      serverCpuUsPerDelivery: (sent.cpuMs * 1000) / deliveries,
    };
  } finally {
    await stopAll(procs);
  }
}

/**
 * Opens `n` connections from the fleets in batches of `batch`, each batch split across the fleet
 * processes, and waits after each until the server holds them all. Clients see `connect` as soon
 * as the kernel finished the handshake, before the server accepted: without the wait a fast
 * client overflows the listen backlog, the kernel drops SYNs, and the time measured becomes the
 * 1 s SYN retransmission timer. A batch stays below the backlog (511).
 */
async function openBatched(server, fleets, n, batch, timeoutMs) {
  let done = 0;
  let tAbs;
  while (done < n) {
    const b = Math.min(batch, n - done);
    const per = Math.ceil(b / fleets.length);
    const parts = fleets.map((_, i) => Math.max(0, Math.min(per, b - i * per)));
    parts.forEach((k, i) => k > 0 && fleets[i].send({ type: 'cmd', op: 'open', n: k }));
    const opened = await Promise.all(parts.map((k, i) => (k > 0 ? fleets[i].next('opened', timeoutMs) : { n: 0, errors: [] })));
    const got = opened.reduce((a, o) => a + o.n, 0);
    if (got < b) throw new Error(`only ${done + got} of ${n} connections opened: ${[...new Set(opened.flatMap((o) => o.errors))].join(', ')}`);
    done += got;
    server.send({ type: 'cmd', op: 'wait', n: done, timeoutMs });
    const r = await server.next('reached', timeoutMs + 5000);
    if (r.count < done) throw new Error(`the server holds ${r.count} connections, the clients opened ${done}`);
    tAbs = r.tAbs;
  }
  return tAbs;
}

async function launchFleets(ready, n, procs, count) {
  const per = Math.ceil(n / procs);
  const fleets = [];
  for (let left = n; left > 0; left -= per) fleets.push(launch({ role: 'conn-clients', url: ready.url, kind: ready.kind }, { fds: Math.min(per, left) }));
  await Promise.all(fleets.map((f) => f.next('ready', 30_000)));
  return fleets;
}

async function connectionsRun(impl, p) {
  const procs = [];
  try {
    const server = launch({ role: 'conn-server', impl }, { gc: true, fds: p.n });
    procs.push(server);
    const ready = await server.next('ready', 30_000);
    const fleets = await launchFleets(ready, p.n, p.clientProcs);
    procs.push(...fleets);
    const tGo = absNow();
    const tAll = await openBatched(server, fleets, p.n, p.batch, p.timeoutMs);
    server.send({ type: 'cmd', op: 'measure' });
    const idle = await server.next('memory', 30_000);
    // Then every connection sends one 16-byte message and waits for its echo: what a connection
    // that has talked keeps (buffers kept for reuse) shows up here.
    for (const f of fleets) f.send({ type: 'cmd', op: 'echo', timeoutMs: 30_000 });
    const echoed = await Promise.all(fleets.map((f) => f.next('echoed', 40_000)));
    const missing = echoed.reduce((k, e) => k + e.missing, 0);
    if (missing > 0) throw new Error(`${missing} connections got no echo`);
    const firstMs = echoed.flatMap((e) => e.firstMs).sort((a, b) => a - b);
    const pct = (q) => firstMs[Math.min(firstMs.length - 1, Math.floor(q * firstMs.length))];
    server.send({ type: 'cmd', op: 'measure' });
    const talked = await server.next('memory', 30_000);
    const before = ready.before;
    const per = (m, k) => (m[k] - before[k]) / idle.count;
    return {
      count: idle.count,
      target: p.n,
      acceptMs: tAll - tGo,
      acceptsPerSec: (p.n / (tAll - tGo)) * 1000,
      heapPerConn: per(idle.mem, 'heapUsed'),
      rssPerConn: per(idle.mem, 'rss'),
      externalPerConn: per(idle.mem, 'external'),
      newSpacePerConn: per(idle.mem, 'newSpace'),
      oldSpacePerConn: per(idle.mem, 'oldSpace'),
      heapPerConnAfterEcho: per(talked.mem, 'heapUsed'),
      rssPerConnAfterEcho: per(talked.mem, 'rss'),
      externalPerConnAfterEcho: per(talked.mem, 'external'),
      firstMsgP50Ms: pct(0.5),
      firstMsgP99Ms: pct(0.99),
      firstMsgAllMs: firstMs[firstMs.length - 1],
      clientProcs: fleets.length,
      gc: ready.gc,
    };
  } finally {
    await stopAll(procs);
  }
}

async function idleRun(impl, p) {
  const procs = [];
  try {
    // --no-memory-reducer: V8 otherwise runs a few full GCs in the 10-30 s after any burst of
    // allocation (here: accepting the connections), which is the setup's cost, not idling.
    const server = launch({ role: 'idle-server', impl }, { gc: true, fds: p.n, v8: ['--no-memory-reducer'] });
    procs.push(server);
    const ready = await server.next('ready', 30_000);
    const fleets = await launchFleets(ready, p.n, 1);
    procs.push(...fleets);
    server.send({ type: 'start', n: p.n, idleMs: p.idleMs, settleMs: p.settleMs });
    // The idle server answers `wait` too, while it waits for its connections.
    await openBatched(server, fleets, p.n, p.batch, 60_000);
    return await server.next('result', p.idleMs + 60_000);
  } finally {
    await stopAll(procs);
  }
}

// ------------------------------------------------------------------ a quiet machine

/** Jiffies of all CPUs from /proc/stat (Linux), or undefined elsewhere. */
function cpuTimes() {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: v[3] + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** Share of the machine's CPU time used by anything (our workers are stopped at this point), in %. */
async function busyPercent(ms) {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return undefined;
  return 100 * (1 - (b.idle - a.idle) / (b.total - a.total));
}

/**
 * Other programs on the machine (a test suite) skew any measurement. Before each run, wait up to
 * `maxWaitMs` for the machine to be quiet (at most `threshold` % busy over 250 ms); what was seen
 * is recorded with the result either way.
 */
async function waitForQuiet(threshold, maxWaitMs) {
  const t0 = Date.now();
  let busy;
  for (;;) {
    busy = await busyPercent(250);
    if (busy === undefined || busy <= threshold || Date.now() - t0 >= maxWaitMs) break;
  }
  return { busyPct: busy === undefined ? undefined : +busy.toFixed(1), waitedMs: Date.now() - t0 };
}

// ------------------------------------------------------------------ the plan

/** The servers of the client-rtt scenario, by echo implementation. */
const CLIENT_RTT_SERVERS = { 'ws-text': 'ws', 'sb-ws-text': 'Switchboard (default codec)' };

const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);

function plan() {
  const jobs = [];
  const want = (s) => !only || only.includes(s);
  if (want('pingpong')) {
    const c = config.pingpong;
    const ids = IMPLS.pingpong.map(([id]) => id);
    for (let r = 0; r < c.runs; r++) {
      for (const impl of rotate(ids, r)) {
        jobs.push({ scenario: 'pingpong', key: `W=1 ${sizeLabel(c.size)}`, impl, run: r, go: () => echoRun(impl, { window: 1, size: c.size, warmupMs: c.warmupMs, durationMs: c.durationMs, latency: true }) });
      }
    }
  }
  if (want('client-rtt')) {
    const c = config['client-rtt'];
    const ids = IMPLS['client-rtt'].map(([id]) => id);
    for (const serverImpl of c.servers) {
      const key = `${sizeLabel(c.size)} text to the ${CLIENT_RTT_SERVERS[serverImpl]} server`; // no comma: --cases splits on it
      for (let r = 0; r < c.runs; r++) {
        for (const impl of rotate(ids, r)) {
          jobs.push({ scenario: 'client-rtt', key, impl, run: r, go: () => echoRun(impl, { serverImpl, window: 1, size: c.size, coldCount: c.coldCount, warmupMs: c.warmupMs, durationMs: c.durationMs, latency: true }) });
        }
      }
    }
  }
  if (want('latency')) {
    const c = config.latency;
    const ids = IMPLS.latency.map(([id]) => id);
    for (const size of c.sizes) {
      for (let r = 0; r < c.runs; r++) {
        for (const impl of rotate(ids, r)) {
          jobs.push({ scenario: 'latency', key: `W=1 ${sizeLabel(size)}`, impl, run: r, go: () => echoRun(impl, { window: 1, size, warmupMs: c.warmupMs, durationMs: c.durationMs, latency: true }) });
        }
      }
    }
  }
  if (want('burst')) {
    const c = config.burst;
    const ids = IMPLS.burst.map(([id]) => id);
    for (let r = 0; r < c.runs; r++) {
      for (const impl of rotate(ids, r)) jobs.push({ scenario: 'burst', key: `${c.count} x ${sizeLabel(c.size)}`, impl, run: r, go: () => burstRun(impl, c) });
    }
  }
  if (want('pipelined')) {
    const c = config.pipelined;
    const ids = IMPLS.pipelined.map(([id]) => id);
    for (const W of c.windows) {
      for (const size of c.sizes) {
        for (let r = 0; r < c.runs; r++) {
          for (const impl of rotate(ids, r)) {
            const window = c.maxInFlight ? Math.max(1, Math.min(W, Math.floor(c.maxInFlight / size))) : W;
            jobs.push({ scenario: 'pipelined', key: `W=${W} ${sizeLabel(size)}`, impl, run: r, go: () => echoRun(impl, { window, size, warmupMs: c.warmupMs, durationMs: c.durationMs }) });
          }
        }
      }
    }
  }
  if (want('sessions')) {
    const c = config.sessions;
    const ids = IMPLS.sessions.map(([id]) => id);
    for (const size of c.sizes) {
      for (let r = 0; r < c.runs; r++) {
        for (const impl of rotate(ids, r)) {
          jobs.push({ scenario: 'sessions', key: `W=${c.window} ${sizeLabel(size)}`, impl, run: r, go: () => echoRun(impl, { window: c.window, size, ballastMB: c.ballastMB, warmupMs: c.warmupMs, durationMs: c.durationMs }) });
        }
      }
    }
  }
  if (want('diagnostics')) {
    const c = config.diagnostics;
    const ids = IMPLS.diagnostics.map(([id]) => id);
    for (let r = 0; r < c.runs; r++) {
      for (const impl of rotate(ids, r)) {
        jobs.push({ scenario: 'diagnostics', key: `W=${c.window} ${sizeLabel(c.size)}`, impl, run: r, go: () => echoRun(impl, { window: c.window, size: c.size, warmupMs: c.warmupMs, durationMs: c.durationMs }) });
      }
    }
  }
  if (want('broadcast')) {
    const c = config.broadcast;
    const ids = IMPLS.broadcast.map(([id]) => id);
    for (let r = 0; r < c.runs; r++) {
      for (const impl of rotate(ids, r)) jobs.push({ scenario: 'broadcast', key: `${c.clients} clients`, impl, run: r, go: () => broadcastRun(impl, c) });
    }
  }
  if (want('connections')) {
    const c = config.connections;
    const need = c.n + 256;
    if (need > fdHard) {
      const n = Math.max(100, fdHard - 512);
      config.connections.limitedBy = `the hard fd limit (ulimit -Hn) is ${fdHard}: the server could hold at most ${n} connections, not ${c.n}`;
      c.n = n;
    }
    const ids = IMPLS.connections.map(([id]) => id);
    for (let r = 0; r < c.runs; r++) {
      for (const impl of rotate(ids, r)) jobs.push({ scenario: 'connections', key: `${c.n} connections`, impl, run: r, go: () => connectionsRun(impl, c) });
    }
  }
  if (want('idle')) {
    const c = config.idle;
    const ids = IMPLS.idle.map(([id]) => id);
    for (let r = 0; r < c.runs; r++) {
      for (const impl of rotate(ids, r)) jobs.push({ scenario: 'idle', key: `${c.n} idle connections, ${c.idleMs / 1000} s`, impl, run: r, go: () => idleRun(impl, c) });
    }
  }
  return jobs.filter((j) => (!onlyImpls || onlyImpls.includes(j.impl)) && (!onlyCases || onlyCases.includes(j.key)));
}

// ------------------------------------------------------------------ main

const started = new Date();
const startLoad = os.loadavg().map((x) => +x.toFixed(2));
const jobs = plan();
// The diagnostics scenario's baseline: this build without its guarded publish lines.
let strippedLines = 0;
if (jobs.some((j) => j.scenario === 'diagnostics')) {
  strippedLines = stripDiagnostics(join(here, '..', 'dist'), NODIAG_DIST);
  if (strippedLines === 0) {
    console.error('bench: found no guarded publish line to strip from dist/endpoint: the diagnostics baseline would equal the build');
    process.exit(1);
  }
}
const results = {}; // scenario -> key -> impl -> { runs: [] }
const errors = [];

const progress = new cliProgress.SingleBar(
  {
    format: 'bench {bar} {value}/{total} runs | {duration_formatted} | ETA {eta_formatted} | {job}',
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: !flag('--no-progress'),
    notTTYSchedule: 10_000,
    etaBuffer: 30,
    fps: 5,
  },
  cliProgress.Presets.shades_classic,
);
const useBar = !flag('--no-progress');
if (useBar) progress.start(jobs.length, 0, { job: 'starting' });
else console.error(`bench: ${jobs.length} runs`);

for (const [i, job] of jobs.entries()) {
  const label = `${job.scenario} ${job.key} ${job.impl} #${job.run + 1}`;
  if (useBar) progress.update(i, { job: label });
  else console.error(`[${i + 1}/${jobs.length}] ${label}`);
  const quiet = quick ? { busyPct: undefined, waitedMs: 0 } : await waitForQuiet(QUIET_THRESHOLD, QUIET_MAX_WAIT_MS);
  const loadavg = os.loadavg().map((x) => +x.toFixed(2));
  const t0 = Date.now();
  let r;
  try {
    r = { ...(await job.go()), loadavg, machineBusyPct: quiet.busyPct, waitedForQuietMs: quiet.waitedMs, wallMs: Date.now() - t0 };
  } catch (e) {
    r = { error: e.message, loadavg, machineBusyPct: quiet.busyPct, waitedForQuietMs: quiet.waitedMs, wallMs: Date.now() - t0 };
    errors.push({ scenario: job.scenario, key: job.key, impl: job.impl, run: job.run, error: e.message });
    if (useBar) progress.update(i, { job: `FAILED ${label}` });
    else console.error(`  FAILED: ${e.message}`);
  }
  (((results[job.scenario] ??= {})[job.key] ??= {})[job.impl] ??= { runs: [] }).runs.push(r);
}
if (useBar) {
  progress.update(jobs.length, { job: 'done' });
  progress.stop();
}

// Medians of every numeric field over the runs that did not fail.
for (const byKey of Object.values(results)) {
  for (const byImpl of Object.values(byKey)) {
    for (const entry of Object.values(byImpl)) {
      const ok = entry.runs.filter((r) => !r.error);
      const m = {};
      for (const k of Object.keys(ok[0] ?? {})) {
        if (typeof ok[0][k] === 'number' && k !== 'loadavg') m[k] = median(ok.map((r) => r[k]));
      }
      entry.median = m;
      entry.ok = ok.length;
    }
  }
}

// ws-nobu and sb-ws-js must not have loaded bufferutil, ws and ws-cork must have: otherwise the comparison is void.
for (const byImpl of Object.values(results.pipelined ?? {})) {
  for (const id of ['ws', 'ws-cork']) for (const r of byImpl[id]?.runs ?? []) if (!r.error && !r.bufferutil) errors.push({ scenario: 'pipelined', impl: id, error: `${id} ran without bufferutil` });
  for (const r of byImpl['ws-nobu']?.runs ?? []) if (!r.error && (r.bufferutil || r.serverBufferutil)) errors.push({ scenario: 'pipelined', impl: 'ws-nobu', error: 'WS_NO_BUFFER_UTIL did not keep bufferutil out' });
  for (const r of byImpl['sb-ws-js']?.runs ?? []) if (!r.error && (r.bufferutil || r.serverBufferutil)) errors.push({ scenario: 'pipelined', impl: 'sb-ws-js', error: 'SWITCHBOARD_NO_BUFFERUTIL did not keep bufferutil out' });
}

const finished = new Date();
const report = {
  version: 1,
  mode: quick ? 'quick' : 'full',
  startedAt: started.toISOString(),
  finishedAt: finished.toISOString(),
  durationS: Math.round((finished - started) / 1000),
  machine: machine(),
  config,
  impls: IMPLS,
  results,
  errors,
  skipped,
  ...(uwsLoad.uws && { uws: uwsLoad.version }),
  ...(strippedLines > 0 && { diagnosticsStrippedLines: strippedLines }),
};
report.machine.loadavgAtEnd = report.machine.loadavg;
delete report.machine.loadavg;
report.machine.loadavgAtStart = startLoad;
{
  const all = Object.values(results).flatMap((byKey) => Object.values(byKey).flatMap((byImpl) => Object.values(byImpl).flatMap((e) => e.runs)));
  const busy = all.map((r) => r.machineBusyPct).filter(Number.isFinite);
  report.noise = quick
    ? undefined
    : {
        threshold: QUIET_THRESHOLD,
        maxWaitS: QUIET_MAX_WAIT_MS / 1000,
        runs: all.length,
        busyRuns: busy.filter((b) => b > QUIET_THRESHOLD).length,
        medianBusyPct: median(busy),
        waitedS: Math.round(all.reduce((k, r) => k + (r.waitedForQuietMs ?? 0), 0) / 1000),
      };
}
report.targets = evaluateTargets(report);

mkdirSync(RESULTS, { recursive: true });
const md = renderMarkdown(report);
// A smoke run must not replace the last real measurement.
const partial = Boolean(process.env.BENCH_DIST_B || only || onlyImpls || onlyCases || runsOverride || value('--connections') || value('--idle-settle'));
const base = quick ? 'quick' : partial ? 'partial' : 'latest';
writeAtomic(join(RESULTS, `${base}.json`), JSON.stringify(report, null, 2) + '\n');
writeAtomic(join(RESULTS, `${base}.md`), `# Switchboard benchmark results\n\n${md}`);
console.log(md);
console.log(`wrote bench/results/${base}.json and ${base}.md in ${report.durationS} s`);
// A failure of the third-party uWebSockets.js baseline is reported (in the report's problems and
// here) but does not fail the run: the exit code says whether our scenarios and baselines ran.
// (uws-js-unofficial 20.30.0 corrupts its stream when it echoes 16 KiB messages under
// backpressure: both ws's and Switchboard's clients then read an invalid frame.)
const ours = errors.filter((e) => e.impl !== 'uws');
if (errors.length > 0) {
  console.error(`bench: ${errors.length} problem(s)${ours.length < errors.length ? `, ${errors.length - ours.length} of the uWebSockets.js baseline (reported, not failing the run)` : ''}:`);
  for (const e of errors) console.error(`  ${e.scenario} ${e.key ?? ''} ${e.impl}: ${e.error}`);
  if (ours.length > 0) process.exitCode = 1;
}

function writeAtomic(path, text) {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

#!/usr/bin/env node
// `npm run bench:cluster`: cross-node room broadcast, Switchboard on NATS against socket.io with
// @socket.io/redis-adapter on redis-server, in the same run. NODES server processes, each with
// CLIENTS WebSocket clients (in one client process per node) in one room; a publisher (the first
// client of node 0) sends messages that its node relays to the room on every node.
//
//   burst:  MESSAGES messages as fast as the publisher can send (20 per event-loop turn);
//           deliveries/s = deliveries / (time from the first send to the last delivery)
//   paced:  one message every 50 ms for 2 s; latency from send to each delivery (p50/p99)
//   NATS bytes per delivery: the NATS server's in+out bytes over the burst / deliveries
//
//   npm run bench:cluster                 3 nodes x 300 clients, 2000 messages, 3 runs
//   npm run bench:cluster -- --quick      3 nodes x 20 clients, 100 messages, 1 run (smoke)
// Needs nats-server and redis-server (Debian packages) and the devDependencies socket.io,
// socket.io-client, @socket.io/redis-adapter, redis. Writes bench/results/cluster.json and .md.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, sleep } from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name, d) => {
  const i = argv.indexOf(name);
  return i < 0 ? d : Number(argv[i + 1]);
};
const NODES = opt('--nodes', 3);
const CLIENTS = opt('--clients', quick ? 20 : 300);
const MESSAGES = opt('--messages', quick ? 100 : 2000);
const RUNS = opt('--runs', quick ? 1 : 3);
const SIZE = 64;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

async function waitPort(port, proc, what) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    await sleep(25);
  }
  throw new Error(`${what} did not listen on ${port}`);
}

function child(args) {
  const p = fork(join(here, 'cluster-worker.mjs'), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = [];
  p.on('message', (m) => waiters.shift()?.(m));
  p.ask = (m) => new Promise((resolve) => (waiters.push(resolve), m && p.send(m)));
  return p;
}

const pct = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

async function natsBytes(httpPort) {
  const v = await (await fetch(`http://127.0.0.1:${httpPort}/varz`)).json();
  return v.in_bytes + v.out_bytes;
}

async function runImpl(impl) {
  const port = await freePort();
  const httpPort = await freePort();
  const broker =
    impl === 'sb'
      ? spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-m', String(httpPort)], { stdio: 'ignore' })
      : spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const procs = [broker];
  try {
    await waitPort(port, broker, impl === 'sb' ? 'nats-server' : 'redis-server');
    const url = impl === 'sb' ? `nats://127.0.0.1:${port}` : `redis://127.0.0.1:${port}`;
    const nodes = [];
    for (let i = 0; i < NODES; i++) {
      const p = child(['node', impl, url, String(i)]);
      procs.push(p);
      nodes.push((await p.ask()).url);
    }
    const clients = [];
    for (let i = 0; i < NODES; i++) {
      const p = child(['clients', impl, url, nodes[i], String(CLIENTS)]);
      procs.push(p);
      await p.ask();
      clients.push(p);
    }
    const total = async () => (await Promise.all(clients.map((c) => c.ask({ cmd: 'count' })))).reduce((a, m) => a + m.count, 0);
    const report = async (latencies) => {
      const r = await Promise.all(clients.map((c) => c.ask({ cmd: 'report', latencies })));
      return { got: r.reduce((a, m) => a + m.got, 0), lat: r.flatMap((m) => m.lat).sort((a, b) => a - b) };
    };
    const waitFor = async (expected, ms) => {
      const end = Date.now() + ms;
      let n = 0;
      while ((n = await total()) < expected && Date.now() < end) await sleep(20);
      return n;
    };
    const members = NODES * CLIENTS;
    // Warm-up: until every client gets messages (joins and subscriptions settled).
    await sleep(500);
    await clients[0].ask({ cmd: 'publish', count: 20, perTick: 1, size: SIZE });
    await waitFor(20 * members, 20_000);
    await report(false);

    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const before = impl === 'sb' ? await natsBytes(httpPort) : 0;
      const t0 = performance.now();
      await clients[0].ask({ cmd: 'publish', count: MESSAGES, perTick: 20, size: SIZE });
      const got = await waitFor(MESSAGES * members, 120_000);
      const secs = (performance.now() - t0) / 1000;
      const burst = await report(true);
      const after = impl === 'sb' ? await natsBytes(httpPort) : 0;
      const paced = MESSAGES > 0 ? await pacedRun(clients, members, waitFor, report) : undefined;
      runs.push({
        deliveries: got,
        expected: MESSAGES * members,
        perSec: got / secs,
        burstP50: pct(burst.lat, 0.5),
        burstP99: pct(burst.lat, 0.99),
        pacedP50: paced ? pct(paced.lat, 0.5) : NaN,
        pacedP99: paced ? pct(paced.lat, 0.99) : NaN,
        natsBytesPerDelivery: impl === 'sb' ? (after - before) / got : undefined,
      });
    }
    for (const c of clients) c.send({ cmd: 'close' });
    return runs;
  } finally {
    await sleep(200);
    for (const p of procs) p.kill('SIGKILL');
  }
}

async function pacedRun(clients, members, waitFor, report) {
  const count = quick ? 10 : 40;
  await clients[0].ask({ cmd: 'publish', count, intervalMs: 50, size: SIZE });
  await waitFor(count * members, 30_000);
  return report(true);
}

const results = {};
for (const impl of ['sb', 'sio']) {
  process.stderr.write(`cluster bench: ${impl}, ${NODES} nodes x ${CLIENTS} clients, ${MESSAGES} messages x ${RUNS} runs\n`);
  results[impl] = await runImpl(impl);
}
const med = (impl, k) => median(results[impl].map((r) => r[k]));
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const lines = [
  `# Cluster room broadcast: ${NODES} nodes x ${CLIENTS} clients, ${SIZE}-byte messages`,
  '',
  `Medians of ${RUNS} run(s); ${quick ? 'QUICK smoke run, not a measurement' : 'full run'}. Same machine, same run.`,
  '',
  '| implementation | deliveries/s (burst) | burst p50 ms | burst p99 ms | paced p50 ms | paced p99 ms | delivered/expected | NATS bytes per delivery |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const [impl, label] of [
  ['sb', 'Switchboard + NATS'],
  ['sio', 'socket.io + @socket.io/redis-adapter'],
]) {
  const last = results[impl].at(-1);
  lines.push(
    `| ${label} | ${f(med(impl, 'perSec'))} | ${f(med(impl, 'burstP50'), 1)} | ${f(med(impl, 'burstP99'), 1)} | ${f(med(impl, 'pacedP50'), 2)} | ${f(med(impl, 'pacedP99'), 2)} | ${last.deliveries}/${last.expected} | ${impl === 'sb' ? f(med(impl, 'natsBytesPerDelivery'), 1) : '-'} |`,
  );
}
lines.push('', `Ratio deliveries/s Switchboard / socket.io: ${f(med('sb', 'perSec') / med('sio', 'perSec'), 2)}x`);
const md = lines.join('\n') + '\n';
process.stdout.write(md);
mkdirSync(join(here, 'results'), { recursive: true });
const name = quick ? 'cluster-quick' : 'cluster';
writeFileSync(join(here, 'results', `${name}.json`), JSON.stringify({ nodes: NODES, clients: CLIENTS, messages: MESSAGES, runs: RUNS, results }, null, 2));
writeFileSync(join(here, 'results', `${name}.md`), md);
process.exit(0);

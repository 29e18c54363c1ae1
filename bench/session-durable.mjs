// What durable sessions cost (docs/sessions.md "Durable sessions"): one node, one nats-server with
// JetStream, N permanent clients with sessions, in one process. Three servers in the same run:
//   memory   no store (sessions in this process only)
//   store    session.store = natsSessionStore (snapshots put on detach only: nothing per message)
//   durable  session.store + durable: true (every envelope logged in NATS before the wire)
// Two directions: the server's application sends M messages to each client as fast as the
// session caps let it (down), and each client sends M messages to the server (up).
//
//     npm run build && node bench/session-durable.mjs [--clients 1] [--messages 20000] [--size 64] [--rounds 1]
//
// Reports msgs/s per direction and mode, log writes and NATS bytes per message for durable, and
// CPU time of this process per message. Needs nats-server (Debian's) on PATH.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { listen, natsBroker, natsSessionStore, pauseSchedule, permanentClient } from '../dist/index.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--clients', 1);
const M = arg('--messages', 20_000);
const SIZE = arg('--size', 64);
const ROUNDS = arg('--rounds', 1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const payload = 'x'.repeat(SIZE);

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function natsBytes(monitor) {
  const r = await fetch(`http://127.0.0.1:${monitor}/varz`);
  const v = await r.json();
  return v.in_bytes + v.out_bytes;
}

const dir = mkdtempSync(join(tmpdir(), 'sb-durable-bench-'));
const natsPort = await freePort();
const monitor = await freePort();
const nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-m', String(monitor), '-js', '-sd', dir], { stdio: 'ignore' });
let bucketSeq = 0;
try {
  await sleep(500);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;

  async function run(mode) {
    let broker;
    let store;
    if (mode !== 'memory') {
      broker = await natsBroker({ servers: natsUrl });
      store = await natsSessionStore(broker, { bucket: `bench_${process.pid}_${++bucketSeq}` });
    }
    let up = 0;
    const server = await listen('tcp://127.0.0.1:0', {
      session: { ...(store && { store }), ...(mode === 'durable' && { durable: true }), onMessage: () => void up++, onRequest: (_s, m) => m },
    });
    const got = new Array(N).fill(0);
    const clients = [];
    for (let i = 0; i < N; i++) {
      clients.push(permanentClient(server.url, { backoff: pauseSchedule([20]), session: { onMessage: () => void got[i]++ } }));
    }
    await waitFor(() => clients.every((c) => c.connected), 30_000, 'every client connected');
    const sessions = [...server.sessions.values()];
    // Down: the server's application sends M to each client, at most half the cap unacknowledged.
    const b0 = broker ? await natsBytes(monitor) : 0;
    const w0 = server.storeCounters.logWrites;
    let cpu = process.cpuUsage();
    let t0 = performance.now();
    const sent = new Array(N).fill(0);
    while (sent.some((s) => s < M)) {
      for (let i = 0; i < N; i++) {
        const s = sessions[i];
        let k = 0;
        while (sent[i] < M && k < 256 && s.unacked < 2048) {
          s.send({ p: payload });
          sent[i]++;
          k++;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => got.every((g) => g === M), 120_000, 'every message at the clients');
    const downMs = performance.now() - t0;
    const downCpu = process.cpuUsage(cpu);
    const downWrites = server.storeCounters.logWrites - w0;
    const downBytes = broker ? (await natsBytes(monitor)) - b0 : 0;
    // Up: each client sends M.
    const b1 = broker ? await natsBytes(monitor) : 0;
    const w1 = server.storeCounters.logWrites;
    cpu = process.cpuUsage();
    t0 = performance.now();
    const upSent = new Array(N).fill(0);
    while (upSent.some((s) => s < M)) {
      for (let i = 0; i < N; i++) {
        const c = clients[i];
        let k = 0;
        while (upSent[i] < M && k < 256 && c.session.unacked < 2048) {
          c.send({ p: payload });
          upSent[i]++;
          k++;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => up === N * M, 120_000, 'every message at the server');
    const upMs = performance.now() - t0;
    const upCpu = process.cpuUsage(cpu);
    const upWrites = server.storeCounters.logWrites - w1;
    const upBytes = broker ? (await natsBytes(monitor)) - b1 : 0;
    // Latency: one request at a time from client 0, answered by the server's application.
    const rtts = [];
    for (let k = 0; k < 1000; k++) {
      const t = performance.now();
      await clients[0].request({ k });
      rtts.push(performance.now() - t);
    }
    rtts.sort((x, y) => x - y);
    const p = (q) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))].toFixed(2);
    for (const c of clients) await c.close();
    await server.close({ endSessions: true });
    await broker?.close();
    const total = N * M;
    const us = (c) => ((c.user + c.system) / total).toFixed(1);
    return {
      rtt: `request round trip p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
      down: `${Math.round(total / (downMs / 1000))} msg/s, ${us(downCpu)} us CPU/msg${mode === 'durable' ? `, ${(total / Math.max(1, downWrites)).toFixed(1)} msgs per log write` : ''}${broker ? `, ${(downBytes / total).toFixed(0)} NATS bytes/msg` : ''}`,
      up: `${Math.round(total / (upMs / 1000))} msg/s, ${us(upCpu)} us CPU/msg${mode === 'durable' ? `, ${(total / Math.max(1, upWrites)).toFixed(1)} msgs per log write` : ''}${broker ? `, ${(upBytes / total).toFixed(0)} NATS bytes/msg` : ''}`,
    };
  }

  console.log(`${N} client(s) x ${M} messages of ${SIZE} bytes each way, one node, nats-server with JetStream; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of (process.env.BENCH_MODES ?? 'memory,store,durable').split(',')) {
      const res = await run(mode);
      console.log(`${mode.padEnd(8)} down (server to client): ${res.down}`);
      console.log(`${mode.padEnd(8)} up   (client to server): ${res.up}`);
      console.log(`${mode.padEnd(8)} ${res.rtt}`);
    }
  }
} finally {
  nats.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

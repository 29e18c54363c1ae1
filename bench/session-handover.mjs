// Sessions handed over between two nodes through a NATS key-value session store (docs/sessions.md
// "Resuming on another node"): N permanent clients with sessions on node A, each with Q messages
// A queued while it was away; A is drained (`close()`: every session detached and put in NATS);
// the clients' proxy is switched to node B, where every session resumes (get, claim, restore).
//
//     npm run build && node bench/session-handover.mjs [--clients 200] [--queued 10]
//
// Reports the drain time (A's close()), the time until every client resumed on B, puts per
// session, and, for comparison in the same run, the same N clients resuming on A itself (the
// in-memory path, no store). Needs nats-server (Debian's) on PATH.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, natsBroker, natsSessionStore, pauseSchedule, permanentClient } from '../dist/index.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--clients', 200);
const Q = arg('--queued', 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
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

/** A proxy whose target can be switched; `cut()` destroys every pair. */
async function proxy(target) {
  const pairs = new Set();
  const server = net.createServer((c) => {
    const u = net.connect(target, '127.0.0.1');
    const pair = [c, u];
    pairs.add(pair);
    for (const s of pair) {
      s.on('error', () => {});
      s.on('close', () => {
        pairs.delete(pair);
        c.destroy();
        u.destroy();
      });
    }
    c.pipe(u);
    u.pipe(c);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `tcp://127.0.0.1:${server.address().port}`,
    retarget: (p) => (target = p),
    cut: () => {
      for (const [c, u] of [...pairs]) {
        c.destroy();
        u.destroy();
      }
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'sb-handover-'));
const natsPort = await freePort();
const nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', dir], { stdio: 'ignore' });
try {
  await sleep(500);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;

  async function run(useStore) {
    const brokers = [];
    const mk = async () => {
      let store;
      if (useStore) {
        const broker = await natsBroker({ servers: natsUrl });
        brokers.push(broker);
        store = await natsSessionStore(broker, { bucket: `handover_${process.pid}` });
      }
      return listen('tcp://127.0.0.1:0', { session: { ...(store && { store }), onMessage: () => {} } });
    };
    const a = await mk();
    const b = useStore ? await mk() : undefined;
    const px = await proxy(a.address.port);
    const opens = new Map();
    const got = new Map();
    const clients = [];
    for (let i = 0; i < N; i++) {
      const c = permanentClient(px.url, {
        backoff: pauseSchedule([20]),
        session: {
          onOpen: (s, info) => opens.set(i, [...(opens.get(i) ?? []), info.resumed]),
          onMessage: () => got.set(i, (got.get(i) ?? 0) + 1),
        },
      });
      clients.push(c);
    }
    await waitFor(() => clients.every((c) => c.connected), 30_000, 'every client on A');
    // Every client away; A queues Q messages for each.
    const dead = await freePort();
    px.retarget(dead);
    px.cut();
    await waitFor(() => [...a.sessions.values()].every((s) => s.state === 'detached'), 30_000, 'all detached');
    for (const s of a.sessions.values()) for (let k = 0; k < Q; k++) s.send({ k });
    let drainMs = 0;
    if (useStore) {
      const t0 = performance.now();
      await a.close();
      drainMs = performance.now() - t0;
      px.retarget(b.address.port);
    } else {
      px.retarget(a.address.port);
    }
    const t1 = performance.now();
    await waitFor(() => clients.every((_, i) => (opens.get(i) ?? []).length === 2 && (got.get(i) ?? 0) === Q), 60_000, 'every client resumed with its queued messages');
    const resumeMs = performance.now() - t1;
    const resumed = [...opens.values()].filter((o) => o[1] === true).length;
    const puts = useStore ? a.storeCounters.puts : 0;
    for (const c of clients) await c.close();
    await px.close();
    await a.close();
    await b?.close();
    for (const br of brokers) await br.close();
    return { drainMs, resumeMs, resumed, puts };
  }

  const local = await run(false);
  const shared = await run(true);
  console.log(`${N} clients, ${Q} messages queued for each while away`);
  console.log(`in memory, resume on the same node: all resumed in ${local.resumeMs.toFixed(0)} ms (resumed: true for ${local.resumed}/${N})`);
  console.log(`NATS KV, drain A: close() took ${shared.drainMs.toFixed(0)} ms (${shared.puts} puts, ${(shared.puts / N).toFixed(2)} per session); all resumed on B in ${shared.resumeMs.toFixed(0)} ms (resumed: true for ${shared.resumed}/${N})`);
} finally {
  nats.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Durable sessions (`session: { store, durable: true }`), for real: a JetStream nats-server, two
 * session servers in child processes (test/fixtures/session-node.ts) sharing a natsSessionStore,
 * and a permanent client reaching them through a TCP proxy whose target is switched from node A
 * to node B. docs/sessions.md "Durable sessions", docs/cluster.md guarantees "A Switchboard node
 * is killed".
 */
import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, natsBroker, natsSessionStore, pauseSchedule, permanentClient, snapshotFromLog, type MessageInfo, type SessionClient, type SessionOpenInfo, type SessionServer } from '../../src/index.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { sleep, waitFor, within, WAIT_MS } from '../helpers/net.js';
import { natsServer, natsSkip, type NatsServer } from './nats.js';
import { NodeProc } from './node-proc.js';

type Msg = { n: number };

/** The fixture's arguments for a durable session server. */
const DURABLE = ['durable'];

/** Polls an asynchronous condition, bounded in time. */
async function waitForAsync(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describeOrSkip('cluster: durable sessions survive a SIGKILLed node (real nats-server, nodes in child processes)', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer;
  let dir: string;
  let seq = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-durable-'));
    nats = await natsServer(['-js', '-sd', join(dir, 'js')]);
  });
  after(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(extra?: string[]) {
    const bucket = `durable_${++seq}`;
    const a = await NodeProc.start(nats.url, bucket, join(dir, `${bucket}-a.jsonl`), extra ?? DURABLE);
    const b = await NodeProc.start(nats.url, bucket, join(dir, `${bucket}-b.jsonl`), extra ?? DURABLE);
    const proxy = await startCuttingProxy({ target: { port: a.port }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: Array<{ n: number; info: MessageInfo }> = [];
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, i) => void opens.push(i), onMessage: (_s, m, info) => void got.push({ n: m.n, info }) },
    });
    await waitFor(() => client.connected, WAIT_MS, 'connected to node A');
    return {
      bucket, a, b, proxy, client, opens, got,
      stop: async () => {
        await client.close();
        await proxy.close();
        await a.kill();
        await b.kill();
      },
    };
  }

  it('node A SIGKILLed while the client is attached and both directions stream 2,000 messages: resumed: true on node B, 0 lost, duplicates only flagged, in order', async () => {
    const t = await setup();
    try {
      const { a, b, proxy, client, opens, got } = t;
      const TOTAL = 2000;
      // The client sends 0..1999, 4 every 2 ms (bounded: 30 s).
      let next = 0;
      const sender = (async () => {
        const stopAt = Date.now() + 30_000;
        while (next < TOTAL && Date.now() < stopAt) {
          for (let k = 0; k < 4 && next < TOTAL; k++) {
            const st = client.send({ n: next });
            if (st === 'dropped' || st === 'closed') break;
            next++;
          }
          await sleep(2);
        }
      })();
      // A's application streams 0..1999 to the client.
      a.tell({ cmd: 'stream', from: 0, to: TOTAL });
      await waitFor(() => got.length >= 400 && a.received().length >= 400, WAIT_MS, 'traffic both ways on A');
      await a.kill(); // in the middle of both streams
      const durableAtA = a.logged();
      const gotFromA = got.length;
      assert.ok(gotFromA < TOTAL && a.received().length < TOTAL, 'A was killed mid-stream');
      proxy.retarget(b.port);
      proxy.cutAll();
      await waitFor(() => opens.length === 2, WAIT_MS, 'the session opened on B');
      assert.equal(opens[1]!.resumed, true, `resumed on B (lost: ${opens[1]!.lost?.message})`);
      assert.equal(opens[1]!.lost, undefined);
      await within(sender, 40_000, 'the client sender');
      assert.equal(next, TOTAL);
      // What A's log held reaches the client from B: everything up to A's last logged n at least.
      await waitFor(() => got.length > durableAtA, WAIT_MS, `A's logged messages up to ${durableAtA}, from B`);
      await sleep(50);
      const before = got.map((g) => g.n);
      assert.deepEqual(before, range(0, before.length), 'server to client: A\'s stream, in order, none lost, none twice');
      assert.ok(before.length - 1 >= durableAtA, `the client has ${before.length} messages, A's log held up to ${durableAtA}`);
      // B's application goes on where the client is.
      b.tell({ cmd: 'stream', from: before.length, to: TOTAL });
      await b.next('streamed', 30_000);
      await waitFor(() => got.length >= TOTAL, WAIT_MS, `all ${TOTAL} messages at the client`);
      assert.deepEqual(got.map((g) => g.n), range(0, TOTAL), 'server to client: 0 lost, 0 duplicated, in order');
      assert.ok(got.every((g) => !g.info.redelivered));
      // Client to servers.
      assert.ok(await client.acked({ timeout: WAIT_MS }), 'everything the client sent was acknowledged');
      const atA = a.received();
      const atB = b.received();
      const seenA = new Set(atA.map((r) => r.m));
      for (const r of atB) if (seenA.has(r.m)) assert.equal(r.redelivered, true, `${r.m} reached A and B, not flagged at B`);
      const all = new Set([...seenA, ...atB.map((r) => r.m)]);
      for (const m of range(0, TOTAL)) assert.ok(all.has(m), `client message ${m} lost`);
      assert.equal(all.size, TOTAL, 'nothing that was never sent');
      for (const list of [atA, atB]) {
        const ms = list.map((r) => r.m);
        assert.deepEqual(ms, range(ms[0] ?? 0, (ms[0] ?? 0) + ms.length), 'each node gets its share in order, none twice');
      }
      if (process.env['DURABLE_DEBUG']) console.error(JSON.stringify({ durableAtA, gotFromA, atA: atA.length, atB: atB.length, flaggedAtB: atB.filter((r) => r.redelivered).length, dupes: atB.filter((r) => seenA.has(r.m)).length, firstB: atB[0] }));
      const stats = await b.ask({ cmd: 'stats' }, 'stats');
      const sc = stats.storeCounters as Record<string, number>;
      assert.equal(sc['fromLog'], 1, 'B rebuilt the session from A\'s log');
      assert.ok(sc['logWrites']! > 0, 'B writes the log in turn');
    } finally {
      await t.stop();
    }
  });

  it('splits a log write over NATS\'s max_payload into parts, and a session rebuilt from parts resumes with nothing lost', async () => {
    const conf = join(dir, 'small-payload.conf');
    writeFileSync(conf, 'max_payload: 16384\n');
    const own = await natsServer(['-js', '-sd', join(dir, 'js-small'), '-c', conf]);
    const bucket = `durable_${++seq}`;
    const a = await NodeProc.start(own.url, bucket, join(dir, `${bucket}-a.jsonl`), DURABLE);
    const b = await NodeProc.start(own.url, bucket, join(dir, `${bucket}-b.jsonl`), DURABLE);
    const proxy = await startCuttingProxy({ target: { port: a.port }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: number[] = [];
    let paused = true;
    const waiting: Array<() => void> = [];
    // The client holds the first messages (no acknowledgement): the log piles up past max_payload.
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: {
        onOpen: (_s, i) => void opens.push(i),
        onMessage: (_s, m) => {
          got.push(m.n);
          if (paused) return new Promise<void>((r) => waiting.push(r));
          return undefined;
        },
      },
    });
    const broker = await natsBroker({ servers: own.url });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to node A');
      const store = await natsSessionStore(broker, { bucket });
      a.tell({ cmd: 'stream', from: 0, to: 60, pad: 1024 });
      await a.next('streamed', 30_000);
      const entries = await store.read(client.session.id);
      assert.ok(entries.some((e) => e.entry.parts > 1), `a write split in parts: ${entries.map((e) => e.entry.parts).join(',')}`);
      assert.ok(a.logged() === 59);
      await a.kill();
      // The client reads again (a paused connection would not notice the cut); its acknowledgements go nowhere.
      paused = false;
      for (const r of waiting.splice(0)) r();
      proxy.retarget(b.port);
      proxy.cutAll();
      await waitFor(() => opens.length === 2, WAIT_MS, 'the session opened on B');
      assert.equal(opens[1]!.resumed, true, `resumed on B (lost: ${opens[1]!.lost?.message})`);
      await waitFor(() => got.length >= 60 && got[got.length - 1] === 59, WAIT_MS, 'A\'s 60 messages, from B');
      assert.deepEqual(got.slice(0, 60), range(0, 60), 'in order, none lost, none twice');
      const stats = await b.ask({ cmd: 'stats' }, 'stats');
      assert.equal((stats.storeCounters as Record<string, number>)['fromLog'], 1);
    } finally {
      await client.close();
      await broker.close();
      await proxy.close();
      await a.kill();
      await b.kill();
      await own.stop();
    }
  });

  it('a durable session cut and resumed on the same node, then drained to node B: resumed: true each time, 0 lost, 0 duplicated, in order, both ways', async () => {
    const t = await setup();
    try {
      const { a, b, proxy, client, opens, got } = t;
      await a.ask({ cmd: 'send', from: 0, to: 50 }, 'sent');
      for (let n = 0; n < 50; n++) client.send({ n });
      await waitFor(() => got.length === 50 && a.received().length === 50, WAIT_MS, 'traffic both ways on A');
      // A cut: the client comes back to A (a local resume: the log goes on).
      proxy.cutAll();
      await waitFor(() => opens.length === 2 && client.connected, WAIT_MS, 'resumed on A');
      assert.equal(opens[1]!.resumed, true);
      await a.ask({ cmd: 'send', from: 50, to: 100 }, 'sent');
      for (let n = 50; n < 100; n++) client.send({ n });
      await waitFor(() => got.length === 100 && a.received().length === 100, WAIT_MS, 'more traffic on A');
      for (let n = 100; n < 150; n++) client.send({ n }); // in flight when A drains
      proxy.retarget(b.port);
      await a.ask({ cmd: 'close' }, 'closed');
      await waitFor(() => opens.length === 3, WAIT_MS, 'the session opened on B');
      assert.equal(opens[2]!.resumed, true, `resumed on B (lost: ${opens[2]!.lost?.message})`);
      await b.ask({ cmd: 'send', from: 100, to: 150 }, 'sent');
      await waitFor(() => got.length >= 150, WAIT_MS, 'B\'s messages');
      assert.ok(await client.acked({ timeout: WAIT_MS }));
      assert.deepEqual(got.map((g) => g.n), range(0, 150), 'server to client: in order, none lost, none twice');
      assert.ok(got.every((g) => !g.info.redelivered));
      const up = [...a.received(), ...b.received()];
      assert.deepEqual(up.map((r) => r.m), range(0, 150), 'client to servers: in order, none lost, none twice');
      assert.ok(up.every((r) => !r.redelivered), 'a drain flags nothing');
      const stats = await b.ask({ cmd: 'stats' }, 'stats');
      const sc = stats.storeCounters as Record<string, number>;
      assert.equal(sc['restored'], 1);
      assert.equal(sc['fromLog'], 0, 'the drain\'s snapshot, not the log');
    } finally {
      await t.stop();
    }
  });

  it('bounds the log: what it holds stays within the session\'s caps, and acknowledged entries are removed', async () => {
    const t = await setup(['durable', '64']);
    const broker = await natsBroker({ servers: nats.url });
    try {
      const { a, client, got } = t;
      const store = await natsSessionStore(broker, { bucket: t.bucket });
      const id = client.session.id;
      // A streams 1,000 (its cap is 64 unacknowledged): the log never holds more than 64 envelopes.
      a.tell({ cmd: 'stream', from: 0, to: 1000 });
      let maxHeld = 0;
      let maxEntries = 0;
      const stopAt = Date.now() + 30_000;
      while (got.length < 1000 && Date.now() < stopAt) {
        const entries = await store.read(id);
        const seqs = new Set<number>();
        let acked = 0;
        for (const e of entries) acked = Math.max(acked, e.entry.meta.acked);
        for (const e of entries) for (const r of e.entry.records) if (r.seq > acked) seqs.add(r.seq);
        maxHeld = Math.max(maxHeld, seqs.size);
        maxEntries = Math.max(maxEntries, entries.length);
        await sleep(5);
      }
      await a.next('streamed', 30_000);
      assert.deepEqual(got.map((g) => g.n), range(0, 1000));
      assert.ok(maxHeld <= 64, `the log held ${maxHeld} unacknowledged envelopes, the cap is 64`);
      assert.ok(maxHeld > 0, 'the log was seen holding envelopes');
      assert.ok(await client.acked({ timeout: WAIT_MS }));
      // Everything acknowledged: the log shrinks to the latest state, and what it still holds is
      // acknowledged in it (bounded wait; judged on one read, as the log moves between reads).
      const settled = (entries: Awaited<ReturnType<typeof store.read>>): boolean => {
        const acked = Math.max(0, ...entries.map((e) => e.entry.meta.acked));
        return entries.length <= 2 && entries.every((e) => e.entry.records.every((r) => r.seq <= acked));
      };
      await waitForAsync(async () => settled(await store.read(id)), WAIT_MS, 'acknowledged entries removed');
      assert.ok(maxEntries < 1000, `entries seen at once: ${maxEntries}`);
      // The session ends: its log goes.
      await client.close();
      await waitForAsync(async () => (await store.read(id)).length === 0, WAIT_MS, 'the ended session\'s log removed');
    } finally {
      await broker.close();
      await t.stop();
    }
  });

  it('writes a quiet session\'s log again before the bucket\'s TTL removes it (logRefresh)', async () => {
    const broker = await natsBroker({ servers: nats.url });
    const servers: Array<SessionServer<Msg, Msg>> = [];
    const clients: Array<SessionClient<Msg, Msg>> = [];
    try {
      const ids: string[] = [];
      const stores = [];
      for (const logRefresh of [300, 1_000_000]) {
        const store = await natsSessionStore(broker, { bucket: `quiet_${++seq}`, ttl: 1500 });
        stores.push(store);
        const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { store, durable: true, logRefresh, onMessage: () => {} } });
        servers.push(server);
        const c = permanentClient<Msg, Msg>(server.url, { backoff: pauseSchedule([20]), session: {} });
        clients.push(c);
        await waitFor(() => c.connected, WAIT_MS, 'connected');
        for (let n = 0; n < 5; n++) c.send({ n });
        assert.ok(await c.acked({ timeout: WAIT_MS }));
        ids.push(c.session.id);
      }
      await sleep(3000); // quiet: twice the TTL
      const refreshed = await stores[0]!.read(ids[0]!);
      assert.ok(refreshed.length > 0, 'the refreshed log is there');
      assert.equal(typeof snapshotFromLog(refreshed), 'object', 'and can be replayed');
      assert.equal((await stores[1]!.read(ids[1]!)).length, 0, 'without a refresh in time, NATS removed it');
    } finally {
      for (const c of clients) await c.close();
      for (const s of servers) await s.close();
      await broker.close();
    }
  });

  it('a store outage (nats-server stopped): typed SESSION_STORE_* errors, nothing unlogged reaches the client, and a resume elsewhere is resumed: false with lost, never a hang', async () => {
    const own = await natsServer(['-js', '-sd', join(dir, 'js-outage')]);
    const bucket = `durable_${++seq}`;
    const a = await NodeProc.start(own.url, bucket, join(dir, `${bucket}-a.jsonl`), DURABLE);
    const b = await NodeProc.start(own.url, bucket, join(dir, `${bucket}-b.jsonl`), DURABLE);
    const proxy = await startCuttingProxy({ target: { port: a.port }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: number[] = [];
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, i) => void opens.push(i), onMessage: (_s, m) => void got.push(m.n) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to node A');
      const first = await a.ask({ cmd: 'send', from: 0, to: 20 }, 'sent');
      assert.ok((first.statuses as string[]).every((s) => s === 'sent'));
      await waitFor(() => got.length === 20, WAIT_MS, 'A\'s first messages');
      await own.stop();
      const during = await a.ask({ cmd: 'send', from: 20, to: 30 }, 'sent');
      assert.ok((during.statuses as string[]).every((s) => s === 'sent' || s === 'backpressured'), 'accepted, as without a store');
      await waitFor(() => a.failures().some((c) => c === 'SESSION_STORE_TIMEOUT' || c === 'SESSION_STORE_FAILED'), WAIT_MS, 'a typed store error at A');
      assert.deepEqual(got, range(0, 20), 'nothing that is not in the log reaches the client');
      await a.kill();
      proxy.retarget(b.port);
      proxy.cutAll();
      await waitFor(() => opens.length === 2, WAIT_MS, 'a session opened on B (the store is still down)');
      assert.equal(opens[1]!.resumed, false);
      assert.equal(opens[1]!.lost?.code, 'SESSION_UNKNOWN', 'the gap is said');
      assert.ok(b.failures().some((c) => c === 'SESSION_STORE_TIMEOUT' || c === 'SESSION_STORE_FAILED'), `B reported the store: ${b.failures().join(',')}`);
    } finally {
      await client.close();
      await proxy.close();
      await a.kill();
      await b.kill();
      await own.stop();
    }
  });
});

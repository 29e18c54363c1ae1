/**
 * Sessions resume on another node, for real: a JetStream nats-server, two session servers in
 * child processes (test/fixtures/session-node.ts) sharing a natsSessionStore, and a permanent
 * client reaching them through a TCP proxy whose target is switched from node A to node B.
 * docs/sessions.md guarantees table, rows "A node is drained" and "A node is killed (SIGKILL)".
 */
import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pauseSchedule, permanentClient, type MessageInfo, type SessionOpenInfo } from '../../src/index.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { closedPort, sleep, waitFor, WAIT_MS } from '../helpers/net.js';
import { natsServer, natsSkip, type NatsServer } from './nats.js';
import { NodeProc } from './node-proc.js';

type Msg = { n: number };

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describeOrSkip('cluster: sessions resume on another node (real nats-server, nodes in child processes)', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer;
  let dir: string;
  let seq = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-resume-'));
    nats = await natsServer(['-js', '-sd', join(dir, 'js')]);
  });
  after(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Two nodes on one bucket, a proxy to node A, a permanent client with a session through it, sending 0, 1, 2... */
  async function setup() {
    const bucket = `resume_${++seq}`;
    const a = await NodeProc.start(nats.url, bucket, join(dir, `${bucket}-a.jsonl`));
    const b = await NodeProc.start(nats.url, bucket, join(dir, `${bucket}-b.jsonl`));
    const proxy = await startCuttingProxy({ target: { port: a.port }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: Array<{ n: number; info: MessageInfo }> = [];
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, i) => void opens.push(i), onMessage: (_s, m, info) => void got.push({ n: m.n, info }) },
    });
    await waitFor(() => client.connected, WAIT_MS, 'connected to node A');
    // The client sends a numbered message every 2 ms until stopped (bounded: 30 s at most).
    let next = 0;
    let sending = true;
    const sender = (async () => {
      const stopAt = Date.now() + 30_000;
      while (sending && Date.now() < stopAt) {
        const st = client.send({ n: next });
        if (st !== 'dropped' && st !== 'closed') next++;
        await sleep(2);
      }
    })();
    let stopped = false;
    const stopSending = async (): Promise<number> => {
      sending = false;
      await sender;
      return next;
    };
    return {
      a, b, proxy, client, opens, got, stopSending,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopSending();
        await client.close();
        await proxy.close();
        await a.kill();
        await b.kill();
      },
    };
  }

  let t2: (() => Promise<void>) | undefined;
  it('node A drained (graceful close): the client resumes on node B with resumed: true, 0 lost, 0 duplicated, in order, both ways, A\'s queued messages included', async () => {
    const t = await setup();
    try {
      const { a, b, proxy, client, opens, got } = t;
      // A second client stays connected to A until A closes: the plain "drain a node" case.
      const proxy2 = await startCuttingProxy({ target: { port: a.port }, cutEveryMs: 0 });
      const opens2: SessionOpenInfo[] = [];
      const got2: number[] = [];
      const client2 = permanentClient<Msg, Msg>(proxy2.url, {
        backoff: pauseSchedule([20]),
        session: { onOpen: (_s, i) => void opens2.push(i), onMessage: (_s, m) => void got2.push(m.n) },
      });
      t2 = async () => {
        await client2.close();
        await proxy2.close();
      };
      await waitFor(() => client2.connected, WAIT_MS, 'client 2 connected to A');
      await a.ask({ cmd: 'send', from: 0, to: 50 }, 'sent');
      await waitFor(() => got.length === 50 && got2.length === 50 && a.received().length >= 50, WAIT_MS, 'traffic both ways on A');
      for (const n of range(0, 200)) client2.send({ n: 1_000_000 + n }); // in flight when A closes
      // The client is away for a moment (nowhere to reconnect): A queues for it, the client queues for A.
      proxy.retarget(await closedPort());
      proxy.cutAll();
      await waitFor(() => opens.length === 1 && !client.connected, WAIT_MS, 'the client lost A');
      const queued = await a.ask({ cmd: 'send', from: 50, to: 100 }, 'sent');
      const statuses = queued.statuses as string[]; // to each session: the detached one's first (it is older), client 2's next
      assert.equal(statuses.filter((s) => s === 'queued').length, 50, String(statuses));
      // Drain A: its sessions are put in NATS before close resolves; then its clients go to B.
      proxy2.retarget(b.port); // client 2's next connection goes to B
      const closed = await a.ask({ cmd: 'close' }, 'closed');
      assert.ok((closed.storeCounters as { puts: number }).puts >= 1);
      proxy.retarget(b.port);
      await waitFor(() => opens.length === 2, WAIT_MS, 'the session opened on B');
      assert.equal(opens[1]!.resumed, true, `resumed on B (lost: ${opens[1]!.lost?.message})`);
      assert.equal(opens[1]!.lost, undefined);
      await waitFor(() => got.length >= 100, WAIT_MS, 'A\'s queued messages, from B');
      await waitFor(() => opens2.length === 2, WAIT_MS, 'client 2\'s session opened on B');
      assert.equal(opens2[1]!.resumed, true, `client 2 resumed on B (lost: ${opens2[1]!.lost?.message})`);
      await b.ask({ cmd: 'send', from: 100, to: 150 }, 'sent');
      await waitFor(() => got.length >= 150 && got2.length >= 150, WAIT_MS, 'B\'s own messages');
      assert.deepEqual(got2, range(0, 150), 'client 2, server to client: in order, none lost, none twice');
      assert.ok(await client2.acked({ timeout: WAIT_MS }), 'client 2: everything acknowledged');
      const n = await t.stopSending();
      assert.ok(await client.acked({ timeout: WAIT_MS }), 'everything the client sent was acknowledged');
      await waitFor(() => a.received().length + b.received().length >= n, WAIT_MS, `all ${n} client messages at A or B`);
      assert.deepEqual(got.map((g) => g.n), range(0, 150), 'server to client: in order, none lost, none twice');
      assert.ok(got.every((g) => !g.info.redelivered));
      const up = [...a.received(), ...b.received()].filter((r) => r.m < 1_000_000);
      assert.deepEqual(up.map((r) => r.m), range(0, n), 'client to servers: in order, none lost, none twice');
      const up2 = [...a.received(), ...b.received()].filter((r) => r.m >= 1_000_000).map((r) => r.m - 1_000_000);
      assert.deepEqual(up2, range(0, 200), 'client 2 to servers: in order, none lost, none twice');
      assert.ok(up.every((r) => !r.redelivered));
      const stats = await b.ask({ cmd: 'stats' }, 'stats');
      assert.equal((stats.storeCounters as { restored: number }).restored, 2, 'B restored both sessions from NATS');
    } finally {
      await t2?.();
      await t.stop();
    }
  });

  for (const when of ['attached', 'detached'] as const) {
    it(`node A SIGKILLed while the client is ${when}: on node B ${when === 'attached' ? 'resumed: false with lost (no snapshot: it never detached)' : 'resumed: true (a fresh snapshot was put on detach)'}, nothing the client sent is lost, duplicates flagged`, async () => {
      const t = await setup();
      try {
        const { a, b, proxy, client, opens, got } = t;
        await a.ask({ cmd: 'send', from: 0, to: 20 }, 'sent');
        await waitFor(() => got.length === 20 && a.received().length >= 20, WAIT_MS, 'traffic both ways on A');
        if (when === 'detached') {
          proxy.retarget(await closedPort());
          proxy.cutAll();
          await waitFor(() => !client.connected, WAIT_MS, 'the client lost A');
          await a.ask({ cmd: 'send', from: 20, to: 30 }, 'sent');
          // Wait (bounded) until A's batched put of the queued sends has landed.
          const deadline = Date.now() + WAIT_MS;
          for (;;) {
            const s = await a.ask({ cmd: 'stats' }, 'stats');
            if ((s.storeCounters as { puts: number }).puts >= 2) break;
            if (Date.now() > deadline) throw new Error(`A did not put twice: ${JSON.stringify(s)}`);
            await sleep(20);
          }
        }
        await a.kill();
        proxy.retarget(b.port);
        proxy.cutAll();
        await waitFor(() => opens.length === 2, WAIT_MS, 'a session opened on B');
        const open = opens[1]!;
        if (when === 'detached') {
          assert.equal(open.resumed, true, `resumed (lost: ${open.lost?.message})`);
          await waitFor(() => got.length >= 30, WAIT_MS, 'A\'s queued messages, from B');
          assert.deepEqual(got.map((g) => g.n), range(0, 30), 'A\'s queued messages arrive, once, in order');
        } else {
          assert.equal(open.resumed, false);
          assert.equal(open.lost?.code, 'SESSION_UNKNOWN', 'the gap is said');
        }
        await b.ask({ cmd: 'send', from: 1000, to: 1010 }, 'sent');
        await waitFor(() => got.some((g) => g.n === 1009), WAIT_MS, 'B\'s messages');
        const n = await t.stopSending();
        assert.ok(await client.acked({ timeout: WAIT_MS }), 'everything the client sent was acknowledged');
        const up = [...a.received(), ...b.received()];
        const seen = new Set<number>();
        let duplicates = 0;
        for (const r of up) {
          if (seen.has(r.m)) {
            duplicates++;
            assert.equal(r.redelivered, true, `a duplicate of ${r.m} not flagged redelivered`);
          }
          seen.add(r.m);
        }
        for (const m of range(0, n)) assert.ok(seen.has(m), `message ${m} of ${n} lost`);
        assert.equal(seen.size, n, 'nothing that was never sent');
        // B alone: in order (A's log ends where it was killed).
        const atB = b.received().map((r) => r.m);
        for (let i = 1; i < atB.length; i++) assert.ok(atB[i]! > atB[i - 1]!, `B got ${atB[i - 1]} then ${atB[i]}`);
        void duplicates;
      } finally {
        await t.stop();
      }
    });
  }
});

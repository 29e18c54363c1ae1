/**
 * The `session.store` option: two session servers in this process share one asynchronous store
 * (a MemorySessionStore whose every answer comes on a later turn, as a network store's does), and
 * a client reaches them through a TCP proxy whose target is switched. docs/sessions.md "Resuming
 * on another node": the drain hand-over, a store that fails or hangs (typed error, a new session,
 * never a hang), a forged resume through the store, a stale snapshot (resumed: false with `lost`).
 * The same across real processes and a real nats-server: test/cluster/session-resume.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemorySessionStore,
  decodeEnvelope,
  encodeEnvelope,
  listen,
  pauseSchedule,
  permanentClient,
  type Envelope,
  type EnvelopeFields,
  type SessionOpenInfo,
  type SessionServer,
  type SessionSnapshot,
  type SessionStore,
  type SwitchboardError,
} from '../../src/index.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { closedPort, rawConnect, waitFor, within, WAIT_MS, type RawPeer } from '../helpers/net.js';

type Msg = { n: number };

/** A store whose answers come on a later turn; `mode` makes it fail or hang. */
class AsyncStore implements SessionStore {
  mode: 'ok' | 'reject' | 'hang' = 'ok';
  gets = 0;
  constructor(readonly mem = new MemorySessionStore()) {}
  private later<T>(f: () => T): Promise<T> {
    if (this.mode === 'hang') return new Promise<T>(() => {});
    if (this.mode === 'reject') return new Promise<T>((_, reject) => setImmediate(() => reject(new Error('the store is down'))));
    return new Promise<T>((resolve) => setImmediate(() => resolve(f())));
  }
  get(id: string): Promise<SessionSnapshot | undefined> {
    this.gets++;
    return this.later(() => this.mem.get(id));
  }
  put(s: SessionSnapshot, now: number): Promise<string[]> {
    const copy = structuredClone(s); // what a network store keeps is a copy
    return this.later(() => this.mem.put(copy, now));
  }
  delete(id: string): Promise<void> {
    return this.later(() => this.mem.delete(id));
  }
  sweep(now: number): Promise<string[]> {
    return this.later(() => this.mem.sweep(now));
  }
}

interface Node {
  server: SessionServer<Msg, Msg>;
  got: number[];
  fails: SwitchboardError[];
}

async function node(store: SessionStore, extra: Record<string, unknown> = {}): Promise<Node> {
  const got: number[] = [];
  const fails: SwitchboardError[] = [];
  const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    callbacks: { onFail: (e) => void fails.push(e) },
    session: { store, onMessage: (_s, m) => void got.push(m.n), ...extra },
  });
  return { server, got, fails };
}

const port = (n: Node): number => (n.server.address as { port: number }).port;
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

/** A peer that writes envelopes as lines (the default JSON protocol's framing). */
class Peer {
  private constructor(readonly raw: RawPeer) {}
  static async connect(url: string): Promise<Peer> {
    return new Peer(await rawConnect(url));
  }
  send(e: EnvelopeFields): Promise<void> {
    return this.raw.write((encodeEnvelope(e) as string) + '\n');
  }
  envelopes(): Envelope[] {
    return this.raw.text().split('\n').filter((l) => l !== '').map((l) => decodeEnvelope(l));
  }
  async next(kind: string): Promise<Envelope> {
    await waitFor(() => this.envelopes().some((e) => e.kind === kind), WAIT_MS, `a ${kind} envelope`);
    return this.envelopes().find((e) => e.kind === kind)!;
  }
}

describe('sessions: an external session store (two servers, one asynchronous store)', () => {
  it('a drained server hands its sessions over: the client resumes on the other with resumed: true, 0 lost, 0 duplicated, both ways, queued messages included', async () => {
    const store = new AsyncStore();
    const a = await node(store);
    const b = await node(store);
    const proxy = await startCuttingProxy({ target: { port: port(a) }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: number[] = [];
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, i) => void opens.push(i), onMessage: (_s, m) => void got.push(m.n) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to a');
      const id = client.session.id;
      for (const n of range(0, 20)) {
        assert.equal(client.send({ n }), 'sent');
        a.server.sessions.get(id)!.send({ n });
      }
      await waitFor(() => got.length === 20 && a.got.length === 20, WAIT_MS, 'the first 20 each way');
      // The client goes away (nowhere to reconnect to): a detaches the session and puts it.
      proxy.retarget(await closedPort());
      proxy.cutAll();
      await waitFor(() => a.server.sessions.get(id)!.state === 'detached', WAIT_MS, 'detached on a');
      // Both sides queue while apart; a's sends to the detached session are put again, batched.
      for (const n of range(20, 30)) {
        assert.equal(a.server.sessions.get(id)!.send({ n }), 'queued');
        client.send({ n });
      }
      await a.server.close(); // drain: every snapshot is put before close resolves
      assert.ok(a.server.storeCounters.puts >= 2, `puts ${a.server.storeCounters.puts}`);
      assert.ok(a.server.storeCounters.puts <= 11, `puts are batched, not one per message: ${a.server.storeCounters.puts}`);
      assert.deepEqual(store.mem.get(id)?.retained.map((r) => r.seq).slice(-10), range(21, 31), 'the snapshot holds the queued sends');
      proxy.retarget(port(b));
      await waitFor(() => opens.length === 2, WAIT_MS, 'the session opened on b');
      assert.equal(opens[1]!.resumed, true);
      assert.equal(opens[1]!.lost, undefined);
      assert.equal(client.session.id, id, 'the same session');
      for (const n of range(30, 40)) {
        client.send({ n });
        b.server.sessions.get(id)!.send({ n });
      }
      await waitFor(() => got.length >= 40 && a.got.length + b.got.length >= 40, WAIT_MS, 'everything both ways');
      assert.deepEqual(got, range(0, 40), 'server to client: in order, none lost, none twice');
      assert.deepEqual([...a.got, ...b.got], range(0, 40), 'client to servers: in order, none lost, none twice');
      assert.equal(b.server.storeCounters.restored, 1);
      await waitFor(() => store.mem.get(id) === undefined, WAIT_MS, 'claimed: no longer in the store');
      assert.deepEqual(b.fails.map((e) => e.code), []);
    } finally {
      await client.close();
      await proxy.close();
      await a.server.close();
      await b.server.close();
    }
  });

  for (const mode of ['reject', 'hang'] as const) {
    it(`a store whose get ${mode === 'reject' ? 'rejects' : 'never answers'}: ${mode === 'reject' ? 'SESSION_STORE_FAILED' : 'SESSION_STORE_TIMEOUT'}, the client gets a new session with lost, nothing it sent is lost`, async () => {
      const good = new AsyncStore();
      const bad = new AsyncStore();
      const a = await node(good, { ackEvery: 1_000_000, ackDelay: 1_000_000 }); // a acknowledges nothing
      const b = await node(bad, { storeTimeout: 300 });
      const proxy = await startCuttingProxy({ target: { port: port(a) }, cutEveryMs: 0 });
      const opens: SessionOpenInfo[] = [];
      const client = permanentClient<Msg, Msg>(proxy.url, { backoff: pauseSchedule([20]), session: { onOpen: (_s, i) => void opens.push(i) } });
      try {
        await waitFor(() => client.connected, WAIT_MS, 'connected to a');
        for (const n of range(0, 5)) client.send({ n });
        await waitFor(() => a.got.length === 5, WAIT_MS, 'a got 5');
        await a.server.close();
        bad.mem.put(good.mem.get(client.session.id)!, Date.now()); // b's store has it, but cannot say so
        bad.mode = mode;
        proxy.retarget(port(b));
        await waitFor(() => opens.length === 2, WAIT_MS, 'a session opened on b');
        assert.equal(opens[1]!.resumed, false);
        assert.equal(opens[1]!.lost?.code, 'SESSION_UNKNOWN');
        const code = mode === 'reject' ? 'SESSION_STORE_FAILED' : 'SESSION_STORE_TIMEOUT';
        assert.ok(b.fails.some((e) => e.code === code), b.fails.map((e) => e.code).join());
        assert.equal(b.server.storeCounters.failures >= 1, true);
        // Unacknowledged by a: sent again to b (flagged redelivered), nothing lost.
        await waitFor(() => b.got.length === 5, WAIT_MS, 'b got the 5 again');
        assert.deepEqual(b.got, range(0, 5));
      } finally {
        await client.close();
        await proxy.close();
        await a.server.close();
        bad.mode = 'ok';
        await within(b.server.close(), WAIT_MS, 'b closes, its store operations bounded');
      }
    });
  }

  it('a forged resume through the store (right id, wrong secret) is refused with SESSION_FORBIDDEN and leaves the snapshot alone', async () => {
    const store = new AsyncStore();
    const a = await node(store);
    const b = await node(store);
    const proxy = await startCuttingProxy({ target: { port: port(a) }, cutEveryMs: 0 });
    const client = permanentClient<Msg, Msg>(proxy.url, { backoff: pauseSchedule([20]), session: {} });
    let p: Peer | undefined;
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to a');
      const id = client.session.id;
      proxy.retarget(await closedPort());
      proxy.cutAll();
      await waitFor(() => store.mem.get(id) !== undefined, WAIT_MS, 'a put the detached session');
      p = await Peer.connect(b.server.url);
      await p.send({ kind: 'H', sessionId: id, secret: 'A'.repeat(22), received: 0, maxRequests: 1 });
      assert.equal((await p.next('N')).code, 'SESSION_FORBIDDEN');
      await within(p.raw.closed, WAIT_MS, 'closed');
      assert.ok(b.fails.some((e) => e.code === 'SESSION_FORBIDDEN'));
      assert.notEqual(store.mem.get(id), undefined, 'still in the store');
      assert.equal(b.server.sessions.size, 0);
    } finally {
      p?.raw.destroy();
      await client.close();
      await proxy.close();
      await a.server.close({ endSessions: true });
      await b.server.close();
    }
  });

  it('a stale snapshot (the client received more than it ever sent) gives resumed: false with lost, no protocol error, nothing the client sent lost', async () => {
    const store = new AsyncStore();
    const storeB = new AsyncStore(store.mem); // one store, two nodes' links to it
    const a = await node(store, { storeTimeout: 300 });
    const b = await node(storeB);
    const proxy = await startCuttingProxy({ target: { port: port(a) }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: number[] = [];
    const ends: string[] = [];
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, i) => void opens.push(i), onMessage: (_s, m) => void got.push(m.n), onEnd: (_s, e) => void ends.push(String(e?.code)) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to a');
      const id = client.session.id;
      a.server.sessions.get(id)!.send({ n: 0 });
      await waitFor(() => got.length === 1, WAIT_MS, 'one message');
      proxy.cutAll(); // a puts a snapshot (lastWritten 1)...
      await waitFor(() => opens.length === 2 && store.mem.get(id) === undefined, WAIT_MS, 'resumed on a, its snapshot deleted');
      assert.equal(opens[1]!.resumed, true);
      // ...which we keep, as a node that died before it could delete or put again would leave it.
      const snap = structuredClone(a.server.sessions.get(id)!.machine.snapshot());
      for (const n of range(1, 4)) a.server.sessions.get(id)!.send({ n });
      for (const n of range(0, 3)) client.send({ n });
      await waitFor(() => got.length === 4 && a.got.length === 3, WAIT_MS, 'more both ways');
      store.mem.put(snap, Date.now()); // stale: it wrote up to 1, the client received 4
      store.mode = 'hang'; // a "dies": its link to the store is gone, its next put never lands
      proxy.retarget(port(b));
      proxy.cutAll();
      await waitFor(() => opens.length === 3, WAIT_MS, 'a session opened on b');
      assert.equal(opens[2]!.resumed, false);
      assert.equal(opens[2]!.lost?.code, 'SESSION_UNKNOWN');
      assert.equal(b.server.storeCounters.stale, 1);
      assert.deepEqual(ends, [], 'the client session did not end');
      client.send({ n: 3 });
      await waitFor(() => b.got.includes(3), WAIT_MS, 'b gets new messages');
      assert.deepEqual([...a.got, ...b.got].filter((n) => n === 3), [3]);
    } finally {
      store.mode = 'ok';
      await client.close();
      await proxy.close();
      await a.server.close({ endSessions: true });
      await b.server.close();
    }
  });

  it('a request the drained server had taken and not answered rejects with SESSION_UNKNOWN on the other server (no wait for the timeout); a later one is answered there', async () => {
    const store = new AsyncStore();
    const a = await node(store, { onRequest: () => new Promise<Msg>(() => {}) });
    const b = await node(store, { onRequest: (_s: unknown, m: Msg) => ({ n: m.n + 1 }) });
    const proxy = await startCuttingProxy({ target: { port: port(a) }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const client = permanentClient<Msg, Msg>(proxy.url, { backoff: pauseSchedule([20]), session: { onOpen: (_s, i) => void opens.push(i) } });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to a');
      const taken = client.request({ n: 1 }, { timeout: 60_000 });
      taken.catch(() => {});
      await waitFor(() => a.server.sessions.get(client.session.id)!.pendingRequests === 0 && client.session.unacked === 0, WAIT_MS, 'a took the request');
      proxy.retarget(port(b));
      await a.server.close();
      await assert.rejects(within(taken, WAIT_MS, 'the taken request'), { code: 'SESSION_UNKNOWN' });
      assert.equal(opens.at(-1)!.resumed, true);
      assert.deepEqual(await within(client.request({ n: 7 }, { timeout: WAIT_MS })), { n: 8 });
    } finally {
      await client.close();
      await proxy.close();
      await a.server.close();
      await b.server.close();
    }
  });

  it('a connection that sends more than the backlog while its HELLO waits for the store is closed with SESSION_PROTOCOL_ERROR; the server goes on', async () => {
    const store = new AsyncStore();
    store.mode = 'hang';
    const b = await node(store, { storeTimeout: 60_000 });
    const p = await Peer.connect(b.server.url);
    try {
      await p.send({ kind: 'H', sessionId: 'x'.repeat(22), secret: 'y'.repeat(22), received: 0, maxRequests: 1 });
      for (let i = 0; i <= 64; i++) await p.send({ kind: 'P', token: i });
      await within(p.raw.closed, WAIT_MS, 'closed');
      assert.ok(b.fails.some((e) => e.code === 'SESSION_PROTOCOL_ERROR'), b.fails.map((e) => e.code).join());
      assert.equal(b.server.sessions.size, 0);
      assert.equal(store.gets, 1);
    } finally {
      p.raw.destroy();
      store.mode = 'ok';
      await b.server.close();
    }
  });

  for (const aSends of [true, false]) {
  it(`a session resumed on another node while the first still holds it: the first learns it ${aSends ? 'at its next put' : 'when the client comes back to it'} (its copy ends, SESSION_UNKNOWN; the other node's snapshot is resumed), never deletes the other's entry`, async () => {
    const store = new AsyncStore();
    const aEnds: string[] = [];
    const a = await node(store, { onEnd: (_s: unknown, e: SwitchboardError | undefined) => void aEnds.push(String(e?.code)) });
    const b = await node(store);
    const proxy = await startCuttingProxy({ target: { port: port(a) }, cutEveryMs: 0 });
    const opens: SessionOpenInfo[] = [];
    const got: number[] = [];
    const client = permanentClient<Msg, Msg>(proxy.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, i) => void opens.push(i), onMessage: (_s, m) => void got.push(m.n) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to a');
      const id = client.session.id;
      // The client moves to b without a being drained (a network blip, a load balancer).
      proxy.retarget(port(b));
      proxy.cutAll();
      await waitFor(() => opens.length === 2, WAIT_MS, 'resumed on b');
      assert.equal(opens[1]!.resumed, true, 'b resumed the snapshot a put on detach');
      assert.equal(a.server.sessions.get(id)!.state, 'detached', 'a still holds its copy');
      // b's client goes away: b puts its own snapshot.
      proxy.retarget(await closedPort());
      proxy.cutAll();
      await waitFor(() => b.server.sessions.get(id)!.state === 'detached', WAIT_MS, 'detached from b');
      b.server.sessions.get(id)!.send({ n: 1 });
      await waitFor(() => b.server.storeCounters.puts >= 2, WAIT_MS, 'b put its snapshot');
      if (aSends) {
        // a's application sends to its stale copy: a checks before putting, finds b's, ends its copy.
        a.server.sessions.get(id)?.send({ n: 666 });
        await waitFor(() => a.server.sessions.get(id) === undefined, WAIT_MS, 'a ended its copy');
        assert.deepEqual(aEnds, ['SESSION_UNKNOWN']);
        assert.notEqual(store.mem.get(id), undefined, 'b\'s entry is still there');
      }
      // The client comes back to a: it resumes b's snapshot (with the message b queued), not a's stale copy.
      proxy.retarget(port(a));
      await waitFor(() => opens.length === 3, WAIT_MS, 'resumed on a');
      assert.deepEqual(aEnds, ['SESSION_UNKNOWN']);
      assert.equal(a.server.storeCounters.moved, 1);
      assert.equal(opens[2]!.resumed, true);
      await waitFor(() => got.includes(1), WAIT_MS, 'b\'s queued message');
      assert.ok(!got.includes(666), 'a\'s send to its stale copy was not delivered (its application was told: onEnd)');
    } finally {
      await client.close();
      await proxy.close();
      await a.server.close({ endSessions: true });
      await b.server.close({ endSessions: true });
    }
  });
  }

  it('without a store nothing changes: no store operation, storeCounters stay 0', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { onMessage: () => {} } });
    const client = permanentClient<Msg, Msg>(server.url, { backoff: pauseSchedule([20]), session: {} });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected');
      client.send({ n: 1 });
      assert.ok(await client.acked({ timeout: WAIT_MS }));
      assert.deepEqual(server.storeCounters, { puts: 0, deletes: 0, gets: 0, restored: 0, stale: 0, moved: 0, failures: 0, logWrites: 0, logFailures: 0, logRemoved: 0, logReads: 0, fromLog: 0 });
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('refuses a store that is not one', async () => {
    await assert.rejects(listen('tcp://127.0.0.1:0', { session: { store: {} as SessionStore } }), { code: 'INVALID_OPTION' });
    await assert.rejects(listen('tcp://127.0.0.1:0', { session: { storeTimeout: 0 } }), { code: 'INVALID_OPTION' });
  });
});

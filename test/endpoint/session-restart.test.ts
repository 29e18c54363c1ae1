import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, pauseSchedule, permanentClient, type MessageInfo, type SessionOpenInfo, type SwitchboardError, type SessionServer } from '../../src/index.js';
import { waitFor, within, sleep, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number } | { q: string };

describe('sessions: server restart, expiry, memory bound', () => {
  it('after the server restarts (close, listen again on the port) the client gets resumed: false with SESSION_UNKNOWN, and what the old server had not acknowledged arrives again marked redelivered', async () => {
    // The first server takes messages and requests but never acknowledges them (huge batch and delay).
    let releaseA: (() => void) | undefined;
    const a = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      session: {
        ackEvery: 1_000_000,
        ackDelay: 1_000_000,
        onMessage: () => {},
        onRequest: () => new Promise<Msg>((r) => (releaseA = () => r({ q: 'from a' }))),
      },
    });
    const port = (a.address as { port: number }).port;
    const opens: SessionOpenInfo[] = [];
    const client = permanentClient<Msg, Msg>(a.url, { backoff: pauseSchedule([20]), session: { onOpen: (_s, i) => opens.push(i) } });
    const gotB: Array<{ n: number; info: MessageInfo }> = [];
    let b: SessionServer<Msg, Msg> | undefined;
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected to a');
      const firstId = client.session.id;
      for (let i = 0; i < 5; i++) client.send({ n: i });
      const answer = client.request({ q: 'r' }, { timeout: WAIT_MS });
      await waitFor(() => releaseA !== undefined, WAIT_MS, 'a took the request');
      assert.equal(client.session.unacked, 6);
      await a.close(); // no END: like a process that went away
      // While the server is down, more messages are accepted (queued).
      assert.equal(client.send({ n: 5 }), 'queued');
      b = await listen<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
        session: { onMessage: (_s, m, info) => void ('n' in m && gotB.push({ n: m.n, info })), onRequest: () => ({ q: 'from b' }) },
      });
      assert.deepEqual(await within(answer), { q: 'from b' }, 'the request was sent again to the new server, which answered it');
      await waitFor(() => gotB.length === 6, WAIT_MS, 'every message at b');
      assert.deepEqual(gotB.map((g) => g.n), [0, 1, 2, 3, 4, 5]);
      for (let i = 0; i < 5; i++) {
        assert.equal(gotB[i]!.info.redelivered, true);
        assert.equal(gotB[i]!.info.origin, `${firstId}.${i + 1}`);
      }
      assert.deepEqual(gotB[5]!.info, { redelivered: false, origin: '' }, 'never sent to a: not a repeat');
      const last = opens.at(-1)!;
      assert.equal(last.resumed, false);
      assert.equal(last.lost?.code, 'SESSION_UNKNOWN');
      assert.equal(last.redelivered, 6);
      assert.notEqual(client.session.id, firstId);
      assert.ok(await client.acked({ timeout: WAIT_MS }));
    } finally {
      await client.close();
      await a.close();
      await b?.close();
    }
  });

  it('a request the old server had acknowledged rejects with SESSION_UNKNOWN after a restart', async () => {
    const a = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { ackEvery: 1, onRequest: () => new Promise<Msg>(() => {}) } });
    const port = (a.address as { port: number }).port;
    const client = permanentClient<Msg, Msg>(a.url, { backoff: pauseSchedule([20]), session: true });
    let b: SessionServer<Msg, Msg> | undefined;
    try {
      await waitFor(() => client.connected, WAIT_MS);
      const p = client.request({ q: 'x' }, { timeout: WAIT_MS }).then(() => 'answered', (e: { code: string }) => e.code);
      await waitFor(() => client.session.unacked === 0, WAIT_MS, 'a acknowledged the request');
      await a.close();
      b = await listen<Msg, Msg>(`tcp://127.0.0.1:${port}`, { session: { onRequest: (_s, m) => m } });
      assert.equal(await within(p), 'SESSION_UNKNOWN');
    } finally {
      await client.close();
      await a.close();
      await b?.close();
    }
  });

  it('a session away longer than the retention ends on the server (SESSION_EXPIRED) and the client learns it (onExpired, then lost.code SESSION_EXPIRED)', async () => {
    const ends: Array<SwitchboardError | undefined> = [];
    const got: number[] = [];
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      session: { retention: 150, onEnd: (_s, e) => ends.push(e), onMessage: (_s, m) => void ('n' in m && got.push(m.n)) },
    });
    const opens: SessionOpenInfo[] = [];
    const expired: SwitchboardError[] = [];
    const client = permanentClient<Msg, Msg>(srv.url, {
      backoff: pauseSchedule([600]),
      session: { onOpen: (_s, i) => opens.push(i), onExpired: (_s, e) => expired.push(e) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected');
      client.send({ n: 1 });
      await waitFor(() => got.length === 1, WAIT_MS, 'the first message');
      assert.ok(await client.acked({ timeout: WAIT_MS }), 'acknowledged, so it is not sent again in the new session');
      const firstId = client.session.id;
      client.session.connection!.destroy();
      client.send({ n: 2 }); // retained while away: goes to the new session
      await waitFor(() => ends.length === 1, WAIT_MS, 'the server expired the session');
      assert.equal(ends[0]?.code, 'SESSION_EXPIRED');
      assert.equal(srv.sessions.has(firstId), false);
      await waitFor(() => expired.length === 1, WAIT_MS, 'the client noticed');
      assert.equal(expired[0]!.code, 'SESSION_EXPIRED');
      await waitFor(() => opens.length === 2, WAIT_MS, 'a new session');
      assert.equal(opens[1]!.resumed, false);
      assert.equal(opens[1]!.lost?.code, 'SESSION_EXPIRED');
      await waitFor(() => got.length === 2, WAIT_MS, 'the second message');
      assert.deepEqual(got, [1, 2]);
      assert.equal(srv.counters.expired, 1);
    } finally {
      await client.close();
      await srv.close();
    }
  });

  it('close({ endSessions: true }) ends the sessions: the client hears SESSION_ENDED, its pending requests reject, and it stops', async () => {
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { onRequest: () => new Promise<Msg>(() => {}) } });
    const ends: Array<string | undefined> = [];
    const statuses: string[] = [];
    const client = permanentClient<Msg, Msg>(srv.url, {
      backoff: pauseSchedule([5]),
      onStatus: (st) => statuses.push(st.type),
      session: { onEnd: (_s, e) => ends.push(e?.code) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS);
      const p = client.request({ q: 'x' }, { timeout: WAIT_MS }).then(() => 'answered', (e: { code: string }) => e.code);
      await waitFor(() => client.session.unacked === 0, WAIT_MS, 'the server took the request');
      await srv.close({ endSessions: true });
      assert.equal(await within(p), 'CONNECTION_CLOSED');
      await waitFor(() => statuses.includes('stopped'), WAIT_MS, 'the client stopped');
      assert.deepEqual(ends, ['SESSION_ENDED']);
      assert.equal(client.send({ n: 1 }), 'closed');
    } finally {
      await client.close();
      await srv.close();
    }
  });

  it('a client that opens and drops sessions cannot make the server keep more than maxStoredBytes allows (5 KiB counted per session)', async () => {
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { maxStoredBytes: 100 * 1024 } });
    try {
      for (let i = 0; i < 60; i++) {
        const s = await connect<Msg, Msg>(srv.url, { session: true });
        s.connection?.destroy();
        await s.ended;
      }
      await waitFor(() => srv.connectionCount === 0, WAIT_MS, 'every connection gone');
      await waitFor(() => srv.counters.evicted >= 40, WAIT_MS, `the oldest evicted (${srv.counters.evicted})`);
      assert.ok(srv.sessions.size <= 20, `${srv.sessions.size} sessions kept for 100 KiB`);
      assert.ok(srv.storedBytes <= 100 * 1024, `${srv.storedBytes} bytes counted`);
    } finally {
      await srv.close();
    }
  });

  it('disconnected sessions are kept within maxStoredBytes: the one closest to expiry ends first, and its client gets resumed: false', async () => {
    const ends: Array<{ id: string; code: string | undefined }> = [];
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      session: { maxStoredBytes: 16_000, onEnd: (s, e) => ends.push({ id: s.id, code: e?.code }) },
    });
    const clients = [0, 1].map(() => permanentClient<Msg, Msg>(srv.url, { backoff: pauseSchedule([100_000]), session: true }));
    try {
      await waitFor(() => clients.every((c) => c.connected), WAIT_MS);
      const [s0, s1] = clients.map((c) => srv.sessions.get(c.session.id)!);
      // Each detached session counts 5 KiB plus its unacknowledged messages (about 2.4 KB and 2 KB here).
      s0!.connection!.destroy();
      await waitFor(() => s0!.state === 'detached', WAIT_MS);
      for (let i = 0; i < 20; i++) s0!.send({ n: 1e100 + i } as Msg);
      for (let i = 0; i < 2; i++) s0!.send({ q: 'x'.repeat(1000) });
      await sleep(5);
      s1!.connection!.destroy();
      await waitFor(() => s1!.state === 'detached', WAIT_MS);
      for (let i = 0; i < 2; i++) s1!.send({ q: 'y'.repeat(1000) });
      await waitFor(() => ends.length === 1, WAIT_MS, 'one session evicted');
      assert.equal(ends[0]!.id, s0!.id, 'the older one (closest to expiry) went');
      assert.equal(ends[0]!.code, 'SESSION_UNKNOWN');
      assert.ok(srv.storedBytes <= 16_000, `${srv.storedBytes} bytes stored`);
      assert.equal(srv.counters.evicted, 1);
      assert.equal(s1!.state, 'detached');
    } finally {
      for (const c of clients) await c.close();
      await srv.close();
    }
  });
});

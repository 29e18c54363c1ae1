/**
 * A permanent client given several URLs: a failed attempt moves on to the next URL, a lost
 * connection retries its own URL first, and the outbox and sessions carry over. Real servers on
 * 127.0.0.1; a "dead node" is a closed server or a port nobody listens on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listen, pauseSchedule, permanentClient, type ClientStatus, type Server } from '../../src/index.js';
import { closedPort, waitFor, within, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number };

async function recorder(): Promise<{ server: Server<Msg, Msg>; got: number[] }> {
  const got: number[] = [];
  const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { callbacks: { onReceive: (_c, m) => void got.push(m.n) } });
  return { server, got };
}

describe('permanentClient with several URLs', () => {
  it('skips a URL nobody listens on, and moves to the next server when its server goes away', async () => {
    const dead = `tcp://127.0.0.1:${await closedPort()}`;
    const a = await recorder();
    const b = await recorder();
    const statuses: Array<ClientStatus<Msg, Msg>> = [];
    const client = permanentClient<Msg, Msg>([dead, a.server.url, b.server.url], {
      backoff: pauseSchedule([10]),
      onStatus: (s) => void statuses.push(s),
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'the first connection');
      assert.equal(client.url, a.server.url, 'the dead URL was skipped');
      assert.deepEqual(client.urls, [dead, a.server.url, b.server.url]);
      client.send({ n: 1 });
      await waitFor(() => a.got.length === 1, WAIT_MS, 'a to get 1');
      await a.server.close();
      // Lost: the same URL first (refused now), then the next one.
      await waitFor(() => client.connected && client.url === b.server.url, WAIT_MS, 'the client on b');
      client.send({ n: 2 });
      await waitFor(() => b.got.length === 1, WAIT_MS, 'b to get 2');
      assert.deepEqual(b.got, [2]);
      const tried = statuses.flatMap((s) => (s.type === 'connecting' ? [s.url] : []));
      assert.deepEqual(tried.slice(0, 2), [dead, a.server.url]);
      const afterLoss = tried.slice(2);
      assert.equal(afterLoss[0], a.server.url, 'a lost connection retries its own URL first');
      assert.equal(afterLoss.at(-1), b.server.url);
      assert.ok(afterLoss.length <= 3, `at most one round: ${afterLoss.join(' ')}`);
    } finally {
      await client.close();
      await b.server.close();
    }
  });

  it('keeps messages sent while every URL is down and delivers them in order to whichever comes up', async () => {
    const p1 = await closedPort();
    const p2 = await closedPort();
    const client = permanentClient<Msg, Msg>([`tcp://127.0.0.1:${p1}`, `tcp://127.0.0.1:${p2}`], { backoff: pauseSchedule([10]) });
    let server: Server<Msg, Msg> | undefined;
    try {
      for (let i = 0; i < 5; i++) assert.equal(client.send({ n: i }), 'queued');
      await waitFor(() => client.stats.failedAttempts >= 4, WAIT_MS, 'both URLs tried twice');
      const got: number[] = [];
      server = await listen<Msg, Msg>(`tcp://127.0.0.1:${p2}`, { callbacks: { onReceive: (_c, m) => void got.push(m.n) } });
      await waitFor(() => got.length === 5, WAIT_MS, 'the outbox on the second URL');
      assert.deepEqual(got, [0, 1, 2, 3, 4]);
      assert.equal(client.url, `tcp://127.0.0.1:${p2}`);
    } finally {
      await client.close();
      await server?.close();
    }
  });

  it('refuses an empty list and a mix of WebSocket and stream URLs', () => {
    assert.throws(() => permanentClient([]), { code: 'INVALID_OPTION' });
    assert.throws(() => permanentClient(['tcp://127.0.0.1:1', 'ws://127.0.0.1:2/']), { code: 'INVALID_OPTION' });
    assert.throws(() => permanentClient(['tcp://127.0.0.1:1', 'ws://127.0.0.1:2/'], { session: true }), { code: 'INVALID_OPTION' });
  });

  it('a session client with several URLs resumes on its own server after a drop', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: true });
    const other = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: true });
    const opens: boolean[] = [];
    const client = permanentClient<Msg, Msg>([server.url, other.url], { backoff: pauseSchedule([10]), session: { onOpen: (_s, i) => void opens.push(i.resumed) } });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'the session');
      client.session.connection?.destroy();
      await waitFor(() => opens.length === 2, WAIT_MS, 'the resume');
      assert.deepEqual(opens, [false, true], 'resumed where it was, not a new session on the other server');
      assert.equal(client.url, server.url);
      assert.equal(other.sessions.size, 0);
      assert.deepEqual(await within(client.request({ n: 3 }).catch((e: { code: string }) => e.code)), 'NO_HANDLER');
    } finally {
      await client.close();
      await server.close();
      await other.close();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listen, pauseSchedule, permanentClient, type ClientStatus, type Server } from '../../src/index.js';
import { waitFor, within, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number } | { login: string } | { welcome: boolean };

async function echoServer(port = 0): Promise<{ server: Server<Msg, Msg>; got: Msg[] }> {
  const got: Msg[] = [];
  const server = await listen<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
    callbacks: {
      onReceive: (c, m) => {
        got.push(m);
        if ('login' in m) c.send({ welcome: true });
        else c.send(m);
      },
    },
  });
  return { server, got };
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const s = await listen('tcp://127.0.0.1:0');
  const port = (s.address as { port: number }).port;
  await s.close();
  return port;
}

describe('permanent client', () => {
  it('starts before its server, keeps sends in the outbox, and flushes them in order once connected', async () => {
    const port = await freePort();
    const statuses: Array<ClientStatus<Msg, Msg>['type']> = [];
    const client = permanentClient<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
      backoff: pauseSchedule([20]),
      onStatus: (s) => statuses.push(s.type),
    });
    try {
      await waitFor(() => statuses.includes('retry'), WAIT_MS, 'a failed attempt');
      assert.equal(client.send({ n: 1 }), 'queued');
      assert.equal(client.send({ n: 2 }), 'queued');
      assert.equal(client.queued, 2);
      const { server, got } = await echoServer(port);
      try {
        const echoed: Msg[] = [];
        for await (const m of client) {
          echoed.push(m);
          if (echoed.length === 2) break;
        }
        assert.deepEqual(echoed, [{ n: 1 }, { n: 2 }]);
        assert.deepEqual(got, [{ n: 1 }, { n: 2 }]);
        assert.equal(client.queued, 0);
        assert.ok(statuses.includes('connected'));
        assert.equal(client.send({ n: 3 }), 'sent');
      } finally {
        await client.close();
        await server.close();
      }
    } finally {
      await client.close();
    }
  });

  it('reconnects after the server restarts, running onConnected (a login) before the outbox', async () => {
    const port = await freePort();
    const first = await echoServer(port);
    const logins: number[] = [];
    let connects = 0;
    const client = permanentClient<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
      backoff: pauseSchedule([10, 20]),
      onConnected: async (conn) => {
        connects++;
        conn.send({ login: `try-${connects}` });
        const answer = await conn.receive({ timeout: WAIT_MS });
        assert.deepEqual(answer, { welcome: true });
        logins.push(connects);
      },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'the first connection');
      await first.server.close();
      await waitFor(() => !client.connected, WAIT_MS, 'the loss');
      assert.equal(client.send({ n: 7 }), 'queued');
      const second = await echoServer(port);
      try {
        await waitFor(() => second.got.some((m) => 'n' in m), WAIT_MS, 'the outbox on the new server');
        // The login came first on the new connection, then the queued message.
        assert.deepEqual(second.got, [{ login: 'try-2' }, { n: 7 }]);
        assert.deepEqual(logins, [1, 2]);
        assert.equal(client.stats.connects, 2);
        assert.equal(client.stats.disconnects, 1);
      } finally {
        await client.close();
        await second.server.close();
      }
    } finally {
      await client.close();
    }
  });

  for (const [overflow, survivors] of [
    ['reject-new', [1, 2]],
    ['drop-oldest', [3, 4]],
  ] as const) {
    it(`with overflow ${overflow}, delivers exactly messages ${survivors.join(' and ')} of 1-4 once connected (maxMessages 2)`, async () => {
      const port = await freePort();
      const client = permanentClient<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
        backoff: pauseSchedule([20]),
        outbox: { maxMessages: 2, overflow },
      });
      try {
        const statuses = [1, 2, 3, 4].map((n) => client.send({ n }));
        assert.deepEqual(statuses, overflow === 'reject-new' ? ['queued', 'queued', 'dropped', 'dropped'] : ['queued', 'queued', 'queued', 'queued']);
        assert.equal(client.stats.outboxDropped, 2);
        assert.equal(client.queued, 2);
        const { server, got } = await echoServer(port);
        try {
          const echoed: Msg[] = [];
          for await (const m of client) {
            echoed.push(m);
            if (echoed.length === 2) break;
          }
          assert.deepEqual(echoed, survivors.map((n) => ({ n })), 'the surviving messages, in order');
          assert.deepEqual(got, survivors.map((n) => ({ n })));
          assert.equal(client.queued, 0);
        } finally {
          await client.close();
          await server.close();
        }
      } finally {
        await client.close();
      }
    });
  }

  it('bounds the outbox: reject-new drops the new message, drop-oldest the oldest', async () => {
    const port = await freePort();
    const reject = permanentClient<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
      backoff: pauseSchedule([60_000]),
      outbox: { maxMessages: 2 },
    });
    const oldest = permanentClient<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
      backoff: pauseSchedule([60_000]),
      outbox: { maxMessages: 2, overflow: 'drop-oldest' },
    });
    try {
      assert.deepEqual([1, 2, 3].map((n) => reject.send({ n })), ['queued', 'queued', 'dropped']);
      assert.deepEqual([1, 2, 3].map((n) => oldest.send({ n })), ['queued', 'queued', 'queued']);
      assert.equal(oldest.stats.outboxDropped, 1);
      const { server, got } = await echoServer(port);
      try {
        // Closing and reconnecting is not needed: start fresh clients against the live server.
        const c = permanentClient<Msg, Msg>(server.url, { backoff: pauseSchedule([10]), outbox: { maxBytes: 10 } });
        assert.equal(c.send({ n: 123456789 }), 'dropped', 'a message larger than maxBytes never fits');
        await c.close();
        assert.equal(got.length, 0);
      } finally {
        await server.close();
      }
    } finally {
      await reject.close();
      await oldest.close();
    }
  });

  it('reports statuses as an async iterator and ends it on close', async () => {
    const { server } = await echoServer();
    const client = permanentClient<Msg, Msg>(server.url, { backoff: pauseSchedule([10]) });
    const seen: string[] = [];
    const loop = (async () => {
      for await (const s of client.status()) seen.push(s.type);
    })();
    await waitFor(() => client.connected, WAIT_MS, 'connected');
    await client.close();
    await within(loop, WAIT_MS, 'the status loop to end');
    assert.deepEqual(seen.slice(-2), ['disconnected', 'stopped']);
    assert.equal(client.send({ n: 1 }), 'closed');
    await server.close();
  });

  it('uses callbacks across reconnects and forbids for await then', async () => {
    const { server } = await echoServer();
    const got: Msg[] = [];
    const client = permanentClient<Msg, Msg>(server.url, { callbacks: { onReceive: (_c, m) => void got.push(m) } });
    try {
      assert.throws(() => client[Symbol.asyncIterator](), { code: 'RECEIVE_MODE_CONFLICT' });
      await waitFor(() => client.connected, WAIT_MS, 'connected');
      client.send({ n: 5 });
      await waitFor(() => got.length === 1, WAIT_MS, 'the echo');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('does not spin while its server is absent: attempts follow the schedule', async () => {
    const port = await freePort();
    let attempts = 0;
    const client = permanentClient<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
      backoff: pauseSchedule([100]),
      onStatus: (s) => {
        if (s.type === 'connecting') attempts++;
      },
    });
    await new Promise((r) => setTimeout(r, 450));
    await client.close();
    // 450 ms with a 100 ms pause: about 5 attempts, never hundreds.
    assert.ok(attempts >= 2 && attempts <= 7, `expected a handful of attempts, got ${attempts}`);
  });
});

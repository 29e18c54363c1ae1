import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect,
  listen,
  pauseSchedule,
  permanentClient,
  type SessionHandle,
  type SessionServer,
  type SessionOpenInfo,
  type MessageInfo,
} from '../../src/index.js';
import { waitFor, within, sleep, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number } | { q: string } | { hi: string };

interface Recorder {
  server: SessionServer<Msg, Msg>;
  got: number[];
  infos: MessageInfo[];
  opens: SessionOpenInfo[];
  sessions: Array<SessionHandle<Msg, Msg>>;
}

async function server(url = 'tcp://127.0.0.1:0', extra: Record<string, unknown> = {}): Promise<Recorder> {
  const r: Omit<Recorder, 'server'> = { got: [], infos: [], opens: [], sessions: [] };
  const s = await listen<Msg, Msg>(url, {
    session: {
      onOpen: (session, info) => {
        r.opens.push(info);
        if (!r.sessions.includes(session)) r.sessions.push(session);
      },
      onMessage: (_s, m, info) => {
        if ('n' in m) r.got.push(m.n);
        r.infos.push(info);
      },
      onRequest: (_s, m) => m,
      ...extra,
    },
  });
  return { server: s, ...r };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('sessions over TCP', () => {
  it('delivers every message exactly once and in order, both ways, while connections are destroyed mid-stream', async () => {
    const srv = await server();
    const got: number[] = [];
    const log: string[] = [];
    const client = permanentClient<Msg, Msg>(srv.server.url, {
      backoff: pauseSchedule([5]),
      onStatus: (st) => log.push(st.type),
      session: { onMessage: (_s, m) => void ('n' in m && got.push(m.n)) },
    });
    try {
      const N = 3000;
      for (let i = 0; i < N; i++) {
        assert.notEqual(client.send({ n: i }), 'dropped');
        if (i % 300 === 150) {
          await waitFor(() => client.connected && srv.sessions.length === 1 && srv.sessions[0]!.state === 'open', WAIT_MS,
            `the session on both sides (${srv.sessions.map((x) => x.state).join()} ; client ${client.session.state}, ${client.session.connection?.state}; ${log.slice(-6).join()})`);
          const s = srv.sessions[0]!;
          for (let k = 0; k < 300; k++) s.send({ n: i * 10 + k });
          // Cut the link from either side, in turn, with bytes in flight both ways.
          if ((i / 300) % 2 < 1) client.session.connection?.destroy();
          else s.connection?.destroy();
          await sleep(1);
        }
      }
      assert.ok(await client.acked({ timeout: WAIT_MS }), 'everything the client sent was acknowledged');
      assert.deepEqual(srv.got, range(0, N));
      const s = srv.sessions[0]!;
      assert.ok(await s.acked({ timeout: WAIT_MS }), 'everything the server sent was acknowledged');
      const expected: number[] = [];
      for (let i = 150; i < N; i += 300) expected.push(...range(i * 10, i * 10 + 300));
      assert.deepEqual(got, expected);
      assert.equal(srv.sessions.length, 1, 'one session across every connection');
      assert.ok(srv.opens.filter((o) => o.resumed).length >= 5, `resumed ${srv.opens.filter((o) => o.resumed).length} times`);
      assert.ok(srv.infos.every((i) => !i.redelivered));
    } finally {
      await client.close();
      await srv.server.close();
    }
  });

  it('sends to a session whose client is away are delivered on resume (the server handle is stable)', async () => {
    const srv = await server();
    const got: number[] = [];
    const client = permanentClient<Msg, Msg>(srv.server.url, {
      backoff: pauseSchedule([50]),
      session: { onMessage: (_s, m) => void ('n' in m && got.push(m.n)) },
    });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'connected');
      const s = srv.sessions[0]!;
      s.connection?.destroy();
      await waitFor(() => s.state === 'detached', WAIT_MS, 'detached');
      assert.equal(s.send({ n: 1 }), 'queued');
      assert.equal(s.send({ n: 2 }), 'queued');
      await waitFor(() => got.length === 2, WAIT_MS, 'delivered on resume');
      assert.deepEqual(got, [1, 2]);
      assert.equal(srv.server.sessions.get(s.id), s);
    } finally {
      await client.close();
      await srv.server.close();
    }
  });

  it('answers requests, and a request in flight during a reconnect still gets its answer', async () => {
    let release: (() => void) | undefined;
    const srv = await server('tcp://127.0.0.1:0', {
      onRequest: async (_s: unknown, m: Msg) => {
        if ('q' in m && m.q === 'slow') await new Promise<void>((r) => (release = r));
        return m;
      },
    });
    const client = permanentClient<Msg, Msg>(srv.server.url, { backoff: pauseSchedule([5]), session: true });
    try {
      assert.deepEqual(await within(client.request({ q: 'a' })), { q: 'a' });
      const slow = client.request({ q: 'slow' }, { timeout: WAIT_MS });
      await waitFor(() => release !== undefined, WAIT_MS, 'the handler runs');
      client.session.connection?.destroy();
      await waitFor(() => srv.sessions[0]!.state === 'detached', WAIT_MS, 'detached');
      release!();
      assert.deepEqual(await within(slow), { q: 'slow' });
      // Sends and requests mix on one session.
      client.send({ n: 7 });
      assert.deepEqual(await within(client.request({ q: 'b' })), { q: 'b' });
      assert.deepEqual(srv.got, [7]);
    } finally {
      await client.close();
      await srv.server.close();
    }
  });

  it('connect({ session }) is a one-connection session: requests work, and a drop ends it (pending requests reject CONNECTION_CLOSED)', async () => {
    const srv = await server('tcp://127.0.0.1:0', { onRequest: (_s: unknown, m: Msg) => ('q' in m && m.q === 'never' ? new Promise(() => {}) : m) });
    const s = await connect<Msg, Msg>(srv.server.url, { session: true });
    try {
      assert.equal(s.state, 'open');
      assert.deepEqual(await within(s.request({ q: 'x' })), { q: 'x' });
      const p = s.request({ q: 'never' });
      await waitFor(() => srv.sessions.length === 1, WAIT_MS);
      s.connection?.destroy();
      await assert.rejects(p, { code: 'CONNECTION_CLOSED' });
      assert.equal(s.state, 'ended');
      assert.equal(s.send({ n: 1 }), 'closed');
    } finally {
      await s.close();
      await srv.server.close();
    }
  });
});

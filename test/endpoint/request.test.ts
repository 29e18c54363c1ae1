import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, permanentClient, pauseSchedule, RequestError, type RequestContext, type SessionServer } from '../../src/index.js';
import { waitFor, within, WAIT_MS } from '../helpers/net.js';

type Msg = { op: string; n?: number };

async function server(onRequest?: (msg: Msg, ctx: RequestContext) => Msg | Promise<Msg>, extra: Record<string, unknown> = {}): Promise<SessionServer<Msg, Msg>> {
  return listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { ...(onRequest && { onRequest: (_s, m, ctx) => onRequest(m, ctx) }), ...extra } });
}

describe('request/response on sessions', () => {
  it('resolves with the typed reply; many requests in flight are matched to their answers', async () => {
    const srv = await server(async (m) => ({ op: 'double', n: (m.n ?? 0) * 2 }));
    const s = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      const replies = await within(Promise.all(Array.from({ length: 500 }, (_, i) => s.request({ op: 'x', n: i }))));
      assert.deepEqual(replies.map((r) => r.n), Array.from({ length: 500 }, (_, i) => i * 2));
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('REQUEST_TIMEOUT rejects, and the CANCEL aborts the handler\'s ctx.signal on the peer', async () => {
    let aborted: unknown;
    const srv = await server((_m, ctx) => new Promise<Msg>((_r, reject) => ctx.signal.addEventListener('abort', () => {
      aborted = ctx.signal.reason;
      reject(ctx.signal.reason);
    })));
    const s = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      await assert.rejects(s.request({ op: 'slow' }, { timeout: 50 }), (e: RequestError) => e instanceof RequestError && e.code === 'REQUEST_TIMEOUT');
      await waitFor(() => aborted !== undefined, WAIT_MS, 'the handler signal aborted');
      assert.equal((aborted as RequestError).code, 'REQUEST_ABORTED');
      assert.equal(s.pendingRequests, 0);
      // The session goes on.
      srv.sessions.values().next().value!.send({ op: 'still here' });
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('REQUEST_ABORTED when the AbortSignal fires, and the abort reaches the peer handler', async () => {
    let started = false;
    let aborted = false;
    const srv = await server((_m, ctx) => {
      started = true;
      return new Promise<Msg>(() => ctx.signal.addEventListener('abort', () => (aborted = true)));
    });
    const s = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      const ac = new AbortController();
      const p = s.request({ op: 'slow' }, { signal: ac.signal, timeout: WAIT_MS });
      await waitFor(() => started, WAIT_MS, 'the handler started');
      ac.abort();
      await assert.rejects(p, { code: 'REQUEST_ABORTED' });
      await waitFor(() => aborted, WAIT_MS, 'the peer handler saw the abort');
      await assert.rejects(s.request({ op: 'x' }, { signal: ac.signal }), { code: 'REQUEST_ABORTED' }, 'an aborted signal rejects at once');
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('NO_HANDLER is answered at once by a peer without a handler (long before the timeout)', async () => {
    const srv = await server(undefined);
    const s = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      const err = await s.request({ op: 'x' }, { timeout: 60_000 }).then(() => undefined, (e: unknown) => e as RequestError);
      assert.equal(err?.code, 'NO_HANDLER');
      assert.equal(err?.remoteCode, 'NO_HANDLER');
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('a handler error is answered with its code and message, never its stack', async () => {
    const srv = await server((m) => {
      if (m.op === 'own') throw Object.assign(new Error('no such thing'), { code: 'NOT_FOUND' });
      if (m.op === 'lower') throw Object.assign(new Error('weird code'), { code: 'not-a-code' });
      if (m.op === 'async') return Promise.reject(new Error('async failure'));
      throw new TypeError('plain failure');
    });
    const s = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      const own = (await s.request({ op: 'own' }).catch((e: unknown) => e)) as RequestError;
      assert.equal(own.code, 'REQUEST_FAILED', 'a code we do not know is REQUEST_FAILED locally');
      assert.equal(own.remoteCode, 'NOT_FOUND');
      assert.match(own.message, /no such thing/);
      for (const op of ['lower', 'async', 'plain']) {
        const e = (await s.request({ op }).catch((x: unknown) => x)) as RequestError;
        assert.equal(e.code, 'REQUEST_FAILED');
        assert.equal(e.remoteCode, 'REQUEST_FAILED');
        assert.doesNotMatch(e.message, /at .*\.js:\d+/, 'no stack frames');
      }
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('10,000 pending requests all reject with CONNECTION_CLOSED before any I/O when the session closes', async () => {
    const srv = await server(() => new Promise<Msg>(() => {}), { maxRequests: 10_000 });
    const s = await connect<Msg, Msg>(srv.url, { session: { maxRequests: 10_000, maxUnackedMessages: 20_000 } });
    try {
      let settled = 0;
      const codes = new Set<string>();
      for (let i = 0; i < 10_000; i++) {
        s.request({ op: 'x', n: i }, { timeout: 60_000 }).catch((e: RequestError) => {
          settled++;
          codes.add(e.code);
        });
      }
      assert.equal(s.pendingRequests, 10_000);
      void s.close();
      assert.equal(s.pendingRequests, 0, 'rejected in the close call');
      await new Promise((r) => setImmediate(r)); // microtasks only: no socket event ran in between
      assert.equal(settled, 10_000);
      assert.deepEqual([...codes], ['CONNECTION_CLOSED']);
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('bounds requests in flight: over the limit (ours or the peer\'s, the smaller) a request rejects TOO_MANY_REQUESTS at once', async () => {
    const srv = await server(() => new Promise<Msg>(() => {}), { maxRequests: 3 });
    const s = await connect<Msg, Msg>(srv.url, { session: { maxRequests: 100 } });
    try {
      const held = [0, 1, 2].map(() => s.request({ op: 'x' }, { timeout: 60_000 }).catch((e: RequestError) => e.code));
      await assert.rejects(s.request({ op: 'x' }), { code: 'TOO_MANY_REQUESTS' });
      await s.close();
      assert.deepEqual(await Promise.all(held), ['CONNECTION_CLOSED', 'CONNECTION_CLOSED', 'CONNECTION_CLOSED']);
    } finally {
      await s.close();
      await srv.close();
    }
  });

  it('the server can ask the client too (both sides have handlers), and requests mix with one-way messages', async () => {
    const got: Msg[] = [];
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      session: {
        onMessage: (_s, m) => void got.push(m),
        onOpen: (session) => {
          void session.request({ op: 'who are you' }).then((r) => session.send({ op: `hello ${r.op}` }));
        },
      },
    });
    const fromServer: Msg[] = [];
    const client = permanentClient<Msg, Msg>(srv.url, {
      backoff: pauseSchedule([5]),
      session: { onRequest: (): Msg => ({ op: 'client-1' }), onMessage: (_s, m) => void fromServer.push(m) },
    });
    try {
      await waitFor(() => fromServer.length === 1, WAIT_MS);
      assert.deepEqual(fromServer, [{ op: 'hello client-1' }]);
    } finally {
      await client.close();
      await srv.close();
    }
  });

  it('a closed session rejects new requests with CONNECTION_CLOSED', async () => {
    const srv = await server((m) => m);
    const s = await connect<Msg, Msg>(srv.url, { session: true });
    await s.close();
    await assert.rejects(s.request({ op: 'x' }), { code: 'CONNECTION_CLOSED' });
    await srv.close();
  });
});

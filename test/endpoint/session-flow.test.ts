/**
 * What the application takes is what is acknowledged; the unacknowledged caps give `backpressured`
 * then `dropped` (or SEND_OVERFLOW with overflow: 'close'); options are checked up front.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesCodec, connect, encodeEnvelope, lengthPrefix, listen, lines, jsonCodec, pauseSchedule, permanentClient, type SessionHandle, type SwitchboardError } from '../../src/index.js';
import { rawConnect, waitFor, within, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number };

describe('sessions: taken, acknowledged, bounded', () => {
  it('iterating a session acknowledges a message only once the iterator yielded it', async () => {
    let session: SessionHandle<Msg, Msg> | undefined;
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      session: { onOpen: (s) => (session = s), onRequest: (_s, m) => m, ackEvery: 1 },
    });
    const c = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      for (let i = 0; i < 10; i++) c.send({ n: i });
      // A request after them: its answer proves the server read all ten.
      assert.deepEqual(await within(c.request({ n: 99 })), { n: 99 });
      assert.ok(c.unacked >= 10, `${c.unacked} unacknowledged: nothing was taken yet`);
      const got: number[] = [];
      for await (const m of session!) {
        got.push(m.n);
        if (got.length === 5) break;
      }
      assert.deepEqual(got, [0, 1, 2, 3, 4]);
      await waitFor(() => c.unacked === 6, WAIT_MS, `the first five acknowledged, not the rest nor the request behind them (unacked ${c.unacked})`);
      for await (const m of session!) {
        got.push(m.n);
        if (got.length === 10) break;
      }
      assert.ok(await c.acked({ timeout: WAIT_MS }));
      assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('an async onMessage: one message at a time, in order, acknowledged only when its promise settles; a rejection is reported and counts as taken', async () => {
    const releases: Array<() => void> = [];
    const got: number[] = [];
    const failures: string[] = [];
    let running = 0;
    let most = 0;
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      session: {
        ackEvery: 1,
        onMessage: (_s, m) => {
          got.push(m.n);
          running++;
          most = Math.max(most, running);
          return new Promise<void>((resolve, reject) => {
            releases.push(() => {
              running--;
              if (m.n === 2) reject(new Error('cannot store 2'));
              else resolve();
            });
          });
        },
        onFail: (_s, e) => void failures.push(e.code),
      },
    });
    const c = await connect<Msg, Msg>(srv.url, { session: true });
    try {
      for (let i = 0; i < 4; i++) c.send({ n: i });
      await waitFor(() => got.length === 1, WAIT_MS, 'the first message');
      // The first promise is pending: nothing more is delivered, nothing is acknowledged.
      assert.equal(await c.acked({ timeout: 300 }), false, 'not acknowledged while the handler works');
      assert.deepEqual(got, [0]);
      assert.equal(c.unacked, 4);
      for (let k = 1; k <= 4; k++) {
        releases[k - 1]!();
        if (k < 4) await waitFor(() => got.length === k + 1, WAIT_MS, `message ${k} after the previous settled`);
      }
      assert.equal(await c.acked({ timeout: WAIT_MS }), true, 'all four acknowledged once every promise settled');
      assert.deepEqual(got, [0, 1, 2, 3]);
      assert.equal(most, 1, 'never two at once');
      assert.deepEqual(failures, ['HOOK_FAILED']);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('a receiver that iterates slowly holds at most its own cap, even from a peer whose cap is larger: reading pauses, nothing is lost', async () => {
    let session: SessionHandle<Msg, Msg> | undefined;
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { onOpen: (s) => (session = s), maxUnackedMessages: 100 } });
    const c = await connect<Msg, Msg>(srv.url, { session: { maxUnackedMessages: 100_000, maxUnackedBytes: 64 * 1024 * 1024 } });
    try {
      const N = 5000;
      for (let i = 0; i < N; i++) assert.notEqual(c.send({ n: i }), 'dropped');
      await waitFor(() => session !== undefined, WAIT_MS, 'the session');
      // Nobody iterates yet: the server stops reading at its cap of 100 messages.
      const inbox = (): number => (session as unknown as { inbox?: { length: number } }).inbox?.length ?? 0;
      await waitFor(() => inbox() >= 100, WAIT_MS, 'the inbox at its bound');
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(inbox() <= 100, `${inbox()} messages held, the bound is 100`);
      const got: number[] = [];
      for await (const m of session!) {
        got.push(m.n);
        assert.ok(inbox() <= 100, `${inbox()} messages held while iterating`);
        if (got.length === N) break;
      }
      assert.deepEqual(got, [...Array(N).keys()]);
      assert.equal(await c.acked({ timeout: WAIT_MS }), true);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('the bound holds across a resume: the new connection is not read either while the inbox is full', async () => {
    let session: SessionHandle<Msg, Msg> | undefined;
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: { onOpen: (s) => (session ??= s), maxUnackedMessages: 100 } });
    const opens: boolean[] = [];
    const c = permanentClient<Msg, Msg>(srv.url, {
      backoff: pauseSchedule([10]),
      session: { maxUnackedMessages: 100_000, maxUnackedBytes: 64 * 1024 * 1024, onOpen: (_s, i) => void opens.push(i.resumed) },
    });
    try {
      const N = 3000;
      for (let i = 0; i < N; i++) assert.notEqual(c.send({ n: i }), 'dropped');
      await waitFor(() => session !== undefined, WAIT_MS, 'the session');
      const inbox = (): number => (session as unknown as { inbox?: { length: number } }).inbox?.length ?? 0;
      await waitFor(() => inbox() >= 100, WAIT_MS, 'the inbox at its bound');
      session!.connection?.destroy();
      await waitFor(() => opens.length === 2, WAIT_MS, 'the resume');
      assert.deepEqual(opens, [false, true]);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(inbox() <= 100, `${inbox()} messages held after the resume, the bound is 100`);
      const got: number[] = [];
      for await (const m of session!) {
        got.push(m.n);
        if (got.length === N) break;
      }
      assert.deepEqual(got, [...Array(N).keys()], 'each once, in order');
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('a peer that never takes: send reports backpressured above half the cap, dropped at the cap', async () => {
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: true }); // nobody iterates: nothing is taken
    const c = await connect<Msg, Msg>(srv.url, { session: { maxUnackedMessages: 10 } });
    try {
      const statuses = Array.from({ length: 12 }, (_, i) => c.send({ n: i }));
      assert.deepEqual(statuses.slice(0, 5), ['sent', 'sent', 'sent', 'sent', 'sent']);
      assert.deepEqual(statuses.slice(5, 10), ['backpressured', 'backpressured', 'backpressured', 'backpressured', 'backpressured']);
      assert.deepEqual(statuses.slice(10), ['dropped', 'dropped']);
      assert.equal(c.state, 'open', 'overflow: drop keeps the session');
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it("overflow: 'close' ends the session with SEND_OVERFLOW at the cap", async () => {
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { session: true });
    const c = await connect<Msg, Msg>(srv.url, { session: { maxUnackedMessages: 4, overflow: 'close' } });
    try {
      for (let i = 0; i < 4; i++) assert.notEqual(c.send({ n: i }), 'dropped');
      assert.equal(c.send({ n: 4 }), 'dropped');
      assert.equal(c.state, 'ended');
      assert.equal((await within(c.ended))?.code, 'SEND_OVERFLOW');
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('a first envelope of an unknown version is answered with REFUSE SESSION_VERSION_UNSUPPORTED and closed', async () => {
    const fails: SwitchboardError[] = [];
    const srv = await listen<Msg, Msg>('tcp://127.0.0.1:0', { callbacks: { onFail: (e) => fails.push(e) }, session: true });
    const p = await rawConnect(srv.url);
    try {
      await p.write('9H;\n');
      await within(p.closed, WAIT_MS, 'closed');
      assert.match(p.text(), /^1NSESSION_VERSION_UNSUPPORTED,1;\n$/);
      assert.equal(fails[0]?.code, 'SESSION_VERSION_UNSUPPORTED');
      assert.equal(srv.sessions.size, 0);
      const q = await rawConnect(srv.url);
      await q.write(String(encodeEnvelope({ kind: 'M', seq: 1, payload: '{}' })) + '\n');
      await within(q.closed, WAIT_MS, 'closed');
      assert.equal(fails[1]?.code, 'SESSION_PROTOCOL_ERROR', 'a first envelope that is not a HELLO');
    } finally {
      p.destroy();
      await srv.close();
    }
  });

  it('a message too large for the framing with a session header is refused before it is numbered (MESSAGE_TOO_LARGE); the session goes on', async () => {
    const protocol = { framing: lengthPrefix({ maxFrameSize: 1024 }), codec: bytesCodec() };
    const got: string[] = [];
    const srv = await listen<Uint8Array, Uint8Array | string>('tcp://127.0.0.1:0', { protocol, session: { onMessage: (_s, m) => void got.push(new TextDecoder().decode(m)) } });
    const c = await connect<Uint8Array, Uint8Array | string>(srv.url, { protocol, session: true });
    try {
      assert.throws(() => c.send(new Uint8Array(1024 - 100)), { code: 'MESSAGE_TOO_LARGE' });
      await assert.rejects(c.request(new Uint8Array(1000)), { code: 'MESSAGE_TOO_LARGE' });
      assert.equal(c.send('small'), 'sent');
      await waitFor(() => got.length === 1, WAIT_MS);
      assert.deepEqual(got, ['small']);
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('lines + bytes: header and payload are framed without a copy; bytes holding the delimiter end the session with the codec error', async () => {
    const protocol = { framing: lines(), codec: bytesCodec() };
    const got: string[] = [];
    const srv = await listen<Uint8Array, Uint8Array | string>('tcp://127.0.0.1:0', { protocol, session: { onMessage: (_s, m) => void got.push(new TextDecoder().decode(m)) } });
    const c = await connect<Uint8Array, Uint8Array | string>(srv.url, { protocol, session: true });
    try {
      for (let i = 0; i < 3; i++) assert.equal(c.send(new TextEncoder().encode(`bytes ${i}`)), 'sent');
      await waitFor(() => got.length === 3, WAIT_MS);
      assert.deepEqual(got, ['bytes 0', 'bytes 1', 'bytes 2']);
      assert.throws(() => c.send(new TextEncoder().encode('two\nlines')), { code: 'ENCODE_FAILED' });
      assert.equal(c.state, 'ended');
      assert.equal((await within(c.ended))?.code, 'ENCODE_FAILED');
    } finally {
      await c.close();
      await srv.close();
    }
  });

  it('refuses options that cannot work with sessions, before connecting (INVALID_OPTION)', async () => {
    await assert.rejects(
      listen('tcp://127.0.0.1:0', { protocol: { framing: lines(), codec: jsonCodec(), hooks: { onSent: () => {} } }, session: true }),
      { code: 'INVALID_OPTION' },
    );
    await assert.rejects(listen('tcp://127.0.0.1:0', { callbacks: { onReceive: () => {} }, session: true }), { code: 'INVALID_OPTION' });
    await assert.rejects(listen('tcp://127.0.0.1:0', { session: { retention: -1 } }), { code: 'INVALID_OPTION' });
    await assert.rejects(connect('tcp://127.0.0.1:1', { session: { overflow: 'explode' as 'drop' } }), { code: 'INVALID_OPTION' });
  });
});

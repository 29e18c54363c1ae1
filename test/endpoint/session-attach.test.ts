/**
 * `attachWebSocket(httpServer, { session })`: sessions on a WebSocket endpoint that shares a
 * `node:http` server with ordinary pages. Real sockets: the HTTP server still answers GETs, a
 * permanent client's connection is destroyed mid-stream and the session resumes with nothing
 * lost or repeated, requests are answered, and closing the endpoint leaves the HTTP server up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachWebSocket, jsonCodec, pauseSchedule, permanentClient, type SessionHandle } from '../../src/index.js';
import { waitFor, within, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number } | { q: string };

describe('attachWebSocket with sessions', () => {
  it('resumes a session across a destroyed connection on an attached endpoint; the HTTP server keeps serving', async () => {
    const httpServer = http.createServer((_req, res) => res.end('page'));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const port = (httpServer.address() as AddressInfo).port;
    const got: number[] = [];
    const sessions: Array<SessionHandle<Msg, Msg>> = [];
    const ws = attachWebSocket<Msg, Msg>(httpServer, {
      path: '/live',
      codec: jsonCodec<Msg, Msg>(),
      session: {
        onOpen: (s) => void (sessions.includes(s) || sessions.push(s)),
        onMessage: (_s, m) => void ('n' in m && got.push(m.n)),
        onRequest: (_s, m) => m,
      },
    });
    const back: number[] = [];
    const opens: boolean[] = [];
    const client = permanentClient<Msg, Msg>(`ws://127.0.0.1:${port}/live`, {
      backoff: pauseSchedule([5]),
      codec: jsonCodec<Msg, Msg>(),
      session: {
        onOpen: (_s, info) => void opens.push(info.resumed),
        onMessage: (_s, m) => void ('n' in m && back.push(m.n)),
      },
    });
    try {
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'page');
      await waitFor(() => client.connected && sessions.length === 1, WAIT_MS, 'the session to open');
      const N = 400;
      for (let i = 0; i < N; i++) {
        assert.notEqual(client.send({ n: i }), 'dropped');
        assert.notEqual(sessions[0]!.send({ n: i }), 'dropped');
        if (i === 150) sessions[0]!.connection?.destroy();
        if (i === 300) client.session.connection?.destroy();
      }
      await waitFor(() => got.length >= N && back.length >= N, WAIT_MS, 'every message both ways');
      const all = Array.from({ length: N }, (_, i) => i);
      assert.deepEqual(got, all);
      assert.deepEqual(back, all);
      assert.ok(opens.length >= 2 && opens.slice(1).every((r) => r), `resumed every time: ${JSON.stringify(opens)}`);
      assert.equal(sessions.length, 1, 'one session throughout');
      assert.deepEqual(await within(client.request({ q: 'hi' })), { q: 'hi' });
      assert.equal(ws.url, `ws://127.0.0.1:${port}/live`);
      await client.close();
      await ws.close();
      // The endpoint is closed; the HTTP server is not.
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'page');
    } finally {
      await client.close();
      await ws.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
  });

  it('refuses callbacks.onReceive with sessions, as listen does', () => {
    const httpServer = http.createServer();
    assert.throws(() => attachWebSocket(httpServer, { session: true, callbacks: { onReceive: () => {} } }), { code: 'INVALID_OPTION' });
  });
});

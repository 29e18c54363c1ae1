/**
 * WebSocket next to HTTP: attachWebSocket on node:http (plain requests still answered, two
 * attachments on different paths) and on node:https (wss://), and a permanent client over ws://
 * that comes back after its server restarts on the same port.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  attachWebSocket,
  connect,
  jsonCodec,
  listen,
  pauseSchedule,
  permanentClient,
  type ClientStatus,
  type Server,
  type SwitchboardError,
} from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';
import { testPki } from '../helpers/tls.js';
import { rawHttp, upgradeRequest } from '../helpers/ws-raw.js';

type Msg = string | Uint8Array;

function startHttp<S extends http.Server>(server: S): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes an HTTP server (bounded: upgraded sockets are not the HTTP server's to close). */
function stopHttp(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return within(new Promise((resolve) => server.close(() => resolve())), WAIT_MS, 'the HTTP server to close');
}

/** GET over plain HTTP; the status and body. */
function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  const mod = url.startsWith('https:') ? https : http;
  return within(
    new Promise((resolve, reject) => {
      const req = mod.get(url, { ...options, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    }),
    WAIT_MS,
    `GET ${url}`,
  );
}

const handler: http.RequestListener = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`plain http at ${req.url}`);
};

describe('attachWebSocket', () => {
  it('serves WebSocket on a node:http server, two attachments on two paths, plain requests still answered', async () => {
    const httpServer = http.createServer(handler);
    const port = await startHttp(httpServer);
    const fails: SwitchboardError[] = [];
    const a = attachWebSocket<Msg, Msg>(httpServer, { path: '/a', name: 'a', callbacks: { onReceive: (c, m) => void c.send(`a:${String(m)}`), onFail: (e) => void fails.push(e) } });
    const b = attachWebSocket<Msg, Msg>(httpServer, { path: '/b', name: 'b', callbacks: { onReceive: (c, m) => void c.send(`b:${String(m)}`), onFail: (e) => void fails.push(e) } });
    try {
      assert.equal(a.url, `ws://127.0.0.1:${port}/a`);
      assert.equal(b.url, `ws://127.0.0.1:${port}/b`);
      const ca = await connect<Msg, Msg>(a.url, { timeout: WAIT_MS });
      const cb = await connect<Msg, Msg>(`ws://127.0.0.1:${port}/b?x=1`, { timeout: WAIT_MS });
      ca.send('hi');
      cb.send('hi');
      assert.equal(await ca.receive({ timeout: WAIT_MS }), 'a:hi');
      assert.equal(await cb.receive({ timeout: WAIT_MS }), 'b:hi');
      assert.equal(a.connectionCount, 1);
      assert.equal(b.connectionCount, 1);
      assert.equal([...b.connections][0]!.meta['path'], '/b?x=1');

      // Plain HTTP goes to the http server's own handler, also on the WebSocket paths.
      assert.deepEqual(await get(`http://127.0.0.1:${port}/index.html`), { status: 200, body: 'plain http at /index.html' });
      assert.deepEqual(await get(`http://127.0.0.1:${port}/a`), { status: 200, body: 'plain http at /a' });

      // A bad upgrade on an attached path: the error answer, and both attachments keep working.
      const bad = await rawHttp(`ws://127.0.0.1:${port}/a`, upgradeRequest({ path: '/a', version: '8' }));
      assert.equal(bad.answer.status, 426);
      assert.equal(bad.answer.headers['sec-websocket-version'], '13');
      await within(bad.peer.closed, WAIT_MS, 'the refused socket to close');

      // An upgrade to a path nobody serves is refused, not left hanging.
      const nowhere = await rawHttp(`ws://127.0.0.1:${port}/c`, upgradeRequest({ path: '/c' }));
      assert.equal(nowhere.answer.status, 404);
      await within(nowhere.peer.closed, WAIT_MS, 'the refused socket to close');

      ca.send('again');
      assert.equal(await ca.receive({ timeout: WAIT_MS }), 'a:again');
      await Promise.all([ca.close(), cb.close()]);

      // Closing one attachment leaves the other and the HTTP server up.
      await a.close();
      const cb2 = await connect<Msg, Msg>(b.url, { timeout: WAIT_MS });
      cb2.send('still');
      assert.equal(await cb2.receive({ timeout: WAIT_MS }), 'b:still');
      await cb2.close();
      assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
      assert.deepEqual(
        fails.map((f) => f.code),
        ['WS_UNSUPPORTED_VERSION', 'WS_HANDSHAKE_REFUSED'],
      );
    } finally {
      await a.close();
      await b.close();
      await stopHttp(httpServer);
    }
  });

  it('refuses with 404 an upgrade to another path when it is the only attachment', async () => {
    const httpServer = http.createServer(handler);
    const port = await startHttp(httpServer);
    const ws = attachWebSocket<Msg, Msg>(httpServer, { path: '/only', callbacks: { onReceive: (c, m) => void c.send(m) } });
    try {
      const r = await rawHttp(`ws://127.0.0.1:${port}/other`, upgradeRequest({ path: '/other' }));
      assert.equal(r.answer.status, 404);
      assert.equal(r.answer.rest.toString(), 'Not Found\n');
      const c = await connect<Msg, Msg>(ws.url, { timeout: WAIT_MS });
      c.send('ok');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'ok');
      await c.close();
    } finally {
      await ws.close();
      await stopHttp(httpServer);
    }
  });

  it('routes each upgrade to one attachment: its own path first, then one serving every path', async () => {
    const httpServer = http.createServer(handler);
    const port = await startHttp(httpServer);
    const any = attachWebSocket<Msg, Msg>(httpServer, { callbacks: { onReceive: (c, m) => void c.send(`any:${String(m)}`) } });
    const exact = attachWebSocket<Msg, Msg>(httpServer, { path: '/exact', callbacks: { onReceive: (c, m) => void c.send(`exact:${String(m)}`) } });
    try {
      for (const [path, want] of [
        ['/exact', 'exact:m'],
        ['/elsewhere', 'any:m'],
        ['/', 'any:m'],
      ] as const) {
        const c = await connect<Msg, Msg>(`ws://127.0.0.1:${port}${path}`, { timeout: WAIT_MS });
        c.send('m');
        assert.equal(await c.receive({ timeout: WAIT_MS }), want, path);
        // Exactly one answer: no second 101 (or error) arrives as a frame.
        c.send('m');
        assert.equal(await c.receive({ timeout: WAIT_MS }), want, path);
        await c.close();
      }
      await waitFor(() => any.connectionCount + exact.connectionCount === 0, WAIT_MS, 'every connection to close');
    } finally {
      await any.close();
      await exact.close();
      await stopHttp(httpServer);
    }
  });

  it('serves wss:// on a node:https server with the test certificates', async () => {
    const pki = testPki();
    const httpsServer = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, handler);
    const port = await startHttp(httpsServer);
    const ws = attachWebSocket<Msg, Msg>(httpsServer, {
      path: '/secure',
      websocket: { subprotocols: ['chat'] },
      callbacks: { onReceive: (c, m) => void c.send(m) },
    });
    try {
      assert.equal(ws.url, `wss://127.0.0.1:${port}/secure`);
      const c = await connect<Msg, Msg>(`wss://localhost:${port}/secure`, {
        timeout: WAIT_MS,
        tls: { ca: pki.ca },
        websocket: { subprotocols: ['chat'] },
      });
      assert.equal(c.meta['subprotocol'], 'chat');
      const big = 'secret '.repeat(1000);
      for (const m of ['over TLS', big]) {
        c.send(m);
        assert.equal(await c.receive({ timeout: WAIT_MS }), m);
      }
      assert.ok((await c.ping({ timeout: WAIT_MS })) >= 0);
      const info = await c.close({ code: 1000, reason: 'done' });
      assert.equal(info.clean, true);
      // HTTPS requests still go to the handler.
      assert.deepEqual(await get(`https://localhost:${port}/page`, { ca: pki.ca }), { status: 200, body: 'plain http at /page' });
      // A client that does not trust the CA fails, and does not retry.
      await assert.rejects(connect<Msg, Msg>(`wss://localhost:${port}/secure`, { timeout: WAIT_MS }), { code: 'CONNECT_FAILED' });
    } finally {
      await ws.close();
      await stopHttp(httpsServer);
    }
  });

  it('listen(wss://) with the test certificates', async () => {
    const pki = testPki();
    const server = await listen<Msg, Msg>('wss://127.0.0.1:0/tls', {
      tls: { cert: pki.serverCert, key: pki.serverKey },
      callbacks: { onReceive: (c, m) => void c.send(m) },
    });
    try {
      assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+\/tls$/);
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, tls: { ca: pki.ca } });
      c.send('tls hello');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'tls hello');
      await c.close();
    } finally {
      await server.close();
    }
  });
});

describe('permanent client over WebSocket', () => {
  type J = { n: number } | { login: string } | { welcome: string };

  async function jsonServer(port: number, tag: string): Promise<{ server: Server<J, J>; got: J[] }> {
    const got: J[] = [];
    const server = await listen<J, J>(`ws://127.0.0.1:${port}/pc`, {
      codec: jsonCodec<J, J>(),
      callbacks: {
        onReceive: (c, m) => {
          got.push(m);
          c.send('login' in m ? { welcome: tag } : m);
        },
      },
    });
    return { server, got };
  }

  it('reconnects after the server restarts on the same port, logging in again and flushing the outbox', async () => {
    const first = await jsonServer(0, 'first');
    const port = Number(new URL(first.server.url).port);
    const statuses: Array<ClientStatus<J, J>['type']> = [];
    const welcomes: string[] = [];
    const client = permanentClient<J, J>(`ws://127.0.0.1:${port}/pc`, {
      backoff: pauseSchedule([20, 50]),
      attemptTimeout: WAIT_MS,
      onStatus: (s) => statuses.push(s.type),
      onConnected: async (conn) => {
        conn.send({ login: 'me' });
        const w = (await conn.receive({ timeout: WAIT_MS })) as { welcome: string };
        welcomes.push(w.welcome);
      },
    });
    let second: { server: Server<J, J>; got: J[] } | undefined;
    try {
      await waitFor(() => client.connected && welcomes.length === 1, WAIT_MS, 'the first connection');
      assert.equal(client.send({ n: 1 }), 'sent');
      const echoed: J[] = [];
      const it = client[Symbol.asyncIterator]();
      echoed.push((await within(it.next(), WAIT_MS, 'the first echo')).value as J);

      // The server goes away: the client notices, queues, and tries again.
      await first.server.close();
      await waitFor(() => !client.connected && statuses.includes('disconnected'), WAIT_MS, 'the disconnect');
      assert.equal(client.send({ n: 2 }), 'queued');
      await waitFor(() => statuses.filter((s) => s === 'failed' || s === 'retry').length >= 2, WAIT_MS, 'failed attempts');

      // Back on the same port.
      second = await jsonServer(port, 'second');
      await waitFor(() => welcomes.length === 2, WAIT_MS, 'the second login');
      assert.deepEqual(welcomes, ['first', 'second']);
      echoed.push((await within(it.next(), WAIT_MS, 'the queued echo')).value as J);
      assert.deepEqual(echoed, [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(second.got, [{ login: 'me' }, { n: 2 }], 'login first, then the outbox');
      assert.equal(client.send({ n: 3 }), 'sent');
      assert.deepEqual((await within(it.next(), WAIT_MS, 'a live echo')).value, { n: 3 });
      assert.ok(client.stats.connects >= 2);
    } finally {
      await client.close();
      await first.server.close();
      await second?.server.close();
    }
  });
});

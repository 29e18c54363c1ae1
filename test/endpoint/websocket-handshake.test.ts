/**
 * The WebSocket opening handshake on real loopback sockets: our server against our client and
 * against raw peers that write the HTTP by hand (accept key, verify refusals, subprotocols,
 * malformed requests, slowloris, maxConnections). After every refusal the server still serves
 * a normal client, and no error answer carries more than its reason phrase.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachWebSocket, connect, listen, type ListenOptions, type Server, type SwitchboardError } from '../../src/index.js';
import type { UpgradeRequest } from '../../src/core/websocket/index.js';
import { WAIT_MS, rawConnect, sleep, waitFor, within } from '../helpers/net.js';
import { OP, acceptFor, closeBody, dribble, maskedFrame, newKey, parseHttpAnswer, rawHttp, rawWsConnect, rawWsListen, tcpUrlOf, upgradeRequest } from '../helpers/ws-raw.js';

type Msg = string | Uint8Array;

interface Served {
  server: Server<Msg, Msg>;
  fails: SwitchboardError[];
}

/** An echo server on ws://127.0.0.1:0/chat that records what it reports to onFail. */
async function echoServer(options: ListenOptions<Msg, Msg> = {}, path = '/chat'): Promise<Served> {
  const fails: SwitchboardError[] = [];
  const server = await listen<Msg, Msg>(`ws://127.0.0.1:0${path}`, {
    ...options,
    callbacks: { onReceive: (c, m) => void c.send(m), onFail: (e) => void fails.push(e) },
  });
  return { server, fails };
}

/** A normal client still gets an echo from `server` (at `url`, by default the server's). */
async function assertServes(server: Server<Msg, Msg>, url: string = server.url, options: Parameters<typeof connect>[1] = {}): Promise<void> {
  const c = await connect<Msg, Msg>(url, { timeout: WAIT_MS, ...(options as object) });
  try {
    c.send('still there?');
    assert.equal(await c.receive({ timeout: WAIT_MS }), 'still there?', 'the server keeps serving a normal client');
  } finally {
    await c.close();
  }
}

/** The reason phrase, and nothing else, as the body of an error answer. */
function assertPlainBody(answer: { rest: Buffer; headers: Record<string, string> }, reason: string): void {
  assert.equal(answer.rest.toString('utf8'), `${reason}\n`, 'the body is the reason phrase only');
  assert.equal(answer.headers['content-length'], String(reason.length + 1));
  assert.equal(answer.headers['connection'], 'close');
}

/** The HTTP status a refused connect() saw. */
async function refusedStatus(p: Promise<unknown>): Promise<{ status: number; err: SwitchboardError }> {
  try {
    await p;
  } catch (e) {
    const err = e as SwitchboardError & { cause?: { details?: { status?: number } } };
    assert.equal(err.code, 'CONNECT_FAILED');
    return { status: err.cause?.details?.status ?? -1, err };
  }
  assert.fail('connect() should have been refused');
}

describe('websocket handshake: accepted upgrades', () => {
  it('answers 101 with the accept key of RFC 6455 4.2.2 and carries messages both ways', async () => {
    const { server, fails } = await echoServer();
    try {
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      const raw = await rawWsConnect(server.url, { key });
      assert.equal(raw.answer.status, 101);
      // The RFC's own example.
      assert.equal(raw.answer.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      assert.equal(acceptFor(key), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      assert.match(raw.answer.headers['upgrade'] ?? '', /^websocket$/i);
      assert.match(raw.answer.headers['connection'] ?? '', /^upgrade$/i);
      // A clean close from the raw client: the server echoes the code and closes TCP first.
      await raw.write(maskedFrame(OP.CLOSE, closeBody(1000, 'bye')));
      assert.deepEqual(await raw.closeFrame(), { code: 1000, reason: '' });
      await within(raw.peer.ended, WAIT_MS, "the server's FIN");

      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      assert.equal(c.meta['path'], '/chat');
      assert.equal(c.send('hello'), 'sent');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'hello');
      c.send(Uint8Array.from([1, 2, 3]));
      assert.deepEqual([...((await c.receive({ timeout: WAIT_MS })) as Uint8Array)], [1, 2, 3]);
      const [sc] = server.connections;
      assert.equal(sc?.meta['path'], '/chat');
      assert.equal(typeof (sc?.meta['headers'] as Record<string, string>)['sec-websocket-key'], 'string');
      await c.close();
      assert.deepEqual(
        fails.map((f) => f.code),
        [],
      );
    } finally {
      await server.close();
    }
  });

  it('negotiates a subprotocol: the first one the client offers that the server speaks', async () => {
    const { server } = await echoServer({ websocket: { subprotocols: ['v2.chat', 'v1.chat'] } });
    try {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, websocket: { subprotocols: ['v1.chat', 'v2.chat'] } });
      assert.equal(c.meta['subprotocol'], 'v1.chat');
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the server side to open');
      assert.equal([...server.connections][0]!.meta['subprotocol'], 'v1.chat');
      await c.close();

      const other = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, websocket: { subprotocols: ['mqtt', 'v2.chat'] } });
      assert.equal(other.meta['subprotocol'], 'v2.chat');
      await other.close();

      // Nothing in common: accepted without a subprotocol (RFC 6455 4.2.2: the server selects one or none).
      const none = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, websocket: { subprotocols: ['mqtt'] } });
      assert.equal(none.meta['subprotocol'], undefined);
      none.send('x');
      assert.equal(await none.receive({ timeout: WAIT_MS }), 'x');
      await none.close();

      const raw = await rawWsConnect(server.url, { protocols: 'soap, v2.chat' });
      assert.equal(raw.answer.headers['sec-websocket-protocol'], 'v2.chat');
      raw.destroy();
    } finally {
      await server.close();
    }
  });

  it('fails our client when a server picks a subprotocol it did not offer', async () => {
    // A raw server answering 101 with a subprotocol of its own choice.
    const rs = await rawWsListen('/', 'Sec-WebSocket-Protocol: evil\r\n');
    try {
      const attempt = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, websocket: { subprotocols: ['good'] } });
      const peer = rs.accept();
      await assert.rejects(attempt, (e: SwitchboardError) => e.code === 'CONNECT_FAILED' && /not offered/.test(e.message));
      await within((await peer).peer.closed, WAIT_MS, 'our client to drop the socket');
    } finally {
      await rs.close();
    }
  });
});

describe('websocket handshake: the verify hook', () => {
  const verify = (request: UpgradeRequest) => {
    const auth = request.head.headers.get('authorization');
    if (auth !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
      return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="switchboard"' } };
    }
    if (request.origin !== undefined && request.origin !== 'https://app.example') return { status: 403 };
    return undefined;
  };

  it('refuses with 401 + WWW-Authenticate, accepts URL user info as HTTP Basic credentials', async () => {
    const seen: Array<string | undefined> = [];
    const { server, fails } = await echoServer({
      websocket: {
        verify: (r) => {
          seen.push(r.head.headers.get('authorization'));
          return verify(r);
        },
      },
    });
    const port = new URL(server.url).port;
    try {
      const { status, err } = await refusedStatus(connect<Msg, Msg>(server.url, { timeout: WAIT_MS }));
      assert.equal(status, 401);
      assert.match(err.message, /401/);
      assert.equal(seen.at(-1), undefined);

      const wrong = await refusedStatus(connect<Msg, Msg>(`ws://alice:wrong@127.0.0.1:${port}/chat`, { timeout: WAIT_MS }));
      assert.equal(wrong.status, 401);
      assert.doesNotMatch(wrong.err.message, /wrong/, 'the password is not in the error message');
      assert.equal(seen.at(-1), `Basic ${Buffer.from('alice:wrong').toString('base64')}`);

      const { peer, answer } = await rawHttp(server.url, upgradeRequest({ path: '/chat' }));
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['www-authenticate'], 'Basic realm="switchboard"');
      assertPlainBody(answer, 'Unauthorized');
      await within(peer.closed, WAIT_MS, 'the server to close after the 401');
      assert.ok(fails.every((f) => f.code === 'WS_HANDSHAKE_REFUSED'), fails.map((f) => f.code).join());
      assert.ok(fails.length >= 3);

      // ws://user:pass@host/ -> Authorization: Basic base64(user:pass), reaching verify.
      await assertServes(server, `ws://alice:s3cret@127.0.0.1:${port}/chat`);
      assert.equal(seen.at(-1), `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
      // %-escapes in the user info are decoded before encoding.
      await assertServes(server, `ws://al%69ce:s3cr%65t@127.0.0.1:${port}/chat`);
      assert.equal(seen.at(-1), `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    } finally {
      await server.close();
    }
  });

  it('refuses a bad Origin with 403 and a wrong path with 404, then serves a good client', async () => {
    const { server, fails } = await echoServer({ websocket: { verify } });
    const port = new URL(server.url).port;
    const good = `ws://alice:s3cret@127.0.0.1:${port}/chat`;
    try {
      const bad = await refusedStatus(connect<Msg, Msg>(good, { timeout: WAIT_MS, websocket: { origin: 'https://evil.example' } }));
      assert.equal(bad.status, 403);
      const { answer } = await rawHttp(
        server.url,
        upgradeRequest({ path: '/chat', origin: 'https://evil.example', headers: { Authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` } }),
      );
      assert.equal(answer.status, 403);
      assertPlainBody(answer, 'Forbidden');

      const wrongPath = await refusedStatus(connect<Msg, Msg>(`ws://alice:s3cret@127.0.0.1:${port}/admin`, { timeout: WAIT_MS }));
      assert.equal(wrongPath.status, 404);
      const notFound = await rawHttp(server.url, upgradeRequest({ path: '/secret/../admin?token=abc' }));
      assert.equal(notFound.answer.status, 404);
      assertPlainBody(notFound.answer, 'Not Found');
      assert.doesNotMatch(notFound.answer.rest.toString(), /admin|token/);
      // A query string does not change the path.
      await assertServes(server, `ws://alice:s3cret@127.0.0.1:${port}/chat?room=1`, { websocket: { origin: 'https://app.example' } });
      await assertServes(server, good);
      assert.deepEqual(
        fails.map((f) => f.code),
        ['WS_HANDSHAKE_REFUSED', 'WS_HANDSHAKE_REFUSED', 'WS_HANDSHAKE_REFUSED', 'WS_HANDSHAKE_REFUSED'],
      );
      assert.equal(server.connectionCount, 0);
    } finally {
      await server.close();
    }
  });

  it('waits for an async verify, and answers 500 without details when verify throws', async () => {
    let calls = 0;
    const { server, fails } = await echoServer({
      websocket: {
        verify: async (r) => {
          calls++;
          await sleep(30);
          if (r.path.includes('boom')) throw new Error('database password is hunter2');
          return r.path.includes('deny') ? { status: 403 } : undefined;
        },
      },
    }, '');
    try {
      await assertServes(server, `${server.url}/ok`);
      const denied = await refusedStatus(connect<Msg, Msg>(`${server.url}/deny`, { timeout: WAIT_MS }));
      assert.equal(denied.status, 403);
      const { answer } = await rawHttp(server.url, upgradeRequest({ path: '/boom' }));
      assert.equal(answer.status, 500);
      assertPlainBody(answer, 'Internal Server Error');
      assert.doesNotMatch(answer.head + answer.rest.toString(), /hunter2|database/);
      assert.ok(fails.some((f) => /hunter2/.test(f.message)), 'the local log keeps what verify threw');
      await assertServes(server, `${server.url}/again`);
      assert.equal(calls, 4);
    } finally {
      await server.close();
    }
  });
});

describe('websocket handshake: malformed requests', () => {
  it('answers garbage with 400 and closes the socket', async () => {
    const { server, fails } = await echoServer();
    try {
      for (const garbage of ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 'hello there\r\n\r\n', 'GET /chat HTTP/1.1\nHost: x\n\n']) {
        const { peer, answer } = await rawHttp(server.url, garbage);
        assert.equal(answer.status, 400, JSON.stringify(garbage));
        assertPlainBody(answer, 'Bad Request');
        await within(peer.closed, WAIT_MS, 'the server to close after the 400');
      }
      // A valid HTTP request that is not an upgrade.
      const plain = await rawHttp(server.url, 'GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      assert.equal(plain.answer.status, 426);
      assert.match(plain.answer.headers['upgrade'] ?? '', /websocket/i);
      // A key that is not 16 bytes.
      const badKey = await rawHttp(server.url, upgradeRequest({ path: '/chat', key: 'c2hvcnQ=' }));
      assert.equal(badKey.answer.status, 400);
      assertPlainBody(badKey.answer, 'Bad Request');
      await assertServes(server);
      assert.ok(fails.length >= 5 && fails.every((f) => f.code.startsWith('WS_')), fails.map((f) => f.code).join());
    } finally {
      await server.close();
    }
  });

  it('answers a non-GET with 405 (Allow: GET) and version 12 with 426 + Sec-WebSocket-Version: 13', async () => {
    const { server, fails } = await echoServer();
    try {
      const post = await rawHttp(server.url, upgradeRequest({ path: '/chat', method: 'POST' }));
      assert.equal(post.answer.status, 405);
      assert.equal(post.answer.headers['allow'], 'GET');
      assertPlainBody(post.answer, 'Method Not Allowed');
      await within(post.peer.closed, WAIT_MS, 'the server to close after the 405');

      const v12 = await rawHttp(server.url, upgradeRequest({ path: '/chat', version: '12' }));
      assert.equal(v12.answer.status, 426);
      assert.equal(v12.answer.headers['sec-websocket-version'], '13');
      assertPlainBody(v12.answer, 'Upgrade Required');
      await within(v12.peer.closed, WAIT_MS, 'the server to close after the 426');
      assert.deepEqual(
        fails.map((f) => f.code),
        ['WS_BAD_REQUEST', 'WS_UNSUPPORTED_VERSION'],
      );
      await assertServes(server);
    } finally {
      await server.close();
    }
  });

  it('answers an oversize head with 431 before reading all of it', async () => {
    const { server, fails } = await echoServer();
    try {
      // Many header lines, each under the 8 KiB line limit, over 16 KiB in all.
      const filler: Record<string, string> = {};
      for (let i = 0; i < 6; i++) filler[`X-Filler-${i}`] = 'a'.repeat(4000);
      const many = await rawHttp(server.url, upgradeRequest({ path: '/chat', headers: filler }));
      assert.equal(many.answer.status, 431);
      assertPlainBody(many.answer, 'Request Header Fields Too Large');
      await within(many.peer.closed, WAIT_MS, 'the server to close after the 431');

      // One header line over 8 KiB, sent without an end: refused as soon as the limit is passed.
      const peer = await rawConnect(tcpUrlOf(server.url));
      await peer.write(`GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${'c'.repeat(9000)}`);
      await waitFor(() => parseHttpAnswer(peer.received()) !== undefined || peer.isClosed, WAIT_MS, 'the 431');
      assert.equal(parseHttpAnswer(peer.received())?.status, 431);
      await within(peer.closed, WAIT_MS, 'the server to close');

      // A custom, smaller limit.
      const small = await echoServer({ websocket: { httpLimits: { maxHeadSize: 1024 } } });
      try {
        const r = await rawHttp(small.server.url, upgradeRequest({ path: '/chat', headers: { 'X-Big': 'b'.repeat(1100) } }));
        assert.equal(r.answer.status, 431);
        await assertServes(small.server);
      } finally {
        await small.server.close();
      }
      assert.deepEqual(
        fails.map((f) => f.code),
        ['WS_HEAD_TOO_LARGE', 'WS_HEAD_TOO_LARGE'],
      );
      await assertServes(server);
    } finally {
      await server.close();
    }
  });
});

describe('websocket handshake: resource limits', () => {
  it('cuts off a slowloris peer (one byte per 50 ms) at handshakeTimeout', async () => {
    const { server, fails } = await echoServer({ handshakeTimeout: 300 });
    try {
      const peer = await rawConnect(tcpUrlOf(server.url));
      const request = upgradeRequest({ path: '/chat', headers: { 'User-Agent': 'slow'.repeat(20) } });
      // At 50 ms a byte the whole head would take over 10 s: the server must not wait for it.
      const written = await within(dribble(peer.socket, request, 50), WAIT_MS, 'the server to cut the slow peer off');
      await within(peer.closed, WAIT_MS, 'the slow socket to close');
      assert.ok(written < request.length, `the server waited for the whole head (${written} of ${request.length} bytes)`);
      assert.equal(parseHttpAnswer(peer.received()), undefined, 'no 101 for a head that never finished');
      await waitFor(() => fails.length === 1, WAIT_MS, 'the timeout report');
      assert.equal(fails[0]!.code, 'HANDSHAKE_TIMEOUT');

      // A silent peer too.
      const silent = await rawConnect(tcpUrlOf(server.url));
      await within(silent.closed, WAIT_MS, 'the silent socket to close');
      await assertServes(server);
    } finally {
      await server.close();
    }
  });

  it('bounds a slow verify hook by handshakeTimeout too', async () => {
    const { server, fails } = await echoServer(
      {
        handshakeTimeout: 200,
        websocket: {
          verify: async (r) => {
            if (r.path === '/slow') await sleep(1000);
            return undefined;
          },
        },
      },
      '',
    );
    try {
      const peer = await rawConnect(tcpUrlOf(server.url));
      await peer.write(upgradeRequest({ path: '/slow' }));
      await within(peer.closed, WAIT_MS, 'the server to drop the socket');
      assert.equal(peer.received().length, 0, 'no answer for a request whose verify did not finish in time');
      await assert.rejects(connect<Msg, Msg>(`${server.url}/slow`, { timeout: WAIT_MS }), { code: 'CONNECT_FAILED' });
      assert.ok(fails.length >= 2 && fails.every((f) => f.code === 'HANDSHAKE_TIMEOUT'), fails.map((f) => f.code).join());
      await assertServes(server, `${server.url}/fast`);
      await sleep(1100); // the late verify results are ignored
      assert.equal(server.connectionCount, 0);
      await assertServes(server, `${server.url}/fast`);
    } finally {
      await server.close();
    }
  });

  it('answers 503 over maxConnections (handshakes in progress count) and takes new clients once one leaves', async () => {
    const rejects: string[] = [];
    const fails: SwitchboardError[] = [];
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/chat', {
      maxConnections: 2,
      callbacks: { onReceive: (c, m) => void c.send(m), onReject: (_r, e) => void rejects.push(e.code), onFail: (e) => void fails.push(e) },
    });
    try {
      const a = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      // A raw socket in the middle of its handshake holds the second place.
      const half = await rawConnect(tcpUrlOf(server.url));
      await half.write('GET /chat HTTP/1.1\r\n');
      await sleep(50);

      const over = await refusedStatus(connect<Msg, Msg>(server.url, { timeout: WAIT_MS }));
      assert.equal(over.status, 503);
      const { peer, answer } = await rawHttp(server.url, upgradeRequest({ path: '/chat' }));
      assert.equal(answer.status, 503);
      assertPlainBody(answer, 'Service Unavailable');
      await within(peer.closed, WAIT_MS, 'the refused socket to close');
      assert.deepEqual(rejects, ['MAX_CONNECTIONS', 'MAX_CONNECTIONS']);

      // The half-done handshake finishes and works.
      const key = newKey();
      await half.write(upgradeRequest({ path: '/chat', key }).slice('GET /chat HTTP/1.1\r\n'.length));
      await waitFor(() => parseHttpAnswer(half.received()) !== undefined, WAIT_MS, 'the 101');
      assert.equal(parseHttpAnswer(half.received())!.headers['sec-websocket-accept'], acceptFor(key));
      half.destroy();

      a.send('a');
      assert.equal(await a.receive({ timeout: WAIT_MS }), 'a');
      await a.close();
      await waitFor(() => server.connectionCount === 0, WAIT_MS, 'both to leave');
      await assertServes(server);
      assert.deepEqual(fails.filter((f) => f.code !== 'CONNECTION_RESET' && f.code !== 'FRAME_TRUNCATED').map((f) => f.code), []);
    } finally {
      await server.close();
    }
  });
});

describe('websocket handshake: attachWebSocket', () => {
  it('answers 503 over maxConnections and runs verify on a node:http server', async () => {
    const httpServer = http.createServer((_req, res) => void res.end('http'));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const port = (httpServer.address() as AddressInfo).port;
    const fails: SwitchboardError[] = [];
    const ws = attachWebSocket<Msg, Msg>(httpServer, {
      path: '/m',
      maxConnections: 1,
      websocket: { verify: (r) => (r.origin === 'https://evil.example' ? { status: 403 } : undefined) },
      callbacks: { onReceive: (c, m) => void c.send(m), onFail: (e) => void fails.push(e) },
    });
    try {
      const url = `ws://127.0.0.1:${port}/m`;
      const forbidden = await refusedStatus(connect<Msg, Msg>(url, { timeout: WAIT_MS, websocket: { origin: 'https://evil.example' } }));
      assert.equal(forbidden.status, 403);
      const a = await connect<Msg, Msg>(url, { timeout: WAIT_MS });
      await waitFor(() => ws.connectionCount === 1, WAIT_MS, 'the first connection');
      const over = await refusedStatus(connect<Msg, Msg>(url, { timeout: WAIT_MS }));
      assert.equal(over.status, 503);
      const { peer, answer } = await rawHttp(url, upgradeRequest({ path: '/m' }));
      assert.equal(answer.status, 503);
      assertPlainBody(answer, 'Service Unavailable');
      await within(peer.closed, WAIT_MS, 'the refused socket to close');
      await a.close();
      await waitFor(() => ws.connectionCount === 0, WAIT_MS, 'the first to leave');
      await assertServes(ws as Server<Msg, Msg>, url);
      assert.deepEqual(
        fails.map((f) => f.code),
        ['WS_HANDSHAKE_REFUSED', 'MAX_CONNECTIONS', 'MAX_CONNECTIONS'],
      );
    } finally {
      await ws.close();
      httpServer.closeAllConnections();
      await within(new Promise<void>((resolve) => httpServer.close(() => resolve())), WAIT_MS, 'the HTTP server to close');
    }
  });
});

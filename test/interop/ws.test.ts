/**
 * Interop with the `ws` npm package (the most used Node WebSocket implementation): our client
 * against a `ws` server and a `ws` client against our server, with permessage-deflate on and
 * off on both sides. Text and binary from 0 bytes to 16 MiB, fragmented messages (with a ping
 * between fragments and a UTF-8 character split across them), pings both ways, close codes and
 * reasons both ways. Loopback only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type PerMessageDeflateOptions, type RawData } from 'ws';
import { connect, listen, type CloseInfo, type Connection } from '../../src/index.js';
import { within } from '../helpers/net.js';
import { testPki } from '../helpers/tls.js';
import {
  BIG_LIMITS,
  BIG_QUEUE,
  MiB,
  SIZES,
  STEP_MS,
  binaryPayload,
  startEchoServer,
  summary,
  textPayload,
  type EchoServer,
  type Msg,
} from './helpers.js';

const WS_MAX_PAYLOAD = 64 * MiB;
const CLOSES: Array<{ code: number; reason: string }> = [
  { code: 1000, reason: '' },
  { code: 1001, reason: 'going away' },
  { code: 4000, reason: 'custom reason \u00e9\u20ac' },
];

function rawToBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** A `ws` socket with its messages queued, pings seen and close recorded. */
interface WsPeer {
  ws: WebSocket;
  next(): Promise<{ data: Buffer; binary: boolean }>;
  pings: Buffer[];
  pongs: Buffer[];
  closed: Promise<{ code: number; reason: string }>;
}

function wrapWs(ws: WebSocket): WsPeer {
  const queue: Array<{ data: Buffer; binary: boolean }> = [];
  const waiting: Array<(m: { data: Buffer; binary: boolean }) => void> = [];
  const pings: Buffer[] = [];
  const pongs: Buffer[] = [];
  ws.on('message', (data, isBinary) => {
    const m = { data: rawToBuffer(data), binary: isBinary };
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  ws.on('ping', (d) => pings.push(d));
  ws.on('pong', (d) => pongs.push(d));
  ws.on('error', () => {}); // shows up as the close code
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  return {
    ws,
    pings,
    pongs,
    closed,
    next: () => {
      const m = queue.shift();
      return within(m ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve)), STEP_MS, 'a message on the ws socket');
    },
  };
}

const asText = (m: { data: Buffer; binary: boolean }): string => {
  assert.equal(m.binary, false, 'expected a text message');
  return m.data.toString('utf8');
};

/** Splits "€" (e2 82 ac) across two fragments, with a ping between them. */
const SPLIT_TEXT = Buffer.from('fragmented \u20ac text \u{1F600}', 'utf8');

// ------------------------------------------------------------------------------------------------

for (const compression of [false, true]) {
  const mode = compression ? 'permessage-deflate on' : 'permessage-deflate off';

  describe(`interop ws: our client -> ws server (${mode})`, () => {
    let wss: WebSocketServer;
    let url: string;
    const peers: WsPeer[] = [];
    const conns: Array<Connection<Msg, Msg>> = [];

    before(async () => {
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: compression, maxPayload: WS_MAX_PAYLOAD });
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
      url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
      wss.on('connection', (ws) => {
        const peer = wrapWs(ws);
        peers.push(peer);
        // An echo server with commands; the queue in wrapWs is bypassed by a direct listener.
        ws.removeAllListeners('message');
        ws.on('message', (data, isBinary) => {
          const buf = rawToBuffer(data);
          const text = isBinary ? undefined : buf.toString('utf8');
          if (text?.startsWith('!close ')) {
            const [, code, reason = ''] = /^!close (\d+) ?(.*)$/s.exec(text) ?? [];
            ws.close(Number(code), reason);
          } else if (text?.startsWith('!ping ')) {
            ws.once('pong', (d) => ws.send(`pong:${d.toString('utf8')}`));
            ws.ping(text.slice('!ping '.length));
          } else if (text === '!fragments-text') {
            ws.send(SPLIT_TEXT.subarray(0, 12), { binary: false, fin: false });
            ws.ping('between fragments');
            ws.send(SPLIT_TEXT.subarray(12, 20), { binary: false, fin: false });
            ws.send(SPLIT_TEXT.subarray(20), { binary: false, fin: true });
          } else if (text === '!fragments-binary') {
            const all = binaryPayload(100 * 1000, 7);
            for (let i = 0; i < 1000; i++) ws.send(all.subarray(i * 100, (i + 1) * 100), { binary: true, fin: i === 999 });
          } else {
            ws.send(buf, { binary: isBinary });
          }
        });
      });
    });

    after(async () => {
      for (const c of conns) c.destroy();
      for (const c of wss?.clients ?? []) c.terminate();
      await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
    });

    async function open(): Promise<Connection<Msg, Msg>> {
      const conn = await connect<Msg, Msg>(url, { websocket: { compression, limits: BIG_LIMITS }, maxQueuedBytes: BIG_QUEUE, timeout: STEP_MS });
      conns.push(conn);
      return conn;
    }

    it(`negotiates compression ${compression ? 'on' : 'off'} (conn.meta and ws extensions agree)`, async () => {
      const conn = await open();
      assert.equal(conn.meta['compression'], compression);
      const peer = peers[peers.length - 1]!;
      assert.equal(peer.ws.extensions.includes('permessage-deflate'), compression, `ws negotiated "${peer.ws.extensions}"`);
      // Compression is really used: a compressible 1 MiB text costs far fewer bytes on the wire.
      const big = textPayload(1 * MiB);
      conn.send(big);
      assert.equal(await conn.receive({ timeout: STEP_MS }), big);
      if (compression) {
        assert.ok(conn.stats.bytesOut < 256 * 1024, `sent ${conn.stats.bytesOut} bytes for 1 MiB of text`);
        assert.ok(conn.stats.bytesIn < 256 * 1024, `received ${conn.stats.bytesIn} bytes for 1 MiB of text`);
      } else {
        assert.ok(conn.stats.bytesOut > 1 * MiB);
        assert.ok(conn.stats.bytesIn > 1 * MiB);
      }
      const info = await conn.close();
      assert.equal(info.code, 1000);
      assert.equal(info.clean, true);
    });

    it('echoes text and binary messages from 0 bytes to 16 MiB byte-exact', async () => {
      const conn = await open();
      for (const size of [0, ...SIZES]) {
        for (const kind of ['text', 'binary'] as const) {
          const msg: Msg = kind === 'text' ? textPayload(size) : binaryPayload(size, size);
          conn.send(msg);
          const got = await conn.receive({ timeout: STEP_MS });
          assert.deepEqual(summary(got), summary(msg), `${kind} of ${size} bytes`);
          if (typeof msg === 'string') assert.ok(got === msg, `${kind} of ${size} bytes differs`);
        }
      }
      assert.equal((await conn.close()).clean, true);
    });

    it('receives fragmented messages from ws (a ping between fragments, UTF-8 split across them, 1000 fragments)', async () => {
      const conn = await open();
      const peer = peers[peers.length - 1]!;
      conn.send('!fragments-text');
      assert.equal(await conn.receive({ timeout: STEP_MS }), SPLIT_TEXT.toString('utf8'));
      conn.send('!fragments-binary');
      const bin = await conn.receive({ timeout: STEP_MS });
      assert.ok(bin instanceof Uint8Array);
      assert.deepEqual(summary(bin), summary(binaryPayload(100 * 1000, 7)));
      assert.equal((await conn.close()).clean, true);
      assert.equal((await within(peer.closed, STEP_MS)).code, 1000);
    });

    it('pings both ways: conn.ping() gets ws\'s pong, ws.ping() gets ours', async () => {
      const conn = await open();
      for (let i = 0; i < 3; i++) {
        const rtt = await conn.ping({ timeout: STEP_MS });
        assert.ok(rtt >= 0 && Number.isFinite(rtt), `rtt ${rtt}`);
      }
      conn.send('!ping hello-from-ws');
      assert.equal(await conn.receive({ timeout: STEP_MS }), 'pong:hello-from-ws');
      await conn.close();
    });

    for (const { code, reason } of CLOSES) {
      it(`our client closes with ${code}${reason ? ` "${reason}"` : ''}: ws sees it`, async () => {
        const conn = await open();
        const peer = peers[peers.length - 1]!;
        conn.send('before close');
        assert.equal(await conn.receive({ timeout: STEP_MS }), 'before close');
        const info = await within(conn.close({ code, reason }), STEP_MS, 'our close');
        assert.deepEqual(await within(peer.closed, STEP_MS, 'ws close event'), { code, reason });
        assert.equal(info.code, code);
        assert.equal(info.initiator, 'local');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
      });

      it(`ws server closes with ${code}${reason ? ` "${reason}"` : ''}: our client sees it`, async () => {
        const conn = await open();
        const peer = peers[peers.length - 1]!;
        conn.send(`!close ${code} ${reason}`);
        const info: CloseInfo = await within(conn.closed, STEP_MS, 'our connection to close');
        assert.equal(info.code, code);
        assert.equal(info.reason, reason);
        assert.equal(info.initiator, 'peer');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
        assert.equal((await within(peer.closed, STEP_MS, 'ws close event')).code, code);
      });
    }
  });

  // ----------------------------------------------------------------------------------------------

  describe(`interop ws: ws client -> our server (${mode})`, () => {
    let echo: EchoServer;
    const clients: WsPeer[] = [];

    before(async () => {
      echo = await startEchoServer('ws://127.0.0.1:0/echo', { websocket: { compression, limits: BIG_LIMITS } });
    });

    after(async () => {
      for (const c of clients) c.ws.terminate();
      await echo?.server.close({ timeout: 2000 });
    });

    /** A ws client; `index` is its connection's place in `echo.conns`. */
    async function open(): Promise<WsPeer & { index: number }> {
      const index = echo.conns.length;
      const ws = new WebSocket(echo.url, { perMessageDeflate: compression, maxPayload: WS_MAX_PAYLOAD });
      const peer = wrapWs(ws);
      clients.push(peer);
      await within(
        new Promise<void>((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        }),
        STEP_MS,
        'the ws client to open',
      );
      return { ...peer, index };
    }

    it(`negotiates compression ${compression ? 'on' : 'off'} (ws extensions and conn.meta agree)`, async () => {
      const peer = await open();
      peer.ws.send('hello');
      assert.equal(asText(await peer.next()), 'hello');
      const conn = await echo.conn(peer.index);
      assert.equal(peer.ws.extensions.includes('permessage-deflate'), compression, `ws negotiated "${peer.ws.extensions}"`);
      assert.equal(conn.meta['compression'], compression);
      const before = conn.stats.bytesIn;
      const big = textPayload(1 * MiB);
      peer.ws.send(big);
      assert.equal(asText(await peer.next()), big);
      const inBytes = conn.stats.bytesIn - before;
      if (compression) assert.ok(inBytes < 256 * 1024, `received ${inBytes} bytes for 1 MiB of text`);
      else assert.ok(inBytes > 1 * MiB);
      peer.ws.close(1000);
      assert.equal((await within(peer.closed, STEP_MS)).code, 1000);
    });

    it('echoes text and binary messages from 0 bytes to 16 MiB byte-exact', async () => {
      const peer = await open();
      for (const size of [0, ...SIZES]) {
        for (const binary of [false, true]) {
          const msg = binary ? Buffer.from(binaryPayload(size, size + 1)) : textPayload(size);
          peer.ws.send(msg, { binary });
          const got = await peer.next();
          assert.equal(got.binary, binary, `type of the echo of ${size} bytes`);
          assert.deepEqual(summary(got.data, binary), summary(msg, binary), `${binary ? 'binary' : 'text'} of ${size} bytes`);
        }
      }
      peer.ws.close(1000);
      assert.equal((await within(peer.closed, STEP_MS)).code, 1000);
    });

    it('receives fragmented messages from ws (a ping between fragments, UTF-8 split across them, 1000 fragments)', async () => {
      const peer = await open();
      peer.ws.send(SPLIT_TEXT.subarray(0, 12), { binary: false, fin: false });
      peer.ws.ping('between fragments');
      peer.ws.send(SPLIT_TEXT.subarray(12, 20), { binary: false, fin: false });
      peer.ws.send(SPLIT_TEXT.subarray(20), { binary: false, fin: true });
      assert.equal(asText(await peer.next()), SPLIT_TEXT.toString('utf8'));
      const all = Buffer.from(binaryPayload(100 * 1000, 9));
      for (let i = 0; i < 1000; i++) peer.ws.send(all.subarray(i * 100, (i + 1) * 100), { binary: true, fin: i === 999 });
      const got = await peer.next();
      assert.equal(got.binary, true);
      assert.ok(got.data.equals(all), 'the 1000-fragment binary message differs');
      const conn = await echo.conn(peer.index);
      assert.deepEqual(
        echo.received.get(conn)!.map((m) => summary(m)),
        [summary(SPLIT_TEXT.toString('utf8')), summary(new Uint8Array(all))],
      );
      assert.equal(peer.pongs.map((b) => b.toString()).join(), 'between fragments');
      peer.ws.close(1000);
      await within(peer.closed, STEP_MS);
    });

    it("pings both ways: ws.ping() gets our pong, conn.ping() gets ws's", async () => {
      const peer = await open();
      peer.ws.ping('ping-1');
      peer.ws.ping('ping-2');
      peer.ws.send('!ping');
      assert.equal(asText(await peer.next()), 'pong-ok');
      // RFC 6455 5.5.3: two pings read together may get one pong, for the latest.
      const pongs = peer.pongs.map((b) => b.toString());
      assert.ok(pongs.length >= 1 && pongs.every((p) => p === 'ping-1' || p === 'ping-2'), `pongs ${pongs.join(',')}`);
      assert.equal(pongs.at(-1), 'ping-2');
      assert.equal(peer.pings.length, 1, 'ws saw our ping');
      peer.ws.close(1000);
      await within(peer.closed, STEP_MS);
    });

    for (const { code, reason } of CLOSES) {
      it(`ws client closes with ${code}${reason ? ` "${reason}"` : ''}: our server sees it`, async () => {
        const peer = await open();
          peer.ws.send('before close');
        assert.equal(asText(await peer.next()), 'before close');
        const conn = await echo.conn(peer.index);
        peer.ws.close(code, reason);
        const info = await within(conn.closed, STEP_MS, 'our server connection to close');
        assert.equal(info.code, code);
        assert.equal(info.reason, reason);
        assert.equal(info.initiator, 'peer');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
        assert.equal((await within(peer.closed, STEP_MS, 'ws close event')).code, code);
      });

      it(`our server closes with ${code}${reason ? ` "${reason}"` : ''}: the ws client sees it`, async () => {
        const peer = await open();
          peer.ws.send(`!close ${code} ${reason}`);
        assert.deepEqual(await within(peer.closed, STEP_MS, 'ws close event'), { code, reason });
        const info = await within((await echo.conn(peer.index)).closed, STEP_MS, 'our server connection to close');
        assert.equal(info.code, code);
        assert.equal(info.initiator, 'local');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
      });
    }

    it('reported no failures on our server', () => {
      assert.deepEqual(echo.failures.map((e) => e.message), []);
    });
  });
}

// ------------------------------------------------------------------------------------------------
// permessage-deflate parameters (RFC 7692 7.1): window sizes and context takeover, both ways.

/**
 * Messages that break when a side gets the parameters wrong: back-references at 300 and 2000
 * bytes (past a 256- or 512-byte window), a message repeated (references into the previous
 * message, wrong without context takeover), an empty and a 1-byte message, and 100 KiB.
 */
function windowProbes(): Msg[] {
  const b300 = Buffer.from(binaryPayload(225, 21)).toString('base64'); // 300 characters
  const block = binaryPayload(2000, 22);
  const far = new Uint8Array(6000);
  for (let i = 0; i < 3; i++) far.set(block, i * 2000);
  return [b300.repeat(4), far, far, '', new Uint8Array(0), 'x', b300.repeat(4), textPayload(100 * 1024), far];
}

interface DeflateCase {
  name: string;
  /** ws's perMessageDeflate options. */
  ws: Record<string, unknown>;
  /** Our compression options. */
  ours: boolean | Record<string, unknown>;
  /** Parameters that must appear in the negotiated extension header. */
  expect: string[];
}

const DEFLATE_CASES: DeflateCase[] = [
  { name: 'no context takeover both ways (asked by ws)', ws: { serverNoContextTakeover: true, clientNoContextTakeover: true }, ours: true, expect: ['server_no_context_takeover', 'client_no_context_takeover'] },
  { name: '9-bit windows both ways (asked by ws)', ws: { serverMaxWindowBits: 9, clientMaxWindowBits: 9 }, ours: true, expect: ['server_max_window_bits=9', 'client_max_window_bits=9'] },
  { name: '8-bit windows both ways (asked by ws)', ws: { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }, ours: true, expect: ['server_max_window_bits=8', 'client_max_window_bits=8'] },
  {
    name: 'no context takeover and small windows (asked by us)',
    ws: {},
    ours: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
    expect: ['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits=10'],
  },
];

/** Sends `data` as one message in `n` fragments (fewer for tiny messages), with a ping after the first. */
function sendFragmented(ws: WebSocket, data: Buffer, binary: boolean, n: number): void {
  const step = Math.max(1, Math.ceil(data.length / n));
  if (data.length <= step) {
    ws.send(data, { binary });
    return;
  }
  for (let off = 0; off < data.length; off += step) {
    ws.send(data.subarray(off, off + step), { binary, fin: off + step >= data.length });
    if (off === 0) ws.ping('between fragments');
  }
}

const paramsOf = (header: string): string[] => header.split(';').map((p) => p.trim().replace(/\s*=\s*/, '='));

describe('interop ws: permessage-deflate parameters', () => {
  const wssList: WebSocketServer[] = [];
  const clients: WsPeer[] = [];
  const conns: Array<Connection<Msg, Msg>> = [];
  const echoes: EchoServer[] = [];

  after(async () => {
    for (const c of conns) c.destroy();
    for (const c of clients) c.ws.terminate();
    for (const w of wssList) for (const c of w.clients) c.terminate();
    await Promise.all(wssList.map((w) => new Promise<void>((resolve) => w.close(() => resolve()))));
    await Promise.all(echoes.map((e) => e.server.close({ timeout: 2000 })));
  });

  for (const c of DEFLATE_CASES) {
    it(`our client -> ws server: ${c.name}`, async () => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0, ...c.ws } });
      wssList.push(wss);
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
      const closes: Array<Promise<{ code: number; reason: string }>> = [];
      const extensions: string[] = []; // the Sec-WebSocket-Extensions answers ws sent
      wss.on('headers', (headers) => {
        for (const h of headers) if (/^sec-websocket-extensions:/i.test(h)) extensions.push(h.slice(h.indexOf(':') + 1).trim());
      });
      wss.on('connection', (ws) => {
        ws.on('error', () => {});
        closes.push(new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))));
        // Echo in 4 fragments (each compressed with threshold 0) to exercise compressed fragments.
        ws.on('message', (data, isBinary) => sendFragmented(ws, rawToBuffer(data), isBinary, 4));
      });
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
      const conn = await connect<Msg, Msg>(url, { websocket: { compression: c.ours, limits: { compressionThreshold: 0 } }, timeout: STEP_MS });
      conns.push(conn);
      assert.equal(conn.meta['compression'], true);
      const header = String((conn.meta['headers'] as Record<string, string>)['sec-websocket-extensions']);
      for (const p of c.expect) assert.ok(paramsOf(header).includes(p), `"${p}" in the response "${header}"`);
      assert.deepEqual(paramsOf(header), paramsOf(extensions[0] ?? ''), 'the header we read is the one ws sent');
      for (const [i, msg] of windowProbes().entries()) {
        conn.send(msg);
        const got = await conn.receive({ timeout: STEP_MS });
        assert.deepEqual(summary(got), summary(msg), `probe ${i}`);
      }
      const info = await conn.close();
      assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
      assert.deepEqual(await within(closes[0]!, STEP_MS), { code: 1000, reason: '' });
    });

    it(`ws client -> our server: ${c.name}`, async () => {
      // The same wishes, from the other side: what ws asked as a server, our server asks now.
      const ours = typeof c.ours === 'object' ? c.ours : { ...c.ws };
      const echo = await startEchoServer('ws://127.0.0.1:0/', { websocket: { compression: ours, limits: { compressionThreshold: 0 } } });
      echoes.push(echo);
      const ws = new WebSocket(echo.url, { perMessageDeflate: { threshold: 0, ...(typeof c.ours === 'object' ? c.ours : {}) } as PerMessageDeflateOptions });
      const peer = wrapWs(ws);
      clients.push(peer);
      let answer = '';
      ws.once('upgrade', (res) => (answer = String(res.headers['sec-websocket-extensions'] ?? '')));
      await within(
        new Promise<void>((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        }),
        STEP_MS,
        'the ws client to open',
      );
      assert.equal(ws.extensions, 'permessage-deflate');
      for (const p of c.expect) assert.ok(paramsOf(answer).includes(p), `"${p}" in our answer "${answer}"`);
      const conn = await echo.conn(0);
      assert.equal(conn.meta['compression'], true);
      for (const [i, msg] of windowProbes().entries()) {
        const binary = typeof msg !== 'string';
        sendFragmented(ws, typeof msg === 'string' ? Buffer.from(msg) : Buffer.from(msg), binary, i % 2 === 0 ? 3 : 1);
        const got = await peer.next();
        assert.equal(got.binary, binary, `type of probe ${i}`);
        assert.deepEqual(summary(got.data, binary), summary(msg, binary), `probe ${i}`);
      }
      ws.close(1000);
      assert.equal((await within(peer.closed, STEP_MS)).code, 1000);
      const info = await within(conn.closed, STEP_MS);
      assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
      assert.deepEqual(echo.failures.map((e) => e.message), []);
    });
  }
});

// ------------------------------------------------------------------------------------------------
// wss:// (TLS, the test CA in test/fixtures/tls), with permessage-deflate.

describe('interop ws: wss:// both ways', () => {
  const pki = testPki();
  let https: HttpsServer | undefined;
  let wss: WebSocketServer | undefined;
  let echo: EchoServer | undefined;
  const conns: Array<Connection<Msg, Msg>> = [];
  const clients: WsPeer[] = [];
  const messages = (): Msg[] => ['over TLS \u20ac', binaryPayload(1 * MiB, 31), textPayload(300 * 1024)];

  after(async () => {
    for (const c of conns) c.destroy();
    for (const c of clients) c.ws.terminate();
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
    if (https) {
      https.closeAllConnections();
      await new Promise<void>((resolve) => https!.close(() => resolve()));
    }
    await echo?.server.close({ timeout: 2000 });
  });

  it('our client -> ws server on node:https', async () => {
    https = createHttpsServer({ cert: pki.serverCert, key: pki.serverKey });
    wss = new WebSocketServer({ server: https, perMessageDeflate: true });
    const closes: Array<Promise<{ code: number; reason: string }>> = [];
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      closes.push(new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))));
      ws.on('message', (data, isBinary) => ws.send(rawToBuffer(data), { binary: isBinary }));
    });
    await new Promise<void>((resolve) => https!.listen(0, '127.0.0.1', resolve));
    const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/secure`;
    const conn = await connect<Msg, Msg>(url, { tls: { ca: pki.ca }, timeout: STEP_MS });
    conns.push(conn);
    assert.equal(conn.meta['compression'], true);
    for (const msg of messages()) {
      conn.send(msg);
      assert.deepEqual(summary(await conn.receive({ timeout: STEP_MS })), summary(msg));
    }
    const info = await conn.close({ code: 4001, reason: 'tls bye' });
    assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
    assert.deepEqual(await within(closes[0]!, STEP_MS), { code: 4001, reason: 'tls bye' });
  });

  it('ws client -> our wss:// server', async () => {
    echo = await startEchoServer('wss://127.0.0.1:0/secure', { tls: { cert: pki.serverCert, key: pki.serverKey } });
    assert.match(echo.url, /^wss:\/\/127\.0\.0\.1:\d+\/secure$/);
    const ws = new WebSocket(echo.url, { ca: pki.ca, perMessageDeflate: true });
    const peer = wrapWs(ws);
    clients.push(peer);
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      STEP_MS,
      'the ws client to open',
    );
    assert.equal(ws.extensions, 'permessage-deflate');
    for (const msg of messages()) {
      const binary = typeof msg !== 'string';
      ws.send(msg, { binary });
      const got = await peer.next();
      assert.deepEqual(summary(got.data, got.binary), summary(msg, binary));
    }
    ws.send('!close 4002 tls server bye');
    assert.deepEqual(await within(peer.closed, STEP_MS), { code: 4002, reason: 'tls server bye' });
    const info = await within((await echo.conn(0)).closed, STEP_MS);
    assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
    assert.deepEqual(echo.failures.map((e) => e.message), []);
  });
});

// ------------------------------------------------------------------------------------------------
// The opening handshake: subprotocols, Origin, extra headers, refusals, and a close without a code.

describe('interop ws: handshake details', () => {
  const wssList: WebSocketServer[] = [];
  const echoes: EchoServer[] = [];
  const conns: Array<Connection<Msg, Msg>> = [];
  const clients: WsPeer[] = [];

  after(async () => {
    for (const c of conns) c.destroy();
    for (const c of clients) c.ws.terminate();
    for (const w of wssList) for (const c of w.clients) c.terminate();
    await Promise.all(wssList.map((w) => new Promise<void>((resolve) => w.close(() => resolve()))));
    await Promise.all(echoes.map((e) => e.server.close({ timeout: 2000 })));
  });

  async function wsServer(options: ConstructorParameters<typeof WebSocketServer>[0]): Promise<{ wss: WebSocketServer; port: number }> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
    wssList.push(wss);
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return { wss, port: (wss.address() as AddressInfo).port };
  }

  function wsOpen(url: string, protocols: string[], options: ConstructorParameters<typeof WebSocket>[2] = {}): { peer: WsPeer; opened: Promise<void> } {
    const ws = new WebSocket(url, protocols, options);
    const peer = wrapWs(ws);
    clients.push(peer);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return { peer, opened };
  }

  it('our client: subprotocol chosen by ws, Origin and extra headers reach ws', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const { wss, port } = await wsServer({ handleProtocols: (offered) => (offered.has('chat.v1') ? 'chat.v1' : false) });
    wss.on('connection', (ws, req) => {
      seen = req.headers;
      ws.on('message', (d, b) => ws.send(rawToBuffer(d), { binary: b }));
    });
    const conn = await connect<Msg, Msg>(`ws://127.0.0.1:${port}/chat?room=1`, {
      websocket: { subprotocols: ['chat.v2', 'chat.v1'], origin: 'http://app.example', headers: { 'X-Trace': 'abc 123' } },
      timeout: STEP_MS,
    });
    conns.push(conn);
    assert.equal(conn.meta['subprotocol'], 'chat.v1');
    assert.equal(seen['origin'], 'http://app.example');
    assert.equal(seen['x-trace'], 'abc 123');
    assert.equal(seen['sec-websocket-protocol'], 'chat.v2, chat.v1');
    conn.send('hi');
    assert.equal(await conn.receive({ timeout: STEP_MS }), 'hi');
    await conn.close();
  });

  it('our client: a ws server that refuses the upgrade (403) fails connect() with CONNECT_FAILED', async () => {
    const { port } = await wsServer({ verifyClient: (_info: unknown, cb: (ok: boolean, code?: number) => void) => cb(false, 403) });
    await assert.rejects(connect(`ws://127.0.0.1:${port}/`, { timeout: STEP_MS }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CONNECT_FAILED');
      assert.match(err.message, /403/);
      return true;
    });
  });

  it('ws client: our server picks the subprotocol and sees Origin and the path', async () => {
    // No path in the URL: every path is served.
    const echo = await startEchoServer('ws://127.0.0.1:0', { websocket: { subprotocols: ['chat.v1', 'chat.v2'] } });
    echoes.push(echo);
    const { peer, opened } = wsOpen(`${echo.url.replace(/\/$/, '')}/room/7?x=1`, ['chat.v2', 'chat.v1'], { origin: 'http://app.example' });
    await within(opened, STEP_MS, 'the ws client to open');
    // Our server takes the first one the client offered that it speaks.
    assert.equal(peer.ws.protocol, 'chat.v2');
    const conn = await echo.conn(0);
    assert.equal(conn.meta['subprotocol'], 'chat.v2');
    assert.equal(conn.meta['origin'], 'http://app.example');
    assert.equal(conn.meta['path'], '/room/7?x=1');
    peer.ws.close();
    // A close frame without a status code: both sides report 1005 (RFC 6455 7.1.5).
    assert.equal((await within(peer.closed, STEP_MS)).code, 1005);
    const info = await within(conn.closed, STEP_MS);
    assert.equal(info.code, 1005);
    assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
  });

  it('ws client: our verify hook refuses with 401 and WWW-Authenticate', async () => {
    const echo = await startEchoServer('ws://127.0.0.1:0/', {
      websocket: { verify: (req) => (req.head.headers.get('authorization') === 'Bearer ok' ? undefined : { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="test"' } }) },
    });
    echoes.push(echo);
    const ws = new WebSocket(echo.url);
    const refused = await within(
      new Promise<{ status: number | undefined; auth: string | undefined }>((resolve, reject) => {
        ws.once('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode, auth: res.headers['www-authenticate'] });
          res.resume();
          ws.terminate();
        });
        ws.once('open', () => reject(new Error('opened')));
        ws.on('error', () => {});
      }),
      STEP_MS,
      'the refusal',
    );
    assert.deepEqual(refused, { status: 401, auth: 'Bearer realm="test"' });
    const { peer, opened } = wsOpen(echo.url, [], { headers: { Authorization: 'Bearer ok' } });
    await within(opened, STEP_MS, 'the authorized ws client to open');
    peer.ws.send('authorized');
    assert.equal(asText(await peer.next()), 'authorized');
    peer.ws.close(1000);
    await within(peer.closed, STEP_MS);
  });
});

// ------------------------------------------------------------------------------------------------
// Failures both ways: a message over the limit (1009) and invalid UTF-8 in a text message (1007).

describe('interop ws: protocol failures', () => {
  let echo: EchoServer | undefined;
  let wss: WebSocketServer | undefined;
  const clients: WsPeer[] = [];
  const conns: Array<Connection<Msg, Msg>> = [];

  before(async () => {
    echo = await startEchoServer('ws://127.0.0.1:0/', { websocket: { limits: { maxMessageSize: 64 * 1024 } } });
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 });
    await new Promise<void>((resolve, reject) => {
      wss!.once('listening', resolve);
      wss!.once('error', reject);
    });
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      ws.on('message', (d, isBinary) => {
        const text = isBinary ? '' : rawToBuffer(d).toString();
        // Bytes that are not UTF-8, sent as a text frame (ws does not check what it sends).
        if (text === '!bad-utf8') ws.send(Buffer.from([0x68, 0x69, 0xc3, 0x28]), { binary: false });
        else ws.send(rawToBuffer(d), { binary: isBinary });
      });
    });
  });

  after(async () => {
    for (const c of conns) c.destroy();
    for (const c of clients) c.ws.terminate();
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
    await echo?.server.close({ timeout: 2000 });
  });

  async function wsClient(index: number): Promise<{ peer: WsPeer; conn: Connection<Msg, Msg> }> {
    const ws = new WebSocket(echo!.url);
    const peer = wrapWs(ws);
    clients.push(peer);
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      STEP_MS,
      'the ws client to open',
    );
    return { peer, conn: await echo!.conn(index) };
  }

  it('ws client sends more than our maxMessageSize: we close with 1009', async () => {
    const { peer, conn } = await wsClient(0);
    peer.ws.send(binaryPayload(64 * 1024 + 1, 5));
    assert.equal((await within(peer.closed, STEP_MS)).code, 1009);
    const info = await within(conn.closed, STEP_MS);
    assert.equal(info.code, 1009);
    assert.equal(info.error?.code, 'WS_MESSAGE_TOO_LARGE');
  });

  it('ws client sends invalid UTF-8 in a text frame: we close with 1007', async () => {
    const { peer, conn } = await wsClient(1);
    peer.ws.send(Buffer.from([0x68, 0x69, 0xc3, 0x28]), { binary: false });
    assert.equal((await within(peer.closed, STEP_MS)).code, 1007);
    const info = await within(conn.closed, STEP_MS);
    assert.equal(info.code, 1007);
    assert.equal(info.error?.code, 'WS_INVALID_UTF8');
  });

  it("our client sends more than ws's maxPayload: ws closes with 1009", async () => {
    const conn = await connect<Msg, Msg>(`ws://127.0.0.1:${(wss!.address() as AddressInfo).port}/`, { timeout: STEP_MS });
    conns.push(conn);
    conn.send(binaryPayload(64 * 1024 + 1, 6));
    const info = await within(conn.closed, STEP_MS);
    assert.equal(info.code, 1009);
    assert.equal(info.initiator, 'peer');
  });

  it("our client's websocket.limits.maxMessageSize applies to what a ws server sends (1009)", async () => {
    const conn = await connect<Msg, Msg>(`ws://127.0.0.1:${(wss!.address() as AddressInfo).port}/`, { websocket: { limits: { maxMessageSize: 1000 } }, timeout: STEP_MS });
    conns.push(conn);
    conn.send('x'.repeat(1000));
    assert.equal((await conn.receive({ timeout: STEP_MS })).length, 1000);
    conn.send('x'.repeat(1001)); // ws accepts it (its limit is 64 KiB) and echoes it: too big for us
    const info = await within(conn.closed, STEP_MS);
    assert.equal(info.code, 1009);
    assert.equal(info.error?.code, 'WS_MESSAGE_TOO_LARGE');
  });

  it('websocket.limits that are not positive numbers fail connect() and listen() with INVALID_OPTION', async () => {
    const invalid = (err: Error & { code?: string }): boolean => err.code === 'INVALID_OPTION' && /websocket\.limits\.maxMessageSize/.test(err.message);
    await assert.rejects(connect('ws://127.0.0.1:1/', { websocket: { limits: { maxMessageSize: 0 } } }), invalid);
    await assert.rejects(listen('ws://127.0.0.1:0/', { websocket: { limits: { maxMessageSize: -1 } } }), invalid);
  });

  it('a ws server sends invalid UTF-8 in a text frame: our client closes with 1007', async () => {
    const conn = await connect<Msg, Msg>(`ws://127.0.0.1:${(wss!.address() as AddressInfo).port}/`, { timeout: STEP_MS });
    conns.push(conn);
    const peerClosed = new Promise<number>((resolve) => {
      const ws = [...wss!.clients].at(-1)!;
      ws.once('close', (code) => resolve(code));
    });
    conn.send('!bad-utf8');
    const info = await within(conn.closed, STEP_MS);
    assert.equal(info.code, 1007);
    assert.equal(info.error?.code, 'WS_INVALID_UTF8');
    assert.equal(await within(peerClosed, STEP_MS), 1007);
  });
});

/**
 * Interop with a real browser: Debian's headless Chromium (/usr/bin/chromium) driven by
 * playwright-core (never downloading a browser). A node:http server on 127.0.0.1 serves a page
 * whose script opens a WebSocket to our server, sends a short text, a 70,000-byte binary and a
 * 200,000-character text message, checks each echo, and closes with 1000. Our server is
 * attached to the same node:http server (attachWebSocket) or is a separate listen('ws://...')
 * with permessage-deflate on and off. Each test is skipped, with the reason, when Chromium is not
 * installed (.ci/run installs it, and sets SWITCHBOARD_REQUIRE_INTEROP=1 so that a missing browser
 * fails instead).
 */
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { attachWebSocket, type CloseInfo, type Connection, type Server } from '../../src/index.js';
import { within } from '../helpers/net.js';
import { describeOrSkip } from '../helpers/skip.js';
import { testPki } from '../helpers/tls.js';
import { CHROMIUM, STEP_MS, chromiumMissing, echoCallbacks, peerSkip, startEchoServer, summary, type EchoServer, type Msg } from './helpers.js';

const skip = peerSkip('Chromium', chromiumMissing());
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server',
];

/** Payload makers, run both in the page and here (the same source), so both sides agree byte for byte. */
const PAYLOAD_LIB = `
function makeBinary(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7 + (i >> 9)) & 255;
  return b;
}
function makeText(n) {
  const a = 'switchboard caf\\u00e9 \\u20ac \\u4e2d\\u6587 \\u2713 ';
  let s = '';
  for (let i = 0; i < n; i++) s += a[(i * 7 + (i >> 10)) % a.length];
  return s;
}
`;
const lib = new Function(`${PAYLOAD_LIB}; return { makeBinary, makeText };`)() as {
  makeBinary: (n: number) => Uint8Array;
  makeText: (n: number) => string;
};
const SHORT_TEXT = 'hello from chromium \u2713';
const EXPECTED: Msg[] = [SHORT_TEXT, lib.makeBinary(70_000), lib.makeText(200_000)];

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>switchboard interop</title></head>
<body><p>WebSocket interop</p>
<script>
${PAYLOAD_LIB}
window.__result = null;
async function describe(m) {
  const bytes = typeof m === 'string' ? new TextEncoder().encode(m) : new Uint8Array(m);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return {
    type: typeof m === 'string' ? 'text' : 'binary',
    length: bytes.length,
    sha256: Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join(''),
  };
}
function same(a, b) {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  const x = new Uint8Array(a), y = new Uint8Array(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
(async () => {
  const r = { received: [], equal: [], errors: [], extensions: null, close: null, pong: null };
  try {
    const url = new URLSearchParams(location.search).get('ws');
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const queue = [];
    let wake = null;
    const poke = () => { if (wake) { const w = wake; wake = null; w(); } };
    ws.onmessage = (e) => { queue.push(e.data); poke(); };
    let isClosed = false;
    const closed = new Promise((resolve) => {
      ws.onclose = (e) => { isClosed = true; poke(); resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }); };
    });
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('WebSocket error before open'));
    });
    r.extensions = ws.extensions;
    const deadline = Date.now() + 30000;
    const next = async () => {
      while (queue.length === 0) {
        if (isClosed) throw new Error('closed before the echo came');
        if (Date.now() > deadline) throw new Error('no echo within 30 s');
        await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 200); });
      }
      return queue.shift();
    };
    const sent = [${JSON.stringify(SHORT_TEXT)}, makeBinary(70000), makeText(200000)];
    for (const m of sent) {
      ws.send(m);
      const got = await next();
      r.received.push(await describe(got));
      r.equal.push(same(m, got));
    }
    if (new URLSearchParams(location.search).get('mode') === 'server-close') {
      // Our server pings the page (the browser answers by itself), then closes with 4000.
      ws.send('!ping');
      r.pong = await next();
      ws.send('!close 4000 server bye \u2713');
    } else {
      ws.close(1000, 'done');
    }
    r.close = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve({ timeout: true }), 30000))]);
  } catch (e) {
    r.errors.push(String((e && e.stack) || e));
  }
  window.__result = r;
})();
</script></body></html>`;

interface PageResult {
  received: Array<ReturnType<typeof summary>>;
  equal: boolean[];
  errors: string[];
  extensions: string | null;
  close: { code: number; reason: string; wasClean: boolean } | null;
  pong: string | null;
}

describeOrSkip('interop chromium (headless, playwright-core)', skip, ({ it, before, after }) => {
  let ctx: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let http: HttpServer | undefined;
  let httpPort = 0;
  let attached: Server<Msg, Msg> | undefined;
  const attachedState = { conns: [] as Array<Connection<Msg, Msg>>, received: new Map<Connection<Msg, Msg>, Msg[]>(), closes: [] as Array<Promise<CloseInfo>>, failures: [] as Error[] };
  const servers: EchoServer[] = [];

  before(async () => {
    http = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(PAGE);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      http!.once('error', reject);
      http!.listen(0, '127.0.0.1', resolve);
    });
    httpPort = (http.address() as AddressInfo).port;
    attached = attachWebSocket<Msg, Msg>(http, { path: '/echo', callbacks: echoCallbacks(attachedState) });
    userDataDir = mkdtempSync(join(tmpdir(), 'sb-chromium-'));
    // Trust the test server certificate (test/fixtures/tls) by its public key, for wss://.
    const spki = createHash('sha256')
      .update(new X509Certificate(testPki().serverCert).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    ctx = await within(
      chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [...ARGS, `--ignore-certificate-errors-spki-list=${spki}`],
        timeout: STEP_MS,
      }),
      STEP_MS + 5000,
      'Chromium to start',
    );
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    await attached?.close({ timeout: 2000 });
    await Promise.all(servers.map((s) => s.server.close({ timeout: 2000 })));
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http!.close(() => resolve()));
    }
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Loads the page with the WebSocket URL, waits for its result. */
  async function runPage(wsUrl: string, mode = 'client-close'): Promise<PageResult> {
    const page = await ctx!.newPage();
    try {
      await page.goto(`http://127.0.0.1:${httpPort}/?ws=${encodeURIComponent(wsUrl)}&mode=${mode}`, { timeout: STEP_MS });
      await page.waitForFunction(() => (globalThis as unknown as { __result: unknown }).__result !== null, undefined, { timeout: STEP_MS, polling: 100 });
      return (await page.evaluate(() => (globalThis as unknown as { __result: unknown }).__result)) as PageResult;
    } finally {
      await page.close().catch(() => {});
    }
  }

  /** Both sides saw all three messages byte-exact and a clean 1000 close. */
  async function check(r: PageResult, state: { conns: Array<Connection<Msg, Msg>>; received: Map<Connection<Msg, Msg>, Msg[]> }, index: number, compression: boolean): Promise<void> {
    checkPage(r, compression);
    // The page's close event carries what our server's reply said: code 1000 echoed (RFC 6455 5.5.1).
    assert.equal(r.close?.code, 1000, `the page close event ${JSON.stringify(r.close)}`);
    assert.equal(r.close?.wasClean, true, `the page close event ${JSON.stringify(r.close)}`);
    const conn = state.conns[index];
    assert.ok(conn, 'our server saw the connection');
    assert.equal(conn.meta['compression'], compression);
    const got = state.received.get(conn)!;
    assert.deepEqual(got.map((m) => summary(m)), EXPECTED.map((m) => summary(m)), 'what our server received');
    assert.ok(got[2] === EXPECTED[2], 'the 200,000-character text is identical');
    const info = await within(conn.closed, STEP_MS, 'our server connection to close');
    assert.equal(info.code, 1000);
    assert.equal(info.reason, 'done');
    assert.equal(info.initiator, 'peer');
    assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
    assert.equal(info.error, undefined);
  }

  function checkPage(r: PageResult, compression: boolean): void {
    assert.deepEqual(r.errors, [], 'errors in the page');
    assert.deepEqual(r.equal, [true, true, true], 'the page compared each echo with what it sent');
    assert.deepEqual(r.received, EXPECTED.map((m) => summary(m)), 'what the page received');
    assert.equal((r.extensions ?? '').includes('permessage-deflate'), compression, `negotiated extensions "${r.extensions}"`);
  }

  it('page and WebSocket on one node:http server (attachWebSocket, permessage-deflate on)', async () => {
    const index = attachedState.conns.length;
    const r = await runPage(`ws://127.0.0.1:${httpPort}/echo`);
    await check(r, attachedState, index, true);
    assert.deepEqual(attachedState.failures.map((e) => e.message), []);
  });

  it("separate listen('wss://...') server (TLS with the test certificate, permessage-deflate on)", async () => {
    const pki = testPki();
    const echo = await startEchoServer('wss://127.0.0.1:0/echo', { tls: { cert: pki.serverCert, key: pki.serverKey } });
    servers.push(echo);
    const r = await runPage(echo.url);
    await check(r, echo, 0, true);
    assert.deepEqual(echo.failures.map((e) => e.message), []);
  });

  it('our server pings the page, then closes with 4000 and a reason: the page sees both', async () => {
    const index = attachedState.conns.length;
    const r = await runPage(`ws://127.0.0.1:${httpPort}/echo`, 'server-close');
    checkPage(r, true);
    assert.equal(r.pong, 'pong-ok');
    assert.deepEqual(r.close, { code: 4000, reason: 'server bye \u2713', wasClean: true });
    const info = await within(attachedState.conns[index]!.closed, STEP_MS, 'our server connection to close');
    assert.equal(info.code, 4000);
    assert.equal(info.initiator, 'local');
    assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
  });

  for (const compression of [true, false]) {
    it(`separate listen('ws://...') server, permessage-deflate ${compression ? 'on' : 'off'}`, async () => {
      const echo = await startEchoServer('ws://127.0.0.1:0/echo', { websocket: { compression } });
      servers.push(echo);
      const r = await runPage(echo.url);
      await check(r, echo, 0, compression);
      assert.deepEqual(echo.failures.map((e) => e.message), []);
    });
  }
});

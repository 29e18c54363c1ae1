/**
 * The browser client (`switchboard/browser`) against real Switchboard servers, twice over:
 *
 * - in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core, never a
 *   downloaded browser): a node:http server serves a page that loads test/browser/scenarios.ts,
 *   bundled here with esbuild for platform=browser;
 * - in Node through its global WebSocket: the same bundle in a child process (Node 20 needs
 *   --experimental-websocket; Node >= 22 has WebSocket without a flag).
 *
 * Each scenario returns what the client saw; this file checks that and the servers' side. The
 * outbox scenario's server runs in a child process that is SIGKILLed and restarted on the same
 * port while the client keeps sending. Skipped with the reason when Chromium (or a WebSocket in
 * Node) is missing; SWITCHBOARD_REQUIRE_INTEROP=1 (set by .ci/run) makes a missing peer fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { jsonCodec, lines, listen, messageCodec, type CloseInfo, type Codec, type Server, type SessionServer } from '../../src/index.js';
import { closedPort, waitFor, within } from '../helpers/net.js';
import { proxy } from '../helpers/proxy.js';
import { repoRoot } from '../helpers/root.js';
import { spawnLines, type ChildProcessLines } from '../interop/helpers.js';
import { makeBinary, makeText } from './scenarios.js';

const STEP_MS = 60_000;
const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM'] ?? '/usr/bin/chromium';
const required = process.env['SWITCHBOARD_REQUIRE_INTEROP'] === '1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-proxy-server'];

type Msg = string | Uint8Array;
type Result = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Why this runtime's WebSocket cannot run the Node flavour, the flags it needs otherwise. */
function nodeWebSocket(): { flags: string[] } | { missing: string } {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return { flags: [] };
  const r = spawnSync(process.execPath, ['--experimental-websocket', '-e', 'process.exit(typeof WebSocket === "function" ? 0 : 1)'], { timeout: 20_000 });
  if (r.status === 0) return { flags: ['--experimental-websocket'] };
  return { missing: `Node ${process.version} has no WebSocket, not even with --experimental-websocket` };
}

/** The skip reason (or false), following the interop convention: a missing peer fails under SWITCHBOARD_REQUIRE_INTEROP=1. */
function skipUnless(peer: string, missing: string | false): string | false {
  if (missing === false) return false;
  if (required) {
    it(`${peer} is available, as SWITCHBOARD_REQUIRE_INTEROP=1 requires`, () => assert.fail(`${missing}; SWITCHBOARD_REQUIRE_INTEROP=1 requires ${peer}`));
  }
  return missing;
}

async function bundleScenarios(): Promise<string> {
  const r = await build({
    entryPoints: [join(repoRoot, 'test', 'browser', 'scenarios.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

// ------------------------------------------------------------------------------------------------
// Servers

type SessionMsg = { i?: number; x?: number; slow?: number; echo?: number; double?: number };

/** The sessions server (ws://, JSON): records each {i}, echoes it, answers {x} with {double} and {slow} after 1 s. */
async function sessionServer(port = 0): Promise<{ server: SessionServer<SessionMsg, SessionMsg>; got: number[]; opens: boolean[] }> {
  const got: number[] = [];
  const opens: boolean[] = [];
  const server = await listen<SessionMsg, SessionMsg>(`ws://127.0.0.1:${port}`, {
    codec: jsonCodec(),
    session: {
      onOpen: (_s, info) => void opens.push(info.resumed),
      onMessage: (session, m) => {
        if (m.i === undefined) return;
        got.push(m.i);
        session.send({ echo: m.i });
      },
      onRequest: async (_s, m, ctx) => {
        if (m.slow) await new Promise((r) => setTimeout(r, 1000)).then(() => ctx.signal.throwIfAborted());
        return { double: (m.x ?? 0) * 2 };
      },
    },
  });
  return { server, got, opens };
}

interface Servers {
  echo: Server<Msg, Msg>;
  sink: Server<Msg, Msg>;
  pong: Server<Msg, Msg>;
  echoCloses: CloseInfo[];
  echoReceived: Msg[];
  sinkReceived: Msg[];
  sinkCloses: CloseInfo[];
  closedUrl: string;
}

async function startServers(): Promise<Servers> {
  const echoCloses: CloseInfo[] = [];
  const echoReceived: Msg[] = [];
  const sinkReceived: Msg[] = [];
  const sinkCloses: CloseInfo[] = [];
  const echo = await listen<Msg, Msg>('ws://127.0.0.1:0', {
    callbacks: {
      onReceive(conn, m) {
        echoReceived.push(m);
        const cmd = typeof m === 'string' ? (m.startsWith('"!') ? (JSON.parse(m) as string) : m) : '';
        if (!cmd.startsWith('!')) return void conn.send(m);
        const [verb, arg, ...rest] = cmd.split(' ');
        if (verb === '!close') void conn.close({ code: Number(arg), reason: rest.join(' ') });
        else if (verb === '!big') conn.send('x'.repeat(Number(arg)));
        else if (verb === '!badjson') conn.send('{"a":');
        else if (verb === '!flood') for (let i = 0; i < Number(arg); i++) conn.send(String(i));
      },
      onDisconnect: (_c, info) => void echoCloses.push(info),
    },
  });
  const sink = await listen<Msg, Msg>('ws://127.0.0.1:0', {
    callbacks: { onReceive: (_c, m) => void sinkReceived.push(m), onDisconnect: (_c, info) => void sinkCloses.push(info) },
  });
  // The documented server side of the app heartbeat: autoReply answers 'ping' with 'pong'.
  const pong = await listen<Msg, Msg>('ws://127.0.0.1:0', {
    protocol: { framing: lines(), codec: messageCodec() as Codec<Msg, Msg>, autoReply: (m) => (m === 'ping' ? 'pong' : undefined) },
    callbacks: { onReceive: (conn, m) => void (m !== 'ping' && conn.send(m)) },
  });
  return { echo, sink, pong, echoCloses, echoReceived, sinkReceived, sinkCloses, closedUrl: `ws://127.0.0.1:${await closedPort()}/` };
}

/** The outbox scenario's server: a child process printing each {i} it receives, killed with SIGKILL. */
const CHILD_SERVER = `
import { listen } from ${JSON.stringify(join(repoRoot, 'build', 'src', 'index.js'))};
const server = await listen('ws://127.0.0.1:' + process.argv[2], {
  callbacks: { onReceive: (_c, m) => console.log(JSON.stringify({ event: 'msg', i: JSON.parse(m).i })) },
});
console.log(JSON.stringify({ event: 'listening', port: server.address.port }));
`;

// ------------------------------------------------------------------------------------------------
// The suite, for one driver

interface Driver {
  run(name: string, params: Record<string, unknown>): Promise<Result>;
}

function clientSuite(where: string, skip: string | false, open: (bundle: string, dir: string) => Promise<{ driver: Driver; close: () => Promise<void> }>): void {
  describe(`browser client in ${where}`, { skip }, () => {
    let s: Servers;
    let driver: Driver;
    let closeDriver: (() => Promise<void>) | undefined;
    let dir: string;
    const children: ChildProcessLines[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sb-browser-'));
      s = await startServers();
      const opened = await open(await bundleScenarios(), dir);
      driver = opened.driver;
      closeDriver = opened.close;
    });

    after(async () => {
      await closeDriver?.();
      for (const c of children) await c.kill();
      await Promise.all([s?.echo.close({ timeout: 2000 }), s?.sink.close({ timeout: 2000 }), s?.pong.close({ timeout: 2000 })]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const run = async (name: string, params: Record<string, unknown>): Promise<Result> => {
      const r = await within(driver.run(name, params), STEP_MS * 2, `scenario ${name}`);
      assert.equal(r['thrown'], undefined, `scenario ${name} threw`);
      return r;
    };

    it('sends and receives text, binary, 1 MiB messages and JSON, and closes with a code and a reason', async () => {
      const before = s.echoCloses.length;
      const received = s.echoReceived.length;
      const r = await run('roundTrip', { echo: s.echo.url });
      assert.deepEqual(r['equal'], [true, true, true, true], 'each echo equals what was sent');
      assert.deepEqual(r['kinds'], ['text', 'binary', 'binary', 'text']);
      assert.equal(r['statuses'][0], 'sent');
      assert.deepEqual(r['closed'], { initiator: 'local', clean: true, code: 4001, reason: '', error: null });
      assert.equal(r['jsonStatus'], 'sent');
      assert.deepEqual(r['echoed'], { a: [1, 'x', true], b: null, c: { d: 'caf\u00e9' } });
      assert.equal(r['stats'].messagesIn, 4);
      assert.equal(r['stats'].messagesOut, 4);
      // The server got the same bytes, as the same frame kinds.
      const got = s.echoReceived.slice(received, received + 4);
      assert.equal(got[0], 'hello \u2713');
      const sameBytes = (a: Msg | undefined, b: Uint8Array): boolean => a instanceof Uint8Array && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
      assert.ok(sameBytes(got[1], makeBinary(70_000)), 'the 70,000-byte binary arrived byte-exact');
      assert.ok(sameBytes(got[2], makeBinary(1024 * 1024)), 'the 1 MiB binary arrived byte-exact');
      assert.ok(got[3] === makeText(1024 * 1024), 'the 1 MiB text arrived as the same string');
      await waitFor(() => s.echoCloses.length >= before + 2, STEP_MS, 'the server to see both closes');
      const closes = s.echoCloses.slice(before).map((i) => [i.code, i.reason]);
      assert.deepEqual(closes.sort(), [[1000, ''], [4001, 'done \u2713']].sort(), 'the server saw the codes and the reason the page sent');
    });

    it('a permanent client given several URLs skips a dead one and talks to the next', async () => {
      const dead = `ws://127.0.0.1:${await closedPort()}/`;
      const r = await run('severalUrls', { dead, echo: s.echo.url });
      assert.deepEqual(r['tried'].slice(0, 2), [dead, s.echo.url]);
      assert.equal(r['url'], s.echo.url);
      assert.deepEqual(r['urls'], [dead, s.echo.url]);
      assert.equal(r['status'], 'sent');
      assert.equal(r['echoed'], 'over here');
    });

    it('reports the server close code and reason, refuses codes a browser may not send', async () => {
      const r = await run('closeCodes', { echo: s.echo.url });
      assert.deepEqual(r['byServer'], { initiator: 'peer', clean: true, code: 4000, reason: 'server bye \u2713', error: null });
      assert.equal(r['afterClose'], 'closed');
      assert.equal(r['refused'], 'WS_INVALID_ARGUMENT');
      assert.equal(r['longReason'], 'WS_INVALID_ARGUMENT');
      assert.equal(r['stillOpen'], 'open', 'a refused close() changes nothing');
      assert.deepEqual(r['byClient'], { initiator: 'local', clean: true, code: 1000, reason: '', error: null });
    });

    it('computes send status from bufferedAmount: sent, queued, backpressured, dropped, then drained', async () => {
      const r = await run('backpressure', { echo: s.echo.url });
      const st = r['statuses'] as string[];
      assert.equal(st[0], 'sent');
      assert.equal(st[1], 'queued', `statuses ${st.join(',')}`);
      assert.ok(st.includes('backpressured'), `statuses ${st.join(',')}`);
      assert.equal(st[st.length - 1], 'dropped', `statuses ${st.join(',')}`);
      // Order: never accepted again once dropped in the same tick; backpressured before dropped.
      assert.ok(st.indexOf('backpressured') < st.indexOf('dropped'));
      assert.ok(st.slice(st.indexOf('dropped')).every((x) => x === 'dropped'));
      assert.ok(r['queuedAfter'] >= 1024 * 1024, `bufferedAmount ${r['queuedAfter']} reached the cap`);
      assert.equal(r['drained'], true);
      assert.ok(['sent', 'queued', 'backpressured'].includes(r['waited']), `sendWait after the drain was accepted: ${r['waited']}`);
      assert.equal(r['drains'] >= 1, true, 'onDrain was called');
    });

    it('closes with HEARTBEAT_TIMEOUT when a server never answers, after sending app heartbeats', async () => {
      const before = s.sinkCloses.length;
      const r = await run('heartbeatTimeout', { sink: s.sink.url });
      assert.deepEqual(r['closed'], { initiator: 'error', clean: false, code: 4008, reason: '', error: 'HEARTBEAT_TIMEOUT' });
      assert.deepEqual(r['failures'], ['HEARTBEAT_TIMEOUT']);
      assert.equal(r['next'], 'HEARTBEAT_TIMEOUT', 'receive() throws the error that closed the connection');
      assert.ok(r['messagesOut'] >= 2, `heartbeats sent: ${r['messagesOut']}`);
      await waitFor(() => s.sinkCloses.length > before, STEP_MS, 'the sink to see the close');
      assert.equal(s.sinkCloses[before]!.code, 4008, 'the server saw 4008 (1008 policy violation, in the range a browser may send)');
      assert.ok(s.sinkReceived.filter((m) => m === 'ping').length >= 2, 'the server received the ping messages');
    });

    it('stays open past the silence timeout while the server answers the app heartbeat; pongs are consumed', async () => {
      const r = await run('heartbeatAlive', { pong: s.pong.url });
      assert.equal(r['state'], 'open');
      assert.equal(r['first'], 'still here', 'the first message delivered is the echo, not a pong');
      assert.ok(r['out'] >= 4, `heartbeats sent: ${r['out']}`);
    });

    it('closes with WS_MESSAGE_TOO_LARGE (4009) on a message over maxMessageSize', async () => {
      const before = s.echoCloses.length;
      const r = await run('tooBig', { echo: s.echo.url });
      assert.equal(r['atLimit'], 1024, 'a message of exactly maxMessageSize is delivered');
      assert.equal(r['next'], 'WS_MESSAGE_TOO_LARGE');
      assert.deepEqual(r['closed'], { initiator: 'error', clean: false, code: 4009, reason: '', error: 'WS_MESSAGE_TOO_LARGE' });
      assert.deepEqual(r['failures'], ['WS_MESSAGE_TOO_LARGE']);
      await waitFor(() => s.echoCloses.length > before, STEP_MS, 'the server to see the close');
      assert.equal(s.echoCloses[before]!.code, 4009);
    });

    it('closes with INVALID_JSON (4003) on invalid JSON, or skips it with decodeErrors skip', async () => {
      const r = await run('badJson', { echo: s.echo.url });
      assert.equal(r['next'], 'INVALID_JSON');
      assert.deepEqual(r['closed'], { initiator: 'error', clean: false, code: 4003, reason: '', error: 'INVALID_JSON' });
      assert.deepEqual(r['skipped'], ['INVALID_JSON']);
      assert.deepEqual(r['after'], { after: 'bad' });
      assert.equal(r['state'], 'open');
    });

    it('closes with RECEIVE_OVERFLOW when the consumer falls behind, holding no more than the receive queue', async () => {
      const r = await run('receiveOverflow', { echo: s.echo.url });
      assert.equal(r['closed'].error, 'RECEIVE_OVERFLOW');
      assert.equal(r['closed'].code, 4008);
      assert.equal(r['read'], 51, 'the queued messages (limit + the one that overflowed) stay readable');
      assert.equal(r['end'], 'RECEIVE_OVERFLOW', 'then the loop throws the error');
      assert.ok(r['messagesIn'] < 5000, `decoding stopped at the overflow (${r['messagesIn']} of 5000 decoded)`);
    });

    it('fails connects with CONNECT_FAILED / CONNECT_TIMEOUT, and receive misuse with typed errors', async () => {
      const r = await run('errors', { echo: s.echo.url, closed: s.closedUrl });
      assert.equal(r['refused'], 'CONNECT_FAILED');
      assert.equal(r['timedOut'], 'CONNECT_TIMEOUT');
      assert.ok(r['attempts'] >= 2, `attempts ${r['attempts']}`);
      assert.equal(r['badUrl'], 'INVALID_ADDRESS');
      assert.equal(r['badOption'], 'INVALID_OPTION');
      assert.equal(r['sessionOption'], 'INVALID_OPTION', 'permanentClient({ session }) points to sessionClient');
      assert.equal(r['conflict'], 'RECEIVE_MODE_CONFLICT');
      assert.equal(r['conflictIter'], 'RECEIVE_MODE_CONFLICT');
      assert.equal(r['timeout'], 'RECEIVE_TIMEOUT');
      assert.equal(r['afterClose'], 'CONNECTION_CLOSED');
    });

    it('flushes the outbox in order after the server is SIGKILLed and restarted on the same port', async () => {
      const script = join(dir, 'server.mjs');
      writeFileSync(script, CHILD_SERVER);
      const first = spawnLines(process.execPath, [script, '0']);
      children.push(first);
      const port = (await first.waitEvent((e) => e['event'] === 'listening', STEP_MS, 'the server to listen'))['port'] as number;
      const result = driver.run('outboxRestart', { url: `ws://127.0.0.1:${port}/`, max: 3000 });
      await first.waitEvent((e) => e['event'] === 'msg' && (e['i'] as number) >= 20, STEP_MS, 'the first messages');
      first.child.kill('SIGKILL');
      await first.exited;
      const firstGot = first.events.filter((e) => e['event'] === 'msg').map((e) => e['i'] as number);
      await new Promise((r) => setTimeout(r, 600)); // the page keeps sending into its outbox
      const second = spawnLines(process.execPath, [script, String(port)]);
      children.push(second);
      await second.waitEvent((e) => e['event'] === 'listening', STEP_MS, 'the server to listen again');
      const r = await within(result, STEP_MS * 2, 'the outbox scenario');
      assert.equal(r['thrown'], undefined);
      await waitFor(() => second.events.some((e) => e['i'] === r['last']), STEP_MS, 'the last message at the restarted server');
      await second.kill();
      const secondGot = second.events.filter((e) => e['event'] === 'msg').map((e) => e['i'] as number);
      const sent = r['sent'] as Array<{ i: number; status: string; connected: boolean }>;
      const outboxed = sent.filter((m) => !m.connected && m.status === 'queued').map((m) => m.i);
      assert.ok(outboxed.length >= 5, `messages went to the outbox while the server was down: ${outboxed.length}`);
      assert.equal(r['leftInOutbox'], 0);
      const statuses = r['statuses'] as string[];
      assert.deepEqual(statuses.filter((x) => x === 'connected').length, 2, statuses.join(' '));
      assert.ok(statuses.some((x) => x === 'disconnected:CONNECTION_RESET'), statuses.join(' '));
      // Everything from the first outboxed message to the last one sent reached the new server, in order, once.
      const from = outboxed[0]!;
      const expected = Array.from({ length: (r['last'] as number) - from + 1 }, (_, k) => from + k);
      assert.deepEqual(secondGot, expected, 'the restarted server got the outbox in order, then the live sends');
      // What the first server got is a prefix; messages accepted by the dead connection are lost (at most once).
      assert.deepEqual(firstGot, Array.from({ length: firstGot.length }, (_, k) => k));
      assert.ok(firstGot.length <= from);
    });

    for (const mode of ['cut', 'freeze'] as const) {
    it(`sessions: a connection ${mode === 'cut' ? 'cut' : 'gone silent (found by the PING heartbeat)'} for a while resumes with nothing lost, both ways; requests work across it`, async () => {
      const srv = await sessionServer();
      const px = await proxy(Number(new URL(srv.server.url).port));
      try {
        const n = 300;
        const result = driver.run('sessionResume', { url: `ws://127.0.0.1:${px.port}/`, count: n });
        await waitFor(() => srv.got.length >= 50, STEP_MS, 'the first messages through the proxy');
        px[mode](1500); // the page keeps sending into its session
        const r = await within(result, STEP_MS * 2, 'the session scenario');
        assert.equal(r['thrown'], undefined, String(r['thrown']));
        const all = Array.from({ length: n }, (_, k) => k);
        assert.deepEqual(srv.got, all, 'the server application got every message once, in order');
        assert.deepEqual(r['got'], all, 'the page got every echo once, in order (echoes sent while it was away included)');
        assert.ok(r['sent']['queued'] >= 5, `messages were sent while disconnected: ${JSON.stringify(r['sent'])}`);
        assert.equal(r['sent']['dropped'], undefined);
        assert.ok(r['offlineAt'] >= 0, 'a request was made while disconnected');
        assert.deepEqual(r['duringCut'], { double: r['offlineAt'] * 2 }, 'the request made while disconnected got its answer');
        assert.deepEqual(r['after'], { double: 42 });
        assert.equal(r['timedOut'], 'REQUEST_TIMEOUT');
        assert.equal(r['abortCode'], 'REQUEST_ABORTED');
        assert.equal(r['acked'], true);
        const statuses = r['statuses'] as string[];
        assert.equal(statuses.find((x) => x.startsWith('session:')), 'session:new', statuses.join(' '));
        assert.ok(statuses.includes('session:resumed'), statuses.join(' '));
        assert.ok(!statuses.some((x) => /SESSION_/.test(x)), `no session lost: ${statuses.join(' ')}`);
        assert.equal(srv.opens[0], false);
        assert.ok(srv.opens.slice(1).length >= 1 && srv.opens.slice(1).every((x) => x), `resumed on the server: ${srv.opens.join(',')}`);
        assert.equal(r['idleKept'], true, 'an idle session stayed connected past the silence timeout: the server answered the PINGs');
        if (mode === 'freeze') assert.ok(statuses.includes('disconnected:IDLE_TIMEOUT'), `the silence was noticed: ${statuses.join(' ')}`);
      } finally {
        await px.close();
        await srv.server.close();
      }
    });
    }

    it('sessions: an async onMessage takes the messages one at a time, in order; the server sees them all acknowledged', async () => {
      const srv = await sessionServer();
      try {
        const r = await run('sessionAsyncMessages', { url: srv.server.url });
        assert.deepEqual(r['got'], [0, 1, 2, 3, 4, 5]);
        assert.equal(r['most'], 1, 'never two at once');
        assert.deepEqual(r['failures'], ['HOOK_FAILED'], 'the rejection is reported');
        assert.equal(r['acked'], true);
        const [s] = [...srv.server.sessions.values()];
        await waitFor(() => s === undefined || s.unacked === 0, STEP_MS, 'the server to have every echo acknowledged');
      } finally {
        await srv.server.close();
      }
    });

    it('sessions: a server that lost the session (closed, a fresh one on the port) is reported as lost with SESSION_UNKNOWN, never silently', async () => {
      const srv = await sessionServer();
      const port = Number(new URL(srv.server.url).port);
      let again: Awaited<ReturnType<typeof sessionServer>> | undefined;
      try {
        const result = driver.run('sessionLost', { url: `ws://127.0.0.1:${port}/` });
        await waitFor(() => srv.got.includes(1), STEP_MS, 'the first message');
        await new Promise((r) => setTimeout(r, 200)); // its acknowledgement goes out (20 ms batching)
        await srv.server.close();
        again = await sessionServer(port);
        const r = await within(result, STEP_MS * 2, 'the lost-session scenario');
        assert.equal(r['thrown'], undefined, String(r['thrown']));
        assert.deepEqual(r['lost'], ['SESSION_UNKNOWN']);
        assert.ok((r['statuses'] as string[]).includes('session:new:SESSION_UNKNOWN'), (r['statuses'] as string[]).join(' '));
        assert.equal(r['changed'], true, 'a new session id');
        assert.equal(r['acked'], true);
        assert.deepEqual(again.got, [2], 'the new server got what was sent after, and nothing acknowledged before');
      } finally {
        await again?.server.close();
        await srv.server.close().catch(() => {});
      }
    });

    it('sessions: a server that never answers the HELLO fails each attempt with CONNECT_TIMEOUT and the client retries', async () => {
      const r = await run('sessionSilentServer', { url: s.sink.url });
      assert.deepEqual(r['failed'], ['CONNECT_TIMEOUT', 'CONNECT_TIMEOUT', 'CONNECT_TIMEOUT']);
      assert.equal(r['queued'], 'queued', 'a send before the session opens is kept');
      assert.equal(r['connected'], false);
    });

    it('sessions: a server that breaks the protocol ends the session with SESSION_PROTOCOL_ERROR; sends then say closed', async () => {
      // The echo server sends the HELLO back: a HELLO where a WELCOME must come.
      const r = await run('sessionBadServer', { url: s.echo.url });
      assert.equal(r['error'], 'SESSION_PROTOCOL_ERROR');
      assert.deepEqual(r['ended'], ['SESSION_PROTOCOL_ERROR']);
      assert.equal(r['after'], 'closed');
    });
  });
}

// ------------------------------------------------------------------------------------------------
// Chromium

const chromiumSkip = skipUnless('Chromium', spawnSync(CHROMIUM, ['--version'], { timeout: 20_000 }).status === 0 ? false : `${CHROMIUM} is not installed (apt-get install chromium)`);

clientSuite('headless Chromium', chromiumSkip, async (bundle, dir) => {
  const http: HttpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><meta charset="utf-8"><title>switchboard/browser</title>
<script type="module">import * as s from '/scenarios.js'; globalThis.sb = s; globalThis.sbReady = true;</script>`);
    } else if (path === '/scenarios.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(bundle);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(0, '127.0.0.1', resolve));
  const ctx: BrowserContext = await within(
    chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: STEP_MS }),
    STEP_MS + 5000,
    'Chromium to start',
  );
  const pageErrors: string[] = [];
  const pageFor = async (): Promise<Page> => {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (process.env['SB_DEBUG']) page.on('console', (m) => process.stderr.write(`page: ${m.text()}\n`));
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`, { timeout: STEP_MS });
    await page.waitForFunction(() => (globalThis as { sbReady?: boolean }).sbReady === true, undefined, { timeout: STEP_MS });
    return page;
  };
  return {
    driver: {
      async run(name, params) {
        const page = await pageFor();
        try {
          const r = (await page.evaluate(([n, p]) => (globalThis as unknown as { sb: { run: (n: string, p: unknown) => Promise<unknown> } }).sb.run(n, p), [name, params] as const)) as Result;
          assert.deepEqual(pageErrors, [], 'errors in the page');
          return r;
        } finally {
          await page.close().catch(() => {});
        }
      },
    },
    async close() {
      await ctx.close().catch(() => {});
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
});

// ------------------------------------------------------------------------------------------------
// Node, through its global WebSocket, in a child process

const nodeWs = nodeWebSocket();
const nodeSkip = skipUnless('a WebSocket in Node', 'missing' in nodeWs ? nodeWs.missing : false);
const RUNNER = `
import { createInterface } from 'node:readline';
import { run } from './scenarios.mjs';
createInterface({ input: process.stdin }).on('line', async (line) => {
  const { id, name, params } = JSON.parse(line);
  const result = await run(name, params);
  console.log(JSON.stringify({ event: 'result', id, result }));
});
console.log(JSON.stringify({ event: 'ready', version: process.version }));
`;

clientSuite(`Node ${process.version} (global WebSocket${'flags' in nodeWs && nodeWs.flags.length ? ', ' + nodeWs.flags.join(' ') : ''})`, nodeSkip, async (bundle, dir) => {
  writeFileSync(join(dir, 'scenarios.mjs'), bundle);
  writeFileSync(join(dir, 'runner.mjs'), RUNNER);
  const child = spawnLines(process.execPath, [...('flags' in nodeWs ? nodeWs.flags : []), '--no-warnings', join(dir, 'runner.mjs')]);
  await child.waitEvent((e) => e['event'] === 'ready', STEP_MS, 'the runner');
  let seq = 0;
  return {
    driver: {
      async run(name, params) {
        const id = ++seq;
        child.child.stdin!.write(JSON.stringify({ id, name, params }) + '\n');
        const e = await child.waitEvent((x) => x['event'] === 'result' && x['id'] === id, STEP_MS * 2, `scenario ${name}`);
        return e['result'] as Result;
      },
    },
    close: () => child.kill(),
  };
});

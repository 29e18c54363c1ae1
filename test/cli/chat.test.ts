/**
 * The chat demo's server against bad input from clients (real WebSocket connections on
 * 127.0.0.1): huge names, unknown rooms, text before a join, invalid JSON, unknown types,
 * oversize messages, floods. Each gets a typed answer (an `error` message with a stable code, or
 * a close with 1009 / 1008) that affects only the connection that sent it, and the server's state
 * stays bounded. Also `switchboard demo chat` itself: --port, the page, the modules it serves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { connect, type Connection } from '../../src/index.js';
import { main } from '../../src/cli/main.js';
import { ChatLimits, checkName, checkText, type ToPage } from '../../src/cli/chat/protocol.js';
import { startChatServer, type ChatServer } from '../../src/cli/chat/server.js';
import { closedPort, waitFor, within } from '../helpers/net.js';

type Conn = Connection<string | Uint8Array, string | Uint8Array>;

/** A raw client: sends text frames as given, collects the server's messages parsed. */
async function client(server: ChatServer): Promise<{ conn: Conn; got: ToPage[]; next: (pred: (m: ToPage) => boolean, what: string) => Promise<ToPage> }> {
  const got: ToPage[] = [];
  const conn = await connect<string | Uint8Array, string | Uint8Array>(`ws://127.0.0.1:${server.port}/ws`, {
    callbacks: { onReceive: (_c, m) => void got.push(JSON.parse(String(m)) as ToPage) },
  });
  return {
    conn,
    got,
    async next(pred, what) {
      await waitFor(() => got.some(pred), 10_000, what);
      return got.find(pred)!;
    },
  };
}
const errorOf = (code: string) => (m: ToPage) => m.type === 'error' && m.code === code;
const send = (conn: Conn, v: unknown): void => void conn.send(JSON.stringify(v));

describe('chat demo server: bad input from clients', () => {
  let server: ChatServer;
  const lines: string[] = [];

  before(async () => {
    server = await startChatServer({ port: 0, log: (l) => void lines.push(l) });
  });
  after(() => server.close());

  it('checks names and texts: length, type, control characters', () => {
    assert.equal(checkName('  ada  '), 'ada');
    for (const bad of ['', '   ', 'x'.repeat(ChatLimits.nameMax + 1), 'a\u0000b', 'evil\u202e', 42, null]) {
      assert.throws(() => checkName(bad), { code: 'NAME_INVALID' }, `name ${JSON.stringify(bad)}`);
    }
    assert.equal(checkName('x'.repeat(ChatLimits.nameMax)).length, ChatLimits.nameMax);
    assert.equal(checkText('two\tlines\nok'), 'two\tlines\nok');
    for (const bad of ['', ' ', 'x'.repeat(ChatLimits.textMax + 1), '\u001b[2J', {}]) {
      assert.throws(() => checkText(bad), { code: 'TEXT_INVALID' }, `text ${JSON.stringify(bad)}`);
    }
  });

  it('answers each bad request with a typed error and keeps the connection', async () => {
    const c = await client(server);
    await c.next((m) => m.type === 'hello', 'hello');
    send(c.conn, { type: 'say', text: 'before joining' });
    await c.next(errorOf('NOT_JOINED'), 'NOT_JOINED');
    send(c.conn, { type: 'join', name: 'x'.repeat(1000), room: 'lobby' });
    assert.match((await c.next(errorOf('NAME_INVALID'), 'NAME_INVALID') as { message: string }).message, /1 to 24 characters, got 1000/);
    send(c.conn, { type: 'join', name: 'dora', room: 'x'.repeat(1000) });
    const unknown = (await c.next(errorOf('ROOM_UNKNOWN'), 'ROOM_UNKNOWN')) as { message: string };
    assert.ok(unknown.message.length < 200, 'the reply does not echo the whole input back');
    send(c.conn, { type: 'shout' });
    await c.next(errorOf('BAD_REQUEST'), 'BAD_REQUEST');
    send(c.conn, [1, 2, 3]);
    await waitFor(() => c.got.filter(errorOf('BAD_REQUEST')).length === 2, 10_000, 'a second BAD_REQUEST');
    c.conn.send('{"type": "join", ');
    await c.next(errorOf('INVALID_JSON'), 'INVALID_JSON');
    send(c.conn, { type: 'join', name: 'dora', room: 'lobby' });
    await c.next((m) => m.type === 'joined', 'joined');
    send(c.conn, { type: 'say', text: 'x'.repeat(ChatLimits.textMax + 1) });
    await c.next(errorOf('TEXT_INVALID'), 'TEXT_INVALID');
    send(c.conn, { type: 'say', text: 'still here' });
    await c.next((m) => m.type === 'message' && m.text === 'still here', 'the message');
    assert.equal(c.conn.state, 'open');
    await c.conn.close();
  });

  it('closes a connection that sends a message over 4 KiB with 1009, and only that one', async () => {
    const bystander = await client(server);
    send(bystander.conn, { type: 'join', name: 'eve', room: 'dev' });
    await bystander.next((m) => m.type === 'joined', 'joined');
    const c = await client(server);
    send(c.conn, { type: 'join', name: 'x'.repeat(ChatLimits.messageBytes), room: 'dev' });
    const info = await within(c.conn.closed, 10_000, 'the close');
    assert.equal(info.code, 1009);
    send(bystander.conn, { type: 'say', text: 'unaffected' });
    await bystander.next((m) => m.type === 'message' && m.text === 'unaffected', 'the bystander goes on');
    await bystander.conn.close();
  });

  it('rate-limits a flood: one RATE_LIMITED reply, nothing broadcast past the burst, then a 1008 close', async () => {
    const watcher = await client(server);
    send(watcher.conn, { type: 'join', name: 'watcher', room: 'random' });
    await watcher.next((m) => m.type === 'joined', 'joined');
    const c = await client(server);
    send(c.conn, { type: 'join', name: 'flood', room: 'random' });
    await c.next((m) => m.type === 'joined', 'joined');
    const n = 5000;
    for (let i = 0; i < n; i++) send(c.conn, { type: 'say', text: `m${i}` });
    const info = await within(c.conn.closed, 20_000, 'the flood to be cut off');
    assert.equal(info.code, 1008);
    assert.equal(info.reason, 'flood');
    await waitFor(() => watcher.got.some((m) => m.type === 'presence' && m.members.length === 1), 10_000, 'the flooder to leave');
    const broadcast = watcher.got.filter((m) => m.type === 'message').length;
    assert.ok(broadcast <= ChatLimits.rateBurst + 5, `the room saw ${broadcast} of ${n} flood messages, at most about the burst (${ChatLimits.rateBurst})`);
    // One RATE_LIMITED per run of refusals, not one per message: a new run starts only after an
    // accepted message (a token refilled while the machine was slow), and each accepted one past
    // the burst was broadcast.
    const limited = c.got.filter(errorOf('RATE_LIMITED')).length;
    assert.ok(limited >= 1 && limited <= Math.max(1, broadcast - ChatLimits.rateBurst + 1), `${limited} RATE_LIMITED replies for ${broadcast} accepted of ${n}`);
    // The room remembers at most `history` messages.
    const late = await client(server);
    send(late.conn, { type: 'join', name: 'late', room: 'random' });
    const joined = (await late.next((m) => m.type === 'joined', 'joined')) as { history: unknown[] };
    assert.ok(joined.history.length <= ChatLimits.history);
    await Promise.all([watcher.conn.close(), late.conn.close()]);
  });

  it('serves the page and only compiled browser/ and core/ modules', async () => {
    const get = (path: string): Promise<Response> => fetch(`${server.url.replace(/\/$/, '')}${path}`);
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module">[\s\S]*from '\/sb\/browser\/index\.js'/);
    const mod = await get('/sb/browser/index.js');
    assert.equal(mod.status, 200);
    assert.match(mod.headers.get('content-type') ?? '', /text\/javascript/);
    assert.match(await mod.text(), /permanentClient/);
    for (const bad of ['/sb/cli/chat/server.js', '/sb/../package.json', '/sb/core/%2e%2e/cli/main.js', '/sb/browser/index.ts', '/package.json', '/sb/endpoint/server.js']) {
      assert.equal((await get(bad)).status, 404, bad);
    }
    assert.equal((await fetch(server.url, { method: 'POST', body: 'x' })).status, 405);
  });
});

describe('switchboard demo chat', () => {
  it('serves on --port until stopped, and refuses --port on other demos', async () => {
    const port = await closedPort();
    let out = '';
    const ac = new AbortController();
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, stdin: Readable.from([]), signal: ac.signal };
    const run = main(['demo', 'chat', '--port', String(port)], io);
    await waitFor(() => out.includes('listening'), 10_000, 'the chat server');
    assert.match(out, new RegExp(`listening http://127\\.0\\.0\\.1:${port}/ \\(WebSocket ws://127\\.0\\.0\\.1:${port}/ws`));
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
    ac.abort();
    assert.equal(await within(run, 10_000, 'the command to stop'), 0);
    assert.match(out, /stopped/);
    let err = '';
    const io2 = { ...io, signal: new AbortController().signal, stderr: { write: (s: string) => (err += s) } };
    assert.equal(await main(['demo', 'websocket', '--port', '1'], io2), 2);
    assert.match(err, /--port, --host and --sessions apply to `switchboard demo chat` only/);
  });
});

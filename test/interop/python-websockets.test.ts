/**
 * Interop with Python's `websockets` (Debian's python3-websockets, run with /usr/bin/python3):
 * test/interop/python/echo_server.py against our client, test/interop/python/client.py against
 * our server, with permessage-deflate (websockets' default) and with `compression=None`.
 * Each test is skipped, with the reason, when python3-websockets is not installed (.ci/run installs
 * it, and sets SWITCHBOARD_REQUIRE_INTEROP=1 so that a missing peer fails instead).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, type Connection } from '../../src/index.js';
import { repoRoot } from '../helpers/root.js';
import { within } from '../helpers/net.js';
import { describeOrSkip } from '../helpers/skip.js';
import {
  BIG_LIMITS,
  BIG_QUEUE,
  MiB,
  PYTHON,
  STEP_MS,
  binaryPayload,
  peerSkip,
  pythonWebsocketsMissing,
  spawnLines,
  startEchoServer,
  summary,
  textPayload,
  type ChildProcessLines,
  type EchoServer,
  type Msg,
} from './helpers.js';

const SCRIPTS = join(repoRoot, 'test', 'interop', 'python');
const skip = peerSkip('python3-websockets', pythonWebsocketsMissing());

const SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 65_537, 1 * MiB + 3, 4 * MiB];
const CLOSES: Array<{ code: number; reason: string }> = [
  { code: 1000, reason: '' },
  { code: 1001, reason: 'going away' },
  { code: 4000, reason: 'custom reason \u00e9\u20ac' },
];
/** What echo_server.py sends for `!fragments-text` / `!fragments-binary` (three frames each). */
const PY_FRAGMENTS_TEXT = 'frag' + 'ment\u00e9d ' + 'text \u20ac\u{1F600}';
const PY_FRAGMENTS_BINARY = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(Array.from({ length: 1024 }, (_, i) => i & 0xff)), Buffer.from([0xff])]);

type Summary = ReturnType<typeof summary>;
const pick = (e: Record<string, unknown>): Summary => ({ type: e['type'] as Summary['type'], length: e['length'] as number, sha256: e['sha256'] as string });

/** One run of client.py with a spec; resolves once it exited, with its events. */
async function runClient(url: string, compression: 'deflate' | 'none', spec: unknown, children: ChildProcessLines[]): Promise<ChildProcessLines> {
  const p = spawnLines(PYTHON, [join(SCRIPTS, 'client.py'), url, '--compression', compression, '--max-size', String(BIG_LIMITS.maxMessageSize)], {
    cwd: SCRIPTS,
    stdin: JSON.stringify(spec),
  });
  children.push(p);
  const code = await within(p.exited, 120_000, 'client.py to finish');
  assert.equal(code, 0, `client.py exited with ${code}; stderr:\n${p.stderr()}\nevents: ${JSON.stringify(p.events).slice(0, 2000)}`);
  return p;
}

for (const compression of ['none', 'deflate'] as const) {
  const on = compression === 'deflate';
  const mode = on ? 'permessage-deflate (websockets default)' : 'compression=None';

  describeOrSkip(`interop python websockets: our client -> echo_server.py (${mode})`, skip, ({ it, before, after }) => {
    let py: ChildProcessLines | undefined;
    let base: string;
    const conns: Array<Connection<Msg, Msg>> = [];
    let serial = 0;

    before(async () => {
      py = spawnLines(PYTHON, [join(SCRIPTS, 'echo_server.py'), '--compression', compression, '--max-size', String(BIG_LIMITS.maxMessageSize)], { cwd: SCRIPTS });
      const ready = await py.waitEvent((e) => e['event'] === 'listening', STEP_MS, 'the listening line');
      base = `ws://127.0.0.1:${ready['port'] as number}`;
    });

    after(async () => {
      for (const c of conns) c.destroy();
      await py?.kill();
    });

    /** A connection on its own path, so echo_server.py's events for it can be told apart. */
    async function open(): Promise<{ conn: Connection<Msg, Msg>; path: string }> {
      const path = `/c${++serial}`;
      const conn = await connect<Msg, Msg>(`${base}${path}`, { websocket: { compression: on, limits: BIG_LIMITS }, maxQueuedBytes: BIG_QUEUE, timeout: STEP_MS });
      conns.push(conn);
      return { conn, path };
    }
    const pyEvent = (event: string, path: string): Promise<Record<string, unknown>> =>
      py!.waitEvent((e) => e['event'] === event && e['path'] === path, STEP_MS, `"${event}" for ${path}`);

    it(`negotiates compression ${on ? 'on' : 'off'} (conn.meta and websockets' extensions agree)`, async () => {
      const { conn, path } = await open();
      assert.equal(conn.meta['compression'], on);
      assert.deepEqual((await pyEvent('open', path))['extensions'], on ? ['permessage-deflate'] : []);
      const big = textPayload(1 * MiB);
      conn.send(big);
      assert.equal(await conn.receive({ timeout: STEP_MS }), big);
      if (on) assert.ok(conn.stats.bytesIn + conn.stats.bytesOut < 512 * 1024, `${conn.stats.bytesOut} bytes out, ${conn.stats.bytesIn} in for 1 MiB of text each way`);
      else assert.ok(conn.stats.bytesIn > 1 * MiB && conn.stats.bytesOut > 1 * MiB);
      assert.equal((await conn.close()).clean, true);
    });

    it('echoes text and binary messages from 0 bytes to 4 MiB byte-exact', async () => {
      const { conn, path } = await open();
      const sent: Summary[] = [];
      for (const size of SIZES) {
        for (const kind of ['text', 'binary'] as const) {
          const msg: Msg = kind === 'text' ? textPayload(size) : binaryPayload(size, size + 3);
          sent.push(summary(msg));
          conn.send(msg);
          const got = await conn.receive({ timeout: STEP_MS });
          assert.deepEqual(summary(got), summary(msg), `${kind} of ${size} bytes`);
        }
      }
      assert.equal((await conn.close()).clean, true);
      const closed = await pyEvent('closed', path);
      assert.equal(closed['code'], 1000);
      assert.deepEqual(
        py!.events.filter((e) => e['event'] === 'message' && e['path'] === path).map(pick),
        sent,
        'what echo_server.py received',
      );
    });

    it('receives fragmented messages from websockets', async () => {
      const { conn } = await open();
      conn.send('!fragments-text');
      assert.equal(await conn.receive({ timeout: STEP_MS }), PY_FRAGMENTS_TEXT);
      conn.send('!fragments-binary');
      const got = await conn.receive({ timeout: STEP_MS });
      assert.ok(got instanceof Uint8Array && Buffer.from(got).equals(PY_FRAGMENTS_BINARY), 'the fragmented binary message differs');
      await conn.close();
    });

    it("pings both ways: conn.ping() gets websockets' pong, websockets' ping gets ours", async () => {
      const { conn } = await open();
      for (let i = 0; i < 3; i++) assert.ok((await conn.ping({ timeout: STEP_MS })) >= 0);
      conn.send('!ping');
      assert.equal(await conn.receive({ timeout: STEP_MS }), 'pong-ok');
      await conn.close();
    });

    for (const { code, reason } of CLOSES) {
      it(`our client closes with ${code}${reason ? ` "${reason}"` : ''}: websockets sees it`, async () => {
        const { conn, path } = await open();
        conn.send('x');
        assert.equal(await conn.receive({ timeout: STEP_MS }), 'x');
        const info = await within(conn.close({ code, reason }), STEP_MS, 'our close');
        const closed = await pyEvent('closed', path);
        assert.equal(closed['code'], code);
        assert.equal(closed['reason'], reason);
        assert.equal(info.code, code);
        assert.equal(info.initiator, 'local');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
      });

      it(`echo_server.py closes with ${code}${reason ? ` "${reason}"` : ''}: our client sees it`, async () => {
        const { conn, path } = await open();
        conn.send(`!close ${code} ${reason}`);
        const info = await within(conn.closed, STEP_MS, 'our connection to close');
        assert.equal(info.code, code);
        assert.equal(info.reason, reason);
        assert.equal(info.initiator, 'peer');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
        assert.equal((await pyEvent('closed', path))['code'], code);
      });
    }

    it('echo_server.py logged no errors', () => {
      assert.doesNotMatch(py!.stderr(), /Traceback|Error/, py!.stderr());
    });
  });

  // ----------------------------------------------------------------------------------------------

  describeOrSkip(`interop python websockets: client.py -> our server (${mode})`, skip, ({ it, before, after }) => {
    let echo: EchoServer | undefined;
    const children: ChildProcessLines[] = [];

    before(async () => {
      echo = await startEchoServer('ws://127.0.0.1:0/echo', { websocket: { compression: on, limits: BIG_LIMITS } });
    });

    after(async () => {
      await Promise.all(children.map((c) => c.kill()));
      await echo?.server.close({ timeout: 2000 });
    });

    it(`negotiates compression ${on ? 'on' : 'off'} and echoes text and binary from 0 bytes to 4 MiB byte-exact`, async () => {
      const index = echo!.conns.length;
      const msgs: Msg[] = [];
      for (const size of SIZES) msgs.push(textPayload(size), binaryPayload(size, size + 5));
      const spec = {
        messages: msgs.map((m) => (typeof m === 'string' ? { text: m } : { binary: Buffer.from(m).toString('base64') })),
        close: { code: 1000, reason: '' },
      };
      const p = await runClient(echo!.url, compression, spec, children);
      const opened = p.events.find((e) => e['event'] === 'open')!;
      assert.deepEqual(opened['extensions'], on ? ['permessage-deflate'] : []);
      assert.deepEqual(p.events.filter((e) => e['event'] === 'message').map(pick), msgs.map((m) => summary(m)));
      assert.equal(p.events.at(-1)!['event'], 'closed');
      assert.equal(p.events.at(-1)!['code'], 1000);
      const conn = await echo!.conn(index);
      assert.equal(conn.meta['compression'], on);
      assert.deepEqual(echo!.received.get(conn)!.map((m) => summary(m)), msgs.map((m) => summary(m)));
      const info = await within(conn.closed, STEP_MS);
      assert.equal(info.code, 1000);
      assert.equal(info.clean, true);
      if (on) assert.ok(conn.stats.bytesIn < 8 * MiB, `compressed text should shrink: ${conn.stats.bytesIn} bytes in`);
    });

    it('receives fragmented messages from websockets and pings both ways', async () => {
      const index = echo!.conns.length;
      const textParts = ['fragmented ', 'caf\u00e9 \u20ac ', '\u{1F600} end'];
      const binParts = [binaryPayload(10, 1), binaryPayload(70_000, 2), binaryPayload(1, 3)];
      const spec = {
        ping: true,
        messages: [
          { fragments: textParts },
          { fragments_binary: binParts.map((b) => Buffer.from(b).toString('base64')) },
          { text: '!ping' },
        ],
        close: { code: 1000, reason: '' },
      };
      const p = await runClient(echo!.url, compression, spec, children);
      assert.ok(p.events.some((e) => e['event'] === 'pong'), 'client.py got our pong');
      const whole = Buffer.concat(binParts);
      assert.deepEqual(p.events.filter((e) => e['event'] === 'message').map(pick), [summary(textParts.join('')), summary(whole), summary('pong-ok')]);
      const conn = await echo!.conn(index);
      assert.deepEqual(echo!.received.get(conn)!.map((m) => summary(m)), [summary(textParts.join('')), summary(new Uint8Array(whole)), summary('!ping')]);
    });

    for (const { code, reason } of CLOSES) {
      it(`client.py closes with ${code}${reason ? ` "${reason}"` : ''}: our server sees it`, async () => {
        const index = echo!.conns.length;
        const p = await runClient(echo!.url, compression, { messages: [{ text: 'x' }], close: { code, reason } }, children);
        const info = await within((await echo!.conn(index)).closed, STEP_MS);
        assert.equal(info.code, code);
        assert.equal(info.reason, reason);
        assert.equal(info.initiator, 'peer');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
        assert.equal(p.events.at(-1)!['code'], code);
      });

      it(`our server closes with ${code}${reason ? ` "${reason}"` : ''}: client.py sees it`, async () => {
        const index = echo!.conns.length;
        const p = await runClient(echo!.url, compression, { messages: [{ text: 'x' }], server_close: `!close ${code} ${reason}` }, children);
        const closed = p.events.at(-1)!;
        assert.equal(closed['event'], 'closed');
        assert.equal(closed['code'], code);
        assert.equal(closed['reason'], reason);
        const info = await within((await echo!.conn(index)).closed, STEP_MS);
        assert.equal(info.code, code);
        assert.equal(info.initiator, 'local');
        assert.equal(info.clean, true, `close info ${JSON.stringify(info)}`);
        assert.equal(info.error, undefined);
      });
    }

    it('reported no failures on our server', () => {
      assert.deepEqual(echo!.failures.map((e) => e.message), []);
    });
  });
}

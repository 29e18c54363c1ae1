/**
 * The command line against real servers on 127.0.0.1: exit statuses of every error path, signals,
 * --version, escaped peer text, named messages that do not parse, servers that close on us,
 * --help examples, --quiet under many abrupt disconnects, and the WebSocket options.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { escapeControls } from '../../src/cli/escape.js';
import { packageVersion } from '../../src/cli/version.js';
import {
  connect,
  jsonCodec,
  lines,
  listen,
  namedMessages,
  textCodec,
  type CloseInfo,
  type Connection,
  type Message,
} from '../../src/index.js';
import { closedPort, rawConnect, rawListen, waitFor, within, WAIT_MS } from '../helpers/net.js';
import { repoRoot } from '../helpers/root.js';
import { capture, startBin as start, type Captured } from '../helpers/cli.js';

/** Every child process is killed after this long; a test that needs it fails. */
const CHILD_MS = 15_000;
const startBin = (args: string[], stdin?: string) => start(args, stdin, CHILD_MS);

/** Runs `switchboard listen ...` in-process; resolves with its URL once it listens. */
async function cliListen(args: string[]): Promise<{ url: string; c: Captured; running: Promise<number> }> {
  const c = capture();
  const running = main(['listen', ...args], c.io);
  await waitFor(() => /listening on (\S+)/.test(c.err()) || c.err().includes('switchboard:'), WAIT_MS, 'the listener');
  const m = /listening on (\S+)/.exec(c.err());
  if (!m) throw new Error(`listen failed: ${c.err()}`);
  return { url: m[1]!, c, running };
}

const text = { framing: lines(), codec: textCodec() };

describe('cli connect: every error path ends the process with a non-zero status', () => {
  it('exits 1, naming the line, when a stdin line is not JSON (it used to hang for ever)', async () => {
    const got: unknown[] = [];
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', {
      protocol: { framing: lines(), codec: jsonCodec() },
      callbacks: { onReceive: (_c, m) => void got.push(m) },
    });
    try {
      const r = await startBin(['connect', server.url, '--codec', 'json'], '{"a":1}\nnot json\n').done;
      assert.equal(r.killed, false, 'the process ended by itself');
      assert.equal(r.code, 1, r.err);
      assert.equal(r.err, 'switchboard: line 2 of stdin was not sent: not JSON: "not json"\n');
      await waitFor(() => got.length === 1, WAIT_MS, 'the first line');
      assert.deepEqual(got, [{ a: 1 }]);
    } finally {
      await server.close();
    }
  });

  it('exits 1 with CONNECTION_RESET when the server resets the connection', async () => {
    const raw = await rawListen();
    try {
      const stdin = new PassThrough();
      const c = capture(stdin);
      const running = main(['connect', raw.url], c.io);
      const peer = await raw.accept();
      stdin.write('hello\n');
      await waitFor(() => peer.text() === 'hello\n', WAIT_MS, 'the line');
      peer.socket.resetAndDestroy();
      assert.equal(await within(running, WAIT_MS, 'connect'), 1, c.err());
      assert.match(c.err(), /CONNECTION_RESET/);
      stdin.destroy();
    } finally {
      await raw.close();
    }
  });

  it('a signal while connect is still retrying exits 1 with one line, not a stack trace', async () => {
    const port = await closedPort();
    const c = capture();
    const running = main(['connect', `tcp://127.0.0.1:${port}`, '--retry-after', '20', '--timeout', '60000'], c.io);
    await new Promise((r) => setTimeout(r, 100)); // a few refused attempts
    c.abort();
    assert.equal(await within(running, WAIT_MS, 'connect'), 1);
    assert.equal(c.err(), 'switchboard: stopped before the connection was made\n');
  });

  it('SIGTERM ends connect with stdin still open: a graceful close, then exit 0', async () => {
    const infos: CloseInfo[] = [];
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: { onDisconnect: (_c, i) => void infos.push(i) },
    });
    try {
      const p = startBin(['connect', server.url]); // stdin stays open
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the connection');
      p.child.kill('SIGTERM');
      const r = await p.done;
      assert.equal(r.killed, false, 'the process ended by itself');
      assert.equal(r.code, 0, r.err);
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server side to close');
      assert.equal(infos[0]!.clean, true, 'a FIN, not a reset');
    } finally {
      await server.close();
    }
  });
});

describe('cli listen: signals', () => {
  it('SIGTERM ends listen, exit 0, while a client never finishes closing', async () => {
    const p = startBin(['listen', 'tcp://127.0.0.1:0', '--echo'], '');
    await waitFor(() => /listening on (\S+)/.test(p.err()), WAIT_MS, 'the listener');
    const url = /listening on (\S+)/.exec(p.err())![1]!;
    const peer = await rawConnect(url, { halfOpen: true }); // never answers the server's FIN
    await peer.write('a partial line');
    p.child.kill('SIGTERM');
    const r = await p.done;
    assert.equal(r.killed, false, 'the process ended by itself');
    assert.equal(r.code, 0, r.err);
    await within(peer.ended, WAIT_MS, "the server's FIN");
    peer.destroy();
  });
});

describe('cli --version', () => {
  it('prints the version of package.json for --version and -V, and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await startBin([flag], '').done;
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, `${pkg.version}\n`);
    }
    assert.equal(packageVersion(), pkg.version, 'found from the test build too');
    assert.match(packageVersion('/'), /^unknown/, 'says so when there is no package.json above');
  });
});

const HOSTILE = '\x1b]0;pwned\x07\x1b[2Jok\u009b31m\u202eevil\x7f';
const HOSTILE_ESCAPED = '\\x1b]0;pwned\\x07\\x1b[2Jok\\u009b31m\\u202eevil\\x7f';

describe('cli: peer text is escaped before it reaches the terminal', () => {
  it('escapeControls writes C0, DEL, C1, bidi controls and line ends as escapes, and keeps tab and other text', () => {
    assert.equal(escapeControls(HOSTILE), HOSTILE_ESCAPED);
    assert.equal(escapeControls('a\tb über ✓'), 'a\tb über ✓');
    assert.equal(escapeControls('a\r\nb\nc\rd\0'), 'a\\r\\nb\\nc\\rd\\x00');
    assert.equal(escapeControls('a\r\nb\nc\rd', true), 'a\r\nb\nc\\rd', 'raw framing keeps the peer line ends');
    assert.equal(escapeControls('\u2066x\u2069\u2028'), '\\u2066x\\u2069\\u2028');
  });

  it('connect prints a hostile message escaped, and as it came with --raw', async () => {
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: { onConnect: (conn) => void conn.send(HOSTILE) },
    });
    try {
      for (const [args, expected] of [
        [[], HOSTILE_ESCAPED + '\n'],
        [['--raw'], HOSTILE + '\n'],
      ] as const) {
        const stdin = new PassThrough();
        const c = capture(stdin);
        const running = main(['connect', server.url, ...args], c.io);
        await waitFor(() => c.out().length >= expected.length, WAIT_MS, 'the message');
        stdin.end();
        assert.equal(await within(running, WAIT_MS, 'connect'), 0, c.err());
        assert.equal(c.out(), expected);
      }
    } finally {
      await server.close();
    }
  });

  it('listen prints what a client sends escaped, also in --trace lines and over WebSocket', async () => {
    const l = await cliListen(['tcp://127.0.0.1:0', '--trace']);
    const peer = await rawConnect(l.url);
    await peer.write(HOSTILE + '\n');
    await waitFor(() => l.c.out().includes('evil'), WAIT_MS, 'the message');
    peer.destroy();
    l.c.abort();
    assert.equal(await l.running, 0);
    assert.equal(l.c.out(), HOSTILE_ESCAPED + '\n');
    assert.ok(l.c.err().includes(`>> ${HOSTILE_ESCAPED}`), l.c.err());
    assert.ok(!/[\x1b\x07\u009b]/.test(l.c.out() + l.c.err()), 'no control character printed');

    const w = await cliListen(['ws://127.0.0.1:0/']);
    const conn = await connect<string, string>(w.url, { timeout: WAIT_MS });
    conn.send(HOSTILE);
    await waitFor(() => w.c.out().includes('evil'), WAIT_MS, 'the ws message');
    await conn.close();
    w.c.abort();
    await w.running;
    assert.equal(w.c.out(), HOSTILE_ESCAPED + '\n');
  });
});

describe('cli listen --codec named: a line that does not parse is reported and skipped', () => {
  it('prints the error, keeps the connection and prints the messages after it', async () => {
    const l = await cliListen(['tcp://127.0.0.1:0', '--codec', 'named']);
    const peer = await rawConnect(l.url);
    await peer.write('FIRE a=1\nnot a message\nfire\nSTOP\n');
    await waitFor(() => l.c.out().includes('STOP'), WAIT_MS, 'the message after the bad lines');
    assert.equal(l.c.out(), 'FIRE a=1\nSTOP\n');
    assert.match(l.c.err(), /MESSAGE_INVALID_NAME: .*command "not" must be made of A-Z/);
    assert.match(l.c.err(), /MESSAGE_INVALID_NAME: .*command "fire"/);
    assert.equal(peer.isClosed, false, 'the connection stays up');
    peer.destroy();
    l.c.abort();
    assert.equal(await l.running, 0);
  });
});

describe('cli connect: a message from the server that does not decode', () => {
  it('is reported and skipped, the next one is printed, and connect exits 1', async () => {
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: {
        onConnect: (conn) => {
          conn.send('{"ok":false');
          conn.send('{"ok":true}');
        },
      },
    });
    try {
      const stdin = new PassThrough();
      const c = capture(stdin);
      const running = main(['connect', server.url, '--codec', 'json'], c.io);
      await waitFor(() => c.out().length > 0, WAIT_MS, 'the good message');
      stdin.end();
      assert.equal(await within(running, WAIT_MS, 'connect'), 1, c.err());
      assert.equal(c.out(), '{"ok":true}\n');
      assert.match(c.err(), /^INVALID_JSON: /m);
    } finally {
      await server.close();
    }
  });
});

describe('cli: the server closing on us is a failure', () => {
  it('connect says the server closed first and exits 1 when framings do not match', async () => {
    const l = await cliListen(['tcp://127.0.0.1:0', '--framing', 'length']);
    try {
      const stdin = new PassThrough();
      const c = capture(stdin);
      const running = main(['connect', l.url], c.io);
      stdin.write('hello\n'); // read by the server as a 1.7 GB length prefix
      assert.equal(await within(running, WAIT_MS, 'connect'), 1, c.err());
      assert.match(c.err(), /the server closed the connection before stdin ended/);
      stdin.destroy();
      await waitFor(() => l.c.err().includes('FRAME_TOO_LARGE'), WAIT_MS, 'the server log');
    } finally {
      l.c.abort();
      await l.running;
    }
  });

  it('connect ws:// exits 1 with the close code when the server closes with 1009', async () => {
    const l = await cliListen(['ws://127.0.0.1:0/', '--ws-max-message-size', '4']);
    try {
      const c = capture(Readable.from(['far too long\n']));
      assert.equal(await within(main(['connect', l.url], c.io), WAIT_MS, 'connect'), 1, c.err());
      assert.match(c.err(), /code 1009/);
      await waitFor(() => l.c.err().includes('WS_MESSAGE_TOO_LARGE'), WAIT_MS, 'the server log');
    } finally {
      l.c.abort();
      await l.running;
    }
  });

  it('signal --reply fails with exit 1 against a udp server that never answers and a tcp server that closes without answering', async () => {
    const u = await cliListen(['udp://127.0.0.1:0', '--codec', 'named']);
    const server = await listen<Message, Message>('tcp://127.0.0.1:0', {
      protocol: namedMessages(),
      callbacks: { onReceive: (conn) => void conn.close() },
    });
    try {
      const a = capture();
      const host = u.url.slice('udp://'.length);
      assert.equal(await main(['signal', '--type', 'udp', '--host', host, '--message', 'PING', '--reply', '--timeout', '200'], a.io), 1);
      assert.match(a.err(), /RECEIVE_TIMEOUT/);
      const b = capture();
      const tcp = server.url.slice('tcp://'.length);
      assert.equal(await main(['signal', '--host', tcp, '--message', 'PING', '--reply', '--timeout', '5000'], b.io), 1);
      assert.match(b.err(), /CONNECTION_CLOSED/);
    } finally {
      u.c.abort();
      await u.running;
      await server.close();
    }
  });
});

describe('cli --help', () => {
  for (const cmd of [[], ['listen'], ['connect'], ['request'], ['signal'], ['demo'], ['bench']]) {
    it(`ends with two or three examples: switchboard ${cmd.join(' ') || '(no command)'} --help`, async () => {
      const c = capture();
      assert.equal(await main([...cmd, '--help'], c.io), 0);
      const m = /\nExamples:\n((?: {2}.+\n)+)$/.exec(c.out());
      assert.ok(m, `no Examples section at the end of:\n${c.out()}`);
      const examples = m[1]!.trimEnd().split('\n');
      assert.ok(examples.length >= 2 && examples.length <= 3, examples.join('\n'));
      for (const e of examples) assert.match(e, /switchboard/);
    });
  }
});

describe('cli listen --quiet under abrupt disconnects', () => {
  it('prints one summary instead of a line per reset peer, and each line with --trace', async () => {
    const PEERS = 20;
    for (const trace of [false, true]) {
      const l = await cliListen(['tcp://127.0.0.1:0', '--quiet', ...(trace ? ['--trace'] : [])]);
      for (let i = 0; i < PEERS; i++) {
        const peer = await rawConnect(l.url);
        await peer.write('partial line without end'); // then a reset
        peer.socket.resetAndDestroy();
        await peer.closed;
      }
      // One error line per connection (a reset, or FRAME_TRUNCATED for the partial line).
      const perConnection = (): string[] => l.c.err().split('\n').filter((x) => /^svc\(.*\): [A-Z_]+: /.test(x));
      if (trace) await waitFor(() => perConnection().length >= PEERS, WAIT_MS, 'the error lines');
      l.c.abort();
      assert.equal(await l.running, 0);
      if (trace) continue;
      assert.deepEqual(perConnection(), [], 'no line per connection');
      const summaries = l.c.err().split('\n').filter((x) => x.includes('connection errors'));
      assert.equal(summaries.length, 1, l.c.err());
      const m = /^(\d+) connection errors \((?:[A-Z_]+ \d+(?:, )?)+\); --trace prints each$/.exec(summaries[0]!);
      assert.ok(m, summaries[0]);
      assert.ok(Number(m[1]) >= PEERS, summaries[0]);
    }
  });
});

describe('cli WebSocket options', () => {
  it('listen --ws-max-message-size closes a client whose message is larger with 1009', async () => {
    const l = await cliListen(['ws://127.0.0.1:0/', '--ws-max-message-size', '4']);
    try {
      const conn = await connect<string, string>(l.url, { timeout: WAIT_MS });
      conn.send('12345');
      const info = await within(conn.closed, WAIT_MS, 'the close');
      assert.equal(info.code, 1009);
    } finally {
      l.c.abort();
      await l.running;
    }
  });

  it('listen --no-compression refuses permessage-deflate; the default accepts it', async () => {
    for (const [args, expected] of [
      [['--no-compression'], false],
      [[], true],
    ] as const) {
      const l = await cliListen(['ws://127.0.0.1:0/', ...args]);
      const conn = await connect<string, string>(l.url, { timeout: WAIT_MS });
      assert.equal(conn.meta['compression'], expected, args.join(' '));
      await conn.close();
      l.c.abort();
      await l.running;
    }
  });

  it('connect --ws-max-message-size and --no-compression reach the client', async () => {
    const metas: boolean[] = [];
    const server = await listen<string, string>('ws://127.0.0.1:0/', {
      callbacks: {
        onConnect: (conn: Connection<string, string>) => {
          metas.push(conn.meta['compression'] as boolean);
          conn.send('twelve bytes');
        },
      },
    });
    try {
      const c = capture(new PassThrough());
      assert.equal(await within(main(['connect', server.url, '--ws-max-message-size', '4', '--no-compression'], c.io), WAIT_MS, 'connect'), 1);
      assert.match(c.err(), /WS_MESSAGE_TOO_LARGE/);
      assert.deepEqual(metas, [false]);
    } finally {
      await server.close();
    }
  });

  it('refuses --ws-* on other schemes and --max-frame-size on ws:// (exit 2)', async () => {
    for (const argv of [
      ['listen', 'tcp://127.0.0.1:0', '--ws-max-frame-size', '10'],
      ['connect', 'udp://127.0.0.1:9', '--no-compression'],
      ['listen', 'ws://127.0.0.1:0', '--max-frame-size', '10'],
    ]) {
      const c = capture();
      assert.equal(await main(argv, c.io), 2, argv.join(' '));
      assert.match(c.err(), /INVALID_OPTION: --(ws-\*|max-frame-size)/);
    }
  });
});

describe('cli: unknown schemes', () => {
  it('names every scheme, ws and udp included', async () => {
    const c = capture();
    assert.equal(await main(['connect', 'http://127.0.0.1:1'], c.io), 2);
    assert.match(c.err(), /unknown scheme "http", expected tcp, tls, unix, ws, wss, udp or unixgram/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { parseFraming, parseCodec, unescape } from '../../src/cli/spec.js';
import { listen, namedMessages, type Message } from '../../src/index.js';
import { repoRoot } from '../helpers/root.js';
import { capture } from '../helpers/cli.js';



async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cli: framing and codec words', () => {
  it('parses every framing word', () => {
    assert.equal(parseFraming('lines').name, 'lines');
    assert.equal(parseFraming('delimiter:;').name, 'delimiter(";")');
    assert.equal(parseFraming('delimiter:\\r\\n').name, 'delimiter("\\r\\n")');
    assert.equal(parseFraming('length').name, 'length-prefix(u32be)');
    assert.equal(parseFraming('length:2:le').name, 'length-prefix(u16le)');
    assert.equal(parseFraming('length:varint').name, 'length-prefix(varint)');
    assert.equal(parseFraming('fixed:16').name, 'fixed(16)');
    assert.equal(parseFraming('raw').name, 'raw');
    assert.equal(unescape('a\\tb\\\\'), 'a\tb\\');
  });

  it('rejects unknown framing and codec words with INVALID_OPTION', () => {
    for (const bad of ['', 'line', 'delimiter:', 'length:3', 'length:4:middle', 'fixed:0', 'fixed:x']) {
      assert.throws(() => parseFraming(bad), { code: 'INVALID_OPTION' }, bad);
    }
    assert.throws(() => parseCodec('yaml'), { code: 'INVALID_OPTION' });
  });
});

describe('cli: main()', () => {
  it('prints help and exits 0 for --help', async () => {
    const c = capture();
    assert.equal(await main(['--help'], c.io), 0);
    assert.match(c.out(), /Usage: switchboard/);
    assert.match(c.out(), /listen/);
    assert.match(c.out(), /connect/);
    assert.match(c.out(), /demo/);
  });

  it('exits 2 on a usage error and says why', async () => {
    const c = capture();
    assert.equal(await main(['listen'], c.io), 2);
    assert.match(c.err(), /missing required argument/);
    const d = capture();
    assert.equal(await main(['listen', 'tcp://127.0.0.1:0', '--framing', 'nope'], d.io), 2);
    assert.match(d.err(), /INVALID_OPTION: unknown framing "nope"/);
    const e = capture();
    assert.equal(await main(['connect', 'ftp://x:1'], e.io), 2);
    assert.match(e.err(), /INVALID_ADDRESS/);
    const f = capture();
    assert.equal(await main(['demo', 'nosuch'], f.io), 2);
  });

  it('exits 1 when the server is not there', async () => {
    const s = await listen('tcp://127.0.0.1:0');
    const url = s.url;
    await s.close();
    const c = capture();
    assert.equal(await main(['connect', url, '--timeout', '2000'], c.io), 1);
    assert.match(c.err(), /CONNECT_FAILED/);
  });

  it('listen --echo and connect: each stdin line comes back, then connect exits 0', async () => {
    const srv = capture();
    const running = main(['listen', 'tcp://127.0.0.1:0', '--echo'], srv.io);
    await until(() => /listening on (\S+)/.test(srv.err()), 'the listener');
    const url = /listening on (\S+)/.exec(srv.err())![1]!;
    const cli = capture(Readable.from(['hello\nworld\n', 'third line\n']));
    assert.equal(await main(['connect', url], cli.io), 0);
    assert.equal(cli.out(), 'hello\nworld\nthird line\n');
    assert.equal(srv.out(), 'hello\nworld\nthird line\n');
    srv.abort();
    assert.equal(await running, 0);
  });

  it('speaks length-prefixed JSON both ways', async () => {
    const srv = capture();
    const running = main(['listen', 'tcp://127.0.0.1:0', '--echo', '--framing', 'length:2', '--codec', 'json'], srv.io);
    await until(() => /listening on (\S+)/.test(srv.err()), 'the listener');
    const url = /listening on (\S+)/.exec(srv.err())![1]!;
    const cli = capture(Readable.from(['{"a":1}\n[1,2]\n']));
    assert.equal(await main(['connect', url, '--framing', 'length:2', '--codec', 'json'], cli.io), 0);
    assert.equal(cli.out(), '{"a":1}\n[1,2]\n');
    srv.abort();
    await running;
  });

  it('listen ws:// --echo and connect ws://: text lines come back as text messages', async () => {
    const srv = capture();
    const running = main(['listen', 'ws://127.0.0.1:0/echo', '--echo'], srv.io);
    await until(() => /listening on (\S+)/.test(srv.err()), 'the listener');
    const url = /listening on (\S+)/.exec(srv.err())![1]!;
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
    const cli = capture(Readable.from(['über\n', 'two words\n']));
    assert.equal(await main(['connect', url], cli.io), 0);
    assert.equal(cli.out(), 'über\ntwo words\n');
    assert.equal(srv.out(), 'über\ntwo words\n');
    srv.abort();
    assert.equal(await running, 0);
  });

  it('speaks wss:// with --cert/--key on the server and --ca on the client', async () => {
    const fixtures = join(repoRoot, 'test', 'fixtures', 'tls');
    const srv = capture();
    const running = main(
      ['listen', 'wss://127.0.0.1:0', '--echo', '--cert', join(fixtures, 'server.crt'), '--key', join(fixtures, 'server.key')],
      srv.io,
    );
    await until(() => /listening on (\S+)/.test(srv.err()), 'the listener');
    const url = /listening on (\S+)/.exec(srv.err())![1]!;
    assert.match(url, /^wss:/);
    const cli = capture(Readable.from(['secret\n']));
    assert.equal(await main(['connect', url, '--ca', join(fixtures, 'ca.crt')], cli.io), 0);
    assert.equal(cli.out(), 'secret\n');
    srv.abort();
    await running;
  });

  it('connect ends when the server closes while stdin is still open, says so and exits 1', async () => {
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: { framing: parseFraming('lines'), codec: parseCodec('text') as never },
      callbacks: { onConnect: (conn) => { conn.send('bye'); void conn.close(); } },
    });
    const stdin = new PassThrough(); // never ends
    const cli = capture(stdin);
    assert.equal(await main(['connect', server.url], cli.io), 1);
    assert.equal(cli.out(), 'bye\n');
    assert.match(cli.err(), /the server closed the connection before stdin ended/);
    stdin.destroy();
    await server.close();
  });
});

describe('cli: signal (ed-signal)', () => {
  it('sends one named message over tcp and prints the reply with --reply', async () => {
    const got: string[] = [];
    const server = await listen<Message, Message>('tcp://127.0.0.1:0', {
      protocol: namedMessages(),
      callbacks: { onReceive: (c, m) => { got.push(m.toString()); c.send(m.reply('ACK', { n: m.get('n') ?? '' })); } },
    });
    try {
      const c = capture();
      const host = server.url.slice('tcp://'.length);
      const argv = ['signal', '--host', host, '--message', 'svc/LOCK', '--param', 'n=1', '--param', 'key=a;b', '--secret-code', 'x', '--reply'];
      assert.equal(await main(argv, c.io), 0, c.err());
      assert.deepEqual(got, ['svc/LOCK key="a;b";n=1;secret_code=x']);
      assert.equal(c.out(), 'ACK n=1\n');
    } finally {
      await server.close();
    }
  });

  it('sends a datagram over udp with the secret code, and the listener prints it', async () => {
    const srv = capture();
    const running = main(['listen', 'udp://127.0.0.1:0', '--codec', 'named', '--secret-code', 's3', '--trace'], srv.io);
    await until(() => /listening on (\S+)/.test(srv.err()), 'the listener');
    const url = /listening on (\S+)/.exec(srv.err())![1]!;
    const host = url.slice('udp://'.length);
    const ok = capture();
    assert.equal(await main(['signal', '--host', host, '--type', 'udp', '--message', 'LOG_ROTATE', '--secret-code', 's3'], ok.io), 0);
    const bad = capture();
    assert.equal(await main(['signal', '--host', host, '--type', 'udp', '--message', 'STOP', '--secret-code', 'wrong'], bad.io), 0);
    await until(() => srv.out().includes('LOG_ROTATE') && srv.err().includes('SECRET_CODE_MISMATCH'), 'the datagrams');
    assert.equal(srv.out(), 'LOG_ROTATE\n', 'the message with the wrong code is dropped');
    assert.match(srv.err(), />> LOG_ROTATE/);
    srv.abort();
    assert.equal(await running, 0);
  });

  it('fails with exit 1 when no reply comes in time, and 2 on a bad --host', async () => {
    const server = await listen('tcp://127.0.0.1:0', { protocol: namedMessages() });
    try {
      const c = capture();
      const host = server.url.slice('tcp://'.length);
      assert.equal(await main(['signal', '--host', host, '--message', 'PING', '--reply', '--timeout', '100'], c.io), 1);
      assert.match(c.err(), /RECEIVE_TIMEOUT/);
      const d = capture();
      assert.equal(await main(['signal', '--host', 'nohost', '--message', 'PING'], d.io), 2);
      const e = capture();
      assert.equal(await main(['signal', '--host', host, '--message', 'lower case'], e.io), 2);
      assert.match(e.err(), /INVALID_OPTION: --message: /);
    } finally {
      await server.close();
    }
  });
});

describe('cli: the switchboard binary', () => {
  it('runs every demo scenario and exits 0', async () => {
    const bin = join(repoRoot, 'dist', 'cli', 'bin.js');
    const child = spawn(process.execPath, [bin, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, err);
    for (const name of ['links', 'leads', 'clj-tcp', 'websocket', 'eventdispatcher']) assert.match(out, new RegExp(`=== ${name}: ok`));
    assert.match(out, /client trace: .* >> BYE to=Mom/);
    assert.match(out, /daemon: run\(\) returned/);
    assert.match(out, /<<< Received \(binary\): de ad be ef/);
    assert.match(out, /SENT \{"type":"ping","seq":1\}/);
    assert.match(out, /RECV \{"type":"pong","seq":1\}/);
    assert.match(out, /server: 3 connections/);
    assert.match(out, /read 2 bytes: "hi"/);
  });

  it('stops `listen` cleanly on SIGTERM', async () => {
    const bin = join(repoRoot, 'dist', 'cli', 'bin.js');
    const child = spawn(process.execPath, [bin, 'listen', 'tcp://127.0.0.1:0', '--echo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    await until(() => err.includes('listening on'), 'the listener');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0);
  });
});

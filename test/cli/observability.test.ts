/**
 * The CLI's operations features on real sockets: `switchboard bench` against `switchboard listen
 * --echo` (a child process, also serving --metrics) and against the `ws` package's server;
 * `listen --log-format json` records with fields; `--log-file` reopened by LOG_ROTATE.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { main } from '../../src/cli/main.js';
import type { BenchResult } from '../../src/cli/bench.js';
import { repoRoot } from '../helpers/root.js';
import { rawConnect, waitFor, within } from '../helpers/net.js';
import { capture } from '../helpers/cli.js';

const bin = join(repoRoot, 'dist', 'cli', 'bin.js');

/** The body of a GET. */
const get = async (url: string): Promise<string> => (await fetch(url)).text();

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in the exposition`);
  return Number(m[1]);
}

const SHORT = ['-d', '300', '--warmup', '50', '--json'];

function checkResult(r: BenchResult, connections: number, size: number): void {
  assert.equal(r.connections, connections);
  assert.equal(r.size, size);
  assert.ok(r.received > 0, 'replies counted');
  assert.equal(r.mismatched, 0, 'an echo answers with the same size');
  assert.ok(r.msgsPerSec > 0 && r.bytesPerSec > 0);
  const l = r.latencyUs;
  assert.ok(l.p50 > 0 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
}

describe('cli: switchboard bench', () => {
  it('loads `switchboard listen --echo` (a child process) and the server\'s /metrics counts every message both ways', async () => {
    const child = spawn(process.execPath, [bin, 'listen', 'tcp://127.0.0.1:0', '--echo', '--quiet', '--codec', 'bytes', '--framing', 'length:4', '--metrics', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    try {
      await waitFor(() => /metrics on (\S+)/.test(err), 10_000, 'the listener and its metrics');
      const url = /listening on (\S+)/.exec(err)![1]!;
      const metricsUrl = /metrics on (\S+)/.exec(err)![1]!;
      const c = capture();
      const code = await main(['bench', url, '--codec', 'bytes', '--framing', 'length:4', '-c', '3', '-w', '8', '-s', '100', '-d', '1300', '--warmup', '50', '--json', '--progress'], c.io);
      assert.equal(code, 0, c.err());
      assert.match(c.err(), /^1\.\d s {2}\d+ replies {2}[\d,]+ msg\/s {2}p50 .+ {2}p99 .+$/m, 'a progress line each second');
      const r = JSON.parse(c.out()) as BenchResult;
      checkResult(r, 3, 100);
      assert.equal(r.framing, 'length:4');
      // Every connection closed: what the server received it sent back, no more, no less.
      let text = await get(metricsUrl);
      for (let i = 0; i < 100 && metric(text, 'switchboard_connections') !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        text = await get(metricsUrl);
      }
      const received = metric(text, 'switchboard_messages_received_total');
      assert.ok(received >= r.received, `${received} >= ${r.received}`);
      assert.equal(metric(text, 'switchboard_messages_sent_total'), received);
      assert.equal(metric(text, 'switchboard_bytes_sent_total'), metric(text, 'switchboard_bytes_received_total'));
      assert.equal(metric(text, 'switchboard_connections_opened_total'), 3);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('close', resolve));
      clearTimeout(killer);
    }
  });

  it('loads the ws package\'s echo server, with a rate limit, and prints a text report', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
    const port = (wss.address() as { port: number }).port;
    try {
      const c = capture();
      assert.equal(await main(['bench', `ws://127.0.0.1:${port}/`, '-c', '2', '-w', '4', '-s', '32', ...SHORT], c.io), 0, c.err());
      const r = JSON.parse(c.out()) as BenchResult;
      checkResult(r, 2, 32);
      assert.equal(r.transport, 'ws');
      const t = capture();
      assert.equal(await main(['bench', `ws://127.0.0.1:${port}/`, '-r', '500', '-d', '400', '--warmup', '0'], t.io), 0, t.err());
      assert.match(t.out(), /replies in 0\.\d+ s: [\d,]+ msg\/s/);
      assert.match(t.out(), /latency {2}p50 .+ {2}p90 .+ {2}p99 .+ {2}p99\.9 .+ {2}max /);
      const sent = Number(/([\d,]+) replies/.exec(t.out())![1]!.replace(/,/g, ''));
      assert.ok(sent <= 500 * 0.4 + 10, `the rate limit holds: ${sent} replies in 0.4 s at 500/s`);
    } finally {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it('refuses datagrams (no replies in order), and --metrics without a host', async () => {
    const c = capture();
    assert.equal(await main(['bench', 'udp://127.0.0.1:9'], c.io), 2);
    assert.match(c.err(), /datagrams/);
    const e = capture();
    assert.equal(await main(['listen', 'tcp://127.0.0.1:0', '--metrics', '9464'], e.io), 2);
    assert.match(e.err(), /INVALID_ADDRESS: invalid metrics address "9464", expected HOST:PORT/);
    assert.doesNotMatch(e.err(), /listening on/, 'refused before anything listens');
  });
});

describe('cli: listen logs', () => {
  it('--log-format json writes one record per line with fields (connection, event, code), and previews only with --trace', async () => {
    const c = capture();
    const running = main(['listen', 'tcp://127.0.0.1:0', '--quiet', '--trace', '--log-format', 'json', '--codec', 'json'], c.io);
    await waitFor(() => c.err().includes('listening on'), 5000, 'the listener');
    const url = /listening on (\S+)/.exec(c.err())![1]!;
    const peer = await rawConnect(url);
    await peer.write('{"hello":1}\nnot json\n');
    await waitFor(() => c.err().includes('INVALID_JSON'), 5000, 'the decode error');
    peer.destroy();
    await waitFor(() => c.err().includes('"event":"disconnect"'), 5000, 'the disconnect');
    c.abort();
    assert.equal(await within(running), 0);
    const records = c.err().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const msg = records.find((r) => r['event'] === 'message')!;
    assert.equal(msg['level'], 'info');
    assert.match(String(msg['connection']), /^svc\(/);
    assert.equal(msg['direction'], 'in');
    assert.equal(msg['preview'], '{"hello":1}');
    assert.equal(msg['size'], undefined, 'a JSON object has no plain size');
    const error = records.find((r) => r['event'] === 'error')!;
    assert.equal(error['code'], 'INVALID_JSON');
    assert.equal(error['level'], 'warn');
    assert.equal(typeof error['time'], 'number');
  });

  it('--log-file writes there, and a LOG_ROTATE message reopens it after logrotate renamed it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-log-'));
    const file = join(dir, 'listen.log');
    const c = capture();
    const running = main(['listen', 'tcp://127.0.0.1:0', '--quiet', '--trace', '--log-file', file, '--log-format', 'json'], c.io);
    try {
      await waitFor(() => c.err().includes('listening on'), 5000, 'the listener');
      const url = /listening on (\S+)/.exec(c.err())![1]!;
      const peer = await rawConnect(url);
      await peer.write('before\n');
      await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('before'), 5000, 'the first line in the log');
      renameSync(file, file + '.1'); // logrotate
      await peer.write('LOG_ROTATE\nafter\n');
      await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('after'), 5000, 'the reopened log');
      assert.doesNotMatch(readFileSync(file + '.1', 'utf8'), /after/);
      assert.match(readFileSync(file + '.1', 'utf8'), /"event":"message","connection":"svc\([^"]+\)","direction":"in","size":6,"preview":"before"/);
      assert.match(readFileSync(file, 'utf8'), /"event":"log_rotate"/);
      peer.destroy();
    } finally {
      c.abort();
      assert.equal(await within(running), 0);
    }
  });
});

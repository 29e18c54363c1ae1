/**
 * The session commands of the real binary (dist/cli/bin.js, spawned): `listen --session`,
 * `connect --session` (across a SIGKILLed and restarted listener) and `request`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, listen, textCodec } from '../../src/index.js';
import { closedPort, waitFor, within, WAIT_MS } from '../helpers/net.js';
import { startBin } from '../helpers/cli.js';

/** Every child process is killed after this long (startBin's default); a test that needs it fails. */
const CHILD_MS = 30_000;

/** `switchboard listen URL --session ...` as a child; resolves once it listens, with its URL and port. */
async function binListen(url: string, args: string[] = []) {
  const b = startBin(['listen', url, '--session', ...args]);
  await waitFor(() => /listening on \S+/.test(b.err()) || b.child.exitCode !== null, WAIT_MS, 'the listener');
  const m = /listening on (\S+)/.exec(b.err());
  if (!m) throw new Error(`listen failed: ${b.err()}`);
  return { ...b, url: m[1]!, port: Number(/:(\d+)/.exec(m[1]!)![1]) };
}

const numbered = (from: number, to: number): string => Array.from({ length: to - from }, (_, k) => `line ${from + k}\n`).join('');

describe('cli: request', () => {
  it('prints the reply of `listen --session --echo` and exits 0', async () => {
    const srv = await binListen('tcp://127.0.0.1:0', ['--echo']);
    try {
      const r = await startBin(['request', srv.url, 'hello there']).done;
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, 'hello there\n');
      assert.equal(r.err, '');
    } finally {
      srv.child.kill('SIGTERM');
      assert.equal((await srv.done).code, 0);
    }
  });

  it('exits 1 with NO_HANDLER from `listen --session` without --echo, at once', async () => {
    const srv = await binListen('tcp://127.0.0.1:0');
    try {
      // The timeout is long: NO_HANDLER must come back without waiting for it.
      const r = await startBin(['request', srv.url, 'anyone?', '--timeout', '20000']).done;
      assert.equal(r.killed, false);
      assert.equal(r.code, 1);
      assert.equal(r.out, '');
      assert.match(r.err, /^NO_HANDLER: /);
    } finally {
      srv.child.kill('SIGTERM');
      await srv.done;
    }
  });

  it('exits 1 with REQUEST_TIMEOUT when the handler does not answer within --timeout', async () => {
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: { framing: lines(), codec: textCodec() },
      session: { onRequest: () => new Promise<string>(() => {}) },
    });
    try {
      const r = await startBin(['request', server.url, 'slow', '--timeout', '300']).done;
      assert.equal(r.code, 1);
      assert.match(r.err, /^REQUEST_TIMEOUT: /);
    } finally {
      await server.close();
    }
  });

  it('exits 1 with CONNECTION_CLOSED when the connection closes before the answer', async () => {
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: { framing: lines(), codec: textCodec() },
      session: {
        onRequest: (s) => {
          s.connection?.destroy();
          return new Promise<string>(() => {});
        },
      },
    });
    try {
      const r = await startBin(['request', server.url, 'bye', '--timeout', '20000']).done;
      assert.equal(r.killed, false);
      assert.equal(r.code, 1);
      assert.match(r.err, /^CONNECTION_CLOSED: /);
    } finally {
      await server.close();
    }
  });

  it('exits 1 with CONNECT_FAILED when nobody listens', async () => {
    const r = await startBin(['request', `tcp://127.0.0.1:${await closedPort()}`, 'x', '--timeout', '2000']).done;
    assert.equal(r.code, 1);
    assert.match(r.err, /CONNECT_FAILED/);
  });

  it('refuses datagram URLs with a usage error', async () => {
    const r = await startBin(['request', 'udp://127.0.0.1:9', 'x']).done;
    assert.equal(r.code, 2);
    assert.match(r.err, /INVALID_OPTION/);
  });
});

describe('cli: listen --session and connect --session', () => {
  it('delivers every stdin line once, in order, and exits 0 once all are acknowledged; --echo sends them back', async () => {
    const srv = await binListen('tcp://127.0.0.1:0', ['--echo']);
    try {
      const r = await startBin(['connect', srv.url, '--session'], numbered(0, 500)).done;
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      await waitFor(() => srv.out().split('\n').length > 500, WAIT_MS, 'the listener to print every line');
      assert.equal(srv.out(), numbered(0, 500));
      // The echoes that arrived before the session closed, in order (the command does not wait for them).
      const echoed = r.out.split('\n').filter(Boolean);
      assert.deepEqual(echoed, numbered(0, echoed.length).split('\n').filter(Boolean));
    } finally {
      srv.child.kill('SIGTERM');
      await srv.done;
    }
  });

  it('loses no line when the listener is SIGKILLed and restarted, says resumed: false, and exits 0', async () => {
    const first = await binListen('tcp://127.0.0.1:0');
    const c = startBin(['connect', first.url, '--session']);
    let second: Awaited<ReturnType<typeof binListen>> | undefined;
    try {
      c.child.stdin.write(numbered(0, 300));
      await waitFor(() => first.out().includes('line 299\n'), WAIT_MS, 'the first lines at the first listener');
      first.child.kill('SIGKILL');
      await first.done;
      // Lines written while no server runs: kept in the session, sent after the restart.
      c.child.stdin.write(numbered(300, 600));
      second = await binListen(first.url);
      c.child.stdin.end(numbered(600, 900));
      const r = await within(c.done, CHILD_MS, 'connect --session to finish');
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /resumed: false/);
      await waitFor(() => second!.out().includes('line 899\n'), WAIT_MS, 'the last line at the second listener');
      const got = new Set([...first.out().split('\n'), ...second.out().split('\n')].filter(Boolean));
      const missing = numbered(0, 900).split('\n').filter((l) => l && !got.has(l));
      assert.deepEqual(missing, [], 'every line reached a listener');
      // What the second listener printed is in order.
      const nums = second.out().split('\n').filter(Boolean).map((l) => Number(l.slice(5)));
      for (let k = 1; k < nums.length; k++) assert.ok(nums[k]! > nums[k - 1]!, `${nums[k]} after ${nums[k - 1]}`);
    } finally {
      c.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.done;
    }
  });

  it('exits 1 on SIGTERM while lines are not acknowledged (no server), saying how many', async () => {
    const port = await closedPort();
    const c = startBin(['connect', `tcp://127.0.0.1:${port}`, '--session'], numbered(0, 3));
    // Said once per outage; by then the command runs (and handles SIGTERM).
    await waitFor(() => /CONNECT_FAILED: .*retrying every 250 ms/.test(c.err()), WAIT_MS, 'the first failed attempt');
    c.child.kill('SIGTERM');
    const r = await c.done;
    assert.equal(r.killed, false);
    assert.equal(r.code, 1);
    assert.match(r.err, /stopped with 3 line\(s\) not acknowledged/);
    assert.equal(r.err.match(/retrying/g)?.length, 1, 'one line per outage, not one per attempt');
  });

  it('refuses connect options that a session makes meaningless', async () => {
    const r = await startBin(['connect', 'tcp://127.0.0.1:9', '--session', '--retry-after', '10']).done;
    assert.equal(r.code, 2);
    assert.match(r.err, /--session reconnects/);
  });

  it('serves --metrics and logs JSON lines with fields (--log-format json --trace) for a session listener', async () => {
    const srv = await binListen('tcp://127.0.0.1:0', ['--echo', '--metrics', '127.0.0.1:0', '--log-format', 'json', '--trace']);
    try {
      await waitFor(() => /metrics on \S+/.test(srv.err()), WAIT_MS, 'the metrics address');
      const metricsUrl = /metrics on (\S+)/.exec(srv.err())![1]!;
      const r = await startBin(['connect', srv.url, '--session'], numbered(0, 20)).done;
      assert.equal(r.code, 0, r.err);
      const text = await (await fetch(metricsUrl)).text();
      const value = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
      // 20 messages, plus the handshake and the acknowledgements on the wire.
      assert.ok(value('switchboard_messages_received_total') >= 20, text);
      assert.ok(value('switchboard_messages_sent_total') >= 20, text);
      assert.equal(value('switchboard_connections_opened_total'), 1);
      const records = srv
        .err()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const messages = records.filter((rec) => rec.event === 'message');
      assert.equal(messages.length, 20);
      assert.ok(messages.every((m) => typeof m.session === 'string' && m.direction === 'in'));
      assert.equal(records.filter((rec) => rec.event === 'session_opened').length, 1);
    } finally {
      srv.child.kill('SIGTERM');
      assert.equal((await srv.done).code, 0);
    }
  });

  it('refuses --session with --relay, and --node or --durable without --cluster, and --durable without --session', async () => {
    const relay = await startBin(['listen', 'tcp://127.0.0.1:0', '--session', '--relay']).done;
    assert.equal(relay.code, 2, relay.err);
    assert.match(relay.err, /INVALID_OPTION: --relay does not combine with --session/);
    const node = await startBin(['listen', 'tcp://127.0.0.1:0', '--session', '--node', 'a']).done;
    assert.equal(node.code, 2, node.err);
    assert.match(node.err, /INVALID_OPTION: --node needs --cluster/);
    const durable = await startBin(['listen', 'tcp://127.0.0.1:0', '--session', '--durable']).done;
    assert.equal(durable.code, 2, durable.err);
    assert.match(durable.err, /INVALID_OPTION: --durable needs --cluster/);
    const plain = await startBin(['listen', 'tcp://127.0.0.1:0', '--durable']).done;
    assert.equal(plain.code, 2, plain.err);
    assert.match(plain.err, /INVALID_OPTION: --durable needs --session/);
  });
});

import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, linesJson, pauseSchedule, permanentClient, type SessionClient } from '../../src/index.js';
import { WAIT_MS, waitFor } from '../helpers/net.js';
import { natsServer, type NatsServer, natsSkip } from './nats.js';
import { capture, startBin } from '../helpers/cli.js';


describeOrSkip('cli: switchboard listen --cluster', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer;
  before(async () => {
    nats = await natsServer();
  });
  after(async () => {
    await nats?.stop();
  });

  it('--relay sends every client message to every other connection on every node', async () => {
    const one = capture();
    const two = capture();
    const r1 = main(['listen', 'tcp://127.0.0.1:0', '--quiet', '--cluster', nats.url, '--node', 'one', '--relay'], one.io);
    const r2 = main(['listen', 'tcp://127.0.0.1:0', '--quiet', '--cluster', nats.url, '--node', 'two', '--relay'], two.io);
    try {
      const [url1, url2] = await listening(() => one.err(), () => two.err());
      assert.match(one.err(), /joined the cluster at nats:\/\/127\.0\.0\.1:\d+ as node one/);
      await waitFor(() => /node two joined/.test(one.err()), WAIT_MS, 'node one to hear of node two');
      const a = await connect<string, string>(url1, { protocol: { codec: textCodecLike() } });
      const b = await connect<string, string>(url2, { protocol: { codec: textCodecLike() } });
      const c = await connect<string, string>(url1, { protocol: { codec: textCodecLike() } });
      a.send('hello cluster');
      assert.equal(await b.receive({ timeout: WAIT_MS }), 'hello cluster', 'a client on the other node');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'hello cluster', 'another client on the same node');
      b.send('and back');
      assert.equal(await a.receive({ timeout: WAIT_MS }), 'and back', 'the sender got the other message, not its own');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'and back');
      await Promise.all([a.close(), b.close(), c.close()]);
    } finally {
      one.abort();
      two.abort();
      assert.equal(await r1, 0);
      assert.equal(await r2, 0);
    }
    assert.match(one.err(), /node two (joined|left)/);
  });

  it('refuses --node without --cluster, and --cluster on a datagram URL', async () => {
    const c = capture();
    assert.equal(await main(['listen', 'tcp://127.0.0.1:0', '--node', 'x'], c.io), 2);
    assert.match(c.err(), /--node needs --cluster/);
    const d = capture();
    assert.equal(await main(['listen', 'udp://127.0.0.1:0', '--cluster', nats.url], d.io), 2);
    const e = capture();
    assert.equal(await main(['listen', 'tcp://127.0.0.1:0', '--cluster', nats.url, '--node', 'a.b'], e.io), 2);
    assert.match(e.err(), /INVALID_OPTION/);
  });

  it('listen --session --cluster keeps sessions in NATS: a listener stopped with SIGTERM hands its sessions to the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-js-'));
    const js = await natsServer(['-js', '-sd', dir]);
    const one = capture();
    const two = capture();
    const args = (node: string) => ['listen', 'tcp://127.0.0.1:0', '--session', '--echo', '--quiet', '--codec', 'json', '--cluster', js.url, '--node', node];
    const r1 = main(args('one'), one.io);
    const r2 = main(args('two'), two.io);
    const got: number[] = [];
    const opens: boolean[] = [];
    let client: SessionClient<{ n: number }, { n: number }> | undefined;
    try {
      const [url1, url2] = await listening(() => one.err(), () => two.err());
      assert.match(one.err(), /sessions kept in NATS key-value at nats:\/\/127\.0\.0\.1:\d+/);
      client = echoSession([url1, url2], got, opens);
      await waitFor(() => client!.connected, WAIT_MS, 'the session on listener one');
      for (let n = 0; n < 50; n++) client.send({ n });
      await waitFor(() => got.length === 50, WAIT_MS, 'the first 50 echoes');
      one.abort(); // SIGTERM: the session is put in NATS before the connection closes
      assert.equal(await r1, 0);
      for (let n = 50; n < 100; n++) client.send({ n });
      await waitFor(() => got.length === 100, WAIT_MS, 'the next 50 echoes, from listener two');
      assert.deepEqual(got, [...Array(100).keys()], 'every echo once, in order');
      assert.deepEqual(opens, [false, true], 'resumed on listener two, not a new session');
      assert.equal(client.url, url2);
    } finally {
      await client?.close();
      one.abort();
      two.abort();
      await r1;
      assert.equal(await r2, 0);
      await js.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listen --session --cluster --durable: a listener SIGKILLed with its client connected, the client resumes on the next with resumed: true', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-durable-'));
    const js = await natsServer(['-js', '-sd', dir]);
    const args = ['listen', 'tcp://127.0.0.1:0', '--session', '--echo', '--quiet', '--codec', 'json', '--cluster', js.url, '--durable'];
    const one = startBin(args);
    const two = startBin(args);
    const got: number[] = [];
    const opens: boolean[] = [];
    let client: SessionClient<{ n: number }, { n: number }> | undefined;
    try {
      const [url1, url2] = await listening(() => one.err(), () => two.err());
      client = echoSession([url1, url2], got, opens);
      await waitFor(() => client!.connected, WAIT_MS, 'the session on listener one');
      for (let n = 0; n < 50; n++) client.send({ n });
      await waitFor(() => got.length >= 20, WAIT_MS, 'echoes from listener one');
      one.child.kill('SIGKILL');
      await one.done;
      for (let n = 50; n < 100; n++) client.send({ n });
      await waitFor(() => new Set(got).size === 100, WAIT_MS, 'every echo, the last ones from listener two');
      assert.deepEqual(opens, [false, true], 'resumed on listener two, not a new session');
      assert.equal(client.url, url2);
    } finally {
      await client?.close();
      one.child.kill('SIGKILL');
      two.child.kill('SIGTERM');
      await one.done;
      await two.done;
      await js.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Waits (bounded) until both listeners print their address, and returns the two URLs. */
async function listening(one: () => string, two: () => string): Promise<[string, string]> {
  await waitFor(() => /listening on (\S+)/.test(one()) && /listening on (\S+)/.test(two()), WAIT_MS, 'both listeners');
  return [/listening on (\S+)/.exec(one())![1]!, /listening on (\S+)/.exec(two())![1]!];
}

/** A JSON-lines session client trying `urls` in turn: the numbers it gets back go to `got`, each open's `resumed` to `opens`. */
function echoSession(urls: string[], got: number[], opens: boolean[]): SessionClient<{ n: number }, { n: number }> {
  return permanentClient<{ n: number }, { n: number }>(urls, {
    protocol: linesJson(),
    backoff: pauseSchedule([20]),
    session: { onOpen: (_s, i) => void opens.push(i.resumed), onMessage: (_s, m) => void got.push(m.n) },
  });
}

function textCodecLike(): { name: string; binary: boolean; encode: (s: string) => string; decode: (b: Uint8Array) => string } {
  return { name: 'text', binary: false, encode: (s) => s, decode: (b) => new TextDecoder().decode(b) };
}

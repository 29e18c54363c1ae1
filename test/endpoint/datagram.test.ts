import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { ErrorCode, SendStatus, bytesCodec, datagram, defineProtocol, linesJson, type SwitchboardError } from '../../src/core/index.js';
import { parseDatagramAddress } from '../../src/core/address.js';
import { message, namedMessageDatagrams, type Message } from '../../src/core/message/index.js';
import { bindDatagram, datagramClient, type DatagramEndpoint } from '../../src/endpoint/datagram.js';
import { unixgramSupport } from '../../src/transport/datagram.js';
import { WAIT_MS, tempSocketPath, waitFor, within } from '../helpers/net.js';
import { describeOrSkip } from '../helpers/skip.js';

const support = unixgramSupport();
const skipUnix =
  support.available || process.env['SWITCHBOARD_REQUIRE_UNIXGRAM'] === '1' ? false : `unix-dgram does not load here: ${support.error.message}`;

/** A raw UDP socket for sending bytes the endpoint did not encode (garbage, oversize). */
async function rawUdp(family: 'udp4' | 'udp6' = 'udp4'): Promise<{ send(data: string | Uint8Array, url: string): Promise<void>; close(): void }> {
  const s = dgram.createSocket(family);
  await new Promise<void>((resolve) => s.bind(0, family === 'udp6' ? '::1' : '127.0.0.1', resolve));
  return {
    send: (data, url) => {
      const a = parseDatagramAddress(url);
      if (a.scheme !== 'udp') throw new Error('udp only');
      return new Promise((resolve, reject) => s.send(data, a.port, a.host, (err) => (err ? reject(err) : resolve())));
    },
    close: () => s.close(),
  };
}

/** Collects what `onFail` reports. */
function failures(): { list: SwitchboardError[]; codes(): string[]; onFail(e: SwitchboardError): void } {
  const list: SwitchboardError[] = [];
  return { list, codes: () => list.map((e) => e.code), onFail: (e) => void list.push(e) };
}

const next = <In, Out>(ep: DatagramEndpoint<In, Out>) => ep.receive({ timeout: WAIT_MS });

describe('datagram endpoints over UDP', () => {
  for (const host of ['127.0.0.1', '[::1]']) {
    it(`round-trips named messages both ways on ${host}`, async () => {
      await using server = await bindDatagram(`udp://${host}:0`);
      await using client = await datagramClient(server.url);
      assert.match(server.url, host === '[::1]' ? /^udp:\/\/\[::1\]:\d+$/ : /^udp:\/\/127\.0\.0\.1:\d+$/);
      assert.match(server.name, /^svc\(udp:\/\//);
      assert.match(client.name, /^clt\(udp:\/\/.*->udp:\/\//);
      assert.equal(client.send(message('PING', { n: 1 })), SendStatus.Sent);
      const got = await next(server);
      assert.equal(got.msg.command, 'PING');
      assert.equal(got.msg.get('n'), '1');
      assert.ok(got.from && got.from.scheme === 'udp');
      assert.equal(server.send(got.msg.reply('PONG', { n: 2 }), got.from), SendStatus.Sent);
      const back = await next(client);
      assert.equal(String(back.msg), 'PONG n=2');
      assert.deepEqual(back.from, server.address);
      assert.equal(server.stats.received, 1);
      assert.equal(server.stats.delivered, 1);
      assert.equal(server.stats.sent, 1);
      assert.equal(client.stats.sent, 1);
      assert.equal(client.stats.bytesOut, 'PING n=1'.length);
    });
  }

  it('sends to a URL given per message, and to a `from` received earlier', async () => {
    await using a = await bindDatagram('udp://127.0.0.1:0');
    await using b = await bindDatagram('udp://127.0.0.1:0');
    assert.equal(a.send(message('HELLO'), b.url), SendStatus.Sent);
    const got = await next(b);
    assert.equal(b.send(message('HI'), got.from), SendStatus.Sent);
    assert.equal((await next(a)).msg.command, 'HI');
  });

  it('delivers to a consuming onReceive callback and refuses for await then (RECEIVE_MODE_CONFLICT)', async () => {
    const seen: string[] = [];
    await using server = await bindDatagram('udp://127.0.0.1:0', {
      callbacks: { onReceive: (_ep, msg, from) => void seen.push(`${msg.command} ${from?.scheme}`) },
    });
    await using client = await datagramClient(server.url);
    client.send(message('ONE'));
    client.send(message('TWO'));
    await waitFor(() => seen.length === 2, WAIT_MS, 'two messages');
    assert.deepEqual(seen.sort(), ['ONE udp', 'TWO udp']);
    assert.throws(() => server[Symbol.asyncIterator](), { code: ErrorCode.RECEIVE_MODE_CONFLICT });
    await assert.rejects(server.receive(), { code: ErrorCode.RECEIVE_MODE_CONFLICT });
  });

  it('lets an observeOnly callback watch while for await consumes', async () => {
    const watched: string[] = [];
    await using server = await bindDatagram('udp://127.0.0.1:0', {
      callbacks: { observeOnly: true, onReceive: (_ep, msg) => void watched.push(msg.command) },
    });
    await using client = await datagramClient(server.url);
    client.send(message('SEEN'));
    for await (const { msg } of server) {
      assert.equal(msg.command, 'SEEN');
      break;
    }
    assert.deepEqual(watched, ['SEEN']);
  });

  it('drops and counts a datagram over maxDatagramSize, reports FRAME_TOO_LARGE, and goes on', async () => {
    const f = failures();
    await using server = await bindDatagram('udp://127.0.0.1:0', { callbacks: { onFail: f.onFail } });
    assert.equal(server.maxDatagramSize, 1024, 'eventdispatcher default');
    const raw = await rawUdp();
    try {
      await raw.send(`BIG data=${'x'.repeat(1100)}`, server.url);
      await raw.send(`OK data=${'y'.repeat(1024 - 'OK data='.length)}`, server.url); // exactly 1024 bytes
      const got = await next(server);
      assert.equal(got.msg.command, 'OK');
      assert.equal(server.stats.droppedOversize, 1);
      assert.equal(server.stats.received, 2);
      assert.deepEqual(f.codes(), [ErrorCode.FRAME_TOO_LARGE]);
      assert.match(f.list[0]!.message, /is 1109 bytes, expected no more than 1024; dropped/);
      assert.equal(f.list[0]!.name, 'FramingError');
    } finally {
      raw.close();
    }
  });

  it('drops and counts garbage (not UTF-8, not a message, empty) and still serves', async () => {
    const f = failures();
    await using server = await bindDatagram('udp://127.0.0.1:0', { callbacks: { onFail: f.onFail } });
    const raw = await rawUdp();
    try {
      await raw.send(new Uint8Array([0xff, 0xfe, 0x00, 0x80]), server.url);
      await raw.send('lower case is not a command', server.url);
      await raw.send(new Uint8Array(0), server.url);
      await raw.send('{"command":', server.url);
      await raw.send('STILL_HERE', server.url);
      assert.equal((await next(server)).msg.command, 'STILL_HERE');
      await waitFor(() => server.stats.decodeErrors === 4, WAIT_MS, 'four decode errors');
      assert.deepEqual(f.codes().sort(), [ErrorCode.INVALID_UTF8, ErrorCode.MESSAGE_INVALID_NAME, ErrorCode.MESSAGE_SYNTAX, ErrorCode.MESSAGE_SYNTAX].sort());
      assert.equal(server.stats.received, 5);
      assert.equal(server.stats.delivered, 1);
      assert.equal(server.state, 'open');
    } finally {
      raw.close();
    }
  });

  it('returns dropped for a message over maxDatagramSize, reports MESSAGE_TOO_LARGE and sends nothing', async () => {
    await using server = await bindDatagram('udp://127.0.0.1:0');
    const f = failures();
    await using client = await datagramClient(server.url, { maxDatagramSize: 64, callbacks: { onFail: f.onFail } });
    assert.equal(client.send(message('BIG', { data: 'x'.repeat(100) })), SendStatus.Dropped);
    assert.equal(client.stats.sendDropped, 1);
    assert.equal(client.stats.sent, 0);
    assert.deepEqual(f.codes(), [ErrorCode.MESSAGE_TOO_LARGE]);
    assert.equal(client.send(message('SMALL')), SendStatus.Sent);
    assert.equal((await next(server)).msg.command, 'SMALL', 'the big one never arrived');
  });

  it('carries up to 65507 bytes when maxDatagramSize is 65507', async () => {
    await using server = await bindDatagram('udp://127.0.0.1:0', { maxDatagramSize: 65_507 });
    await using client = await datagramClient(server.url, { maxDatagramSize: 65_507 });
    const data = 'z'.repeat(65_507 - 'MAX data='.length);
    assert.equal(client.send(message('MAX', { data })), SendStatus.Sent);
    const got = await next(server);
    assert.equal(got.msg.get('data'), data);
    assert.equal(client.send(message('MAX', { data: data + 'z' })), SendStatus.Dropped);
  });

  it('rejects maxDatagramSize above 65507, below 1 or not an integer with INVALID_OPTION', async () => {
    for (const bad of [65_508, 0, -1, 1.5, Number.NaN, 1e9]) {
      await assert.rejects(bindDatagram('udp://127.0.0.1:0', { maxDatagramSize: bad }), (err: SwitchboardError) => {
        assert.equal(err.code, ErrorCode.INVALID_OPTION);
        assert.equal(err.name, 'ConfigError');
        assert.match(err.message, /maxDatagramSize must be an integer from 1 to 65507/);
        return true;
      });
      await assert.rejects(datagramClient('udp://127.0.0.1:9', { maxDatagramSize: bad }), { code: ErrorCode.INVALID_OPTION });
    }
  });

  it('rejects other bad options before opening a socket', async () => {
    await assert.rejects(bindDatagram('udp://127.0.0.1:0', { receiveQueue: 0 }), { code: ErrorCode.INVALID_OPTION });
    await assert.rejects(bindDatagram('udp://127.0.0.1:0', { maxQueuedBytes: -1 }), { code: ErrorCode.INVALID_OPTION });
    await assert.rejects(bindDatagram('udp://127.0.0.1:0', { secretCode: '' }), { code: ErrorCode.INVALID_OPTION });
    await assert.rejects(bindDatagram('udp://127.0.0.1:0', { secretCode: 'a\0b' }), { code: ErrorCode.INVALID_OPTION });
    await assert.rejects(bindDatagram('udp://127.0.0.1:0', { protocol: linesJson() }), (err: SwitchboardError) => {
      assert.equal(err.code, ErrorCode.INVALID_OPTION);
      assert.match(err.message, /cuts a byte stream/);
      return true;
    });
    const hooked = defineProtocol({ framing: datagram(), codec: bytesCodec(), hooks: { onConnect: () => {} } });
    await assert.rejects(bindDatagram('udp://127.0.0.1:0', { protocol: hooked }), { code: ErrorCode.INVALID_OPTION });
  });

  it('rejects bad addresses with INVALID_ADDRESS', async () => {
    for (const url of ['tcp://127.0.0.1:0', 'udp://127.0.0.1', 'udp://::1:4000', 'unixgram://relative', 'udp://no.such.host.invalid:9']) {
      await assert.rejects(datagramClient(url), { code: ErrorCode.INVALID_ADDRESS }, url);
    }
    await assert.rejects(bindDatagram('unix:///tmp/x'), { code: ErrorCode.INVALID_ADDRESS });
    await assert.rejects(datagramClient('udp://127.0.0.1:9', { bind: 'unixgram:///tmp/x' }), { code: ErrorCode.INVALID_ADDRESS });
    await assert.rejects(datagramClient('udp://[::1]:9', { bind: 'udp://127.0.0.1:0' }), { code: ErrorCode.INVALID_ADDRESS });
  });

  it('fails with LISTEN_FAILED when the port is taken', async () => {
    await using first = await bindDatagram('udp://127.0.0.1:0');
    await assert.rejects(bindDatagram(first.url), { code: ErrorCode.LISTEN_FAILED });
  });

  it('throws INVALID_ADDRESS for a send without a destination or to an unreachable kind of address', async () => {
    await using ep = await bindDatagram('udp://127.0.0.1:0');
    assert.throws(() => ep.send(message('X')), { code: ErrorCode.INVALID_ADDRESS });
    assert.throws(() => ep.send(message('X'), 'udp://[::1]:9'), { code: ErrorCode.INVALID_ADDRESS });
    assert.throws(() => ep.send(message('X'), 'unixgram:///tmp/x'), { code: ErrorCode.INVALID_ADDRESS });
    assert.throws(() => ep.send(message('X'), 'nonsense'), { code: ErrorCode.INVALID_ADDRESS });
    assert.throws(() => ep.send('not a message' as unknown as Message, ep.url), { code: ErrorCode.ENCODE_FAILED });
    assert.equal(ep.stats.sent, 0);
  });

  it('binds a client to a chosen local address to receive replies there', async () => {
    await using server = await bindDatagram('udp://127.0.0.1:0');
    await using spare = await bindDatagram('udp://127.0.0.1:0');
    const port = (spare.address as { port: number }).port;
    await spare.close(); // frees the port for the client
    await using client = await datagramClient(server.url, { bind: `udp://127.0.0.1:${port}` });
    assert.equal(client.url, `udp://127.0.0.1:${port}`);
    client.send(message('FROM_KNOWN_PORT'));
    const got = await next(server);
    assert.deepEqual(got.from, { scheme: 'udp', host: '127.0.0.1', port });
  });

  it('bounds the receive queue: drops and counts when nobody reads, reports DATAGRAM_QUEUE_FULL once', async () => {
    const f = failures();
    await using server = await bindDatagram('udp://127.0.0.1:0', { receiveQueue: 4, callbacks: { onFail: f.onFail } });
    await using client = await datagramClient(server.url);
    for (let i = 0; i < 10; i++) client.send(message('N', { i }));
    await waitFor(() => server.stats.received === 10, WAIT_MS, 'ten datagrams');
    assert.equal(server.stats.delivered, 4);
    assert.equal(server.stats.droppedQueueFull, 6);
    assert.deepEqual(f.codes(), [ErrorCode.DATAGRAM_QUEUE_FULL]);
    for (let i = 0; i < 4; i++) assert.equal((await next(server)).msg.get('i'), String(i));
    client.send(message('AFTER'));
    assert.equal((await next(server)).msg.command, 'AFTER');
  });

  it('reports a callback that throws as HOOK_FAILED and goes on', async () => {
    const f = failures();
    let n = 0;
    await using server = await bindDatagram('udp://127.0.0.1:0', {
      callbacks: {
        onFail: f.onFail,
        onReceive: () => {
          n++;
          throw new Error('callback bug');
        },
      },
    });
    await using client = await datagramClient(server.url);
    client.send(message('A'));
    client.send(message('B'));
    await waitFor(() => n === 2, WAIT_MS, 'two callbacks');
    assert.deepEqual(f.codes(), [ErrorCode.HOOK_FAILED, ErrorCode.HOOK_FAILED]);
  });

  it('works with another protocol: raw bytes in datagrams', async () => {
    const protocol = defineProtocol({ framing: datagram(), codec: bytesCodec() });
    await using server = await bindDatagram('udp://127.0.0.1:0', { protocol });
    assert.equal(server.maxDatagramSize, 65_507, 'the framing limit when no maxDatagramSize is given');
    await using client = await datagramClient(server.url, { protocol });
    client.send(new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual([...(await next(server)).msg], [0, 1, 2, 255]);
  });

  it('answers with the protocol autoReply', async () => {
    const protocol = { ...namedMessageDatagrams(), autoReply: (m: Message) => (m.command === 'PING' ? message('PONG') : undefined) };
    await using server = await bindDatagram('udp://127.0.0.1:0', { protocol });
    await using client = await datagramClient(server.url);
    client.send(message('PING'));
    assert.equal((await next(client)).msg.command, 'PONG');
    assert.equal((await next(server)).msg.command, 'PING', 'the message is still delivered');
  });

  it('closes: send returns closed, for await ends after the queued messages, receive rejects, callbacks hear it', async () => {
    let closedCalls = 0;
    const server = await bindDatagram('udp://127.0.0.1:0', { callbacks: { observeOnly: true, onClose: () => void closedCalls++ } });
    await using client = await datagramClient(server.url);
    client.send(message('QUEUED'));
    await waitFor(() => server.stats.delivered === 1, WAIT_MS, 'a queued message');
    const errors = server.errors()[Symbol.asyncIterator]();
    await server.close();
    await server.close();
    await within(server.closed, WAIT_MS, 'closed');
    assert.equal(server.state, 'closed');
    assert.equal(closedCalls, 1);
    assert.equal(server.send(message('LATE'), client.url), SendStatus.Closed);
    const seen: string[] = [];
    for await (const { msg } of server) seen.push(msg.command);
    assert.deepEqual(seen, ['QUEUED']);
    await assert.rejects(server.receive(), { code: ErrorCode.CONNECTION_CLOSED });
    assert.deepEqual(await errors.next(), { value: undefined, done: true });
    // The port is free again.
    await using again = await bindDatagram(server.url);
    assert.equal(again.url, server.url);
  });

  it('delivers what was sent just before close (ed-signal: send one datagram and exit)', async () => {
    await using server = await bindDatagram('udp://127.0.0.1:0');
    for (let i = 0; i < 3; i++) {
      const signal = await datagramClient(server.url);
      signal.send(message('SIGNAL', { i }));
      await signal.close();
    }
    for (let i = 0; i < 3; i++) assert.equal((await next(server)).msg.get('i'), String(i));
  });

  it('closes when an `await using` block ends', async () => {
    let ep: DatagramEndpoint<Message, Message> | undefined;
    {
      await using scoped = await bindDatagram('udp://127.0.0.1:0');
      ep = scoped;
      assert.equal(ep.state, 'open');
    }
    assert.equal(ep.state, 'closed');
  });

  it('reports a send the system fails after accepting it (TRANSPORT_ERROR, sendErrors)', async () => {
    const f = failures();
    await using ep = await bindDatagram('udp://127.0.0.1:0', { protocol: defineProtocol({ framing: datagram(), codec: bytesCodec() }), callbacks: { onFail: f.onFail } });
    // A host name that does not resolve: dgram looks it up at send time and fails afterwards.
    assert.equal(ep.send(new Uint8Array([1]), 'udp://no.such.host.invalid:9'), SendStatus.Sent);
    await waitFor(() => ep.stats.sendErrors === 1, WAIT_MS, 'the send error');
    assert.deepEqual(f.codes(), [ErrorCode.TRANSPORT_ERROR]);
    assert.equal(ep.state, 'open');
  });
});

describe('secret_code', () => {
  it('drops and counts named messages with a missing or wrong secret_code; delivers the right one without it', async () => {
    const f = failures();
    await using server = await bindDatagram('udp://127.0.0.1:0', { secretCode: 'hunter2', callbacks: { onFail: f.onFail } });
    const raw = await rawUdp();
    try {
      await raw.send('STOP', server.url);
      await raw.send('STOP secret_code=hunter3', server.url);
      await raw.send('STOP secret_code=hunter', server.url);
      await raw.send('STOP secret_code=', server.url);
      await raw.send('STOP reason=ok;secret_code=hunter2', server.url);
      const got = await next(server);
      assert.equal(String(got.msg), 'STOP reason=ok', 'delivered without the secret code');
      assert.equal(server.stats.droppedSecret, 4);
      assert.deepEqual(f.codes(), Array(4).fill(ErrorCode.SECRET_CODE_MISMATCH));
      assert.match(f.list[0]!.message, /STOP has no secret_code; dropped/);
      assert.match(f.list[1]!.message, /STOP has a wrong secret_code; dropped/);
      for (const e of f.list) assert.doesNotMatch(e.message, /hunter/, 'codes are never in messages');
    } finally {
      raw.close();
    }
  });

  it('adds secret_code to outgoing named messages, keeping one that is already set', async () => {
    await using server = await bindDatagram('udp://127.0.0.1:0');
    const sent: string[] = [];
    await using client = await datagramClient(server.url, { secretCode: 's3cret', callbacks: { onSent: (_ep, m) => void sent.push(String(m)) } });
    client.send(message('LOG_ROTATE'));
    assert.equal(String((await next(server)).msg), 'LOG_ROTATE secret_code=s3cret');
    client.send(message('LOG_ROTATE', { secret_code: 'other' }));
    assert.equal(String((await next(server)).msg), 'LOG_ROTATE secret_code=other');
    assert.deepEqual(sent, ['LOG_ROTATE', 'LOG_ROTATE secret_code=other'], 'onSent sees the message without the added code');
  });

  it('two endpoints with the same secret talk; one without it is refused', async () => {
    await using server = await bindDatagram('udp://127.0.0.1:0', { secretCode: 'k' });
    await using good = await datagramClient(server.url, { secretCode: 'k' });
    await using bad = await datagramClient(server.url);
    bad.send(message('NOPE'));
    good.send(message('YES'));
    assert.equal((await next(server)).msg.command, 'YES');
    await waitFor(() => server.stats.droppedSecret === 1, WAIT_MS, 'the refused message');
  });

  it('drops values that are not named messages when a secret code is set', async () => {
    const protocol = defineProtocol({ framing: datagram(), codec: bytesCodec() });
    await using server = await bindDatagram('udp://127.0.0.1:0', { protocol, secretCode: 'k' });
    await using client = await datagramClient(server.url, { protocol });
    client.send(new Uint8Array([1, 2, 3]));
    await waitFor(() => server.stats.droppedSecret === 1, WAIT_MS, 'the dropped datagram');
    assert.equal(server.stats.delivered, 0);
  });
});

describeOrSkip('datagram endpoints over Unix datagram sockets', skipUnix, ({ it }) => {
  it('round-trips named messages both ways with a bound client, and removes the socket files', async () => {
    const serverPath = tempSocketPath('srv.sock');
    const clientPath = tempSocketPath('clt.sock');
    {
      await using server = await bindDatagram(`unixgram://${serverPath}`);
      await using client = await datagramClient(server.url, { bind: `unixgram://${clientPath}` });
      assert.equal(server.url, `unixgram://${serverPath}`);
      assert.equal(client.name, `clt(unixgram://${clientPath}->unixgram://${serverPath})`);
      assert.equal(client.send(message('HI')), SendStatus.Sent);
      const got = await next(server);
      assert.equal(got.msg.command, 'HI');
      assert.deepEqual(got.from, { scheme: 'unixgram', path: clientPath });
      server.send(message('DAD'), got.from);
      assert.equal((await next(client)).msg.command, 'DAD');
    }
    assert.equal(existsSync(serverPath), false);
    assert.equal(existsSync(clientPath), false);
  });

  it('an unbound client (ed-signal style) sends; its messages come with no address', async () => {
    await using server = await bindDatagram(`unixgram://${tempSocketPath()}`);
    await using client = await datagramClient(server.url);
    assert.equal(client.address, undefined);
    assert.equal(client.url, '');
    client.send(message('QUIT'));
    const got = await next(server);
    assert.equal(got.msg.command, 'QUIT');
    assert.equal(got.from, undefined);
  });

  it('drops oversize and garbage datagrams and still serves', async () => {
    const f = failures();
    await using server = await bindDatagram(`unixgram://${tempSocketPath()}`, { maxDatagramSize: 100, callbacks: { onFail: f.onFail } });
    await using raw = await datagramClient(server.url, { protocol: defineProtocol({ framing: datagram(), codec: bytesCodec() }) });
    raw.send(new TextEncoder().encode(`BIG x=${'x'.repeat(200)}`));
    raw.send(new Uint8Array([0xc3, 0x28]));
    raw.send(new TextEncoder().encode('FINE'));
    assert.equal((await next(server)).msg.command, 'FINE');
    assert.equal(server.stats.droppedOversize, 1);
    assert.equal(server.stats.decodeErrors, 1);
    assert.deepEqual(f.codes(), [ErrorCode.FRAME_TOO_LARGE, ErrorCode.INVALID_UTF8]);
  });

  it('returns dropped and reports TRANSPORT_ERROR when nobody is bound at the path', async () => {
    const path = tempSocketPath();
    const f = failures();
    const server = await bindDatagram(`unixgram://${path}`);
    await using client = await datagramClient(`unixgram://${path}`, { callbacks: { onFail: f.onFail } });
    await server.close();
    assert.equal(client.send(message('ANYONE')), SendStatus.Dropped);
    assert.equal(client.stats.sendDropped, 1);
    assert.equal(client.stats.sendErrors, 1);
    assert.deepEqual(f.codes(), [ErrorCode.TRANSPORT_ERROR]);
    assert.match(f.list[0]!.message, /ENOENT|ECONNREFUSED/);
  });
});

describeOrSkip('datagram endpoints without the unix-dgram addon', support.available ? 'the addon loads here' : false, ({ it }) => {
  it('fail with UNIXGRAM_UNAVAILABLE, and UDP still works', async () => {
    await assert.rejects(bindDatagram(`unixgram://${tempSocketPath()}`), { code: ErrorCode.UNIXGRAM_UNAVAILABLE });
    await assert.rejects(datagramClient(`unixgram://${tempSocketPath()}`), { code: ErrorCode.UNIXGRAM_UNAVAILABLE });
    await using ep = await bindDatagram('udp://127.0.0.1:0');
    assert.equal(ep.state, 'open');
  });
});


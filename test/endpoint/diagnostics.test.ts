/**
 * Every diagnostics channel fires with its documented payload (docs/observability.md), on real
 * sockets: a TCP echo, a refused connection, a connect to a closed port, drops of every kind a
 * connection can see, a permanent client's reconnects and outbox drops, and the session and
 * request hooks the session layer calls.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { ChannelName, REQUEST_TRACING, connect, jsonCodec, linesJson, listen, lines, permanentClient, textCodec, type Connection } from '../../src/index.js';
import { sessionGap, sessionResumed, traceRequest } from '../../src/endpoint/diagnostics.js';
import { closedPort, rawConnect, rawListen, waitFor, within } from '../helpers/net.js';

type Rec = { name: string; payload: Record<string, unknown> };

/** Subscribes to every channel (and the request tracing channels) and records what they publish. */
function record(): { events: Rec[]; of(name: string): Array<Record<string, unknown>>; stop(): void } {
  const events: Rec[] = [];
  const subs: Array<[string, (m: unknown) => void]> = [];
  const names = [...Object.values(ChannelName), ...['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((e) => `tracing:${REQUEST_TRACING}:${e}`)];
  for (const name of names) {
    const fn = (m: unknown): void => void events.push({ name, payload: m as Record<string, unknown> });
    dc.subscribe(name, fn);
    subs.push([name, fn]);
  }
  return {
    events,
    of: (name) => events.filter((e) => e.name === name).map((e) => e.payload),
    stop: () => {
      for (const [n, fn] of subs) dc.unsubscribe(n, fn);
    },
  };
}

describe('diagnostics channels', () => {
  it('publishes connection open and close, every message received and sent, with the connection and the size', async () => {
    const rec = record();
    try {
      const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), callbacks: { onReceive: (c, m) => void c.send(m) } });
      const conn = await connect<unknown, unknown>(server.url, { protocol: linesJson() });
      for (let i = 0; i < 3; i++) conn.send({ n: i });
      for (let i = 0; i < 3; i++) assert.deepEqual(await within(conn.receive()), { n: i });
      await conn.close();
      await server.close();
      const opens = rec.of(ChannelName.connectionOpen);
      assert.equal(opens.length, 2, 'client and server side');
      assert.deepEqual(new Set(opens.map((p) => (p['connection'] as Connection<unknown, unknown>).role)), new Set(['client', 'server']));
      const received = rec.of(ChannelName.messageReceived);
      const sent = rec.of(ChannelName.messageSent);
      assert.equal(received.length, 6, 'three at the server, three at the client');
      assert.equal(sent.length, 6);
      const clientSent = sent.filter((p) => p['connection'] === conn);
      assert.deepEqual(clientSent.map((p) => p['message']), [{ n: 0 }, { n: 1 }, { n: 2 }]);
      assert.deepEqual(clientSent.map((p) => p['size']), [8, 8, 8], 'the bytes queued: {"n":0} and its newline');
      const clientReceived = received.filter((p) => p['connection'] === conn);
      assert.deepEqual(clientReceived.map((p) => p['size']), [7, 7, 7], 'the frame payload, without the newline');
      const closes = rec.of(ChannelName.connectionClose);
      assert.equal(closes.length, 2);
      const mine = closes.find((p) => p['connection'] === conn)!;
      assert.equal((mine['info'] as { initiator: string }).initiator, 'local');
      assert.equal((mine['info'] as { clean: boolean }).clean, true);
    } finally {
      rec.stop();
    }
  });

  it('publishes each connect attempt and each failure, with the address and the attempt number', async () => {
    const rec = record();
    try {
      const port = await closedPort();
      await assert.rejects(connect(`tcp://127.0.0.1:${port}`, { retryAfter: 10, timeout: 400 }));
      const attempts = rec.of(ChannelName.connectAttempt);
      const failures = rec.of(ChannelName.connectFailure);
      assert.ok(attempts.length >= 2, `retried: ${attempts.length} attempts`);
      assert.ok(failures.length >= attempts.length - 1, 'each finished attempt failed');
      assert.deepEqual(attempts[0], { address: `tcp://127.0.0.1:${port}`, attempt: 1 });
      assert.equal(failures[0]!['attempt'], 1);
      assert.equal((failures[0]!['error'] as { code?: string }).code, 'CONNECT_FAILED');
    } finally {
      rec.stop();
    }
  });

  it('publishes a refused connection with the server, the peer, the reason and the error', async () => {
    const rec = record();
    const server = await listen('tcp://127.0.0.1:0', { maxConnections: 0 });
    try {
      const peer = await rawConnect(server.url);
      await within(peer.ended, undefined, 'the refused socket to end');
      const refused = rec.of(ChannelName.handshakeRefused);
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!['server'], server.name);
      assert.equal(refused[0]!['reason'], 'max_connections');
      assert.match(String(refused[0]!['remote']), /^127\.0\.0\.1:\d+$/);
      assert.equal((refused[0]!['error'] as { code: string }).code, 'MAX_CONNECTIONS');
    } finally {
      rec.stop();
      await server.close();
    }
  });

  it('publishes drops: a frame that does not decode, a send over maxQueuedBytes, a connection closed for not reading', async () => {
    const rec = record();
    const raw = await rawListen('127.0.0.1', { read: false }); // accepts and never reads
    try {
      // decode_error: the server skips a line that is not JSON.
      const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: { framing: lines(), codec: jsonCodec() }, decodeErrors: 'skip' });
      const peer = await rawConnect(server.url);
      peer.write('not json\n');
      await waitFor(() => rec.of(ChannelName.sendDropped).length >= 1, undefined, 'the decode drop');
      const decode = rec.of(ChannelName.sendDropped)[0]!;
      assert.equal(decode['reason'], 'decode_error');
      assert.equal((decode['connection'] as Connection<unknown, unknown>).role, 'server');
      assert.equal((decode['error'] as { code: string }).code, 'INVALID_JSON');
      peer.destroy();
      await server.close();

      // send_overflow, then slow_consumer: two sends in one tick over a 1 KiB cap.
      const conn = await connect<string, string>(raw.url, { protocol: { framing: lines(), codec: textCodec() }, maxQueuedBytes: 1024, highWaterMark: 512, overflow: 'close' });
      const big = 'x'.repeat(2000);
      assert.equal(conn.send(big), 'backpressured');
      assert.equal(conn.send(big), 'dropped');
      const drops = rec.of(ChannelName.sendDropped).slice(1);
      assert.deepEqual(
        drops.map((d) => d['reason']),
        ['send_overflow', 'slow_consumer'],
      );
      assert.equal(drops[0]!['message'], big);
      assert.equal(drops[0]!['connection'], conn);
      assert.equal((drops[1]!['error'] as { code: string }).code, 'SEND_OVERFLOW');
      conn.destroy();
    } finally {
      rec.stop();
      await raw.close();
    }
  });

  it('publishes a permanent client\'s reconnects and its outbox drops, without credentials in the name', async () => {
    const rec = record();
    try {
      const port = await closedPort();
      const client = permanentClient(`tcp://127.0.0.1:${port}`, { backoff: { initialDelay: 0, delay: () => 5, name: 'fixed(5)' }, outbox: { maxMessages: 1 } });
      assert.equal(client.send({ a: 1 }), 'queued');
      assert.equal(client.send({ a: 2 }), 'dropped');
      await waitFor(() => rec.of(ChannelName.reconnect).length >= 2, undefined, 'two reconnects');
      await client.close();
      const r = rec.of(ChannelName.reconnect);
      assert.deepEqual(r[0], { client: client.name, attempt: 1, delayMs: 5 });
      const drop = rec.of(ChannelName.sendDropped).find((d) => d['reason'] === 'outbox_full')!;
      assert.deepEqual(drop, { connection: undefined, reason: 'outbox_full', message: { a: 2 } });
      const ws = permanentClient('ws://user:secret@127.0.0.1:1/x', { backoff: { initialDelay: 0, delay: () => 1000, name: 'fixed(1000)' } });
      assert.doesNotMatch(ws.name, /secret/);
      await ws.close();
    } finally {
      rec.stop();
    }
  });

  it('publishes session resumed and gap, and traces a request start to end with its result or error', async () => {
    const rec = record();
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson() });
    try {
      const conn = await connect<unknown, unknown>(server.url, { protocol: linesJson() });
      sessionResumed(conn, 's1', 4);
      sessionGap(conn, 's1', 2);
      assert.deepEqual(rec.of(ChannelName.sessionResumed), [{ connection: conn, sessionId: 's1', replayed: 4 }]);
      assert.deepEqual(rec.of(ChannelName.sessionGap), [{ connection: conn, sessionId: 's1', lost: 2 }]);
      assert.equal(await traceRequest(conn, { connection: conn, sessionId: 's1', request: { q: 1 }, id: 7 }, async () => 'answer'), 'answer');
      await assert.rejects(
        traceRequest(conn, { connection: conn, request: { q: 2 }, id: 8 }, async () => Promise.reject(Object.assign(new Error('late'), { code: 'REQUEST_TIMEOUT' }))),
      );
      const starts = rec.of(`tracing:${REQUEST_TRACING}:start`);
      assert.equal(starts.length, 2);
      assert.equal(starts[0]!['connection'], conn);
      assert.deepEqual(starts[0]!['request'], { q: 1 });
      assert.equal(starts[0]!['id'], 7);
      assert.equal(starts[0]!['sessionId'], 's1');
      const ends = rec.of(`tracing:${REQUEST_TRACING}:asyncEnd`);
      assert.equal(ends.length, 2);
      assert.equal(ends[0]!['result'], 'answer');
      const errors = rec.of(`tracing:${REQUEST_TRACING}:error`);
      assert.equal(errors.length, 1);
      assert.equal((errors[0]!['error'] as { code: string }).code, 'REQUEST_TIMEOUT');
      await conn.close();
    } finally {
      rec.stop();
      await server.close();
    }
  });

  it('publishes nothing, and builds no payload, once everyone unsubscribed', async () => {
    const rec = record();
    rec.stop();
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), callbacks: { onReceive: (c, m) => void c.send(m) } });
    const conn = await connect<unknown, unknown>(server.url, { protocol: linesJson() });
    conn.send({ x: 1 });
    await within(conn.receive());
    await conn.close();
    await server.close();
    assert.equal(rec.events.length, 0);
    for (const name of Object.values(ChannelName)) assert.equal(dc.channel(name).hasSubscribers, false, name);
  });
});

describe('diagnostics: no credentials', () => {
  it('names a WebSocket client connection without the query of its URL (a token there never reaches payloads or logs)', async () => {
    const rec = record();
    const server = await listen('ws://127.0.0.1:0/chat');
    try {
      const conn = await connect(`${server.url}?token=s3cret`);
      const open = rec.of(ChannelName.connectionOpen).find((p) => p['connection'] === conn)!;
      assert.ok(open, 'published');
      assert.match(conn.name, /\/chat\)$/);
      assert.doesNotMatch(conn.name, /s3cret/);
      assert.doesNotMatch(JSON.stringify(rec.of(ChannelName.connectAttempt)), /s3cret/, 'the attempt address either');
      await conn.close();
    } finally {
      rec.stop();
      await server.close();
    }
  });
});

describe('diagnostics: refusals in the handshake and by the memory budget', () => {
  it('publishes a connection its onConnect hook refused (reason handshake) and counts it', async () => {
    const rec = record();
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', {
      protocol: { ...linesJson(), hooks: { onConnect: async (ctx) => { const hello = await ctx.receive(); if ((hello as { pass?: string }).pass !== 'ok') ctx.reject('bad pass'); } } },
      callbacks: { onFail: () => {} },
    });
    try {
      const peer = await rawConnect(server.url);
      await peer.write('{"pass":"no"}\n');
      await within(peer.ended, undefined, 'the refused socket to end');
      await waitFor(() => rec.of(ChannelName.handshakeRefused).length === 1, undefined, 'the refusal');
      const r = rec.of(ChannelName.handshakeRefused)[0]!;
      assert.equal(r['reason'], 'handshake');
      assert.equal((r['error'] as { code: string }).code, 'HANDSHAKE_REJECTED');
      assert.equal(r['server'], server.name);
      assert.equal(server.metrics().connections.rejected.handshake, 1);
      assert.equal(server.metrics().connections.opened, 0);
      assert.equal(rec.of(ChannelName.connectionOpen).length, 0, 'it never opened');
      peer.destroy();
      await waitFor(() => rec.of(ChannelName.connectionClose).length === 1, undefined, 'its close: it never opened, but it closed');
    } finally {
      rec.stop();
      await server.close();
    }
  });

  it('publishes a connection closed by the memory budget as a budget drop with its error', async () => {
    const rec = record();
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), memoryBudget: 4096 });
    try {
      const peer = await rawConnect(server.url);
      await peer.write('x'.repeat(8192));
      await within(peer.closed);
      await waitFor(() => rec.of(ChannelName.sendDropped).length === 1, undefined, 'the budget drop');
      const d = rec.of(ChannelName.sendDropped)[0]!;
      assert.equal(d['reason'], 'budget');
      assert.equal((d['error'] as { code: string }).code, 'MEMORY_BUDGET_EXCEEDED');
      assert.equal((d['connection'] as Connection<unknown, unknown>).role, 'server');
    } finally {
      rec.stop();
      await server.close();
    }
  });
});

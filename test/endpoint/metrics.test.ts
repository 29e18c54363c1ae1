/**
 * Metrics snapshots equal exact counts after a scripted exchange on real sockets, and the
 * Prometheus exporter serves them over HTTP with bounded labels.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, linesJson, listen, permanentClient, type MetricsSnapshot } from '../../src/index.js';
import { prometheusText, serveMetrics } from '../../src/endpoint/prometheus.js';
import { closedPort, rawConnect, waitFor, within } from '../helpers/net.js';

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      })
      .on('error', reject);
  });
}

/** `name{labels} value` lines of the text format, as a map. */
function samples(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    m.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return m;
}

describe('metrics', () => {
  it('counts 500 echoes exactly: 500 received and 500 sent on each side, bytes equal on both sides', async () => {
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), callbacks: { onReceive: (c, m) => void c.send(m) } });
    const conn = await connect<unknown, unknown>(server.url, { protocol: linesJson() });
    for (let i = 0; i < 500; i++) conn.send({ i });
    for (let i = 0; i < 500; i++) await within(conn.receive());
    let m: MetricsSnapshot = server.metrics();
    assert.equal(m.connections.open, 1);
    assert.equal(m.connections.opened, 1);
    assert.equal(m.messages.received, 500);
    assert.equal(m.messages.sent, 500);
    assert.equal(m.bytes.received, conn.stats.bytesOut);
    assert.equal(m.bytes.sent, conn.stats.bytesIn);
    await conn.close();
    await waitFor(() => server.metrics().connections.open === 0, undefined, 'the server side to close');
    // Closed connections' totals stay.
    m = server.metrics();
    assert.equal(m.messages.received, 500);
    assert.equal(m.messages.sent, 500);
    assert.equal(m.connections.closed, 1);
    assert.deepEqual(m.drops, { outbox_full: 0, send_overflow: 0, decode_error: 0, slow_consumer: 0, budget: 0, oversize: 0, forbidden: 0, queue_full: 0 });
    await server.close();
  });

  it('counts refusals by reason and decode drops', async () => {
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), maxConnections: 1, decodeErrors: 'skip' });
    const first = await rawConnect(server.url);
    first.write('{"ok":1}\nnot json\nalso not\n');
    await waitFor(() => server.metrics().drops.decode_error === 2, undefined, 'two decode drops');
    const second = await rawConnect(server.url);
    await within(second.ended);
    const m = server.metrics();
    assert.equal(m.connections.rejected.max_connections, 1);
    assert.equal(m.connections.rejected.handshake, 0);
    assert.equal(m.messages.received, 1);
    first.destroy();
    await server.close();
  });

  it('records ping round trips in the RTT histogram', async () => {
    const server = await listen<unknown, unknown>('ws://127.0.0.1:0/', {});
    const client = permanentClient<unknown, unknown>(server.url.replace(/\/$/, '') + '/', {});
    await waitFor(() => client.connected, undefined, 'connected');
    for (let i = 0; i < 3; i++) await client.connection!.ping();
    const m = client.metrics();
    assert.equal(m.rtt.count, 3);
    assert.ok(m.rtt.max >= m.rtt.p50 && m.rtt.p50 > 0, JSON.stringify(m.rtt));
    assert.equal(m.rttBuckets.at(-1)![1], 3, 'every round trip is under 10 s');
    await client.close();
    await server.close();
  });

  it('counts a permanent client\'s reconnects, outbox drops and messages over every connection it made', async () => {
    const port = await closedPort();
    const client = permanentClient<unknown, unknown>(`tcp://127.0.0.1:${port}`, {
      protocol: linesJson(),
      backoff: { initialDelay: 0, delay: () => 5, name: 'fixed(5)' },
      outbox: { maxMessages: 2 },
    });
    client.send({ a: 1 });
    client.send({ a: 2 });
    client.send({ a: 3 });
    await waitFor(() => client.metrics().reconnects >= 3, undefined, 'three reconnects');
    const m = client.metrics();
    assert.equal(m.drops.outbox_full, 1);
    assert.equal(m.connections.open, 0);
    assert.equal(m.messages.sent, 0);
    await client.close();
  });
});

describe('prometheus exporter', () => {
  it('serves /metrics over HTTP with the counts of a scripted exchange, and nothing per connection', async () => {
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), callbacks: { onReceive: (c, m) => void c.send(m) } });
    const exporter = await serveMetrics('127.0.0.1:0', [{ source: server, labels: { endpoint: 'echo' } }]);
    try {
      const conns = await Promise.all([0, 1, 2].map(() => connect<unknown, unknown>(server.url, { protocol: linesJson() })));
      for (const c of conns) for (let i = 0; i < 10; i++) c.send({ i });
      for (const c of conns) for (let i = 0; i < 10; i++) await within(c.receive());
      const r = await get(exporter.url);
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      const s = samples(r.body);
      assert.equal(s.get('switchboard_connections{endpoint="echo"}'), 3);
      assert.equal(s.get('switchboard_messages_received_total{endpoint="echo"}'), 30);
      assert.equal(s.get('switchboard_messages_sent_total{endpoint="echo"}'), 30);
      assert.equal(s.get('switchboard_bytes_received_total{endpoint="echo"}'), conns.reduce((a, c) => a + c.stats.bytesOut, 0));
      assert.equal(s.get('switchboard_bytes_sent_total{endpoint="echo"}'), conns.reduce((a, c) => a + c.stats.bytesIn, 0));
      assert.equal(s.get('switchboard_drops_total{endpoint="echo",reason="send_overflow"}'), 0);
      assert.match(r.body, /# TYPE switchboard_messages_received_total counter/);
      assert.match(r.body, /# TYPE switchboard_rtt_seconds histogram/);
      // Bounded labels: no address, port or connection name anywhere in the exposition.
      for (const c of conns) assert.ok(!r.body.includes(String(c.localAddress.split(':').pop())), 'no per-connection label');
      const labels = new Set([...r.body.matchAll(/[{,]([a-z_]+)="/g)].map((x) => x[1]));
      assert.deepEqual([...labels].sort(), ['endpoint', 'le', 'outcome', 'reason']);
      assert.equal((await get(exporter.url.replace('/metrics', '/other'))).status, 404);
      for (const c of conns) await c.close();
    } finally {
      await exporter.close();
      await server.close();
    }
  });

  it('binds only where told: an address without a host is refused', async () => {
    await assert.rejects(serveMetrics(':9464', []), { code: 'INVALID_ADDRESS' });
    await assert.rejects(serveMetrics('9464', []), { code: 'INVALID_ADDRESS' });
    assert.throws(() => prometheusText([{ source: { metrics: () => { throw new Error('unused'); } }, labels: { 'bad-name': 'x' } }]), { code: 'INVALID_OPTION' });
  });
});

describe('docs/observability.md', () => {
  it('lists every channel, every Prometheus metric the exporter writes, and every drop reason', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { repoRoot } = await import('../helpers/root.js');
    const { ChannelName, DropReason, REQUEST_TRACING } = await import('../../src/index.js');
    const doc = readFileSync(join(repoRoot, 'docs', 'observability.md'), 'utf8');
    for (const name of Object.values(ChannelName)) assert.match(doc, new RegExp(`^\\| \`${name}\` \\|`, 'm'), name);
    assert.ok(doc.includes(`tracing:${REQUEST_TRACING}:start`));
    for (const reason of Object.values(DropReason)) assert.match(doc, new RegExp(`^\\| \`${reason}\` \\|`, 'm'), reason);
    const text = prometheusText({ metrics: () => emptySnapshot() });
    const families = new Set([...text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]!));
    assert.ok(families.size >= 14, `${families.size} families`);
    for (const f of families) assert.ok(doc.includes(`\`${f}`), `${f} is not in the docs`);
  });
});

function emptySnapshot(): MetricsSnapshot {
  const zero = { count: 0, sum: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, p999: 0 };
  return {
    connections: { open: 0, opened: 0, closed: 0, rejected: { max_connections: 0, handshake: 0 } },
    messages: { received: 0, sent: 0 },
    bytes: { received: 0, sent: 0 },
    drops: { outbox_full: 0, send_overflow: 0, decode_error: 0, slow_consumer: 0, budget: 0, oversize: 0, forbidden: 0, queue_full: 0 },
    reconnects: 0,
    sessions: { resumed: 0, gaps: 0 },
    requests: { ok: 0, error: 0, timeout: 0, cancelled: 0 },
    rtt: zero,
    rttBuckets: [],
  };
}

describe('metrics: the memory budget', () => {
  it('counts a connection closed by the memory budget as a budget drop', async () => {
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson(), memoryBudget: 4096 });
    const peer = await rawConnect(server.url);
    await peer.write('x'.repeat(8192)); // a partial line over the budget
    await within(peer.closed);
    await waitFor(() => server.metrics().drops.budget === 1, undefined, 'the budget drop');
    assert.equal(server.metrics().connections.open, 0);
    await server.close();
  });
});

describe('metrics: what the session layer reports', () => {
  it('counts sessions resumed and gaps on the connection\'s server, and requests by outcome on whatever owns them', async () => {
    const { sessionGap, sessionResumed, traceRequest } = await import('../../src/endpoint/diagnostics.js');
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { protocol: linesJson() });
    const conn = await connect<unknown, unknown>(server.url, { protocol: linesJson() });
    await waitFor(() => server.connectionCount === 1, undefined, 'the server side');
    const serverSide = [...server.connections][0]!;
    sessionResumed(serverSide, 'a', 0);
    sessionResumed(serverSide, 'b', 3);
    sessionGap(serverSide, 'b', 1);
    const fail = (code: string) => () => Promise.reject(Object.assign(new Error(code), { code }));
    await traceRequest(server, { connection: serverSide, request: 1 }, async () => 1);
    await traceRequest(server, { connection: undefined, request: 2 }, async () => 2);
    await assert.rejects(traceRequest(server, { connection: serverSide, request: 3 }, fail('REQUEST_TIMEOUT')));
    await assert.rejects(traceRequest(server, { connection: serverSide, request: 4 }, fail('REQUEST_ABORTED')));
    await assert.rejects(traceRequest(server, { connection: serverSide, request: 5 }, fail('NO_HANDLER')));
    await assert.rejects(traceRequest(undefined, { connection: undefined, request: 6 }, fail('NO_HANDLER')), 'no owner: traced, not counted');
    const m = server.metrics();
    assert.deepEqual(m.sessions, { resumed: 2, gaps: 1 });
    assert.deepEqual(m.requests, { ok: 2, error: 1, timeout: 1, cancelled: 1 });
    await conn.close();
    await server.close();
  });
});

describe('metrics of datagram endpoints', () => {
  it('count messages, bytes and every drop by reason exactly, and export them on /metrics', async () => {
    const { bindDatagram, datagramClient } = await import('../../src/endpoint/datagram.js');
    const { message, namedMessageDatagrams } = await import('../../src/core/message/index.js');
    const server = await bindDatagram('udp://127.0.0.1:0', {
      protocol: namedMessageDatagrams(),
      secretCode: 's3cret',
      maxDatagramSize: 200,
      callbacks: { onReceive: (ep, msg, from) => void (from && ep.send(msg, from)) },
    });
    const port = Number(new URL(server.url).port);
    const client = await datagramClient(`udp://127.0.0.1:${port}`, { protocol: namedMessageDatagrams(), maxDatagramSize: 200 });
    const raw = (await import('node:dgram')).createSocket('udp4');
    try {
      for (let i = 0; i < 5; i++) client.send(message('PING', { i, secret_code: 's3cret' }));
      await waitFor(() => client.stats.delivered === 5, undefined, 'five echoes');
      client.send(message('PING', { secret_code: 'wrong' })); // forbidden
      const send = (b: Buffer): Promise<void> => new Promise((r) => raw.send(b, port, '127.0.0.1', () => r()));
      await send(Buffer.alloc(300, 65)); // oversize
      await send(Buffer.from([0xff, 0xfe])); // not UTF-8: a decode error
      await waitFor(() => server.stats.received === 8, undefined, 'the eight datagrams');
      const m = server.metrics();
      assert.deepEqual([m.messages.received, m.messages.sent], [5, 5]);
      assert.equal(m.bytes.received, server.stats.bytesIn);
      assert.equal(m.bytes.sent, client.stats.bytesIn);
      assert.deepEqual([m.drops.forbidden, m.drops.oversize, m.drops.decode_error, m.drops.queue_full], [1, 1, 1, 0]);
      assert.equal(m.connections.open, 0);
      const exporter = await serveMetrics('127.0.0.1:0', [server]);
      try {
        const text = samples((await get(`${exporter.url}`)).body);
        assert.equal(text.get('switchboard_messages_received_total'), 5);
        assert.equal(text.get('switchboard_drops_total{reason="forbidden"}'), 1);
        assert.equal(text.get('switchboard_drops_total{reason="oversize"}'), 1);
      } finally {
        await exporter.close();
      }
    } finally {
      raw.close();
      await client.close();
      await server.close();
    }
  });
});

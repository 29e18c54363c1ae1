import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsBroker, natsSessionStore, type Broker, type SessionSnapshot } from '../../src/index.js';
import { natsServer, type NatsServer, natsSkip } from './nats.js';
import { within, WAIT_MS } from '../helpers/net.js';

function snapshot(id: string, over: Partial<SessionSnapshot> = {}): SessionSnapshot {
  return {
    version: 1,
    id,
    secret: 'S3cret_secret_secret_x',
    detachedAt: 1000,
    retention: 120_000,
    nextSeq: 7,
    acked: 3,
    lastWritten: 6,
    received: 4,
    retained: [
      { seq: 4, kind: 'M', id: 0, payload: new Uint8Array([0, 1, 2, 255]), aux: '' },
      { seq: 5, kind: 'Q', id: 1, payload: 'text payload \u00e9', aux: 'old.3' },
      { seq: 6, kind: 'C', id: 1, payload: undefined, aux: '' },
    ],
    peerMaxRequests: 1024,
    nextRequestId: 2,
    pending: [{ id: 1, seq: 5, abandoned: false }],
    inbound: [9],
    ...over,
  };
}

// Two nodes' brokers on one JetStream-enabled nats-server: what one puts, the other resumes from.
describeOrSkip('cluster: NATS key-value session store', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer;
  let plain: NatsServer;
  let dir: string;
  let a: Broker;
  let b: Broker;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-js-'));
    nats = await natsServer(['-js', '-sd', dir]);
    plain = await natsServer();
    a = await natsBroker({ servers: nats.url });
    b = await natsBroker({ servers: nats.url });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
    await plain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a snapshot put on one node for another node to get, bytes and text intact', async () => {
    const sa = await natsSessionStore(a, { bucket: 'sessions_t1' });
    const sb = await natsSessionStore(b, { bucket: 'sessions_t1' });
    const s = snapshot('abcDEF012_-xyz');
    assert.deepEqual(await sa.put(s, 2000), []);
    assert.deepEqual(await sb.get(s.id), s);
    await sb.delete(s.id);
    assert.equal(await sa.get(s.id), undefined);
  });

  it('treats malformed entries and bad ids as absent, and does not keep a snapshot over max_payload', async () => {
    const sa = await natsSessionStore(a, { bucket: 'sessions_t2' });
    const kv = await a.keyValue!('sessions_t2');
    const bad: Array<[string, string]> = [
      ['k1', 'not json'],
      ['k2', '{"version":2}'],
      ['k3', JSON.stringify({ ...snapshot('other'), retained: [] })], // id does not match its key
      ['k4', JSON.stringify({ ...snapshot('k4'), retained: [{ seq: 1, kind: 'Z', id: 0, aux: '', p: null }] })],
      ['k5', JSON.stringify({ ...snapshot('k5'), retained: [{ seq: 1, kind: 'M', id: 0, aux: '', p: { b: '***' } }] })],
      ['k6', JSON.stringify({ ...snapshot('k6'), acked: -1, retained: [] })],
    ];
    for (const [k, v] of bad) await kv.put(k, new TextEncoder().encode(v));
    for (const [k] of bad) assert.equal(await sa.get(k), undefined, k);
    assert.equal(sa.malformed, bad.length);
    for (const id of ['a.>', '*', '', 'x'.repeat(65), '../etc']) assert.equal(await sa.get(id), undefined);
    const huge = snapshot('huge', { retained: [{ seq: 1, kind: 'M', id: 0, payload: new Uint8Array(a.maxPayload), aux: '' }] });
    assert.deepEqual(await sa.put(huge, 0), ['huge']);
    assert.equal(await sa.get('huge'), undefined);
  });

  it('keeps session logs (durable sessions): entries appended on one node are read on another, removed, malformed ones left out', async () => {
    const sa = await natsSessionStore(a, { bucket: 'sessions_log1' });
    const sb = await natsSessionStore(b, { bucket: 'sessions_log1' });
    const { retained, ...meta } = snapshot('logged_1');
    const entry = (flush: number, records: typeof retained) => ({ flush, parts: 1, meta: { ...meta, delivered: 9 }, records });
    await sa.append('logged_1', 0, entry(0, retained.slice(0, 1)));
    await sa.append('logged_1', 1, entry(1, retained.slice(1)));
    await sa.append('logged_10', 0, entry(0, [])); // another session whose id starts the same
    const read = await sb.read('logged_1');
    assert.deepEqual(read.map((e) => e.n), [0, 1]);
    assert.deepEqual(read[1]!.entry.records, retained.slice(1), 'bytes and text intact');
    assert.equal(read[0]!.entry.meta.delivered, 9);
    assert.deepEqual(read[0]!.entry.records[0]!.payload, retained[0]!.payload);
    await sb.remove('logged_1', [0]);
    assert.deepEqual((await sa.read('logged_1')).map((e) => e.n), [1]);
    const kv = await a.keyValue!('sessions_log1_log');
    await kv.put('logged_1.7', new TextEncoder().encode('{"flush":1,"parts":1,"meta":{"delivered":1},"records":[]}'));
    await kv.put('logged_1.8', new TextEncoder().encode('not json'));
    assert.deepEqual((await sa.read('logged_1')).map((e) => e.n), [1]);
    assert.equal(sa.malformed, 2);
    for (const id of ['a.>', '*', '', 'x'.repeat(65)]) assert.deepEqual(await sa.read(id), []);
    await assert.rejects(sa.append('a.b', 0, entry(0, [])));
    const huge = entry(2, [{ seq: 9, kind: 'M', id: 0, payload: new Uint8Array(a.maxPayload), aux: '' }]);
    await assert.rejects(sa.append('logged_1', 9, huge), { code: 'CLUSTER_PAYLOAD_TOO_LARGE' });
  });

  it('reads a log while another node appends and removes entries: every read answers, and lists every entry that lived through it', async () => {
    // The NATS client's kv.keys() could wait 30 s for an idle heartbeat when entries changed while
    // it listed them; read() lists with one JetStream request instead.
    const sa = await natsSessionStore(a, { bucket: 'sessions_busy' });
    const sb = await natsSessionStore(b, { bucket: 'sessions_busy' });
    const { retained, ...meta } = snapshot('busy_1');
    const entry = (flush: number) => ({ flush, parts: 1, meta: { ...meta, delivered: 9 }, records: retained.slice(0, 1) });
    // Entries 0..4 stay for the whole test; the writer appends four at a time and removes them two steps later.
    for (let n = 0; n < 5; n++) await sa.append('busy_1', n, entry(n));
    let stop = false;
    let written = 5;
    const writer = (async () => {
      for (let n = 5; n < 5 + 4000 && !stop; n += 4) {
        await Promise.all([0, 1, 2, 3].map((i) => sa.append('busy_1', n + i, entry(n + i))));
        written = n + 4;
        if (n >= 13) await sa.remove('busy_1', [n - 8, n - 7, n - 6, n - 5]);
      }
    })();
    try {
      for (let i = 0; i < 300 && !stop; i++) {
        const read = await within(sb.read('busy_1'), WAIT_MS, `read ${i} while the log changes`);
        const ns = read.map((e) => e.n);
        for (let n = 0; n < 5; n++) assert.ok(ns.includes(n), `entry ${n} is in read ${i}: ${ns.join(',')}`);
        assert.ok(ns.length <= 5 + 12, `read ${i} lists only live entries (removed ones leave no marker): ${ns.length}`);
      }
    } finally {
      stop = true;
      await writer;
    }
    assert.ok(written > 5, 'the writer wrote while the reads ran');
    // A removed key is gone from the listing: nothing for a sweep or a read to trip over.
    await sa.remove('busy_1', Array.from({ length: written }, (_, n) => n));
    assert.deepEqual(await sb.read('busy_1'), []);
    const kv = await a.keyValue!('sessions_busy_log');
    assert.deepEqual(await kv.keys(100, 'busy_1.>'), []);
  });

  it('sweeps expired snapshots', async () => {
    const sa = await natsSessionStore(a, { bucket: 'sessions_t3' });
    await sa.put(snapshot('old', { detachedAt: 0, retention: 1000 }), 0);
    await sa.put(snapshot('fresh', { detachedAt: 5000, retention: 1000 }), 5000);
    assert.deepEqual(await sa.sweep(2000), ['old']);
    assert.equal(await sa.get('old'), undefined);
    assert.ok(await sa.get('fresh'));
  });

  it('rejects with CLUSTER_CONNECT_FAILED when NATS has no JetStream', async () => {
    const p = await natsBroker({ servers: plain.url });
    try {
      await assert.rejects(natsSessionStore(p), { code: 'CLUSTER_CONNECT_FAILED' });
    } finally {
      await p.close();
    }
  });
});

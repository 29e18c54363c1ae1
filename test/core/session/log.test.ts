import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SessionMachine,
  decodeEnvelope,
  peekSeq,
  snapshotFromLog,
  type RetainedRecord,
  type SessionLogEntry,
} from '../../../src/core/index.js';
import { helloHeader, messageHeader } from '../../../src/core/session/envelope.js';
import { App } from './harness.js';

const rec = (seq: number): RetainedRecord => ({ seq, kind: 'M', id: 0, payload: `m${seq}`, aux: '' });
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

function entry(flush: number, parts: number, records: number[], over: { acked?: number; lastWritten?: number; received?: number; delivered?: number } = {}): SessionLogEntry {
  return {
    flush,
    parts,
    meta: {
      version: 1, id: 'sid', secret: 'sec', detachedAt: 0, retention: 1000, nextSeq: 99, acked: over.acked ?? 0,
      lastWritten: over.lastWritten ?? 0, received: over.received ?? 0, peerMaxRequests: 8, nextRequestId: 1, pending: [], inbound: [],
      delivered: over.delivered ?? 0,
    },
    records: records.map(rec),
  };
}

describe('durable sessions: rebuilding a session from its log (sans-I/O)', () => {
  it('takes the state of the last complete flush and every unacknowledged envelope up to it', () => {
    const s = snapshotFromLog([
      { n: 0, entry: entry(0, 1, [1, 2, 3], { lastWritten: 0 }) },
      { n: 1, entry: entry(1, 1, [4, 5], { acked: 2, lastWritten: 3, received: 7, delivered: 40 }) },
    ]);
    assert.ok(typeof s !== 'string', String(s));
    assert.deepEqual(s.retained.map((r) => r.seq), [3, 4, 5]);
    assert.equal(s.lastWritten, 5, 'everything logged may have been written');
    assert.equal(s.nextSeq, 6);
    assert.equal(s.received, 7);
    assert.equal(s.delivered, 40);
  });

  it('ignores a flush whose parts did not all land, and uses the parts of an earlier flush that were trimmed', () => {
    const s = snapshotFromLog([
      // flush 0 in two parts; its first part was trimmed (acknowledged)
      { n: 1, entry: entry(0, 2, [3, 4], { lastWritten: 0 }) },
      { n: 2, entry: entry(1, 1, [], { acked: 2, lastWritten: 4 }) },
      // flush 2 landed only in part: its state and records count for nothing
      { n: 3, entry: entry(2, 2, [5, 6], { acked: 2, lastWritten: 4, received: 50 }) },
    ]);
    assert.ok(typeof s !== 'string', String(s));
    assert.deepEqual(s.retained.map((r) => r.seq), [3, 4]);
    assert.equal(s.received, 0, 'the state of flush 1');
  });

  it('says why a log cannot be replayed: no complete flush, a gap', () => {
    assert.equal(typeof snapshotFromLog([]), 'string');
    assert.equal(typeof snapshotFromLog([{ n: 0, entry: entry(0, 2, [1]) }]), 'string');
    const gap = snapshotFromLog([{ n: 0, entry: entry(0, 1, [1, 2]) }, { n: 1, entry: entry(1, 1, [4], { lastWritten: 2 }) }]);
    assert.match(String(gap), /gap/);
    const short = snapshotFromLog([{ n: 0, entry: entry(0, 1, [1, 2], { lastWritten: 5 }) }]);
    assert.match(String(short), /ends at seq 2/);
  });

  it('peeks the seq of sequenced envelopes only, from bytes or text', () => {
    assert.equal(peekSeq(messageHeader(42, 17, '') + 'x'), 42);
    assert.equal(peekSeq(new TextEncoder().encode(messageHeader(7, 0, '') + 'x')), 7);
    assert.equal(peekSeq('1R12,,3;'), 12);
    assert.equal(peekSeq('1A43;'), 0);
    assert.equal(peekSeq(helloHeader('', '', 0, 0, 8)), 0);
    assert.equal(peekSeq('2M4;'), 0);
    assert.equal(peekSeq('1Mx;'), 0);
  });

  it('a session restored from a log flags the peer\'s messages up to `delivered` as redelivered, not those after', () => {
    const snap = snapshotFromLog([{ n: 0, entry: entry(0, 1, [], { received: 3, delivered: 6 }) }]);
    assert.ok(typeof snap !== 'string');
    snap.id = 'AAAAAAAAAAAAAAAAAAAAAA';
    const app = new App();
    const m = SessionMachine.restore(snap, app, { random: (n) => new Uint8Array(n) });
    const out: string[] = [];
    const hello = decodeEnvelope(helloHeader(snap.id, 'sec', 0, 0, 8));
    m.accept(hello, (h) => void out.push(h), 0);
    for (const seq of range(4, 9)) m.receive(messageHeader(seq, 0, '') + `c${seq}`, 0);
    assert.deepEqual(app.got.map((g) => [g.payload, g.origin]), [
      ['c4', `${snap.id}.4`], ['c5', `${snap.id}.5`], ['c6', `${snap.id}.6`], ['c7', ''], ['c8', ''],
    ]);
  });
});

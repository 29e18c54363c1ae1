/**
 * `Framer.headSkip` (length prefix) and `ByteQueue.takeSkipping`: a session connection's framer
 * cuts a MSG header off the frame's view (src/endpoint/session.ts `EnvelopeCutter`). In every
 * split of the wire bytes, the cut views are exactly the payloads, `frame` names the view of each
 * cut frame, and frames that are not a plain MSG come out whole.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue, WriteBuffer, concatBytes, lengthPrefix } from '../../../src/core/index.js';
import { WebSocketProtocol } from '../../../src/core/websocket/protocol.js';
import type { HeadSkip } from '../../../src/core/framing/framer.js';
import { decodeEnvelope, fastHeader, fastMessageAt } from '../../../src/core/session/envelope.js';
import { everySplit, encodeAll } from '../../helpers/split.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What the endpoint's cutter does, recording each call. */
class Cutter implements HeadSkip {
  frame: Uint8Array | undefined = undefined;
  calls: Array<{ cut: number; seq: number; ack: number }> = [];
  skip(buf: Uint8Array, at: number, n: number): number {
    const k = fastMessageAt(buf, at, n);
    this.calls.push({ cut: k, seq: k > 0 ? fastHeader.seq : 0, ack: k > 0 ? fastHeader.ack : 0 });
    return k;
  }
}

describe('cutting the session header off while framing', () => {
  const envelopes = ['1M1;hello', '1M2,7;', '1A3;', '1M12345,678;x,y;z', '1M3,,abc.4;origin kept whole', '1Q5,,3;req', '1M0;bad seq, whole', ''];
  const wire = encodeAll(lengthPrefix({ width: 4 }), envelopes.map((e) => enc.encode(e)));

  it('in every split of the stream: MSG payloads cut, everything else whole, `frame` set only for cut views', () => {
    let splits = 0;
    for (const { name, chunks } of everySplit(wire)) {
      splits++;
      const framer = lengthPrefix({ width: 4 }).create();
      const cutter = new Cutter();
      framer.headSkip = cutter;
      const got: string[] = [];
      for (const c of chunks) {
        framer.push(c);
        for (let f = framer.next(); f !== undefined; f = framer.next()) {
          got.push(dec.decode(f));
          const i = got.length - 1;
          assert.equal(cutter.frame === f, cutter.calls[i]!.cut > 0, `${name}: frame ${i}`);
        }
      }
      assert.deepEqual(got, ['hello', '', '1A3;', 'x,y;z', '1M3,,abc.4;origin kept whole', '1Q5,,3;req', '1M0;bad seq, whole', ''], name);
      assert.deepEqual(cutter.calls.map((c) => [c.cut, c.seq, c.ack]), [[4, 1, 0], [6, 2, 7], [0, 0, 0], [12, 12345, 678], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]], name);
    }
    assert.ok(splits > 10);
  });

  it('cuts exactly what decodeEnvelope would take as the header', () => {
    for (const e of ['1M1;a', '1M9007199254740;b', '1M1,9007199254740;', '1M10,;c']) {
      const b = enc.encode(e);
      const k = fastMessageAt(b, 0, b.length);
      const d = decodeEnvelope(b);
      assert.ok(k > 0, e);
      assert.equal(dec.decode(b.subarray(k)), dec.decode(d.payload as Uint8Array), e);
      assert.equal(fastHeader.seq, d.seq, e);
      assert.equal(fastHeader.ack, d.ack, e);
    }
  });

  it('ByteQueue.takeSkipping: a frame inside one chunk, across chunks, and an empty one', () => {
    const q = new ByteQueue();
    q.push(enc.encode('xx1M4;ab1M'));
    q.push(enc.encode('5,2;cd'));
    const cutter = new Cutter();
    q.skip(2);
    const a = q.takeSkipping(6, cutter);
    assert.equal(dec.decode(a), 'ab');
    assert.equal(cutter.frame, a);
    const b = q.takeSkipping(8, cutter);
    assert.equal(dec.decode(b), 'cd');
    assert.equal(cutter.frame, b);
    assert.equal(q.length, 0);
    const c = q.takeSkipping(0, cutter);
    assert.equal(c.length, 0);
    assert.equal(cutter.frame, undefined);
  });
});

describe('cutting the session header off WebSocket messages', () => {
  const seeded = (): ((n: number) => Uint8Array) => {
    let x = 777;
    return (n) => Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
  };
  const big = 'y'.repeat(300); // masked through the transport's mask function, not the byte loop
  for (const role of ['client', 'server'] as const) {
    it(`received by a ${role} (${role === 'server' ? 'masked' : 'unmasked'} frames), in every split`, () => {
      // The peer writes: binary MSGs (cut), a text MSG, an ACK, a fragmented binary MSG (whole).
      const out = new WriteBuffer();
      const peer = new WebSocketProtocol({ role: role === 'server' ? 'client' : 'server', out, random: seeded() });
      peer.send(enc.encode('1M1;hello'), true);
      peer.send(enc.encode('1M2,1;' + big), true);
      peer.send('1M3;text stays whole', false);
      peer.send(enc.encode('1A2;'), true);
      peer.send(enc.encode('1M4;in pieces'), true, { fragmentSize: 5 });
      peer.send(enc.encode('1M5;'), true);
      const wire = concatBytes(out.take());
      const want = ['hello', big, '1M3;text stays whole', '1A2;', '1M4;in pieces', ''];
      const wantCut = [true, true, false, false, false, true];
      let splits = 0;
      for (const { name, chunks } of everySplit(wire)) {
        splits++;
        const ws = new WebSocketProtocol({ role, out: new WriteBuffer(), random: seeded() });
        const cutter = new Cutter();
        ws.headSkip = cutter;
        const got: string[] = [];
        const cut: boolean[] = [];
        for (const c of chunks) {
          ws.receive(c.slice());
          for (let e = ws.nextEvent(); e !== undefined; e = ws.nextEvent()) {
            assert.equal(e.type, 'message', name);
            if (e.type !== 'message') continue;
            got.push(dec.decode(e.data));
            cut.push(cutter.frame === e.data);
          }
        }
        assert.deepEqual(got, want, name);
        assert.deepEqual(cut, wantCut, name);
      }
      assert.ok(splits > 10);
    });
  }
});

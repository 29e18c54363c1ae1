/**
 * RFC 6455 5.5.3: pings that arrive before their pongs were sent get one pong, for the most
 * recent. A peer that floods pings cannot make the protocol write one pong per ping.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Opcode } from '../../../src/core/websocket/index.js';
import { cat, clientFrame, decodeFrames, drainEvents, makePeer, serverFrame, taken } from './ws-helpers.js';

describe('pong coalescing (RFC 6455 5.5.3)', () => {
  it('answers 1000 pings read together with one pong carrying the latest payload', () => {
    const { proto, out } = makePeer('server');
    proto.receive(cat(...Array.from({ length: 1000 }, (_, i) => clientFrame(Opcode.PING, `ping ${i}`))));
    const events = drainEvents(proto);
    assert.equal(events.filter((e) => e.type === 'ping').length, 1000, 'every ping is still an event');
    const frames = decodeFrames(taken(out));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.opcode, Opcode.PONG);
    assert.equal(Buffer.from(frames[0]!.payload).toString(), 'ping 999');
  });

  it('answers pings read apart (the pong was sent in between) one each', () => {
    const { proto, out } = makePeer('server');
    const pongs: string[] = [];
    for (let i = 0; i < 3; i++) {
      proto.receive(clientFrame(Opcode.PING, `p${i}`));
      drainEvents(proto);
      for (const f of decodeFrames(taken(out))) pongs.push(Buffer.from(f.payload).toString());
    }
    assert.deepEqual(pongs, ['p0', 'p1', 'p2']);
  });

  it('writes the pending pong before a message event and before the close reply', () => {
    const { proto, out } = makePeer('server');
    proto.receive(cat(clientFrame(Opcode.PING, 'a'), clientFrame(Opcode.PING, 'b'), clientFrame(Opcode.TEXT, 'hi'), clientFrame(Opcode.PING, 'c')));
    const first = proto.nextEvent();
    assert.equal(first?.type, 'ping');
    assert.equal(out.length, 0, 'a ping alone does not write its pong yet');
    assert.equal(proto.nextEvent()?.type, 'ping');
    assert.equal(proto.nextEvent()?.type, 'message');
    const before = decodeFrames(taken(out));
    assert.deepEqual(
      before.map((f) => [f.opcode, Buffer.from(f.payload).toString()]),
      [[Opcode.PONG, 'b']],
      'the pong for the latest ping left before the message was returned',
    );
    proto.receive(clientFrame(Opcode.CLOSE, Uint8Array.of(0x03, 0xe8)));
    drainEvents(proto);
    const after = decodeFrames(taken(out));
    assert.deepEqual(
      after.map((f) => f.opcode),
      [Opcode.PONG, Opcode.CLOSE],
      'the pong of the pending ping goes before the close reply, nothing after it',
    );
  });

  it('a client masks its coalesced pong', () => {
    const { proto, out } = makePeer('client');
    proto.receive(cat(serverFrame(Opcode.PING, 'x'), serverFrame(Opcode.PING, 'yz')));
    drainEvents(proto);
    const frames = decodeFrames(taken(out));
    assert.equal(frames.length, 1);
    assert.ok(frames[0]!.masked);
    assert.equal(Buffer.from(frames[0]!.payload).toString(), 'yz');
  });

  it('sends no pong for a ping pending when the transport ends', () => {
    const { proto, out } = makePeer('server');
    proto.receive(clientFrame(Opcode.PING, 'late'));
    proto.receiveEof();
    assert.equal(proto.nextEvent()?.type, 'ping');
    assert.equal(proto.nextEvent()?.type, 'close');
    assert.equal(out.length, 0);
  });
});

/**
 * The protocol state machine: parsing under every split, fragmentation both ways with control
 * frames in between, large fragmented messages, sending paths (text fast path, masking, copies),
 * states and the close handshake between two protocol instances.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, WriteBuffer, concatBytes } from '../../../src/core/index.js';
import {
  Opcode,
  WebSocketProtocol,
  parseFrameHeader,
  writeFrame,
  type DeflateParams,
  type Role,
} from '../../../src/core/websocket/index.js';
import { ByteQueue } from '../../../src/core/bytes.js';
import { nodeDeflate } from '../../../src/transport/deflate.js';
import { everySplit } from '../../helpers/split.js';
import {
  cat,
  clientFrame,
  closeBody,
  decodeFrames,
  drainEvents,
  makePeer,
  random,
  run,
  serverFrame,
  summary,
  taken,
  utf8,
  type Peer,
} from './ws-helpers.js';

const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

/** Moves everything `from` wrote into `to` and returns `to`'s events. */
function pass(from: Peer, to: Peer): ReturnType<typeof drainEvents> {
  for (const piece of from.out.take()) to.proto.receive(piece.slice());
  return drainEvents(to.proto);
}

describe('parsing under every split', () => {
  it('gives the same events and replies for a mixed stream however it is cut', () => {
    const wire = cat(
      clientFrame(Opcode.TEXT, 'héllo'),
      clientFrame(Opcode.BINARY, Uint8Array.of(0, 1, 2), { fin: false }),
      clientFrame(Opcode.PING, 'p1'),
      clientFrame(Opcode.CONTINUATION, Uint8Array.of(3)),
      clientFrame(Opcode.TEXT, 'x'.repeat(130)),
      clientFrame(Opcode.PONG),
      clientFrame(Opcode.CLOSE, closeBody(1000, 'done')),
    );
    const expected = run('server', [wire]);
    assert.deepEqual(summary(expected.events), [
      { type: 'message', binary: false, data: 'héllo' },
      { type: 'ping', data: Buffer.from('p1').toString('hex') },
      { type: 'message', binary: true, data: '00010203' },
      { type: 'message', binary: false, data: 'x'.repeat(130) },
      { type: 'pong', data: '' },
      { type: 'close', code: 1000, reason: 'done', initiatedByPeer: true },
    ]);
    let n = 0;
    for (const { name, chunks } of everySplit(wire, { threePieceMaxLength: 40 })) {
      const got = run('server', chunks);
      assert.deepEqual(summary(got.events), summary(expected.events), name);
      assert.deepEqual(got.written, expected.written, name);
      n++;
    }
    assert.ok(n > wire.length);
  });

  it('parses frame headers of every length form in every split, consuming nothing until whole', () => {
    for (const len of [0, 125, 126, 65535, 65536]) {
      const f = clientFrame(Opcode.BINARY, new Uint8Array(len));
      const headerLen = f.length - len;
      const header = f.subarray(0, headerLen);
      for (const { name, chunks } of everySplit(header)) {
        const q = new ByteQueue();
        let h;
        for (const c of chunks) {
          q.push(c);
          const before = q.length;
          h = parseFrameHeader(q, { role: 'server', compression: false, maxFrameSize: 1 << 20 });
          if (h === undefined) assert.equal(q.length, before, `${name}: "not yet" consumed nothing`);
        }
        assert.ok(h, `${len} ${name}`);
        assert.equal(h.length, len);
        assert.equal(h.headerLength, headerLen);
        assert.equal(q.length, 0);
      }
    }
  });
});

describe('fragmentation in both directions', () => {
  for (const role of ['client', 'server'] as const) {
    const other: Role = role === 'client' ? 'server' : 'client';
    it(`${role} -> ${other}: fragments with pings and pongs in between arrive as one message`, () => {
      const a = makePeer(role);
      const b = makePeer(other);
      const msg = utf8('fragmented ✓ message '.repeat(10));
      assert.equal(a.proto.send(msg, false, { fragmentSize: 7 }), true);
      // Interleave control frames between the fragments on the wire.
      const frames = decodeFrames(taken(a.out));
      assert.equal(frames.length, Math.ceil(msg.length / 7));
      assert.ok(frames[0]!.opcode === Opcode.TEXT && frames.slice(1).every((f) => f.opcode === Opcode.CONTINUATION));
      assert.ok(frames.slice(0, -1).every((f) => !f.fin) && frames.at(-1)!.fin);
      const out = new WriteBuffer();
      const key = role === 'client' ? random(4) : undefined;
      frames.forEach((f, i) => {
        writeFrame(out, f.opcode as Opcode, f.fin, false, f.payload, key && random(4));
        if (i % 3 === 0) writeFrame(out, Opcode.PING, true, false, Uint8Array.of(i), key && random(4));
        if (i % 5 === 0) writeFrame(out, Opcode.PONG, true, false, Uint8Array.of(i), key && random(4));
      });
      b.proto.receive(concatBytes(out.take()).slice());
      const events = drainEvents(b.proto);
      const message = events.filter((e) => e.type === 'message');
      assert.equal(message.length, 1);
      assert.ok(message[0]!.type === 'message');
      assert.deepEqual(message[0]!.data, msg);
      assert.equal(events.at(-1)!.type, 'message', 'the message comes after the control frames that arrived before its end');
      // RFC 6455 5.5.3: pings with no other event between them get one pong, for the latest.
      const pongs = decodeFrames(taken(b.out));
      const pings = events.filter((e) => e.type === 'ping');
      assert.ok(pongs.length >= 1 && pongs.length <= pings.length);
      assert.ok(pongs.every((p) => p.opcode === Opcode.PONG && p.masked === (other === 'client')));
      assert.deepEqual(pongs.at(-1)!.payload, pings.at(-1)!.data, 'the last pong answers the last ping');
    });
  }

  it('accepts 4 MiB sent in 64-byte fragments (65536 frames) with default limits', () => {
    const size = 4 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) data[i] = (i >> 12) & 0xff;
    const client = makePeer('client');
    const server = makePeer('server');
    client.proto.send(data, true, { fragmentSize: 64 });
    const pieces = client.out.take();
    const wireBytes = pieces.reduce((n, p) => n + p.length, 0);
    assert.equal(wireBytes, size + 65536 * (2 + 4));
    const start = performance.now();
    // Delivered in 64 KiB reads, like a socket.
    const wire = concatBytes(pieces).slice();
    let event;
    for (let off = 0; off < wire.length; off += 65536) {
      server.proto.receive(wire.subarray(off, off + 65536));
      for (let e; (e = server.proto.nextEvent()); ) event = e;
    }
    const ms = performance.now() - start;
    assert.ok(event?.type === 'message', event?.type);
    assert.equal(event.data.length, size);
    assert.ok(Buffer.from(event.data.buffer, event.data.byteOffset, event.data.length).equals(data), 'same bytes');
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });

  it('refuses 4 MiB in 64-byte fragments when maxFragments is lower', () => {
    const client = makePeer('client');
    client.proto.send(new Uint8Array(4 * 1024 * 1024), true, { fragmentSize: 64 });
    const server = makePeer('server', { limits: { maxFragments: 10_000 } });
    for (const p of client.out.take()) server.proto.receive(p.slice());
    const evs = drainEvents(server.proto);
    assert.deepEqual(summary(evs), [{ type: 'error', code: ErrorCode.WS_MESSAGE_TOO_LARGE, closeCode: 1009 }]);
  });
});

describe('sending', () => {
  it('server text fast path: encodes a string straight into the write buffer', () => {
    const s = makePeer('server');
    s.proto.send('héllo wörld', false);
    const [f] = decodeFrames(taken(s.out));
    assert.deepEqual(f, { fin: true, rsv1: false, opcode: Opcode.TEXT, masked: false, payload: utf8('héllo wörld') });
  });
  it('sends lone surrogates as U+FFFD, with a correct length', () => {
    for (const role of ['client', 'server'] as const) {
      const p = makePeer(role);
      p.proto.send('a\ud800b\udc00c😀', false);
      const [f] = decodeFrames(taken(p.out));
      assert.equal(new TextDecoder().decode(f!.payload), 'a\ufffdb\ufffdc😀');
    }
  });
  it('client: masks without touching the caller\'s bytes', () => {
    const c = makePeer('client');
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const copy = data.slice();
    c.proto.send(data, true);
    c.proto.send(data, true, { fragmentSize: 100 });
    assert.deepEqual(data, copy);
    const frames = decodeFrames(taken(c.out));
    assert.deepEqual(frames[0]!.payload, data);
    assert.deepEqual(concatBytes(frames.slice(1).map((f) => f.payload)), data);
  });
  it('server: keeps large payloads by reference (no copy) and copies small ones', () => {
    const out = new WriteBuffer();
    const s = new WebSocketProtocol({ role: 'server', out });
    const big = new Uint8Array(100_000);
    s.send(big, true);
    const pieces = out.take();
    assert.equal(pieces.length, 2);
    assert.equal(pieces[1], big, 'the payload itself, not a copy');
  });
  it('client: copies a large payload exactly once, into one buffer with its header', () => {
    let allocated = 0;
    const out = new WriteBuffer({ alloc: (n) => ((allocated += n), new Uint8Array(n)) });
    const c = new WebSocketProtocol({ role: 'client', out, random });
    c.send(new Uint8Array(1_000_000), true);
    const pieces = out.take();
    assert.equal(pieces.length, 1);
    assert.equal(pieces[0]!.length, 1_000_000 + 14);
    assert.ok(allocated <= 1_000_000 + 14 + 65536, `allocated ${allocated}`);
  });
  it('refuses control payloads over 125 bytes and bad fragment sizes', () => {
    const p = makePeer('client');
    assert.throws(() => p.proto.ping(new Uint8Array(126)), { code: ErrorCode.WS_INVALID_ARGUMENT });
    assert.throws(() => p.proto.pong('x'.repeat(126)), { code: ErrorCode.WS_INVALID_ARGUMENT });
    assert.throws(() => p.proto.send('x', false, { fragmentSize: 0 }), { code: ErrorCode.WS_INVALID_ARGUMENT });
    assert.throws(() => p.proto.send('x', false, { fragmentSize: 1.5 }), { code: ErrorCode.WS_INVALID_ARGUMENT });
    assert.equal(p.out.length, 0);
    assert.equal(p.proto.ping(new Uint8Array(125)), true);
  });
  it('compresses messages at or above the threshold only, RSV1 on the first fragment only', () => {
    const c = makePeer('client', { compressor: nodeDeflate(params, 'client'), limits: { compressionThreshold: 100 } });
    c.proto.send('small', false);
    c.proto.send('big '.repeat(100), false, { fragmentSize: 5 });
    const frames = decodeFrames(taken(c.out));
    assert.equal(frames[0]!.rsv1, false);
    assert.equal(frames[1]!.rsv1, true);
    assert.ok(frames.slice(2).every((f) => !f.rsv1 && f.opcode === Opcode.CONTINUATION));
    const s = makePeer('server', { compressor: nodeDeflate(params, 'server') });
    s.proto.receive(concatBytes(frames.map((f, i) => clientFrame(f.opcode, f.payload, { fin: f.fin, rsv1: f.rsv1, mask: random(4) }))).slice());
    assert.deepEqual(summary(drainEvents(s.proto)), [
      { type: 'message', binary: false, data: 'small' },
      { type: 'message', binary: false, data: 'big '.repeat(100) },
    ]);
  });
});

describe('states and the close handshake', () => {
  it('client closes: server replies and closes TCP; client sees the close and waits for EOF', () => {
    const c = makePeer('client');
    const s = makePeer('server');
    assert.equal(c.proto.state, 'OPEN');
    c.proto.send('bye soon', false);
    c.proto.close(1000, 'bye');
    assert.equal(c.proto.state, 'CLOSING');
    assert.equal(c.proto.closeExpected(), true);
    assert.equal(c.proto.shouldCloseTransport(), false);
    assert.deepEqual(summary(pass(c, s)), [
      { type: 'message', binary: false, data: 'bye soon' },
      { type: 'close', code: 1000, reason: 'bye', initiatedByPeer: true },
    ]);
    assert.equal(s.proto.state, 'CLOSING');
    assert.equal(s.proto.shouldCloseTransport(), true, 'the server closes TCP first');
    assert.deepEqual(summary(pass(s, c)), [{ type: 'close', code: 1000, reason: '', initiatedByPeer: false }]);
    assert.equal(c.proto.shouldCloseTransport(), false, 'the client waits for the server to close TCP');
    c.proto.receiveEof();
    assert.equal(c.proto.nextEvent(), undefined);
    assert.equal(c.proto.state, 'CLOSED');
    s.proto.receiveEof();
    assert.equal(s.proto.nextEvent(), undefined);
    assert.equal(s.proto.state, 'CLOSED');
  });

  it('both close at once: each sees the other\'s close as the reply', () => {
    const c = makePeer('client');
    const s = makePeer('server');
    c.proto.close(4001);
    s.proto.close(4002);
    assert.deepEqual(summary(pass(c, s)), [{ type: 'close', code: 4001, reason: '', initiatedByPeer: false }]);
    assert.deepEqual(summary(pass(s, c)), [{ type: 'close', code: 4002, reason: '', initiatedByPeer: false }]);
    assert.equal(s.out.length, 0);
    assert.equal(c.out.length, 0);
  });

  it('server fails the connection: writes 1002 and asks to close TCP at once', () => {
    const s = makePeer('server');
    s.proto.receive(clientFrame(0x3));
    const evs = drainEvents(s.proto);
    assert.equal(evs.length, 1);
    assert.ok(evs[0]!.type === 'error');
    assert.equal(evs[0]!.error.name, 'WebSocketError');
    assert.equal(s.proto.state, 'CLOSING');
    assert.equal(s.proto.shouldCloseTransport(), true);
    assert.equal(s.proto.send('x', false), false);
    // Bytes after a bad header are not read.
    s.proto.receive(clientFrame(Opcode.CLOSE, closeBody(1000)));
    assert.deepEqual(drainEvents(s.proto), []);
    s.proto.receiveEof();
    assert.deepEqual(summary(drainEvents(s.proto)), [{ type: 'close', code: 1006, reason: '', initiatedByPeer: false }]);
  });

  it('EOF in the middle of a frame is a close with 1006, once', () => {
    const { events, peer } = run('client', [serverFrame(Opcode.TEXT, 'truncated').subarray(0, 5)], { eof: true });
    assert.deepEqual(summary(events), [{ type: 'close', code: 1006, reason: '', initiatedByPeer: true }]);
    assert.equal(peer.proto.state, 'CLOSED');
    assert.equal(peer.proto.shouldCloseTransport(), true);
    peer.proto.receiveEof();
    assert.equal(peer.proto.nextEvent(), undefined);
  });

  it('CONNECTING buffers bytes until open(); close() then goes straight to CLOSED', () => {
    const p = makePeer('client', { state: 'CONNECTING' });
    assert.equal(p.proto.send('x', false), false);
    p.proto.receive(serverFrame(Opcode.TEXT, 'early'));
    assert.equal(p.proto.nextEvent(), undefined);
    p.proto.open();
    assert.deepEqual(summary(drainEvents(p.proto)), [{ type: 'message', binary: false, data: 'early' }]);
    assert.throws(() => p.proto.open(), { code: ErrorCode.WS_INVALID_ARGUMENT });

    const q = makePeer('server', { state: 'CONNECTING' });
    assert.equal(q.proto.close(), true);
    assert.equal(q.proto.state, 'CLOSED');
    assert.equal(q.out.length, 0);
    assert.deepEqual(summary(drainEvents(q.proto)), [{ type: 'close', code: 1006, reason: '', initiatedByPeer: false }]);
  });

  it('a client needs random bytes for its masks', () => {
    assert.throws(() => new WebSocketProtocol({ role: 'client', out: new WriteBuffer() }), { code: ErrorCode.WS_INVALID_ARGUMENT });
  });

  it('messages are views the caller owns: later input does not change them', () => {
    const p = makePeer('server');
    const chunk = cat(clientFrame(Opcode.BINARY, Uint8Array.of(1, 2, 3)), clientFrame(Opcode.BINARY, Uint8Array.of(4, 5, 6)));
    p.proto.receive(chunk);
    const a = p.proto.nextEvent();
    const b = p.proto.nextEvent();
    p.proto.receive(clientFrame(Opcode.BINARY, Uint8Array.of(7, 8, 9)));
    p.proto.nextEvent();
    assert.ok(a?.type === 'message' && b?.type === 'message');
    assert.deepEqual([...a.data], [1, 2, 3]);
    assert.deepEqual([...b.data], [4, 5, 6]);
  });
});

/**
 * A conformance catalogue for the WebSocket protocol, organised by RFC section. Each invalid
 * input lists the exact close code it must produce; every case is fed whole and one byte at a
 * time, and must give the same events and the same bytes written either way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ErrorCode } from '../../../src/core/index.js';
import {
  Opcode,
  acceptDeflateResponse,
  deflateOffer,
  formatExtensions,
  negotiateDeflate,
  parseExtensions,
  type DeflateOptions,
  type DeflateParams,
  type Role,
  type WebSocketLimits,
} from '../../../src/core/websocket/index.js';
import { nodeDeflate } from '../../../src/transport/deflate.js';
import {
  cat,
  clientFrame,
  closeBody,
  closeCodeOf,
  decodeFrames,
  frame,
  run,
  serverFrame,
  summary,
  utf8,
  type Ev,
} from './ws-helpers.js';

const bytewise = (b: Uint8Array): Uint8Array[] => Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1));

const deflateParams: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

interface Options {
  compress?: boolean;
  limits?: WebSocketLimits;
  eof?: boolean;
}

/** Runs `wire` whole and byte by byte; both must agree. Returns the events and the frames written. */
function feedBoth(role: Role, wire: Uint8Array, o: Options = {}): { events: Ev[]; written: ReturnType<typeof decodeFrames> } {
  const mk = () => ({ limits: o.limits, eof: o.eof, ...(o.compress ? { compressor: nodeDeflate(deflateParams, role) } : {}) });
  const whole = run(role, [wire], mk());
  const bytes = run(role, bytewise(wire), mk());
  assert.deepEqual(summary(bytes.events), summary(whole.events), 'byte-by-byte events differ from whole');
  // Compared decoded: a client's masking keys are random.
  assert.deepEqual(decodeFrames(bytes.written), decodeFrames(whole.written), 'byte-by-byte output differs from whole');
  return { events: whole.events, written: decodeFrames(whole.written) };
}

/**
 * `wire` must fail the connection: one error event with `code` and `closeCode`, and the last
 * frame written is a close frame with `closeCode`.
 */
function mustFail(role: Role, wire: Uint8Array, closeCode: number, code: string, o: Options = {}): void {
  const { events, written } = feedBoth(role, wire, o);
  const errors = events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 1, `expected one error event, got ${JSON.stringify(summary(events))}`);
  const err = errors[0]!;
  assert.ok(err.type === 'error');
  assert.equal(err.error.closeCode, closeCode, err.error.message);
  assert.equal(err.error.code, code, err.error.message);
  const last = written.at(-1);
  assert.ok(last !== undefined && last.opcode === Opcode.CLOSE, 'a close frame was written');
  assert.equal(closeCodeOf(last), closeCode);
  assert.equal(last.masked, role === 'client', 'a client masks its close frame, a server does not');
}

/** Messages delivered, as text (or hex for binary). */
const messages = (events: readonly Ev[]): string[] =>
  events.flatMap((e) => (e.type === 'message' ? [e.binary ? Buffer.from(e.data).toString('hex') : new TextDecoder().decode(e.data)] : []));

describe('RFC 6455 5.1 overview: who masks', () => {
  it('a server fails an unmasked frame from a client with 1002', () => {
    mustFail('server', frame({ opcode: Opcode.TEXT, payload: 'hi', mask: false }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('a client fails a masked frame from a server with 1002', () => {
    mustFail('client', frame({ opcode: Opcode.TEXT, payload: 'hi' }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('a server accepts masked frames and a client unmasked ones', () => {
    assert.deepEqual(messages(feedBoth('server', clientFrame(Opcode.TEXT, 'to server')).events), ['to server']);
    assert.deepEqual(messages(feedBoth('client', serverFrame(Opcode.TEXT, 'to client')).events), ['to client']);
  });
});

describe('RFC 6455 5.2 base framing', () => {
  it('fails RSV1 without a negotiated extension with 1002', () => {
    mustFail('server', clientFrame(Opcode.TEXT, 'x', { rsv1: true }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails RSV2 with 1002', () => {
    mustFail('server', clientFrame(Opcode.TEXT, 'x', { rsv2: true }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails RSV3 with 1002, also with permessage-deflate', () => {
    mustFail('server', clientFrame(Opcode.BINARY, 'x', { rsv3: true }), 1002, ErrorCode.WS_INVALID_FRAME, { compress: true });
  });
  for (const op of [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    it(`fails reserved opcode 0x${op.toString(16)} with 1002`, () => {
      mustFail('server', clientFrame(op, 'x'), 1002, ErrorCode.WS_INVALID_FRAME);
    });
  }
  it('fails a 16-bit length field holding 125 (not minimal) with 1002', () => {
    mustFail('server', clientFrame(Opcode.BINARY, new Uint8Array(125), { lengthForm: 16 }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a 64-bit length field holding 65535 (not minimal) with 1002', () => {
    mustFail('client', serverFrame(Opcode.BINARY, new Uint8Array(65535), { lengthForm: 64 }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a 64-bit length field holding 0 with 1002', () => {
    mustFail('server', clientFrame(Opcode.BINARY, '', { lengthForm: 64 }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a 64-bit length with its most significant bit set with 1002', () => {
    mustFail('server', clientFrame(Opcode.BINARY, '', { lengthForm: 64, announce: 70000, msb: true }), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a frame announcing more than maxFrameSize with 1009 before its payload arrives', () => {
    // Only the header is fed: the refusal must not wait for (or buffer) the payload.
    const header = clientFrame(Opcode.BINARY, '', { announce: 2000 });
    mustFail('server', header, 1009, ErrorCode.WS_MESSAGE_TOO_LARGE, { limits: { maxFrameSize: 1000 } });
  });
  it('fails a 2^53-byte announcement with 1009, not an imprecise length', () => {
    mustFail('server', clientFrame(Opcode.BINARY, '', { lengthForm: 64, announce: 2 ** 53 }), 1009, ErrorCode.WS_MESSAGE_TOO_LARGE);
  });
  for (const n of [0, 1, 125, 126, 127, 65535, 65536]) {
    it(`accepts a ${n}-byte payload in its minimal length form`, () => {
      const payload = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      const { events } = run('server', [clientFrame(Opcode.BINARY, payload)]);
      assert.equal(events.length, 1);
      assert.ok(events[0]!.type === 'message');
      assert.deepEqual(events[0]!.data, payload);
    });
  }
});

describe('RFC 6455 5.3 client-to-server masking', () => {
  it('unmasks with every key byte position, including an all-zero key', () => {
    for (const key of [Uint8Array.from([0, 0, 0, 0]), Uint8Array.from([0xff, 0x01, 0x80, 0x7f])]) {
      const { events } = feedBoth('server', frame({ opcode: Opcode.TEXT, payload: 'abcdefghij', mask: key }));
      assert.deepEqual(messages(events), ['abcdefghij']);
    }
  });
  it('a client masks every frame it sends with a fresh key; a server masks none', () => {
    const c = run('client', []);
    for (let i = 0; i < 4; i++) c.peer.proto.send('same text', false);
    c.peer.proto.ping('p');
    const frames = decodeFrames(Buffer.concat(c.peer.out.take()));
    assert.ok(frames.every((f) => f.masked));
    assert.deepEqual(
      frames.slice(0, 4).map((f) => new TextDecoder().decode(f.payload)),
      ['same text', 'same text', 'same text', 'same text'],
    );
    const raw = Buffer.concat(
      (() => {
        const c2 = run('client', []);
        for (let i = 0; i < 4; i++) c2.peer.proto.send('same text', false);
        return c2.peer.out.take();
      })(),
    );
    const keys = new Set<string>();
    for (let i = 0; i < 4; i++) keys.add(raw.subarray(i * 15 + 2, i * 15 + 6).toString('hex'));
    assert.equal(keys.size, 4, 'four different masking keys');
    const s = run('server', []);
    s.peer.proto.send('x', false);
    assert.ok(decodeFrames(Buffer.concat(s.peer.out.take())).every((f) => !f.masked));
  });
});

describe('RFC 6455 5.4 fragmentation', () => {
  it('joins a text message sent in three frames', () => {
    const wire = cat(
      clientFrame(Opcode.TEXT, 'Hel', { fin: false }),
      clientFrame(Opcode.CONTINUATION, 'lo, ', { fin: false }),
      clientFrame(Opcode.CONTINUATION, 'world'),
    );
    assert.deepEqual(messages(feedBoth('server', wire).events), ['Hello, world']);
  });
  it('delivers control frames that arrive between fragments, and answers the ping', () => {
    const wire = cat(
      clientFrame(Opcode.BINARY, Uint8Array.of(1, 2), { fin: false }),
      clientFrame(Opcode.PING, 'are you there'),
      clientFrame(Opcode.CONTINUATION, Uint8Array.of(3), { fin: false }),
      clientFrame(Opcode.PONG, 'unsolicited'),
      clientFrame(Opcode.CONTINUATION, Uint8Array.of(4)),
    );
    const { events, written } = feedBoth('server', wire);
    assert.deepEqual(
      events.map((e) => e.type),
      ['ping', 'pong', 'message'],
    );
    assert.deepEqual(messages(events), ['01020304']);
    assert.equal(written.length, 1);
    assert.equal(written[0]!.opcode, Opcode.PONG);
    assert.equal(new TextDecoder().decode(written[0]!.payload), 'are you there');
  });
  it('accepts empty fragments, also an empty first and last one', () => {
    const wire = cat(
      clientFrame(Opcode.TEXT, '', { fin: false }),
      clientFrame(Opcode.CONTINUATION, 'a', { fin: false }),
      clientFrame(Opcode.CONTINUATION, '', { fin: false }),
      clientFrame(Opcode.CONTINUATION, ''),
    );
    assert.deepEqual(messages(feedBoth('server', wire).events), ['a']);
  });
  it('fails a continuation frame with no message to continue with 1002', () => {
    mustFail('server', clientFrame(Opcode.CONTINUATION, 'x'), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a new text frame inside a fragmented message with 1002', () => {
    mustFail('server', cat(clientFrame(Opcode.TEXT, 'a', { fin: false }), clientFrame(Opcode.TEXT, 'b')), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a new binary frame inside a fragmented message with 1002', () => {
    mustFail('client', cat(serverFrame(Opcode.BINARY, 'a', { fin: false }), serverFrame(Opcode.BINARY, 'b')), 1002, ErrorCode.WS_INVALID_FRAME);
  });
  it('fails a message split into more than maxFragments frames with 1009', () => {
    const wire = cat(
      clientFrame(Opcode.BINARY, 'a', { fin: false }),
      clientFrame(Opcode.CONTINUATION, 'b', { fin: false }),
      clientFrame(Opcode.CONTINUATION, 'c'),
    );
    mustFail('server', wire, 1009, ErrorCode.WS_MESSAGE_TOO_LARGE, { limits: { maxFragments: 2 } });
    assert.deepEqual(messages(run('server', [wire], { limits: { maxFragments: 3 } }).events), ['616263']);
  });
  it('accepts a message of exactly maxMessageSize bytes, whole or in fragments, and fails one byte more with 1009', () => {
    const limits = { maxMessageSize: 150 };
    const whole = run('server', [clientFrame(Opcode.BINARY, new Uint8Array(150))], { limits }).events;
    assert.deepEqual(whole.map((e) => [e.type, e.type === 'message' ? e.data.length : undefined]), [['message', 150]]);
    const parts = cat(clientFrame(Opcode.BINARY, new Uint8Array(100), { fin: false }), clientFrame(Opcode.CONTINUATION, new Uint8Array(50)));
    assert.deepEqual(run('server', [parts], { limits }).events.map((e) => [e.type, e.type === 'message' ? e.data.length : undefined]), [['message', 150]]);
    mustFail('server', clientFrame(Opcode.BINARY, new Uint8Array(151)), 1009, ErrorCode.WS_MESSAGE_TOO_LARGE, { limits });
  });
  it('fails fragments adding up to more than maxMessageSize with 1009, at the header of the fragment that overflows', () => {
    const wire = cat(
      clientFrame(Opcode.BINARY, new Uint8Array(60), { fin: false }),
      clientFrame(Opcode.CONTINUATION, new Uint8Array(60), { fin: false }),
      clientFrame(Opcode.CONTINUATION, '', { announce: 60 }).subarray(0, 6), // header only
    );
    mustFail('server', wire, 1009, ErrorCode.WS_MESSAGE_TOO_LARGE, { limits: { maxMessageSize: 150 } });
  });
});

describe('RFC 6455 5.5 control frames', () => {
  for (const [name, op] of [['ping', Opcode.PING], ['pong', Opcode.PONG], ['close', Opcode.CLOSE]] as const) {
    it(`fails a ${name} frame with a 126-byte payload with 1002`, () => {
      mustFail('server', clientFrame(op, new Uint8Array(126)), 1002, ErrorCode.WS_INVALID_FRAME);
    });
    it(`fails a fragmented ${name} frame (FIN clear) with 1002`, () => {
      mustFail('server', clientFrame(op, '', { fin: false }), 1002, ErrorCode.WS_INVALID_FRAME);
    });
  }
  it('5.5.2: answers a 125-byte ping with a pong carrying identical data', () => {
    const data = Uint8Array.from({ length: 125 }, (_, i) => 255 - i);
    const { events, written } = feedBoth('client', serverFrame(Opcode.PING, data));
    assert.deepEqual(summary(events), [{ type: 'ping', data: Buffer.from(data).toString('hex') }]);
    assert.equal(written.length, 1);
    assert.equal(written[0]!.opcode, Opcode.PONG);
    assert.ok(written[0]!.masked);
    assert.deepEqual(written[0]!.payload, data);
  });
  it('5.5.3: an unsolicited pong is an event and needs no answer', () => {
    const { events, written } = feedBoth('server', clientFrame(Opcode.PONG, 'beat'));
    assert.deepEqual(summary(events), [{ type: 'pong', data: Buffer.from('beat').toString('hex') }]);
    assert.equal(written.length, 0);
  });
});

describe('RFC 6455 5.5.1 close', () => {
  it('echoes the status code of a close frame and reports it', () => {
    const { events, written } = feedBoth('server', clientFrame(Opcode.CLOSE, closeBody(1001, 'bye')));
    assert.deepEqual(summary(events), [{ type: 'close', code: 1001, reason: 'bye', initiatedByPeer: true }]);
    assert.equal(written.length, 1);
    assert.equal(closeCodeOf(written[0]!), 1001);
  });
  it('answers an empty close frame with an empty one and reports 1005', () => {
    const { events, written } = feedBoth('client', serverFrame(Opcode.CLOSE));
    assert.deepEqual(summary(events), [{ type: 'close', code: 1005, reason: '', initiatedByPeer: true }]);
    assert.equal(written[0]!.payload.length, 0);
  });
  it('fails a close frame with a 1-byte payload with 1002', () => {
    mustFail('server', clientFrame(Opcode.CLOSE, Uint8Array.of(0x03)), 1002, ErrorCode.WS_INVALID_CLOSE);
  });
  it('fails a close reason that is not UTF-8 with 1007', () => {
    mustFail('server', clientFrame(Opcode.CLOSE, closeBody(1000, Uint8Array.of(0xce, 0xba, 0xe1, 0xbd))), 1007, ErrorCode.WS_INVALID_UTF8);
  });
  it('ignores everything after a close frame', () => {
    const wire = cat(clientFrame(Opcode.CLOSE, closeBody(1000)), clientFrame(Opcode.TEXT, 'late'), clientFrame(Opcode.PING), Uint8Array.of(0xff));
    const { events, written } = feedBoth('server', wire);
    assert.deepEqual(events.map((e) => e.type), ['close']);
    assert.equal(written.length, 1);
  });
});

describe('RFC 6455 5.6 data frames and 8.1 UTF-8', () => {
  const badText: Array<[string, number[]]> = [
    ['a lone continuation byte', [0x80]],
    ['an overlong 2-byte form (C0 80)', [0xc0, 0x80]],
    ['an overlong 3-byte form (E0 80 80)', [0xe0, 0x80, 0x80]],
    ['an overlong 4-byte form (F0 80 80 80)', [0xf0, 0x80, 0x80, 0x80]],
    ['a surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['a byte F5', [0xf5, 0x80, 0x80, 0x80]],
    ['a byte FF', [0xff]],
    ['a sequence cut at the end of the message', [0x41, 0xe2, 0x82]],
  ];
  for (const [name, b] of badText) {
    it(`fails a text message with ${name} with 1007`, () => {
      mustFail('server', clientFrame(Opcode.TEXT, Uint8Array.from(b)), 1007, ErrorCode.WS_INVALID_UTF8);
    });
  }
  it('fails on the first invalid fragment, before the message ends', () => {
    // Only the first fragment is fed: the error must already be there.
    mustFail('server', clientFrame(Opcode.TEXT, Uint8Array.of(0x61, 0xff), { fin: false }), 1007, ErrorCode.WS_INVALID_UTF8);
  });
  it('fails a fragmented text message whose last fragment leaves a sequence open with 1007', () => {
    const wire = cat(clientFrame(Opcode.TEXT, Uint8Array.of(0xf0, 0x9f), { fin: false }), clientFrame(Opcode.CONTINUATION, Uint8Array.of(0x98)));
    mustFail('server', wire, 1007, ErrorCode.WS_INVALID_UTF8);
  });
  it('accepts a character split across fragments at every byte', () => {
    const s = utf8('a€𝄞b');
    for (let i = 0; i <= s.length; i++) {
      for (let j = i; j <= s.length; j++) {
        const wire = cat(
          clientFrame(Opcode.TEXT, s.subarray(0, i), { fin: false }),
          clientFrame(Opcode.CONTINUATION, s.subarray(i, j), { fin: false }),
          clientFrame(Opcode.CONTINUATION, s.subarray(j)),
        );
        const { events } = run('server', [wire]);
        assert.deepEqual(messages(events), ['a€𝄞b'], `cut at ${i},${j}`);
      }
    }
  });
  it('does not check binary messages for UTF-8', () => {
    assert.deepEqual(messages(feedBoth('server', clientFrame(Opcode.BINARY, Uint8Array.of(0xff, 0xc0))).events), ['ffc0']);
  });

  // Autobahn 6.4.3 / 6.4.4: invalid UTF-8 in the middle of one frame, the rest of it still to come.
  for (const role of ['server', 'client'] as const) {
    const frameOf = role === 'server' ? clientFrame : serverFrame;
    for (const [name, opcode, head] of [
      ['a text frame', Opcode.TEXT, new Uint8Array(0)],
      ['a continuation frame', Opcode.CONTINUATION, frameOf(Opcode.TEXT, 'ok ', { fin: false })],
    ] as const) {
      it(`${role}: fails ${name} with 1007 as soon as invalid UTF-8 arrives, before the rest of the frame`, () => {
        // The frame announces 1000 bytes; only its first 12 arrive, the 8th of them invalid.
        const payload = cat(utf8('κόσμε'), Uint8Array.of(0xf4, 0x90), utf8('x'.repeat(991)));
        const full = frameOf(opcode, payload, { fin: true });
        const headerLength = full.length - payload.length;
        const prefix = cat(head, full.subarray(0, headerLength + 12));
        for (const chunks of [[prefix], bytewise(prefix)]) {
          const { events, written } = run(role, chunks);
          assert.deepEqual(summary(events), [{ type: 'error', code: ErrorCode.WS_INVALID_UTF8, closeCode: 1007 }]);
          const close = decodeFrames(written).at(-1)!;
          assert.equal(close.opcode, Opcode.CLOSE);
          assert.equal(closeCodeOf(close), 1007);
        }
        // The rest of the frame is dropped; the peer's close frame after it is still read.
        const peerClose = frameOf(Opcode.CLOSE, closeBody(1007));
        const rest = cat(full.subarray(headerLength + 12), peerClose);
        const { events } = run(role, [prefix, rest]);
        assert.deepEqual(summary(events), [
          { type: 'error', code: ErrorCode.WS_INVALID_UTF8, closeCode: 1007 },
          { type: 'close', code: 1007, reason: '', initiatedByPeer: false },
        ]);
      });
    }
  }

  it('waits for the rest of a frame whose partial payload ends inside a valid UTF-8 sequence', () => {
    const payload = utf8('a€𝄞b'.repeat(20));
    const wire = clientFrame(Opcode.TEXT, payload);
    for (let cut = 1; cut < wire.length; cut++) {
      const first = run('server', [wire.subarray(0, cut)]);
      assert.deepEqual(summary(first.events), [], `nothing yet at ${cut}`);
      // A second and third read: the key rotates with the offset of each piece.
      const mid = Math.min(wire.length - 1, cut + 7);
      const { events } = run('server', [wire.subarray(0, cut), wire.subarray(cut, mid), wire.subarray(mid)]);
      assert.deepEqual(messages(events), ['a€𝄞b'.repeat(20)], `cut at ${cut},${mid}`);
    }
  });

  it('checks a compressed text frame after inflating it: an incomplete one is not judged yet', () => {
    // Compressed bytes are not UTF-8 (RFC 7692): only the inflated message is checked, when whole.
    const deflated = zlib.deflateRawSync(Uint8Array.of(0x61, 0xff, 0x62), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const full = clientFrame(Opcode.TEXT, deflated.subarray(0, deflated.length - 4), { rsv1: true });
    assert.deepEqual(summary(run('server', [full.subarray(0, full.length - 1)], { compressor: nodeDeflate(deflateParams, 'server') }).events), []);
    mustFail('server', full, 1007, ErrorCode.WS_INVALID_UTF8, { compress: true });
  });
});

describe('RFC 6455 7.1 closing the connection', () => {
  it('7.1.1: the server closes TCP first once close frames are exchanged; the client waits', () => {
    const s = run('server', [clientFrame(Opcode.CLOSE, closeBody(1000))]);
    assert.equal(s.peer.proto.state, 'CLOSING');
    assert.equal(s.peer.proto.shouldCloseTransport(), true);
    const c = run('client', [serverFrame(Opcode.CLOSE, closeBody(1000))]);
    assert.equal(c.peer.proto.shouldCloseTransport(), false);
    assert.equal(c.peer.proto.closeExpected(), true);
    c.peer.proto.receiveEof();
    assert.deepEqual(c.peer.proto.nextEvent(), undefined, 'the close event was already delivered');
    assert.equal(c.peer.proto.state, 'CLOSED');
    assert.equal(c.peer.proto.shouldCloseTransport(), true);
  });
  it('7.1.2: a close we start goes to CLOSING and still delivers messages until the reply', () => {
    const c = run('client', []);
    assert.equal(c.peer.proto.close(4000, 'done'), true);
    assert.equal(c.peer.proto.state, 'CLOSING');
    assert.equal(c.peer.proto.closeExpected(), true);
    assert.equal(c.peer.proto.send('too late', false), false);
    assert.equal(c.peer.proto.close(), false);
    const sent = decodeFrames(Buffer.concat(c.peer.out.take()));
    assert.equal(closeCodeOf(sent[0]!), 4000);
    c.peer.proto.receive(cat(serverFrame(Opcode.TEXT, 'in flight'), serverFrame(Opcode.PING), serverFrame(Opcode.CLOSE, closeBody(4000))));
    const events = summary(
      (() => {
        const out: Ev[] = [];
        for (let e; (e = c.peer.proto.nextEvent()); ) out.push(e);
        return out;
      })(),
    );
    assert.deepEqual(events, [
      { type: 'message', binary: false, data: 'in flight' },
      { type: 'ping', data: '' },
      { type: 'close', code: 4000, reason: '', initiatedByPeer: false },
    ]);
    assert.equal(c.peer.out.length, 0, 'no pong and no second close frame once closing');
  });
  it('7.1.5: the transport ending without a close frame is close code 1006', () => {
    const { events } = feedBoth('server', clientFrame(Opcode.TEXT, 'last words', { fin: false }), { eof: true });
    assert.deepEqual(summary(events), [{ type: 'close', code: 1006, reason: '', initiatedByPeer: true }]);
  });
  it('7.1.7: after failing, data frames are ignored and the peer\'s close reply is still read', () => {
    const wire = cat(
      clientFrame(Opcode.TEXT, Uint8Array.of(0xff)),
      clientFrame(Opcode.TEXT, 'ignored'),
      clientFrame(Opcode.PING, 'no pong'),
      clientFrame(Opcode.CLOSE, closeBody(1007)),
    );
    const { events, written } = feedBoth('server', wire);
    assert.deepEqual(summary(events), [
      { type: 'error', code: ErrorCode.WS_INVALID_UTF8, closeCode: 1007 },
      { type: 'close', code: 1007, reason: '', initiatedByPeer: false },
    ]);
    assert.equal(written.length, 1, 'only our close frame');
  });
});

describe('RFC 6455 7.4 status codes', () => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
    it(`accepts and echoes close code ${code}`, () => {
      const { events, written } = feedBoth('server', clientFrame(Opcode.CLOSE, closeBody(code)));
      assert.deepEqual(summary(events), [{ type: 'close', code, reason: '', initiatedByPeer: true }]);
      assert.equal(closeCodeOf(written[0]!), code);
    });
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`fails a received close code ${code} with 1002`, () => {
      mustFail('server', clientFrame(Opcode.CLOSE, closeBody(code)), 1002, ErrorCode.WS_INVALID_CLOSE);
    });
  }
  it('sends a close frame without a status code for close(1005), which means "no status"', () => {
    const p = run('server', []).peer;
    assert.equal(p.proto.close(1005), true);
    assert.deepEqual(decodeFrames(Buffer.concat(p.out.take())).map((f) => f.payload.length), [0]);
  });
  for (const code of [999, 1004, 1006, 1015, 1016, 2999, 5000]) {
    it(`refuses to send close code ${code}`, () => {
      const p = run('server', []).peer;
      assert.throws(() => p.proto.close(code), { code: ErrorCode.WS_INVALID_ARGUMENT });
      assert.equal(p.proto.state, 'OPEN');
      assert.equal(p.out.length, 0);
    });
  }
  it('cuts a long close reason to 123 bytes at a UTF-8 boundary', () => {
    const p = run('server', []).peer;
    p.proto.close(1000, '€'.repeat(60)); // 180 bytes
    const f = decodeFrames(Buffer.concat(p.out.take()))[0]!;
    assert.equal(f.payload.length, 2 + 123);
    assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(f.payload.subarray(2)), '€'.repeat(41));
  });
});

describe('RFC 7692 6 permessage-deflate framing', () => {
  const deflate = (s: string | Uint8Array): Uint8Array => {
    const out = zlib.deflateRawSync(typeof s === 'string' ? utf8(s) : s, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return out.subarray(0, out.length - 4);
  };
  it('6.2: inflates a compressed message (RSV1 on the first frame)', () => {
    const { events } = feedBoth('server', clientFrame(Opcode.TEXT, deflate('Hello'.repeat(20)), { rsv1: true }), { compress: true });
    assert.deepEqual(messages(events), ['Hello'.repeat(20)]);
  });
  it('7.2.3.1: inflates the RFC example "Hello" (f2 48 cd c9 c9 07 00)', () => {
    const { events } = feedBoth('client', serverFrame(Opcode.TEXT, Uint8Array.of(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), { rsv1: true }), { compress: true });
    assert.deepEqual(messages(events), ['Hello']);
  });
  it('7.2.3.1: inflates the RFC example split into two fragments', () => {
    const wire = cat(
      serverFrame(Opcode.TEXT, Uint8Array.of(0xf2, 0x48, 0xcd), { rsv1: true, fin: false }),
      serverFrame(Opcode.CONTINUATION, Uint8Array.of(0xc9, 0xc9, 0x07, 0x00)),
    );
    assert.deepEqual(messages(feedBoth('client', wire, { compress: true }).events), ['Hello']);
  });
  it('accepts an uncompressed message (RSV1 clear) with permessage-deflate on', () => {
    assert.deepEqual(messages(feedBoth('server', clientFrame(Opcode.TEXT, 'plain'), { compress: true }).events), ['plain']);
  });
  it('6.1: fails RSV1 on a continuation frame with 1002', () => {
    const wire = cat(clientFrame(Opcode.TEXT, deflate('ab'), { rsv1: true, fin: false }), clientFrame(Opcode.CONTINUATION, '', { rsv1: true }));
    mustFail('server', wire, 1002, ErrorCode.WS_INVALID_FRAME, { compress: true });
  });
  it('6.1: fails RSV1 on a control frame with 1002', () => {
    mustFail('server', clientFrame(Opcode.PING, '', { rsv1: true }), 1002, ErrorCode.WS_INVALID_FRAME, { compress: true });
  });
  it('fails data that is not DEFLATE with 1007', () => {
    mustFail('server', clientFrame(Opcode.BINARY, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3), { rsv1: true }), 1007, ErrorCode.WS_INFLATE_FAILED, {
      compress: true,
    });
  });
  it('fails a zip bomb with 1009 without inflating it', () => {
    const bomb = deflate(new Uint8Array(50 * 1024 * 1024)); // ~50 KiB on the wire
    const before = process.memoryUsage().rss;
    const { events } = run('server', [clientFrame(Opcode.BINARY, bomb, { rsv1: true })], {
      compressor: nodeDeflate(deflateParams, 'server'),
      limits: { maxMessageSize: 1024 * 1024 },
    });
    assert.deepEqual(summary(events), [{ type: 'error', code: ErrorCode.WS_MESSAGE_TOO_LARGE, closeCode: 1009 }]);
    assert.ok(process.memoryUsage().rss - before < 40 * 1024 * 1024, 'did not inflate the 50 MiB');
  });
  it('accepts a compressed message that inflates to exactly maxMessageSize bytes, and fails one byte more with 1009', () => {
    for (const [size, ok] of [[1000, true], [1001, false]] as const) {
      const { events } = run('server', [clientFrame(Opcode.BINARY, deflate(new Uint8Array(size)), { rsv1: true })], {
        compressor: nodeDeflate(deflateParams, 'server'),
        limits: { maxMessageSize: 1000 },
      });
      if (ok) assert.deepEqual(events.map((e) => [e.type, e.type === 'message' ? e.data.length : undefined]), [['message', 1000]]);
      else assert.deepEqual(summary(events), [{ type: 'error', code: ErrorCode.WS_MESSAGE_TOO_LARGE, closeCode: 1009 }]);
    }
  });
  it('fails a compressed message whose fragments inflate past maxMessageSize with 1009', () => {
    const body = deflate(new Uint8Array(3000));
    const half = body.length >> 1;
    const wire = cat(clientFrame(Opcode.BINARY, body.subarray(0, half), { rsv1: true, fin: false }), clientFrame(Opcode.CONTINUATION, body.subarray(half)));
    mustFail('server', wire, 1009, ErrorCode.WS_MESSAGE_TOO_LARGE, { compress: true, limits: { maxMessageSize: 2000 } });
  });
  it('fails compressed text that inflates to invalid UTF-8 with 1007', () => {
    mustFail('server', clientFrame(Opcode.TEXT, deflate(Uint8Array.of(0x61, 0xc0, 0xaf)), { rsv1: true }), 1007, ErrorCode.WS_INVALID_UTF8, { compress: true });
  });
  it('7.2.3.2: keeps the LZ77 window across messages (the second "Hello" refers into the first)', () => {
    const wire = cat(
      serverFrame(Opcode.TEXT, Uint8Array.of(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), { rsv1: true }),
      serverFrame(Opcode.TEXT, Uint8Array.of(0xf2, 0x00, 0x11, 0x00, 0x00), { rsv1: true }),
    );
    assert.deepEqual(messages(feedBoth('client', wire, { compress: true }).events), ['Hello', 'Hello']);
  });
  it('7.2.3.3: inflates a DEFLATE block with no compression', () => {
    const body = Uint8Array.of(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00);
    assert.deepEqual(messages(feedBoth('client', serverFrame(Opcode.TEXT, body, { rsv1: true }), { compress: true }).events), ['Hello']);
  });
  it('7.2.3.4: inflates a DEFLATE block with BFINAL set, and the next message after it', () => {
    const wire = cat(
      serverFrame(Opcode.TEXT, Uint8Array.of(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00), { rsv1: true }),
      serverFrame(Opcode.TEXT, Uint8Array.of(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), { rsv1: true }),
    );
    assert.deepEqual(messages(feedBoth('client', wire, { compress: true }).events), ['Hello', 'Hello']);
  });
});

describe('RFC 6455 9.1 Sec-WebSocket-Extensions syntax', () => {
  it('parses extensions, parameters with and without values, and quoted values', () => {
    assert.deepEqual(parseExtensions('permessage-deflate; client_max_window_bits, permessage-deflate ;server_max_window_bits="10" , foo'), [
      { name: 'permessage-deflate', params: [['client_max_window_bits', null]] },
      { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
      { name: 'foo', params: [] },
    ]);
    assert.deepEqual(parseExtensions(''), []);
    assert.deepEqual(parseExtensions(' , ,'), []);
  });
  for (const bad of ['permessage-deflate;', 'a b', 'a; =1', 'a; b=', 'a; b="1 2"', 'a; b="unterminated', 'a; b=1 2', '"a"', 'a;; b']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseExtensions(bad), undefined));
  }
  it('formats what it parses', () => {
    const list = parseExtensions('permessage-deflate; server_no_context_takeover; client_max_window_bits=9')!;
    assert.equal(formatExtensions(list), 'permessage-deflate; server_no_context_takeover; client_max_window_bits=9');
  });
});

describe('RFC 7692 5 and 7.1 permessage-deflate negotiation', () => {
  const offers = (s: string) => parseExtensions(s)!;
  const negotiated = (offer: string, options: DeflateOptions = {}) => negotiateDeflate(offers(offer), options);
  it('accepts the browser offer and answers with plain permessage-deflate', () => {
    const r = negotiated('permessage-deflate; client_max_window_bits');
    assert.deepEqual(r?.params, deflateParams);
    assert.equal(formatExtensions([r!.response]), 'permessage-deflate');
  });
  it('7.1.1.1: echoes server_no_context_takeover', () => {
    const r = negotiated('permessage-deflate; server_no_context_takeover');
    assert.equal(r?.params.serverNoContextTakeover, true);
    assert.equal(formatExtensions([r!.response]), 'permessage-deflate; server_no_context_takeover');
  });
  it('7.1.1.2: may ask the client for client_no_context_takeover', () => {
    const r = negotiated('permessage-deflate', { clientNoContextTakeover: true });
    assert.equal(formatExtensions([r!.response]), 'permessage-deflate; client_no_context_takeover');
    assert.equal(r?.params.clientNoContextTakeover, true);
  });
  it('7.1.2.1: answers server_max_window_bits with the same or a smaller value', () => {
    assert.equal(formatExtensions([negotiated('permessage-deflate; server_max_window_bits=10')!.response]), 'permessage-deflate; server_max_window_bits=10');
    const r = negotiated('permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 9 });
    assert.equal(r?.params.serverMaxWindowBits, 9);
    assert.equal(negotiated('permessage-deflate; server_max_window_bits=8')?.params.serverMaxWindowBits, 8);
  });
  it('7.1.2.2: limits the client window only when the offer has client_max_window_bits', () => {
    assert.equal(negotiated('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })?.params.clientMaxWindowBits, 10);
    assert.equal(formatExtensions([negotiated('permessage-deflate; client_max_window_bits=11', { clientMaxWindowBits: 13 })!.response]), 'permessage-deflate; client_max_window_bits=11');
    const r = negotiated('permessage-deflate', { clientMaxWindowBits: 10 });
    assert.equal(r?.params.clientMaxWindowBits, 15);
    assert.equal(formatExtensions([r!.response]), 'permessage-deflate');
  });
  for (const [why, offer] of [
    ['an unknown parameter', 'permessage-deflate; foo'],
    ['a repeated parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['a value on server_no_context_takeover', 'permessage-deflate; server_no_context_takeover=1'],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16'],
    ['server_max_window_bits=7', 'permessage-deflate; server_max_window_bits=7'],
    ['a leading zero (09)', 'permessage-deflate; client_max_window_bits=09'],
  ] as const) {
    it(`5.1: declines an offer with ${why}, and takes the next offer`, () => {
      assert.equal(negotiated(offer), undefined);
      assert.deepEqual(negotiated(`${offer}, permessage-deflate`)?.params, deflateParams);
    });
  }
  it('ignores other extensions', () => {
    assert.equal(negotiated('x-webkit-deflate-frame'), undefined);
  });

  const accept = (response: string, options: DeflateOptions = {}) => acceptDeflateResponse(offers(response)[0]!, options);
  it('client: takes the agreed parameters from a valid response', () => {
    assert.deepEqual(accept('permessage-deflate; server_no_context_takeover; client_max_window_bits=9'), {
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 9,
    });
    assert.equal(accept('permessage-deflate', { clientNoContextTakeover: true }).clientNoContextTakeover, true);
    assert.equal(accept('permessage-deflate', { clientMaxWindowBits: 11 }).clientMaxWindowBits, 11);
  });
  for (const [why, response, options] of [
    ['an unknown parameter', 'permessage-deflate; foo', {}],
    ['a repeated parameter', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover', {}],
    ['client_max_window_bits without a value', 'permessage-deflate; client_max_window_bits', {}],
    ['client_max_window_bits that was not offered (7.1.2.2)', 'permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: false }],
    ['client_max_window_bits above the offered one', 'permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }],
    ['server_max_window_bits above the offered one (7.1.2.1)', 'permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 10 }],
    ['no server_max_window_bits although it was offered', 'permessage-deflate', { serverMaxWindowBits: 10 }],
    ['no server_no_context_takeover although it was offered (7.1.1.1)', 'permessage-deflate', { serverNoContextTakeover: true }],
  ] as const) {
    it(`5.2: client fails a response with ${why}`, () => {
      assert.throws(() => accept(response, options as DeflateOptions), { code: ErrorCode.WS_HANDSHAKE_FAILED });
    });
  }
  it('offers what the options say', () => {
    assert.equal(formatExtensions([deflateOffer()]), 'permessage-deflate; client_max_window_bits');
    assert.equal(
      formatExtensions([deflateOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 })]),
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9',
    );
    assert.equal(formatExtensions([deflateOffer({ clientMaxWindowBits: false })]), 'permessage-deflate');
    assert.throws(() => deflateOffer({ serverMaxWindowBits: 16 }), { code: ErrorCode.WS_INVALID_ARGUMENT });
    assert.throws(() => deflateOffer({ serverMaxWindowBits: 7 }), { code: ErrorCode.WS_INVALID_ARGUMENT });
    // The bounds themselves are allowed (RFC 7692 7.1.2.1: 8 to 15).
    assert.equal(formatExtensions([deflateOffer({ serverMaxWindowBits: 15, clientMaxWindowBits: 8 })]), 'permessage-deflate; server_max_window_bits=15; client_max_window_bits=8');
  });
});

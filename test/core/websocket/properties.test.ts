/**
 * Property tests (fast-check) for the WebSocket protocol:
 *
 * 1. Round trip: any messages sent by one end (text or binary, any fragment size, pings in
 *    between) arrive unchanged and in order at the other end, however the bytes are cut into
 *    reads, client -> server and server -> client, with and without permessage-deflate (the
 *    node:zlib compressor, random negotiated parameters).
 * 2. Random bytes only ever produce events or a documented error (an error event whose code is
 *    in ErrorCode and whose close code is 1002, 1007 or 1009), never an exception, and the
 *    outcome does not depend on how the bytes were cut.
 * 3. Echo: every message the WebSocket framer delivers from random frames can be sent back
 *    through the same framing (binary as binary, text as the same string) and the peer
 *    receives the same bytes of the same kind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorCode, WriteBuffer, concatBytes, type Framer } from '../../../src/core/index.js';
import { webSocketFraming, type DeflateParams, type Role } from '../../../src/core/websocket/index.js';
import { nodeDeflate } from '../../../src/transport/deflate.js';
import { drainEvents, frame, makePeer, random, summary, utf8 } from './ws-helpers.js';

const errorCodes = new Set<string>(Object.values(ErrorCode));

type Msg = { text: string; fragmentSize: number | undefined } | { bytes: Uint8Array; fragmentSize: number | undefined } | { ping: Uint8Array };

const fragmentSize = fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined });
const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  fc.record({ text: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '€', '𝄞'), maxLength: 300 })), fragmentSize }),
  fc.record({ bytes: fc.uint8Array({ maxLength: 300 }), fragmentSize }),
  fc.record({ bytes: fc.constantFrom(new Uint8Array(2000), Uint8Array.from({ length: 3000 }, (_, i) => i % 7)), fragmentSize }),
  fc.record({ ping: fc.uint8Array({ maxLength: 125 }) }),
);

const paramsArb: fc.Arbitrary<DeflateParams> = fc.record({
  serverNoContextTakeover: fc.boolean(),
  clientNoContextTakeover: fc.boolean(),
  serverMaxWindowBits: fc.integer({ min: 8, max: 15 }),
  clientMaxWindowBits: fc.integer({ min: 8, max: 15 }),
});

/** Cuts `wire` into reads whose sizes cycle through `sizes`. */
function cut(wire: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  if (sizes.length === 0) return [wire];
  const out: Uint8Array[] = [];
  for (let at = 0, k = 0; at < wire.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(wire.subarray(at, at + n));
    at += n;
  }
  return out;
}

const expected = (msgs: readonly Msg[]): unknown[] =>
  msgs.map((m) =>
    'ping' in m
      ? { type: 'ping', data: Buffer.from(m.ping).toString('hex') }
      : 'text' in m
        ? { type: 'message', binary: false, data: m.text }
        : { type: 'message', binary: true, data: Buffer.from(m.bytes).toString('hex') },
  );

function roundTrip(from: Role, msgs: readonly Msg[], sizes: readonly number[], params: DeflateParams | undefined, threshold: number): void {
  const to: Role = from === 'client' ? 'server' : 'client';
  const a = makePeer(from, params ? { compressor: nodeDeflate(params, from), limits: { compressionThreshold: threshold } } : {});
  const b = makePeer(to, params ? { compressor: nodeDeflate(params, to) } : {});
  for (const m of msgs) {
    if ('ping' in m) assert.equal(a.proto.ping(m.ping), true);
    else if ('text' in m) assert.equal(a.proto.send(m.text, false, { fragmentSize: m.fragmentSize }), true);
    else assert.equal(a.proto.send(m.bytes, true, { fragmentSize: m.fragmentSize }), true);
  }
  a.proto.close(1000, 'done');
  const wire = concatBytes(a.out.take()).slice();
  const events = [];
  for (const chunk of cut(wire, sizes)) {
    b.proto.receive(chunk.slice());
    events.push(...drainEvents(b.proto));
  }
  assert.deepEqual(summary(events), [...expected(msgs), { type: 'close', code: 1000, reason: 'done', initiatedByPeer: true }]);
  // Every ping was answered, then the close was echoed.
  const pings = msgs.filter((m) => 'ping' in m).length;
  const back = makePeer(from, params ? { compressor: nodeDeflate(params, from) } : {});
  for (const p of b.out.take()) back.proto.receive(p.slice());
  const replies = drainEvents(back.proto);
  // RFC 6455 5.5.3: pings read together get one pong, for the latest; the last ping is answered.
  const pongs = replies.filter((e) => e.type === 'pong');
  assert.ok(pings === 0 ? pongs.length === 0 : pongs.length >= 1 && pongs.length <= pings);
  const lastPing = msgs.filter((m) => 'ping' in m).at(-1);
  const lastPong = pongs.at(-1);
  if (lastPing !== undefined && 'ping' in lastPing && lastPong?.type === 'pong') {
    assert.deepEqual(Buffer.from(lastPong.data), Buffer.from(lastPing.ping));
  }
  // (a fresh peer reads them, so that close looks peer-initiated to it)
  assert.deepEqual(summary(replies.slice(-1)), [{ type: 'close', code: 1000, reason: '', initiatedByPeer: true }]);
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 5 });

describe('WebSocket properties', () => {
  for (const from of ['client', 'server'] as const) {
    it(`delivers ${from} -> ${from === 'client' ? 'server' : 'client'} messages unchanged under any fragmentation and chunking`, () => {
      fc.assert(
        fc.property(fc.array(msgArb, { maxLength: 8 }), sizesArb, (msgs, sizes) => roundTrip(from, msgs, sizes, undefined, 0)),
        { numRuns: 150 },
      );
    });
    it(`delivers ${from} -> ${from === 'client' ? 'server' : 'client'} messages unchanged with permessage-deflate`, () => {
      fc.assert(
        fc.property(fc.array(msgArb, { maxLength: 8 }), sizesArb, paramsArb, fc.constantFrom(0, 50, 1024), (msgs, sizes, params, threshold) =>
          roundTrip(from, msgs, sizes, params, threshold),
        ),
        { numRuns: 100 },
      );
    });
  }

  it('random bytes only produce events or documented errors, whatever the chunking', () => {
    // Bytes that are mostly frame-shaped: random headers and payloads, some garbage.
    const frameArb = fc
      .record({
        opcode: fc.constantFrom(0, 1, 2, 8, 9, 10, 3, 11),
        fin: fc.boolean(),
        rsv1: fc.boolean(),
        payload: fc.uint8Array({ maxLength: 140 }),
        masked: fc.boolean(),
      })
      .map((f) => frame({ opcode: f.opcode, fin: f.fin, rsv1: f.rsv1, payload: f.payload, mask: f.masked ? Uint8Array.of(1, 2, 3, 4) : false }));
    const wireArb = fc.array(fc.oneof({ arbitrary: frameArb, weight: 4 }, { arbitrary: fc.uint8Array({ maxLength: 20 }), weight: 1 }), { maxLength: 6 });
    fc.assert(
      fc.property(wireArb, sizesArb, fc.constantFrom<Role>('client', 'server'), fc.boolean(), (parts, sizes, role, compress) => {
        const wire = concatBytes(parts).slice();
        const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
        const outcome = (chunks: Uint8Array[]) => {
          const p = makePeer(role, { limits: { maxMessageSize: 1000, maxFrameSize: 500 }, ...(compress ? { compressor: nodeDeflate(params, role) } : {}) });
          const evs = [];
          for (const c of chunks) {
            p.proto.receive(c.slice());
            evs.push(...drainEvents(p.proto));
          }
          p.proto.receiveEof();
          evs.push(...drainEvents(p.proto));
          return evs;
        };
        const whole = outcome([wire]);
        for (const e of whole) {
          if (e.type !== 'error') continue;
          assert.ok(errorCodes.has(e.error.code), e.error.code);
          assert.ok([1002, 1007, 1009].includes(e.error.closeCode), String(e.error.closeCode));
        }
        assert.equal(whole.filter((e) => e.type === 'close').length, 1, 'exactly one close event');
        assert.deepEqual(summary(outcome(cut(wire, sizes))), summary(whole));
      }),
      { numRuns: 500 },
    );
  });

  it('sends text given as a string and as bytes identically', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), fc.constantFrom<Role>('client', 'server'), (s, role) => {
        const p = makePeer(role === 'client' ? 'server' : 'client');
        const a = makePeer(role);
        a.proto.send(s, false);
        a.proto.send(utf8(s), false);
        for (const c of a.out.take()) p.proto.receive(c.slice());
        const [x, y] = summary(drainEvents(p.proto));
        assert.deepEqual(x, y);
      }),
      { numRuns: 200 },
    );
  });

  it('sends back every message its framer delivered from random frames, and the peer reads the same', () => {
    // Mostly well-formed data frames from the right side (masked towards a server), some text
    // with invalid UTF-8, some fragmented, some control frames and some garbage.
    const frameArb = (towards: Role) =>
      fc
        .record({
          opcode: fc.constantFrom(1, 1, 2, 2, 0, 9, 10),
          fin: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
          payload: fc.oneof(fc.uint8Array({ maxLength: 140 }), fc.string({ unit: fc.constantFrom('a', '\r', '\n', 'é', '𝄞'), maxLength: 40 }).map(utf8)),
        })
        .map((f) => frame({ opcode: f.opcode, fin: f.fin, payload: f.opcode >= 8 ? f.payload.subarray(0, 125) : f.payload, mask: towards === 'server' ? Uint8Array.of(9, 8, 7, 6) : false }));
    const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const framerOf = (role: Role, compress: boolean, out: WriteBuffer): Framer =>
      webSocketFraming({ role, random, limits: { compressionThreshold: 0 }, ...(compress ? { compressor: () => nodeDeflate(params, role) } : {}) }).create(out);
    /** Every message `framer` delivers from `chunks`, as [binary, bytes], up to its first error. */
    const messages = (framer: Framer, chunks: Uint8Array[]): Array<[boolean, Uint8Array]> => {
      const got: Array<[boolean, Uint8Array]> = [];
      try {
        for (const c of chunks) {
          framer.push(c.slice());
          for (let k = 0; k < 10_000; k++) {
            const m = framer.next();
            if (m === undefined) break;
            got.push([framer.lastFrameBinary ?? true, m.slice()]);
          }
        }
      } catch (err) {
        assert.ok(err instanceof Error && 'code' in err && errorCodes.has(String(err.code)), String(err));
      }
      return got;
    };
    let withText = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<Role>('client', 'server').chain((role) => fc.tuple(fc.constant(role), fc.array(frameArb(role), { maxLength: 8 }))),
        fc.boolean(),
        sizesArb,
        sizesArb,
        ([role, frames], compress, sizes1, sizes2) => {
          const peerRole: Role = role === 'client' ? 'server' : 'client';
          // The peer's frames are uncompressed (rsv1 clear): a compressing side reads them too.
          const delivered = messages(framerOf(role, compress, new WriteBuffer()), cut(concatBytes(frames).slice(), sizes1));
          const echoOut = new WriteBuffer();
          const echo = framerOf(role, compress, echoOut);
          for (const [binary, data] of delivered) {
            if (binary) echo.encode(data, echoOut);
            else echo.encodeText(fatal.decode(data), echoOut);
          }
          const back = messages(framerOf(peerRole, compress, new WriteBuffer()), cut(concatBytes(echoOut.take()).slice(), sizes2));
          assert.deepEqual(back, delivered);
          if (delivered.some(([binary]) => !binary)) withText++;
        },
      ),
      { numRuns: 300 },
    );
    // The property is not vacuous: many runs delivered (and echoed) text messages.
    assert.ok(withText > 30, `only ${withText} runs delivered a text message`);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ErrorCode,
  SESSION_HEADER_MAX,
  SessionError,
  WriteBuffer,
  concatBytes,
  decodeEnvelope,
  emptyEnvelope,
  encodeEnvelope,
  joinEnvelope,
  lengthPrefix,
  lines,
  type Envelope,
  type EnvelopeFields,
} from '../../../src/core/index.js';

const NUM_RUNS = 300;
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (d: Uint8Array | string) => (typeof d === 'string' ? d : new TextDecoder().decode(d));
const SESSION_CODES = new Set<string>([ErrorCode.ENVELOPE_INVALID, ErrorCode.SESSION_VERSION_UNSUPPORTED]);

// ---------------------------------------------------------------------------------------------
// Arbitraries: every kind with every field in its valid range.

const num = (min: number) => fc.oneof(fc.integer({ min, max: 1000 }), fc.integer({ min, max: Number.MAX_SAFE_INTEGER }));
const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const code = fc.stringMatching(/^[A-Z0-9_]{1,64}$/);
const origin = fc.tuple(token, num(1)).map(([t, n]) => `${t}.${n}`);
const payload = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.uint8Array({ maxLength: 40 }));

const envelopeArb: fc.Arbitrary<EnvelopeFields> = fc.oneof(
  fc.record({ kind: fc.constant('M' as const), seq: num(1), ack: num(0), origin: fc.oneof(fc.constant(''), origin), payload }),
  fc.record({ kind: fc.constant('Q' as const), seq: num(1), ack: num(0), id: num(1), origin: fc.oneof(fc.constant(''), origin), payload }),
  fc.record({ kind: fc.constant('R' as const), seq: num(1), ack: num(0), id: num(1), payload }),
  fc.record({ kind: fc.constant('E' as const), seq: num(1), ack: num(0), id: num(1), code, payload: fc.string({ maxLength: 100 }) }),
  fc.record({ kind: fc.constant('C' as const), seq: num(1), ack: num(0), id: num(1) }),
  fc.record({ kind: fc.constant('A' as const), ack: num(1) }),
  fc.oneof(
    fc.record({ kind: fc.constant('H' as const), sessionId: fc.constant(''), secret: fc.constant(''), received: num(0), ack: num(0), maxRequests: num(0) }),
    fc.record({ kind: fc.constant('H' as const), sessionId: token, secret: token, received: num(0), ack: num(0), maxRequests: num(0) }),
  ),
  fc.record({
    kind: fc.constant('W' as const), sessionId: token, secret: fc.oneof(fc.constant(''), token), received: num(0), ack: num(0),
    resumed: fc.boolean(), retention: num(0), maxRequests: num(0),
  }),
  fc.record({ kind: fc.constant('N' as const), code, versions: fc.stringMatching(/^[0-9A-Za-z]{1,16}$/) }),
  fc.record({ kind: fc.constantFrom('P' as const, 'O' as const), token: fc.oneof(fc.constant(-1), num(0)) }),
  fc.record({ kind: fc.constant('X' as const), code: fc.oneof(fc.constant(''), code) }),
);

/** The fields `e` was encoded from, as decode fills them (neutral values for the rest). */
function expected(e: EnvelopeFields): Envelope {
  const out = emptyEnvelope();
  Object.assign(out, e);
  if (out.payload instanceof Uint8Array && out.kind !== 'E') out.payload = new Uint8Array(out.payload);
  return out;
}

function normalise(e: Envelope): Envelope {
  return { ...e, payload: e.payload instanceof Uint8Array ? new Uint8Array(e.payload) : e.payload };
}

describe('session envelope', () => {
  it('encodes the examples of docs/session-protocol.md byte for byte', () => {
    assert.equal(encodeEnvelope({ kind: 'M', seq: 42, ack: 17, payload: '{"hello":"world"}' }), '1M42,17;{"hello":"world"}');
    assert.equal(encodeEnvelope({ kind: 'M', seq: 43, payload: 'x' }), '1M43;x');
    assert.equal(encodeEnvelope({ kind: 'M', seq: 1, origin: 'QZaTWue_P57RXqvxCUzg1g.7', payload: 'x' }), '1M1,,QZaTWue_P57RXqvxCUzg1g.7;x');
    assert.equal(encodeEnvelope({ kind: 'A', ack: 43 }), '1A43;');
    assert.equal(encodeEnvelope({ kind: 'H', received: 0, ack: 0, maxRequests: 1024 }), '1H,,0,0,1024;');
    assert.equal(encodeEnvelope({ kind: 'Q', seq: 5, id: 3, payload: 'ping?' }), '1Q5,,3;ping?');
    assert.equal(encodeEnvelope({ kind: 'R', seq: 9, ack: 5, id: 3, payload: 'pong' }), '1R9,5,3;pong');
    assert.equal(encodeEnvelope({ kind: 'E', seq: 10, id: 4, code: 'NO_HANDLER', payload: 'no request handler' }), '1E10,,4,NO_HANDLER;no request handler');
    assert.equal(encodeEnvelope({ kind: 'C', seq: 6, id: 3 }), '1C6,,3;');
    assert.equal(encodeEnvelope({ kind: 'N', code: 'SESSION_FORBIDDEN', versions: '1' }), '1NSESSION_FORBIDDEN,1;');
    assert.equal(encodeEnvelope({ kind: 'P', token: 12 }), '1P12;');
    assert.equal(encodeEnvelope({ kind: 'O' }), '1O;');
    assert.equal(encodeEnvelope({ kind: 'X' }), '1X;');
    assert.deepEqual(encodeEnvelope({ kind: 'M', seq: 1, payload: new Uint8Array([0, 255]) }), new Uint8Array([0x31, 0x4d, 0x31, 0x3b, 0, 255]));
  });

  it('decode(encode(x)) gives x back for every kind, from bytes and from text', () => {
    fc.assert(fc.property(envelopeArb, (e) => {
      const wire = encodeEnvelope(e);
      assert.deepEqual(normalise(decodeEnvelope(wire)), expected(e));
      // The same envelope received as bytes (a byte framing) or as text (a WebSocket text frame).
      const asBytes = typeof wire === 'string' ? utf8(wire) : wire;
      const d = normalise(decodeEnvelope(asBytes));
      const want = expected(e);
      if (typeof want.payload === 'string' && want.kind !== 'E') want.payload = utf8(want.payload);
      assert.deepEqual(d, want);
    }), { numRuns: NUM_RUNS });
  });

  it('writes headers of ASCII letters, digits and - _ . , ; only: never CR, LF or NUL, and a text payload stays valid UTF-8', () => {
    fc.assert(fc.property(envelopeArb, (e) => {
      const wire = encodeEnvelope(e);
      const bytes = typeof wire === 'string' ? utf8(wire) : wire;
      const end = bytes.indexOf(0x3b);
      assert.ok(end > 1 && end < SESSION_HEADER_MAX);
      for (let i = 0; i <= end; i++) assert.match(String.fromCharCode(bytes[i]!), /[0-9A-Za-z\-_.,;]/);
      if (typeof e.payload === 'string' || e.payload === undefined) {
        assert.equal(typeof wire, 'string');
        assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bytes), wire);
      }
    }), { numRuns: NUM_RUNS });
  });

  it('travels inside lines() and lengthPrefix() frames unchanged, however the stream is cut', () => {
    // lines() cannot carry a payload holding CR or LF, with or without a session: leave those out.
    const lineSafe = (e: EnvelopeFields) => typeof e.payload === 'string' ? !/[\r\n]/.test(e.payload) : !(e.payload ?? new Uint8Array()).some((b) => b === 10 || b === 13);
    fc.assert(fc.property(fc.array(envelopeArb.filter(lineSafe), { maxLength: 5 }),
      fc.integer({ min: 1, max: 7 }), (envs, cut) => {
        for (const framing of [lengthPrefix(), lines()]) {
          const out = new WriteBuffer();
          const kept = envs;
          const f = framing.create();
          for (const e of kept) {
            const wire = encodeEnvelope(e);
            if (typeof wire === 'string') f.encodeText(wire, out); else f.encode(wire, out);
          }
          const stream = concatBytes(out.take());
          const r = framing.create();
          const got: Envelope[] = [];
          for (let i = 0; i < stream.length; i += cut) {
            r.push(stream.subarray(i, i + cut));
            for (let fr; (fr = r.next()) !== undefined;) got.push(normalise(decodeEnvelope(fr)));
          }
          assert.equal(got.length, kept.length);
          got.forEach((g, i) => assert.equal(g.kind, kept[i]!.kind));
        }
      }), { numRuns: 100 });
  });

  it('random bytes and random text only ever decode or throw ENVELOPE_INVALID / SESSION_VERSION_UNSUPPORTED', () => {
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ maxLength: 300 }),
      // Near-misses: a valid version and kind followed by noise.
      fc.tuple(fc.constantFrom('1M', '1Q', '1R', '1E', '1C', '1A', '1H', '1W', '1N', '1P', '1O', '1X', '2H', '1Z'),
        fc.stringMatching(/^[0-9A-Za-z,;._-]{0,40}$/)).map(([a, b]) => a + b),
    );
    fc.assert(fc.property(inputs, (input) => {
      try {
        decodeEnvelope(input);
      } catch (err) {
        assert.ok(err instanceof SessionError, `threw ${String(err)}`);
        assert.ok(SESSION_CODES.has(err.code), err.code);
      }
    }), { numRuns: 2000 });
  });

  it('decodes MSG headers (the fast path) exactly as the grammar says, from bytes and from text', () => {
    // Reference: the grammar of docs/session-protocol.md for `1M seq [, ack [, origin]] ;`.
    const reference = (h: string): { seq: number; ack: number } | undefined => {
      // (an empty third field is an absent origin; a non-empty one here has no '.', so is invalid)
      const m = /^1M(0|[1-9][0-9]{0,15})(?:,(0|[1-9][0-9]{0,15})?(?:,)?)?;/.exec(h);
      if (!m) return undefined;
      const seq = Number(m[1]);
      const ack = m[2] === undefined ? 0 : Number(m[2]);
      if (seq < 1 || seq > Number.MAX_SAFE_INTEGER || ack > Number.MAX_SAFE_INTEGER) return undefined;
      return { seq, ack };
    };
    fc.assert(fc.property(fc.stringMatching(/^[0-9,]{0,36};/), fc.string({ maxLength: 5 }), (fields, tail) => {
      const input = '1M' + fields + tail;
      const want = reference(input);
      for (const form of [input, utf8(input)]) {
        let got: Envelope | undefined;
        try {
          got = decodeEnvelope(form);
        } catch (err) {
          assert.equal((err as SessionError).code, ErrorCode.ENVELOPE_INVALID);
        }
        assert.deepEqual(got === undefined ? undefined : { seq: got.seq, ack: got.ack }, want, JSON.stringify(input));
        if (got !== undefined) assert.equal(text(got.payload), input.slice(input.indexOf(';') + 1));
      }
    }), { numRuns: 2000 });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['', ErrorCode.ENVELOPE_INVALID, /no ';' in 0 bytes/],
    ['1M', ErrorCode.ENVELOPE_INVALID, /no ';'/],
    ['1;', ErrorCode.ENVELOPE_INVALID, /at least a version, a kind/],
    ['2M1;x', ErrorCode.SESSION_VERSION_UNSUPPORTED, /version "2", expected one of "1"/],
    ['\u00001M1;', ErrorCode.ENVELOPE_INVALID, /byte 0 is 0x00/],
    ['1Z1;', ErrorCode.ENVELOPE_INVALID, /unknown envelope kind 'Z'/],
    ['1M01;x', ErrorCode.ENVELOPE_INVALID, /leading zero/],
    ['1M0;x', ErrorCode.ENVELOPE_INVALID, /is 0, expected at least 1/],
    ['1M9007199254740992;x', ErrorCode.ENVELOPE_INVALID, /above 2\^53-1/],
    ['1M12345678901234567;x', ErrorCode.ENVELOPE_INVALID, /17 digits/],
    ['1M1,2,3,4;x', ErrorCode.ENVELOPE_INVALID, /4 header fields, expected 1 to 3/],
    ['1M1 ;x', ErrorCode.ENVELOPE_INVALID, /byte 3 of the header is 0x20/],
    ['1M1\r;x', ErrorCode.ENVELOPE_INVALID, /0x0d/],
    ['1A5;x', ErrorCode.ENVELOPE_INVALID, /payload of 1, expected none/],
    ['1A;', ErrorCode.ENVELOPE_INVALID, /field 1 is empty/],
    ['1H,secret,0,0,1;', ErrorCode.ENVELOPE_INVALID, /session id and its secret, or neither/],
    ['1W,,0,0,0,1,1;', ErrorCode.ENVELOPE_INVALID, /empty session id/],
    ['1Wabc,,0,0,2,1,1;', ErrorCode.ENVELOPE_INVALID, /resumed flag is 2/],
    ['1Elow,,1,bad;m', ErrorCode.ENVELOPE_INVALID, /expected a digit/],
    ['1E1,,1,bad;m', ErrorCode.ENVELOPE_INVALID, /code holds 'b'/],
    ['1M1,,nodot;x', ErrorCode.ENVELOPE_INVALID, /origin "nodot"/],
    ['1H' + 'a'.repeat(65) + ',' + 'b,0,0,1;', ErrorCode.ENVELOPE_INVALID, /65 characters, expected at most 64/],
    ['1M' + '1'.repeat(300), ErrorCode.ENVELOPE_INVALID, /no ';' in the first 256 bytes/],
  ];
  for (const [input, code, message] of bad) {
    it(`refuses ${JSON.stringify(input.length > 30 ? input.slice(0, 30) + '...' : input)} with ${code}`, () => {
      assert.throws(() => decodeEnvelope(input), (e: SessionError) => e.code === code && message.test(e.message));
      assert.throws(() => decodeEnvelope(utf8(input)), (e: SessionError) => e.code === code);
    });
  }

  it('refuses an ERR message that is not UTF-8 or longer than 1024 bytes', () => {
    const head = utf8('1E1,,1,X;');
    assert.throws(() => decodeEnvelope(concatBytes([head, new Uint8Array([0xff])])), (e: SessionError) => e.code === ErrorCode.ENVELOPE_INVALID);
    assert.throws(() => decodeEnvelope(concatBytes([head, new Uint8Array(1025).fill(0x61)])), (e: SessionError) => /1025 bytes, expected at most 1024/.test(e.message));
  });

  it('hands out the payload as a view of the input, without a copy', () => {
    const frame = utf8('1M7;hello');
    const e = decodeEnvelope(frame);
    assert.equal((e.payload as Uint8Array).buffer, frame.buffer);
    assert.equal(text(e.payload), 'hello');
  });

  it('joinEnvelope keeps text as text and puts the header in front of bytes', () => {
    assert.equal(joinEnvelope('1M1;', 'é'), '1M1;é');
    assert.deepEqual(joinEnvelope('1M1;', new Uint8Array([9])), new Uint8Array([0x31, 0x4d, 0x31, 0x3b, 9]));
    assert.equal(joinEnvelope('1A3;', undefined), '1A3;');
  });

  it('encodeEnvelope refuses fields the decoder would refuse', () => {
    for (const e of [
      { kind: 'M', seq: 0 }, { kind: 'M', seq: 1.5 }, { kind: 'A', ack: 0 }, { kind: 'R', seq: 1, id: 0 },
      { kind: 'E', seq: 1, id: 1, code: 'lower' }, { kind: 'H', sessionId: 'has space', secret: 'x' },
      { kind: 'W', sessionId: '' }, { kind: 'A', ack: 1, payload: 'x' }, { kind: 'R', seq: 1, id: 1, origin: 'a.1' },
    ] as EnvelopeFields[]) {
      assert.throws(() => encodeEnvelope(e), (err: SessionError) => err.code === ErrorCode.ENVELOPE_INVALID, JSON.stringify(e));
    }
  });
});

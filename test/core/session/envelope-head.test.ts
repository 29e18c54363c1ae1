/**
 * The session header written as numbers (`EnvelopeHead`, no string per envelope) must put the
 * same bytes on the wire as the header strings of docs/session-protocol.md, through every
 * framer's `encodeParts` and the WebSocket protocol's `sendParts` (masked, unmasked, compressed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteBuffer, concatBytes, delimiter, lengthPrefix, lines, type Framing } from '../../../src/core/index.js';
import {
  EnvelopeHead,
  cancelHeader,
  decodeEnvelope,
  errorHeader,
  joinEnvelope,
  messageHeader,
  requestHeader,
  responseHeader,
} from '../../../src/core/session/envelope.js';
import { WebSocketProtocol } from '../../../src/core/websocket/protocol.js';
import type { DeflateParams } from '../../../src/core/websocket/deflate.js';
import { nodeDeflate } from '../../../src/transport/deflate.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

const NUMBERS = [
  1, 2, 9, 10, 11, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 123456, 999999, 1000000, 9999999, 10000000,
  99999999, 100000000, 999999999, 1000000000, 2147483646, 2147483647, 2147483648, 4294967295, 9999999999,
  10000000000, 99999999999, 100000000000, 123456789012345, 999999999999999, 1000000000000000, 2 ** 53 - 1,
];

function bytesOf(h: EnvelopeHead): Uint8Array {
  const b = new Uint8Array(h.length + 4).fill(0xee);
  h.writeTo(b, 2);
  assert.equal(b[0], 0xee, 'nothing written before `at`');
  assert.equal(b[h.length + 2], 0xee, 'nothing written after `length` bytes');
  return b.subarray(2, 2 + h.length);
}

describe('EnvelopeHead: the header from numbers is byte for byte the header string', () => {
  it('numbering one by one (the digits are carried from one header to the next), then going back and jumping', () => {
    const h = new EnvelopeHead();
    const seqs: number[] = [];
    for (let s = 1; s <= 20_000; s++) seqs.push(s);
    for (let s = 999_990; s <= 1_000_010; s++) seqs.push(s);
    seqs.push(5, 6, 7, 99, 100, 101, 2 ** 53 - 2, 2 ** 53 - 1, 1, 2, 9_999_999_999, 10_000_000_000, 10_000_000_001);
    for (const seq of seqs) {
      const ack = seq % 7 === 0 ? seq - 1 : 0;
      h.set(0x4d, seq, ack, 0, '');
      const want = messageHeader(seq, ack);
      assert.equal(h.length, want.length, `length of ${want}`);
      assert.equal(dec.decode(bytesOf(h)), want);
    }
  });

  it('every sequenced kind, across digit counts, with and without ack, origin and code', () => {
    const h = new EnvelopeHead();
    let checked = 0;
    for (const seq of NUMBERS) {
      for (const ack of [0, 1, 7, 10, 100000, seq, 2 ** 53 - 1]) {
        for (const id of [1, 42, 2147483648]) {
          const cases: Array<[number, string, string]> = [
            [0x4d, '', messageHeader(seq, ack)],
            [0x4d, 'AbC-_9.17', messageHeader(seq, ack, 'AbC-_9.17')],
            [0x51, '', requestHeader(seq, ack, id)],
            [0x51, 'sid.3', requestHeader(seq, ack, id, 'sid.3')],
            [0x52, '', responseHeader(seq, ack, id)],
            [0x45, 'NO_HANDLER', errorHeader(seq, ack, id, 'NO_HANDLER')],
            [0x43, '', cancelHeader(seq, ack, id)],
          ];
          for (const [kind, aux, want] of cases) {
            h.set(kind, seq, ack, id, aux);
            assert.equal(h.length, want.length, `length of ${want}`);
            assert.equal(dec.decode(bytesOf(h)), want);
            assert.equal(h.toString(), want);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 1000);
  });

  it('decodes to the fields it was given', () => {
    const h = new EnvelopeHead().set(0x4d, 123456789, 98765, 0, '');
    const e = decodeEnvelope(joinEnvelope(h, enc.encode('payload')));
    assert.equal(e.kind, 'M');
    assert.equal(e.seq, 123456789);
    assert.equal(e.ack, 98765);
    assert.equal(dec.decode(e.payload as Uint8Array), 'payload');
    assert.equal(joinEnvelope(h, 'text'), '1M123456789,98765;text');
    assert.equal(joinEnvelope(h, undefined), '1M123456789,98765;');
  });
});

function framed(f: Framing, write: (fr: ReturnType<Framing['create']>, out: WriteBuffer) => void): Uint8Array | string {
  const out = new WriteBuffer();
  const fr = f.create(out);
  try {
    write(fr, out);
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return concatBytes(out.take());
}

describe('encodeParts with an EnvelopeHead frames what the header string frames', () => {
  const framings: Array<[string, Framing]> = [
    ['lines', lines()],
    ['NUL', delimiter('\0')],
    ['comma (a delimiter a header can hold)', delimiter(',')],
    ['CRLF', delimiter('\r\n')],
    ['length prefix u32', lengthPrefix()],
    ['length prefix u16 little endian', lengthPrefix({ width: 2, endian: 'little' })],
    ['length prefix u8, small max', lengthPrefix({ width: 1, maxFrameSize: 40 })],
    ['length prefix varint', lengthPrefix({ width: 'varint' })],
    ['length prefix with an offset', lengthPrefix({ offset: 2 })],
  ];
  const payloads = ['', 'x', 'hello world', 'a\nb', 'x'.repeat(300), 'x'.repeat(20_000)].map((s) => enc.encode(s));
  const heads = [new EnvelopeHead().set(0x4d, 1, 0, 0, ''), new EnvelopeHead().set(0x4d, 123, 45, 0, ''), new EnvelopeHead().set(0x51, 7, 0, 3, 'abcDEF_-.9')];
  for (const [name, f] of framings) {
    it(name, () => {
      for (const head of heads) {
        for (const p of payloads) {
          const s = head.toString();
          const a = framed(f, (fr, out) => fr.encodeParts!(s, p, out));
          const b = framed(f, (fr, out) => fr.encodeParts!(head, p, out));
          assert.deepEqual(b, a, `${name} ${s} ${p.length} bytes`);
        }
      }
    });
  }
});

describe('WebSocket sendParts: the same frame as send() of the joined bytes', () => {
  const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  // The same masking keys for both protocols: the frames must then be equal byte for byte.
  const seeded = (): ((n: number) => Uint8Array) => {
    let x = 12345;
    return (n) => Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
  };
  const heads = ['1M1;', '1M12,3;', '1M123456,123455;', '1Q7,,3,origin.5;'];
  const payloads = [0, 1, 2, 3, 5, 64, 125, 126, 300, 16 * 1024, 70_000].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255));
  for (const role of ['client', 'server'] as const) {
    for (const compress of [false, true]) {
      it(`${role}${compress ? ', permessage-deflate' : ''}`, () => {
        const mk = () => {
          const out = new WriteBuffer();
          const proto = new WebSocketProtocol({
            role, out, random: seeded(),
            ...(compress && { compressor: nodeDeflate(params, role), limits: { compressionThreshold: 100 } }),
          });
          return { out, proto };
        };
        const a = mk();
        const b = mk();
        for (const hs of heads) {
          for (const p of payloads) {
            const joined = new Uint8Array(hs.length + p.length);
            joined.set(enc.encode(hs), 0);
            joined.set(p, hs.length);
            const copy = p.slice();
            assert.equal(a.proto.send(joined, true), true);
            const head = typeof hs === 'string' && hs.startsWith('1M') && !hs.includes(',') ? hs : decodeHead(hs);
            assert.equal(b.proto.sendParts(head, p), true);
            assert.deepEqual(p, copy, 'the payload itself is not modified (masking copies)');
            assert.deepEqual(concatBytes(b.out.take()), concatBytes(a.out.take()), `${hs} + ${p.length} bytes`);
          }
        }
      });
    }
  }
});

/** An EnvelopeHead for a header string of the test (M or Q). */
function decodeHead(s: string): EnvelopeHead {
  const e = decodeEnvelope(s);
  return new EnvelopeHead().set(e.kind.charCodeAt(0), e.seq, e.ack, e.id, e.origin);
}

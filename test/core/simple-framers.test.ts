import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCode,
  FramingError,
  Limits,
  WriteBuffer,
  concatBytes,
  custom,
  datagram,
  fixed,
  raw,
  type FrameLengthFn,
} from '../../src/core/index.js';
import { everySplit, feed, drain, encodeAll } from '../helpers/split.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const texts = (frames: Uint8Array[]) => frames.map((f) => new TextDecoder().decode(f));

/** Type-length-value frames: [type][u8 length][value]. The whole frame is delivered. */
const tlv: FrameLengthFn = (b) => (b.length < 2 ? undefined : 2 + b[1]!);

describe('fixed framing', () => {
  it('cuts the stream into frames of exactly `size` bytes in every split', () => {
    for (const { name, chunks } of everySplit(utf8('abcdefghijkl'))) {
      assert.deepEqual(texts(feed(fixed(4).create(), chunks, { finish: true })), ['abcd', 'efgh', 'ijkl'], name);
    }
  });

  it('consumes nothing when it says "not yet"', () => {
    const framer = fixed(3).create();
    framer.push(utf8('ab'));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 2);
    framer.push(utf8('cd'));
    assert.deepEqual(texts(drain(framer)), ['abc']);
    assert.equal(framer.buffered, 1);
  });

  it('fails with FRAME_TRUNCATED when the stream ends inside a frame', () => {
    const framer = fixed(4).create();
    feed(framer, [utf8('abcdef')]);
    assert.throws(() => framer.finish(), { name: 'FramingError', code: ErrorCode.FRAME_TRUNCATED });
    assert.doesNotThrow(() => fixed(4).create().finish());
  });

  it('writes a payload of exactly `size` bytes as it is', () => {
    assert.deepEqual(encodeAll(fixed(3), [utf8('abc'), utf8('def')]), utf8('abcdef'));
    const out = new WriteBuffer();
    fixed(3).create().encodeText('xyz', out);
    assert.deepEqual(concatBytes(out.take()), utf8('xyz'));
  });

  it('rejects a longer payload with MESSAGE_TOO_LARGE and a shorter one with ENCODE_FAILED, writing nothing', () => {
    const framer = fixed(3).create();
    const out = new WriteBuffer();
    assert.throws(() => framer.encode(utf8('abcd'), out), { name: 'CodecError', code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.throws(() => framer.encodeText('€€', out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.throws(() => framer.encode(utf8('ab'), out), { code: ErrorCode.ENCODE_FAILED });
    assert.throws(() => framer.encodeText('', out), { code: ErrorCode.ENCODE_FAILED });
    assert.equal(out.length, 0);
  });

  it('is described by its size and rejects a size that is not a positive integer', () => {
    assert.equal(fixed(16).name, 'fixed(16)');
    assert.equal(fixed(16).maxFrameSize, 16);
    assert.equal(fixed(16).messageOriented, false);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      assert.throws(() => fixed(bad), { code: ErrorCode.INVALID_OPTION }, String(bad));
    }
  });
});

describe('custom framing', () => {
  it('asks the length function where each frame ends, in every split', () => {
    const wire = Uint8Array.from([1, 2, 0x61, 0x62, 2, 0, 3, 1, 0x63]);
    const expected = [Uint8Array.from([1, 2, 0x61, 0x62]), Uint8Array.from([2, 0]), Uint8Array.from([3, 1, 0x63])];
    for (const { name, chunks } of everySplit(wire)) {
      assert.deepEqual(feed(custom(tlv).create(), chunks, { finish: true }), expected, name);
    }
  });

  it('passes the function every buffered byte as one contiguous view', () => {
    const seen: number[][] = [];
    const framer = custom((b) => (seen.push(Array.from(b)), b.length >= 5 ? 5 : undefined)).create();
    framer.push(utf8('ab'));
    framer.push(utf8('c'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('defg'));
    assert.deepEqual(texts(drain(framer)), ['abcde']);
    assert.deepEqual(seen.slice(0, 2), [Array.from(utf8('abc')), Array.from(utf8('abcdefg'))]);
  });

  it('treats undefined as "not yet" and consumes nothing', () => {
    const framer = custom(tlv).create();
    framer.push(Uint8Array.from([7]));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 1);
  });

  it('waits for the rest when the length is larger than what is buffered, without asking again', () => {
    let calls = 0;
    const framer = custom((b) => (calls++, b.length >= 1 ? 6 : undefined)).create();
    framer.push(utf8('ab'));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 2);
    framer.push(utf8('cd'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('efgh'));
    assert.deepEqual(texts(drain(framer)), ['abcdef']);
    assert.equal(calls, 2, 'once for "abcdef", once for the leftover "gh"');
    assert.equal(framer.buffered, 2);
  });

  it('does not call the function when nothing is buffered', () => {
    let calls = 0;
    const framer = custom(() => (calls++, undefined)).create();
    assert.equal(framer.next(), undefined);
    assert.equal(calls, 0);
  });

  it('fails with FRAME_INVALID when the function returns something other than a positive integer', () => {
    const returns: unknown[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3', null, {}];
    for (const r of returns) {
      const framer = custom(() => r as number).create();
      framer.push(utf8('abc'));
      assert.throws(() => framer.next(), { name: 'FramingError', code: ErrorCode.FRAME_INVALID }, String(r));
    }
  });

  it('fails with FRAME_INVALID, keeping the cause, when the function throws', () => {
    const boom = new RangeError('offset out of range');
    const framer = custom(() => {
      throw boom;
    }).create();
    framer.push(utf8('abc'));
    assert.throws(
      () => framer.next(),
      (err: unknown) => err instanceof FramingError && err.code === ErrorCode.FRAME_INVALID && err.cause === boom,
    );
  });

  it('passes on a FramingError thrown by the function', () => {
    const own = new FramingError(ErrorCode.FRAME_TOO_LARGE, 'mine');
    const framer = custom(() => {
      throw own;
    }).create();
    framer.push(utf8('abc'));
    assert.throws(() => framer.next(), (err: unknown) => err === own);
  });

  it('fails with FRAME_TOO_LARGE when the announced length exceeds maxFrameSize', () => {
    const framer = custom(() => 11, { maxFrameSize: 10 }).create();
    framer.push(utf8('a'));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('accepts an announced length of exactly maxFrameSize', () => {
    const framer = custom(() => 3, { maxFrameSize: 3 }).create();
    framer.push(utf8('abc'));
    assert.deepEqual(texts(drain(framer)), ['abc']);
  });

  it('fails with FRAME_TOO_LARGE when more than maxFrameSize bytes are buffered and still "not yet"', () => {
    const framer = custom(() => undefined, { maxFrameSize: 4 }).create();
    framer.push(utf8('abcd'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('e'));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('fails with FRAME_TRUNCATED when the stream ends inside a frame', () => {
    const framer = custom(tlv).create();
    feed(framer, [Uint8Array.from([1, 5, 0])]);
    assert.throws(() => framer.finish(), { code: ErrorCode.FRAME_TRUNCATED });
  });

  it('writes payloads as they are unless an encode function is given', () => {
    assert.deepEqual(encodeAll(custom(tlv), [Uint8Array.from([1, 1, 9])]), Uint8Array.from([1, 1, 9]));
    const framing = custom(tlv, { encode: (p) => concatBytes([Uint8Array.from([0x42, p.length]), p]) });
    const wire = encodeAll(framing, [utf8('hi'), utf8('')]);
    assert.deepEqual(wire, Uint8Array.from([0x42, 2, 0x68, 0x69, 0x42, 0]));
    assert.deepEqual(feed(framing.create(), [wire]), [Uint8Array.from([0x42, 2, 0x68, 0x69]), Uint8Array.from([0x42, 0])]);
    const out = new WriteBuffer();
    framing.create().encodeText('é', out);
    assert.deepEqual(concatBytes(out.take()), Uint8Array.from([0x42, 2, 0xc3, 0xa9]));
  });

  it('rejects an encoded frame over maxFrameSize with MESSAGE_TOO_LARGE and writes nothing', () => {
    const framing = custom(tlv, { maxFrameSize: 3, encode: (p) => concatBytes([Uint8Array.from([1, p.length]), p]) });
    const out = new WriteBuffer();
    assert.throws(() => framing.create().encode(utf8('ab'), out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.throws(() => custom(tlv, { maxFrameSize: 3 }).create().encode(utf8('abcd'), out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.equal(out.length, 0);
  });

  it('fails with ENCODE_FAILED, keeping the cause, when the encode function throws', () => {
    const boom = new Error('no');
    const framing = custom(tlv, {
      encode: () => {
        throw boom;
      },
    });
    const out = new WriteBuffer();
    assert.throws(
      () => framing.create().encode(utf8('a'), out),
      (err: unknown) => (err as { code?: unknown }).code === ErrorCode.ENCODE_FAILED && (err as Error).cause === boom,
    );
    assert.equal(out.length, 0);
  });

  it('is named "custom" unless told otherwise', () => {
    assert.equal(custom(tlv).name, 'custom');
    assert.equal(custom(tlv, { name: 'tlv' }).name, 'tlv');
    assert.equal(custom(tlv).maxFrameSize, Limits.maxFrameSize);
    assert.throws(() => custom(tlv, { maxFrameSize: 0 }), { code: ErrorCode.INVALID_OPTION });
  });
});

describe('datagram framing', () => {
  it('delivers each datagram as one frame, including an empty one', () => {
    const framer = datagram().create();
    framer.push(utf8('one'));
    framer.push(new Uint8Array(0));
    framer.push(utf8('three'));
    assert.equal(framer.buffered, 8);
    assert.deepEqual(texts(drain(framer)), ['one', '', 'three']);
    assert.equal(framer.buffered, 0);
    assert.equal(framer.next(), undefined);
  });

  it('keeps working after being drained', () => {
    const framer = datagram().create();
    for (let round = 0; round < 3; round++) {
      framer.push(utf8(`r${round}`));
      assert.deepEqual(texts(drain(framer)), [`r${round}`]);
    }
  });

  it('fails with FRAME_TOO_LARGE on an oversized datagram, then delivers the next one', () => {
    const framer = datagram({ maxFrameSize: 4 }).create();
    framer.push(utf8('12345'));
    framer.push(utf8('1234'));
    assert.throws(() => framer.next(), { name: 'FramingError', code: ErrorCode.FRAME_TOO_LARGE });
    assert.deepEqual(texts(drain(framer)), ['1234']);
  });

  it('rejects an oversized payload with MESSAGE_TOO_LARGE and writes nothing', () => {
    const framer = datagram({ maxFrameSize: 4 }).create();
    const out = new WriteBuffer();
    assert.throws(() => framer.encode(utf8('12345'), out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.throws(() => framer.encodeText('€€', out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.equal(out.length, 0);
    framer.encode(utf8('1234'), out);
    assert.deepEqual(concatBytes(out.take()), utf8('1234'));
  });

  it('is message-oriented, never truncated, and defaults to the largest UDP payload', () => {
    const framing = datagram();
    assert.equal(framing.name, 'datagram');
    assert.equal(framing.messageOriented, true);
    assert.equal(framing.maxFrameSize, Limits.maxDatagramSize);
    assert.equal(framing.maxFrameSize, 65_507);
    const framer = framing.create();
    framer.push(utf8('pending'));
    assert.doesNotThrow(() => framer.finish());
    assert.equal(framer.skipped, 0);
  });
});

describe('raw framing', () => {
  it('delivers each chunk as it came', () => {
    const a = utf8('hello');
    const framer = raw().create();
    framer.push(a);
    framer.push(utf8(' world'));
    const frames: Uint8Array[] = [];
    for (let k = 0; k < 10; k++) {
      const f = framer.next();
      if (f === undefined) break;
      frames.push(f);
    }
    assert.equal(frames[0], a, 'the chunk itself, not a copy');
    assert.deepEqual(texts(frames), ['hello', ' world']);
  });

  it('ignores empty chunks', () => {
    const framer = raw().create();
    framer.push(new Uint8Array(0));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 0);
  });

  it('splits chunks larger than maxChunk', () => {
    const framer = raw({ maxChunk: 4 }).create();
    framer.push(utf8('abcdefghij'));
    assert.equal(framer.buffered, 10);
    assert.deepEqual(texts(drain(framer)), ['abcd', 'efgh', 'ij']);
  });

  it('gives back the same bytes in every split', () => {
    const wire = utf8('the quick brown fox');
    for (const { name, chunks } of everySplit(wire)) {
      assert.deepEqual(concatBytes(feed(raw({ maxChunk: 3 }).create(), chunks, { finish: true })), wire, name);
    }
  });

  it('writes payloads of any size as they are', () => {
    const big = new Uint8Array(Limits.maxRawChunk * 2 + 1).fill(1);
    const framing = raw();
    assert.deepEqual(encodeAll(framing, [utf8('ab'), big]), concatBytes([utf8('ab'), big]));
    assert.equal(framing.name, 'raw');
    assert.equal(framing.messageOriented, false);
    assert.throws(() => raw({ maxChunk: 0 }), { code: ErrorCode.INVALID_OPTION });
  });
});

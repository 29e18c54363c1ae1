import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, WriteBuffer, concatBytes, lengthPrefix, type LengthPrefixOptions } from '../../src/core/index.js';
import { everySplit, feed, drain, encodeAll } from '../helpers/split.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytesOf = (...parts: (number[] | string)[]) => concatBytes(parts.map((p) => (typeof p === 'string' ? utf8(p) : Uint8Array.from(p)))).slice();

/** Checks that `wire` decodes to `frames` in every split, with nothing left over. */
function assertDecodes(options: LengthPrefixOptions, wire: Uint8Array, frames: Uint8Array[]): void {
  const framing = lengthPrefix(options);
  for (const { name, chunks } of everySplit(wire)) {
    const framer = framing.create();
    assert.deepEqual(feed(framer, chunks, { finish: true }), frames, `${framing.name} ${name}`);
    assert.equal(framer.buffered, 0);
  }
}

/** Encodes `payloads` and checks the wire bytes, then checks they decode back. */
function assertWire(options: LengthPrefixOptions, payloads: Uint8Array[], wire: Uint8Array): void {
  assert.deepEqual(encodeAll(lengthPrefix(options), payloads), wire, lengthPrefix(options).name);
  assertDecodes(options, wire, payloads);
}

describe('length-prefix framing: widths and byte orders', () => {
  it('defaults to a 4-byte big-endian length', () => {
    assert.equal(lengthPrefix().name, 'length-prefix(u32be)');
    assertWire({}, [utf8('abc')], bytesOf([0, 0, 0, 3], 'abc'));
  });

  it('reads and writes a 1-byte length', () => {
    assertWire({ width: 1 }, [utf8('hi'), utf8(''), utf8('x')], bytesOf([2], 'hi', [0], [1], 'x'));
    assert.equal(lengthPrefix({ width: 1 }).name, 'length-prefix(u8)');
  });

  it('reads and writes a 2-byte length in both byte orders', () => {
    const payload = new Uint8Array(0x0102).fill(7);
    assertWire({ width: 2 }, [payload], bytesOf([0x01, 0x02], Array.from(payload)));
    assertWire({ width: 2, endian: 'little' }, [payload], bytesOf([0x02, 0x01], Array.from(payload)));
    assert.equal(lengthPrefix({ width: 2, endian: 'little' }).name, 'length-prefix(u16le)');
  });

  it('reads and writes a 4-byte length in both byte orders', () => {
    assertWire({ width: 4 }, [utf8('hello')], bytesOf([0, 0, 0, 5], 'hello'));
    assertWire({ width: 4, endian: 'little' }, [utf8('hello')], bytesOf([5, 0, 0, 0], 'hello'));
  });

  it('reads and writes an 8-byte length in both byte orders', () => {
    assertWire({ width: 8 }, [utf8('abc')], bytesOf([0, 0, 0, 0, 0, 0, 0, 3], 'abc'));
    assertWire({ width: 8, endian: 'little' }, [utf8('abc')], bytesOf([3, 0, 0, 0, 0, 0, 0, 0], 'abc'));
    assert.equal(lengthPrefix({ width: 8 }).name, 'length-prefix(u64be)');
  });

  it('reads the high half of an 8-byte length', () => {
    // 2^32 + 5 announced: above the 1 KiB limit, so it must fail, not wrap to 5.
    for (const [endian, header] of [
      ['big', [0, 0, 0, 1, 0, 0, 0, 5]],
      ['little', [5, 0, 0, 0, 1, 0, 0, 0]],
    ] as const) {
      const framer = lengthPrefix({ width: 8, endian, maxFrameSize: 1024 }).create();
      framer.push(bytesOf([...header], 'hello'));
      assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE }, endian);
    }
  });

  it('fails with FRAME_TOO_LARGE on an 8-byte length of 2^53 or more', () => {
    const framer = lengthPrefix({ width: 8 }).create();
    framer.push(Uint8Array.from([0, 0x20, 0, 0, 0, 0, 0, 0]));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('reads and writes LEB128 varint lengths of one, two and three bytes', () => {
    assert.equal(lengthPrefix({ width: 'varint' }).name, 'length-prefix(varint)');
    assertWire({ width: 'varint' }, [utf8('')], bytesOf([0]));
    assertWire({ width: 'varint' }, [new Uint8Array(127)], bytesOf([0x7f], new Array<number>(127).fill(0)));
    assertWire({ width: 'varint' }, [new Uint8Array(128)], bytesOf([0x80, 0x01], new Array<number>(128).fill(0)));
    assertWire({ width: 'varint' }, [new Uint8Array(300)], bytesOf([0xac, 0x02], new Array<number>(300).fill(0)));
    const big = new Uint8Array(16384);
    assert.deepEqual(encodeAll(lengthPrefix({ width: 'varint' }), [big]).subarray(0, 3), Uint8Array.from([0x80, 0x80, 0x01]));
    const framer = lengthPrefix({ width: 'varint' }).create();
    framer.push(bytesOf([0x80, 0x80, 0x01]));
    framer.push(big);
    assert.equal(drain(framer)[0]!.length, 16384);
  });

  it('decodes an 8-byte varint announcing a length near 2^53 as too large, not as garbage', () => {
    const framer = lengthPrefix({ width: 'varint' }).create();
    framer.push(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('delivers a frame split across three reads', () => {
    const framer = lengthPrefix({ width: 2 }).create();
    framer.push(Uint8Array.from([0]));
    assert.equal(framer.next(), undefined);
    framer.push(bytesOf([5], 'he'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('llo'));
    assert.deepEqual(drain(framer), [utf8('hello')]);
  });

  it('consumes nothing when it says "not yet", before and after the header', () => {
    const framer = lengthPrefix({ width: 4 }).create();
    framer.push(Uint8Array.from([0, 0]));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 2);
    framer.push(bytesOf([0, 4], 'ab'));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 6);
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 6);
    framer.push(utf8('cd'));
    assert.deepEqual(drain(framer), [utf8('abcd')]);
    assert.equal(framer.buffered, 0);
  });
});

describe('length-prefix framing: offset, adjustment, includesHeader', () => {
  it('delivers the bytes before the length field followed by the payload', () => {
    // [type 0x07][u16 len = 3]["abc"]  ->  message [0x07]"abc"
    assertWire({ width: 2, offset: 1 }, [bytesOf([7], 'abc')], bytesOf([7, 0, 3], 'abc'));
    assertWire({ width: 'varint', offset: 2 }, [bytesOf([0xca, 0xfe])], bytesOf([0xca, 0xfe, 0]));
    assert.equal(lengthPrefix({ width: 2, offset: 1 }).name, 'length-prefix(u16be,offset=1)');
  });

  it('rejects a message shorter than the prefix with ENCODE_FAILED and writes nothing', () => {
    const out = new WriteBuffer();
    assert.throws(() => lengthPrefix({ offset: 3 }).create().encode(Uint8Array.from([1, 2]), out), { code: ErrorCode.ENCODE_FAILED });
    assert.equal(out.length, 0);
  });

  it('adds a positive adjustment to the length field', () => {
    // The field counts 2 bytes fewer than follow it (say, a trailing checksum not counted).
    assertWire({ width: 1, adjustment: 2 }, [utf8('abcd')], bytesOf([2], 'abcd'));
    assert.equal(lengthPrefix({ width: 1, adjustment: 2 }).name, 'length-prefix(u8,adjust=2)');
  });

  it('adds a negative adjustment to the length field', () => {
    assertWire({ width: 1, adjustment: -3 }, [utf8('ab')], bytesOf([5], 'ab'));
  });

  it('counts the whole header in the length with includesHeader', () => {
    // [type][u16 len = 1 + 2 + 3]["abc"]
    assertWire({ width: 2, offset: 1, includesHeader: true }, [bytesOf([9], 'abc')], bytesOf([9, 0, 6], 'abc'));
    assertWire({ width: 4, includesHeader: true }, [utf8('')], bytesOf([0, 0, 0, 4]));
    assert.equal(lengthPrefix({ width: 4, includesHeader: true }).name, 'length-prefix(u32be,adjust=-4)');
  });

  it('fails with FRAME_INVALID when the adjusted length is negative', () => {
    const framer = lengthPrefix({ width: 4, includesHeader: true }).create();
    framer.push(Uint8Array.from([0, 0, 0, 3])); // says 3, but the header alone is 4
    assert.throws(() => framer.next(), { name: 'FramingError', code: ErrorCode.FRAME_INVALID });
  });

  it('rejects a message shorter than a positive adjustment with ENCODE_FAILED', () => {
    const out = new WriteBuffer();
    assert.throws(() => lengthPrefix({ width: 1, adjustment: 2 }).create().encode(utf8('a'), out), { code: ErrorCode.ENCODE_FAILED });
    assert.equal(out.length, 0);
  });

  it('rejects bad options with INVALID_OPTION', () => {
    const bad: LengthPrefixOptions[] = [
      { width: 3 as unknown as 4 },
      { width: 0 as unknown as 4 },
      { offset: -1 },
      { offset: 1.5 },
      { adjustment: 0.5 },
      { adjustment: Number.NaN },
      { width: 'varint', includesHeader: true },
      { maxFrameSize: 0 },
      { maxFrameSize: -5 },
    ];
    for (const options of bad) {
      assert.throws(() => lengthPrefix(options), { name: 'ConfigError', code: ErrorCode.INVALID_OPTION }, JSON.stringify(options));
    }
  });
});

describe('length-prefix framing: limits and bad headers', () => {
  it('accepts a frame of exactly maxFrameSize bytes', () => {
    assertDecodes({ width: 2, maxFrameSize: 3 }, bytesOf([0, 3], 'abc'), [utf8('abc')]);
  });

  it('fails with FRAME_TOO_LARGE as soon as the header announces more than maxFrameSize', () => {
    for (const width of [1, 2, 4, 8, 'varint'] as const) {
      const framer = lengthPrefix({ width, maxFrameSize: 100 }).create();
      const header = encodeAll(lengthPrefix({ width }), [new Uint8Array(101)]).subarray(0, width === 'varint' ? 1 : width);
      framer.push(header); // the header only: none of the 101 payload bytes
      assert.throws(
        () => framer.next(),
        (err: unknown) => {
          assert.equal((err as { code?: unknown }).code, ErrorCode.FRAME_TOO_LARGE);
          assert.match((err as Error).message, /announces 101 bytes, expected no more than 100/);
          return true;
        },
        String(width),
      );
    }
  });

  it('applies maxFrameSize to the adjusted length, after the prefix', () => {
    // u8 says 1, adjustment +5: 6 bytes follow, over the limit of 5.
    const framer = lengthPrefix({ width: 1, adjustment: 5, maxFrameSize: 5 }).create();
    framer.push(Uint8Array.from([1]));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
    // With an offset the prefix does not count: 5 payload bytes are fine.
    assertDecodes({ width: 1, offset: 2, maxFrameSize: 5 }, bytesOf([1, 2, 5], 'abcde'), [bytesOf([1, 2], 'abcde')]);
  });

  it('fails with FRAME_INVALID on a varint with a redundant trailing zero byte', () => {
    for (const header of [
      [0x80, 0x00],
      [0x81, 0x00],
      [0x81, 0x80, 0x00],
      [0xff, 0xff, 0x80, 0x00],
    ]) {
      const framer = lengthPrefix({ width: 'varint' }).create();
      framer.push(Uint8Array.from(header));
      assert.throws(() => framer.next(), { code: ErrorCode.FRAME_INVALID }, JSON.stringify(header));
    }
  });

  it('fails with FRAME_INVALID on a varint longer than 8 bytes, without waiting for its end', () => {
    const framer = lengthPrefix({ width: 'varint' }).create();
    framer.push(new Uint8Array(7).fill(0x80));
    assert.equal(framer.next(), undefined);
    framer.push(Uint8Array.from([0x80]));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_INVALID });
  });

  it('waits for a varint header cut after any byte', () => {
    assertDecodes({ width: 'varint', offset: 1 }, bytesOf([0x55, 0xac, 0x02], new Array<number>(300).fill(1)), [
      bytesOf([0x55], new Array<number>(300).fill(1)),
    ]);
  });
});

describe('length-prefix framing: finish', () => {
  it('does nothing at the end of a stream that ended on a frame boundary', () => {
    const framer = lengthPrefix({ width: 1 }).create();
    feed(framer, [bytesOf([1], 'a')]);
    assert.doesNotThrow(() => framer.finish());
  });

  it('fails with FRAME_TRUNCATED inside a header or inside a payload', () => {
    for (const wire of [bytesOf([0]), bytesOf([0, 0, 0, 5], 'abc'), bytesOf([0, 0, 0, 1], 'a', [0, 0])]) {
      const framer = lengthPrefix().create();
      feed(framer, [wire]);
      assert.throws(() => framer.finish(), { name: 'FramingError', code: ErrorCode.FRAME_TRUNCATED }, String(wire));
    }
  });
});

describe('length-prefix framing: encoding', () => {
  it('rejects a payload over maxFrameSize with MESSAGE_TOO_LARGE and writes nothing', () => {
    const framer = lengthPrefix({ maxFrameSize: 4 }).create();
    const out = new WriteBuffer();
    out.writeBytes(utf8('keep'));
    assert.throws(() => framer.encode(utf8('12345'), out), { name: 'CodecError', code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.throws(() => framer.encodeText('12345', out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.throws(() => framer.encodeText('ééé', out), { code: ErrorCode.MESSAGE_TOO_LARGE });
    assert.deepEqual(concatBytes(out.take()), utf8('keep'));
  });

  it('rejects a payload whose length does not fit the field with MESSAGE_TOO_LARGE', () => {
    const cases: [LengthPrefixOptions, number][] = [
      [{ width: 1 }, 256],
      [{ width: 2 }, 65536],
      [{ width: 2, endian: 'little' }, 65536],
      [{ width: 1, includesHeader: true }, 255], // 255 + 1 header byte = 256
      [{ width: 1, adjustment: -10 }, 246], // 246 + 10 = 256
    ];
    for (const [options, n] of cases) {
      const framer = lengthPrefix(options).create();
      for (const how of ['encode', 'encodeText'] as const) {
        const out = new WriteBuffer();
        assert.throws(
          () => (how === 'encode' ? framer.encode(new Uint8Array(n), out) : framer.encodeText('x'.repeat(n), out)),
          { code: ErrorCode.MESSAGE_TOO_LARGE },
          `${how} ${JSON.stringify(options)}`,
        );
        assert.equal(out.length, 0);
      }
      // One byte less fits.
      assert.doesNotThrow(() => encodeAll(lengthPrefix(options), [new Uint8Array(n - 1)]), JSON.stringify(options));
    }
  });

  it('writes the same bytes from encodeText as from encode of the UTF-8 bytes', () => {
    const configs: LengthPrefixOptions[] = [
      {},
      { width: 1 },
      { width: 2, endian: 'little' },
      { width: 8 },
      { width: 8, endian: 'little' },
      { width: 'varint' },
      { width: 2, includesHeader: true },
      { width: 4, adjustment: 3 },
      { width: 1, offset: 1 },
      { width: 2, maxFrameSize: 10 },
    ];
    const strings = ['', 'a', 'héllo wörld', '€', '𝄞𝄞', 'x'.repeat(40), 'lone \ud800 surrogate', 'ab\u0000cd'];
    for (const options of configs) {
      for (const s of strings) {
        const framing = lengthPrefix(options);
        const a = new WriteBuffer();
        const b = new WriteBuffer();
        let errA: unknown;
        let errB: unknown;
        try {
          framing.create().encode(utf8(s), a);
        } catch (err) {
          errA = err;
        }
        try {
          framing.create().encodeText(s, b);
        } catch (err) {
          errB = err;
        }
        const what = `${framing.name} ${JSON.stringify(s)}`;
        assert.equal((errB as { code?: string } | undefined)?.code, (errA as { code?: string } | undefined)?.code, what);
        assert.deepEqual(concatBytes(b.take()), concatBytes(a.take()), what);
      }
    }
  });

  it('fills the length in after text written across a slab boundary', () => {
    const framer = lengthPrefix({ width: 2 }).create();
    const out = new WriteBuffer({ slabSize: 8, copyThreshold: 1024 });
    out.writeBytes(utf8('12345'));
    framer.encodeText('hello world', out); // header fits the first slab, text does not
    assert.deepEqual(concatBytes(out.take()), bytesOf('12345', [0, 11], 'hello world'));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, ErrorCode, codecs, bytesCodec, decodeUtf8, defineCodec, jsonCodec, textCodec } from '../../src/core/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const u8 = (...b: number[]) => Uint8Array.from(b);

/** Byte sequences that are not UTF-8, by the rules of RFC 3629 / the WHATWG Encoding Standard. */
const invalidUtf8: [string, Uint8Array][] = [
  ['a lone continuation byte', u8(0x80)],
  ['a continuation byte after ASCII', u8(0x61, 0xbf)],
  ['0xff', u8(0xff)],
  ['0xfe', u8(0xfe)],
  ['an overlong "/" in two bytes', u8(0xc0, 0xaf)],
  ['an overlong NUL in two bytes', u8(0xc0, 0x80)],
  ['an overlong 0x7f in two bytes (0xc1)', u8(0xc1, 0xbf)],
  ['an overlong "/" in three bytes', u8(0xe0, 0x80, 0xaf)],
  ['an overlong U+07FF in three bytes', u8(0xe0, 0x9f, 0xbf)],
  ['an overlong "/" in four bytes', u8(0xf0, 0x80, 0x80, 0xaf)],
  ['an overlong U+FFFF in four bytes', u8(0xf0, 0x8f, 0xbf, 0xbf)],
  ['a high surrogate U+D800', u8(0xed, 0xa0, 0x80)],
  ['a low surrogate U+DFFF', u8(0xed, 0xbf, 0xbf)],
  ['a CESU-8 surrogate pair', u8(0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9)],
  ['a code point above U+10FFFF', u8(0xf4, 0x90, 0x80, 0x80)],
  ['a five-byte form', u8(0xf8, 0x88, 0x80, 0x80, 0x80)],
  ['a two-byte sequence cut short', u8(0xc3)],
  ['a three-byte sequence cut short', u8(0xe2, 0x82)],
  ['a four-byte sequence cut short', u8(0xf0, 0x9f, 0x98)],
  ['a cut-short sequence followed by ASCII', u8(0xe2, 0x82, 0x61)],
  ['a valid prefix and an invalid tail', u8(0x68, 0x69, 0xc3, 0x28)],
];

describe('bytes codec', () => {
  it('hands out the frame itself by default (framers never write to a returned frame)', () => {
    const frame = u8(1, 2, 3);
    assert.equal(bytesCodec().decode(frame), frame);
    assert.equal(bytesCodec({ copy: false }).decode(frame), frame);
  });

  it('copies received frames with copy: true so the message owns its memory', () => {
    const frame = u8(1, 2, 3);
    const msg = bytesCodec({ copy: true }).decode(frame);
    assert.deepEqual(msg, frame);
    frame[0] = 9;
    assert.deepEqual(msg, u8(1, 2, 3));
  });

  it('sends bytes and strings as they are', () => {
    const b = u8(1, 2);
    assert.equal(bytesCodec().encode(b), b);
    assert.equal(bytesCodec().encode('hi'), 'hi');
    assert.equal(bytesCodec().binary, true);
    assert.equal(bytesCodec().name, 'bytes');
  });

  it('rejects anything else with ENCODE_FAILED', () => {
    for (const bad of [42, null, undefined, {}, [1, 2], new ArrayBuffer(2)]) {
      assert.throws(() => bytesCodec().encode(bad as unknown as Uint8Array), { name: 'CodecError', code: ErrorCode.ENCODE_FAILED }, String(bad));
    }
  });
});

describe('text codec and decodeUtf8', () => {
  it('decodes valid UTF-8 of every length class', () => {
    for (const s of ['', 'ascii', 'é', '€', '𝄞', 'mixed é € 𝄞 text', '\u0000', '\uffff', '\u{10ffff}']) {
      assert.equal(textCodec().decode(utf8(s)), s, JSON.stringify(s));
    }
  });

  it('keeps a leading byte order mark', () => {
    assert.equal(decodeUtf8(u8(0xef, 0xbb, 0xbf, 0x61)), '\ufeffa');
  });

  for (const [what, bytes] of invalidUtf8) {
    it(`fails with INVALID_UTF8 on ${what}`, () => {
      assert.throws(() => decodeUtf8(bytes), { name: 'CodecError', code: ErrorCode.INVALID_UTF8 });
      assert.throws(() => textCodec().decode(bytes), { code: ErrorCode.INVALID_UTF8 });
    });
  }

  it('decodes valid text again after failing on invalid text', () => {
    assert.throws(() => decodeUtf8(u8(0xe2, 0x82)), { code: ErrorCode.INVALID_UTF8 });
    assert.equal(decodeUtf8(utf8('still fine €')), 'still fine €');
  });

  it('sends strings and rejects anything else with ENCODE_FAILED', () => {
    assert.equal(textCodec().encode('hi'), 'hi');
    assert.equal(textCodec().binary, false);
    assert.equal(textCodec().name, 'text');
    for (const bad of [42, null, u8(1), {}]) {
      assert.throws(() => textCodec().encode(bad as unknown as string), { code: ErrorCode.ENCODE_FAILED }, String(bad));
    }
  });
});

describe('json codec', () => {
  it('round-trips JSON values', () => {
    const codec = jsonCodec();
    for (const v of [null, 0, -1.5, 'str', true, [], {}, { a: [1, { b: 'é€𝄞' }] }, [null, false]]) {
      const wire = codec.encode(v);
      assert.equal(typeof wire, 'string');
      assert.deepEqual(codec.decode(utf8(wire as string)), v);
    }
    assert.equal(codec.binary, false);
    assert.equal(codec.name, 'json');
  });

  it('fails with INVALID_JSON on text that is not JSON', () => {
    for (const bad of ['', '{', '{"a":}', "{'a':1}", 'undefined', 'NaN', '[1,]', '1 2', '\ufeff{}']) {
      assert.throws(() => jsonCodec().decode(utf8(bad)), { name: 'CodecError', code: ErrorCode.INVALID_JSON }, JSON.stringify(bad));
    }
  });

  it('fails with INVALID_UTF8, not INVALID_JSON, on bytes that are not UTF-8', () => {
    assert.throws(() => jsonCodec().decode(u8(0x22, 0xff, 0x22)), { code: ErrorCode.INVALID_UTF8 });
  });

  it('keeps the parser error as the cause', () => {
    assert.throws(
      () => jsonCodec().decode(utf8('{')),
      (err: unknown) => err instanceof CodecError && err.cause instanceof SyntaxError,
    );
  });

  it('fails with DECODE_FAILED on a value the validator refuses', () => {
    const isPoint = (v: unknown): v is { x: number; y: number } =>
      typeof v === 'object' && v !== null && typeof (v as { x?: unknown }).x === 'number' && typeof (v as { y?: unknown }).y === 'number';
    const codec = jsonCodec({ validate: isPoint });
    assert.deepEqual(codec.decode(utf8('{"x":1,"y":2}')), { x: 1, y: 2 });
    for (const bad of ['{"x":1}', '[1,2]', 'null', '"point"']) {
      assert.throws(() => codec.decode(utf8(bad)), { code: ErrorCode.DECODE_FAILED }, bad);
    }
    // Bad JSON is still INVALID_JSON: the validator never sees it.
    assert.throws(() => codec.decode(utf8('{x')), { code: ErrorCode.INVALID_JSON });
  });

  it('fails with ENCODE_FAILED on values with no JSON form', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [string, unknown][] = [
      ['a BigInt', 1n],
      ['a BigInt inside an object', { n: 2n }],
      ['undefined', undefined],
      ['a function', () => 1],
      ['a symbol', Symbol('s')],
      ['a cycle', cyclic],
      [
        'a toJSON that throws',
        {
          toJSON() {
            throw new Error('nope');
          },
        },
      ],
    ];
    for (const [what, value] of cases) {
      assert.throws(() => jsonCodec<unknown>().encode(value), { name: 'CodecError', code: ErrorCode.ENCODE_FAILED }, what);
    }
  });

  it('drops undefined object fields and writes NaN as null, as JSON.stringify does', () => {
    assert.equal(jsonCodec().encode({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(jsonCodec().encode([Number.NaN]), '[null]');
  });
});

describe('defineCodec', () => {
  const upper = defineCodec<string>({
    name: 'upper',
    binary: false,
    encode: (s) => s.toUpperCase(),
    decode: (b) => new TextDecoder().decode(b).toLowerCase(),
  });

  it('uses the given functions, name and kind', () => {
    assert.equal(upper.encode('abc'), 'ABC');
    assert.equal(upper.decode(utf8('ABC')), 'abc');
    assert.equal(upper.name, 'upper');
    assert.equal(upper.binary, false);
    assert.equal(defineCodec({ name: 'x', encode: () => u8(), decode: () => 0 }).binary, true);
  });

  it('wraps what decode throws as DECODE_FAILED, keeping the cause', () => {
    const boom = new RangeError('bad tag');
    const codec = defineCodec<number>({
      name: 'tagged',
      encode: () => u8(),
      decode: () => {
        throw boom;
      },
    });
    assert.throws(
      () => codec.decode(u8(1, 2)),
      (err: unknown) =>
        err instanceof CodecError && err.code === ErrorCode.DECODE_FAILED && err.cause === boom && /tagged .*bad tag/.test(err.message),
    );
  });

  it('wraps what encode throws as ENCODE_FAILED, including non-Error values', () => {
    const codec = defineCodec<number>({
      name: 'thrower',
      encode: () => {
        throw 'a string';
      },
      decode: () => 0,
    });
    assert.throws(
      () => codec.encode(1),
      (err: unknown) => err instanceof CodecError && err.code === ErrorCode.ENCODE_FAILED && err.cause === 'a string',
    );
  });

  it('passes on a CodecError thrown by the functions unchanged', () => {
    const own = new CodecError(ErrorCode.INVALID_UTF8, 'mine');
    const codec = defineCodec<string>({
      name: 'strict',
      encode: () => {
        throw own;
      },
      decode: (b) => decodeUtf8(b),
    });
    assert.throws(() => codec.encode('x'), (err: unknown) => err === own);
    assert.throws(() => codec.decode(u8(0xff)), { code: ErrorCode.INVALID_UTF8 });
  });

  it('is reachable as codecs.define, next to the built-in codecs', () => {
    assert.equal(codecs.define, defineCodec);
    assert.equal(codecs.bytes, bytesCodec);
    assert.equal(codecs.text, textCodec);
    assert.equal(codecs.json, jsonCodec);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, FramingError, CodecError, WriteBuffer, concatBytes, delimiter, lines, type Framing } from '../../src/core/index.js';
import { everySplit, feed, drain } from '../helpers/split.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const texts = (frames: Uint8Array[]) => frames.map((f) => new TextDecoder().decode(f));

/** Feeds `wire` in every split and checks each gives `expected` frames (and `skipped`, when given). */
function assertEverySplit(framing: Framing, wire: string, expected: string[], skipped?: number): void {
  for (const { name, chunks } of everySplit(utf8(wire))) {
    const framer = framing.create();
    assert.deepEqual(texts(feed(framer, chunks, { finish: true })), expected, name);
    if (skipped !== undefined) assert.equal(framer.skipped, skipped, `${name}: skipped`);
    assert.equal(framer.buffered, 0, `${name}: buffered`);
  }
}

/** Encodes with `encode` and `encodeText` and returns both results as strings. */
function encodeBoth(framing: Framing, payload: string): [string, string] {
  const a = new WriteBuffer();
  framing.create().encode(utf8(payload), a);
  const b = new WriteBuffer();
  framing.create().encodeText(payload, b);
  const dec = (w: WriteBuffer) => new TextDecoder().decode(concatBytes(w.take()));
  return [dec(a), dec(b)];
}

describe('delimiter framing: decoding', () => {
  it('parses newline-terminated frames in every split, down to one byte at a time', () => {
    assertEverySplit(delimiter('\n'), 'one\ntwo\n\nthree\n', ['one', 'two', '', 'three']);
  });

  it('parses ";"-terminated frames in every split', () => {
    assertEverySplit(delimiter(';'), 'a=1;b=2;;c;', ['a=1', 'b=2', '', 'c']);
  });

  it('parses "\\r\\n"-terminated frames whose delimiter is split across reads', () => {
    assertEverySplit(delimiter('\r\n'), 'PING\r\nPONG 1\r\n\r\nx\ry\r\n', ['PING', 'PONG 1', '', 'x\ry']);
  });

  it('parses "end;"-terminated frames containing partial delimiters', () => {
    assertEverySplit(delimiter('end;'), 'the end;enen;end;ennd;;end;', ['the ', 'enen;', 'ennd;;']);
  });

  it('parses frames with a self-overlapping delimiter at the earliest match', () => {
    assertEverySplit(delimiter('aab'), 'xaaabyaab', ['xa', 'y']);
  });

  it('accepts the delimiter as bytes', () => {
    const framing = delimiter(Uint8Array.from([0x00, 0xff]));
    for (const { name, chunks } of everySplit(Uint8Array.from([1, 2, 0, 0xff, 0, 3, 0, 0xff]))) {
      assert.deepEqual(feed(framing.create(), chunks), [Uint8Array.from([1, 2]), Uint8Array.from([0, 3])], name);
    }
  });

  it('delivers a frame split across three reads', () => {
    const framer = delimiter('end;').create();
    framer.push(utf8('hel'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('lo e'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('nd;'));
    assert.deepEqual(texts(drain(framer)), ['hello ']);
  });

  it('consumes nothing when it says "not yet"', () => {
    const framer = delimiter('\r\n').create();
    framer.push(utf8('partial\r'));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 8);
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 8);
    framer.push(utf8('\n'));
    assert.deepEqual(texts(drain(framer)), ['partial']);
    assert.equal(framer.buffered, 0);
  });

  it('keeps the bytes after the last delimiter buffered', () => {
    const framer = delimiter(';').create();
    framer.push(utf8('a;b;cd'));
    assert.deepEqual(texts(drain(framer)), ['a', 'b']);
    assert.equal(framer.buffered, 2);
  });
});

describe('delimiter framing: maxFrameSize', () => {
  it('accepts a frame of exactly maxFrameSize bytes', () => {
    assertEverySplit(delimiter(';', { maxFrameSize: 3 }), 'abc;', ['abc']);
    assertEverySplit(delimiter('\r\n', { maxFrameSize: 3 }), 'abc\r\n', ['abc']);
    assertEverySplit(delimiter('end;', { maxFrameSize: 3 }), 'abcend;', ['abc']);
  });

  it('fails with FRAME_TOO_LARGE when a delimited frame is one byte over', () => {
    const framer = delimiter(';', { maxFrameSize: 3 }).create();
    framer.push(utf8('abcd;'));
    assert.throws(() => framer.next(), { name: 'FramingError', code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('fails with FRAME_TOO_LARGE before the delimiter arrives, once more than max bytes are buffered', () => {
    const framer = delimiter('\n', { maxFrameSize: 4 }).create();
    framer.push(utf8('abcd'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('e'));
    assert.throws(() => framer.next(), (err: unknown) => {
      assert.ok(err instanceof FramingError);
      assert.equal(err.code, ErrorCode.FRAME_TOO_LARGE);
      assert.match(err.message, /read 5 bytes .* expected no more than 4/);
      return true;
    });
  });

  it('does not count a partial multi-byte delimiter towards the frame size', () => {
    for (const [delim, max] of [
      ['\r\n', 3],
      ['end;', 3],
      ['end;', 1],
    ] as const) {
      const framer = delimiter(delim, { maxFrameSize: max }).create();
      const payload = 'x'.repeat(max);
      // Push the frame and all but the last byte of the delimiter, then the last byte.
      framer.push(utf8(payload + delim.slice(0, -1)));
      assert.equal(framer.next(), undefined, `${JSON.stringify(delim)}: not yet`);
      framer.push(utf8(delim.slice(-1)));
      assert.deepEqual(texts(drain(framer)), [payload], JSON.stringify(delim));
    }
  });

  it('fails with FRAME_TOO_LARGE without a multi-byte delimiter once the frame surely exceeds max', () => {
    const framer = delimiter('end;', { maxFrameSize: 3 }).create();
    framer.push(utf8('abcend')); // could still be "abc" + "end;"
    assert.equal(framer.next(), undefined);
    framer.push(utf8('x')); // "abcendx": no delimiter can end the frame before 4 bytes
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('gives the same verdict on an oversized frame in every split', () => {
    for (const { name, chunks } of everySplit(utf8('ok\r\ntoolong\r\n'))) {
      const framer = delimiter('\r\n', { maxFrameSize: 4 }).create();
      assert.throws(() => feed(framer, chunks), { code: ErrorCode.FRAME_TOO_LARGE }, name);
    }
  });

  it('rejects a maxFrameSize that is not a positive integer with INVALID_OPTION', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.throws(() => delimiter(';', { maxFrameSize: bad }), { name: 'ConfigError', code: ErrorCode.INVALID_OPTION }, String(bad));
    }
  });

  it('rejects an empty delimiter with INVALID_OPTION', () => {
    assert.throws(() => delimiter(''), { code: ErrorCode.INVALID_OPTION });
    assert.throws(() => delimiter(new Uint8Array(0)), { code: ErrorCode.INVALID_OPTION });
  });
});

describe('delimiter framing: recover', () => {
  it('skips an oversized frame up to and including the next delimiter and counts the bytes', () => {
    // "toolong;" is 8 bytes skipped.
    assertEverySplit(delimiter(';', { maxFrameSize: 4, recover: true }), 'ok;toolong;fine;', ['ok', 'fine'], 8);
  });

  it('skips oversized frames with a multi-byte delimiter in every split', () => {
    // "0123456789end;" (14) and "xxxxxend;" (9) are skipped.
    assertEverySplit(
      delimiter('end;', { maxFrameSize: 4, recover: true }),
      'a end;0123456789end;b end;xxxxxend;en;end;',
      ['a ', 'b ', 'en;'],
      23,
    );
  });

  it('skips an oversized frame that is still arriving and keeps going after its delimiter', () => {
    const framer = delimiter('\n', { maxFrameSize: 3, recover: true }).create();
    framer.push(utf8('aaaaaa'));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 0, 'the oversized bytes are not kept');
    assert.equal(framer.skipped, 6);
    framer.push(utf8('aaaa'));
    assert.equal(framer.next(), undefined);
    framer.push(utf8('a\nok\n'));
    assert.deepEqual(texts(drain(framer)), ['ok']);
    assert.equal(framer.skipped, 12);
  });

  it('does not report a truncated frame at the end while skipping an oversized one', () => {
    const framer = delimiter('end;', { maxFrameSize: 2, recover: true }).create();
    framer.push(utf8('abcdefen'));
    assert.equal(framer.next(), undefined);
    assert.equal(framer.buffered, 3, 'keeps what could be the start of the delimiter');
    assert.doesNotThrow(() => framer.finish());
  });

  it('starts with nothing skipped', () => {
    assert.equal(delimiter(';').create().skipped, 0);
  });
});

describe('delimiter framing: trimCR and skipEmpty', () => {
  it('lines() drops one "\\r" before each "\\n"', () => {
    assertEverySplit(lines(), 'a\r\nb\nc\r\r\n\r\n', ['a', 'b', 'c\r', '']);
  });

  it('keeps a "\\r" that is not right before the "\\n"', () => {
    assertEverySplit(lines(), 'a\rb\n\rc\n', ['a\rb', '\rc']);
  });

  it('keeps "\\r" with delimiter("\\n") unless trimCR is set', () => {
    assertEverySplit(delimiter('\n'), 'a\r\n', ['a\r']);
    assertEverySplit(delimiter('\n', { trimCR: true }), 'a\r\n', ['a']);
    assertEverySplit(lines({ trimCR: false }), 'a\r\n', ['a\r']);
  });

  it('ignores trimCR for delimiters other than "\\n"', () => {
    assertEverySplit(delimiter(';', { trimCR: true }), 'a\r;', ['a\r']);
    assertEverySplit(delimiter('\r\n', { trimCR: true }), 'a\r\r\n', ['a\r']);
  });

  it('does not count the trimmed "\\r" towards maxFrameSize', () => {
    assertEverySplit(lines({ maxFrameSize: 3 }), 'abc\r\nabc\n', ['abc', 'abc']);
    const framer = lines({ maxFrameSize: 3 }).create();
    framer.push(utf8('abcd\r\n'));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
  });

  it('delivers empty frames unless skipEmpty is set', () => {
    assertEverySplit(delimiter(';'), ';;a;', ['', '', 'a']);
    assertEverySplit(delimiter(';', { skipEmpty: true }), ';;a;;b;', ['a', 'b']);
    assertEverySplit(lines({ skipEmpty: true }), '\r\n\n\r\nx\r\n\n', ['x']);
  });

  it('is named after the delimiter', () => {
    assert.equal(lines().name, 'lines');
    assert.equal(delimiter('\n').name, 'lines');
    assert.equal(delimiter(';').name, 'delimiter(";")');
    assert.equal(delimiter('\r\n').name, 'delimiter("\\r\\n")');
    assert.equal(delimiter(';').messageOriented, false);
    assert.equal(delimiter(';', { maxFrameSize: 10 }).maxFrameSize, 10);
  });
});

describe('delimiter framing: finish', () => {
  it('does nothing at the end of a stream that ended on a frame boundary', () => {
    const framer = delimiter('end;').create();
    feed(framer, [utf8('a end;')]);
    assert.doesNotThrow(() => framer.finish());
    assert.doesNotThrow(() => delimiter(';').create().finish());
  });

  it('fails with FRAME_TRUNCATED when bytes are left without a delimiter', () => {
    for (const [delim, rest] of [
      ['\n', 'partial'],
      ['\r\n', 'partial\r'],
      ['end;', 'x en'],
    ] as const) {
      const framer = delimiter(delim).create();
      framer.push(utf8(`done${delim}${rest}`));
      assert.deepEqual(texts(drain(framer)), ['done']);
      assert.throws(() => framer.finish(), { name: 'FramingError', code: ErrorCode.FRAME_TRUNCATED }, JSON.stringify(delim));
    }
  });
});

describe('delimiter framing: encoding', () => {
  it('appends the delimiter to each payload, from bytes and from text alike', () => {
    assert.deepEqual(encodeBoth(lines(), 'hello'), ['hello\n', 'hello\n']);
    assert.deepEqual(encodeBoth(delimiter('end;'), 'héllo'), ['héllo' + 'end;', 'héllo' + 'end;']);
    assert.deepEqual(encodeBoth(delimiter(Uint8Array.from([0x3b])), 'x'), ['x;', 'x;']);
    assert.deepEqual(encodeBoth(delimiter('€'), 'x'), ['x€', 'x€']);
    assert.deepEqual(encodeBoth(delimiter(';'), ''), [';', ';']);
  });

  it('rejects a payload containing the delimiter with ENCODE_FAILED and writes nothing', () => {
    for (const [delim, payload] of [
      ['\n', 'a\nb'],
      [';', ';'],
      ['\r\n', 'a\r\nb'],
      ['end;', 'the end; really'],
      ['€', 'cost: €5'],
    ] as const) {
      for (const how of ['encode', 'encodeText'] as const) {
        const out = new WriteBuffer();
        out.writeBytes(utf8('before'));
        const framer = delimiter(delim).create();
        assert.throws(
          () => (how === 'encode' ? framer.encode(utf8(payload), out) : framer.encodeText(payload, out)),
          { name: 'CodecError', code: ErrorCode.ENCODE_FAILED },
          `${how} ${JSON.stringify(payload)}`,
        );
        assert.equal(out.length, 6);
        assert.equal(new TextDecoder().decode(concatBytes(out.take())), 'before');
      }
    }
  });

  it('rejects a payload whose tail forms the delimiter together with it (self-overlapping delimiters)', () => {
    for (const [delim, payload] of [
      [';;', 'a;'],
      ['\r\n\r\n', 'header\r\n'],
      ['\r\n\r\n', '\r\n'],
      ['aba', 'xab'],
    ] as const) {
      for (const how of ['encode', 'encodeText'] as const) {
        const out = new WriteBuffer();
        const framer = delimiter(delim).create();
        assert.throws(
          () => (how === 'encode' ? framer.encode(utf8(payload), out) : framer.encodeText(payload, out)),
          { code: ErrorCode.ENCODE_FAILED },
          `${how} ${JSON.stringify(payload)} with ${JSON.stringify(delim)}`,
        );
        assert.equal(out.length, 0);
      }
    }
  });

  it('accepts a payload ending in a partial delimiter that cannot overlap it', () => {
    assert.deepEqual(encodeBoth(delimiter('end;'), 'the en'), ['the enend;', 'the enend;']);
    assertEverySplit(delimiter('end;'), 'the enend;', ['the en']);
    assert.deepEqual(encodeBoth(delimiter('\r\n'), 'a\r'), ['a\r\r\n', 'a\r\r\n']);
    assertEverySplit(delimiter('\r\n'), 'a\r\r\n', ['a\r']);
    assert.deepEqual(encodeBoth(delimiter('\r\n\r\n'), 'x\r\n\r'), ['x\r\n\r\r\n\r\n', 'x\r\n\r\r\n\r\n']);
    assertEverySplit(delimiter('\r\n\r\n'), 'x\r\n\r\r\n\r\n', ['x\r\n\r']);
    assert.deepEqual(encodeBoth(delimiter('aab'), 'xa'), ['xaaab', 'xaaab']);
  });

  it('sends a payload ending in "\\r" with one more "\\r", which trimCR drops on the other side', () => {
    // "abc\r\r\n" is read as "abc\r": an echo server must be able to send that frame back.
    assertEverySplit(lines(), 'abc\r\r\n', ['abc\r']);
    assert.deepEqual(encodeBoth(lines(), 'abc\r'), ['abc\r\r\n', 'abc\r\r\n']);
    assert.deepEqual(encodeBoth(lines(), '\r\r'), ['\r\r\r\n', '\r\r\r\n']);
    assertEverySplit(lines(), '\r\r\r\n', ['\r\r']);
    // A payload without a trailing "\r" still ends with a bare "\n", as before.
    assert.deepEqual(encodeBoth(lines(), 'a\rb'), ['a\rb\n', 'a\rb\n']);
    // The extra "\r" does not count towards maxFrameSize: a 3-byte payload fits a 3-byte limit.
    assert.deepEqual(encodeBoth(lines({ maxFrameSize: 3 }), 'ab\r'), ['ab\r\r\n', 'ab\r\r\n']);
    assertEverySplit(lines({ maxFrameSize: 3 }), 'ab\r\r\n', ['ab\r']);
    // Without trimCR the "\r" survives the round trip as it is.
    assert.deepEqual(encodeBoth(delimiter('\n'), 'line\r'), ['line\r\n', 'line\r\n']);
  });

  it('rejects an oversized payload with MESSAGE_TOO_LARGE and writes nothing', () => {
    const framing = delimiter(';', { maxFrameSize: 4 });
    for (const payload of ['12345', 'ééé']) {
      for (const how of ['encode', 'encodeText'] as const) {
        const out = new WriteBuffer();
        const framer = framing.create();
        assert.throws(
          () => (how === 'encode' ? framer.encode(utf8(payload), out) : framer.encodeText(payload, out)),
          (err: unknown) => err instanceof CodecError && err.code === ErrorCode.MESSAGE_TOO_LARGE,
          `${how} ${payload}`,
        );
        assert.equal(out.length, 0);
        assert.deepEqual(out.take(), []);
      }
    }
    // Exactly max bytes is fine, also when the text is short in characters but long in bytes.
    assert.deepEqual(encodeBoth(framing, '1234'), ['1234;', '1234;']);
    assert.deepEqual(encodeBoth(framing, 'éé'), ['éé;', 'éé;']);
  });

  it('writes a lone surrogate as U+FFFD and still refuses a non-ASCII delimiter it would form', () => {
    const out = new WriteBuffer();
    assert.throws(() => delimiter('\ufffd').create().encodeText('a\ud800b', out), { code: ErrorCode.ENCODE_FAILED });
    assert.equal(out.length, 0);
    assert.deepEqual(encodeBoth(lines(), 'a\ud800'), ['a\ufffd\n', 'a\ufffd\n']);
  });

  it('round-trips what it encodes in every split', () => {
    const framing = delimiter('\r\n', { maxFrameSize: 16 });
    const payloads = ['', 'a', 'with \r inside', 'ends with \r', '\n\n'];
    const out = new WriteBuffer();
    const framer = framing.create();
    payloads.forEach((p, i) => (i % 2 ? framer.encode(utf8(p), out) : framer.encodeText(p, out)));
    const wire = new TextDecoder().decode(concatBytes(out.take()));
    assertEverySplit(framing, wire, payloads);
  });
});

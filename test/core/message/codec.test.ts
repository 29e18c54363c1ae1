import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, ErrorCode, Limits, WriteBuffer, concatBytes, type Framing } from '../../../src/core/index.js';
import {
  Message,
  MessageParseError,
  message,
  namedMessageCodec,
  namedMessageDatagrams,
  namedMessageLines,
  namedMessages,
  parseMessage,
} from '../../../src/core/message/index.js';
import { everySplit, feed } from '../../helpers/split.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** What a fresh framer of `framing` writes for these messages, through the codec of `protocol`. */
function wire(framing: Framing, encode: (m: Message) => Uint8Array | string, msgs: Message[]): string {
  const framer = framing.create();
  const out = new WriteBuffer();
  for (const m of msgs) {
    const payload = encode(m);
    if (typeof payload === 'string') framer.encodeText(payload, out);
    else framer.encode(payload, out);
  }
  return text(concatBytes(out.take()));
}

describe('named message codec', () => {
  it('encodes a Message as its line, and decodes a frame into a Message', () => {
    const codec = namedMessageCodec();
    assert.equal(codec.name, 'named-message');
    assert.equal(codec.binary, false);
    const m = message('FIRE', { name: 'Charles', length: -35 });
    assert.equal(codec.encode(m), 'FIRE length=-35;name=Charles');
    assert.deepEqual(codec.decode(utf8('FIRE length=-35;name=Charles')), m);
    assert.deepEqual(codec.decode(utf8('{"command":"FIRE","parameters":{"length":-35,"name":"Charles"}}')), m);
  });

  it('encodes the JSON form with format: json', () => {
    const codec = namedMessageCodec({ format: 'json' });
    assert.equal(codec.name, 'named-message-json');
    assert.equal(codec.encode(message('STOP')), '{"command":"STOP"}');
  });

  it('refuses to encode anything but a Message', () => {
    const codec = namedMessageCodec();
    for (const bad of ['FIRE', { command: 'FIRE', parameters: {} }, null]) {
      assert.throws(() => codec.encode(bad as unknown as Message), (e: unknown) => e instanceof CodecError && e.code === ErrorCode.ENCODE_FAILED);
    }
  });

  it('reports bad frames as codec errors with documented codes', () => {
    const codec = namedMessageCodec({ maxLength: 10 });
    assert.throws(() => codec.decode(Uint8Array.of(0x46, 0xff)), { code: ErrorCode.INVALID_UTF8 });
    assert.throws(() => codec.decode(utf8('fire')), (e: unknown) => e instanceof MessageParseError && e.code === ErrorCode.MESSAGE_INVALID_NAME);
    assert.throws(() => codec.decode(utf8('FIRE x')), (e: unknown) => e instanceof CodecError && e.code === ErrorCode.MESSAGE_SYNTAX);
    assert.throws(() => codec.decode(utf8('FIRE x=12345')), { code: ErrorCode.MESSAGE_LINE_TOO_LONG });
  });
});

describe('namedMessages() on a stream', () => {
  const protocol = namedMessages();
  const { framing, codec } = protocol;

  it('is lines + the named message codec, limited to 64 KiB lines', () => {
    assert.equal(protocol.name, 'lines+named-message');
    assert.equal(framing.name, 'lines');
    assert.equal(framing.maxFrameSize, Limits.namedMessageMaxLine);
    assert.equal(Limits.namedMessageMaxLine, 64 * 1024);
    assert.equal(namedMessages({ format: 'json', maxLineLength: 100 }).name, 'lines+named-message-json');
  });

  it('writes one message per \\n-terminated line', () => {
    const msgs = [message('HI'), message('FIRE', { p: 'a\nb;c' }), message('BYE').to('client', 'srv')];
    assert.equal(wire(framing, codec.encode, msgs), 'HI\nFIRE p="a\\nb;c"\nsrv:client/BYE\n');
    assert.equal(wire(namedMessages({ format: 'json' }).framing, namedMessages({ format: 'json' }).codec.encode, [message('HI')]), '{"command":"HI"}\n');
  });

  it('reads \\r\\n lines and skips empty and blank lines, however the bytes are cut', () => {
    const bytes = utf8('HI\r\n\n \t \r\n\r\nFIRE name=Charles;length=-35\r\n   \n{"command":"BYE"}\n');
    const expected = [message('HI'), message('FIRE', { length: -35, name: 'Charles' }), message('BYE')];
    for (const { name, chunks } of everySplit(bytes, { threePieceMaxLength: 24 })) {
      const frames = feed(framing.create(), chunks, { finish: true });
      assert.deepEqual(frames.map((f) => codec.decode(f)), expected, name);
    }
  });

  it('keeps multi-byte characters whole across reads', () => {
    const m = message('X', { p: 'é€𝄞' });
    const bytes = utf8(`${String(m)}\n`);
    for (const { name, chunks } of everySplit(bytes)) {
      assert.deepEqual(feed(framing.create(), chunks).map((f) => codec.decode(f)), [m], name);
    }
  });

  it('stops a line longer than the limit before it ends, and refuses to send one', () => {
    const small = namedMessageLines({ maxLineLength: 8 });
    const framer = small.create();
    framer.push(utf8('FIRE a=123'));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
    assert.throws(() => small.create().encodeText('FIRE a=123', new WriteBuffer()), { code: ErrorCode.MESSAGE_TOO_LARGE });
    const exact = small.create();
    exact.push(utf8('FIRE a=1\r\n'));
    assert.equal(text(exact.next()!), 'FIRE a=1');
  });

  it('reports an unterminated last line at end of stream', () => {
    const framer = framing.create();
    framer.push(utf8('HI\nBYE'));
    assert.equal(text(framer.next()!), 'HI');
    assert.equal(framer.next(), undefined);
    assert.throws(() => framer.finish(), { code: ErrorCode.FRAME_TRUNCATED });
  });

  it('passes a non-blank line with odd bytes to the codec, which says what is wrong', () => {
    const frames = feed(framing.create(), [utf8('FIRE\x0b x\n')]);
    assert.equal(frames.length, 1);
    assert.throws(() => codec.decode(frames[0]!), { code: ErrorCode.MESSAGE_INVALID_NAME });
  });
});

describe('namedMessageDatagrams()', () => {
  const protocol = namedMessageDatagrams();

  it('is one message per datagram, without a newline, at most 1024 bytes', () => {
    assert.equal(protocol.name, 'datagram+named-message');
    assert.equal(protocol.framing.maxFrameSize, 1024);
    assert.equal(Limits.namedMessageMaxDatagram, 1024);
    assert.equal(wire(protocol.framing, protocol.codec.encode, [message('LOG')]), 'LOG');
  });

  it('reads a datagram with or without a trailing newline', () => {
    const framer = protocol.framing.create();
    framer.push(utf8('LOG_ROTATE'));
    framer.push(utf8('STOP\n'));
    assert.deepEqual([framer.next(), framer.next()].map((f) => protocol.codec.decode(f!)), [message('LOG_ROTATE'), message('STOP')]);
  });

  it('refuses to send more than 1024 bytes, and drops nothing silently on receipt', () => {
    const fits = message('X', { p: 'a'.repeat(1024 - 'X p='.length) });
    assert.equal(wire(protocol.framing, protocol.codec.encode, [fits]).length, 1024);
    const over = fits.with('p', 'a'.repeat(1024 - 'X p='.length + 1));
    assert.throws(() => wire(protocol.framing, protocol.codec.encode, [over]), { code: ErrorCode.MESSAGE_TOO_LARGE });
    const framer = protocol.framing.create();
    framer.push(utf8(String(over)));
    assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
    assert.equal(namedMessageDatagrams({ maxDatagramSize: 2048 }).framing.maxFrameSize, 2048);
  });

  it('round-trips a message through the codec', () => {
    const m = parseMessage('<a:b c:d/CMD x="y;z";w=\\\\');
    const framer = protocol.framing.create();
    framer.push(utf8(protocol.codec.encode(m) as string));
    assert.deepEqual(protocol.codec.decode(framer.next()!), m);
  });
});

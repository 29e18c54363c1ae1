/**
 * Property tests (fast-check) for named messages:
 *
 * 1. parse(serialize(m)) equals m, and parse(toJson(m)) equals m, for random valid messages whose
 *    names and values use every character that matters to the format; toJson is valid JSON.
 * 2. serialize(parse(s)) is canonical: parsing it again gives the same message and the same text.
 * 3. Random strings only ever give a message or a documented MessageParseError, with a column
 *    inside the line.
 * 4. Messages sent through namedMessages() come back out unchanged however the bytes are cut.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CodecError, ErrorCode, WriteBuffer, concatBytes } from '../../../src/core/index.js';
import {
  Message,
  MessageParseError,
  message,
  namedMessages,
  parseMessage,
  serializeMessage,
  toJson,
  type MessageFields,
} from '../../../src/core/message/index.js';

const NUM_RUNS = 300;

// ---------------------------------------------------------------------------------------------
// Arbitraries

const chars = (s: string) => fc.constantFrom(...Array.from(s));
const commandArb = fc.string({ unit: chars('ABCXYZ0129_'), minLength: 1, maxLength: 8 });
const peerArb = fc.oneof(
  fc.constant(''),
  fc.constantFrom('.', '*', '?'),
  fc.string({ unit: chars('abzABZ019_'), minLength: 1, maxLength: 8 }),
);
const paramNameArb = fc.oneof(
  { arbitrary: fc.tuple(chars('abzABZ_'), fc.string({ unit: chars('abzABZ019_'), maxLength: 6 })).map(([a, b]) => a + b), weight: 8 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'version', 'command'), weight: 1 },
);
/** Every character the line and JSON forms treat specially, plus blanks and non-ASCII. */
const SPECIAL = '\\\n\r";= <>:/{}[],\t\v\f\x01\x7f\u00a0\u2028\ufeffanrtu0é€';
const valueArb = fc.oneof(
  { arbitrary: fc.string({ unit: chars(SPECIAL), maxLength: 12 }), weight: 4 },
  { arbitrary: fc.string({ unit: fc.constantFrom(...Array.from(SPECIAL), '𝄞'), maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).filter((s) => !s.includes('\0')), weight: 1 },
  { arbitrary: fc.constantFrom('', 'true', 'false', '-35', '0', '-0', '007', '1.50', '9007199254740993', '"', ';', '\\', '"\\', ';\\'), weight: 1 },
);

const messageArb: fc.Arbitrary<Message> = fc
  .record({
    command: commandArb,
    service: peerArb,
    server: peerArb,
    sentFromServer: peerArb,
    sentFromService: peerArb,
    parameters: fc.array(fc.tuple(paramNameArb, valueArb), { maxLength: 6 }),
  })
  .map((f: MessageFields & { server: string; service: string }) => message({ ...f, server: f.service === '' ? '' : f.server }));

/** Strings made of the format's own pieces, so that many of them almost parse. */
const PIECES = ['FIRE', 'X', 'svc', 'srv', '<', ':', '/', ' ', '=', ';', '"', '\\', '\\"', '\\\\', 'a', '1', 'n', '{', '}', '"command"', '"X"', '"parameters"', ',', '[', ']', 'true', 'null', '-', '.', '*', '?', '\t', '\r', 'é'];
const piecesArb = fc.array(fc.constantFrom(...PIECES), { maxLength: 16 }).map((a) => a.join(''));
const lineArb = fc.oneof(piecesArb, fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }), messageArb.map((m) => mutate(String(m))));

/** Deterministic small damage to a valid line (drop, double or swap a character). */
function mutate(s: string): string {
  if (s.length < 2) return `${s};`;
  const k = s.length >> 1;
  return s.length % 3 === 0 ? s.slice(0, k) + s.slice(k + 1) : s.length % 3 === 1 ? s.slice(0, k) + s[k] + s.slice(k) : s.slice(0, k - 1) + s[k] + s[k - 1] + s.slice(k + 1);
}

const PARSE_CODES = new Set<string>([ErrorCode.MESSAGE_SYNTAX, ErrorCode.MESSAGE_INVALID_NAME, ErrorCode.MESSAGE_LINE_TOO_LONG]);

function tryParse(s: string): Message | MessageParseError {
  try {
    return parseMessage(s);
  } catch (err) {
    assert.ok(err instanceof MessageParseError, `parseMessage(${JSON.stringify(s)}) threw ${String(err)}`);
    assert.ok(err instanceof CodecError);
    assert.ok(PARSE_CODES.has(err.code), err.code);
    assert.ok(err.column !== undefined && err.column >= 1 && err.column <= s.length + 1, `column ${err.column} of ${JSON.stringify(s)}: ${err.message}`);
    return err;
  }
}

// ---------------------------------------------------------------------------------------------

describe('named message properties', () => {
  it('parse(serialize(m)) equals m', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const line = serializeMessage(m);
        assert.ok(!line.includes('\n') && !line.includes('\0'));
        assert.deepEqual(parseMessage(line), m);
        assert.ok(parseMessage(line).equals(m));
        // What a stream reader sees: \r\n endings and stray blanks around the line.
        assert.deepEqual(parseMessage(` \t${line}\r`), m);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('parse(toJson(m)) equals m, and toJson(m) is valid JSON', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const json = toJson(m);
        assert.ok(!json.includes('\n') && !json.includes('\r'));
        const o = JSON.parse(json) as { command: string; parameters?: Record<string, unknown> };
        assert.equal(o.command, m.command);
        for (const [k, v] of Object.entries(o.parameters ?? {})) assert.equal(String(v), m.parameters[k]);
        assert.deepEqual(parseMessage(json), m);
        assert.equal(JSON.stringify(m), json);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('serialize(parse(s)) is canonical', () => {
    fc.assert(
      fc.property(fc.oneof(lineArb, messageArb.map((m) => toJson(m))), (s) => {
        const first = tryParse(s);
        if (!(first instanceof Message)) return;
        const canonical = serializeMessage(first);
        const again = parseMessage(canonical);
        assert.deepEqual(again, first);
        assert.equal(serializeMessage(again), canonical);
        assert.deepEqual(parseMessage(toJson(first)), first);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('random strings only give a message or a documented error', () => {
    fc.assert(
      fc.property(lineArb, (s) => {
        tryParse(s);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('messages come back out of namedMessages() however the bytes are cut', () => {
    const { framing, codec } = namedMessages();
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 40 }),
        fc.boolean(),
        (msgs, sizes, crlf) => {
          const out = new WriteBuffer();
          const writer = framing.create();
          for (const m of msgs) writer.encodeText(codec.encode(m) as string, out);
          let bytes = concatBytes(out.take()).slice();
          if (crlf) bytes = new TextEncoder().encode(new TextDecoder().decode(bytes).replaceAll('\n', '\r\n\n'));
          const reader = framing.create();
          const got: Message[] = [];
          let at = 0;
          for (const size of [...sizes, bytes.length]) {
            if (at >= bytes.length) break;
            reader.push(bytes.subarray(at, at + size));
            at += size;
            for (let f = reader.next(); f !== undefined; f = reader.next()) got.push(codec.decode(f));
          }
          reader.finish();
          assert.deepEqual(got, msgs);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

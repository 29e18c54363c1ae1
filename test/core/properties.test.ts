/**
 * Property tests (fast-check) for every framing:
 *
 * 1. Whatever `encode` / `encodeText` accept comes back out of a fresh framer unchanged, however
 *    the encoded stream is cut into reads (down to one byte at a time); what they refuse is a
 *    `CodecError` (`MESSAGE_TOO_LARGE` / `ENCODE_FAILED`) that leaves the write buffer as it was.
 * 2. Random bytes, in random reads, only ever produce frames or a `SwitchboardError` whose code is
 *    in `ErrorCode`, and the outcome does not depend on how the bytes were cut into reads.
 * 3. "Not yet" consumes nothing: when `next()` returns `undefined`, `buffered` is unchanged
 *    (a recovering delimiter framer may drop bytes, and then counts every one in `skipped`;
 *    with `skipEmpty` it may have consumed empty frames it dropped).
 * 4. Whatever a framer delivers from random input can be sent back: `encode` (and `encodeText`,
 *    for a frame that is UTF-8) accepts every delivered frame, and a fresh framer decodes what
 *    they wrote to the same frames, under any chunking (an echo server or a relay never meets
 *    `ENCODE_FAILED` on a frame the same framing delivered).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CodecError,
  ErrorCode,
  SwitchboardError,
  WriteBuffer,
  concatBytes,
  custom,
  datagram,
  delimiter,
  fixed,
  lengthPrefix,
  lines,
  namedMessageLines,
  raw,
  type Framer,
  type Framing,
  type WriteBufferOptions,
} from '../../src/core/index.js';

const NUM_RUNS = 200;
const utf8 = (s: string) => new TextEncoder().encode(s);
const errorCodes = new Set<string>(Object.values(ErrorCode));

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** A message to send: bytes go through `encode`, text through `encodeText`. */
type Msg = { bytes: Uint8Array } | { text: string };
const msgBytes = (m: Msg) => ('bytes' in m ? m.bytes : utf8(m.text));

/** Bytes biased towards the ones that matter to framers (delimiters, CR, LF, varint bits). */
const special = [...utf8('\n\r;end'), 0x00, 0x7f, 0x80, 0xff];
const byteArb = fc.oneof({ arbitrary: fc.constantFrom(...special), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 });
const bytesArb = (maxLength: number) => fc.array(byteArb, { maxLength }).map((a) => Uint8Array.from(a));
const textArb = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'e', 'n', 'd', ';', '\n', '\r', 'é', '€', '𝄞'), maxLength }),
    fc.string({ unit: 'binary', maxLength }),
  );
const msgArb = (maxLength: number): fc.Arbitrary<Msg> =>
  fc.oneof(
    bytesArb(maxLength).map((bytes) => ({ bytes })),
    textArb(maxLength).map((text) => ({ text })),
  );

/**
 * How to cut a stream into reads: one byte at a time, or a list of read sizes (0 = an empty
 * read) with whatever is left as the last read.
 */
type Chunking = 'byte-by-byte' | number[];
const chunkingArb: fc.Arbitrary<Chunking> = fc.oneof(
  fc.constant('byte-by-byte' as const),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 64 })), { maxLength: 40 }),
);

function cut(bytes: Uint8Array, how: Chunking): Uint8Array[] {
  if (how === 'byte-by-byte') return Array.from({ length: bytes.length }, (_, k) => bytes.subarray(k, k + 1));
  const out: Uint8Array[] = [];
  let at = 0;
  for (const size of how) {
    if (at >= bytes.length) break;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
}

/** Write buffers with small slabs and thresholds, so headers and text cross slab edges. */
const writeBufferArb: fc.Arbitrary<WriteBufferOptions> = fc.record({
  slabSize: fc.integer({ min: 1, max: 64 }),
  copyThreshold: fc.integer({ min: 1, max: 64 }),
});

// ---------------------------------------------------------------------------------------------
// Feeding with invariant checks

interface Outcome {
  frames: Uint8Array[];
  /** Code of the error that stopped decoding, if one did. */
  error: string | undefined;
  skipped: number;
}

/**
 * Pushes `chunks` into `framer` and takes frames after each push, checking on every `next()`
 * that "not yet" consumes nothing (beyond what it counts in `skipped`, or empty frames dropped
 * when `skipEmpty` is set) and a frame consumes at least its own length. Stops at the first
 * error, which must be a documented SwitchboardError.
 */
function run(framer: Framer, chunks: Uint8Array[], finish: boolean, skipEmpty = false): Outcome {
  const frames: Uint8Array[] = [];
  try {
    for (const chunk of chunks) {
      const before = framer.buffered;
      framer.push(chunk);
      assert.equal(framer.buffered, before + chunk.length, 'push buffers every byte');
      for (let k = 0; k < 100_000; k++) {
        const buffered = framer.buffered;
        const skipped = framer.skipped;
        const f = framer.next();
        if (f === undefined) {
          const consumed = buffered - framer.buffered;
          if (skipEmpty) assert.ok(consumed >= framer.skipped - skipped, '"not yet" consumes at least what it counts as skipped');
          else assert.equal(consumed, framer.skipped - skipped, '"not yet" consumes only what it skips');
          break;
        }
        assert.ok(buffered - framer.buffered >= f.length, 'a frame consumes at least its own bytes');
        frames.push(f.slice());
      }
    }
    if (finish) framer.finish();
    return { frames, error: undefined, skipped: framer.skipped };
  } catch (err) {
    if (!(err instanceof SwitchboardError) || !errorCodes.has(err.code)) throw err;
    return { frames, error: err.code, skipped: framer.skipped };
  }
}

/** Encodes `msgs`, checking refusals, and returns the wire bytes plus the accepted payloads. */
function encodeMsgs(framing: Framing, msgs: Msg[], buffer: WriteBufferOptions): { wire: Uint8Array; accepted: Uint8Array[] } {
  const framer = framing.create();
  const out = new WriteBuffer(buffer);
  const accepted: Uint8Array[] = [];
  for (const m of msgs) {
    const before = out.length;
    try {
      if ('bytes' in m) framer.encode(m.bytes, out);
      else framer.encodeText(m.text, out);
      accepted.push(msgBytes(m));
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      assert.ok(err.code === ErrorCode.MESSAGE_TOO_LARGE || err.code === ErrorCode.ENCODE_FAILED, err.code);
      assert.equal(out.length, before, 'a refused message writes nothing');
    }
  }
  return { wire: concatBytes(out.take()).slice(), accepted };
}

// ---------------------------------------------------------------------------------------------
// The framings under test

interface Case {
  framing: Framing;
  /** Messages to round-trip. @default msgArb(24) */
  msgs?: fc.Arbitrary<Msg>;
  /** The frame a payload comes back as (custom framing delivers its header too). @default identity */
  frameOf?: (payload: Uint8Array) => Uint8Array;
  /** Set when the framing was made with `skipEmpty`: empty payloads are dropped on purpose. */
  skipEmpty?: boolean;
}

const tlvLength = (b: Uint8Array) => (b.length < 2 ? undefined : 2 + b[1]!);
const tlvEncode = (p: Uint8Array) => concatBytes([Uint8Array.from([0x42, p.length]), p]);

const streamCases: Case[] = [
  { framing: lines() },
  { framing: lines({ maxFrameSize: 8 }) },
  { framing: delimiter('\n') },
  { framing: delimiter(';', { maxFrameSize: 6 }) },
  { framing: delimiter(';', { skipEmpty: true }), skipEmpty: true },
  { framing: delimiter('\r\n', { maxFrameSize: 8 }) },
  { framing: delimiter('end;', { maxFrameSize: 10 }) },
  { framing: delimiter(';;') },
  { framing: delimiter('\r\n\r\n', { maxFrameSize: 12 }) },
  { framing: delimiter(Uint8Array.from([0x00, 0xff])) },
  { framing: delimiter('€') },
  { framing: delimiter(';', { maxFrameSize: 4, recover: true }) },
  { framing: lengthPrefix() },
  { framing: lengthPrefix({ width: 1 }) },
  { framing: lengthPrefix({ width: 2, endian: 'little' }) },
  { framing: lengthPrefix({ width: 4, endian: 'little', maxFrameSize: 10 }) },
  { framing: lengthPrefix({ width: 8 }) },
  { framing: lengthPrefix({ width: 8, endian: 'little' }) },
  { framing: lengthPrefix({ width: 'varint' }), msgs: msgArb(300) },
  { framing: lengthPrefix({ width: 'varint', offset: 2, maxFrameSize: 200 }), msgs: msgArb(300) },
  { framing: lengthPrefix({ width: 2, offset: 1, includesHeader: true }) },
  { framing: lengthPrefix({ width: 1, adjustment: 3 }) },
  { framing: lengthPrefix({ width: 1, adjustment: -5, maxFrameSize: 16 }) },
  { framing: lengthPrefix({ width: 1, includesHeader: true }), msgs: msgArb(300) },
  { framing: fixed(4), msgs: fc.oneof(bytesArb(6).map((bytes) => ({ bytes })), fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => ({ bytes }))) },
  { framing: custom(tlvLength, { maxFrameSize: 20, encode: tlvEncode }), frameOf: tlvEncode },
];

/** Framings fed random bytes: every stream case, plus ones that only make sense for decoding. */
const decodeOnlyCases: Case[] = [
  { framing: lines({ maxFrameSize: 3, recover: true }) },
  { framing: delimiter('end;', { maxFrameSize: 3, recover: true }) },
  { framing: delimiter('\r\n\r\n', { maxFrameSize: 5, recover: true, skipEmpty: true }), skipEmpty: true },
  { framing: lines({ maxFrameSize: 2, skipEmpty: true }), skipEmpty: true },
  { framing: lengthPrefix({ width: 'varint', maxFrameSize: 100 }) },
  { framing: lengthPrefix({ width: 8, maxFrameSize: 100 }) },
  { framing: lengthPrefix({ width: 4, includesHeader: true, maxFrameSize: 100 }) },
  { framing: custom(tlvLength, { maxFrameSize: 8 }) },
];

/** Largest frame a framing may deliver: maxFrameSize, plus the prefix a length-prefix offset keeps. */
function frameLimit(framing: Framing): number {
  return framing.maxFrameSize + Number(/offset=(\d+)/.exec(framing.name)?.[1] ?? 0);
}

// ---------------------------------------------------------------------------------------------

describe('property: decode(encode(x)) equals x under any chunking', () => {
  for (const c of streamCases) {
    it(`round-trips ${c.framing.name} (max ${c.framing.maxFrameSize})`, () => {
      fc.assert(
        fc.property(fc.array(c.msgs ?? msgArb(24), { maxLength: 8 }), chunkingArb, writeBufferArb, (msgs, chunking, buffer) => {
          const { wire, accepted } = encodeMsgs(c.framing, msgs, buffer);
          const out = run(c.framing.create(), cut(wire, chunking), true, c.skipEmpty);
          assert.equal(out.error, undefined, `decoding failed with ${out.error}`);
          const expected = accepted.filter((p) => !(c.skipEmpty && p.length === 0)).map(c.frameOf ?? ((p) => p));
          assert.deepEqual(out.frames, expected);
          assert.equal(out.skipped, 0);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }

  it('round-trips datagram: each encoded message is one datagram', () => {
    const framing = datagram({ maxFrameSize: 16 });
    fc.assert(
      fc.property(fc.array(msgArb(24), { maxLength: 8 }), writeBufferArb, (msgs, buffer) => {
        const datagrams: Uint8Array[] = [];
        const expected: Uint8Array[] = [];
        for (const m of msgs) {
          const { wire, accepted } = encodeMsgs(framing, [m], buffer);
          if (accepted.length === 0) continue;
          datagrams.push(wire);
          expected.push(accepted[0]!);
        }
        assert.deepEqual(run(framing.create(), datagrams, true).frames, expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('round-trips raw: the frames joined give back the bytes written', () => {
    fc.assert(
      fc.property(
        fc.array(msgArb(40), { maxLength: 8 }),
        chunkingArb,
        writeBufferArb,
        fc.integer({ min: 1, max: 16 }),
        (msgs, chunking, buffer, maxChunk) => {
          const framing = raw({ maxChunk });
          const { wire, accepted } = encodeMsgs(framing, msgs, buffer);
          assert.equal(accepted.length, msgs.length, 'raw accepts every message');
          const out = run(framing.create(), cut(wire, chunking), true);
          assert.deepEqual(concatBytes(out.frames), concatBytes(accepted));
          for (const f of out.frames) assert.ok(f.length >= 1 && f.length <= maxChunk);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('property: random bytes give frames or documented errors, whatever the chunking', () => {
  const randomInput = fc.oneof(
    bytesArb(80),
    fc.uint8Array({ maxLength: 80 }),
    // Well-formed streams with a little damage are the interesting case for stateful framers.
    fc.tuple(bytesArb(60), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, v]) => {
      const copy = b.slice();
      if (copy.length > 0) copy[at % copy.length] = v;
      return copy;
    }),
  );

  for (const { framing, skipEmpty } of [...streamCases, ...decodeOnlyCases]) {
    it(`${framing.name} (max ${framing.maxFrameSize}) decodes the same in every chunking and only throws documented errors`, () => {
      fc.assert(
        fc.property(randomInput, chunkingArb, (bytes, chunking) => {
          const whole = run(framing.create(), bytes.length > 0 ? [bytes] : [], true, skipEmpty);
          const cutUp = run(framing.create(), cut(bytes, chunking), true, skipEmpty);
          assert.deepEqual(cutUp, whole);
          for (const f of whole.frames) assert.ok(f.length <= frameLimit(framing), 'frames respect maxFrameSize');
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }

  it('a custom framing with an arbitrary (even throwing) length function only throws documented errors', () => {
    const lengthFnArb = fc.func<[Uint8Array], number | undefined | 'throw'>(
      fc.oneof(
        fc.constant(undefined),
        fc.integer({ min: -3, max: 40 }),
        fc.double(),
        fc.constant('throw' as const),
      ),
    );
    fc.assert(
      fc.property(lengthFnArb, fc.uint8Array({ maxLength: 60 }), chunkingArb, (fn, bytes, chunking) => {
        const framing = custom(
          (b) => {
            const r = fn(b);
            if (r === 'throw') throw new TypeError('length function bug');
            return r;
          },
          { maxFrameSize: 32 },
        );
        const out = run(framing.create(), cut(bytes, chunking), true);
        for (const f of out.frames) assert.ok(f.length >= 1 && f.length <= 32);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('datagram delivers every datagram within the limit and refuses the rest with FRAME_TOO_LARGE', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 10 }), (datagrams) => {
        const framer = datagram({ maxFrameSize: 16 }).create();
        for (const d of datagrams) framer.push(d);
        for (const d of datagrams) {
          if (d.length <= 16) assert.deepEqual(framer.next(), d);
          else assert.throws(() => framer.next(), { code: ErrorCode.FRAME_TOO_LARGE });
        }
        assert.equal(framer.next(), undefined);
        assert.equal(framer.buffered, 0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('property: encodeText writes what encode writes for the UTF-8 bytes', () => {
  const framings = streamCases.map((c) => c.framing).concat([datagram({ maxFrameSize: 16 }), raw()]);
  for (const framing of framings) {
    it(`${framing.name} (max ${framing.maxFrameSize})`, () => {
      fc.assert(
        fc.property(textArb(30), writeBufferArb, (text, buffer) => {
          const a = encodeMsgs(framing, [{ bytes: utf8(text) }], buffer);
          const b = encodeMsgs(framing, [{ text }], buffer);
          assert.deepEqual(b.wire, a.wire);
          assert.equal(b.accepted.length, a.accepted.length);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }
});

describe('property: every frame a framer delivers from random input encodes and decodes back to itself', () => {
  const randomInput = fc.oneof(
    bytesArb(80),
    fc.uint8Array({ maxLength: 80 }),
    // Few distinct bytes, so delimiters, "\r\r\n" and overlapping delimiters come up often.
    fc.array(fc.constantFrom(...utf8('a\r\n;e'), 0xff), { maxLength: 40 }).map((a) => Uint8Array.from(a)),
    fc.array(fc.constantFrom(...utf8('\r\n;')), { maxLength: 40 }).map((a) => Uint8Array.from(a)),
  );
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The frame as text when it is valid UTF-8 (and survives encodeText unchanged), else undefined. */
  const asText = (f: Uint8Array): string | undefined => {
    try {
      return fatal.decode(f);
    } catch {
      return undefined;
    }
  };

  /** Encodes `frames` with a fresh framer (as bytes, or as text when `useText` and they are UTF-8). */
  function reEncode(framing: Framing, frames: Uint8Array[], useText: boolean[], buffer: WriteBufferOptions): Uint8Array[] {
    const framer = framing.create();
    const wires: Uint8Array[] = [];
    for (const [k, f] of frames.entries()) {
      const out = new WriteBuffer(buffer);
      const text = useText[k % Math.max(1, useText.length)] ? asText(f) : undefined;
      // Must not throw: ENCODE_FAILED or MESSAGE_TOO_LARGE here is the bug this property is about.
      if (text !== undefined) framer.encodeText(text, out);
      else framer.encode(f, out);
      wires.push(concatBytes(out.take()).slice());
    }
    return wires;
  }

  // Every framing whose frames are its payloads. A custom framing whose `encode` adds a header
  // delivers the header too (`frameOf`): re-encoding would add a second one, by design.
  const cases = [...streamCases, ...decodeOnlyCases].filter((c) => c.frameOf === undefined);
  cases.push({ framing: namedMessageLines({ maxLineLength: 16 }), skipEmpty: true }, { framing: lines({ maxFrameSize: 1 }) });
  for (const { framing, skipEmpty } of cases) {
    it(`${framing.name} (max ${framing.maxFrameSize}) sends back every frame it delivered`, () => {
      fc.assert(
        fc.property(randomInput, chunkingArb, chunkingArb, fc.array(fc.boolean(), { maxLength: 4 }), writeBufferArb, (bytes, how1, how2, useText, buffer) => {
          const delivered = run(framing.create(), cut(bytes, how1), false, skipEmpty).frames;
          const wire = concatBytes(reEncode(framing, delivered, useText, buffer)).slice();
          const back = run(framing.create(), cut(wire, how2), true, skipEmpty);
          assert.equal(back.error, undefined, `decoding what was sent back failed with ${back.error}`);
          assert.deepEqual(back.frames, delivered);
          assert.equal(back.skipped, 0);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }

  it('datagram sends back every datagram it delivered, each as one datagram', () => {
    const framing = datagram({ maxFrameSize: 16 });
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 8 }), fc.array(fc.boolean(), { maxLength: 4 }), writeBufferArb, (datagrams, useText, buffer) => {
        const delivered = run(framing.create(), datagrams, true).frames;
        const back = run(framing.create(), reEncode(framing, delivered, useText, buffer), true);
        assert.equal(back.error, undefined);
        assert.deepEqual(back.frames, delivered);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('raw sends back every chunk it delivered: the bytes read back are the same', () => {
    fc.assert(
      fc.property(randomInput, chunkingArb, chunkingArb, fc.integer({ min: 1, max: 16 }), writeBufferArb, (bytes, how1, how2, maxChunk, buffer) => {
        const framing = raw({ maxChunk });
        const delivered = run(framing.create(), cut(bytes, how1), true).frames;
        const wire = concatBytes(reEncode(framing, delivered, [false], buffer)).slice();
        // Raw chunk boundaries carry no meaning: the bytes, not the cuts, come back.
        assert.deepEqual(concatBytes(run(framing.create(), cut(wire, how2), true).frames), concatBytes(delivered));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

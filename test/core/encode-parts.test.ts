import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteBuffer, concatBytes, delimiter, lengthPrefix, lines, type Framing } from '../../src/core/index.js';

const enc = new TextEncoder();

function framed(f: Framing, write: (fr: ReturnType<Framing['create']>, out: WriteBuffer) => void): Uint8Array | Error {
  const out = new WriteBuffer();
  const fr = f.create(out);
  try {
    write(fr, out);
  } catch (e) {
    return e as Error;
  }
  return concatBytes(out.take());
}

describe('Framer.encodeParts: a header and a payload framed as the joined bytes would be', () => {
  const framings: Array<[string, Framing]> = [
    ['lines', lines()],
    ['NUL', delimiter('\0')],
    ['CRLF (falls back to joining)', delimiter('\r\n')],
    ['length prefix u32', lengthPrefix()],
    ['length prefix u8, small max', lengthPrefix({ width: 1, maxFrameSize: 40 })],
    ['length prefix varint', lengthPrefix({ width: 'varint' })],
    ['length prefix with an offset (falls back)', lengthPrefix({ offset: 2 })],
  ];
  const payloads = ['', 'x', 'hello world', 'a\nb', 'zero\0byte', 'ends with cr\r', 'x'.repeat(300)].map((s) => enc.encode(s));
  const heads = ['1M1;', '1M123,45;', '1Q7,,3,abcDEF_-.9;'];
  for (const [name, f] of framings) {
    it(name, () => {
      for (const head of heads) {
        for (const p of payloads) {
          const what = `${name} ${head} ${JSON.stringify(new TextDecoder().decode(p))}`;
          const joined = new Uint8Array(head.length + p.length);
          joined.set(enc.encode(head), 0);
          joined.set(p, head.length);
          const a = framed(f, (fr, out) => fr.encode(joined, out));
          const b = framed(f, (fr, out) => (fr.encodeParts ? fr.encodeParts(head, p, out) : fr.encode(joined, out)));
          if (a instanceof Error) {
            assert.ok(b instanceof Error, `${what}: joined fails (${a.message}), parts must too`);
            assert.equal((b as { code?: string }).code, (a as { code?: string }).code, what);
          } else {
            assert.deepEqual(b, a, what);
          }
        }
      }
    });
  }
});

// The write buffer of a Node connection encodes strings with Buffer#write (transport/stream.ts
// utf8Write) instead of TextEncoder.encodeInto: the bytes must be the same, lone surrogates included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteBuffer, concatBytes } from '../../src/core/index.js';
import { allocUnsafe, utf8Write } from '../../src/transport/stream.js';

describe('utf8Write (Node write buffers)', () => {
  const samples = ['', 'plain ASCII', 'héllo €𝄞', '\ud800 lone high', 'lone low \udc00', 'pair \ud83d\ude00 end', 'x'.repeat(5000) + '€'];
  for (const s of samples) {
    it(`writes ${JSON.stringify(s.slice(0, 24))} as TextEncoder does`, () => {
      const wb = new WriteBuffer({ alloc: allocUnsafe, writeUtf8: utf8Write });
      wb.writeBytes(new Uint8Array([0x41])); // not at offset 0 of the slab
      const n = wb.writeText(s);
      const want = new TextEncoder().encode(s);
      assert.equal(n, want.length);
      const got = concatBytes(wb.take());
      assert.deepEqual(Array.from(got.subarray(1)), Array.from(want));
    });
  }
});

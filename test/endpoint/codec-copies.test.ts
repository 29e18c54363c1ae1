import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesCodec, copyBytes, messageCodec } from '../../src/index.js';

describe('codecs hand out bytes they own', () => {
  it('copies a Buffer frame: changing the source does not change the message', () => {
    for (const codec of [bytesCodec(), messageCodec()]) {
      const src = Buffer.from([1, 2, 3]);
      const msg = codec.decode(src.subarray(0, 3)) as Uint8Array;
      src[0] = 9;
      assert.deepEqual([...msg], [1, 2, 3], codec.name);
    }
    const b = Buffer.from([4, 5]);
    const c = copyBytes(b);
    b[1] = 0;
    assert.equal(c[1], 5);
  });
});

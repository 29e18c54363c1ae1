import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesCodec, copyBytes, messageCodec } from '../../src/index.js';

describe('codecs and Buffer frames', () => {
  it('bytesCodec({ copy: true }) copies a Buffer frame for real; the default and messageCodec hand it out as it is', () => {
    const src = Buffer.from([1, 2, 3]);
    const copied = bytesCodec({ copy: true }).decode(src.subarray(0, 3));
    src[0] = 9;
    assert.deepEqual([...copied], [1, 2, 3]);
    for (const codec of [bytesCodec(), messageCodec()]) {
      const frame = src.subarray(0, 3);
      assert.equal(codec.decode(frame, true), frame, codec.name);
    }
    const b = Buffer.from([4, 5]);
    const c = copyBytes(b);
    b[1] = 0;
    assert.equal(c[1], 5);
  });
});

// WebSocket masking, native (bufferutil) or portable (applyMask), must give exactly the bytes of
// an independent reference written here (RFC 6455 5.3: octet i XOR key octet i MOD 4), for every
// length and alignment, whichever masker this environment picks; without bufferutil
// (SWITCHBOARD_NO_BUFFERUTIL=1) connections fall back to applyMask and still talk to each other.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { applyMask } from '../../src/core/websocket/index.js';
import { webSocketMask } from '../../src/transport/ws-mask.js';

const run = promisify(execFile);

function bufferutilInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('bufferutil');
    return true;
  } catch {
    return false;
  }
}

/** RFC 6455 5.3, byte by byte: `out[at + i] = src[i] ^ key[i % 4]`. Shares no code with the maskers under test. */
function referenceMask(src: Uint8Array, key: Uint8Array, out: Uint8Array, at: number): void {
  const copy = Uint8Array.from(src); // src and out may be the same buffer
  for (let i = 0; i < copy.length; i++) out[at + i] = copy[i]! ^ key[i % 4]!;
}

const LENGTHS = [0, 1, 3, 4, 5, 7, 8, 9, 31, 32, 33, 127, 128, 129, 255, 256, 257, 1000, 4096, 65_537];
const KEYS = [Uint8Array.of(0xa5, 0x01, 0x7e, 0xff), Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(randomFillSync(Buffer.alloc(4)))];

/** Checks `fn` against the reference at every length, offset and key; also in place. */
function assertMatchesReference(name: string, fn: (src: Uint8Array, key: Uint8Array, out: Uint8Array, at: number) => void): void {
  for (const key of KEYS) {
    for (const n of LENGTHS) {
      const src = randomFillSync(Buffer.alloc(n));
      for (const at of [0, 1, 2, 3, 7]) {
        const want = Buffer.alloc(n + at + 2, 0xcc);
        const got = Buffer.alloc(n + at + 2, 0xcc);
        referenceMask(src, key, want, at);
        fn(src, key, got, at);
        assert.ok(got.equals(want), `${name}: length ${n}, offset ${at}, key ${Buffer.from(key).toString('hex')}`);
      }
      // In place, as the receiving side unmasks.
      const inPlace = Buffer.from(src);
      const want = Buffer.alloc(n);
      referenceMask(src, key, want, 0);
      fn(inPlace, key, inPlace, 0);
      assert.ok(inPlace.equals(want), `${name}: length ${n} in place, key ${Buffer.from(key).toString('hex')}`);
      if (n > 0) assert.ok(key.every((b) => b === 0) || !inPlace.equals(src), `${name}: length ${n}: a non-zero key changes the bytes`);
    }
  }
}

describe('WebSocket masking', () => {
  it('uses bufferutil when it is installed', () => {
    // npm ci installs the optional dependency (prebuilt for linux-x64), so CI takes this path.
    assert.equal(webSocketMask().native, bufferutilInstalled());
  });

  it('the masker this environment uses (native or not) gives the bytes of the byte-by-byte reference at every length, offset and key', () => {
    const { fn, native } = webSocketMask();
    assertMatchesReference(native ? 'bufferutil' : 'applyMask fallback', fn);
  });

  it('the portable applyMask gives the bytes of the byte-by-byte reference at every length, offset and key', () => {
    assertMatchesReference('applyMask', applyMask);
  });

  it('falls back to applyMask with SWITCHBOARD_NO_BUFFERUTIL=1, and a WebSocket echo still works', async () => {
    const build = fileURLToPath(new URL('../../src/index.js', import.meta.url));
    const mask = fileURLToPath(new URL('../../src/transport/ws-mask.js', import.meta.url));
    const script = `
      const sb = await import(${JSON.stringify(build)});
      const { webSocketMask } = await import(${JSON.stringify(mask)});
      const server = await sb.listen('ws://127.0.0.1:0/m', { callbacks: { onReceive: (c, m) => void c.send(m) } });
      const conn = await sb.connect(server.url, { timeout: 10000 });
      const big = new Uint8Array(70000).map((_, i) => i & 0xff);
      conn.send(big);
      const back = await conn.receive({ timeout: 10000 });
      const same = back.length === big.length && back.every((b, i) => b === big[i]);
      await conn.close();
      await server.close();
      console.log(JSON.stringify({ native: webSocketMask().native, same }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, SWITCHBOARD_NO_BUFFERUTIL: '1' },
      timeout: 30_000,
    });
    assert.deepEqual(JSON.parse(stdout.trim()), { native: false, same: true });
  });
});

// WebSocket masking through bufferutil (native) must give exactly the bytes of the portable
// applyMask, for every length and alignment; without bufferutil (SWITCHBOARD_NO_BUFFERUTIL=1)
// connections fall back to applyMask and still talk to each other.
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

describe('WebSocket masking', () => {
  it('uses bufferutil when it is installed', () => {
    // npm ci installs the optional dependency (prebuilt for linux-x64), so CI takes this path.
    assert.equal(webSocketMask().native, bufferutilInstalled());
  });

  it('gives the same bytes as applyMask for every length around the thresholds, at every offset', () => {
    const { fn } = webSocketMask();
    const key = Uint8Array.of(0xa5, 0x01, 0x7e, 0xff);
    const lengths = [0, 1, 3, 4, 5, 127, 128, 129, 255, 256, 257, 1000, 4096, 65_537];
    for (const n of lengths) {
      const src = randomFillSync(Buffer.alloc(n));
      for (const at of [0, 1, 2, 3, 7]) {
        const want = Buffer.alloc(n + at + 2, 0xcc);
        const got = Buffer.alloc(n + at + 2, 0xcc);
        applyMask(src, key, want, at);
        fn(src, key, got, at);
        assert.ok(got.equals(want), `length ${n}, offset ${at}`);
      }
      // In place, as the receiving side unmasks.
      const inPlace = Buffer.from(src);
      const want = Buffer.alloc(n);
      applyMask(src, key, want, 0);
      fn(inPlace, key, inPlace, 0);
      assert.ok(inPlace.equals(want), `length ${n} in place`);
    }
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

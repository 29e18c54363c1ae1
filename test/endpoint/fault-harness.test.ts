/**
 * The fault injectors the session fault tests rely on, checked on their own: a test that cuts
 * connections must really cut them, or "0 lost" proves nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { rawConnect, rawListen, waitFor, within } from '../helpers/net.js';

describe('fault harness: the cutting proxy', () => {
  it('forwards bytes both ways, and cutAll() destroys both sides of every pair', async () => {
    const target = await rawListen();
    const proxy = await startCuttingProxy({ target: { port: target.port }, cutEveryMs: 0 });
    try {
      const client = await rawConnect(proxy.url);
      const server = await target.accept();
      await client.write('up\n');
      await server.write('down\n');
      await waitFor(() => server.text() === 'up\n' && client.text() === 'down\n', undefined, 'bytes both ways');
      assert.equal(proxy.open, 1);
      assert.equal(proxy.cutAll(), 1);
      await within(Promise.all([client.closed, server.closed]), undefined, 'both sides to close');
      assert.equal(proxy.cuts, 1);
      assert.equal(proxy.open, 0);
      assert.deepEqual(proxy.bytes, { up: 3, down: 5 });
    } finally {
      await proxy.close();
      await target.close();
    }
  });

  it('cuts every connection on its timer, new ones included', async () => {
    const target = await rawListen();
    const proxy = await startCuttingProxy({ target: { port: target.port }, cutEveryMs: 50 });
    try {
      for (let i = 0; i < 3; i++) {
        const client = await rawConnect(proxy.url);
        const server = await target.accept();
        await within(Promise.all([client.closed, server.closed]), undefined, `connection ${i} to be cut`);
      }
      assert.ok(proxy.cuts >= 3, `cuts ${proxy.cuts}`);
      assert.equal(proxy.accepted, 3);
    } finally {
      await proxy.close();
      await target.close();
    }
  });
});

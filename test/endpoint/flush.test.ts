// Every connection that queued bytes in a turn of the event loop is written by one shared
// microtask. One broken socket must not stop the others' writes in that microtask.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, type CloseInfo, type Connection } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';

type Msg = { n: number };

describe('the shared flush', () => {
  it('writes every connection queued in the same tick, in one batch each', async () => {
    const got: Msg[] = [];
    const server = await listen<Msg>('tcp://127.0.0.1:0', { callbacks: { onReceive: (_c, m) => void got.push(m) } });
    const clients: Connection<Msg, Msg>[] = [];
    try {
      for (let i = 0; i < 20; i++) clients.push(await connect<Msg>(server.url, { timeout: WAIT_MS }));
      // All in one synchronous run: nothing leaves before the microtask.
      clients.forEach((c, i) => {
        for (let k = 0; k < 5; k++) c.send({ n: i * 5 + k });
      });
      assert.ok(clients.every((c) => c.queuedBytes > 0), 'bytes wait for the flush');
      await waitFor(() => got.length === 100, WAIT_MS, 'all 100 messages');
      assert.deepEqual(
        got.map((m) => m.n).sort((a, b) => a - b),
        Array.from({ length: 100 }, (_, i) => i),
      );
    } finally {
      for (const c of clients) await c.close();
      await within(server.close(), WAIT_MS, 'server close');
    }
  });

  it('destroys a connection whose socket throws on write; the others queued with it are still written', async () => {
    const got: Msg[] = [];
    const server = await listen<Msg>('tcp://127.0.0.1:0', { callbacks: { onReceive: (_c, m) => void got.push(m) } });
    const a = await connect<Msg>(server.url, { timeout: WAIT_MS });
    const broken = await connect<Msg>(server.url, { timeout: WAIT_MS });
    const c = await connect<Msg>(server.url, { timeout: WAIT_MS });
    try {
      const socket = (broken as unknown as { sock: { socket: { write: () => never; cork: () => void; uncork: () => void } } }).sock.socket;
      socket.write = () => {
        throw new Error('injected write failure');
      };
      a.send({ n: 1 });
      broken.send({ n: 2 }); // queued between the two others: flushed second
      c.send({ n: 3 });
      const info: CloseInfo = await within(broken.closed, WAIT_MS, 'the broken connection to close');
      assert.equal(info.error?.code, 'TRANSPORT_ERROR');
      assert.match(info.error?.message ?? '', /injected write failure/);
      await waitFor(() => got.length === 2, WAIT_MS, 'the two healthy messages');
      assert.deepEqual(got.map((m) => m.n).sort(), [1, 3]);
    } finally {
      await a.close();
      await c.close();
      await within(server.close(), WAIT_MS, 'server close');
    }
  });
});

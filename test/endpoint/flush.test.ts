// Every connection that queued bytes in a turn of the event loop is written by one shared
// microtask. One broken socket must not stop the others' writes in that microtask.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, textCodec, type CloseInfo, type Connection } from '../../src/index.js';
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

describe('memory of a connection that has talked', () => {
  // Issue 15: an idle connection kept its last 2 KiB write slab after an echo. The write buffer
  // now lets its slab go with the flush that handed its bytes to the socket.
  for (const url of ['tcp://127.0.0.1:0', 'ws://127.0.0.1:0/']) {
    it(`${url.slice(0, url.indexOf(':'))}: after an echo, the idle server connection holds no write slab`, async () => {
      const server = await listen<string>(url, {
        codec: textCodec(), // lines on TCP
        callbacks: { onReceive: (conn, m) => void conn.send(m) },
      });
      const client = await connect<string>(server.url, {
        codec: textCodec(), // lines on TCP
        timeout: WAIT_MS,
      });
      try {
        const held = (c: unknown): number => (c as { writeSlabBytes: number }).writeSlabBytes;
        await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the server connection');
        const [conn] = [...server.connections];
        assert.equal(held(conn), 0, 'a new connection holds no slab');
        for (let i = 0; i < 3; i++) {
          client.send(`hello ${i}`);
          assert.equal(await client.receive({ timeout: WAIT_MS }), `hello ${i}`);
          assert.equal(conn!.queuedBytes, 0, 'everything was handed to the socket');
          assert.equal(held(conn), 0, `after echo ${i + 1} the server connection holds no write slab`);
          assert.equal(held(client), 0, 'nor does the client after its flush');
        }
      } finally {
        await client.close();
        await within(server.close(), WAIT_MS, 'server close');
      }
    });
  }
});

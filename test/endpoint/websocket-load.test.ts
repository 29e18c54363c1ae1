/**
 * WebSocket under load on real sockets: a peer that never reads (send status, bounded queue),
 * and a broadcast to 50 clients, some compressing and some not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SendStatus, connect, listen, type Connection, type SwitchboardError } from '../../src/index.js';
import { WAIT_MS, sleep, tick, waitFor, within } from '../helpers/net.js';
import { OP, rawWsConnect } from '../helpers/ws-raw.js';

type Msg = string | Uint8Array;
const KiB = 1024;

/**
 * Sends `msg` on `conn` until `dropped` came back `stopAfterDrops` times (or `maxSends` ran
 * out), yielding to the event loop now and then so the kernel buffers fill. Returns every
 * status and the largest queue seen.
 */
async function flood(conn: Connection<Msg, Msg>, msg: Msg, maxSends = 4000, stopAfterDrops = 5): Promise<{ statuses: SendStatus[]; maxQueued: number }> {
  const statuses: SendStatus[] = [];
  let maxQueued = 0;
  let drops = 0;
  const deadline = Date.now() + WAIT_MS;
  for (let i = 0; i < maxSends && drops < stopAfterDrops && Date.now() < deadline; i++) {
    const s = conn.send(msg);
    statuses.push(s);
    if (s === SendStatus.Dropped) drops++;
    maxQueued = Math.max(maxQueued, conn.queuedBytes);
    if (i % 4 === 0) await tick();
  }
  return { statuses, maxQueued };
}

describe('websocket backpressure', () => {
  it('server -> a raw client that never reads: backpressured, then dropped, queue bounded, drains once it reads', async () => {
    const highWaterMark = 128 * KiB;
    const maxQueuedBytes = 512 * KiB;
    const drains: number[] = [];
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/', {
      highWaterMark,
      maxQueuedBytes,
      callbacks: { onDrain: () => void drains.push(Date.now()) },
    });
    try {
      const raw = await rawWsConnect(server.url);
      raw.peer.socket.pause(); // never reads from here on
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the server side');
      const sc = [...server.connections][0]!;
      const msg = randomBytes(32 * KiB);
      const oneFrame = msg.length + 10;
      const { statuses, maxQueued } = await flood(sc, msg);
      const firstBack = statuses.indexOf(SendStatus.Backpressured);
      const firstDrop = statuses.indexOf(SendStatus.Dropped);
      assert.ok(firstBack >= 0, `backpressured was reported (${statuses.length} sends)`);
      assert.ok(firstDrop > firstBack, 'backpressured before dropped');
      assert.ok(maxQueued <= maxQueuedBytes + oneFrame, `queue of ${maxQueued} bytes, expected no more than ${maxQueuedBytes} + one message`);
      assert.ok(sc.queuedBytes <= maxQueuedBytes + oneFrame);
      assert.equal(sc.state, 'open', "overflow 'drop' keeps the connection");
      const accepted = statuses.filter((s) => s !== SendStatus.Dropped).length;

      // The peer reads again: everything accepted arrives, in order, and the sender hears of the room.
      const drained = sc.drained({ timeout: WAIT_MS });
      raw.peer.socket.resume();
      assert.equal(await within(drained, WAIT_MS, 'the queue to drain'), true);
      await waitFor(() => raw.frames().length >= accepted, WAIT_MS * 2, 'every accepted message', 50);
      const frames = raw.frames();
      assert.equal(frames.length, accepted);
      assert.ok(frames.every((f) => f.opcode === OP.BINARY && f.payload.equals(msg)));
      assert.ok(drains.length >= 1, 'onDrain was called');
      assert.equal(sc.send(msg), SendStatus.Sent);
      raw.destroy();
    } finally {
      await server.close();
    }
  });

  it("server with overflow 'close' fails a non-reading peer with SEND_OVERFLOW", async () => {
    const fails: SwitchboardError[] = [];
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/', {
      highWaterMark: 64 * KiB,
      maxQueuedBytes: 256 * KiB,
      overflow: 'close',
      closeTimeout: 300,
      callbacks: { onFail: (e) => void fails.push(e) },
    });
    try {
      const raw = await rawWsConnect(server.url);
      raw.peer.socket.pause();
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the server side');
      const sc = [...server.connections][0]!;
      const { statuses } = await flood(sc, randomBytes(32 * KiB), 4000, 1);
      assert.equal(statuses.at(-1), SendStatus.Dropped);
      const info = await within(sc.closed, WAIT_MS, 'the connection to close');
      assert.equal(info.error?.code, 'SEND_OVERFLOW');
      assert.equal(info.code, 1008);
      assert.ok(fails.some((f) => f.code === 'SEND_OVERFLOW'));
      raw.destroy();
    } finally {
      await server.close();
    }
  });

  it('client -> a server whose application never takes messages: reads pause, the client queue stays bounded', async () => {
    // No onReceive and nobody iterating: after `receiveQueue` messages the server stops reading.
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/', { receiveQueue: 4 });
    try {
      const maxQueuedBytes = 512 * KiB;
      const c = await connect<Msg, Msg>(server.url, {
        timeout: WAIT_MS,
        highWaterMark: 128 * KiB,
        maxQueuedBytes,
        websocket: { compression: false },
      });
      const msg = randomBytes(32 * KiB);
      const { statuses, maxQueued } = await flood(c, msg);
      assert.ok(statuses.includes(SendStatus.Backpressured));
      assert.ok(statuses.includes(SendStatus.Dropped));
      // A client frame: 32 KiB + 8 header bytes + 4 mask bytes.
      assert.ok(maxQueued <= maxQueuedBytes + msg.length + 14, `queue of ${maxQueued} bytes`);
      assert.equal(c.state, 'open');
      // The server application starts taking messages: the client's queue drains.
      const sc = [...server.connections][0]!;
      const accepted = statuses.filter((s) => s !== SendStatus.Dropped).length;
      let taken = 0;
      const reading = (async () => {
        for await (const m of sc) {
          assert.equal((m as Uint8Array).length, msg.length);
          if (++taken === accepted) break;
        }
      })();
      await within(reading, WAIT_MS * 3, 'every accepted message');
      assert.equal(await within(c.drained({ timeout: WAIT_MS }), WAIT_MS, 'the client queue'), true);
      await c.close();
    } finally {
      await server.close();
    }
  });
});

describe('websocket compression', () => {
  it('round-trips many messages both ways with permessage-deflate (context kept across messages)', async () => {
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/', { callbacks: { onReceive: (c, m) => void c.send(m) } });
    try {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      assert.equal(c.meta['compression'], true);
      const sent: Msg[] = [];
      for (let i = 0; i < 40; i++) {
        const m: Msg = i % 3 === 0 ? randomBytes(i * 97) : `message ${i} `.repeat(i * 20);
        sent.push(m);
        c.send(m);
      }
      for (const [i, want] of sent.entries()) {
        const got = await c.receive({ timeout: WAIT_MS });
        if (typeof want === 'string') assert.equal(got, want, `message ${i}`);
        else assert.ok(Buffer.from(got as Uint8Array).equals(want as Buffer), `message ${i}`);
      }
      await c.close();
    } finally {
      await server.close();
    }
  });
});

describe('websocket broadcast', () => {
  it('reaches 50 clients, half with permessage-deflate and half without', async () => {
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/hub');
    const clients: Array<Connection<Msg, Msg>> = [];
    try {
      for (let batch = 0; batch < 5; batch++) {
        clients.push(
          ...(await Promise.all(
            Array.from({ length: 10 }, (_, k) =>
              connect<Msg, Msg>(server.url, { timeout: WAIT_MS, name: `c${batch * 10 + k}`, websocket: { compression: (batch * 10 + k) % 2 === 0 } }),
            ),
          )),
        );
      }
      await waitFor(() => server.connectionCount === 50, WAIT_MS, '50 server-side connections');
      const compressing = [...server.connections].filter((c) => c.meta['compression'] === true).length;
      assert.equal(compressing, 25);
      assert.equal(clients.filter((c) => c.meta['compression'] === true).length, 25);

      const small = 'hello, everyone';
      const big = 'x'.repeat(8 * KiB) + ' compressible'; // over the compression threshold
      const bin = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
      for (const m of [small, big, bin]) {
        const r = server.broadcast(m);
        assert.equal(r.sent + r.queued + r.backpressured, 50, JSON.stringify(r));
        assert.equal(r.closed + r.dropped, 0);
      }
      const got = await within(
        Promise.all(clients.map(async (c) => [await c.receive({ timeout: WAIT_MS }), await c.receive({ timeout: WAIT_MS }), await c.receive({ timeout: WAIT_MS })])),
        WAIT_MS * 2,
        'every client to get every message',
      );
      for (const [i, [a, b, c]] of got.entries()) {
        assert.equal(a, small, `client ${i}`);
        assert.equal(b, big, `client ${i}`);
        assert.deepEqual([...(c as Uint8Array)], [...bin], `client ${i}`);
      }
      // A filtered broadcast reaches only those kept.
      const r = server.broadcast('compressing only', (c) => c.meta['compression'] === true);
      assert.equal(r.sent + r.queued, 25);
      for (const c of clients.filter((x) => x.meta['compression'] === true)) assert.equal(await c.receive({ timeout: WAIT_MS }), 'compressing only');
      await sleep(20);
      await Promise.all(clients.map((c) => c.close()));
      await waitFor(() => server.connectionCount === 0, WAIT_MS, 'every client to leave');
    } finally {
      for (const c of clients) c.destroy();
      await server.close();
    }
  });
});

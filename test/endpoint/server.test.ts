import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, defineProtocol, jsonCodec, lines, listen, type CloseInfo, type Connection, type SwitchboardError } from '../../src/index.js';
import { WAIT_MS, rawConnect, waitFor, within } from '../helpers/net.js';

type Msg = { n?: number; error?: string; to?: string };

describe('server', () => {
  it('refuses connections over maxConnections: sends rejectMessage, closes, calls onReject, and the others keep working', async () => {
    const rejects: Array<{ remote: string; err: SwitchboardError }> = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      maxConnections: 2,
      rejectMessage: { error: 'busy' },
      callbacks: {
        onReceive: (c, m) => void c.send(m),
        onReject: (remote, err) => void rejects.push({ remote, err }),
      },
    });
    try {
      const a = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      const b = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      await waitFor(() => server.connectionCount === 2, WAIT_MS, 'two open connections');

      const excess = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      assert.deepEqual(await excess.receive({ timeout: WAIT_MS }), { error: 'busy' });
      const info = await within(excess.closed, WAIT_MS, 'the refused client to close');
      assert.equal(info.initiator, 'peer');
      assert.equal(rejects.length, 1);
      assert.equal(rejects[0]!.err.code, 'MAX_CONNECTIONS');
      assert.equal(rejects[0]!.remote, excess.localAddress);
      assert.match(rejects[0]!.err.message, /2 connections open, expected no more than 2/);
      assert.equal(server.connectionCount, 2);

      // A raw client over the limit gets the same bytes, then our FIN.
      const raw = await rawConnect(server.url);
      await within(raw.ended, WAIT_MS, 'the raw client to be closed');
      assert.equal(raw.text(), '{"error":"busy"}\n');

      for (const [k, c] of [a, b].entries()) {
        c.send({ n: k });
        assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { n: k }, 'the accepted clients keep working');
      }
      // Once one leaves, a new client is accepted.
      await a.close();
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the server to forget the closed one');
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      c.send({ n: 9 });
      assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { n: 9 });
      await Promise.all([b.close(), c.close()]);
    } finally {
      await server.close();
    }
  });

  it('counts and iterates its open connections', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { name: 'hub' });
    try {
      assert.equal(server.connectionCount, 0);
      const clients = await Promise.all([0, 1, 2].map((k) => connect<Msg, Msg>(server.url, { name: `c${k}`, timeout: WAIT_MS })));
      await waitFor(() => server.connectionCount === 3, WAIT_MS, 'three open connections');
      const remotes = new Set(clients.map((c) => c.localAddress));
      assert.deepEqual(new Set([...server].map((c) => c.remoteAddress)), remotes);
      assert.deepEqual(new Set([...server.connections].map((c) => c.remoteAddress)), remotes);
      for (const c of server) assert.match(c.name, /^svc\(hub@127\.0\.0\.1:\d+<-127\.0\.0\.1:\d+\)$/);
      await clients[1]!.close();
      await waitFor(() => server.connectionCount === 2, WAIT_MS, 'one to go');
      await Promise.all([clients[0]!.close(), clients[2]!.close()]);
      await waitFor(() => server.connectionCount === 0, WAIT_MS, 'none left');
    } finally {
      await server.close();
    }
  });

  it('hands out each connection to for await as it opens, and the loop ends when the server closes', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0');
    const seen: string[] = [];
    const loop = (async () => {
      for await (const conn of server) {
        seen.push(conn.remoteAddress);
        // Serve each one: greet, then echo.
        conn.send({ n: seen.length });
        void (async () => {
          for await (const m of conn) conn.send(m);
        })();
      }
    })();
    assert.throws(() => server[Symbol.asyncIterator](), (e: SwitchboardError) => e.code === 'INVALID_OPTION', 'only one loop');
    const clients: Connection<Msg, Msg>[] = [];
    for (let k = 1; k <= 3; k++) {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { n: k });
      c.send({ to: `echo ${k}` });
      assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { to: `echo ${k}` });
      clients.push(c);
    }
    assert.deepEqual(seen, clients.map((c) => c.localAddress));
    await within(server.close(), WAIT_MS, 'server close');
    await within(loop, WAIT_MS, 'the for await loop to end');
    for (const c of clients) assert.equal((await within(c.closed, WAIT_MS, 'client closed')).initiator, 'peer');
  });

  for (const scheme of ['tcp', 'ws'] as const) {
    it(`${scheme}: bursts of broadcasts mixed with direct sends and filters reach each client complete and in order`, async () => {
      // Broadcast frames lie one after another in a shared buffer and each connection queues a
      // range of it: a direct send or a filtered-out broadcast in between must keep every byte in place.
      const codec = jsonCodec<Msg, Msg>();
      const server = await listen<Msg, Msg>(`${scheme}://127.0.0.1:0`, scheme === 'ws' ? { codec } : {});
      const clients: Connection<Msg, Msg>[] = [];
      try {
        clients.push(...(await Promise.all(Array.from({ length: 6 }, () => connect<Msg, Msg>(server.url, { timeout: WAIT_MS, ...(scheme === 'ws' && { codec }) })))));
        await waitFor(() => server.connectionCount === 6, WAIT_MS, '6 open connections');
        const conns = [...server];
        const want = new Map<Connection<Msg, Msg>, number[]>(conns.map((c) => [c, []]));
        let n = 0;
        for (let burst = 0; burst < 40; burst++) {
          for (let k = 0; k < 25; k++) {
            const m = n++;
            const pick = (m * 7 + burst) % 5;
            if (pick === 0) {
              const c = conns[m % conns.length]!;
              c.send({ n: m, to: 'one' });
              want.get(c)!.push(m);
            } else if (pick === 1) {
              server.broadcast({ n: m }, (c) => conns.indexOf(c) % 2 === 0);
              for (const c of conns) if (conns.indexOf(c) % 2 === 0) want.get(c)!.push(m);
            } else {
              // Sizes from a few bytes to past the 16 KiB arena quarter.
              server.broadcast({ n: m, to: 'x'.repeat((m * 131) % (pick === 4 ? 20_000 : 300)) });
              for (const c of conns) want.get(c)!.push(m);
            }
          }
          if (burst % 10 === 9) await new Promise((r) => setImmediate(r));
        }
        for (const [i, c] of clients.entries()) {
          const server = conns.find((s) => s.remoteAddress === c.localAddress)!;
          const expected = want.get(server)!;
          const got: number[] = [];
          for (let k = 0; k < expected.length; k++) got.push((await c.receive({ timeout: WAIT_MS })).n!);
          assert.deepEqual(got, expected, `client ${i}`);
        }
      } finally {
        await within(server.close(), WAIT_MS, 'server close');
      }
    });
  }

  it('a client that stops reading holds copies of what waits for it, never the shared broadcast buffers its messages came from', async () => {
    // Each round broadcasts one small message to the stalled client and 12 KiB to a reading one,
    // so every small message lies in a broadcast buffer (16 KiB) of its own: queued by reference,
    // 2,000 of them would keep 32 MiB alive for 130 KB queued.
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { maxQueuedBytes: 64 * 1024 * 1024 });
    const stalled = await rawConnect(server.url, { read: false });
    const reader = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
    try {
      await waitFor(() => server.connectionCount === 2, WAIT_MS, 'two open connections');
      const conns = [...server];
      const slow = conns.find((c) => c.remoteAddress !== reader.localAddress)!;
      // Fill the kernel buffers between us first: what follows waits in the server's socket.
      const blob = { to: 'x'.repeat(1024 * 1024) };
      for (let i = 0; i < 24 && slow.queuedBytes === 0; i++) {
        slow.send(blob);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(slow.queuedBytes > 0, 'the stalled connection has bytes waiting');
      let readerGot = 0;
      const draining = (async () => {
        for await (const _ of reader) if (++readerGot === 6000) return;
      })();
      const big = { to: 'y'.repeat(4000) };
      for (let round = 0; round < 2000; round++) {
        server.broadcast({ n: round }, (c) => c === slow);
        for (let k = 0; k < 3; k++) server.broadcast(big, (c) => c !== slow);
        await new Promise((r) => setImmediate(r)); // one flush per round
      }
      await within(draining, WAIT_MS, 'the reading client to get its 6,000 messages');
      // What the server's socket holds for the stalled client: its pending chunks and the buffers behind them.
      const socket = (slow as unknown as { sock: { socket: { _writableState: { getBuffer?(): Array<{ chunk: Uint8Array }>; buffered?: Array<{ chunk: Uint8Array }> } } } }).sock.socket;
      const st = socket._writableState;
      const pending = (st.getBuffer?.() ?? st.buffered ?? []).map((e) => e.chunk).filter((c) => c instanceof Uint8Array);
      const queued = pending.reduce((a, c) => a + c.byteLength, 0);
      const held = [...new Set(pending.map((c) => c.buffer))].reduce((a, b) => a + b.byteLength, 0);
      assert.ok(pending.length > 100, `chunks wait in the socket: ${pending.length}`);
      assert.ok(held <= 4 * queued + 1024 * 1024, `the stalled connection's chunks keep ${held} bytes alive for ${queued} queued`);
    } finally {
      stalled.destroy();
      await reader.close();
      await within(server.close({ timeout: 100 }), WAIT_MS, 'server close');
    }
  });

  it('broadcasts to 100 clients: every client receives it and the result counts them', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0');
    const clients: Connection<Msg, Msg>[] = [];
    try {
      for (let k = 0; k < 100; k += 20) {
        clients.push(...(await Promise.all(Array.from({ length: 20 }, () => connect<Msg, Msg>(server.url, { timeout: WAIT_MS })))));
      }
      await waitFor(() => server.connectionCount === 100, WAIT_MS, '100 open connections');
      const result = server.broadcast({ n: 1 });
      assert.equal(result.sent + result.queued + result.backpressured, 100, JSON.stringify(result));
      assert.equal(result.dropped, 0);
      assert.equal(result.closed, 0);
      const got = await within(
        Promise.all(clients.map((c) => c.receive({ timeout: WAIT_MS }))),
        WAIT_MS,
        'every client to receive the broadcast',
      );
      assert.deepEqual(got, Array.from({ length: 100 }, () => ({ n: 1 })));

      // A filter picks the recipients.
      const half = new Set(clients.slice(0, 50).map((c) => c.localAddress));
      const r2 = server.broadcast({ n: 2 }, (conn) => half.has(conn.remoteAddress));
      assert.equal(r2.sent + r2.queued + r2.backpressured, 50);
      for (const [i, c] of clients.entries()) {
        if (i < 50) assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { n: 2 });
        else await assert.rejects(c.receive({ timeout: 1 }), (e: SwitchboardError) => e.code === 'RECEIVE_TIMEOUT');
      }
      for (const conn of server) assert.equal(conn.stats.messagesOut, half.has(conn.remoteAddress) ? 2 : 1);
    } finally {
      await within(server.close(), WAIT_MS, 'server close');
    }
    const infos = await within(Promise.all(clients.map((c) => c.closed)), WAIT_MS, 'all clients closed');
    assert.ok(infos.every((i) => i.initiator === 'peer' && i.clean), 'the server closed every client gracefully');
  });

  it('close({drain: true}) closes every connection gracefully: messages sent just before arrive', async () => {
    const svcInfos: CloseInfo[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { callbacks: { onDisconnect: (_c, i) => void svcInfos.push(i) } });
    const clients = await Promise.all([0, 1, 2].map(() => connect<Msg, Msg>(server.url, { timeout: WAIT_MS })));
    await waitFor(() => server.connectionCount === 3, WAIT_MS, 'three open connections');
    server.broadcast({ n: 42 });
    await within(server.close({ drain: true }), WAIT_MS, 'draining close');
    assert.equal(server.connectionCount, 0);
    for (const c of clients) {
      assert.deepEqual(await c.receive({ timeout: WAIT_MS }), { n: 42 });
      const info = await within(c.closed, WAIT_MS, 'client closed');
      assert.deepEqual(info, { initiator: 'peer', error: undefined, clean: true });
    }
    assert.equal(svcInfos.length, 3);
    assert.ok(svcInfos.every((i) => i.initiator === 'local' && i.clean && i.error === undefined), JSON.stringify(svcInfos));
    await assert.rejects(connect(server.url, { timeout: WAIT_MS }), (e: SwitchboardError) => e.code === 'CONNECT_FAILED');
  });

  it('close({drain: false}) destroys every connection: messages not yet written are dropped', async () => {
    const svcInfos: CloseInfo[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { callbacks: { onDisconnect: (_c, i) => void svcInfos.push(i) } });
    const clients = await Promise.all([0, 1, 2].map(() => connect<Msg, Msg>(server.url, { timeout: WAIT_MS })));
    await waitFor(() => server.connectionCount === 3, WAIT_MS, 'three open connections');
    server.broadcast({ n: 42 }); // still in the write buffers when the sockets are destroyed
    await within(server.close({ drain: false }), WAIT_MS, 'destroying close');
    for (const c of clients) {
      await within(c.closed, WAIT_MS, 'client closed');
      await assert.rejects(c.receive({ timeout: WAIT_MS }), (e: SwitchboardError) => e.code === 'CONNECTION_CLOSED' || e.code === 'CONNECTION_RESET');
      assert.equal(c.stats.messagesIn, 0);
    }
    assert.equal(svcInfos.length, 3);
    assert.ok(svcInfos.every((i) => i.initiator === 'local' && !i.clean), JSON.stringify(svcInfos));
  });
  it('close() ends connections still in their handshake instead of waiting for the handshake timeout', async () => {
    let started!: () => void;
    const inHandshake = new Promise<void>((resolve) => (started = resolve));
    const opened: string[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      handshakeTimeout: 60_000,
      protocol: defineProtocol<Msg, Msg>({
        framing: lines(),
        codec: jsonCodec<Msg, Msg>(),
        hooks: {
          async onConnect(ctx) {
            started();
            await ctx.receive(); // the peer never logs in
          },
        },
      }),
      callbacks: { onConnect: (c) => void opened.push(c.name) },
    });
    const raw = await rawConnect(server.url);
    await within(inHandshake, WAIT_MS, 'the handshake to start');
    await within(server.close(), WAIT_MS, 'server close');
    await within(raw.closed, WAIT_MS, 'the peer to be closed');
    assert.deepEqual(opened, []);
  });
});

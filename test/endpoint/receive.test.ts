import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chainCallbacks,
  connect,
  counterCallback,
  listen,
  loggerCallback,
  storeCallback,
  type Callbacks,
  type Connection,
  type Logger,
  type SendStatus,
  type Server,
  type SwitchboardError,
} from '../../src/index.js';
import { WAIT_MS, tick, waitFor, within } from '../helpers/net.js';

type Msg = { n: number; pad?: string };

/** A server whose connections are handed out through `conns` (callbacks that only watch). */
async function serverWith(options: { callbacks?: Callbacks<Msg, Msg>; receiveQueue?: number } = {}) {
  const conns: Connection<Msg, Msg>[] = [];
  const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    ...(options.receiveQueue === undefined ? {} : { receiveQueue: options.receiveQueue }),
    callbacks: chainCallbacks<Msg, Msg>(options.callbacks, { onConnect: (c) => void conns.push(c) }),
  });
  return { server, conns };
}

async function firstConn(conns: Connection<Msg, Msg>[]): Promise<Connection<Msg, Msg>> {
  await waitFor(() => conns.length > 0, WAIT_MS, 'the server side to open');
  return conns[0]!;
}

async function closeAll(server: Server<Msg, Msg>, ...conns: Connection<Msg, Msg>[]): Promise<void> {
  for (const c of conns) await within(c.close(), WAIT_MS, `close ${c.name}`);
  await within(server.close(), WAIT_MS, 'server close');
}

describe('receiving', () => {
  it('delivers messages to an onReceive callback', async () => {
    const got: Msg[] = [];
    const { server, conns } = await serverWith({ callbacks: { onReceive: (_c, m) => void got.push(m) } });
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
    for (let n = 0; n < 5; n++) conn.send({ n });
    await waitFor(() => got.length === 5, WAIT_MS, 'five messages');
    assert.deepEqual(got, [0, 1, 2, 3, 4].map((n) => ({ n })));
    await closeAll(server, conn, await firstConn(conns));
  });

  it('reports an onReceive callback that throws as HOOK_FAILED and keeps delivering', async () => {
    const got: Msg[] = [];
    const fails: SwitchboardError[] = [];
    const { server, conns } = await serverWith({
      callbacks: {
        onReceive: (_c, m) => {
          if (m.n === 1) throw new Error('handler bug');
          got.push(m);
        },
        onFail: (e) => void fails.push(e),
      },
    });
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
    for (let n = 0; n < 3; n++) conn.send({ n });
    await waitFor(() => got.length === 2, WAIT_MS, 'the other messages');
    assert.deepEqual(got, [{ n: 0 }, { n: 2 }]);
    assert.equal(fails.length, 1);
    assert.equal(fails[0]!.code, 'HOOK_FAILED');
    assert.match(fails[0]!.message, /handler bug/);
    const svc = await firstConn(conns);
    assert.equal(svc.state, 'open');
    await closeAll(server, conn);
  });

  it('delivers messages to for await, which ends when the peer closes', async () => {
    const { server, conns } = await serverWith();
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
    const svc = await firstConn(conns);
    for (let n = 0; n < 5; n++) conn.send({ n });
    const closing = conn.close();
    const got: Msg[] = [];
    for await (const m of svc) got.push(m);
    assert.deepEqual(got, [0, 1, 2, 3, 4].map((n) => ({ n })));
    await within(closing, WAIT_MS, 'close');
    await closeAll(server);
  });

  it('throws RECEIVE_MODE_CONFLICT for for-await and receive() when an onReceive callback consumes the messages', async () => {
    const got: Msg[] = [];
    const { server, conns } = await serverWith();
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, callbacks: { onReceive: (_c, m) => void got.push(m) } });
    const isConflict = (e: SwitchboardError): boolean => e.code === 'RECEIVE_MODE_CONFLICT' && /callbacks or for await/.test(e.message);
    assert.throws(() => conn[Symbol.asyncIterator](), isConflict);
    await assert.rejects(async () => {
      for await (const m of conn) void m;
    }, isConflict);
    await assert.rejects(conn.receive({ timeout: 10 }), isConflict);
    const svc = await firstConn(conns);
    svc.send({ n: 1 });
    await waitFor(() => got.length === 1, WAIT_MS, 'the callback still gets messages');
    await closeAll(server, conn, svc);
  });

  it('lets observer callbacks (logger, counter, store) watch a connection that is read with for await', async () => {
    const lines: string[] = [];
    const fakeLogger: Logger = {
      debug: (m) => void lines.push(`debug ${m}`),
      info: (m) => void lines.push(`info ${m}`),
      warn: (m) => void lines.push(`warn ${m}`),
      error: (m) => void lines.push(`error ${m}`),
    };
    const counter = counterCallback<Msg, Msg>();
    const store = storeCallback<Msg, Msg>();
    const { server, conns } = await serverWith();
    const conn = await connect<Msg, Msg>(server.url, {
      name: 'watched',
      timeout: WAIT_MS,
      callbacks: chainCallbacks(loggerCallback<Msg, Msg>({ logger: fakeLogger, level: 'debug' }), counter, store),
    });
    const svc = await firstConn(conns);
    for (let n = 0; n < 3; n++) svc.send({ n });
    conn.send({ n: 100 });
    const got: Msg[] = [];
    for await (const m of conn) {
      got.push(m);
      if (got.length === 3) break;
    }
    assert.deepEqual(got, [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.deepEqual(await store.waitFor((m) => m.n === 2, { timeout: WAIT_MS }), { n: 2 });
    svc.send({ n: 3 });
    assert.deepEqual(await store.waitFor((m) => m.n === 3, { timeout: WAIT_MS }), { n: 3 }, 'waitFor a message still to come');
    assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 3 }, 'the store did not consume it');
    assert.deepEqual(store.received(), [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    assert.deepEqual(store.sent(), [{ n: 100 }]);
    assert.equal(counter.counts.connects, 1);
    assert.equal(counter.counts.received, 4);
    assert.equal(counter.counts.sent, 1);
    assert.ok(lines.includes(`debug ${conn.name} connected`), lines.join('\n'));
    assert.ok(lines.includes(`debug ${conn.name} RECV {"n":0}`), lines.join('\n'));
    assert.ok(lines.includes(`debug ${conn.name} SENT {"n":100}`), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('debug clt(watched@tcp://127.0.0.1:') && l.endsWith(' ready')), lines.join('\n'));
    await assert.rejects(store.waitFor((m) => m.n === 999, { timeout: 20 }), (e: SwitchboardError) => e.code === 'RECEIVE_TIMEOUT');
    await within(conn.close(), WAIT_MS, 'close');
    assert.equal(counter.counts.disconnects, 1);
    assert.ok(lines.includes(`debug ${conn.name} disconnected (closed here)`), lines.join('\n'));
    await closeAll(server);
  });

  it('rejects receive({timeout}) with RECEIVE_TIMEOUT and still delivers the next message', async () => {
    const { server, conns } = await serverWith();
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
    const svc = await firstConn(conns);
    for (let k = 0; k < 3; k++) {
      await assert.rejects(conn.receive({ timeout: 20 }), (e: SwitchboardError) => e.code === 'RECEIVE_TIMEOUT' && /20 ms/.test(e.message));
    }
    svc.send({ n: 1 });
    svc.send({ n: 2 });
    assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 1 });
    assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 2 });
    // A timeout racing a message: whichever wins, the message is not lost.
    for (let n = 3; n < 23; n++) {
      svc.send({ n });
      try {
        assert.deepEqual(await conn.receive({ timeout: 1 }), { n });
      } catch (e) {
        assert.equal((e as SwitchboardError).code, 'RECEIVE_TIMEOUT');
        assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n });
      }
    }
    await closeAll(server, conn);
  });

  it('rejects receive() with CONNECTION_CLOSED once the peer closed and every message was taken', async () => {
    const { server, conns } = await serverWith();
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
    const svc = await firstConn(conns);
    svc.send({ n: 1 });
    await within(svc.close(), WAIT_MS, 'server side close');
    assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 1 });
    await assert.rejects(conn.receive({ timeout: WAIT_MS }), (e: SwitchboardError) => e.code === 'CONNECTION_CLOSED');
    await within(conn.closed, WAIT_MS, 'client closed');
    await closeAll(server);
  });

  it('bounds the receive queue: a consumer that does not read makes the sender see backpressured, and later gets every message in order', async () => {
    const receiveQueue = 16;
    const { server, conns } = await serverWith({ receiveQueue });
    const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, highWaterMark: 64 * 1024 });
    const svc = await firstConn(conns);
    const pad = 'x'.repeat(4000);
    let sent = 0;
    let last: SendStatus = 'sent';
    const deadline = Date.now() + WAIT_MS;
    // 16 KB per tick stays under the 64 KiB high-water mark while the socket keeps up, so
    // backpressure means bytes pile up because the server stopped reading. At most 64 MB: far
    // more than the loopback buffers hold.
    while (last !== 'backpressured' && sent < 16_000 && Date.now() < deadline) {
      for (let k = 0; k < 4 && last !== 'backpressured'; k++) last = conn.send({ n: sent++, pad });
      await tick();
    }
    assert.equal(last, 'backpressured', `sender saw backpressure after ${sent} messages`);
    assert.ok(sent > receiveQueue, 'the kernel buffers took more than the receive queue holds');
    assert.ok(svc.stats.messagesIn <= receiveQueue, `decoded ${svc.stats.messagesIn} messages, queue holds ${receiveQueue}`);
    for (let k = 0; k < 10; k++) await tick();
    assert.ok(conn.queuedBytes > 0, 'bytes stay queued while the server does not read');
    assert.ok(svc.stats.messagesIn <= receiveQueue, 'still no more decoded than the queue holds');
    // A few more after the backpressure, then a graceful close.
    for (let k = 0; k < 5; k++) conn.send({ n: sent++, pad });
    const closing = conn.close();
    let expected = 0;
    for await (const m of svc) {
      assert.equal(m.n, expected, 'in order, none lost');
      expected++;
    }
    assert.equal(expected, sent);
    await within(closing, WAIT_MS, 'close');
    await closeAll(server);
  });
});

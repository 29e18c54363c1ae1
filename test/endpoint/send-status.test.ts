import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesCodec,
  connect,
  defineProtocol,
  isAccepted,
  lengthPrefix,
  type Connection,
  type SendStatus,
} from '../../src/index.js';
import { WAIT_MS, rawListen, tick, waitFor, within, type RawServer } from '../helpers/net.js';

const binary = defineProtocol({ framing: lengthPrefix(), codec: bytesCodec() });
type Conn = Connection<Uint8Array, Uint8Array | string>;

const KiB = 1024;
const MSG = 16 * KiB;
/** Most bytes a test pushes at a peer that does not read before it gives up (loopback buffers are a few MiB). */
const MAX_PUSHED = 256 * 1024 * KiB;

/** A 16 KiB message whose first 4 bytes are `n` (big-endian) so order can be checked. */
function numbered(n: number, size = MSG): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, n);
  b.fill(n & 0xff, 4);
  return b;
}

/** Cuts u32be length-prefixed frames out of `wire`; throws on a partial frame. */
function frames(wire: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < wire.length) {
    const len = wire.readUInt32BE(at);
    if (at + 4 + len > wire.length) throw new Error(`partial frame at ${at}`);
    out.push(wire.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/**
 * Sends numbered messages at a peer that does not read, letting the socket flush between
 * batches, until `stop(status)` is true. Checks after every send that the queue never holds
 * more than `maxQueuedBytes` plus one message. Returns the statuses in order.
 */
async function pushUntil(conn: Conn, maxQueuedBytes: number, stop: (s: SendStatus) => boolean): Promise<SendStatus[]> {
  const statuses: SendStatus[] = [];
  const deadline = Date.now() + WAIT_MS;
  let n = 0;
  while (n * MSG < MAX_PUSHED && Date.now() < deadline) {
    for (let k = 0; k < 16; k++) {
      const s = conn.send(numbered(n++));
      statuses.push(s);
      assert.ok(conn.queuedBytes <= maxQueuedBytes + MSG + 4, `queued ${conn.queuedBytes} bytes, cap ${maxQueuedBytes} + one message`);
      if (stop(s)) return statuses;
    }
    await tick();
  }
  throw new Error(`no stop condition after ${n} messages (${statuses.at(-1)})`);
}

/** Sends until the socket itself holds at least `bytes` (the kernel took all it will while the peer does not read). */
async function fillUntilStuck(conn: Conn, bytes: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let pushed = 0;
  for (let n = 0; pushed < MAX_PUSHED && Date.now() < deadline; n++) {
    await tick();
    await tick();
    if (conn.queuedBytes >= bytes) return;
    for (let k = 0; k < 16; k++) {
      assert.ok(isAccepted(conn.send(numbered(n))), 'accepted while filling');
      pushed += MSG;
    }
  }
  throw new Error(`queue never reached ${bytes} bytes`);
}

async function withPausedPeer(fn: (server: RawServer) => Promise<void>): Promise<void> {
  const server = await rawListen('127.0.0.1', { read: false });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

describe('send status', () => {
  it('returns sent for a small message on an idle connection, and the peer gets it', async () => {
    const server = await rawListen();
    try {
      const conn = await connect(server.url, { protocol: binary, timeout: WAIT_MS });
      const peer = await server.accept();
      assert.equal(conn.send('hello'), 'sent');
      await waitFor(() => peer.received().length === 9, WAIT_MS, 'the frame to arrive');
      assert.deepEqual(frames(peer.received()).map(String), ['hello']);
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('returns backpressured once the queued bytes reach highWaterMark, and drained() resolves when the peer reads', async () => {
    const server = await rawListen();
    try {
      let drains = 0;
      const conn = await connect(server.url, {
        protocol: binary,
        highWaterMark: 4 * KiB,
        timeout: WAIT_MS,
        callbacks: { onDrain: () => void drains++ },
      });
      await server.accept();
      assert.equal(conn.send(numbered(0, 1 * KiB)), 'sent');
      assert.equal(conn.send(numbered(1, 4 * KiB)), 'backpressured', 'over the high-water mark');
      assert.equal(await within(conn.drained({ timeout: WAIT_MS }), WAIT_MS, 'drained'), true);
      assert.ok(conn.queuedBytes < 4 * KiB);
      await waitFor(() => drains === 1, WAIT_MS, 'onDrain');
      assert.equal(await conn.drained(), true, 'drained() resolves at once when there is room');
      await conn.close();
      assert.equal(await conn.drained(), false, 'drained() says false on a closed connection');
    } finally {
      await server.close();
    }
  });

  it('returns backpressured when the queued bytes reach exactly highWaterMark, and sent one byte below it', async () => {
    const server = await rawListen();
    try {
      const hwm = 4 * KiB;
      const conn = await connect(server.url, { protocol: binary, highWaterMark: hwm, timeout: WAIT_MS });
      await server.accept();
      // A length-prefixed frame is 4 header bytes + the payload, on an idle connection (nothing queued).
      assert.equal(conn.queuedBytes, 0);
      assert.equal(conn.send(new Uint8Array(hwm - 4 - 1)), 'sent', 'hwm - 1 queued bytes: under the mark');
      await waitFor(() => conn.queuedBytes === 0, WAIT_MS, 'the first frame to leave');
      assert.equal(conn.send(new Uint8Array(hwm - 4)), 'backpressured', 'exactly hwm queued bytes: at the mark');
      assert.equal(await within(conn.drained({ timeout: WAIT_MS }), WAIT_MS, 'drained'), true);
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('returns queued, not sent, under highWaterMark while the socket itself waits for a drain, and sent again once the peer reads', async () => {
    await withPausedPeer(async (server) => {
      const hwm = 64 * 1024 * KiB;
      const conn = await connect(server.url, { protocol: binary, highWaterMark: hwm, maxQueuedBytes: 2 * hwm, timeout: WAIT_MS });
      const peer = await server.accept();
      // The kernel's buffers fill and the socket keeps the rest: it needs a drain, while our queue is far under hwm.
      await fillUntilStuck(conn, 256 * KiB);
      assert.ok(conn.queuedBytes < hwm, `queued ${conn.queuedBytes} bytes, under ${hwm}`);
      assert.equal(conn.send(numbered(1, 100)), 'queued', 'accepted, but waiting behind bytes the socket could not write');
      let got = 0;
      peer.socket.on('data', (c: Buffer) => void (got += c.length));
      peer.socket.resume();
      await waitFor(() => got >= conn.stats.bytesOut && conn.queuedBytes === 0, WAIT_MS, 'everything to arrive');
      assert.equal(conn.send(numbered(2, 100)), 'sent', 'the socket has room again');
      await conn.close();
    });
  });

  it('drops messages over maxQueuedBytes for a peer that never reads, keeping memory bounded, and delivers every accepted one in order once it reads', async () => {
    await withPausedPeer(async (server) => {
      const max = 1024 * KiB;
      const conn = await connect(server.url, { protocol: binary, highWaterMark: 64 * KiB, maxQueuedBytes: max, timeout: WAIT_MS });
      const peer = await server.accept();
      const statuses = await pushUntil(conn, max, (s) => s === 'dropped');
      assert.ok(statuses.includes('backpressured'), 'backpressured came before dropped');
      assert.equal(statuses.indexOf('dropped'), statuses.length - 1);
      const accepted = statuses.length - 1;
      assert.equal(conn.stats.messagesOut, accepted, 'a dropped message is not counted as sent');
      // More sends keep being dropped while the peer does not read, and the connection stays open.
      for (let k = 0; k < 10; k++) assert.equal(conn.send(numbered(accepted + 1 + k)), 'dropped');
      assert.ok(conn.queuedBytes <= max + MSG + 4);
      assert.equal(conn.state, 'open');

      const chunks: Buffer[] = [];
      let got = 0;
      peer.socket.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
      });
      peer.socket.resume();
      await waitFor(() => got >= conn.stats.bytesOut, WAIT_MS, 'every accepted byte to arrive');
      const received = frames(Buffer.concat(chunks));
      assert.equal(received.length, accepted);
      received.forEach((f, i) => assert.equal(f.readUInt32BE(0), i, `message ${i} in order`));
      await conn.close();
    });
  });

  it("with overflow 'close', closes the connection with SEND_OVERFLOW when the queue is over maxQueuedBytes", async () => {
    await withPausedPeer(async (server) => {
      const max = 512 * KiB;
      const fails: string[] = [];
      const conn = await connect(server.url, {
        protocol: binary,
        highWaterMark: 64 * KiB,
        maxQueuedBytes: max,
        overflow: 'close',
        closeTimeout: 200, // the peer never reads, so the graceful close cannot finish
        timeout: WAIT_MS,
        callbacks: { onFail: (e) => void fails.push(e.code) },
      });
      await server.accept();
      await pushUntil(conn, max, (s) => s === 'dropped');
      assert.notEqual(conn.state, 'open');
      assert.equal(conn.send(numbered(0)), 'closed');
      const info = await within(conn.closed, WAIT_MS, 'the overflowing connection to close');
      assert.equal(info.error?.code, 'SEND_OVERFLOW');
      assert.match(info.error.message, /expected no more than 524288/);
      assert.equal(info.initiator, 'error');
      assert.equal(info.clean, false);
      assert.equal(fails[0], 'SEND_OVERFLOW');
    });
  });

  it('returns closed for send and sendWait after close()', async () => {
    const server = await rawListen();
    try {
      const conn = await connect(server.url, { protocol: binary, timeout: WAIT_MS });
      const peer = await server.accept();
      const closing = conn.close();
      assert.equal(conn.send('late'), 'closed', 'while closing');
      assert.equal(await conn.sendWait('late'), 'closed', 'sendWait while closing');
      peer.end();
      await within(closing, WAIT_MS, 'close');
      assert.equal(conn.send('later'), 'closed', 'after closed');
      assert.equal(await conn.sendWait('later', { timeout: 10 }), 'closed');
      assert.equal(conn.stats.messagesOut, 0);
    } finally {
      await server.close();
    }
  });

  it('sendWait waits while over highWaterMark and sends once the peer reads', async () => {
    await withPausedPeer(async (server) => {
      const hwm = 64 * KiB;
      const conn = await connect(server.url, { protocol: binary, highWaterMark: hwm, maxQueuedBytes: 64 * 1024 * KiB, timeout: WAIT_MS });
      const peer = await server.accept();
      await fillUntilStuck(conn, 4 * hwm);
      const before = conn.stats.messagesOut;
      let status: SendStatus | undefined;
      const waiting = conn.sendWait(numbered(999_999), { timeout: WAIT_MS }).then((s) => (status = s));
      for (let k = 0; k < 20; k++) await tick();
      assert.equal(status, undefined, 'still waiting for room while the peer does not read');
      assert.equal(conn.stats.messagesOut, before, 'nothing was queued yet');
      let got = 0;
      peer.socket.on('data', (c: Buffer) => void (got += c.length));
      peer.socket.resume();
      await within(waiting, WAIT_MS, 'sendWait');
      assert.ok(status !== undefined && isAccepted(status), `accepted (${status})`);
      assert.equal(conn.stats.messagesOut, before + 1);
      await waitFor(() => got >= conn.stats.bytesOut, WAIT_MS, 'everything to arrive');
      await conn.close();
    });
  });

  it('sendWait returns timeout and queues nothing when no room comes in time', async () => {
    await withPausedPeer(async (server) => {
      const hwm = 64 * KiB;
      const conn = await connect(server.url, {
        protocol: binary,
        highWaterMark: hwm,
        maxQueuedBytes: 64 * 1024 * KiB,
        closeTimeout: 200,
        timeout: WAIT_MS,
      });
      await server.accept();
      await fillUntilStuck(conn, 4 * hwm);
      const before = conn.stats.messagesOut;
      assert.equal(await within(conn.sendWait(numbered(1), { timeout: 50 }), WAIT_MS, 'sendWait'), 'timeout');
      assert.equal(conn.stats.messagesOut, before, 'a timed-out sendWait queues nothing');
      assert.equal(await conn.drained({ timeout: 50 }), false, 'drained() also gives up after its timeout');
      conn.destroy();
      await within(conn.closed, WAIT_MS, 'closed');
    });
  });
});

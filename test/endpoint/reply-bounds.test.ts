/**
 * Replies the library sends without the application asking (WebSocket pongs and close replies,
 * `autoReply`, a dispatcher's HELP/ALIVE/UNKNOWN/INVALID answers, answers sent from `onReceive`)
 * count against the connection's queued bytes. A peer that writes and never reads is paused
 * (backpressure reaches it through TCP) instead of making the server queue without bound, and
 * once it reads, every reply arrives: nothing accepted is lost.
 *
 * Each test: a raw socket on 127.0.0.1 that writes far more than the cap and does not read;
 * the server-side `queuedBytes` is sampled every few ms while it writes; then the peer reads and
 * every answer must arrive.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { defineProtocol, leads, lines, textCodec } from '../../src/core/index.js';
import { listen, type Connection, type Server } from '../../src/endpoint/index.js';
import { Dispatcher, dispatcherOptions } from '../../src/dispatch/index.js';
import { WAIT_MS, rawConnect, sleep, waitFor } from '../helpers/net.js';
import { OP, closeBody, maskedFrame, rawWsConnect } from '../helpers/ws-raw.js';

const HWM = 16 * 1024;
const CAP = 64 * 1024;
const small = { highWaterMark: HWM, maxQueuedBytes: CAP } as const;

async function serverSide<In, Out>(server: Server<In, Out>): Promise<Connection<In, Out>> {
  await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the connection to open');
  return [...server.connections][0]!;
}

/**
 * Writes `payload` from `socket` (which does not read), samples the server's queued bytes until
 * the server has read everything or stopped reading, and returns the largest sample.
 */
async function flood(socket: net.Socket, conn: Connection<unknown, unknown>, payload: Uint8Array): Promise<{ maxQueued: number; readWhilePaused: number }> {
  const start = conn.stats.bytesIn;
  socket.write(payload);
  let maxQueued = 0;
  let last = -1;
  let still = 0;
  const deadline = Date.now() + WAIT_MS;
  // Ends when the server read it all, or read nothing more for 60 samples while at the cap
  // (paused). Bounded by WAIT_MS.
  while (Date.now() < deadline) {
    maxQueued = Math.max(maxQueued, conn.queuedBytes);
    const read = conn.stats.bytesIn - start;
    if (read === payload.length) break;
    still = read === last && conn.queuedBytes >= CAP ? still + 1 : 0;
    if (still >= 60) break;
    last = read;
    await sleep(2);
  }
  return { maxQueued, readWhilePaused: conn.stats.bytesIn - start };
}

describe('automatic replies obey the send caps', () => {
  it('WebSocket: a peer that sends 8 MiB of pings and never reads is paused with queuedBytes under the cap; once it reads, the last ping and its close are answered', async () => {
    const server = await listen('ws://127.0.0.1:0', { ...small, callbacks: { onReceive() {} } });
    try {
      const peer = await rawWsConnect(server.url);
      peer.peer.socket.pause(); // never read
      const conn = await serverSide(server);
      const pings: Buffer[] = [];
      const n = 64 * 1024; // 64 Ki pings of 125 bytes: 8.2 MiB on the wire, 128x the cap
      const body = 'p'.repeat(125);
      const one = maskedFrame(OP.PING, body);
      for (let i = 0; i < n - 1; i++) pings.push(one);
      pings.push(maskedFrame(OP.PING, 'the last ping'), maskedFrame(OP.CLOSE, closeBody(1000)));
      const payload = Buffer.concat(pings);
      const { maxQueued } = await flood(peer.peer.socket, conn, payload);
      // One pong per run of pings read together (RFC 6455 5.5.3), and reading pauses if even
      // those reach the cap.
      assert.ok(maxQueued <= CAP + 256, `queuedBytes reached ${maxQueued}, expected no more than ${CAP} + one pong`);
      // The peer reads now: everything it sent is taken, the last ping answered, its close echoed.
      peer.peer.socket.resume();
      await waitFor(() => conn.stats.bytesIn >= payload.length, WAIT_MS, 'the server to read every ping');
      const info = await conn.closed;
      assert.equal(info.code, 1000);
      await waitFor(() => peer.frames().some((f) => f.opcode === OP.CLOSE), WAIT_MS, 'the close reply');
      const frames = peer.frames();
      assert.ok(frames.every((f) => f.opcode === OP.PONG || f.opcode === OP.CLOSE));
      assert.ok(frames.length < n / 10, `${frames.length} pongs for ${n} pings: RFC 6455 5.5.3 lets one answer a run of pings`);
      const lastPong = frames.filter((f) => f.opcode === OP.PONG).at(-1)!;
      assert.equal(Buffer.from(lastPong.payload).toString(), 'the last ping');
      assert.equal(frames.at(-1)!.opcode, OP.CLOSE, 'nothing after the close reply');
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it('autoReply (a heartbeat answer): 50000 PINGs from a peer that does not read pause the server under the cap, and each is answered once it reads', async () => {
    const reply = 'PONG ' + 'x'.repeat(59); // 64 bytes + \n for 5 bytes in: 13x
    const protocol = defineProtocol<string, string>({
      framing: lines(),
      codec: textCodec(),
      autoReply: (m) => (m === 'PING' ? reply : undefined),
    });
    const server = await listen('tcp://127.0.0.1:0', { ...small, protocol, callbacks: { onReceive() {} } });
    try {
      const peer = await rawConnect(server.url);
      peer.socket.pause();
      const conn = await serverSide(server);
      const n = 50_000;
      const payload = Buffer.from('PING\n'.repeat(n));
      const { maxQueued } = await flood(peer.socket, conn as Connection<unknown, unknown>, payload);
      assert.ok(maxQueued <= CAP + 128, `queuedBytes reached ${maxQueued}, expected no more than ${CAP} + one reply`);
      peer.socket.resume();
      await waitFor(() => peer.received().length >= n * (reply.length + 1), WAIT_MS, 'every answer');
      assert.equal(conn.stats.messagesIn, n);
      const got = peer.text().split('\n').slice(0, -1);
      assert.equal(got.length, n, 'no answer was dropped');
      assert.ok(got.every((l) => l === reply));
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it("with overflow: 'close', a peer that floods PINGs answered by autoReply and never reads is closed with SEND_OVERFLOW, its queue under the cap", async () => {
    const protocol = defineProtocol<string, string>({ framing: lines(), codec: textCodec(), autoReply: (m) => `PONG ${'x'.repeat(59)} ${m}` });
    const server = await listen('tcp://127.0.0.1:0', { ...small, overflow: 'close', closeTimeout: 300, protocol, callbacks: { onReceive() {}, onFail() {} } });
    try {
      const peer = await rawConnect(server.url);
      peer.socket.pause();
      const conn = await serverSide(server);
      let maxQueued = 0;
      peer.socket.write(Buffer.from('PING\n'.repeat(50_000)));
      await waitFor(() => ((maxQueued = Math.max(maxQueued, conn.queuedBytes)), conn.state !== 'open'), WAIT_MS, 'the connection to close', 1);
      const info = await conn.closed;
      assert.equal(info.error?.code, 'SEND_OVERFLOW');
      assert.ok(maxQueued <= CAP + 128, `queuedBytes reached ${maxQueued}, expected no more than ${CAP} + one reply`);
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it('dispatcher: HELP, ALIVE, an unknown command and an unparsable line from a peer that does not read are all answered, with queuedBytes under the cap', async () => {
    const d = new Dispatcher({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d, { ...small }));
    try {
      const peer = await rawConnect(server.url);
      peer.socket.pause();
      const conn = await serverSide(server);
      const rounds = 5000;
      const payload = Buffer.from('HELP\nALIVE serial=7\nNOPE\n?\n'.repeat(rounds));
      const { maxQueued } = await flood(peer.socket, conn as Connection<unknown, unknown>, payload);
      assert.ok(maxQueued <= CAP + 256, `queuedBytes reached ${maxQueued}, expected no more than ${CAP} + one answer`);
      peer.socket.resume();
      const count = (): number => {
        let k = 0;
        const t = peer.received();
        for (let i = t.indexOf(10); i >= 0; i = t.indexOf(10, i + 1)) k++;
        return k;
      };
      await waitFor(() => count() >= 4 * rounds, WAIT_MS, 'every answer');
      await sleep(20);
      const got = peer.text().split('\n').slice(0, -1);
      assert.equal(got.length, 4 * rounds, 'no answer was dropped, none doubled');
      const kinds = new Map<string, number>();
      for (const l of got) kinds.set(l.split(' ')[0]!, (kinds.get(l.split(' ')[0]!) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(kinds), { COMMANDS: rounds, ABSOLUTELY: rounds, UNKNOWN: rounds, INVALID: rounds });
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it("LEADS: answers sent from onReceive to a peer that does not read stay under the cap; once it reads, every answer arrives and its `disconnect` closes", async () => {
    const server = await listen('tcp://127.0.0.1:0', {
      ...small,
      protocol: leads(),
      // 8 copies of each message: 8x more out than in, so the kernel's buffers cannot hide a leak.
      callbacks: { onReceive: (c, m) => void c.send(Buffer.from(m).toString().repeat(8)) },
    });
    try {
      const peer = await rawConnect(server.url);
      peer.socket.pause();
      const conn = await serverSide(server);
      const n = 20_000;
      const unit = 'message-0123456789-abcdefghij';
      const payload = Buffer.from(`${unit};`.repeat(n) + 'disconnect;');
      const { maxQueued } = await flood(peer.socket, conn as Connection<unknown, unknown>, payload);
      assert.ok(maxQueued <= CAP + 256, `queuedBytes reached ${maxQueued}, expected no more than ${CAP} + one answer`);
      peer.socket.resume();
      const info = await conn.closed;
      assert.equal(info.error, undefined);
      await peer.ended;
      assert.equal(peer.text(), `${unit.repeat(8)};`.repeat(n), 'every message answered once, in order');
      peer.destroy();
    } finally {
      await server.close();
    }
  });
});

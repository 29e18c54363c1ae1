/**
 * Backpressure from `onReceive`: a callback that returns a promise holds the connection's input
 * until the promise settles (nothing more is decoded, the socket is not read), so a handler that
 * answers asynchronously, or waits for room (`return conn.drained()`), slows its peer down
 * through TCP instead of queueing or dropping.
 *
 * Real sockets on 127.0.0.1; the peers are raw sockets or the `ws` client.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { lines, textCodec, bytesCodec, defineProtocol, type SwitchboardError } from '../../src/core/index.js';
import { listen, type Connection, type Server } from '../../src/endpoint/index.js';
import { startListener } from '../../src/cli/commands.js';
import { WAIT_MS, rawConnect, sleep, waitFor, within } from '../helpers/net.js';

const text = defineProtocol<string, string>({ framing: lines(), codec: textCodec() });

async function serverSide<In, Out>(server: Server<In, Out>): Promise<Connection<In, Out>> {
  await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the connection to open');
  return [...server.connections][0]!;
}

describe('onReceive returning a promise', () => {
  it('delivers nothing more and stops reading the socket until the promise settles, then delivers the rest in order', async () => {
    const got: string[] = [];
    const pending: Array<() => void> = [];
    const server = await listen('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: {
        onReceive(_c, msg) {
          got.push(msg);
          return new Promise<void>((resolve) => pending.push(resolve));
        },
      },
    });
    try {
      const peer = await rawConnect(server.url);
      const conn = await serverSide(server);
      const n = 2000;
      const line = 'x'.repeat(1000);
      // 2 MB: far more than one socket read and the kernel buffers between the two sides.
      const all = Array.from({ length: n }, (_, i) => `${i} ${line}\n`).join('');
      void peer.write(all);
      await waitFor(() => got.length === 1, WAIT_MS, 'the first message');
      // Held: however long we wait, no second message, and the socket is not read any more.
      let read = -1;
      for (let i = 0; i < 100 && conn.stats.bytesIn !== read; i++) {
        read = conn.stats.bytesIn;
        await sleep(20);
      }
      assert.equal(got.length, 1, 'no message is delivered while the first one is not taken');
      assert.ok(conn.stats.bytesIn < all.length, `the server read all ${all.length} bytes while paused`);
      // Settle each as it comes: every message arrives, in order.
      const deadline = Date.now() + WAIT_MS;
      while (got.length < n && Date.now() < deadline) {
        const r = pending.shift();
        if (r) r();
        else await sleep(1);
      }
      pending.shift()?.();
      assert.equal(got.length, n);
      assert.ok(got.every((m, i) => m.startsWith(`${i} `)), 'in order');
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it('a rejected promise is reported as HOOK_FAILED and reading goes on', async () => {
    const got: string[] = [];
    const fails: SwitchboardError[] = [];
    const server = await listen('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: {
        onReceive(_c, msg) {
          got.push(msg);
          return msg === 'bad' ? Promise.reject(new Error('nope')) : undefined;
        },
        onFail: (err) => void fails.push(err),
      },
    });
    try {
      const peer = await rawConnect(server.url);
      await peer.write('one\nbad\ntwo\n');
      await waitFor(() => got.length === 3, WAIT_MS, 'every message');
      assert.deepEqual(got, ['one', 'bad', 'two']);
      assert.equal(fails.length, 1);
      assert.equal(fails[0]!.code, 'HOOK_FAILED');
      assert.match(fails[0]!.message, /onReceive rejected: nope/);
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it('a peer that sends and then ends (FIN) gets every asynchronous answer before our side ends', async () => {
    const server = await listen('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: {
        async onReceive(conn, msg) {
          await new Promise((r) => setImmediate(r)); // an answer computed later
          conn.send(`re ${msg}`);
        },
      },
    });
    try {
      const peer = await rawConnect(server.url, { halfOpen: true });
      const n = 500;
      await peer.write(Array.from({ length: n }, (_, i) => `m${i}\n`).join(''));
      peer.end();
      await within(peer.ended, WAIT_MS, 'the server to end its side');
      const answers = peer.text().split('\n').slice(0, -1);
      assert.equal(answers.length, n, 'every answer left before the FIN');
      assert.ok(answers.every((a, i) => a === `re m${i}`));
      peer.destroy();
    } finally {
      await server.close();
    }
  });

  it('a connection that closes while a promise is pending calls onReceive no more', async () => {
    let calls = 0;
    let resolve: (() => void) | undefined;
    let disconnected = false;
    let callAfterDisconnect = false;
    const server = await listen('tcp://127.0.0.1:0', {
      protocol: text,
      callbacks: {
        onReceive() {
          calls++;
          if (disconnected) callAfterDisconnect = true;
          return new Promise<void>((r) => (resolve = r));
        },
        onDisconnect: () => void (disconnected = true),
      },
    });
    try {
      const peer = await rawConnect(server.url);
      const conn = await serverSide(server);
      await peer.write('a\nb\nc\n');
      await waitFor(() => calls === 1, WAIT_MS, 'the first message');
      // A paused socket notices nothing from its peer (not even a reset) until it reads again;
      // here the server closes it: b and c were never taken.
      conn.destroy();
      await waitFor(() => disconnected, WAIT_MS, 'the disconnect');
      resolve!();
      await sleep(20);
      assert.equal(calls, 1);
      assert.equal(callAfterDisconnect, false);
      peer.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('echo servers do not drop: a 32 MiB burst', () => {
  const count = 2000;
  const size = 16 * 1024;

  /**
   * Sends `count` x `size` bytes at once from a `ws` client that reads nothing until it has
   * handed all of them to its socket, then reads. Samples the server's held bytes meanwhile.
   */
  async function burst(url: string, server: Server<unknown, unknown>): Promise<{ got: number; maxHeld: number; maxQueued: number }> {
    const client = new WebSocket(url, { perMessageDeflate: false });
    await within(new Promise((resolve, reject) => (client.once('open', resolve), client.once('error', reject))), WAIT_MS, 'the ws client to open');
    let got = 0;
    client.on('message', (data: Buffer) => {
      if (data.length === size) got++;
    });
    const conn = await serverSide(server);
    let maxHeld = 0;
    let maxQueued = 0;
    const sample = (): void => {
      maxHeld = Math.max(maxHeld, conn.heldBytes);
      maxQueued = Math.max(maxQueued, conn.queuedBytes);
    };
    client.pause(); // the client does not read while it sends: the server's answers back up
    const payload = Buffer.alloc(size, 0x61);
    for (let i = 0; i < count; i++) client.send(payload);
    const deadline = Date.now() + 20_000;
    // Let the server run into its limit, then read.
    for (let i = 0; i < 100; i++) {
      sample();
      await sleep(5);
    }
    client.resume();
    while (got < count && Date.now() < deadline) {
      sample();
      await sleep(5);
    }
    client.terminate();
    return { got, maxHeld, maxQueued };
  }

  it('switchboard listen --echo (the CLI) echoes all 2000 x 16 KiB with its queue near the high-water mark', async () => {
    const server = await startListener('ws://127.0.0.1:0', { framing: 'lines', echo: true, quiet: true }, () => {}, () => {});
    try {
      const { got, maxQueued, maxHeld } = await burst(server.url, server);
      assert.equal(got, count, `${got} of ${count} echoed`);
      // Default high-water mark 1 MiB: reading pauses once an echo goes over it.
      assert.ok(maxQueued <= 1024 * 1024 + 2 * size, `queued ${maxQueued} bytes, expected about the 1 MiB high-water mark`);
      assert.ok(maxHeld <= 2 * 1024 * 1024, `held ${maxHeld} bytes, expected at most 2 MiB for a 32 MiB burst`);
    } finally {
      await server.close();
    }
  });

  it('the documented handler (return conn.drained() when a send says backpressured) echoes all of them, bounded by highWaterMark', async () => {
    const hwm = 256 * 1024;
    const server = await listen<unknown, unknown>('ws://127.0.0.1:0', {
      codec: bytesCodec(),
      highWaterMark: hwm,
      callbacks: {
        onReceive(conn, msg) {
          if (conn.send(msg) === 'backpressured') return conn.drained();
          return undefined;
        },
      },
    });
    try {
      const { got, maxQueued } = await burst(server.url, server);
      assert.equal(got, count, `${got} of ${count} echoed`);
      assert.ok(maxQueued <= hwm + 2 * size, `queued ${maxQueued} bytes, expected no more than the ${hwm}-byte high-water mark and one message`);
    } finally {
      await server.close();
    }
  });
});

describe('switchboard listen --echo prints off the read path', () => {
  it('each message is echoed (queued and handed to the socket) before it is printed', async () => {
    const printedAfter: number[] = []; // messagesOut of the connection when each line was printed
    let conn: Connection<unknown, unknown> | undefined;
    const lines: string[] = [];
    const server = await startListener(
      'tcp://127.0.0.1:0',
      { framing: 'lines', echo: true },
      (line) => {
        lines.push(line);
        printedAfter.push(conn?.stats.messagesOut ?? -1);
      },
      () => {},
    );
    try {
      const peer = await rawConnect(server.url);
      conn = await serverSide(server);
      await peer.write('one\ntwo\nthree\n');
      await waitFor(() => lines.length === 3 && peer.text().split('\n').length === 4, WAIT_MS, 'three lines printed and echoed');
      assert.deepEqual(lines, ['one', 'two', 'three']);
      printedAfter.forEach((out, i) => assert.ok(out >= i + 1, `line ${i + 1} was printed before its echo was sent`));
      peer.destroy();
    } finally {
      await server.close();
    }
  });
});

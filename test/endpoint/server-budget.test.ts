/**
 * Server-wide bounds: the memory budget over every connection's partial frames and outgoing
 * queues, the time a new connection has to deliver its first message, and the listen backlog.
 * Real sockets on 127.0.0.1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ErrorCode, Limits, defineProtocol, lines, textCodec, type SwitchboardError } from '../../src/core/index.js';
import { connect, listen, type Connection, type Server } from '../../src/endpoint/index.js';
import { WAIT_MS, rawConnect, sleep, waitFor, within, type RawPeer } from '../helpers/net.js';
import { rawWsConnect, type RawWsClient } from '../helpers/ws-raw.js';

const KiB = 1024;
const text = defineProtocol<string, string>({ framing: lines(), codec: textCodec() });

/** The server-side connection of a raw peer (matched by its port). */
async function sideOf<In, Out>(server: Server<In, Out>, peer: RawPeer): Promise<Connection<In, Out>> {
  const port = `:${peer.socket.localPort}`;
  let found: Connection<In, Out> | undefined;
  await waitFor(() => (found = [...server.connections].find((c) => c.remoteAddress.endsWith(port))) !== undefined, WAIT_MS, `the server side of ${port}`);
  return found!;
}

/** A masked binary frame header announcing `length` payload bytes (the payload follows separately). */
function bigFrameHeader(length: number): Buffer {
  const h = Buffer.alloc(14);
  h[0] = 0x82;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  h.writeUInt32BE(0x01020304, 10);
  return h;
}

describe('server memory budget', () => {
  it('closes the connection holding the most with MEMORY_BUDGET_EXCEEDED when partial frames go over the budget; the others go on', async () => {
    const fails: Array<{ code: string; conn: string | undefined }> = [];
    const got: string[] = [];
    const server = await listen('tcp://127.0.0.1:0', {
      protocol: text,
      memoryBudget: 1024 * KiB,
      callbacks: {
        onReceive: (_c, m) => void got.push(`${m[0]}x${m.length}`),
        onFail: (e, c) => void fails.push({ code: e.code, conn: c?.name }),
      },
    });
    try {
      const a = await rawConnect(server.url);
      const b = await rawConnect(server.url);
      const c = await rawConnect(server.url);
      const [sa, sb, sc] = [await sideOf(server, a), await sideOf(server, b), await sideOf(server, c)];
      // Partial lines (no newline): 600 + 100 KiB fit the budget of 1 MiB...
      await a.write('a'.repeat(600 * KiB));
      await waitFor(() => sa.heldBytes === 600 * KiB, WAIT_MS, 'a to be buffered');
      await b.write('b'.repeat(100 * KiB));
      await waitFor(() => sb.heldBytes === 100 * KiB, WAIT_MS, 'b to be buffered');
      assert.equal(sa.state, 'open');
      // ...and 500 more do not: the largest holder goes.
      await c.write('c'.repeat(500 * KiB));
      const info = await within(sa.closed, WAIT_MS, 'the largest holder to be closed');
      assert.equal(info.error?.code, ErrorCode.MEMORY_BUDGET_EXCEEDED);
      assert.match(info.error!.message, /holds 614400 bytes .* expected no more than 1048576 in all/);
      assert.deepEqual(fails, [{ code: ErrorCode.MEMORY_BUDGET_EXCEEDED, conn: sa.name }]);
      await within(a.closed, WAIT_MS, 'the evicted peer to see its socket close');
      // The others finish their lines and are served.
      await waitFor(() => sc.heldBytes === 500 * KiB, WAIT_MS, 'c to be buffered');
      await b.write('\n');
      await c.write('\n');
      await waitFor(() => got.length === 2, WAIT_MS, 'the two finished lines');
      assert.deepEqual(got.sort(), [`bx${100 * KiB}`, `cx${500 * KiB}`]);
      assert.equal(sb.state, 'open');
      assert.equal(sc.state, 'open');
      assert.equal(sb.heldBytes + sc.heldBytes, 0);
      b.destroy();
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('WebSocket: the peer parking the largest unfinished frame gets close code 1013; a smaller one completes its message', async () => {
    const got: number[] = [];
    const server = await listen('ws://127.0.0.1:0', {
      memoryBudget: 1024 * KiB,
      callbacks: { onReceive: (_c, m) => void got.push((m as Uint8Array).length), onFail() {} },
    });
    let a: RawWsClient | undefined;
    let b: RawWsClient | undefined;
    try {
      a = await rawWsConnect(server.url);
      b = await rawWsConnect(server.url);
      await waitFor(() => server.connectionCount === 2, WAIT_MS, 'two connections');
      await a.write(Buffer.concat([bigFrameHeader(2048 * KiB), Buffer.alloc(700 * KiB)]));
      await waitFor(() => [...server.connections].some((c) => c.heldBytes >= 700 * KiB), WAIT_MS, 'a to be buffered');
      await b.write(Buffer.concat([bigFrameHeader(500 * KiB), Buffer.alloc(400 * KiB)])); // 1100 KiB in all
      const close = await a.closeFrame();
      assert.equal(close.code, 1013);
      await b.write(Buffer.alloc(100 * KiB)); // the rest of b's frame (a zero mask pattern is fine: payload bytes are not checked)
      await waitFor(() => got.length === 1, WAIT_MS, "b's message");
      assert.deepEqual(got, [500 * KiB]);
      assert.equal(server.connectionCount, 1);
    } finally {
      a?.destroy();
      b?.destroy();
      await server.close();
    }
  });

  it('refuses a memoryBudget that is not a positive number', async () => {
    for (const bad of [0, -1, Number.NaN, '1' as unknown as number]) {
      await assert.rejects(listen('tcp://127.0.0.1:0', { memoryBudget: bad }), { code: ErrorCode.INVALID_OPTION }, String(bad));
    }
    const s = await listen('tcp://127.0.0.1:0', { memoryBudget: Infinity });
    await s.close();
  });
});

describe('first message timeout', () => {
  it('closes a silent peer and one that sent half a line with FIRST_MESSAGE_TIMEOUT, not one that sent a message', async () => {
    const fails: SwitchboardError[] = [];
    const got: string[] = [];
    const server = await listen('tcp://127.0.0.1:0', {
      protocol: text,
      firstMessageTimeout: 300,
      callbacks: { onReceive: (_c, m) => void got.push(m), onFail: (e) => void fails.push(e) },
    });
    try {
      const silent = await rawConnect(server.url);
      const partial = await rawConnect(server.url);
      const talker = await rawConnect(server.url);
      const [ss, sp, st] = [await sideOf(server, silent), await sideOf(server, partial), await sideOf(server, talker)];
      await partial.write('half a li');
      await talker.write('hello\n');
      const [i1, i2] = await within(Promise.all([ss.closed, sp.closed]), WAIT_MS, 'the two quiet peers to be closed');
      assert.equal(i1.error?.code, ErrorCode.FIRST_MESSAGE_TIMEOUT);
      assert.equal(i2.error?.code, ErrorCode.FIRST_MESSAGE_TIMEOUT);
      assert.match(i2.error!.message, /no whole message within 300 ms .*9 bytes of a partial frame held/);
      assert.deepEqual(fails.map((e) => e.code), [ErrorCode.FIRST_MESSAGE_TIMEOUT, ErrorCode.FIRST_MESSAGE_TIMEOUT]);
      await sleep(400); // past the talker's deadline too
      assert.equal(st.state, 'open');
      await talker.write('still here\n');
      await waitFor(() => got.length === 2, WAIT_MS, 'the second line');
      assert.deepEqual(got, ['hello', 'still here']);
      talker.destroy();
    } finally {
      await server.close();
    }
  });

  it('does not apply to WebSocket after the upgrade: a client that only listens stays', async () => {
    const server = await listen('ws://127.0.0.1:0', { firstMessageTimeout: 100 });
    try {
      const c = await connect(server.url, { timeout: WAIT_MS });
      await sleep(400);
      assert.equal(c.state, 'open');
      assert.equal(server.connectionCount, 1);
      server.broadcast('news');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'news');
      await c.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a negative or infinite firstMessageTimeout; 0 turns it off', async () => {
    for (const bad of [-1, Infinity, Number.NaN]) {
      await assert.rejects(listen('tcp://127.0.0.1:0', { firstMessageTimeout: bad }), { code: ErrorCode.INVALID_OPTION }, String(bad));
    }
    const server = await listen('tcp://127.0.0.1:0', { protocol: text, firstMessageTimeout: 0 });
    try {
      const p = await rawConnect(server.url);
      const s = await sideOf(server, p);
      await sleep(100);
      assert.equal(s.state, 'open');
      p.destroy();
    } finally {
      await server.close();
    }
  });

  it('has a finite default', () => {
    assert.equal(Limits.firstMessageTimeout, 30_000);
  });
});

describe('listen backlog', () => {
  const portOf = (s: Server<unknown, unknown>): number => (s.address.scheme === 'unix' ? 0 : s.address.port);
  /** The backlog the kernel reports for a listening port (ss's Send-Q), or undefined without `ss`. */
  function kernelBacklog(port: number): number | undefined {
    const r = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
    if (r.status !== 0 || r.stdout.trim() === '') return undefined;
    return Number(r.stdout.trim().split(/\s+/)[2]);
  }

  it('passes the backlog option to the kernel, 4096 (capped by somaxconn) by default', async (t) => {
    const seven = await listen('tcp://127.0.0.1:0', { backlog: 7 });
    const dflt = await listen('tcp://127.0.0.1:0');
    try {
      const got = kernelBacklog(portOf(seven));
      if (got === undefined) {
        t.skip('ss is not installed: cannot read the kernel backlog');
        return;
      }
      assert.equal(got, 7);
      assert.equal(Limits.listenBacklog, 4096);
      const somaxconn = Number(spawnSync('cat', ['/proc/sys/net/core/somaxconn'], { encoding: 'utf8' }).stdout);
      assert.equal(kernelBacklog(portOf(dflt)), Math.min(4096, somaxconn));
    } finally {
      await seven.close();
      await dflt.close();
    }
  });

  it('refuses a backlog that is not a positive integer', async () => {
    for (const bad of [0, -5, 1.5, Number.NaN, '64' as unknown as number]) {
      await assert.rejects(listen('tcp://127.0.0.1:0', { backlog: bad }), { code: ErrorCode.INVALID_OPTION }, String(bad));
    }
  });
});

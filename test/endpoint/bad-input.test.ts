import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesCodec,
  connect,
  defineProtocol,
  lengthPrefix,
  lines,
  linesJson,
  listen,
  protocols,
  textCodec,
  type CloseInfo,
  type Connection,
  type ListenOptions,
  type SwitchboardError,
} from '../../src/index.js';
import { WAIT_MS, rawConnect, waitFor, within } from '../helpers/net.js';

/**
 * A server that echoes, records failures and disconnects, and watches each connection's
 * errors() stream.
 */
async function watchedServer<In, Out>(options: ListenOptions<In, Out>, echo: (m: In) => Out | undefined = (m) => m as unknown as Out) {
  const fails: SwitchboardError[] = [];
  const streamed: SwitchboardError[] = [];
  const infos: CloseInfo[] = [];
  const conns: Connection<In, Out>[] = [];
  const server = await listen<In, Out>('tcp://127.0.0.1:0', {
    ...options,
    callbacks: {
      onConnect: (c) => {
        conns.push(c);
        void (async () => {
          for await (const e of c.errors()) streamed.push(e);
        })();
      },
      onReceive: (c, m) => {
        const r = echo(m);
        if (r !== undefined) c.send(r);
      },
      onFail: (e) => void fails.push(e),
      onDisconnect: (_c, i) => void infos.push(i),
    },
  });
  return { server, fails, streamed, infos, conns };
}

/** Checks that a fresh client still gets an echo. */
async function stillServes(url: string, line: string, expected: string): Promise<void> {
  const raw = await rawConnect(url);
  await raw.write(line);
  await waitFor(() => raw.text() === expected, WAIT_MS, `the echo ${JSON.stringify(expected)}`);
  raw.end();
  await within(raw.closed, WAIT_MS, 'closed');
}

describe('bad input from the peer', () => {
  it('reports an oversize frame as FRAME_TOO_LARGE via onFail, errors() and the close info, closes that link and keeps serving others', async () => {
    const w = await watchedServer<unknown, unknown>({ protocol: linesJson({ maxFrameSize: 1024 }) });
    try {
      const bad = await rawConnect(w.server.url);
      await bad.write('{"ok":1}\n' + 'x'.repeat(5000));
      await within(bad.ended, WAIT_MS, 'the server to close the bad link');
      assert.equal(bad.text(), '{"ok":1}\n', 'the message before the bad frame was handled');
      await waitFor(() => w.infos.length === 1, WAIT_MS, 'onDisconnect');
      const info = w.infos[0]!;
      assert.equal(info.error?.code, 'FRAME_TOO_LARGE');
      assert.equal(info.initiator, 'error');
      assert.equal(info.clean, false);
      assert.match(info.error.message, /expected no more than 1024/);
      assert.deepEqual(
        w.fails.map((e) => e.code),
        ['FRAME_TOO_LARGE'],
      );
      await waitFor(() => w.streamed.length === 1, WAIT_MS, 'the errors() stream');
      assert.equal(w.streamed[0], w.fails[0]);
      assert.equal(w.server.connectionCount, 0);
      await stillServes(w.server.url, '{"next":2}\n', '{"next":2}\n');
    } finally {
      await w.server.close();
    }
  });

  it('reports an announced length over the limit as FRAME_TOO_LARGE before the payload arrives', async () => {
    const w = await watchedServer<Uint8Array, Uint8Array | string>({
      protocol: defineProtocol({ framing: lengthPrefix({ maxFrameSize: 1024 }), codec: bytesCodec() }),
    });
    try {
      const bad = await rawConnect(w.server.url);
      await bad.write(Uint8Array.from([0x00, 0x10, 0x00, 0x00])); // announces 1 MiB
      await within(bad.ended, WAIT_MS, 'the server to close the bad link');
      await waitFor(() => w.fails.length === 1, WAIT_MS, 'onFail');
      assert.equal(w.fails[0]!.code, 'FRAME_TOO_LARGE');
      assert.match(w.fails[0]!.message, /announces 1048576 bytes/);
    } finally {
      await w.server.close();
    }
  });

  it('reports garbage for the JSON codec as INVALID_JSON and closes the link', async () => {
    const w = await watchedServer<unknown, unknown>({});
    try {
      const bad = await rawConnect(w.server.url);
      await bad.write('{"a":1}\nthis is not json\n{"b":2}\n');
      await within(bad.ended, WAIT_MS, 'the server to close the bad link');
      assert.equal(bad.text(), '{"a":1}\n', 'nothing after the bad frame is delivered');
      await waitFor(() => w.infos.length === 1, WAIT_MS, 'onDisconnect');
      assert.equal(w.infos[0]!.error?.code, 'INVALID_JSON');
      assert.deepEqual(
        w.fails.map((e) => e.code),
        ['INVALID_JSON'],
      );
      await stillServes(w.server.url, '[1,2]\n', '[1,2]\n');
    } finally {
      await w.server.close();
    }
  });

  it('reports invalid UTF-8 for the text codec as INVALID_UTF8', async () => {
    const w = await watchedServer<string, string>({ protocol: defineProtocol({ framing: lines(), codec: textCodec() }) });
    try {
      const bad = await rawConnect(w.server.url);
      await bad.write(Buffer.concat([Buffer.from('fine\n'), Buffer.from([0x66, 0xff, 0xfe, 0x0a])]));
      await within(bad.ended, WAIT_MS, 'the server to close the bad link');
      assert.equal(bad.text(), 'fine\n');
      await waitFor(() => w.infos.length === 1, WAIT_MS, 'onDisconnect');
      assert.equal(w.infos[0]!.error?.code, 'INVALID_UTF8');
      assert.equal(w.fails[0]!.code, 'INVALID_UTF8');
      await stillServes(w.server.url, 'héllo\n', 'héllo\n');
    } finally {
      await w.server.close();
    }
  });

  it("with decodeErrors: 'skip', reports each bad frame and keeps the connection", async () => {
    const w = await watchedServer<unknown, unknown>({ decodeErrors: 'skip' });
    try {
      const raw = await rawConnect(w.server.url);
      await raw.write('{"n":1}\nnot json\n{"n":2}\n\xff\n{"n":3}\n');
      await waitFor(() => raw.text() === '{"n":1}\n{"n":2}\n{"n":3}\n', WAIT_MS, 'the good messages');
      assert.deepEqual(
        w.fails.map((e) => e.code),
        ['INVALID_JSON', 'INVALID_JSON'],
      );
      assert.equal(w.conns[0]!.state, 'open');
      raw.end();
      await waitFor(() => w.infos.length === 1, WAIT_MS, 'onDisconnect');
      assert.deepEqual(w.infos[0], { initiator: 'peer', error: undefined, clean: true });
    } finally {
      await w.server.close();
    }
  });

  it('reports a peer that leaves mid-frame as FRAME_TRUNCATED after delivering the whole messages before it', async () => {
    let svc: Connection<unknown, unknown> | undefined;
    const server = await listen<unknown, unknown>('tcp://127.0.0.1:0', { callbacks: { onConnect: (c) => void (svc = c) } });
    try {
      const raw = await rawConnect(server.url);
      await raw.write('{"n":1}\n{"n":2}\n{"n":');
      raw.end();
      await waitFor(() => svc !== undefined, WAIT_MS, 'the server side');
      const got: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const m of svc!) got.push(m);
        })(),
        (e: SwitchboardError) => e.code === 'FRAME_TRUNCATED' && /5 bytes buffered/.test(e.message),
      );
      assert.deepEqual(got, [{ n: 1 }, { n: 2 }]);
      const info = await within(svc!.closed, WAIT_MS, 'closed');
      assert.equal(info.error?.code, 'FRAME_TRUNCATED');
      assert.equal(info.clean, false);
      await within(raw.closed, WAIT_MS, 'raw closed');
    } finally {
      await server.close();
    }
  });

  it('answers a half-closed peer from a for await loop: every reply arrives before our FIN, then the link closes cleanly', async () => {
    // The peer pipelines 3000 requests and sends FIN at once. That is more than the receive
    // queue holds, so reading pauses and resumes while the FIN is already on its way.
    const infos: CloseInfo[] = [];
    const statuses = new Set<string>();
    const server = await listen<{ n: number }, { re: number }>('tcp://127.0.0.1:0', {
      receiveQueue: 64,
      callbacks: { onDisconnect: (_c, i) => void infos.push(i) },
    });
    const serving = (async () => {
      for await (const conn of server) {
        for await (const m of conn) statuses.add(conn.send({ re: m.n }));
      }
    })();
    try {
      const raw = await rawConnect(server.url, { halfOpen: true });
      const count = 3000;
      await raw.write(Array.from({ length: count }, (_, n) => `{"n":${n}}\n`).join(''));
      raw.end();
      await within(raw.ended, WAIT_MS, 'the server FIN');
      const replies = raw.text().split('\n').filter((l) => l !== '');
      assert.equal(replies.length, count, `statuses seen: ${[...statuses].join(', ')}`);
      replies.forEach((l, n) => assert.equal(l, `{"re":${n}}`));
      assert.ok(!statuses.has('closed'));
      const closed = await within(raw.closed, WAIT_MS, 'the raw socket to close');
      assert.equal(closed.hadError, false);
      await waitFor(() => infos.length === 1, WAIT_MS, 'onDisconnect');
      assert.deepEqual(infos[0], { initiator: 'peer', error: undefined, clean: true });
    } finally {
      await server.close();
      await within(serving, WAIT_MS, 'the serving loop');
    }
  });

  it('answers a half-closed peer from an onReceive callback, then closes cleanly', async () => {
    const w = await watchedServer<unknown, unknown>({});
    try {
      const raw = await rawConnect(w.server.url, { halfOpen: true });
      await raw.write('{"n":1}\n{"n":2}\n');
      raw.end();
      await within(raw.closed, WAIT_MS, 'the link to close');
      assert.equal(raw.text(), '{"n":1}\n{"n":2}\n');
      await waitFor(() => w.infos.length === 1, WAIT_MS, 'onDisconnect');
      assert.deepEqual(w.infos[0], { initiator: 'peer', error: undefined, clean: true });
      assert.equal(w.fails.length, 0);
    } finally {
      await w.server.close();
    }
  });

  it("closes politely both ways with the LEADS preset's 'disconnect' message", async () => {
    const leads = protocols.leads();
    const got: string[] = [];
    const infos: CloseInfo[] = [];
    const server = await listen<Uint8Array, Uint8Array | string>('tcp://127.0.0.1:0', {
      protocol: leads,
      callbacks: {
        onReceive: (c, m) => {
          got.push(Buffer.from(m).toString());
          c.send(m);
        },
        onDisconnect: (_c, i) => void infos.push(i),
      },
    });
    try {
      // Our client closes: it sends 'disconnect;', the server closes without sending its own.
      const conn = await connect<Uint8Array, Uint8Array | string>(server.url, { protocol: leads, timeout: WAIT_MS });
      conn.send('hello');
      assert.equal(Buffer.from(await conn.receive({ timeout: WAIT_MS })).toString(), 'hello');
      const info = await within(conn.close(), WAIT_MS, 'close');
      assert.equal(info.clean, true);
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server side to close');
      assert.equal(infos[0]!.clean, true);
      assert.deepEqual(got, ['hello'], "'disconnect' is consumed, not delivered");
      await assert.rejects(conn.receive({ timeout: WAIT_MS }), (e: SwitchboardError) => e.code === 'CONNECTION_CLOSED');

      // A raw LEADS peer says 'disconnect;': the server closes its side without answering it.
      const raw = await rawConnect(server.url);
      await raw.write('ping;disconnect;');
      await within(raw.closed, WAIT_MS, 'the server to close');
      assert.equal(raw.text(), 'ping;');

      // The server closes first: the raw peer gets 'disconnect;' then FIN.
      const raw2 = await rawConnect(server.url);
      await raw2.write('x;');
      await waitFor(() => raw2.text() === 'x;', WAIT_MS, 'the echo');
      await within(server.close(), WAIT_MS, 'server close');
      await within(raw2.closed, WAIT_MS, 'raw2 closed');
      assert.equal(raw2.text(), 'x;disconnect;');
    } finally {
      await server.close();
    }
  });

  it("reports a close caused by the peer's LEADS 'disconnect' with initiator 'peer', and our own close with 'local'", async () => {
    const leads = protocols.leads();
    const infos: CloseInfo[] = [];
    const server = await listen<Uint8Array, Uint8Array | string>('tcp://127.0.0.1:0', {
      protocol: leads,
      callbacks: { onDisconnect: (_c, i) => void infos.push(i) },
    });
    try {
      const conn = await connect<Uint8Array, Uint8Array | string>(server.url, { protocol: leads, timeout: WAIT_MS });
      const mine = await within(conn.close(), WAIT_MS, 'close');
      assert.equal(mine.initiator, 'local', 'the client that sent disconnect closed');
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server side to close');
      assert.equal(infos[0]!.initiator, 'peer', 'the server closed because its peer said disconnect');
      assert.equal(infos[0]!.clean, true);

      const raw = await rawConnect(server.url);
      await raw.write('disconnect;');
      await within(raw.closed, WAIT_MS, 'the server to close');
      await waitFor(() => infos.length === 2, WAIT_MS, 'the second close');
      assert.equal(infos[1]!.initiator, 'peer');
    } finally {
      await server.close();
    }
  });
});

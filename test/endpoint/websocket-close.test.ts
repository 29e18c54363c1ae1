/**
 * The WebSocket closing handshake and ping/pong on real sockets: codes and reasons reaching
 * CloseInfo on both sides, the server closing TCP first, close timeouts against peers that never
 * answer, ping RTT, PING_TIMEOUT, unsolicited pongs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, lines, listen, messageCodec, type CloseInfo, type Connection, type Server, type SwitchboardError } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';
import { OP, closeBody, maskedFrame, rawWsConnect, rawWsListen, unmaskedFrame } from '../helpers/ws-raw.js';

type Msg = string | Uint8Array;

interface Served {
  server: Server<Msg, Msg>;
  fails: SwitchboardError[];
  infos: CloseInfo[];
}

async function echoServer(closeTimeout?: number): Promise<Served> {
  const s: Omit<Served, 'server'> = { fails: [], infos: [] };
  const server = await listen<Msg, Msg>('ws://127.0.0.1:0/', {
    ...(closeTimeout !== undefined && { closeTimeout }),
    callbacks: {
      onReceive: (c, m) => void c.send(m),
      onFail: (e) => void s.fails.push(e),
      onDisconnect: (_c, info) => void s.infos.push(info),
    },
  });
  return { ...s, server };
}

async function serverSide(server: Server<Msg, Msg>): Promise<Connection<Msg, Msg>> {
  await waitFor(() => server.connectionCount === 1, WAIT_MS, 'the server-side connection');
  return [...server.connections][0]!;
}

describe('websocket close handshake', () => {
  it('client-initiated: the code and reason reach the server, both sides close clean', async () => {
    const { server, fails, infos } = await echoServer();
    try {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      c.send('last words');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'last words');
      const info = await within(c.close({ code: 4000, reason: 'client done ✓' }), WAIT_MS, 'the client close');
      assert.equal(info.initiator, 'local');
      assert.equal(info.clean, true);
      assert.equal(info.error, undefined);
      assert.equal(info.code, 4000, "the server's echo of our code");
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server-side close');
      assert.deepEqual(
        { initiator: infos[0]!.initiator, clean: infos[0]!.clean, code: infos[0]!.code, reason: infos[0]!.reason, error: infos[0]!.error },
        { initiator: 'peer', clean: true, code: 4000, reason: 'client done ✓', error: undefined },
      );
      assert.equal(c.state, 'closed');
      assert.deepEqual(fails, []);
      // close() again gives the same answer.
      assert.equal(await c.close(), info);
    } finally {
      await server.close();
    }
  });

  it('server-initiated: the code and reason reach the client, whose iteration ends without error', async () => {
    const { server, fails, infos } = await echoServer();
    try {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      const sc = await serverSide(server);
      const seen: Msg[] = [];
      const reading = (async () => {
        for await (const m of c) seen.push(m);
      })();
      sc.send('before the close');
      const sinfo = await within(sc.close({ code: 1001, reason: 'going down for maintenance' }), WAIT_MS, 'the server close');
      await within(reading, WAIT_MS, 'the iteration to end');
      assert.deepEqual(seen, ['before the close']);
      const cinfo = await within(c.closed, WAIT_MS, 'the client close');
      assert.deepEqual(
        { initiator: cinfo.initiator, clean: cinfo.clean, code: cinfo.code, reason: cinfo.reason, error: cinfo.error },
        { initiator: 'peer', clean: true, code: 1001, reason: 'going down for maintenance', error: undefined },
      );
      assert.equal(sinfo.initiator, 'local');
      assert.equal(sinfo.clean, true);
      assert.equal(sinfo.code, 1001);
      assert.equal(infos.length, 1);
      assert.deepEqual(fails, []);
      assert.equal(c.send('too late'), 'closed');
    } finally {
      await server.close();
    }
  });

  it('refuses a close code that may not be sent, and stays open; 1005 sends a close frame without a code', async () => {
    const { server, infos, fails } = await echoServer();
    try {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      for (const code of [999, 1004, 1006, 1015, 2000, 5000]) {
        await assert.rejects(c.close({ code }), { code: 'WS_INVALID_ARGUMENT' }, String(code));
      }
      await assert.rejects(c.close({ code: 1005, reason: 'a reason needs a code' }), { code: 'WS_INVALID_ARGUMENT' });
      assert.equal(c.state, 'open');
      c.send('still open');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'still open');
      // 1005 means "no status": the close frame goes without a code (RFC 6455 7.4.1).
      const info = await within(c.close({ code: 1005 }), WAIT_MS, 'the close');
      assert.equal(info.clean, true);
      assert.equal(info.code, 1005);
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server-side close');
      assert.equal(infos[0]!.code, 1005, 'the server saw a close frame without a code');
      assert.equal(infos[0]!.clean, true);
      assert.deepEqual(fails, []);
    } finally {
      await server.close();
    }
  });

  it('server closing a raw client: close frame with code and reason, then the server FIN once the raw client answers', async () => {
    const { server, infos } = await echoServer();
    try {
      const raw = await rawWsConnect(server.url, {}, { halfOpen: true });
      const sc = await serverSide(server);
      const closing = sc.close({ code: 4001, reason: 'kicked' });
      assert.deepEqual(await raw.closeFrame(), { code: 4001, reason: 'kicked' });
      await raw.write(maskedFrame(OP.CLOSE, closeBody(4001)));
      await within(raw.peer.ended, WAIT_MS, "the server's FIN");
      raw.peer.end();
      const info = await within(closing, WAIT_MS, 'the server-side close');
      assert.equal(info.clean, true);
      assert.equal(info.code, 4001);
      assert.equal(info.error, undefined);
      assert.equal(infos.length, 1);
    } finally {
      await server.close();
    }
  });

  it('client closing against a raw server: masked close frame, then clean once the server answers and ends TCP', async () => {
    const rs = await rawWsListen('/');
    try {
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS });
      const peer = await rs.accept();
      const c = await pending;
      const closing = c.close({ code: 3000, reason: 'app says bye' });
      assert.deepEqual(await peer.closeFrame(), { code: 3000, reason: 'app says bye' });
      assert.equal(peer.frames().find((f) => f.opcode === OP.CLOSE)!.masked, true);
      await peer.write(unmaskedFrame(OP.CLOSE, closeBody(3000, 'ok')));
      // RFC 6455 7.1.1: the client waits for the server to close TCP.
      peer.peer.end();
      const info = await within(closing, WAIT_MS, 'the client close');
      assert.deepEqual(
        { initiator: info.initiator, clean: info.clean, code: info.code, reason: info.reason, error: info.error },
        { initiator: 'local', clean: true, code: 3000, reason: 'ok', error: undefined },
      );
      await within(peer.peer.closed, WAIT_MS, 'the socket to close');
    } finally {
      await rs.close();
    }
  });

  it('server: CLOSE_TIMEOUT when a raw client never answers the close frame nor ends TCP', async () => {
    const { server, fails } = await echoServer(300);
    try {
      const raw = await rawWsConnect(server.url, {}, { halfOpen: true });
      const sc = await serverSide(server);
      const info = await within(sc.close({ code: 1000 }), WAIT_MS, 'the close to time out');
      assert.equal((await raw.closeFrame()).code, 1000);
      assert.equal(info.error?.code, 'CLOSE_TIMEOUT');
      assert.equal(info.clean, false);
      assert.ok(fails.some((f) => f.code === 'CLOSE_TIMEOUT'));
      // The server sent its FIN right after its close frame, then gave up on the peer's.
      await within(raw.peer.ended, WAIT_MS, "the server's FIN");
      assert.equal(server.connectionCount, 0);
      raw.destroy();
      // Still serving.
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      c.send('x');
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'x');
      await c.close();
    } finally {
      await server.close();
    }
  });

  it('client: CLOSE_TIMEOUT when a raw server never answers the close frame', async () => {
    const rs = await rawWsListen('/');
    try {
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, closeTimeout: 300 });
      const peer = await rs.accept();
      const c = await pending;
      const info = await within(c.close({ code: 1000, reason: 'bye' }), WAIT_MS, 'the close to time out');
      assert.deepEqual(await peer.closeFrame(), { code: 1000, reason: 'bye' });
      assert.equal(info.error?.code, 'CLOSE_TIMEOUT');
      assert.equal(info.initiator, 'local');
      assert.equal(info.clean, false);
      await within(peer.peer.closed, WAIT_MS, 'the client to drop the socket');
    } finally {
      await rs.close();
    }
  });

  it('client: CLOSE_TIMEOUT when a raw server answers the close frame but never ends TCP', async () => {
    const rs = await rawWsListen('/', '', { halfOpen: true });
    try {
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, closeTimeout: 300 });
      const peer = await rs.accept();
      const c = await pending;
      const closing = c.close();
      assert.equal((await peer.closeFrame()).code, 1000);
      await peer.write(unmaskedFrame(OP.CLOSE, closeBody(1000)));
      // The client ends its side once both close frames crossed; the server never ends its own.
      await within(peer.peer.ended, WAIT_MS, "the client's FIN");
      const info = await within(closing, WAIT_MS, 'the close to time out');
      assert.equal(info.error?.code, 'CLOSE_TIMEOUT');
      assert.equal(info.code, 1000);
    } finally {
      await rs.close();
    }
  });
});

describe('websocket: the peer ends TCP without a close frame (RFC 6455 7.1.5: 1006)', () => {
  it('server side: a raw client that sends FIN after a message closes with FRAME_TRUNCATED and code 1006', async () => {
    const { server, infos } = await echoServer();
    try {
      const raw = await rawWsConnect(server.url);
      await raw.write(maskedFrame(OP.TEXT, 'hi'));
      await waitFor(() => raw.frames().length === 1, WAIT_MS, 'the echo');
      raw.peer.end(); // FIN, no close frame
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server-side close');
      assert.equal(infos[0]!.initiator, 'peer');
      assert.equal(infos[0]!.clean, false);
      assert.equal(infos[0]!.error?.code, 'FRAME_TRUNCATED');
      assert.equal(infos[0]!.code, 1006);
      raw.destroy();
    } finally {
      await server.close();
    }
  });

  it('client side: a raw server that sends FIN after a message closes the client with FRAME_TRUNCATED and code 1006', async () => {
    const rs = await rawWsListen('/');
    try {
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS });
      const peer = await rs.accept();
      const client = await pending;
      await peer.write(unmaskedFrame(OP.TEXT, 'hello'));
      assert.equal(await client.receive({ timeout: WAIT_MS }), 'hello');
      peer.peer.end(); // FIN, no close frame
      const info = await within(client.closed, WAIT_MS, 'the client to close');
      assert.equal(info.initiator, 'peer');
      assert.equal(info.clean, false);
      assert.equal(info.error?.code, 'FRAME_TRUNCATED');
      assert.equal(info.code, 1006);
    } finally {
      await rs.close();
    }
  });
});

describe('websocket close codes of connection errors', () => {
  it('a heartbeat timeout closes with 1008, reported in CloseInfo.code on both sides (the error has no closeCode)', async () => {
    const { server, infos } = await echoServer();
    try {
      // The echo server never speaks first: the client hears nothing within 50 ms.
      const c = await connect<Msg, Msg>(server.url, {
        timeout: WAIT_MS,
        protocol: { framing: lines(), codec: messageCodec(), heartbeat: { interval: 60_000, timeout: 50, message: 'beat' } },
      });
      const info = await within(c.closed, WAIT_MS, 'the heartbeat timeout');
      assert.equal(info.error?.code, 'HEARTBEAT_TIMEOUT');
      assert.equal(info.code, 1008, 'docs/websocket.md: the code sent is CloseInfo.code');
      assert.equal(info.error?.closeCode, undefined, 'docs/websocket.md: only WebSocketError carries closeCode');
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server-side close');
      assert.equal(infos[0]!.code, 1008);
    } finally {
      await server.close();
    }
  });
});

describe('websocket ping', () => {
  it('resolves with the round-trip time, from either side', async () => {
    const { server, fails } = await echoServer();
    try {
      const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      for (let i = 0; i < 5; i++) {
        const rtt = await within(c.ping({ timeout: WAIT_MS }), WAIT_MS, 'the pong');
        assert.ok(Number.isFinite(rtt) && rtt >= 0, `rtt ${rtt}`);
      }
      const rtts = await within(Promise.all([c.ping(), c.ping(), c.ping()]), WAIT_MS, 'three pongs at once');
      assert.equal(rtts.length, 3);
      const sc = await serverSide(server);
      assert.ok((await within(sc.ping({ timeout: WAIT_MS }), WAIT_MS, 'the pong from our client')) >= 0);
      await c.close();
      await assert.rejects(c.ping(), { code: 'CONNECTION_CLOSED' });
      assert.deepEqual(fails, []);
    } finally {
      await server.close();
    }
  });

  it('rejects with PING_TIMEOUT when a raw server never pongs, and the connection stays usable', async () => {
    const rs = await rawWsListen('/');
    try {
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS });
      const peer = await rs.accept();
      const c = await pending;
      await assert.rejects(c.ping({ timeout: 200 }), { code: 'PING_TIMEOUT' });
      const pings = peer.frames().filter((f) => f.opcode === OP.PING);
      assert.equal(pings.length, 1);
      assert.equal(pings[0]!.masked, true);
      assert.equal(c.state, 'open');
      await peer.write(unmaskedFrame(OP.TEXT, 'still here'));
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'still here');
      // A pending ping rejects with CONNECTION_CLOSED when the connection goes.
      const late = c.ping({ timeout: WAIT_MS });
      await waitFor(() => peer.frames().filter((f) => f.opcode === OP.PING).length === 2, WAIT_MS, 'the second ping');
      peer.peer.destroy();
      await assert.rejects(within(late, WAIT_MS, 'the ping to fail'), { code: 'CONNECTION_CLOSED' });
    } finally {
      await rs.close();
    }
  });

  it('server-side PING_TIMEOUT against a raw client that never pongs', async () => {
    const { server } = await echoServer();
    try {
      const raw = await rawWsConnect(server.url);
      const sc = await serverSide(server);
      await assert.rejects(sc.ping({ timeout: 200 }), { code: 'PING_TIMEOUT' });
      assert.equal(raw.frames().filter((f) => f.opcode === OP.PING).length, 1);
      assert.equal(raw.frames()[0]!.masked, false);
      await raw.write(maskedFrame(OP.TEXT, 'echo me'));
      await waitFor(() => raw.frames().some((f) => f.opcode === OP.TEXT), WAIT_MS, 'the echo');
      raw.destroy();
    } finally {
      await server.close();
    }
  });

  it('ignores unsolicited pongs, and takes the pong that echoes its ping', async () => {
    const rs = await rawWsListen('/');
    try {
      const fails: SwitchboardError[] = [];
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, callbacks: { onFail: (e) => void fails.push(e) } });
      const peer = await rs.accept();
      const c = await pending;
      // RFC 6455 5.5.3: a pong may be sent unsolicited (a heartbeat); no answer expected.
      for (const data of ['', 'heartbeat', 'x'.repeat(125), '999']) await peer.write(unmaskedFrame(OP.PONG, data));
      await peer.write(unmaskedFrame(OP.TEXT, 'after the pongs'));
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'after the pongs');
      assert.equal(c.state, 'open');
      assert.deepEqual(fails, []);
      assert.equal(peer.frames().length, 0, 'nothing sent back for a pong');

      const rtt = c.ping({ timeout: WAIT_MS });
      await waitFor(() => peer.frames().some((f) => f.opcode === OP.PING), WAIT_MS, 'the ping');
      const ping = peer.frames().find((f) => f.opcode === OP.PING)!;
      await peer.write(unmaskedFrame(OP.PONG, 'not the payload'));
      await peer.write(unmaskedFrame(OP.PONG, ping.payload));
      assert.ok((await within(rtt, WAIT_MS, 'the RTT')) >= 0);
      // A ping from the server is answered with the same payload.
      await peer.write(unmaskedFrame(OP.PING, 'are you alive'));
      await waitFor(() => peer.frames().some((f) => f.opcode === OP.PONG), WAIT_MS, "the client's pong");
      const pong = peer.frames().find((f) => f.opcode === OP.PONG)!;
      assert.equal(pong.payload.toString(), 'are you alive');
      assert.equal(pong.masked, true);
      assert.deepEqual(fails, []);
      peer.peer.destroy();
      await within(c.closed, WAIT_MS, 'the client to close');
    } finally {
      await rs.close();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect,
  jsonCodec,
  lines,
  listen,
  defineProtocol,
  type CloseInfo,
  type Connection,
  type Protocol,
  type ProtocolHooks,
  type HeartbeatOptions,
  type SwitchboardError,
} from '../../src/index.js';
import { WAIT_MS, rawConnect, rawListen, waitFor, within } from '../helpers/net.js';

type Msg = { type: string; user?: string; password?: string; reason?: string; seq?: number; n?: number };

function proto(
  hooks: ProtocolHooks<Msg, Msg> = {},
  extra: { heartbeat?: HeartbeatOptions<Msg, Msg>; autoReply?: (m: Msg) => Msg | undefined } = {},
): Protocol<Msg, Msg> {
  return defineProtocol<Msg, Msg>({ framing: lines(), codec: jsonCodec<Msg, Msg>(), hooks, ...extra });
}

/** Parses the newline-delimited JSON a raw peer received. */
function jsonLines(text: string): Msg[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Msg);
}

/** Server side of the login: the first message must be LOGIN with the right password. */
const serverLogin = proto({
  async onConnect(ctx) {
    const m = await ctx.receive();
    if (m.type !== 'LOGIN' || m.password !== 'secret') {
      ctx.send({ type: 'DENIED', reason: 'bad credentials' }); // no internal details for the peer
      ctx.reject(`login refused for user ${String(m.user)}`);
    }
    ctx.state['user'] = m.user;
    ctx.send({ type: 'WELCOME', user: m.user! });
  },
});

/** Client side of the login. */
function clientLogin(password: string): Protocol<Msg, Msg> {
  return proto({
    async onConnect(ctx) {
      ctx.send({ type: 'LOGIN', user: 'ann', password });
      const r = await ctx.receive();
      if (r.type !== 'WELCOME') ctx.reject(r.reason ?? r.type);
    },
  });
}

async function loginServer() {
  const opened: Connection<Msg, Msg>[] = [];
  const fails: SwitchboardError[] = [];
  const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    protocol: serverLogin,
    callbacks: {
      onConnect: (c) => void opened.push(c),
      onFail: (e) => void fails.push(e),
    },
  });
  return { server, opened, fails };
}

describe('protocol hooks', () => {
  it('runs a login handshake in onConnect before either side reports the connection open', async () => {
    const { server, opened, fails } = await loginServer();
    try {
      const conn = await connect<Msg, Msg>(server.url, { protocol: clientLogin('secret'), timeout: WAIT_MS });
      assert.equal(conn.state, 'open');
      await waitFor(() => opened.length === 1, WAIT_MS, 'the server to open');
      const svc = opened[0]!;
      conn.send({ type: 'DATA', n: 1 });
      assert.deepEqual(await svc.receive({ timeout: WAIT_MS }), { type: 'DATA', n: 1 }, 'handshake messages are not delivered');
      assert.equal(fails.length, 0);
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('delivers normally a message that arrived with the login but was not taken by the hook', async () => {
    const { server, opened } = await loginServer();
    try {
      // Raw bytes: LOGIN and a follow-up in one write, before the server said WELCOME.
      const raw = await rawConnect(server.url);
      await raw.write('{"type":"LOGIN","user":"bob","password":"secret"}\n{"type":"EARLY","n":7}\n');
      await waitFor(() => opened.length === 1, WAIT_MS, 'the server to open');
      assert.deepEqual(await opened[0]!.receive({ timeout: WAIT_MS }), { type: 'EARLY', n: 7 });
      await waitFor(() => raw.text().includes('\n'), WAIT_MS, 'the welcome');
      assert.deepEqual(jsonLines(raw.text()), [{ type: 'WELCOME', user: 'bob' }]);
      raw.end();
      await within(opened[0]!.closed, WAIT_MS, 'closed');
    } finally {
      await server.close();
    }
  });

  it('refuses a wrong password: connect() rejects with HANDSHAKE_REJECTED, the server reports it to onFail and never opens the connection', async () => {
    const { server, opened, fails } = await loginServer();
    try {
      await assert.rejects(
        connect<Msg, Msg>(server.url, { protocol: clientLogin('wrong'), timeout: WAIT_MS }),
        (e: SwitchboardError) => e.code === 'HANDSHAKE_REJECTED' && /bad credentials/.test(e.message),
      );
      await waitFor(() => fails.length === 1, WAIT_MS, 'the server to report the refusal');
      assert.equal(fails[0]!.code, 'HANDSHAKE_REJECTED');
      assert.match(fails[0]!.message, /login refused for user ann/);
      assert.equal(opened.length, 0, 'onConnect never saw the refused connection');
      assert.equal(server.connectionCount, 0);
      // The server still serves the right password.
      const conn = await connect<Msg, Msg>(server.url, { protocol: clientLogin('secret'), timeout: WAIT_MS });
      await waitFor(() => opened.length === 1, WAIT_MS, 'the good client to open');
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('fails a client handshake that gets no answer with HANDSHAKE_TIMEOUT', async () => {
    const silent = await rawListen();
    try {
      await assert.rejects(
        connect<Msg, Msg>(silent.url, { protocol: clientLogin('secret'), handshakeTimeout: 100, timeout: WAIT_MS }),
        (e: SwitchboardError) => e.code === 'HANDSHAKE_TIMEOUT' && /100 ms/.test(e.message),
      );
      const peer = await silent.accept();
      await waitFor(() => peer.text().includes('\n'), WAIT_MS, 'the login to arrive');
      assert.equal(jsonLines(peer.text())[0]!.type, 'LOGIN');
      await within(peer.ended, WAIT_MS, 'the client to give up the link');
    } finally {
      await silent.close();
    }
  });

  it('fails a server handshake whose peer says nothing with HANDSHAKE_TIMEOUT and closes the link', async () => {
    const fails: SwitchboardError[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      protocol: serverLogin,
      handshakeTimeout: 100,
      callbacks: { onFail: (e) => void fails.push(e) },
    });
    try {
      const raw = await rawConnect(server.url);
      await within(raw.ended, WAIT_MS, 'the server to close the silent peer');
      assert.equal(fails[0]?.code, 'HANDSHAKE_TIMEOUT');
      assert.equal(server.connectionCount, 0);
    } finally {
      await server.close();
    }
  });

  it('lets onDisconnect send a goodbye that the peer receives before the close', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      protocol: proto({ onDisconnect: (ctx) => void ctx.send({ type: 'BYE', reason: 'server closing' }) }),
    });
    const gotBye: Msg[] = [];
    const conn = await connect<Msg, Msg>(server.url, {
      protocol: proto({ onDisconnect: (ctx) => void ctx.send({ type: 'CLIENT-BYE' }) }),
      timeout: WAIT_MS,
      callbacks: { onReceive: (_c, m) => void gotBye.push(m) },
    });
    await waitFor(() => server.connectionCount === 1, WAIT_MS, 'open');
    await within(server.close(), WAIT_MS, 'server close');
    const info = await within(conn.closed, WAIT_MS, 'client closed');
    assert.deepEqual(gotBye, [{ type: 'BYE', reason: 'server closing' }]);
    assert.equal(info.initiator, 'peer');
    assert.equal(conn.stats.messagesOut, 0, 'the client hook does not run when the peer closed first');

    // And the other way round: the client's goodbye reaches a raw server.
    const raw = await rawListen();
    try {
      const c2 = await connect<Msg, Msg>(raw.url, {
        protocol: proto({ onDisconnect: (ctx) => void ctx.send({ type: 'CLIENT-BYE' }) }),
        timeout: WAIT_MS,
      });
      const peer = await raw.accept();
      await within(c2.close(), WAIT_MS, 'client close');
      await within(peer.ended, WAIT_MS, 'FIN');
      assert.deepEqual(jsonLines(peer.text()), [{ type: 'CLIENT-BYE' }]);
    } finally {
      await raw.close();
    }
  });

  it('lets beforeSend add a per-connection sequence number, also to broadcasts, and onSent observe it', async () => {
    const sentSeen: number[] = [];
    const seq = proto({
      beforeSend(msg, ctx) {
        const next = ((ctx.state['seq'] as number | undefined) ?? 0) + 1;
        ctx.state['seq'] = next;
        return { ...msg, seq: next };
      },
      onSent: (msg) => void sentSeen.push(msg.seq!),
    });
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { protocol: seq, callbacks: { onReceive: (c, m) => void c.send(m) } });
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      const other = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      await waitFor(() => server.connectionCount === 2, WAIT_MS, 'two open');
      for (let n = 0; n < 3; n++) conn.send({ type: 'DATA', n });
      for (let n = 0; n < 3; n++) assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { type: 'DATA', n, seq: n + 1 });
      const r = server.broadcast({ type: 'NEWS' });
      assert.equal(r.sent + r.queued + r.backpressured, 2);
      assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { type: 'NEWS', seq: 4 });
      assert.deepEqual(await other.receive({ timeout: WAIT_MS }), { type: 'NEWS', seq: 1 }, 'each connection has its own sequence');
      assert.deepEqual(sentSeen.sort(), [1, 1, 2, 3, 4]);
      await Promise.all([conn.close(), other.close()]);
    } finally {
      await server.close();
    }
  });

  it('sends an autoReply at once and still delivers the message', async () => {
    const got: Msg[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      protocol: proto({}, { autoReply: (m) => (m.type === 'PING' ? { type: 'PONG', n: m.n! } : undefined) }),
      callbacks: { onReceive: (_c, m) => void got.push(m) },
    });
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      conn.send({ type: 'PING', n: 1 });
      conn.send({ type: 'OTHER' });
      conn.send({ type: 'PING', n: 2 });
      assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { type: 'PONG', n: 1 });
      assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { type: 'PONG', n: 2 });
      await waitFor(() => got.length === 3, WAIT_MS, 'delivery');
      assert.deepEqual(got.map((m) => m.type), ['PING', 'OTHER', 'PING']);
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('sends heartbeats while the link is idle, and a peer with isHeartbeat consumes them', async () => {
    const hb: HeartbeatOptions<Msg, Msg> = { interval: 20, message: () => ({ type: 'HB' }), isHeartbeat: (m) => m.type === 'HB' };
    // A raw peer sees the heartbeats on the wire.
    const raw = await rawListen();
    try {
      const conn = await connect<Msg, Msg>(raw.url, { protocol: proto({}, { heartbeat: hb }), timeout: WAIT_MS });
      const peer = await raw.accept();
      await waitFor(() => jsonLines(peer.text()).length >= 3, WAIT_MS, 'three heartbeats');
      assert.ok(jsonLines(peer.text()).every((m) => m.type === 'HB'));
      await conn.close();
    } finally {
      await raw.close();
    }
    // Our server, with isHeartbeat, does not deliver them.
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', { protocol: proto({}, { heartbeat: { ...hb, interval: 60_000 } }) });
    const svcDone: Promise<Msg[]> = (async () => {
      const got: Msg[] = [];
      for await (const conn of server) {
        for await (const m of conn) got.push(m);
        return got;
      }
      return got;
    })();
    try {
      const conn = await connect<Msg, Msg>(server.url, { protocol: proto({}, { heartbeat: hb }), timeout: WAIT_MS });
      await waitFor(() => [...server].some((c) => c.stats.messagesIn >= 3), WAIT_MS, 'heartbeats to reach the server');
      conn.send({ type: 'DATA', n: 1 });
      await conn.close();
      assert.deepEqual(await within(svcDone, WAIT_MS, 'server loop'), [{ type: 'DATA', n: 1 }]);
    } finally {
      await server.close();
    }
  });

  it('closes a link whose peer stays silent past the heartbeat timeout with HEARTBEAT_TIMEOUT', async () => {
    const raw = await rawListen();
    try {
      const fails: string[] = [];
      const conn = await connect<Msg, Msg>(raw.url, {
        protocol: proto({}, { heartbeat: { interval: 20, timeout: 100, message: { type: 'HB' } } }),
        timeout: WAIT_MS,
        callbacks: { onFail: (e) => void fails.push(e.code) },
      });
      const peer = await raw.accept();
      const info: CloseInfo = await within(conn.closed, WAIT_MS, 'the heartbeat timeout');
      assert.equal(info.error?.code, 'HEARTBEAT_TIMEOUT');
      assert.match(info.error.message, /expected something within 100 ms/);
      assert.equal(info.initiator, 'error');
      assert.deepEqual(fails, ['HEARTBEAT_TIMEOUT']);
      await within(peer.ended, WAIT_MS, 'the peer to see the close');
      assert.ok(jsonLines(peer.text()).every((m) => m.type === 'HB'), 'nothing but heartbeats went out');
    } finally {
      await raw.close();
    }
  });

  it('closes a peer that connects and says nothing with IDLE_TIMEOUT, and keeps a talking one', async () => {
    const fails: SwitchboardError[] = [];
    const infos: CloseInfo[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      idleTimeout: 1000,
      callbacks: {
        onFail: (e) => void fails.push(e),
        onDisconnect: (_c, i) => void infos.push(i),
        onReceive: (c, m) => void c.send(m),
      },
    });
    try {
      const silent = await rawConnect(server.url);
      const talker = await rawConnect(server.url);
      // The talker speaks every 20 ms, far more often than the idle timeout, until the silent
      // one is closed (bounded by the count).
      for (let k = 0; k < 500 && !silent.isClosed; k++) {
        await talker.write(`{"type":"T","n":${k}}\n`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await within(silent.ended, WAIT_MS, 'the silent peer to be closed');
      assert.equal(fails.length, 1);
      assert.equal(fails[0]!.code, 'IDLE_TIMEOUT');
      assert.match(fails[0]!.message, /expected something within 1000 ms/);
      await waitFor(() => infos.length === 1, WAIT_MS, 'onDisconnect');
      assert.equal(infos[0]!.error?.code, 'IDLE_TIMEOUT');
      assert.equal(talker.isClosed, false, 'the talking peer is still connected');
      assert.equal(server.connectionCount, 1);
      talker.end();
      await within(talker.closed, WAIT_MS, 'talker closed');
    } finally {
      await server.close();
    }
  });
});

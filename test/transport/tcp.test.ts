import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, type Connection } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';

type Msg = { n: number; text?: string };

/** A server that echoes every message, and the connections it opened. */
async function echoServer(url: string, name = 'echo') {
  const conns: Connection<Msg, Msg>[] = [];
  const server = await listen<Msg, Msg>(url, {
    name,
    callbacks: {
      onConnect: (c) => void conns.push(c),
      onReceive: (c, m) => void c.send(m),
    },
  });
  return { server, conns };
}

for (const [family, shown] of [
  ['IPv4', '127.0.0.1'],
  ['IPv6', '[::1]'],
] as const) {
  describe(`tcp over ${family}`, () => {
    it('echoes messages in order between a client and a server on port 0', async () => {
      const { server } = await echoServer(`tcp://${shown}:0`);
      try {
        assert.equal(server.address.scheme, 'tcp');
        assert.ok(server.address.scheme === 'tcp' && server.address.port > 0, 'port 0 resolved to a real port');
        assert.equal(server.url, `tcp://${shown}:${server.address.scheme === 'tcp' ? server.address.port : 0}`);
        const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
        for (let n = 0; n < 10; n++) assert.equal(conn.send({ n, text: `hello ${n}` }), 'sent');
        for (let n = 0; n < 10; n++) assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n, text: `hello ${n}` });
        const info = await within(conn.close(), WAIT_MS, 'close');
        assert.equal(info.initiator, 'local');
        assert.equal(info.clean, true);
      } finally {
        await server.close();
      }
    });

    it(`names the client clt(name@local->remote) and the server side svc(name@local<-remote) with ${family} addresses`, async () => {
      const { server, conns } = await echoServer(`tcp://${shown}:0`, 'hub');
      try {
        const conn = await connect<Msg, Msg>(server.url, { name: 'app', timeout: WAIT_MS });
        await waitFor(() => conns.length === 1, WAIT_MS, 'the server side to open');
        const svc = conns[0]!;
        const port = server.address.scheme === 'tcp' ? server.address.port : -1;
        assert.equal(conn.remoteAddress, `${shown}:${port}`);
        assert.match(conn.localAddress, new RegExp(`^${shown.replace(/[[\]]/g, '\\$&')}:\\d+$`));
        assert.equal(conn.name, `clt(app@${conn.localAddress}->${shown}:${port})`);
        assert.equal(svc.name, `svc(hub@${shown}:${port}<-${conn.localAddress})`);
        assert.equal(String(conn), conn.name);
        assert.equal(conn.role, 'client');
        assert.equal(svc.role, 'server');
        assert.equal(server.name, `svc(hub@tcp://${shown}:${port})`);
        await conn.close();
      } finally {
        await server.close();
      }
    });
  });
}

describe('tcp connection counters and close info', () => {
  it('counts messages and bytes in and out on both sides', async () => {
    const { server, conns } = await echoServer('tcp://127.0.0.1:0');
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      const msgs: Msg[] = [{ n: 1 }, { n: 2, text: 'two' }, { n: 3, text: 'ünïcödé' }];
      const wire = msgs.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)) + 1, 0);
      for (const m of msgs) conn.send(m);
      for (const m of msgs) assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), m);
      const svc = conns[0]!;
      assert.deepEqual(conn.stats, { messagesOut: 3, messagesIn: 3, bytesOut: wire, bytesIn: wire, bytesSkipped: 0 });
      assert.deepEqual(svc.stats, { messagesOut: 3, messagesIn: 3, bytesOut: wire, bytesIn: wire, bytesSkipped: 0 });
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('resolves closed with CloseInfo on both sides: local initiator here, peer initiator there, both clean', async () => {
    const { server, conns } = await echoServer('tcp://127.0.0.1:0');
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      await waitFor(() => conns.length === 1);
      const svc = conns[0]!;
      const info = await within(conn.close(), WAIT_MS, 'client close');
      assert.deepEqual(info, { initiator: 'local', error: undefined, clean: true });
      assert.deepEqual(await within(conn.closed, WAIT_MS, 'client closed'), info);
      assert.equal(conn.state, 'closed');
      const svcInfo = await within(svc.closed, WAIT_MS, 'server side closed');
      assert.deepEqual(svcInfo, { initiator: 'peer', error: undefined, clean: true });
      await waitFor(() => server.connectionCount === 0, WAIT_MS, 'the server to forget the connection');
    } finally {
      await server.close();
    }
  });
});

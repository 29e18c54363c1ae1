import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, type CloseInfo, type Connection } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';

type Msg = { n: number };

describe('await using', () => {
  it('closes a connection gracefully at the end of its block', async () => {
    const infos: CloseInfo[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      callbacks: { onReceive: (c, m) => void c.send(m), onDisconnect: (_c, i) => void infos.push(i) },
    });
    try {
      let escaped: Connection<Msg, Msg> | undefined;
      {
        await using conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
        escaped = conn;
        conn.send({ n: 1 });
        assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 1 });
        assert.equal(conn.state, 'open');
      }
      assert.equal(escaped.state, 'closed', 'closed once the block ended');
      assert.deepEqual(await escaped.closed, { initiator: 'local', error: undefined, clean: true });
      await waitFor(() => infos.length === 1, WAIT_MS, 'the server side to close');
      assert.equal(infos[0]!.initiator, 'peer');
    } finally {
      await server.close();
    }
  });

  it('closes the connection when the block throws, and the error propagates', async () => {
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0');
    try {
      let escaped: Connection<Msg, Msg> | undefined;
      await assert.rejects(
        (async () => {
          await using conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
          escaped = conn;
          throw new Error('boom');
        })(),
        /boom/,
      );
      assert.equal(escaped?.state, 'closed');
    } finally {
      await server.close();
    }
  });

  it('closes a server and its connections at the end of its block', async () => {
    let url = '';
    let client: Connection<Msg, Msg> | undefined;
    {
      await using server = await listen<Msg, Msg>('tcp://127.0.0.1:0');
      url = server.url;
      client = await connect<Msg, Msg>(url, { timeout: WAIT_MS });
      await waitFor(() => server.connectionCount === 1, WAIT_MS, 'open');
    }
    const info = await within(client.closed, WAIT_MS, 'the client to be closed by the server');
    assert.equal(info.initiator, 'peer');
    await assert.rejects(connect(url, { timeout: WAIT_MS }), { code: 'CONNECT_FAILED' });
  });
});

/**
 * A WebSocket protocol needs no `framing` (each WebSocket message is one frame): this file must
 * compile under strict TypeScript with protocols that leave it out (it did not: TS2741
 * "Property 'framing' is missing"), and they must work. On a byte stream such a protocol uses
 * `lines()`, as the `codec` option does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect,
  defineProtocol,
  jsonCodec,
  lengthPrefix,
  listen,
  permanentClient,
  type Protocol,
  type ProtocolSpec,
} from '../../src/index.js';
import { WAIT_MS, rawConnect, waitFor } from '../helpers/net.js';

interface Chat {
  from: string;
  text: string;
}

// The shapes a user writes: defineProtocol without framing, and an annotated literal.
const chat = defineProtocol({
  codec: jsonCodec<Chat>(),
  hooks: {
    beforeSend: (msg: Chat): Chat => ({ ...msg, text: msg.text.trim() }),
  },
});
const plain: ProtocolSpec<Chat> = { codec: jsonCodec<Chat>() };

// With a framing, defineProtocol still gives a full Protocol (whose framing can be read).
const framed: Protocol<Chat> = defineProtocol({ framing: lengthPrefix(), codec: jsonCodec<Chat>() });
// @ts-expect-error: a protocol without framing is not a full Protocol (its framing may be missing)
const notFull: Protocol<Chat> = chat;
void notFull;

describe('a protocol without framing', () => {
  it('runs a WebSocket server and client (codec and hooks, no framing)', async () => {
    const got: Chat[] = [];
    await using server = await listen('ws://127.0.0.1:0/chat', {
      protocol: chat,
      callbacks: {
        onReceive: (conn, msg) => {
          got.push(msg);
          conn.send({ from: 'server', text: ` echo ${msg.text} ` });
        },
      },
    });
    await using client = await connect(server.url, { protocol: chat, timeout: WAIT_MS });
    client.send({ from: 'me', text: ' hello  ' });
    assert.deepEqual(await client.receive({ timeout: WAIT_MS }), { from: 'server', text: 'echo hello' });
    assert.deepEqual(got, [{ from: 'me', text: 'hello' }]);
    assert.equal(client.meta['subprotocol'], undefined);
  });

  it('works for a permanent WebSocket client too', async () => {
    await using server = await listen('ws://127.0.0.1:0/', { protocol: plain, callbacks: { onReceive: (c, m) => c.send(m) } });
    const got: Chat[] = [];
    const pc = permanentClient(server.url, { protocol: plain, callbacks: { onReceive: (_c, m) => void got.push(m) } });
    try {
      pc.send({ from: 'pc', text: 'queued' });
      await waitFor(() => got.length === 1, WAIT_MS, 'the echo');
      assert.deepEqual(got, [{ from: 'pc', text: 'queued' }]);
    } finally {
      await pc.close();
    }
  });

  it('uses lines() on a byte stream, as the codec option does', async () => {
    await using server = await listen('tcp://127.0.0.1:0', { protocol: plain, callbacks: { onReceive: (c, m) => c.send(m) } });
    assert.equal(server.protocol.framing.name, 'lines');
    const raw = await rawConnect(server.url);
    try {
      await raw.write('{"from":"raw","text":"a line"}\n');
      await waitFor(() => raw.text().endsWith('\n'), WAIT_MS, 'the echoed line');
      assert.deepEqual(JSON.parse(raw.text()), { from: 'raw', text: 'a line' });
    } finally {
      raw.destroy();
    }
    assert.equal(framed.framing.name, 'length-prefix(u32be)');
  });
});

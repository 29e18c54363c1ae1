/**
 * Every WebSocket limit and compression setting can be set through `listen()` and `connect()`
 * (`websocket.limits`, `websocket.compression`), is checked before a socket is opened, and
 * applies to what the peer sends: checked against raw peers written by hand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, type CloseInfo, type WebSocketLimits } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';
import { OP, maskedFrame, rawWsConnect, rawWsListen, unmaskedFrame } from '../helpers/ws-raw.js';

type Msg = string | Uint8Array;
const MiB = 1024 * 1024;

describe('websocket options: checked before any socket is opened', () => {
  const bad: Array<[WebSocketLimits, RegExp]> = [
    [{ maxMessageSize: 0 }, /websocket\.limits\.maxMessageSize must be a positive number, got 0/],
    [{ maxFrameSize: -1 }, /maxFrameSize must be a positive number/],
    [{ maxFragments: Number.NaN }, /maxFragments must be a positive number/],
    [{ compressionThreshold: -1 }, /compressionThreshold must be a number, 0 or more/],
    [{ maxMesageSize: 10 } as WebSocketLimits, /websocket\.limits\.maxMesageSize is not a WebSocket limit, expected one of maxMessageSize, maxFrameSize/],
  ];
  for (const [limits, message] of bad) {
    it(`listen() and connect() refuse websocket.limits ${JSON.stringify(limits)} with INVALID_OPTION`, async () => {
      await assert.rejects(listen('ws://127.0.0.1:0/', { websocket: { limits } }), { code: 'INVALID_OPTION', message });
      // Port 9 (discard) is never dialled: the options fail first.
      await assert.rejects(connect('ws://127.0.0.1:9/', { websocket: { limits } }), { code: 'INVALID_OPTION', message });
    });
  }
});

describe('websocket options on a server (listen)', () => {
  async function serverWith(limits: WebSocketLimits, compression?: boolean) {
    const closes: CloseInfo[] = [];
    const received: Msg[] = [];
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/', {
      websocket: { limits, ...(compression !== undefined && { compression }) },
      callbacks: {
        onReceive: (c, m) => {
          received.push(m);
          c.send(m);
        },
        onDisconnect: (_c, info) => void closes.push(info),
      },
    });
    return { server, closes, received };
  }

  it('maxMessageSize, maxFrameSize and maxFragments apply to what a client sends (1009), at the limit passes', async () => {
    const { server, closes, received } = await serverWith({ maxMessageSize: 1000, maxFrameSize: 600, maxFragments: 3 });
    try {
      const cases: Array<[string, Buffer[], number | undefined]> = [
        ['a 1000-byte message in 2 frames', [maskedFrame(OP.BINARY, new Uint8Array(500), { fin: false }), maskedFrame(OP.CONT, new Uint8Array(500))], undefined],
        ['a 1001-byte message in 2 frames', [maskedFrame(OP.BINARY, new Uint8Array(500), { fin: false }), maskedFrame(OP.CONT, new Uint8Array(501))], 1009],
        ['a 601-byte frame', [maskedFrame(OP.TEXT, 'x'.repeat(601))], 1009],
        ['3 fragments', [maskedFrame(OP.TEXT, 'a', { fin: false }), maskedFrame(OP.CONT, 'b', { fin: false }), maskedFrame(OP.CONT, 'c')], undefined],
        ['4 fragments', [maskedFrame(OP.TEXT, 'a', { fin: false }), maskedFrame(OP.CONT, 'b', { fin: false }), maskedFrame(OP.CONT, 'c', { fin: false }), maskedFrame(OP.CONT, 'd')], 1009],
      ];
      for (const [i, [name, frames, code]] of cases.entries()) {
        const raw = await rawWsConnect(server.url);
        for (const f of frames) await raw.write(f);
        if (code === undefined) {
          await waitFor(() => raw.frames().length === 1, WAIT_MS, `the echo of ${name}`);
        } else {
          assert.equal((await raw.closeFrame()).code, code, name);
        }
        raw.destroy();
        // Each case's server-side close is seen before the next case connects, so closes[i] is
        // this connection's (a peer that vanishes after an echo closes with another code).
        await waitFor(() => closes.length === i + 1, WAIT_MS, `the server-side close of ${name}`);
        if (code !== undefined) assert.equal(closes[i]!.error?.code, 'WS_MESSAGE_TOO_LARGE', name);
      }
      assert.deepEqual(
        received.map((m) => (typeof m === 'string' ? m : m.length)),
        [1000, 'abc'],
      );
    } finally {
      await server.close();
    }
  });

  it('compression: false refuses permessage-deflate; compressionThreshold decides what is compressed', async () => {
    const off = await serverWith({}, false);
    try {
      const raw = await rawWsConnect(off.server.url, { extensions: 'permessage-deflate' });
      assert.equal(raw.answer.headers['sec-websocket-extensions'], undefined, 'no extension accepted');
      raw.destroy();
    } finally {
      await off.server.close();
    }
    for (const [threshold, compressed] of [[0, true], [6, true], [7, false]] as const) {
      const on = await serverWith({ compressionThreshold: threshold });
      try {
        const raw = await rawWsConnect(on.server.url, { extensions: 'permessage-deflate' });
        assert.equal(raw.answer.headers['sec-websocket-extensions'], 'permessage-deflate');
        await raw.write(maskedFrame(OP.TEXT, 'sixsix')); // 6 bytes, echoed
        await waitFor(() => raw.frames().length === 1, WAIT_MS, 'the echo');
        assert.equal(raw.frames()[0]!.rsv1, compressed, `threshold ${threshold}: the 6-byte echo is ${compressed ? '' : 'not '}compressed`);
        raw.destroy();
      } finally {
        await on.server.close();
      }
    }
  });
});

describe('websocket options on a client (connect)', () => {
  it('maxMessageSize, maxFrameSize and maxFragments apply to what a server sends (1009)', async () => {
    const rs = await rawWsListen('/');
    try {
      const limits = { maxMessageSize: 1000, maxFrameSize: 600, maxFragments: 3 };
      const cases: Array<[string, Buffer[]]> = [
        ['a 1001-byte message', [unmaskedFrame(OP.BINARY, new Uint8Array(501), { fin: false }), unmaskedFrame(OP.CONT, new Uint8Array(500))]],
        ['a 601-byte frame', [unmaskedFrame(OP.BINARY, new Uint8Array(601))]],
        ['4 fragments', [unmaskedFrame(OP.TEXT, 'a', { fin: false }), unmaskedFrame(OP.CONT, 'b', { fin: false }), unmaskedFrame(OP.CONT, 'c', { fin: false }), unmaskedFrame(OP.CONT, 'd')]],
      ];
      for (const [name, frames] of cases) {
        const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, websocket: { limits } });
        const peer = await rs.accept();
        const client = await pending;
        // Within the limits first: delivered.
        await peer.write(unmaskedFrame(OP.BINARY, new Uint8Array(600)));
        assert.equal(((await client.receive({ timeout: WAIT_MS })) as Uint8Array).length, 600);
        for (const f of frames) await peer.write(f);
        assert.equal((await peer.closeFrame()).code, 1009, name);
        peer.peer.end();
        const info = await within(client.closed, WAIT_MS, 'the client to close');
        assert.equal(info.error?.code, 'WS_MESSAGE_TOO_LARGE', name);
      }
    } finally {
      await rs.close();
    }
  });

  it('compression: false offers no permessage-deflate; compressionThreshold decides what is compressed', async () => {
    const rs = await rawWsListen('/', 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    try {
      {
        const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, websocket: { compression: false } });
        const peer = await rs.accept();
        assert.doesNotMatch(peer.request, /sec-websocket-extensions/i, 'no offer');
        peer.peer.destroy();
        await pending.then((c) => c.closed).catch(() => undefined); // accepting an extension not offered fails the client
      }
      for (const [threshold, compressed] of [[0, true], [7, false]] as const) {
        const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS, websocket: { limits: { compressionThreshold: threshold } } });
        const peer = await rs.accept();
        assert.match(peer.request, /sec-websocket-extensions: permessage-deflate/i);
        const client = await pending;
        assert.equal(client.meta['compression'], true);
        client.send('sixsix');
        await waitFor(() => peer.frames().length === 1, WAIT_MS, 'the message');
        assert.equal(peer.frames()[0]!.rsv1, compressed, `threshold ${threshold}`);
        client.destroy();
      }
    } finally {
      await rs.close();
    }
  });
});

describe('websocket options: raised limits', () => {
  it('echoes a 16 MiB text message and a 16 MiB binary message with limits raised to 64 MiB on both sides (Autobahn 9.1.6, 9.2.6)', async () => {
    const limits = { maxMessageSize: 64 * MiB, maxFrameSize: 64 * MiB };
    await using server = await listen<Msg, Msg>('ws://127.0.0.1:0/', { websocket: { limits }, callbacks: { onReceive: (c, m) => c.send(m) } });
    await using client = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, websocket: { limits } });
    const text = 'a'.repeat(16 * MiB);
    client.send(text);
    assert.equal(await client.receive({ timeout: WAIT_MS }), text);
    const bytes = new Uint8Array(16 * MiB).fill(0xfe);
    client.send(bytes);
    assert.deepEqual(await client.receive({ timeout: WAIT_MS }), bytes);
  });

  it('refuses the same 16 MiB message with the default 8 MiB limit (1009)', async () => {
    await using server = await listen<Msg, Msg>('ws://127.0.0.1:0/', { callbacks: { onReceive: (c, m) => c.send(m) } });
    const client = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS, websocket: { limits: { maxMessageSize: 64 * MiB, maxFrameSize: 64 * MiB } } });
    client.send(new Uint8Array(16 * MiB));
    const info = await within(client.closed, WAIT_MS, 'the client to close');
    assert.equal(info.code, 1009);
  });
});

/**
 * Frames that break RFC 6455 / RFC 7692, written by hand on a raw socket at our server (and, for
 * masked server frames, at our client). For each: the close code the raw peer reads, the error
 * and CloseInfo our side reports, and that another client is still served.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachWebSocket, connect, listen, type CloseInfo, type Connection, type ListenOptions, type Server, type SwitchboardError } from '../../src/index.js';
import { WAIT_MS, rawConnect, rawListen, waitFor, within } from '../helpers/net.js';
import {
  OP,
  acceptFor,
  closeBody,
  deflateMessage,
  maskedFrame,
  newKey,
  parseFrames,
  rawWsConnect,
  rawWsListen,
  tcpUrlOf,
  unmaskedFrame,
  upgradeRequest,
  utf8,
  wsFrame,
  type FrameSpec,
  type RawWsClient,
  type UpgradeSpec,
} from '../helpers/ws-raw.js';

type Msg = string | Uint8Array;
const MiB = 1024 * 1024;

/** Close reasons a failing endpoint may send: the code's meaning, never details. */
const FIXED_REASONS = new Set(['', 'protocol error', 'invalid payload data', 'message too big', 'policy violation']);

interface Harness {
  server: Server<Msg, Msg>;
  fails: SwitchboardError[];
  /** CloseInfo of each server-side connection, by the peer's address. */
  infos: Map<string, CloseInfo>;
  received: Msg[];
}

async function harness(options: ListenOptions<Msg, Msg> = {}): Promise<Harness> {
  const h: Omit<Harness, 'server'> = { fails: [], infos: new Map(), received: [] };
  const server = await listen<Msg, Msg>('ws://127.0.0.1:0/ws', {
    ...options,
    callbacks: {
      onReceive: (c, m) => {
        h.received.push(m);
        c.send(m);
      },
      onFail: (e) => void h.fails.push(e),
      onDisconnect: (c, info) => void h.infos.set(c.remoteAddress, info),
    },
  });
  return { ...h, server };
}

async function assertServes(server: Server<Msg, Msg>): Promise<void> {
  const c = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
  try {
    c.send('are you there?');
    assert.equal(await c.receive({ timeout: WAIT_MS }), 'are you there?', 'another client is still served');
  } finally {
    await c.close();
  }
}

interface Expect {
  /** Close code the raw peer reads. */
  close: number;
  /** Error code the server reports. */
  code: string;
}

/**
 * Connects a raw client, lets `misbehave` write its bytes, and checks: the server's close frame
 * with `want.close` and a fixed reason, the server's FIN (it closes TCP first), the server-side
 * CloseInfo and onFail error, and that a normal client is still served.
 */
async function expectFailure(h: Harness, misbehave: (raw: RawWsClient) => Promise<void>, want: Expect, spec: UpgradeSpec = {}): Promise<RawWsClient> {
  const raw = await rawWsConnect(h.server.url, spec);
  const remote = `127.0.0.1:${raw.peer.socket.localPort}`;
  const failsBefore = h.fails.length;
  await misbehave(raw);
  const close = await raw.closeFrame();
  assert.equal(close.code, want.close, `close code read by the raw peer (reason ${JSON.stringify(close.reason)})`);
  assert.ok(FIXED_REASONS.has(close.reason), `a fixed close reason, got ${JSON.stringify(close.reason)}`);
  await within(raw.peer.ended, WAIT_MS, "the server's FIN after its close frame");
  await waitFor(() => h.infos.has(remote), WAIT_MS, 'the server-side CloseInfo');
  const info = h.infos.get(remote)!;
  assert.equal(info.initiator, 'error');
  assert.equal(info.clean, false);
  assert.equal(info.error?.code, want.code);
  assert.equal(info.error?.closeCode, want.close);
  assert.equal(info.code, want.close);
  const reported = h.fails.slice(failsBefore);
  assert.ok(
    reported.some((f) => f === info.error),
    `onFail got the closing error (${reported.map((f) => f.code).join()})`,
  );
  await assertServes(h.server);
  return raw;
}

const send = (...frames: Uint8Array[]) => async (raw: RawWsClient) => {
  for (const f of frames) await raw.write(f);
};

describe('websocket frames from a raw client to our server', () => {
  it('fails with 1002 on an unmasked client frame', async () => {
    const h = await harness();
    try {
      await expectFailure(h, send(unmaskedFrame(OP.TEXT, 'not masked')), { close: 1002, code: 'WS_INVALID_FRAME' });
      assert.deepEqual(h.received, ['are you there?'], 'the unmasked message was not delivered');
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1002 on RSV bits without an extension, and on reserved opcodes', async () => {
    const h = await harness({ websocket: { compression: false } });
    try {
      const bad: FrameSpec[] = [
        { opcode: OP.TEXT, payload: 'x', rsv1: true },
        { opcode: OP.TEXT, payload: 'x', rsv2: true },
        { opcode: OP.BINARY, payload: 'x', rsv3: true },
        { opcode: 0x3, payload: 'x' },
        { opcode: 0x7 },
        { opcode: 0xb, payload: 'x' },
        { opcode: 0xf },
      ];
      for (const spec of bad) {
        await expectFailure(h, send(maskedFrame(spec.opcode, spec.payload ?? '', spec)), { close: 1002, code: 'WS_INVALID_FRAME' });
      }
      // Even with permessage-deflate refused by the server, the client offering it does not make RSV1 legal.
      await expectFailure(h, send(maskedFrame(OP.TEXT, 'x', { rsv1: true })), { close: 1002, code: 'WS_INVALID_FRAME' }, { extensions: 'permessage-deflate' });
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1002 on a fragmented control frame and on a control frame over 125 bytes', async () => {
    const h = await harness();
    try {
      await expectFailure(h, send(maskedFrame(OP.PING, 'a', { fin: false })), { close: 1002, code: 'WS_INVALID_FRAME' });
      // ... also in the middle of a fragmented message.
      await expectFailure(h, send(maskedFrame(OP.TEXT, 'part', { fin: false }), maskedFrame(OP.PONG, '', { fin: false })), {
        close: 1002,
        code: 'WS_INVALID_FRAME',
      });
      await expectFailure(h, send(maskedFrame(OP.PING, new Uint8Array(126))), { close: 1002, code: 'WS_INVALID_FRAME' });
      await expectFailure(h, send(maskedFrame(OP.CLOSE, closeBody(1000, 'r'.repeat(124)))), { close: 1002, code: 'WS_INVALID_FRAME' });
      // 125 bytes is allowed: the pong echoes it.
      const raw = await rawWsConnect(h.server.url);
      await raw.write(maskedFrame(OP.PING, new Uint8Array(125).fill(7)));
      await waitFor(() => raw.frames().some((f) => f.opcode === OP.PONG), WAIT_MS, 'the pong');
      const pong = raw.frames().find((f) => f.opcode === OP.PONG)!;
      assert.equal(pong.payload.length, 125);
      assert.equal(pong.masked, false);
      raw.destroy();
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1007 on invalid UTF-8 inside one frame while the rest of that frame has not been sent', async () => {
    // Autobahn 6.4.3/6.4.4: the frame announces 64 KiB; only its start is sent, with a bad byte
    // after a valid prefix. The rest never comes: waiting for it would wait for ever.
    const h = await harness();
    try {
      for (const prefix of [Uint8Array.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xf4, 0x90, 0x80]), Uint8Array.from([0x61, 0x62, 0x63, 0x64, 0x65, 0xff])]) {
        const raw = await expectFailure(h, send(wsFrame({ opcode: OP.TEXT, payload: prefix, announce: 65536 })), { close: 1007, code: 'WS_INVALID_UTF8' });
        assert.equal(raw.frames().filter((f) => f.opcode !== OP.CLOSE).length, 0, 'nothing but the close frame came back');
        raw.destroy();
      }
      assert.deepEqual(h.received, ['are you there?', 'are you there?'], 'no partial message was delivered');
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1007 on invalid UTF-8 in a text message, before a fragmented one ends', async () => {
    const h = await harness();
    try {
      await expectFailure(h, send(maskedFrame(OP.TEXT, Uint8Array.from([0x68, 0xc3, 0x28]))), { close: 1007, code: 'WS_INVALID_UTF8' });
      // Surrogates encoded in UTF-8 (CESU) are not UTF-8 either.
      await expectFailure(h, send(maskedFrame(OP.TEXT, Uint8Array.from([0xed, 0xa0, 0x80]))), { close: 1007, code: 'WS_INVALID_UTF8' });
      // A fragmented message: the server closes as soon as it sees the bad byte, and the final
      // fragment is never sent.
      const raw = await expectFailure(
        h,
        send(maskedFrame(OP.TEXT, 'valid start, ', { fin: false }), maskedFrame(OP.CONT, Uint8Array.from([0x61, 0xff, 0x62]), { fin: false })),
        { close: 1007, code: 'WS_INVALID_UTF8' },
      );
      assert.equal(raw.frames().filter((f) => f.opcode !== OP.CLOSE).length, 0, 'nothing but the close frame came back');
      // A message ending inside a character.
      await expectFailure(h, send(maskedFrame(OP.TEXT, 'abc', { fin: false }), maskedFrame(OP.CONT, Uint8Array.from([0xe2, 0x82]))), {
        close: 1007,
        code: 'WS_INVALID_UTF8',
      });
      // A close reason that is not UTF-8.
      await expectFailure(h, send(maskedFrame(OP.CLOSE, closeBody(1000, Uint8Array.from([0xff])))), { close: 1007, code: 'WS_INVALID_UTF8' });

      // A character split across fragments is fine.
      const ok = await rawWsConnect(h.server.url);
      await ok.write(maskedFrame(OP.TEXT, Uint8Array.from([0x61, 0xc3]), { fin: false }));
      await ok.write(maskedFrame(OP.CONT, Uint8Array.from([0xa9, 0xe2, 0x82]), { fin: false }));
      await ok.write(maskedFrame(OP.CONT, Uint8Array.from([0xac, 0x62])));
      await waitFor(() => ok.frames().length === 1, WAIT_MS, 'the echo');
      const echo = ok.frames()[0]!;
      assert.equal(echo.opcode, OP.TEXT);
      assert.equal(echo.payload.toString('utf8'), 'aé€b');
      ok.destroy();
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1002 on close codes not allowed on the wire (1005, 1006, 999, 1016, 5000) and on a 1-byte close payload', async () => {
    const h = await harness();
    try {
      for (const code of [1005, 1006, 999, 1004, 1016, 2999, 5000]) {
        await expectFailure(h, send(maskedFrame(OP.CLOSE, closeBody(code, 'bye'))), { close: 1002, code: 'WS_INVALID_CLOSE' });
      }
      await expectFailure(h, send(maskedFrame(OP.CLOSE, Uint8Array.from([0x03]))), { close: 1002, code: 'WS_INVALID_CLOSE' });
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1009 on a message over the limit, from its header, and across fragments', async () => {
    const h = await harness();
    try {
      // One frame announcing 9 MiB: refused from the header, before any payload is buffered.
      await expectFailure(h, send(maskedFrame(OP.BINARY, 'tiny', { announce: 9 * MiB })), { close: 1009, code: 'WS_MESSAGE_TOO_LARGE' });
      // Three fragments of 3 MiB: the third header makes the message too big.
      const piece = new Uint8Array(3 * MiB).fill(0x41);
      await expectFailure(
        h,
        send(maskedFrame(OP.BINARY, piece, { fin: false }), maskedFrame(OP.CONT, piece, { fin: false }), maskedFrame(OP.CONT, 'x', { announce: 3 * MiB })),
        { close: 1009, code: 'WS_MESSAGE_TOO_LARGE' },
      );
    } finally {
      await h.server.close();
    }
  });

  it('fails with 1009 on a compression bomb, with permessage-deflate negotiated in the raw handshake', async () => {
    const h = await harness();
    try {
      // First a legitimate compressed message, to show the raw deflate is right.
      const ok = await rawWsConnect(h.server.url, { extensions: 'permessage-deflate; client_max_window_bits' });
      assert.match(ok.answer.headers['sec-websocket-extensions'] ?? '', /^permessage-deflate/);
      await ok.write(maskedFrame(OP.TEXT, deflateMessage(utf8('hello, compressed world')), { rsv1: true }));
      await waitFor(() => ok.frames().length === 1, WAIT_MS, 'the echo');
      const echo = ok.frames()[0]!;
      assert.equal(echo.rsv1, false, 'a short reply is sent uncompressed');
      assert.equal(echo.payload.toString('utf8'), 'hello, compressed world');
      ok.destroy();

      // 16 MiB of zeros deflate to a few KiB.
      const bomb = deflateMessage(new Uint8Array(16 * MiB));
      assert.ok(bomb.length < 64 * 1024, `bomb of ${bomb.length} bytes`);
      await expectFailure(h, send(maskedFrame(OP.BINARY, bomb, { rsv1: true })), { close: 1009, code: 'WS_MESSAGE_TOO_LARGE' }, { extensions: 'permessage-deflate' });
      // The same bomb, fragmented.
      const half = bomb.length >> 1;
      await expectFailure(
        h,
        send(maskedFrame(OP.TEXT, bomb.subarray(0, half), { rsv1: true, fin: false }), maskedFrame(OP.CONT, bomb.subarray(half))),
        { close: 1009, code: 'WS_MESSAGE_TOO_LARGE' },
        { extensions: 'permessage-deflate' },
      );
      // Garbage that does not inflate.
      await expectFailure(h, send(maskedFrame(OP.BINARY, Uint8Array.from([0xff, 0xff, 0xff, 0xff]), { rsv1: true })), { close: 1007, code: 'WS_INFLATE_FAILED' }, {
        extensions: 'permessage-deflate',
      });
    } finally {
      await h.server.close();
    }
  });

  it('accepts a legitimate 4 MiB text message sent in 64-byte fragments', async () => {
    const h = await harness();
    try {
      const unit = 'aé€'; // 6 bytes: 64-byte fragments cut characters in two
      const body = Buffer.from(unit.repeat(Math.floor((4 * MiB) / 6)) + 'a'.repeat((4 * MiB) % 6), 'utf8');
      assert.equal(body.length, 4 * MiB);
      const frames: Buffer[] = [];
      for (let off = 0; off < body.length; off += 64) {
        const end = Math.min(off + 64, body.length);
        frames.push(maskedFrame(off === 0 ? OP.TEXT : OP.CONT, body.subarray(off, end), { fin: end === body.length }));
      }
      assert.equal(frames.length, 65536);
      const raw = await rawWsConnect(h.server.url);
      const all = Buffer.concat(frames);
      for (let off = 0; off < all.length; off += 256 * 1024) await raw.write(all.subarray(off, off + 256 * 1024));
      await waitFor(() => h.received.length === 1, WAIT_MS * 3, 'the whole message', 20);
      assert.equal(h.received[0], body.toString('utf8'));
      const headLength = raw.peer.received().indexOf('\r\n\r\n') + 4;
      await waitFor(() => raw.peer.received().length >= headLength + 10 + 4 * MiB, WAIT_MS * 3, 'the echo', 50);
      const echo = parseFrames(raw.peer.received().subarray(headLength));
      assert.equal(echo.length, 1);
      assert.equal(echo[0]!.opcode, OP.TEXT);
      assert.ok(echo[0]!.payload.equals(body));
      await raw.write(maskedFrame(OP.CLOSE, closeBody(1000)));
      assert.equal((await raw.closeFrame()).code, 1000);
      assert.deepEqual(h.fails, []);
    } finally {
      await h.server.close();
    }
  });
});

describe('websocket frames that come with the handshake', () => {
  it('server: frames written in the same packet as the upgrade request are delivered, listen() and attachWebSocket()', async () => {
    const h = await harness();
    const httpServer = http.createServer((_req, res) => void res.end('http'));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const attachedGot: Msg[] = [];
    const attached = attachWebSocket<Msg, Msg>(httpServer, {
      path: '/ws',
      callbacks: {
        onReceive: (c, m) => {
          attachedGot.push(m);
          c.send(m);
        },
      },
    });
    try {
      for (const [url, got] of [
        [h.server.url, h.received],
        [`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/ws`, attachedGot],
      ] as const) {
        const key = newKey();
        const peer = await rawConnect(tcpUrlOf(url));
        const early = Buffer.concat([Buffer.from(upgradeRequest({ path: '/ws', key })), maskedFrame(OP.TEXT, 'early 1'), maskedFrame(OP.TEXT, 'early 2')]);
        await peer.write(early);
        await waitFor(() => got.length === 2, WAIT_MS, 'both early messages');
        assert.deepEqual(got, ['early 1', 'early 2']);
        await waitFor(() => peer.received().includes('\r\n\r\n'), WAIT_MS, 'the 101');
        const headLength = peer.received().indexOf('\r\n\r\n') + 4;
        await waitFor(() => parseFrames(peer.received().subarray(headLength)).length === 2, WAIT_MS, 'both echoes');
        assert.deepEqual(
          parseFrames(peer.received().subarray(headLength)).map((f) => f.payload.toString()),
          ['early 1', 'early 2'],
        );
        peer.destroy();
      }
    } finally {
      await attached.close();
      await h.server.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
  });

  it('client: frames in the same packet as the 101 answer are delivered', async () => {
    const raw = await rawListen('127.0.0.1');
    try {
      const pending = connect<Msg, Msg>(`ws://127.0.0.1:${raw.port}/`, { timeout: WAIT_MS });
      const peer = await raw.accept();
      await waitFor(() => peer.text().includes('\r\n\r\n'), WAIT_MS, 'the upgrade request');
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(peer.text())![1]!;
      await peer.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`),
          unmaskedFrame(OP.TEXT, 'welcome'),
          unmaskedFrame(OP.BINARY, Uint8Array.from([9, 8, 7])),
        ]),
      );
      const c = await pending;
      assert.equal(await c.receive({ timeout: WAIT_MS }), 'welcome');
      assert.deepEqual([...((await c.receive({ timeout: WAIT_MS })) as Uint8Array)], [9, 8, 7]);
      c.destroy();
    } finally {
      await raw.close();
    }
  });
});

describe('websocket frames from a raw server to our client', () => {
  it('fails our client with 1002 when the server masks a frame', async () => {
    const rs = await rawWsListen('/feed');
    const fails: SwitchboardError[] = [];
    const got: Msg[] = [];
    try {
      const pending = connect<Msg, Msg>(rs.url, {
        timeout: WAIT_MS,
        callbacks: { onReceive: (_c, m) => void got.push(m), onFail: (e) => void fails.push(e) },
      });
      const peer = await rs.accept();
      const client: Connection<Msg, Msg> = await pending;
      await peer.write(unmaskedFrame(OP.TEXT, 'fine'));
      await waitFor(() => got.length === 1, WAIT_MS, 'the valid frame');
      await peer.write(maskedFrame(OP.TEXT, 'masked by a server'));
      const close = await peer.closeFrame();
      assert.equal(close.code, 1002);
      assert.ok(FIXED_REASONS.has(close.reason));
      const closeFrame = peer.frames().find((f) => f.opcode === OP.CLOSE)!;
      assert.equal(closeFrame.masked, true, 'the client masks its close frame');
      // RFC 6455 7.1.1: the client waits for the server to close TCP.
      assert.equal(client.state, 'closing');
      peer.peer.end();
      const info = await within(client.closed, WAIT_MS, 'the client to close');
      assert.equal(info.initiator, 'error');
      assert.equal(info.error?.code, 'WS_INVALID_FRAME');
      assert.equal(info.code, 1002);
      assert.equal(info.clean, false);
      assert.deepEqual(got, ['fine'], 'the masked frame was not delivered');
      assert.ok(fails.some((f) => f.code === 'WS_INVALID_FRAME'));
    } finally {
      await rs.close();
    }
  });

  it('fails our client with 1007 on invalid UTF-8 inside one frame whose rest the server has not sent', async () => {
    const rs = await rawWsListen('/');
    try {
      const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS });
      const peer = await rs.accept();
      const client = await pending;
      await peer.write(wsFrame({ opcode: OP.TEXT, payload: Uint8Array.from([0x61, 0xed, 0xa0]), announce: 65536, mask: false }));
      assert.equal((await peer.closeFrame()).code, 1007);
      peer.peer.end();
      const info = await within(client.closed, WAIT_MS, 'the client to close');
      assert.equal(info.error?.code, 'WS_INVALID_UTF8');
      assert.equal(info.code, 1007);
    } finally {
      await rs.close();
    }
  });

  it('fails our client with 1002 on a reserved opcode and 1007 on bad UTF-8 from a server', async () => {
    const rs = await rawWsListen('/');
    try {
      for (const [frame, code, err] of [
        [unmaskedFrame(0x5, 'x'), 1002, 'WS_INVALID_FRAME'],
        [unmaskedFrame(OP.TEXT, Uint8Array.from([0xc0, 0x80])), 1007, 'WS_INVALID_UTF8'],
      ] as const) {
        const pending = connect<Msg, Msg>(rs.url, { timeout: WAIT_MS });
        const peer = await rs.accept();
        const client = await pending;
        await peer.write(frame);
        assert.equal((await peer.closeFrame()).code, code);
        peer.peer.end();
        const info = await within(client.closed, WAIT_MS, 'the client to close');
        assert.equal(info.error?.code, err);
        assert.equal(info.code, code);
      }
    } finally {
      await rs.close();
    }
  });
});

describe('websocket frames that arrive with the opening handshake', () => {
  it('delivers a message sent in the same segment as the 101, then reports the close that followed it', async () => {
    const rs = await rawWsListen('/');
    const events: string[] = [];
    try {
      const pending = connect<Msg, Msg>(rs.url, {
        timeout: WAIT_MS,
        callbacks: {
          observeOnly: true,
          onConnect: () => void events.push('connect'),
          onReceive: (_c, m) => void events.push(typeof m === 'string' ? `text ${m}` : `binary ${[...m].join()}`),
          onDisconnect: (_c, info) => void events.push(`disconnect ${info.code}`),
        },
      });
      const peer = await rs.accept(WAIT_MS, Buffer.concat([unmaskedFrame(OP.TEXT, 'hello'), unmaskedFrame(OP.BINARY, Uint8Array.of(1, 2)), unmaskedFrame(OP.CLOSE, closeBody(1000, 'bye'))]));
      const client = await pending; // resolves: the messages before the close are the application's
      assert.equal(await client.receive({ timeout: WAIT_MS }), 'hello');
      assert.deepEqual([...((await client.receive({ timeout: WAIT_MS })) as Uint8Array)], [1, 2]);
      await assert.rejects(client.receive({ timeout: WAIT_MS }), { code: 'CONNECTION_CLOSED' });
      // Our client answered the close (masked) and waits for the server to close TCP.
      assert.deepEqual((await peer.closeFrame()).code, 1000);
      peer.peer.end();
      const info = await within(client.closed, WAIT_MS, 'the client to close');
      assert.equal(info.initiator, 'peer');
      assert.equal(info.code, 1000);
      assert.equal(info.reason, 'bye');
      assert.equal(info.error, undefined);
      assert.deepEqual(events, ['connect', 'text hello', 'binary 1,2', 'disconnect 1000']);
    } finally {
      await rs.close();
    }
  });

  it('delivers a message sent in the same segment as the 101, then fails with 1002 on the bad frame after it', async () => {
    const rs = await rawWsListen('/');
    const got: Msg[] = [];
    const fails: SwitchboardError[] = [];
    try {
      for (const [bad, code, err] of [
        [unmaskedFrame(0x3, 'reserved opcode'), 1002, 'WS_INVALID_FRAME'],
        [unmaskedFrame(OP.TEXT, Uint8Array.from([0x61, 0xc0, 0x80])), 1007, 'WS_INVALID_UTF8'],
      ] as const) {
        got.length = 0;
        const pending = connect<Msg, Msg>(rs.url, {
          timeout: WAIT_MS,
          callbacks: { onReceive: (_c, m) => void got.push(m), onFail: (e) => void fails.push(e) },
        });
        const peer = await rs.accept(WAIT_MS, Buffer.concat([unmaskedFrame(OP.TEXT, 'before'), bad]));
        const client = await pending;
        assert.deepEqual(got, ['before'], 'the message before the bad frame reached onReceive');
        assert.equal((await peer.closeFrame()).code, code);
        peer.peer.end();
        const info = await within(client.closed, WAIT_MS, 'the client to close');
        assert.equal(info.initiator, 'error');
        assert.equal(info.error?.code, err);
        assert.equal(info.code, code);
        assert.ok(fails.some((f) => f === info.error));
      }
    } finally {
      await rs.close();
    }
  });

  it('our server delivers a message sent in the same segment as the upgrade request, then the close after it', async () => {
    const h = await harness();
    try {
      const u = new URL(h.server.url);
      const raw = await rawConnect(tcpUrlOf(h.server.url));
      await raw.write(Buffer.concat([Buffer.from(upgradeRequest({ path: u.pathname, host: u.host }), 'latin1'), maskedFrame(OP.TEXT, 'early'), maskedFrame(OP.CLOSE, closeBody(1000))]));
      await waitFor(() => h.infos.size === 1, WAIT_MS, 'the server-side connection to close');
      assert.deepEqual(h.received, ['early']);
      const info = [...h.infos.values()][0]!;
      assert.equal(info.code, 1000);
      assert.equal(info.error, undefined);
      raw.destroy();
    } finally {
      await h.server.close();
    }
  });

  it('a server iterated with for await hands out a connection whose peer closed with the upgrade, its messages readable', async () => {
    const server = await listen<Msg, Msg>('ws://127.0.0.1:0/it');
    try {
      const u = new URL(server.url);
      const raw = await rawConnect(tcpUrlOf(server.url));
      await raw.write(Buffer.concat([Buffer.from(upgradeRequest({ path: u.pathname, host: u.host }), 'latin1'), maskedFrame(OP.TEXT, 'early'), maskedFrame(OP.CLOSE, closeBody(1001))]));
      const it = server[Symbol.asyncIterator]();
      const next = await within(it.next(), WAIT_MS, 'the connection');
      const conn = next.value as Connection<Msg, Msg>;
      assert.equal(await conn.receive({ timeout: WAIT_MS }), 'early');
      const info = await within(conn.closed, WAIT_MS, 'the connection to close');
      assert.equal(info.code, 1001);
      raw.destroy();
    } finally {
      await server.close();
    }
  });
});


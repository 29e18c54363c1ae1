// Received messages are handed out without a copy (bytesCodec's default), so nothing may write to
// a frame once it was returned: not the framer when more bytes arrive, not the WebSocket unmasking
// or inflating, not the merge buffer of a frame that arrives in pieces. Each test keeps every
// received message, pushes a lot more traffic through the same connection, and only then checks
// that the kept messages still hold their original bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesCodec, connect, lengthPrefix, lines, listen, type Connection, type Framing } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';
import { OP, maskedFrame, rawWsConnect } from '../helpers/ws-raw.js';

/** Sizes that put frames inside one read, across reads, and across many reads. */
const SIZES = [1, 3, 64, 1000, 4095, 16_384, 70_000, 2, 200_000, 63, 1];
const ROUNDS = 4;

/** Message `i`'s bytes: printable, no '\n', and different for every i (so a reused buffer shows). */
function payload(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = 33 + ((i * 7 + k * 13) % 90);
  return out;
}

function expectUnchanged(kept: Uint8Array[], what: string): void {
  kept.forEach((msg, i) => {
    const want = payload(i, SIZES[i % SIZES.length]!);
    assert.equal(msg.length, want.length, `${what}: length of message ${i}`);
    assert.ok(Buffer.from(msg).equals(Buffer.from(want)), `${what}: message ${i} changed after it was delivered`);
  });
}

/**
 * An echo server and a client over `url`; both sides keep what they receive. The client sends
 * every message of a round before the next round, so later reads land while earlier messages are
 * still held.
 */
async function roundTrip(url: string, options: { framing?: Framing; compression?: boolean }): Promise<void> {
  const serverKept: Uint8Array[] = [];
  const clientKept: Uint8Array[] = [];
  const isWs = url.startsWith('ws');
  const proto = options.framing ? { protocol: { framing: options.framing, codec: bytesCodec() } } : {};
  const ws = isWs ? { websocket: { compression: options.compression ?? false } } : {};
  const server = await listen<Uint8Array, Uint8Array | string>(url, {
    ...proto,
    ...ws,
    callbacks: {
      onReceive: (conn, msg) => {
        serverKept.push(msg);
        conn.send(msg);
      },
    },
  });
  let client: Connection<Uint8Array, Uint8Array | string> | undefined;
  try {
    client = await connect<Uint8Array, Uint8Array | string>(server.url, {
      ...proto,
      ...ws,
      timeout: WAIT_MS,
      callbacks: { onReceive: (_c, msg) => void clientKept.push(msg) },
    });
    let sent = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const size of SIZES) client.send(payload(sent++, size));
      const want = sent;
      await waitFor(() => clientKept.length >= want, WAIT_MS, `round ${r} echoed`);
    }
    assert.equal(clientKept.length, sent);
    expectUnchanged(serverKept, 'server');
    expectUnchanged(clientKept, 'client');
  } finally {
    await client?.close();
    await within(server.close(), WAIT_MS, 'server close');
  }
}

describe('received frames are never written to after delivery', () => {
  it('lines over TCP', () => roundTrip('tcp://127.0.0.1:0', { framing: lines() }));

  it('length prefix over TCP', () => roundTrip('tcp://127.0.0.1:0', { framing: lengthPrefix({ width: 4 }) }));

  it('WebSocket (masked client frames, unmasked in place)', () => roundTrip('ws://127.0.0.1:0/own', {}));

  it('WebSocket with permessage-deflate', () => roundTrip('ws://127.0.0.1:0/own', { compression: true }));

  it('WebSocket messages joined from fragments, written a few bytes at a time', async () => {
    const kept: Uint8Array[] = [];
    const server = await listen<Uint8Array>('ws://127.0.0.1:0/frag', {
      websocket: { compression: false },
      callbacks: { onReceive: (_c, msg) => void kept.push(msg) },
    });
    const raw = await rawWsConnect(server.url);
    try {
      const total = 24;
      for (let i = 0; i < total; i++) {
        const whole = payload(i, SIZES[i % SIZES.length]!);
        // Three fragments (the last may be empty), each frame written in two pieces.
        const a = Math.floor(whole.length / 3);
        const b = Math.floor((2 * whole.length) / 3);
        const frames = [
          maskedFrame(OP.BINARY, whole.subarray(0, a), { fin: false }),
          maskedFrame(OP.CONT, whole.subarray(a, b), { fin: false }),
          maskedFrame(OP.CONT, whole.subarray(b), { fin: true }),
        ];
        for (const f of frames) {
          const cut = Math.min(f.length - 1, 5);
          await raw.write(f.subarray(0, cut));
          await raw.write(f.subarray(cut));
        }
      }
      await waitFor(() => kept.length === total, WAIT_MS, 'every fragmented message');
      expectUnchanged(kept, 'server');
    } finally {
      raw.destroy();
      await within(server.close(), WAIT_MS, 'server close');
    }
  });
});

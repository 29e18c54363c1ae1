/**
 * Sessions on every stream transport and with different framings and codecs: the same drops and
 * requests, exactly once and in order, text staying text and bytes staying bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesCodec,
  defineProtocol,
  jsonCodec,
  lengthPrefix,
  listen,
  messageCodec,
  pauseSchedule,
  permanentClient,
  type ConnectOptions,
  type ListenOptions,
} from '../../src/index.js';
import { testPki } from '../helpers/tls.js';
import { tempUnixUrl, waitFor, within, WAIT_MS } from '../helpers/net.js';

type Value = { n: number } | string | Uint8Array;

interface Case {
  name: string;
  url: () => string;
  server: Partial<ListenOptions<Value, Value>>;
  client: Partial<ConnectOptions<Value, Value>>;
  /** The i-th message and how the receiver sees it as a number. */
  make: (i: number) => Value;
  read: (v: Value) => number;
}

const pki = testPki();
const json = { make: (i: number): Value => ({ n: i }), read: (v: Value) => (v as { n: number }).n };
const enc = new TextEncoder();
const dec = new TextDecoder();

const cases: Case[] = [
  { name: 'TCP, lines + JSON', url: () => 'tcp://127.0.0.1:0', server: {}, client: {}, ...json },
  {
    name: 'TCP, length prefix + bytes (payloads with newlines and NULs)',
    url: () => 'tcp://127.0.0.1:0',
    server: { protocol: defineProtocol({ framing: lengthPrefix(), codec: bytesCodec() }) as never },
    client: { protocol: defineProtocol({ framing: lengthPrefix(), codec: bytesCodec() }) as never },
    make: (i) => enc.encode(`\n\0${i}\n`),
    read: (v) => Number(dec.decode(v as Uint8Array).replace(/[\n\0]/g, '')),
  },
  {
    name: 'TLS, lines + JSON',
    url: () => 'tls://127.0.0.1:0',
    server: { tls: { cert: pki.serverCert, key: pki.serverKey } },
    client: { tls: { ca: pki.ca } },
    ...json,
  },
  { name: 'Unix socket, lines + JSON', url: () => tempUnixUrl(), server: {}, client: {}, ...json },
  {
    name: 'WebSocket, message codec: text stays text, bytes stay bytes',
    url: () => 'ws://127.0.0.1:0/s',
    server: { codec: messageCodec() as never },
    client: { codec: messageCodec() as never },
    make: (i) => (i % 2 === 0 ? `t${i}` : enc.encode(`b${i}`)),
    read: (v) => {
      if (typeof v === 'string') {
        assert.equal(v[0], 't', 'a text frame arrives as a string');
        return Number(v.slice(1));
      }
      assert.ok(v instanceof Uint8Array);
      const s = dec.decode(v);
      assert.equal(s[0], 'b', 'a binary frame arrives as bytes');
      return Number(s.slice(1));
    },
  },
  {
    name: 'WebSocket over TLS, JSON',
    url: () => 'wss://127.0.0.1:0/s',
    server: { codec: jsonCodec() as never, tls: { cert: pki.serverCert, key: pki.serverKey } },
    client: { codec: jsonCodec() as never, tls: { ca: pki.ca } },
    ...json,
  },
];

describe('sessions on every stream transport', () => {
  for (const c of cases) {
    it(`${c.name}: exactly once and in order across drops, both ways, and requests`, async () => {
      const atServer: number[] = [];
      const atClient: number[] = [];
      const server = await listen<Value, Value>(c.url(), {
        ...(c.server as ListenOptions<Value, Value>),
        session: {
          onMessage: (_s, m) => void atServer.push(c.read(m)),
          onRequest: (_s, m) => c.make(c.read(m) + 1000),
        },
      });
      const client = permanentClient<Value, Value>(server.url, {
        ...(c.client as ConnectOptions<Value, Value>),
        backoff: pauseSchedule([5]),
        session: { onMessage: (_s, m) => void atClient.push(c.read(m)), onRequest: (_s, m) => m },
      });
      try {
        const N = 300;
        for (let i = 0; i < N; i++) {
          assert.notEqual(client.send(c.make(i)), 'dropped');
          if (i === 100 || i === 200) {
            await waitFor(() => client.connected, WAIT_MS, 'connected');
            const s = [...server.sessions.values()][0]!;
            for (let k = 0; k < 50; k++) s.send(c.make(i + k));
            if (i === 100) client.session.connection!.destroy();
            else s.connection!.destroy();
            await waitFor(() => !client.connected, WAIT_MS, 'the client noticed the drop');
          }
        }
        assert.equal(c.read(await within(client.request(c.make(7), { timeout: WAIT_MS }))), 1007);
        const s = [...server.sessions.values()][0]!;
        assert.equal(c.read(await within(s.request(c.make(9), { timeout: WAIT_MS }))), 9);
        assert.ok(await client.acked({ timeout: WAIT_MS }));
        assert.ok(await s.acked({ timeout: WAIT_MS }));
        assert.deepEqual(atServer, Array.from({ length: N }, (_, i) => i));
        assert.deepEqual(atClient, [...Array.from({ length: 50 }, (_, k) => 100 + k), ...Array.from({ length: 50 }, (_, k) => 200 + k)]);
        assert.equal(server.sessions.size, 1);
        assert.ok(client.client.stats.connects >= 3, `${client.client.stats.connects} connections`);
      } finally {
        await client.close();
        await server.close();
      }
    });
  }
});

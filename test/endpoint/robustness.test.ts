import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chainCallbacks,
  connect,
  datagram,
  jsonCodec,
  lines,
  listen,
  type Protocol,
  type SwitchboardError,
} from '../../src/index.js';
import { rawConnect, rawListen, waitFor, within, WAIT_MS, sleep } from '../helpers/net.js';
import { testPki } from '../helpers/tls.js';

type Msg = Record<string, unknown>;

describe('robustness: protocol code that throws', () => {
  it('reports a throwing onReceive hook, autoReply and isHeartbeat as HOOK_FAILED and keeps the connection', async () => {
    const fails: SwitchboardError[] = [];
    const got: Msg[] = [];
    const protocol: Protocol<Msg, Msg> = {
      framing: lines(),
      codec: jsonCodec<Msg, Msg>(),
      hooks: {
        onReceive: (m) => {
          if (m['boom'] === 'hook') throw new Error('hook exploded');
        },
      },
      autoReply: (m) => {
        if (m['boom'] === 'reply') throw new Error('reply exploded');
        return undefined;
      },
      heartbeat: {
        interval: 60_000,
        message: {},
        isHeartbeat: (m) => {
          if (m['boom'] === 'beat') throw new Error('beat exploded');
          return false;
        },
      },
    };
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      protocol,
      callbacks: { onFail: (e) => void fails.push(e), onReceive: (_c, m) => void got.push(m) },
    });
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      for (const boom of ['hook', 'reply', 'beat', 'none']) conn.send({ boom });
      await waitFor(() => got.length === 4, WAIT_MS, 'all four messages delivered');
      assert.deepEqual(
        fails.map((f) => [f.code, f.message.replace(/^.*?: /, '')]),
        [
          ['HOOK_FAILED', 'onReceive hook threw: hook exploded'],
          ['HOOK_FAILED', 'autoReply threw: reply exploded'],
          ['HOOK_FAILED', 'heartbeat.isHeartbeat threw: beat exploded'],
        ],
      );
      assert.equal(conn.state, 'open');
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('runs every member of a chain even when one throws, then reports the first error', async () => {
    const heard: string[] = [];
    const fails: SwitchboardError[] = [];
    const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
      callbacks: chainCallbacks<Msg, Msg>(
        { observeOnly: true, onReceive: () => { heard.push('a'); throw new Error('first'); } },
        { observeOnly: true, onReceive: () => { heard.push('b'); throw new Error('second'); } },
        { onReceive: () => void heard.push('c'), onFail: (e) => void fails.push(e) },
      ),
    });
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      conn.send({ x: 1 });
      await waitFor(() => heard.length === 3, WAIT_MS, 'all members');
      assert.deepEqual(heard, ['a', 'b', 'c']);
      await waitFor(() => fails.length === 1, WAIT_MS, 'the failure report');
      assert.equal(fails[0]!.code, 'HOOK_FAILED');
      assert.match(fails[0]!.message, /first/);
      await conn.close();
    } finally {
      await server.close();
    }
  });
});

describe('robustness: options are checked before any socket is opened', () => {
  it('rejects bad connection options in listen() and connect() with INVALID_OPTION', async () => {
    for (const bad of [{ receiveQueue: 0 }, { highWaterMark: -1 }, { maxQueuedBytes: Number.NaN }, { idleTimeout: -5 }, { closeTimeout: 0 }]) {
      await assert.rejects(listen('tcp://127.0.0.1:0', bad), { code: 'INVALID_OPTION', name: 'ConfigError' }, JSON.stringify(bad));
      await assert.rejects(connect('tcp://127.0.0.1:1', bad), { code: 'INVALID_OPTION' }, JSON.stringify(bad));
    }
    const beat: Protocol<Msg, Msg> = { framing: lines(), codec: jsonCodec(), heartbeat: { interval: 0, message: {} } };
    await assert.rejects(listen('tcp://127.0.0.1:0', { protocol: beat }), { code: 'INVALID_OPTION', message: /heartbeat.interval/ });
    await assert.rejects(connect('tcp://127.0.0.1:1', { timeout: 0 }), { code: 'INVALID_OPTION' });
  });

  it('refuses a datagram framing on a byte stream', async () => {
    const protocol: Protocol<Msg, Msg> = { framing: datagram(), codec: jsonCodec() };
    await assert.rejects(listen('tcp://127.0.0.1:0', { protocol }), { code: 'INVALID_OPTION', message: /message transport/ });
  });

  it('keeps the port free when onInitialize throws, reporting it to onFail', async () => {
    const fails: SwitchboardError[] = [];
    const server = await listen('tcp://127.0.0.1:0', {
      callbacks: { onInitialize: () => { throw new Error('init exploded'); }, onFail: (e) => void fails.push(e) },
    });
    assert.equal(fails[0]?.code, 'HOOK_FAILED');
    const conn = await connect(server.url, { timeout: WAIT_MS });
    await conn.close();
    await server.close();
  });
});

describe('robustness: connect()', () => {
  it('does not connect when the signal is already aborted', async () => {
    const server = await listen('tcp://127.0.0.1:0');
    try {
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      await assert.rejects(connect(server.url, { signal: ac.signal }), /stop/);
      await sleep(50);
      assert.equal(server.connectionCount, 0);
    } finally {
      await server.close();
    }
  });

  it('aborts a connect that waits in its login handshake', async () => {
    const server = await listen('tcp://127.0.0.1:0'); // never answers the login
    try {
      const ac = new AbortController();
      const protocol: Protocol<Msg, Msg> = {
        framing: lines(),
        codec: jsonCodec(),
        hooks: { onConnect: async (ctx) => void (await ctx.receive()) },
      };
      const pending = connect(server.url, { protocol, signal: ac.signal });
      setTimeout(() => ac.abort(new Error('user gave up')), 50);
      await assert.rejects(within(pending, WAIT_MS, 'the aborted connect'), /user gave up/);
    } finally {
      await server.close();
    }
  });

  it('does not retry a TLS certificate that fails to verify', async () => {
    const { serverCert, serverKey } = testPki();
    const server = await listen('tls://127.0.0.1:0', { tls: { cert: serverCert, key: serverKey } });
    try {
      // No CA given: the test CA is not trusted, so the certificate cannot verify.
      const err = await connect(server.url, { retryAfter: 20, timeout: WAIT_MS }).then(
        () => assert.fail('connected with an untrusted certificate'),
        (e: SwitchboardError) => e,
      );
      assert.equal(err.code, 'CONNECT_FAILED');
      assert.equal(err.details?.['attempts'], 1);
    } finally {
      await server.close();
    }
  });
});

describe('robustness: closing', () => {
  it('reports HEARTBEAT_TIMEOUT once, however long the close takes', async () => {
    const fails: SwitchboardError[] = [];
    const silent = await rawListen('127.0.0.1', { read: false, halfOpen: true });
    try {
      const protocol: Protocol<Msg, Msg> = {
        framing: lines(),
        codec: jsonCodec(),
        heartbeat: { interval: 10, timeout: 30, message: { beat: 1 } },
      };
      const conn = await connect<Msg, Msg>(silent.url, {
        protocol,
        closeTimeout: 300,
        callbacks: { onFail: (e) => void fails.push(e) },
      });
      const info = await within(conn.closed, WAIT_MS, 'the close');
      assert.equal(info.error?.code, 'HEARTBEAT_TIMEOUT');
      assert.equal(fails.filter((f) => f.code === 'HEARTBEAT_TIMEOUT').length, 1);
    } finally {
      await silent.close();
    }
  });

  it('with allowHalfOpen, replies made after an await still reach a peer that already sent FIN', async () => {
    const server = await listen<string, string>('tcp://127.0.0.1:0', {
      protocol: { framing: lines(), codec: { name: 'text', binary: false, encode: (s: string) => s, decode: (b) => new TextDecoder().decode(b) } },
      allowHalfOpen: true,
    });
    const served = (async () => {
      for await (const conn of server) {
        for await (const msg of conn) {
          await sleep(20); // slow work after the peer's FIN has arrived
          conn.send(msg.toUpperCase());
        }
        await conn.close();
        return;
      }
    })();
    try {
      const raw = await rawConnect(server.url, { halfOpen: true });
      raw.socket.end('one\ntwo\n');
      await within(raw.ended, WAIT_MS, 'the server end');
      assert.equal(raw.text(), 'ONE\nTWO\n');
      await served;
    } finally {
      await server.close();
    }
  });
});

describe('robustness: unix socket files', () => {
  it('never deletes a regular file at the socket path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-'));
    const path = join(dir, 'precious.txt');
    writeFileSync(path, 'keep me');
    await assert.rejects(listen(`unix://${path}`), { code: 'LISTEN_FAILED' });
    assert.equal(readFileSync(path, 'utf8'), 'keep me');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type SwitchboardError } from '../../src/core/index.js';
import type { DatagramAddress } from '../../src/core/address.js';
import {
  UNIX_PATH_MAX,
  openDatagramSender,
  openDatagramSocket,
  unixgramSupport,
  type DatagramHandlers,
  type DatagramSocket,
} from '../../src/transport/datagram.js';
import { WAIT_MS, tempSocketPath, waitFor, within } from '../helpers/net.js';
import { describeOrSkip } from '../helpers/skip.js';

const support = unixgramSupport();
/** Unix datagram tests run when the addon loads, and must run when SWITCHBOARD_REQUIRE_UNIXGRAM=1. */
const required = process.env['SWITCHBOARD_REQUIRE_UNIXGRAM'] === '1';
const skipUnix = support.available || required ? false : `unix-dgram does not load here: ${support.error.message}`;

type Got = { data: string; from: DatagramAddress | undefined };

function collector(): DatagramHandlers & { got: Got[]; errors: Error[] } {
  const got: Got[] = [];
  const errors: Error[] = [];
  return {
    got,
    errors,
    message: (data, from) => void got.push({ data: Buffer.from(data).toString('utf8'), from }),
    error: (err) => void errors.push(err),
  };
}

async function closeAll(...sockets: Array<DatagramSocket | undefined>): Promise<void> {
  for (const s of sockets) await s?.close();
}

describe('UDP datagram sockets', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`sends and receives datagrams both ways on ${host}, port 0 resolved`, async () => {
      const a = collector();
      const b = collector();
      const server = await openDatagramSocket({ scheme: 'udp', host, port: 0 }, {}, a);
      const client = await openDatagramSender(server.local!, {}, b);
      try {
        assert.equal(server.kind, host === '::1' ? 'udp6' : 'udp4');
        assert.equal(client.kind, server.kind);
        const local = server.local!;
        assert.equal(local.scheme, 'udp');
        assert.ok(local.scheme === 'udp' && local.port > 0 && local.host === host);
        assert.equal(client.send(Buffer.from('ping'), local, (e) => assert.fail(e)), undefined);
        await waitFor(() => a.got.length === 1, WAIT_MS, 'the datagram');
        assert.equal(a.got[0]!.data, 'ping');
        const from = a.got[0]!.from!;
        assert.ok(from.scheme === 'udp' && from.port === (client.local as { port: number }).port);
        assert.equal(server.send(Buffer.from('pong'), from, (e) => assert.fail(e)), undefined);
        await waitFor(() => b.got.length === 1, WAIT_MS, 'the reply');
        assert.equal(b.got[0]!.data, 'pong');
      } finally {
        await closeAll(client, server);
      }
    });
  }

  it('keeps datagram boundaries: many small datagrams arrive as many messages', async () => {
    const a = collector();
    const server = await openDatagramSocket({ scheme: 'udp', host: '127.0.0.1', port: 0 }, {}, a);
    const client = await openDatagramSender(server.local!, {}, collector());
    try {
      for (let i = 0; i < 20; i++) client.send(Buffer.from(`m${i}`), server.local!, () => {});
      await waitFor(() => a.got.length === 20, WAIT_MS, '20 datagrams');
      assert.deepEqual(new Set(a.got.map((g) => g.data)), new Set(Array.from({ length: 20 }, (_, i) => `m${i}`)));
    } finally {
      await closeAll(client, server);
    }
  });

  it('fails with LISTEN_FAILED when the port is taken', async () => {
    const server = await openDatagramSocket({ scheme: 'udp', host: '127.0.0.1', port: 0 }, {}, collector());
    try {
      await assert.rejects(openDatagramSocket(server.local!, {}, collector()), (err: SwitchboardError) => {
        assert.equal(err.code, ErrorCode.LISTEN_FAILED);
        assert.match(err.message, /EADDRINUSE/);
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('refuses at once a send to port 0, and destinations of the other family or scheme', async () => {
    const s = await openDatagramSocket({ scheme: 'udp', host: '127.0.0.1', port: 0 }, {}, collector());
    try {
      assert.ok(s.send(Buffer.from('x'), { scheme: 'udp', host: '127.0.0.1', port: 0 }, () => {}) instanceof Error);
      assert.throws(() => s.checkDestination({ scheme: 'udp', host: '::1', port: 9 }), { code: ErrorCode.INVALID_ADDRESS });
      assert.throws(() => s.checkDestination({ scheme: 'unixgram', path: '/tmp/x' }), { code: ErrorCode.INVALID_ADDRESS });
      s.checkDestination({ scheme: 'udp', host: 'localhost', port: 9 }); // a name is resolved per send
    } finally {
      await s.close();
    }
  });

  it('closes more than once without error and then refuses sends', async () => {
    const s = await openDatagramSocket({ scheme: 'udp', host: '127.0.0.1', port: 0 }, {}, collector());
    await s.close();
    await s.close();
    assert.ok(s.send(Buffer.from('x'), { scheme: 'udp', host: '127.0.0.1', port: 9 }, () => {}) instanceof Error);
  });
});

describeOrSkip('Unix datagram sockets (unix-dgram)', skipUnix, ({ it }) => {
  it('loads the addon', () => {
    if (!support.available) throw support.error;
    assert.ok(existsSync(support.addon), support.addon);
  });

  it('sends and receives both ways between two bound sockets, and removes its file on close', async () => {
    const a = collector();
    const b = collector();
    const pa = tempSocketPath('a.sock');
    const pb = tempSocketPath('b.sock');
    const sa = await openDatagramSocket({ scheme: 'unixgram', path: pa }, {}, a);
    const sb = await openDatagramSocket({ scheme: 'unixgram', path: pb }, {}, b);
    try {
      assert.equal(sa.kind, 'unixgram');
      assert.deepEqual(sa.local, { scheme: 'unixgram', path: pa });
      assert.ok(lstatSync(pa).isSocket());
      assert.equal(sb.send(Buffer.from('hello'), sa.local!, () => {}), undefined);
      await waitFor(() => a.got.length === 1, WAIT_MS, 'the datagram');
      assert.deepEqual(a.got[0], { data: 'hello', from: { scheme: 'unixgram', path: pb } });
      assert.equal(sa.send(Buffer.from('back'), a.got[0]!.from!, () => {}), undefined);
      await waitFor(() => b.got.length === 1, WAIT_MS, 'the reply');
      assert.equal(b.got[0]!.data, 'back');
    } finally {
      await closeAll(sa, sb);
    }
    assert.equal(existsSync(pa), false, 'the socket file is removed on close');
    assert.equal(existsSync(pb), false);
    await sa.close(); // twice is fine: the addon would assert on a double close(fd)
  });

  it('an unbound sender can send; the receiver sees no address to answer', async () => {
    const a = collector();
    const path = tempSocketPath();
    const server = await openDatagramSocket({ scheme: 'unixgram', path }, {}, a);
    const client = await openDatagramSender({ scheme: 'unixgram', path }, {}, collector());
    try {
      assert.equal(client.local, undefined);
      assert.equal(client.send(new Uint8Array([0x68, 0x69]), { scheme: 'unixgram', path }, () => {}), undefined);
      await waitFor(() => a.got.length === 1, WAIT_MS, 'the datagram');
      assert.deepEqual(a.got[0], { data: 'hi', from: undefined });
    } finally {
      await closeAll(client, server);
    }
  });

  it('sends a Uint8Array view with an offset as exactly its bytes', async () => {
    const a = collector();
    const path = tempSocketPath();
    const server = await openDatagramSocket({ scheme: 'unixgram', path }, {}, a);
    const client = await openDatagramSender({ scheme: 'unixgram', path }, {}, collector());
    try {
      const whole = Buffer.from('xxHELLOyy');
      client.send(whole.subarray(2, 7), server.local!, () => {});
      await waitFor(() => a.got.length === 1, WAIT_MS, 'the datagram');
      assert.equal(a.got[0]!.data, 'HELLO');
    } finally {
      await closeAll(client, server);
    }
  });

  it('refuses at once a send to a path nobody is bound to', async () => {
    const client = await openDatagramSender({ scheme: 'unixgram', path: '/nonexistent' }, {}, collector());
    try {
      const err = client.send(Buffer.from('x'), { scheme: 'unixgram', path: join(tempSocketPath(), 'none') }, () => {});
      assert.ok(err instanceof Error);
      assert.match((err as NodeJS.ErrnoException).code ?? '', /ENOENT|ECONNREFUSED|ENOTDIR/);
    } finally {
      await client.close();
    }
  });

  it(`refuses paths longer than ${UNIX_PATH_MAX} bytes instead of letting the system cut them`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-'));
    const long = join(dir, 'x'.repeat(UNIX_PATH_MAX));
    await assert.rejects(openDatagramSocket({ scheme: 'unixgram', path: long }, {}, collector()), (err: SwitchboardError) => {
      assert.equal(err.code, ErrorCode.INVALID_ADDRESS);
      assert.match(err.message, new RegExp(`expected no more than ${UNIX_PATH_MAX}`));
      return true;
    });
    assert.equal(existsSync(long.slice(0, UNIX_PATH_MAX)), false, 'nothing was bound at a cut path');
    const client = await openDatagramSender({ scheme: 'unixgram', path: '/x' }, {}, collector());
    try {
      assert.throws(() => client.checkDestination({ scheme: 'unixgram', path: long }), { code: ErrorCode.INVALID_ADDRESS });
      assert.ok(client.send(Buffer.from('x'), { scheme: 'unixgram', path: long }, () => {}) instanceof Error);
    } finally {
      await client.close();
    }
  });

  it('fails with LISTEN_FAILED when a live socket is bound to the path, and leaves it alone', async () => {
    const path = tempSocketPath();
    const a = collector();
    const first = await openDatagramSocket({ scheme: 'unixgram', path }, {}, a);
    try {
      await assert.rejects(openDatagramSocket({ scheme: 'unixgram', path }, {}, collector()), { code: ErrorCode.LISTEN_FAILED });
      const c = await openDatagramSender({ scheme: 'unixgram', path }, {}, collector());
      c.send(Buffer.from('still here'), first.local!, () => {});
      await waitFor(() => a.got.length === 1, WAIT_MS, 'a datagram to the first socket');
      await c.close();
    } finally {
      await first.close();
    }
  });

  it('replaces a stale socket file left by a process that died', async () => {
    const path = tempSocketPath();
    // A child binds the path with node:net (a Unix stream socket file is a socket file too) and is
    // killed with SIGKILL, so nothing removes the file.
    const code = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.stdout.write('ready'))`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await within(new Promise<void>((resolve) => child.stdout.once('data', () => resolve())), WAIT_MS, 'the child to bind');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await within(exited, WAIT_MS, 'the child to die');
    assert.ok(lstatSync(path).isSocket(), 'the stale file is there');
    await assert.rejects(openDatagramSocket({ scheme: 'unixgram', path }, { unlinkStale: false }, collector()), { code: ErrorCode.LISTEN_FAILED });
    const a = collector();
    const s = await openDatagramSocket({ scheme: 'unixgram', path }, {}, a);
    const c = await openDatagramSender({ scheme: 'unixgram', path }, {}, collector());
    try {
      c.send(Buffer.from('fresh'), s.local!, () => {});
      await waitFor(() => a.got.length === 1, WAIT_MS, 'a datagram on the new socket');
    } finally {
      await closeAll(c, s);
    }
  });

  it('leaves a regular file at the path alone', async () => {
    const path = tempSocketPath();
    writeFileSync(path, 'not a socket');
    await assert.rejects(openDatagramSocket({ scheme: 'unixgram', path }, {}, collector()), { code: ErrorCode.LISTEN_FAILED });
    assert.ok(lstatSync(path).isFile());
  });
});

describeOrSkip('Unix datagram sockets when the addon cannot load', support.available ? 'the addon loads here' : false, ({ it }) => {
  it('fails with UNIXGRAM_UNAVAILABLE, saying why and how to fix it', async () => {
    await assert.rejects(openDatagramSocket({ scheme: 'unixgram', path: tempSocketPath() }, {}, collector()), (err: SwitchboardError) => {
      assert.equal(err.code, ErrorCode.UNIXGRAM_UNAVAILABLE);
      assert.equal(err.name, 'ConfigError');
      assert.match(err.message, /unix-dgram/);
      return true;
    });
  });
});

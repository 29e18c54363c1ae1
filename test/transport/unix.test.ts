import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, listen, type Connection, type SwitchboardError } from '../../src/index.js';
import { WAIT_MS, rawConnect, tempSocketPath, waitFor, within } from '../helpers/net.js';

type Msg = { n: number };

async function echoServer(path: string, name?: string) {
  const conns: Connection<Msg, Msg>[] = [];
  const server = await listen<Msg, Msg>(`unix://${path}`, {
    ...(name === undefined ? {} : { name }),
    callbacks: {
      onConnect: (c) => void conns.push(c),
      onReceive: (c, m) => void c.send(m),
    },
  });
  return { server, conns };
}

/**
 * Leaves a socket file behind the way a crashed process does: a child process listens on `path`
 * and is killed with SIGKILL, so nothing unlinks the file.
 */
async function leaveStaleSocket(path: string): Promise<void> {
  const code = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.stdout.write('ready'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (c) => reject(new Error(`child exited with ${c} before listening`)));
      }),
      WAIT_MS,
      'the child to listen',
    );
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await within(exited, WAIT_MS, 'the child to die');
  }
}

describe('unix stream sockets', () => {
  it('echoes messages over a socket in a fresh temporary directory', async () => {
    const path = tempSocketPath();
    const { server } = await echoServer(path);
    try {
      assert.equal(server.url, `unix://${path}`);
      assert.ok(existsSync(path));
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      for (let n = 0; n < 10; n++) conn.send({ n });
      for (let n = 0; n < 10; n++) assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n });
      const info = await within(conn.close(), WAIT_MS, 'close');
      assert.equal(info.clean, true);
    } finally {
      await server.close();
    }
  });

  it('names both sides by the socket path, numbering server-side connections: svc(name@unix:/path#n)', async () => {
    const path = tempSocketPath();
    const { server, conns } = await echoServer(path, 'hub');
    try {
      const conn = await connect<Msg, Msg>(server.url, { name: 'app', timeout: WAIT_MS });
      const second = await connect<Msg, Msg>(server.url, { name: 'app', timeout: WAIT_MS });
      await waitFor(() => conns.length === 2);
      assert.equal(conn.name, `clt(app@unix:${path})`);
      assert.deepEqual(conns.map((c) => c.name).sort(), [`svc(hub@unix:${path}#1)`, `svc(hub@unix:${path}#2)`]);
      assert.equal(server.name, `svc(hub@unix://${path})`);
      await Promise.all([conn.close(), second.close()]);
    } finally {
      await server.close();
    }
  });

  it('replaces a stale socket file that nobody listens on', async () => {
    const path = tempSocketPath();
    await leaveStaleSocket(path);
    assert.ok(existsSync(path), 'the stale socket file is there');
    await assert.rejects(rawConnect(`unix://${path}`), 'nobody answers on the stale socket');
    const { server } = await echoServer(path);
    try {
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      conn.send({ n: 42 });
      assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 42 });
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('does not take over a socket another server is listening on: LISTEN_FAILED', async () => {
    const path = tempSocketPath();
    const { server } = await echoServer(path);
    try {
      await assert.rejects(listen(`unix://${path}`), (e: SwitchboardError) => e.code === 'LISTEN_FAILED' && e.message.includes(path));
      const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
      conn.send({ n: 1 });
      assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 1 }, 'the first server still serves');
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('fails to connect to a path nobody listens on with CONNECT_FAILED', async () => {
    const path = tempSocketPath();
    await assert.rejects(
      connect(`unix://${path}`, { timeout: WAIT_MS }),
      (e: SwitchboardError) => e.code === 'CONNECT_FAILED' && e.message.includes(path),
    );
  });
});

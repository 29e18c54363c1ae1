import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Communicator, connect, lines, listen, textCodec } from '../../src/index.js';
import { within, WAIT_MS } from '../helpers/net.js';

describe('communicator', () => {
  it('run() returns once everything it owns is removed (the QUIT path)', async () => {
    const comm = new Communicator({ handleSignals: false });
    const server = comm.add(
      await listen<string, string>('tcp://127.0.0.1:0', {
        protocol: { framing: lines(), codec: textCodec() },
        callbacks: { onReceive: (_c, m) => void (m === 'QUIT' && comm.removeAll()) },
      }),
    );
    const client = comm.add(await connect<string, string>(server.url, { protocol: server.protocol }));
    let ran = false;
    const running = comm.run().then(() => (ran = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(ran, false, 'run() waits while things are owned');
    client.send('QUIT');
    await within(running, WAIT_MS, 'run() to return');
    assert.equal(comm.size, 0);
    assert.equal(client.state, 'closed');
  });

  it('forgets a connection that closes by itself', async () => {
    const comm = new Communicator({ handleSignals: false });
    const server = await listen('tcp://127.0.0.1:0');
    const conn = comm.add(await connect(server.url));
    assert.equal(comm.size, 1);
    await server.close();
    await within(comm.run(), WAIT_MS, 'run() after the peer closed');
    assert.equal(conn.state, 'closed');
  });

  it('keeps run() going for its timers, repeating ones included, until they are cancelled', async () => {
    const comm = new Communicator({ handleSignals: false });
    let ticks = 0;
    const t = comm.timer(5, () => {
      if (++ticks === 3) t.cancel();
    }, { repeat: true });
    let once = 0;
    comm.timer(1, () => once++);
    await within(comm.run(), WAIT_MS, 'run() after the timers');
    assert.equal(ticks, 3);
    assert.equal(once, 1);
  });

  it('closes everything on SIGTERM while running', async () => {
    const comm = new Communicator();
    const server = comm.add(await listen('tcp://127.0.0.1:0'));
    const running = comm.run();
    await new Promise((r) => setTimeout(r, 10));
    process.emit('SIGTERM');
    await within(running, WAIT_MS, 'run() after SIGTERM');
    assert.equal(comm.size, 0);
    assert.equal(process.listenerCount('SIGTERM'), 0, 'the handler is removed after run()');
    void server;
  });
});

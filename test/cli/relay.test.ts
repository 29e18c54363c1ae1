/**
 * `switchboard listen --relay` applies backpressure instead of dropping: a receiver that reads
 * nothing for a while makes the sender's connection wait (through TCP), and then every message
 * arrives. The CLI runs in-process (`main`); the peers are `ws` clients on 127.0.0.1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { main } from '../../src/cli/main.js';
import { WAIT_MS, sleep, waitFor, within } from '../helpers/net.js';
import { capture } from '../helpers/cli.js';


async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await within(new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject))), WAIT_MS, 'a ws client to open');
  return ws;
}

describe('cli: listen --relay', () => {
  it('relays a 32 MiB burst whole to a receiver that reads nothing at first: backpressure, no drops', async () => {
    const count = 2000;
    const size = 16 * 1024;
    const cli = capture();
    const running = main(['listen', 'ws://127.0.0.1:0', '--relay', '--quiet', '--codec', 'bytes'], cli.io);
    const clients: WebSocket[] = [];
    try {
      await waitFor(() => /listening on (\S+)/.test(cli.err()), WAIT_MS, 'the listener');
      const url = /listening on (\S+)/.exec(cli.err())![1]!;
      const sender = await open(url);
      const receiver = await open(url);
      clients.push(sender, receiver);
      let echoedToSender = 0;
      sender.on('message', () => void echoedToSender++);
      let got = 0;
      receiver.on('message', (data: Buffer) => void (data.length === size && got++));
      receiver.pause(); // reads nothing while the burst is sent: the relay's queue to it fills
      const payload = Buffer.alloc(size, 0x62);
      for (let i = 0; i < count; i++) sender.send(payload);
      for (let i = 0; i < 100; i++) await sleep(5); // let the server run into its limits
      receiver.resume();
      const deadline = Date.now() + 20_000;
      while (got < count && Date.now() < deadline) await sleep(5);
      assert.equal(got, count, `${got} of ${count} relayed`);
      assert.equal(echoedToSender, 0, 'the sender does not get its own messages');
      assert.doesNotMatch(cli.err(), /SEND_OVERFLOW|dropped/);
    } finally {
      for (const c of clients) c.terminate();
      cli.abort();
      assert.equal(await running, 0);
    }
  });
});

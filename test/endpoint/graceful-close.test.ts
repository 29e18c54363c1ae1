import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, isAccepted, listen, type Connection } from '../../src/index.js';
import { WAIT_MS, rawListen, tempUnixUrl, within } from '../helpers/net.js';

type Msg = { n: number };
const COUNT = 100_000;

for (const [transport, url] of [
  ['tcp', () => 'tcp://127.0.0.1:0'],
  ['unix', () => tempUnixUrl()],
] as const) {
  describe(`graceful close over ${transport}`, () => {
    it(`loses none of ${COUNT} messages sent right before close(): the server gets all of them in order`, async () => {
      let accept!: (c: Connection<Msg, Msg>) => void;
      const accepted = new Promise<Connection<Msg, Msg>>((resolve) => (accept = resolve));
      const server = await listen<Msg, Msg>(url(), { callbacks: { onConnect: (c) => accept(c) } });
      try {
        const conn = await connect<Msg, Msg>(server.url, { timeout: WAIT_MS });
        const svc = await within(accepted, WAIT_MS, 'the server side');
        const received = (async () => {
          let next = 0;
          for await (const m of svc) {
            if (m.n !== next) throw new Error(`message ${m.n} arrived where ${next} was expected`);
            next++;
          }
          return next;
        })();
        for (let n = 0; n < COUNT; n++) {
          const s = conn.send({ n });
          if (!isAccepted(s)) assert.fail(`message ${n} was ${s}`);
        }
        const info = await within(conn.close(), 3 * WAIT_MS, 'the graceful close');
        assert.deepEqual(info, { initiator: 'local', error: undefined, clean: true });
        assert.equal(await within(received, 3 * WAIT_MS, 'the server to read everything'), COUNT);
        assert.equal(svc.stats.messagesIn, COUNT);
        assert.equal(svc.stats.bytesIn, conn.stats.bytesOut);
        assert.equal((await within(svc.closed, WAIT_MS, 'server side closed')).clean, true);
      } finally {
        await server.close();
      }
    });
  });
}

describe('graceful close against a peer that never finishes', () => {
  it('flushes and sends FIN, then destroys after closeTimeout with CLOSE_TIMEOUT when the peer never sends its FIN', async () => {
    const raw = await rawListen('127.0.0.1', { halfOpen: true }); // reads, but never ends its side
    try {
      const conn = await connect<Msg, Msg>(raw.url, { closeTimeout: 100, timeout: WAIT_MS });
      const peer = await raw.accept();
      conn.send({ n: 1 });
      const info = await within(conn.close(), WAIT_MS, 'the close timeout');
      assert.equal(info.error?.code, 'CLOSE_TIMEOUT');
      assert.match(info.error.message, /within 100 ms/);
      assert.equal(info.initiator, 'local');
      assert.equal(info.clean, false);
      await within(peer.ended, WAIT_MS, 'our FIN');
      assert.equal(peer.text(), '{"n":1}\n', 'everything accepted was flushed first');
    } finally {
      await raw.close();
    }
  });
});

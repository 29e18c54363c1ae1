import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, listen, type SwitchboardError } from '../../src/index.js';
import { WAIT_MS, closedPort, sleep, within } from '../helpers/net.js';

describe('connect', () => {
  it('fails at once with CONNECT_FAILED after 1 attempt on a closed port when retryAfter is unset', async () => {
    const port = await closedPort();
    const url = `tcp://127.0.0.1:${port}`;
    const err = (await within(
      connect(url, { timeout: WAIT_MS }).then(
        () => assert.fail('connected to a closed port'),
        (e: unknown) => e,
      ),
      WAIT_MS,
      'connect to fail',
    )) as SwitchboardError;
    assert.equal(err.code, 'CONNECT_FAILED');
    assert.equal(err.name, 'ConnectError');
    assert.ok(err.message.includes(url), err.message);
    assert.match(err.message, /after 1 attempt\b/);
    assert.match(err.message, /ECONNREFUSED/);
    assert.deepEqual(err.details, { address: url, attempts: 1 });
    assert.ok(err.cause instanceof Error, 'the system error is the cause');
  });

  it('with retryAfter, keeps trying until the timeout and then fails with CONNECT_TIMEOUT naming the address and the attempts', async () => {
    const port = await closedPort();
    const url = `tcp://127.0.0.1:${port}`;
    const err = (await within(
      connect(url, { timeout: 1000, retryAfter: 20 }).then(
        () => assert.fail('connected to a closed port'),
        (e: unknown) => e,
      ),
      WAIT_MS,
      'connect to time out',
    )) as SwitchboardError;
    assert.equal(err.code, 'CONNECT_TIMEOUT');
    assert.ok(err.message.includes(url), err.message);
    const attempts = err.details?.['attempts'] as number;
    assert.ok(attempts > 1, `${attempts} attempts`);
    assert.ok(err.message.includes(`after ${attempts} attempts`), err.message);
    assert.match(err.message, /within 1000 ms/);
    assert.match(err.message, /last error: .*ECONNREFUSED/);
  });

  it('with retryAfter, reaches a server that starts listening later', async () => {
    const port = await closedPort();
    const url = `tcp://127.0.0.1:${port}`;
    const connecting = connect<{ n: number }>(url, { timeout: WAIT_MS, retryAfter: 20 });
    let settled = false;
    void connecting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await sleep(100); // several refused attempts happen meanwhile
    assert.equal(settled, false, 'still retrying while nobody listens');
    const server = await listen<{ n: number }>(url, { callbacks: { onReceive: (c, m) => void c.send(m) } });
    try {
      const conn = await within(connecting, WAIT_MS, 'the retrying client to connect');
      conn.send({ n: 5 });
      assert.deepEqual(await conn.receive({ timeout: WAIT_MS }), { n: 5 });
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('stops retrying when the signal aborts, rejecting with its reason', async () => {
    const port = await closedPort();
    const ac = new AbortController();
    const connecting = connect(`tcp://127.0.0.1:${port}`, { timeout: WAIT_MS, retryAfter: 20, signal: ac.signal });
    await sleep(50);
    const reason = new Error('user gave up');
    ac.abort(reason);
    await assert.rejects(within(connecting, WAIT_MS, 'abort'), (e) => e === reason);
  });

  it('refuses a malformed address with INVALID_ADDRESS before any attempt', async () => {
    await assert.rejects(connect('tcp://127.0.0.1', { timeout: WAIT_MS }), (e: SwitchboardError) => e.code === 'INVALID_ADDRESS');
    await assert.rejects(connect('udp://127.0.0.1:1', { timeout: WAIT_MS }), (e: SwitchboardError) => e.code === 'INVALID_ADDRESS');
  });
});

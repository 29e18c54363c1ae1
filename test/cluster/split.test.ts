/**
 * A network split between the two NATS servers of a cluster. Each server's route (and the
 * cluster address it advertises) goes through a TCP proxy; the split is the proxies destroying
 * the route connections and refusing new ones for 4 s. Each side goes on within itself; a query
 * names the node it cannot reach; after the routes are back, messages cross again and every
 * message said during the split is either delivered or counted in a `gap` at the receiver.
 *
 *     node a ── n0 ──route── [proxy → n1's cluster port]   n1 ── node b
 *                    └──── [proxy → n0's cluster port] ──route──┘
 */
import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import type { ClusterEvent } from '../../src/index.js';
import { WAIT_MS, sleep, waitFor } from '../helpers/net.js';
import { proxy, type Proxy } from '../helpers/proxy.js';
import { afterHeal, chatClient, chatServer, receiveN, warmUp, type ChatNode } from './chat.js';
import { NatsServer, freePort, natsSkip, onFreshPorts, startAll, waitRoutes } from './nats.js';

const SPLIT_MS = 4000;

describeOrSkip('cluster: a network split between NATS servers', natsSkip(), ({ it, before, after }) => {
  const servers: NatsServer[] = [];
  const proxies: Proxy[] = [];
  let a: ChatNode;
  let b: ChatNode;
  const events: Record<'a' | 'b', Array<ClusterEvent & { at: number }>> = { a: [], b: [] };

  before(async () => {
    // Picked ports another process may take first: on "address already in use", start over.
    await onFreshPorts(async () => {
      const cluster = [await freePort(), await freePort()];
      for (const port of cluster) proxies.push(await proxy(port));
      for (const i of [0, 1]) {
        const other = 1 - i;
        servers.push(
          new NatsServer({
            name: `n${i}`,
            port: await freePort(),
            httpPort: await freePort(),
            clusterPort: cluster[i]!,
            routes: [proxies[other]!.port],
            // Gossip must not tell the other server a way around the proxy.
            args: ['--cluster_advertise', `127.0.0.1:${proxies[i]!.port}`],
          }),
        );
      }
      try {
        await startAll(servers);
      } catch (err) {
        await Promise.all(proxies.map((p) => p.close()));
        servers.length = 0;
        proxies.length = 0;
        throw err;
      }
    });
    await waitRoutes(servers);
    a = await chatServer('a', { nats: servers[0]!.url, onEvent: (e) => void events.a.push({ ...e, at: Date.now() }) });
    b = await chatServer('b', { nats: servers[1]!.url, onEvent: (e) => void events.b.push({ ...e, at: Date.now() }) });
    await waitFor(() => a.node!.nodes.length === 1 && b.node!.nodes.length === 1, WAIT_MS, 'the nodes to hear of each other');
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('each side goes on within itself, queries name the other side, and after the split every message is delivered or counted in a gap', async (t) => {
    const ma = await chatClient(a.server.url, ['r']);
    const ma2 = await chatClient(a.server.url, ['r']);
    const mb = await chatClient(b.server.url, ['r']);
    await warmUp(ma, 'r', [ma, ma2, mb]);

    for (const p of proxies) p.cut(SPLIT_MS);
    const splitAt = Date.now();
    // Said during the split: a's own members get every message at once.
    for (let n = 0; n < 5; n++) ma.send({ op: 'say', room: 'r', text: 'during', n });
    assert.deepEqual((await receiveN(ma2, 5)).map((m) => m.n), [0, 1, 2, 3, 4]);
    await receiveN(ma, 5);
    // A query on a's side answers with a and names b missing; b's side does the same for a.
    const fromA = await a.node!.connectionCounts({ timeout: 500 });
    assert.deepEqual([fromA.results.map((r) => r.node), fromA.missingNodes], [['a'], ['b']]);
    const fromB = await b.node!.presence('r', { timeout: 500 });
    assert.deepEqual([fromB.results.map((r) => r.node), fromB.missingNodes], [['b'], ['a']]);
    // Both brokers stay connected to their own servers: a split is not a broker outage.
    assert.equal(a.node!.connected, true);
    assert.equal(b.node!.connected, true);
    assert.equal(await mb.receive({ timeout: 200 }).catch(() => 'nothing'), 'nothing', 'nothing crosses the split');

    await sleep(Math.max(0, SPLIT_MS - (Date.now() - splitAt)));
    await waitRoutes(servers);
    // After: a says "after" until b's member hears one; b got each message or counted it missed.
    const { heard, sent, received, missed } = await afterHeal(ma, mb, 'r', events.b, 'a');
    assert.ok(heard, "b's member hears a again once the routes are back");
    t.diagnostic(`b received ${received} and reported ${missed} missed of ${5 + sent}`);
    assert.equal(received + missed, 5 + sent, 'nothing is lost silently: each message arrived or is counted in a gap');
    assert.ok(missed >= 5, 'the five said during the split are in the gap');
    // Queries see both nodes again.
    let counts = await a.node!.connectionCounts({ timeout: 1000 });
    for (let k = 0; k < 20 && counts.missingNodes.length > 0; k++) counts = await a.node!.connectionCounts({ timeout: 1000 });
    assert.deepEqual(counts.results.map((r) => r.node).sort(), ['a', 'b']);
    await Promise.all([ma.close(), ma2.close(), mb.close()]);
  });
});

import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import type { ClusterEvent } from '../../src/index.js';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';
import { chatClient, chatServer, receiveN, warmUp, type ChatNode } from './chat.js';
import { natsCluster, type NatsServer, natsSkip } from './nats.js';

// Four Switchboard nodes on a three-server NATS cluster: a, b, c have members of "lobby", d has none.
describeOrSkip('cluster rooms on a 3-server NATS cluster', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer[] = [];
  const nodes: ChatNode[] = [];
  const events = new Map<string, ClusterEvent[]>();

  before(async () => {
    nats = await natsCluster(3);
    const urls = nats.map((s) => s.url);
    // Each node prefers its own NATS server and fails over to the others.
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
      const list: ClusterEvent[] = [];
      events.set(name, list);
      const mine = urls[i % 3]!;
      nodes.push(
        await chatServer(name, {
          nats: { servers: [mine, ...urls.filter((u) => u !== mine)], natsOptions: { noRandomize: true } },
          onEvent: (e) => void list.push(e),
        }),
      );
    }
    await waitFor(() => nodes.every((n) => n.node!.nodes.length === 3), WAIT_MS, 'every node to hear of the three others');
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all(nats.map((s) => s.stop()));
  });

  it('delivers to the members on every node, and a node without members gets no room traffic', async () => {
    const [a, b, c, d] = nodes as [ChatNode, ChatNode, ChatNode, ChatNode];
    const ma = await chatClient(a.server.url, ['lobby']);
    const mb = await chatClient(b.server.url, ['lobby']);
    const mc = await chatClient(c.server.url, ['lobby']);
    const mc2 = await chatClient(c.server.url, ['lobby']);
    const idle = await chatClient(d.server.url, ['elsewhere']);
    // Subscriptions reach every NATS server of the cluster: wait until a's publish can reach c.
    await waitFor(() => nodes.slice(0, 3).every((n) => n.node!.subscribedRooms.includes('lobby')), WAIT_MS, 'lobby subscriptions');
    await Promise.all(nodes.map((n) => n.node!.broker.flush()));
    await warmUp(ma, 'lobby', [ma, mb, mc, mc2]);
    const receivedBefore = c.node!.roomMessagesReceived;
    const deliveredBefore = c.node!.stats.delivered;

    for (let n = 0; n < 20; n++) ma.send({ op: 'say', room: 'lobby', text: 'hi', n });
    for (const member of [ma, mb, mc, mc2]) {
      const got = await receiveN(member, 20);
      assert.deepEqual(
        got.map((m) => m.n),
        [...Array(20).keys()],
        'every message, in order, once',
      );
    }
    // d: no lobby subscription, not one lobby message received from NATS, none in the NATS server's list.
    assert.deepEqual(d.node!.subscribedRooms, ['elsewhere']);
    assert.equal(d.node!.roomMessagesReceived, 0);
    assert.equal(d.node!.stats.delivered, 0);
    const lobbySubs = (await Promise.all(nats.map((s) => s.subscriptions((subj) => subj === 'switchboard.room.lobby')))).flat();
    assert.deepEqual(lobbySubs.map((s) => s.split(':')[0]).sort(), ['switchboard a', 'switchboard b', 'switchboard c']);
    // Encoded once per node: c has two members but received each message once from NATS.
    assert.equal(c.node!.roomMessagesReceived - receivedBefore, 20);
    assert.equal(c.node!.stats.delivered - deliveredBefore, 20);

    // The last member of c leaving: c unsubscribes.
    for (const m of [mc, mc2]) {
      m.send({ op: 'leave', room: 'lobby' });
      assert.equal((await m.receive({ timeout: WAIT_MS })).op, 'left');
    }
    assert.deepEqual(c.node!.subscribedRooms, []);
    await Promise.all([ma, mb, mc, mc2, idle].map((x) => x.close()));
  });

  it('goes on delivering when one NATS server of three is killed', async () => {
    const [a, b, c] = nodes as [ChatNode, ChatNode, ChatNode];
    const ma = await chatClient(a.server.url, ['room2']);
    const mb = await chatClient(b.server.url, ['room2']);
    const mc = await chatClient(c.server.url, ['room2']);
    await Promise.all(nodes.map((n) => n.node!.broker.flush()));
    await warmUp(ma, 'room2', [ma, mb, mc]);

    // b is connected to nats[1]: kill it. b reconnects to another server and resubscribes.
    await nats[1]!.stop('SIGKILL');
    await waitFor(() => events.get('b')!.some((e) => e.type === 'reconnected'), WAIT_MS, 'b to reconnect to another NATS server');
    const bEvents = events.get('b')!.map((e) => e.type);
    assert.ok(bEvents.indexOf('disconnected') < bEvents.indexOf('reconnected'), `b reported the drop first: ${bEvents.join(',')}`);
    await b.node!.broker.flush();
    // b's resubscription crosses the routes asynchronously: probe until b's member hears c.
    await warmUp(mc, 'room2', [ma, mb, mc]);
    // a and c were on the other servers: messages from c reach everybody, b included, in order.
    for (let n = 0; n < 10; n++) mc.send({ op: 'say', room: 'room2', text: 'after', n });
    for (const m of [ma, mb, mc]) {
      assert.deepEqual((await receiveN(m, 10)).map((x) => x.n), [...Array(10).keys()]);
    }
    await within(Promise.all([ma, mb, mc].map((x) => x.close())), WAIT_MS, 'clients to close');
  });
});

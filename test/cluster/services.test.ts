import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { Dispatcher, connect, dispatcherOptions, joinCluster, listen, message, namedMessages, natsBroker, parseMessage, type ClusterNode, type Connection, type Message, type Server } from '../../src/index.js';
import { WAIT_MS, waitFor } from '../helpers/net.js';
import { natsCluster, type NatsServer, natsSkip } from './nats.js';

interface SvcNode {
  server: Server<Message, Message>;
  node: ClusterNode<Message, Message>;
}

async function serviceNode(name: string, natsUrl: string): Promise<SvcNode> {
  let node: ClusterNode<Message, Message> | undefined;
  const d = new Dispatcher({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
  d.on(
    (m) => node?.services.handles(m) ?? false,
    (m, ctx) => node!.services.handle(m, ctx.conn),
    { priority: 0, tag: 'cluster' },
  );
  const server = await listen<Message, Message>('tcp://127.0.0.1:0', dispatcherOptions(d, { name }));
  node = await joinCluster(server, { nats: natsUrl, node: name });
  return { server, node };
}

async function client(url: string, register?: string): Promise<Connection<Message, Message>> {
  const c = await connect<Message, Message>(url, { protocol: namedMessages(), timeout: WAIT_MS });
  if (register !== undefined) {
    c.send(message('REGISTER', { service: register }));
    const ready = await c.receive({ timeout: WAIT_MS });
    assert.equal(ready.command, 'READY');
  }
  return c;
}

/** Everything `c` receives until `quiet` ms pass without a message (bounded to 200 messages). */
async function drain(c: Connection<Message, Message>, quiet = 300): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 200; i++) {
    const m = await c.receive({ timeout: quiet }).catch(() => undefined);
    if (m === undefined) break;
    out.push(m);
  }
  return out;
}

/** Receives on `conns` (in parallel) until `n` messages came in all, bounded by WAIT_MS; then checks nothing more comes for 200 ms. */
async function collect(conns: Array<Connection<Message, Message>>, n: number): Promise<Message[][]> {
  const got: Message[][] = conns.map(() => []);
  const deadline = Date.now() + WAIT_MS;
  while (got.reduce((t, l) => t + l.length, 0) < n && Date.now() < deadline) {
    await Promise.all(
      conns.map(async (c, i) => {
        const m = await c.receive({ timeout: 50 }).catch(() => undefined);
        if (m !== undefined) got[i]!.push(m);
      }),
    );
  }
  const extra = await Promise.all(conns.map((c) => drain(c, 200)));
  extra.forEach((e, i) => got[i]!.push(...e));
  return got;
}

// Three Switchboard nodes, each on its own server of a 3-server NATS cluster.
describeOrSkip('cluster service addressing', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer[] = [];
  const nodes: Record<string, SvcNode> = {};

  before(async () => {
    nats = await natsCluster(3);
    for (const [i, name] of ['a', 'b', 'c'].entries()) nodes[name] = await serviceNode(name, nats[i]!.url);
    await waitFor(() => Object.values(nodes).every((n) => n.node.nodes.length === 2), WAIT_MS, 'the nodes to hear of each other');
  });

  after(async () => {
    for (const n of Object.values(nodes)) {
      await n.node.close();
      await n.server.close({ timeout: 1000 });
    }
    await Promise.all(nats.map((s) => s.stop()));
  });

  it('routes S/COMMAND to the service on another node, shares a service between instances, and addresses one node with server:S/COMMAND', async () => {
    const lockd1 = await client(nodes['b']!.server.url, 'lockd');
    const x = await client(nodes['a']!.server.url);
    // Registration crosses the NATS routes asynchronously: retry the first message until it lands.
    let first: Message | undefined;
    for (let k = 0; k < 50 && first === undefined; k++) {
      x.send(parseMessage('lockd/LOCK key=a'));
      const answer = await Promise.race([
        lockd1.receive({ timeout: 200 }).then((m) => ({ m, at: 'lockd' as const })),
        x.receive({ timeout: 200 }).then((m) => ({ m, at: 'x' as const })),
      ]).catch(() => undefined);
      if (answer?.at === 'lockd') first = answer.m;
    }
    assert.ok(first, 'lockd on b got the message sent on a');
    assert.deepEqual([first.command, first.get('key'), first.service], ['LOCK', 'a', 'lockd']);
    await drain(lockd1);
    await drain(x);

    const lockd2 = await client(nodes['c']!.server.url, 'lockd');
    // Both instances must be known to a's NATS server before counting: probe until c's instance got one.
    for (let k = 0; k < 100; k++) {
      x.send(parseMessage('lockd/PROBE'));
      const m = await lockd2.receive({ timeout: 50 }).catch(() => undefined);
      if (m !== undefined) break;
    }
    await Promise.all([drain(lockd1), drain(lockd2), drain(x)]);
    for (let n = 0; n < 40; n++) x.send(message('LOCK', { n }, { service: 'lockd' }));
    const [got1, got2] = (await collect([lockd1, lockd2], 40)) as [Message[], Message[]];
    assert.equal(got1.length + got2.length, 40, 'each message went to exactly one instance');
    assert.ok(got1.length > 0 && got2.length > 0, `the queue group shared the load: ${got1.length} and ${got2.length}`);
    assert.deepEqual([...got1, ...got2].map((m) => m.getInt('n')).sort((p, q) => p - q), [...Array(40).keys()]);

    // c:lockd/COMMAND: only the instance on c.
    for (let n = 0; n < 5; n++) x.send(parseMessage(`c:lockd/LOCK n=${n}`));
    const [only1, only2] = (await collect([lockd1, lockd2], 5)) as [Message[], Message[]];
    assert.equal(only1.length, 0);
    assert.deepEqual(only2.map((m) => m.getInt('n')), [0, 1, 2, 3, 4]);
    assert.deepEqual(await drain(x), [], 'no SERVICE_UNAVAILABLE for delivered messages');

    // A reply from the service reaches a registered sender on another node.
    const logd = await client(nodes['a']!.server.url, 'logd');
    logd.send(parseMessage('c:lockd/LOCK key=z'));
    const req = (await collect([lockd2], 1))[0]![0]!;
    assert.deepEqual([req.sentFromServer, req.sentFromService], ['a', 'logd']);
    lockd2.send(req.reply('LOCKED', { key: 'z' }));
    const replies = (await collect([logd], 1))[0]!;
    assert.deepEqual(replies.map((m) => [m.command, m.get('key')]), [['LOCKED', 'z']]);

    // */COMMAND: every instance of every service on every node.
    x.send(parseMessage('*/RELOAD'));
    const everyone = await collect([lockd1, lockd2, logd], 3);
    assert.deepEqual(everyone.map((l) => l.map((m) => m.command)), [['RELOAD'], ['RELOAD'], ['RELOAD']]);
    const services = await nodes['a']!.node.serviceList();
    assert.deepEqual(services.results.map((r) => [r.node, r.services]).sort(), [['a', ['logd']], ['b', ['lockd']], ['c', ['lockd']]]);
    await Promise.all([lockd1, lockd2, logd, x].map((c) => c.close()));
  });

  it('answers SERVICE_UNAVAILABLE for a service nothing serves, and for one whose last instance left', async () => {
    const x = await client(nodes['a']!.server.url);
    x.send(parseMessage('nosuch/LOCK key=a'));
    const m = await x.receive({ timeout: WAIT_MS });
    assert.deepEqual([m.command, m.get('destination_service'), m.get('command')], ['SERVICE_UNAVAILABLE', 'nosuch', 'LOCK']);
    x.send(parseMessage('b:nosuch/LOCK'));
    assert.equal((await x.receive({ timeout: WAIT_MS })).command, 'SERVICE_UNAVAILABLE');

    const gone = await client(nodes['b']!.server.url, 'gone');
    await gone.close();
    await waitFor(() => !nodes['b']!.node.services.localNames().includes('gone'), WAIT_MS, 'the closed instance to be removed');
    await nodes['b']!.node.broker.flush();
    // The unsubscription crosses the routes asynchronously: a few tries, bounded.
    let answer: Message | undefined;
    for (let k = 0; k < 50; k++) {
      x.send(parseMessage('b:gone/PING'));
      answer = await x.receive({ timeout: WAIT_MS });
      if (answer.command === 'SERVICE_UNAVAILABLE') break;
    }
    assert.equal(answer?.command, 'SERVICE_UNAVAILABLE');

    // Bad service names are refused, never subscribed.
    x.send(message('REGISTER', { service: 'a.>' }));
    const bad = await x.receive({ timeout: WAIT_MS });
    assert.deepEqual([bad.command, bad.get('command')], ['INVALID', 'REGISTER']);
    x.send(message('REGISTER', { service: 'x'.repeat(10 * 1024) }));
    assert.equal((await x.receive({ timeout: WAIT_MS })).command, 'INVALID');
    assert.deepEqual(nodes['a']!.node.services.localNames(), []);
    await x.close();
  });

  it('lets a handler serve a service, and send() rejects with SERVICE_UNAVAILABLE', async () => {
    const seen: string[] = [];
    const reg = nodes['c']!.node.services.register('audit', (m) => void seen.push(m.command));
    await nodes['c']!.node.broker.flush();
    let ok = false;
    for (let k = 0; k < 50 && !ok; k++) {
      ok = await nodes['a']!.node.services.send(message('EVENT', {}, { service: 'audit' })).then(
        () => true,
        () => false,
      );
    }
    assert.ok(ok);
    assert.ok(seen.includes('EVENT'));
    reg.remove();
    await assert.rejects(nodes['c']!.node.services.send(message('EVENT', {}, { service: 'audit' })), { code: 'SERVICE_UNAVAILABLE' });
    assert.throws(() => nodes['c']!.node.services.register('a b', () => {}), { code: 'ROOM_INVALID_NAME' });
  });

  it('answers requests across nodes: the reply, typed errors, a timeout and an abort that reach the handler', async () => {
    const svc = nodes['b']!.node.services;
    const asker = nodes['a']!.node.services;
    const aborted: string[] = [];
    const reg = svc.register('calc', async (m, ctx) => {
      assert.equal(ctx.request || m.command === 'NOTE', true);
      if (m.command === 'ADD') return message('SUM', { value: m.getInt('a')! + m.getInt('b')! });
      if (m.command === 'FAIL') throw Object.assign(new Error('cannot divide by zero'), { code: 'DIV_ZERO' });
      if (m.command === 'NOTHING') return undefined;
      if (m.command === 'SLOW') {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted.push(`${m.get('why')} from ${ctx.from}`);
        return message('LATE');
      }
      return undefined;
    });
    try {
      await nodes['b']!.node.broker.flush();
      // The handler's subscription crosses the NATS routes asynchronously: retry the first request.
      let sum: Message | undefined;
      for (let k = 0; k < 50 && sum === undefined; k++) {
        sum = await asker.request(message('ADD', { a: 2, b: 40 }, { service: 'calc' }), { timeout: 1000 }).catch(() => undefined);
      }
      assert.ok(sum, 'a request from node a reached the handler on node b');
      assert.deepEqual([sum.command, sum.getInt('value')], ['SUM', 42]);
      // Addressed to the node that has it, and to a node that does not.
      const viaB = await asker.request(parseMessage('b:calc/ADD a=1;b=1'), { timeout: WAIT_MS });
      assert.equal(viaB.getInt('value'), 2);
      await assert.rejects(asker.request(parseMessage('c:calc/ADD a=1;b=1'), { timeout: WAIT_MS }), { code: 'SERVICE_UNAVAILABLE' });
      await assert.rejects(asker.request(parseMessage('nosuch/ADD a=1;b=1'), { timeout: WAIT_MS }), { code: 'SERVICE_UNAVAILABLE' });
      // The handler's error: its code and message, not its stack.
      await assert.rejects(asker.request(parseMessage('calc/FAIL'), { timeout: WAIT_MS }), (e: Error & { code: string; remoteCode: string }) => {
        assert.equal(e.code, 'REQUEST_FAILED');
        assert.equal(e.remoteCode, 'DIV_ZERO');
        assert.match(e.message, /cannot divide by zero/);
        assert.doesNotMatch(e.message, /services\.js|at /);
        return true;
      });
      await assert.rejects(asker.request(parseMessage('calc/NOTHING'), { timeout: WAIT_MS }), { code: 'REQUEST_FAILED' });
      // A timeout and an abort: the requester rejects, and the handler's signal aborts on node b.
      await assert.rejects(asker.request(parseMessage('calc/SLOW why=timeout'), { timeout: 200 }), { code: 'REQUEST_TIMEOUT' });
      const ac = new AbortController();
      const p = asker.request(parseMessage('calc/SLOW why=abort'), { signal: ac.signal, timeout: WAIT_MS });
      setTimeout(() => ac.abort(), 100);
      await assert.rejects(p, { code: 'REQUEST_ABORTED' });
      await waitFor(() => aborted.length === 2, WAIT_MS, 'both cancels to reach the handler on b');
      assert.deepEqual(aborted.sort(), ['abort from a', 'timeout from a']);
      // Bounded: at maxRequests in flight the next one is refused at once.
      asker.maxRequests = 1;
      const hold = asker.request(parseMessage('calc/SLOW why=held'), { timeout: 300 }).catch((e: { code: string }) => e.code);
      await assert.rejects(asker.request(parseMessage('calc/ADD a=1;b=2'), { timeout: WAIT_MS }), { code: 'TOO_MANY_REQUESTS' });
      assert.equal(await hold, 'REQUEST_TIMEOUT');
      asker.maxRequests = 1024;
      // A plain send to the same handler still works, and is no request.
      await asker.send(parseMessage('calc/NOTE'));
    } finally {
      reg.remove();
    }
    // The removal crosses the NATS routes asynchronously: until a's server knows, a request may time out.
    await nodes['b']!.node.broker.flush();
    let code = '';
    for (let k = 0; k < 20 && code !== 'SERVICE_UNAVAILABLE'; k++) {
      code = await asker.request(parseMessage('calc/ADD a=1;b=1'), { timeout: 250 }).then(
        () => 'answered',
        (e: { code: string }) => e.code,
      );
      assert.notEqual(code, 'answered', 'no handler answers after remove()');
    }
    assert.equal(code, 'SERVICE_UNAVAILABLE');
  });

  it('treats requests, cancels and answers from the broker as untrusted: malformed ones are counted, a garbage answer is CLUSTER_ENVELOPE_INVALID', async () => {
    const raw = await natsBroker({ servers: nats[1]!.url });
    const svc = nodes['b']!.node.services;
    const reg = svc.register('calc2', (m) => message('ECHO', { of: m.command }));
    const fake = raw.subscribe('switchboard.svcreq.liar', (m) => m.reply && raw.publish(m.reply, new TextEncoder().encode('{"t":"res","node":"x","msg":17}')));
    try {
      await nodes['b']!.node.broker.flush();
      await raw.flush();
      const asker = nodes['a']!.node.services;
      let ok: Message | undefined;
      for (let k = 0; k < 50 && ok === undefined; k++) ok = await asker.request(parseMessage('calc2/HI'), { timeout: 500 }).catch(() => undefined);
      assert.equal(ok?.get('of'), 'HI');
      const before = nodes['b']!.node.stats.malformed;
      const enc = (x: string): Uint8Array => new TextEncoder().encode(x);
      const garbage: Array<[string, Uint8Array]> = [
        ['switchboard.svcreq.calc2', enc('not json')],
        ['switchboard.svcreq.calc2', enc('{"t":"req","node":"a","id":"x1","msg":"bad line \\u0000"}')],
        ['switchboard.svcreq.calc2', enc('{"t":"req","node":"a.>","id":"x2","msg":"HI"}')],
        ['switchboard.svccancel', enc('{"t":"cancel","node":"a"}')],
        ['switchboard.svccancel', enc('[]')],
      ];
      for (const [subject, data] of garbage) raw.publish(subject, data, raw.inbox());
      await raw.flush();
      await waitFor(() => nodes['b']!.node.stats.malformed - before >= garbage.length, WAIT_MS, 'b to count every malformed one');
      assert.equal(nodes['b']!.node.stats.malformed - before, garbage.length);
      // Still answering, and a garbage answer from a liar is a typed error at the asker.
      assert.equal((await asker.request(parseMessage('calc2/AGAIN'), { timeout: WAIT_MS })).get('of'), 'AGAIN');
      let code = '';
      for (let k = 0; k < 50 && code !== 'CLUSTER_ENVELOPE_INVALID'; k++) {
        code = await asker.request(parseMessage('liar/X'), { timeout: 500 }).then(() => 'answered', (e: { code: string }) => e.code);
      }
      assert.equal(code, 'CLUSTER_ENVELOPE_INVALID');
    } finally {
      fake.unsubscribe();
      reg.remove();
      await raw.close();
    }
  });
});

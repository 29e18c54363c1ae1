import { describeOrSkip } from '../helpers/skip.js';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WAIT_MS, waitFor, within } from '../helpers/net.js';
import { chatClient, chatServer, receiveN, type ChatNode } from './chat.js';
import { natsServer, type NatsServer, natsSkip } from './nats.js';

interface Child {
  proc: ChildProcess;
  url: string;
}

async function childNode(natsUrl: string, name: string): Promise<Child> {
  const proc = fork(fileURLToPath(new URL('./node-child.js', import.meta.url)), [natsUrl, name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await within(
    new Promise<string>((resolve, reject) => {
      proc.once('message', (m) => resolve((m as { url: string }).url));
      proc.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}`)));
    }),
    WAIT_MS,
    `node ${name} to start`,
  );
  return { proc, url };
}

// Node a in this process asks; nodes b and c run in child processes (c is frozen with SIGSTOP).
describeOrSkip('cluster queries with partial results', natsSkip(), ({ it, before, after }) => {
  let nats: NatsServer;
  let a: ChatNode;
  let b: Child;
  let c: Child;

  before(async () => {
    nats = await natsServer();
    a = await chatServer('a', { nats: nats.url, heartbeatInterval: 200 });
    [b, c] = await Promise.all([childNode(nats.url, 'b'), childNode(nats.url, 'c')]);
    await waitFor(() => a.node!.nodes.length === 2, WAIT_MS, 'a to hear of b and c');
  });

  after(async () => {
    for (const ch of [b, c]) {
      if (ch === undefined) continue;
      ch.proc.kill('SIGCONT');
      ch.proc.kill('SIGKILL');
    }
    await a?.close();
    await nats?.stop();
  });

  it('answers presence and connection counts from every node, then names a frozen node in missingNodes', async () => {
    const members = [
      await chatClient(a.server.url, ['lobby']),
      await chatClient(b.url, ['lobby']),
      await chatClient(b.url, ['lobby', 'other']),
      await chatClient(c.url, ['lobby']),
      await chatClient(c.url, ['other']),
    ];
    const all = await a.node!.presence('lobby');
    assert.deepEqual(all.missingNodes, []);
    assert.deepEqual(
      all.results.map((r) => [r.node, r.members.length]).sort(),
      [
        ['a', 1],
        ['b', 2],
        ['c', 1],
      ],
    );
    assert.ok(all.results.every((r) => r.members.every((m) => typeof m === 'string' && m.startsWith('svc('))), 'members are named by their connection');
    const counts = await a.node!.connectionCounts();
    assert.deepEqual(
      counts.results.map((r) => [r.node, r.connections, r.rooms]).sort(),
      [
        ['a', 1, 1],
        ['b', 2, 2],
        ['c', 2, 2],
      ],
    );

    // c frozen: it cannot answer; the query returns what a and b said, and names c.
    c.proc.kill('SIGSTOP');
    try {
      const partial = await a.node!.presence('lobby', { timeout: 500 });
      assert.deepEqual(partial.missingNodes, ['c']);
      assert.deepEqual(partial.results.map((r) => r.node).sort(), ['a', 'b']);
      const partialCounts = await a.node!.connectionCounts({ timeout: 500 });
      assert.deepEqual(partialCounts.missingNodes, ['c']);
    } finally {
      c.proc.kill('SIGCONT');
    }
    // Thawed, c answers again.
    let again = await a.node!.presence('lobby');
    for (let i = 0; i < 20 && again.missingNodes.length > 0; i++) again = await a.node!.presence('lobby');
    assert.deepEqual(again.missingNodes, []);
    await Promise.all(members.map((m) => m.close()));
  });

  it('broadcasts to every connection on every node', async () => {
    const conns = [await chatClient(a.server.url), await chatClient(b.url), await chatClient(c.url, ['x'])];
    conns[0]!.send({ op: 'shout', text: 'everyone' });
    for (const x of conns) assert.deepEqual((await receiveN(x, 1))[0], { op: 'all', text: 'everyone' });
    await Promise.all(conns.map((x) => x.close()));
  });
});

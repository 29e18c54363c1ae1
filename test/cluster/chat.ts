/**
 * A small chat server for the cluster tests, over JSON lines:
 *
 *     client -> {"op":"join","room":"lobby"}         server -> {"op":"joined","room":"lobby"} | {"op":"refused","room":...,"code":...}
 *     client -> {"op":"leave","room":"lobby"}
 *     client -> {"op":"say","room":"lobby","text":"hi"}  every member on every node -> {"op":"msg","room":"lobby","text":"hi"}
 *     client -> {"op":"shout","text":"hi"}           every connection on every node -> {"op":"all","text":"hi"}
 *     failures -> {"op":"error","code":...}
 */
import { connect, joinCluster, listen, type ClusterNode, type ClusterOptions, type Connection, type Server } from '../../src/index.js';
import { WAIT_MS } from '../helpers/net.js';

export type Chat = { op: string; room?: string; text?: string; code?: string; n?: number };

export interface ChatNode {
  server: Server<Chat, Chat>;
  node: ClusterNode<Chat, Chat> | undefined;
  close(): Promise<void>;
}

export async function chatServer(name: string, cluster?: Omit<ClusterOptions<Chat, Chat>, 'node'>): Promise<ChatNode> {
  let node: ClusterNode<Chat, Chat> | undefined;
  const server = await listen<Chat, Chat>('tcp://127.0.0.1:0', {
    name,
    callbacks: {
      onReceive: (conn, m) => {
        switch (m.op) {
          case 'join':
            conn.join(String(m.room)).then(
              () => conn.send({ op: 'joined', room: m.room! }),
              (e: { code?: string }) => conn.send({ op: 'refused', room: String(m.room).slice(0, 100), code: e.code ?? 'FAILED' }),
            );
            break;
          case 'leave':
            conn.leave(String(m.room));
            conn.send({ op: 'left', room: m.room! });
            break;
          case 'say':
            try {
              server.to(String(m.room)).send({ op: 'msg', room: m.room!, text: m.text!, ...(m.n !== undefined && { n: m.n }) });
            } catch (e) {
              conn.send({ op: 'error', code: (e as { code?: string }).code ?? 'FAILED' });
            }
            break;
          case 'shout':
            try {
              if (node) node.broadcast({ op: 'all', text: m.text! });
              else server.broadcast({ op: 'all', text: m.text! });
            } catch (e) {
              conn.send({ op: 'error', code: (e as { code?: string }).code ?? 'FAILED' });
            }
            break;
        }
      },
    },
  });
  if (cluster) node = await joinCluster(server, { ...cluster, node: name });
  return {
    server,
    node,
    close: async () => {
      await node?.close();
      await server.close({ timeout: 1000 });
    },
  };
}

/** A client of a chat server, joined to `rooms` (each join acknowledged). */
export async function chatClient(url: string, rooms: string[] = []): Promise<Connection<Chat, Chat>> {
  const c = await connect<Chat, Chat>(url, { timeout: WAIT_MS });
  for (const room of rooms) {
    c.send({ op: 'join', room });
    const ack = await c.receive({ timeout: WAIT_MS });
    if (ack.op !== 'joined' || ack.room !== room) throw new Error(`join ${room}: got ${JSON.stringify(ack)}`);
  }
  return c;
}

/** Receives until `n` messages came (bounded by `timeout`). */
export async function receiveN(c: Connection<Chat, Chat>, n: number, timeout = WAIT_MS): Promise<Chat[]> {
  const out: Chat[] = [];
  const deadline = Date.now() + timeout;
  while (out.length < n) out.push(await c.receive({ timeout: Math.max(1, deadline - Date.now()) }));
  return out;
}

/**
 * Room interest crosses NATS routes asynchronously: `from` says probes into `room` until every
 * one of `members` has heard one (bounded), then a marker, and each member reads up to it, so
 * the test's own messages start on a clean slate.
 */
export async function warmUp(from: Connection<Chat, Chat>, room: string, members: Array<Connection<Chat, Chat>>): Promise<void> {
  const waiting = new Set(members);
  for (let k = 0; k < 100 && waiting.size > 0; k++) {
    from.send({ op: 'say', room, text: 'probe' });
    for (const m of [...waiting]) {
      const got = await m.receive({ timeout: 100 }).then(
        () => true,
        () => false,
      );
      if (got) waiting.delete(m);
    }
  }
  if (waiting.size > 0) throw new Error(`${waiting.size} members of ${room} never heard a probe`);
  from.send({ op: 'say', room, text: 'marker' });
  for (const m of members) {
    for (let i = 0; ; i++) {
      if (i > 500) throw new Error('marker never came');
      if ((await m.receive({ timeout: WAIT_MS })).text === 'marker') break;
    }
  }
}

/**
 * After an outage or a split: `from` says "after" into `room` until `to` hears one (bounded: 100
 * messages), collecting everything `to` receives meanwhile; then counts what the receiving node
 * reported missed from `fromNode` in `gap` events. Every message said must be either received
 * ("during" or "after") or counted missed: nothing lost silently.
 */
export async function afterHeal(
  from: Connection<Chat, Chat>,
  to: Connection<Chat, Chat>,
  room: string,
  events: ReadonlyArray<{ type: string }>,
  fromNode: string,
): Promise<{ heard: boolean; sent: number; received: number; missed: number }> {
  const got: Chat[] = [];
  let sent = 0;
  for (let k = 0; k < 100 && !got.some((m) => m.text === 'after'); k++) {
    from.send({ op: 'say', room, text: 'after', n: k });
    sent++;
    for (;;) {
      const m = await to.receive({ timeout: 100 }).catch(() => undefined);
      if (m === undefined) break;
      got.push(m);
    }
  }
  const missed = events
    .filter((e) => e.type === 'gap' && (e as { node?: string }).node === fromNode && (e as { room?: string }).room === room)
    .reduce((s, e) => s + (e as unknown as { missed: number }).missed, 0);
  const received = got.filter((m) => m.text === 'during' || m.text === 'after').length;
  return { heard: got.some((m) => m.text === 'after'), sent, received, missed };
}

// A protocol with a login handshake, a sequence number on every message and a heartbeat.
import { connect, defineProtocol, framing, jsonCodec, listen, type Protocol } from 'switchboard';

type Up = { type: 'login'; password: string } | { type: 'order'; item: string; seq?: number } | { type: 'beat' };
type Down = { type: 'welcome' } | { type: 'ack'; seq: number } | { type: 'beat' };

const common = { framing: framing.lengthPrefix({ width: 4 }), heartbeatMs: 5_000 };

const serverProtocol: Protocol<Up, Down> = defineProtocol<Up, Down>({
  framing: common.framing,
  codec: jsonCodec<Up, Down>(),
  hooks: {
    // Runs before the connection is reported open; throwing or ctx.reject() refuses it.
    async onConnect(ctx) {
      const first = await ctx.receive();
      if (first.type !== 'login' || first.password !== 'sesame') ctx.reject('bad password');
      ctx.send({ type: 'welcome' });
    },
  },
  heartbeat: { interval: common.heartbeatMs, message: { type: 'beat' }, isHeartbeat: (m) => m.type === 'beat' },
});

function clientProtocol(password: string): Protocol<Down, Up> {
  let seq = 0;
  return defineProtocol<Down, Up>({
    framing: common.framing,
    codec: jsonCodec<Down, Up>(),
    hooks: {
      async onConnect(ctx) {
        ctx.send({ type: 'login', password });
        const answer = await ctx.receive();
        if (answer.type !== 'welcome') ctx.reject('no welcome');
      },
      beforeSend: (msg) => (msg.type === 'order' ? { ...msg, seq: ++seq } : msg),
    },
    heartbeat: { interval: common.heartbeatMs, message: { type: 'beat' }, timeout: 3 * common.heartbeatMs },
  });
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  await using server = await listen<Up, Down>('tcp://127.0.0.1:0', {
    protocol: serverProtocol,
    callbacks: {
      onReceive: (conn, msg) => {
        if (msg.type === 'order') conn.send({ type: 'ack', seq: msg.seq ?? -1 });
      },
    },
  });

  await using conn = await connect<Down, Up>(server.url, { protocol: clientProtocol('sesame') });
  conn.send({ type: 'order', item: 'tea' });
  conn.send({ type: 'order', item: 'cake' });
  for await (const msg of conn) {
    if (msg.type === 'ack') log(`ack ${msg.seq}`); // ack 1, ack 2
    if (msg.type === 'ack' && msg.seq === 2) break;
  }

  try {
    await connect<Down, Up>(server.url, { protocol: clientProtocol('wrong') });
  } catch (err) {
    log(`refused: ${(err as { code: string }).code}`); // refused: HANDSHAKE_REJECTED
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

// A process of the cluster benchmark (bench/cluster.mjs). argv: ROLE IMPL BROKER_URL [NODE_INDEX|NODE_URL] [CLIENTS]
//   node    IMPL=sb: a Switchboard WebSocket server joined to NATS; IMPL=sio: socket.io with @socket.io/redis-adapter
//   clients opens CLIENTS WebSocket (sb) or socket.io (sio) clients to NODE_URL, all in room "bench";
//           on { cmd: 'report' } sends back how many messages each got and their latencies
// Messages are text: "<absolute send time ms>|<seq>|<payload>". A node relays what the publisher sends to the room.
import { createServer } from 'node:http';
import { absNow } from './lib/common.mjs';

const [role, impl, broker, where, count] = process.argv.slice(2);
const send = (m) => process.send?.(m);

if (role === 'node') {
  if (impl === 'sb') {
    const { listen, joinCluster, textCodec } = await import('../dist/index.js');
    const server = await listen('ws://127.0.0.1:0', {
      codec: textCodec(),
      firstMessageTimeout: 0,
      callbacks: {
        onReceive(conn, msg) {
          if (msg === 'join') void conn.join('bench');
          else server.to('bench').send(msg);
        },
      },
    });
    await joinCluster(server, { nats: broker, node: `n${where}` });
    send({ url: server.url });
  } else {
    const { Server } = await import('socket.io');
    const { createAdapter } = await import('@socket.io/redis-adapter');
    const { createClient } = await import('redis');
    const pub = createClient({ url: broker });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    const http = createServer();
    const io = new Server(http, { adapter: createAdapter(pub, sub), transports: ['websocket'] });
    io.on('connection', (socket) => {
      socket.on('join', () => socket.join('bench'));
      socket.on('say', (msg) => io.to('bench').emit('m', msg));
    });
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    send({ url: `http://127.0.0.1:${http.address().port}` });
  }
} else {
  const n = Number(count);
  const got = new Array(n).fill(0);
  const lat = [];
  const onMsg = (i, text) => {
    got[i]++;
    const ts = Number(text.slice(0, text.indexOf('|')));
    lat.push(absNow() - ts);
  };
  const sockets = [];
  if (impl === 'sb') {
    const { default: WebSocket } = await import('ws');
    for (let i = 0; i < n; i++) {
      const ws = new WebSocket(where);
      await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
      ws.on('message', (d) => onMsg(i, d.toString()));
      ws.send('join');
      sockets.push(ws);
    }
  } else {
    const { io } = await import('socket.io-client');
    for (let i = 0; i < n; i++) {
      const s = io(where, { transports: ['websocket'], forceNew: true });
      await new Promise((r, j) => (s.once('connect', r), s.once('connect_error', j)));
      s.on('m', (msg) => onMsg(i, msg));
      s.emit('join');
      sockets.push(s);
    }
  }
  const publisher = sockets[0];
  process.on('message', async (m) => {
    if (m.cmd === 'publish') {
      // m.count messages, m.perTick per event-loop turn (or one every m.intervalMs)
      let seq = 0;
      const body = 'x'.repeat(m.size);
      const one = () => {
        const text = `${absNow()}|${seq++}|${body}`;
        if (impl === 'sb') publisher.send(text);
        else publisher.emit('say', text);
      };
      if (m.intervalMs) {
        await new Promise((resolve) => {
          const t = setInterval(() => {
            one();
            if (seq >= m.count) resolve(clearInterval(t));
          }, m.intervalMs);
        });
      } else {
        while (seq < m.count) {
          for (let k = 0; k < m.perTick && seq < m.count; k++) one();
          await new Promise((r) => setImmediate(r));
        }
      }
      send({ published: seq });
    } else if (m.cmd === 'count') {
      send({ count: got.reduce((a, b) => a + b, 0) });
    } else if (m.cmd === 'report') {
      send({ got: got.reduce((a, b) => a + b, 0), lat: m.latencies ? lat.splice(0) : (lat.splice(0), []) });
      got.fill(0);
    } else if (m.cmd === 'close') {
      for (const s of sockets) impl === 'sb' ? s.terminate() : s.disconnect();
      process.exit(0);
    }
  });
  send({ ready: n });
}

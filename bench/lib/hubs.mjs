// Servers that hold many connections: for broadcast, connections (memory, accept time) and idle.
//
//   hub = await hubs[id]()  -> { url, kind, count(), maxQueued(), burst(payload, k), problems }
//
// `kind` tells the fleet how to connect ('lines': TCP; 'ws': a WebSocket upgrade). `burst` sends
// `k` messages to every open connection, the way a program of that kind would:
//   raw-net  one buffer holding the k framed messages, one socket.write per connection (the limit)
//   sb-lines server.broadcast(msg) k times (encoded once, coalesced per connection per tick)
//   ws       for each message, for each client, ws.send (what ws's README shows)
//   ws-cork  "ws, corked per batch": each message framed once (ws's own Sender.frame), the k frames
//            written to each client's socket as one buffer (as raw-net does), ws's framing and
//            sockets otherwise
//   sb-ws    server.broadcast(msg) k times over WebSocket
//   uws      uWebSockets.js: every socket subscribes to one topic, app.publish(topic, msg) k times
import net from 'node:net';
import { uwsHub } from './uws.mjs';

import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let sbModule;
/** This build, or with `variantB` the build in BENCH_DIST_B (an A/B comparison, see bench/run.mjs). */
async function sb(variantB = false) {
  if (variantB) return import(pathToFileURL(join(resolve(process.env.BENCH_DIST_B), 'index.js')).href);
  sbModule ??= await import('../../dist/index.js');
  return sbModule;
}

async function rawHub() {
  const socks = new Set();
  const srv = net.createServer((sock) => {
    sock.setNoDelay(true);
    socks.add(sock);
    sock.on('error', () => {});
    sock.on('data', (chunk) => sock.write(chunk)); // echo (whole lines: the fleet sends one at a time)
    sock.on('close', () => socks.delete(sock));
  });
  await new Promise((resolve) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 511 }, resolve));
  const hub = {
    url: `tcp://127.0.0.1:${srv.address().port}`,
    kind: 'lines',
    problems: 0,
    count: () => socks.size,
    maxQueued() {
      let m = 0;
      for (const s of socks) if (s.writableLength > m) m = s.writableLength;
      return m;
    },
    burst(payload, k) {
      const frame = Buffer.allocUnsafe(payload.length + 1);
      payload.copy(frame);
      frame[payload.length] = 10;
      const batch = Buffer.concat(Array.from({ length: k }, () => frame));
      for (const s of socks) s.write(batch);
    },
  };
  return hub;
}

async function sbHub(ws, variantB = false) {
  const m = await sb(variantB);
  const hub = { problems: 0 };
  const server = await m.listen(ws ? 'ws://127.0.0.1:0/bench' : 'tcp://127.0.0.1:0', {
    ...(ws ? { codec: m.bytesCodec() } : { protocol: { framing: m.lines(), codec: m.bytesCodec() } }),
    // The connections scenario holds silent connections for longer than the default 30 s
    // first-message timeout on a full run; the baselines have no such timer either.
    firstMessageTimeout: 0,
    callbacks: {
      onReceive: (conn, msg) => conn.send(msg),
      onFail: () => hub.problems++,
    },
  });
  return Object.assign(hub, {
    url: server.url,
    kind: ws ? 'ws' : 'lines',
    server,
    count: () => server.connectionCount,
    maxQueued() {
      let mq = 0;
      for (const c of server.connections) if (c.queuedBytes > mq) mq = c.queuedBytes;
      return mq;
    },
    burst(payload, k) {
      for (let i = 0; i < k; i++) {
        const r = server.broadcast(payload);
        if (r.dropped || r.closed) hub.problems += r.dropped + r.closed;
      }
    },
  });
}

async function wsHub({ frameOnce = false } = {}) {
  const { WebSocketServer, Sender } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 511 });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const opts = { binary: true, compress: false };
  return {
    url: `ws://127.0.0.1:${wss.address().port}/bench`,
    kind: 'ws',
    problems: 0,
    count: () => wss.clients.size,
    maxQueued() {
      let mq = 0;
      for (const c of wss.clients) if (c.bufferedAmount > mq) mq = c.bufferedAmount;
      return mq;
    },
    burst: frameOnce
      ? (payload, k) => {
          // A server frame is not masked: header + payload, the same bytes for every client.
          // Written straight to the socket: with compression off ws's sender keeps no queue of its own.
          const frame = Buffer.concat(Sender.frame(payload, { fin: true, rsv1: false, opcode: 0x02, mask: false, readOnly: false }));
          const batch = Buffer.concat(Array.from({ length: k }, () => frame));
          for (const c of wss.clients) if (c.readyState === 1) c._socket.write(batch);
        }
      : (payload, k) => {
          for (let i = 0; i < k; i++) for (const c of wss.clients) c.send(payload, opts);
        },
  };
}

export const hubs = {
  'raw-net': rawHub,
  'sb-lines': () => sbHub(false),
  'sb-lines-b': () => sbHub(false, true),
  'sb-ws': () => sbHub(true),
  ws: () => wsHub(),
  'ws-cork': () => wsHub({ frameOnce: true }),
  uws: () => uwsHub(),
};

/**
 * Something that keeps trying to reach a server that is not there, in the same process as the
 * hub (the idle scenario). Switchboard: `permanentClient` with its default backoff (exponential,
 * 100 ms doubling to 30 s, full jitter). The baselines get the same schedule written by hand.
 */
export async function startRetrier(id, absentPort) {
  const random = Math.random;
  const delay = (attempt) => Math.floor(random() * (Math.min(30_000, 100 * 2 ** Math.max(0, attempt - 1)) + 1));
  if (id === 'sb-lines' || id === 'sb-ws') {
    const m = await sb();
    const url = id === 'sb-ws' ? `ws://127.0.0.1:${absentPort}/bench` : `tcp://127.0.0.1:${absentPort}`;
    const pc = m.permanentClient(url, { backoff: m.exponentialBackoff(), ...(id === 'sb-ws' ? { codec: m.bytesCodec() } : {}) });
    return { attempts: () => pc.stats.failedAttempts, stop: () => pc.close() };
  }
  let attempts = 0;
  let timer;
  let stopped = false;
  const tryOnce = async () => {
    attempts++;
    try {
      if (id === 'ws') {
        const { WebSocket } = await import('ws');
        await new Promise((resolve, reject) => {
          const w = new WebSocket(`ws://127.0.0.1:${absentPort}/bench`, { perMessageDeflate: false });
          w.once('open', resolve);
          w.once('error', reject);
        });
      } else {
        await new Promise((resolve, reject) => {
          const s = net.connect(absentPort, '127.0.0.1');
          s.once('connect', resolve);
          s.once('error', reject);
        });
      }
    } catch {
      if (!stopped) timer = setTimeout(tryOnce, delay(attempts));
    }
  };
  void tryOnce();
  return {
    attempts: () => attempts,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** A TCP port on 127.0.0.1 that nobody listens on (bound, then released). */
export async function absentPort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

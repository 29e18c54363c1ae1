import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
import { fork } from 'node:child_process';
import { uwsEchoServer } from './lib/uws.mjs';
import { makePayload } from './lib/common.mjs';
if (process.argv[2] === 'server') {
  const { url } = await uwsEchoServer();
  process.send({ url });
} else {
  const kind = process.argv[2] ?? 'sb';
  const srv = fork(new URL(import.meta.url).pathname, ['server']);
  const { url } = await new Promise((r) => srv.once('message', r));
  const payload = makePayload(16384); const N = Number(process.env.N ?? 2000);
  let got = 0, send, info;
  if (kind === 'ws') {
    const { WebSocket } = await import('ws');
    const w = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 28 }); await new Promise((r) => w.once('open', r));
    w.on('message', () => got++); w.on('error', (e) => console.log('WS ERROR', e.message)); w.on('close', (c) => console.log('WS CLOSE', c)); send = (p) => w.send(p, { binary: true }); info = () => `buffered ${w.bufferedAmount} sockW ${w._socket.bytesWritten} sockR ${w._socket.bytesRead}`;
  } else {
    const sb = await import('../dist/index.js');
    const c = await sb.connect(url, { codec: sb.bytesCodec(), maxQueuedBytes: 2 ** 32, callbacks: { onReceive: () => got++, onFail: (e) => console.log('FAIL', e.code, e.message), onClose: (_c, e) => console.log('CLOSE', e?.code, e?.message, e?.details) } });
    const chunks = []; c.sock.socket.prependListener('data', (d) => chunks.push(Buffer.from(d)));
    process.on('exit', () => { if (got < N) { const fs = require('node:fs'); fs.writeFileSync('/tmp/benchrows/stream.bin', Buffer.concat(chunks)); fs.writeFileSync('/tmp/benchrows/chunks.json', JSON.stringify(chunks.map((x) => x.length))); } });
    send = (p) => c.send(p); info = () => `flags ${JSON.stringify({ blocked: c.blocked, wb: c.writeBlocked, aw: c.awaiting, disc: c.discarding, state: c._state, paused: c.sock.socket.isPaused(), flowing: c.sock.socket.readableFlowing, rl: c.sock.socket.readableLength, wl: c.sock.socket.writableLength, bp: c.backpressured })} queued ${c.queuedBytes} stats ${JSON.stringify({ in: c.stats.messagesIn, bin: c.stats.bytesIn, bout: c.stats.bytesOut })}`;
  }
  const t0 = performance.now();
  for (let i = 0; i < N; i++) send(payload);
  for (let s = 0; s < 20 && got < N; s++) { await new Promise((r) => setTimeout(r, 500)); console.log(kind, `t=${((performance.now() - t0) / 1000).toFixed(1)}s got ${got}`, info()); }
  console.log(kind, got === N ? 'ALL' : 'STALLED', got, `${(performance.now() - t0).toFixed(0)} ms`);
  srv.kill(); process.exit(0);
}

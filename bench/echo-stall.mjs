// Diagnosis of the "40 ms stall" (issue 15): one binary WebSocket message echoed by
// `switchboard listen ws://... --echo` and by a `ws` server, timed from a raw client, round after round.
//
//   node bench/echo-stall.mjs SIZE ROUNDS
//   env: NODELAY=1 (client TCP_NODELAY), CH=bytes per client write (default 131072, as Twisted writes),
//        QUIET=0 (the CLI prints every message), SLOW=ms (stdout is a pipe read 64 KiB per SLOW ms),
//        GAP=ms between rounds, FILL=byte value of the payload, BIN=path of another build's dist/cli/bin.js
import net from 'node:net';
import { spawn } from 'node:child_process';
import { WebSocketServer } from 'ws';
const size = Number(process.argv[2] ?? 262144), N = Number(process.argv[3] ?? 5), CH = Number(process.env.CH ?? 131072);
const NODELAY = process.env.NODELAY === '1';
const bin = process.env.BIN ?? new URL('../dist/cli/bin.js', import.meta.url).pathname;
const child = spawn(process.execPath, [bin, 'listen', 'ws://127.0.0.1:0', '--echo', ...(process.env.QUIET === '0' ? [] : ['--quiet']), '--ws-max-message-size', '67108864', '--ws-max-frame-size', '67108864'], { stdio: ['ignore', process.env.SLOW ? 'pipe' : 'ignore', 'pipe'] });
if (process.env.SLOW) { const o = child.stdout; o.on('data', () => { o.pause(); setTimeout(() => o.resume(), Number(process.env.SLOW)); }); }
const url = await new Promise((res) => { let b=''; child.stderr.on('data', (d) => { b+=d; const m=/listening on (\S+)/.exec(b); if (m) res(m[1]); }); });
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 64<<20 });
wss.on('connection', (s) => s.on('message', (d, bin) => s.send(d, { binary: bin })));
await new Promise(r => wss.on('listening', r));
function frame(n) {
  const hl = n < 126 ? 2 : n < 65536 ? 4 : 10; const b = Buffer.alloc(hl + 4 + n, Number(process.env.FILL ?? 3));
  b[0] = 0x82; if (hl===2) b[1]=0x80|n; else if (hl===4) { b[1]=0x80|126; b.writeUInt16BE(n,2);} else { b[1]=0x80|127; b.writeBigUInt64BE(BigInt(n),2);} 
  b.writeUInt32BE(0, hl); return b; // zero mask key
}
async function measure(port) {
  const s = net.connect(port, '127.0.0.1'); await new Promise(r => s.on('connect', r)); s.setNoDelay(NODELAY);
  s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  let buf = Buffer.alloc(0); let waiter;
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); waiter?.(); });
  const waitFor = (pred) => new Promise(r => { const chk = () => { if (pred()) { waiter = undefined; r(); } }; waiter = chk; chk(); });
  await waitFor(() => buf.indexOf('\r\n\r\n') >= 0); buf = buf.subarray(buf.indexOf('\r\n\r\n') + 4);
  const f = frame(size); const hl = size < 126 ? 2 : size < 65536 ? 4 : 10; const times = [];
  for (let i = 0; i < N; i++) {
    await new Promise(r => setTimeout(r, Number(process.env.GAP ?? 0)));
    const t0 = process.hrtime.bigint();
    for (let o = 0; o < f.length; o += CH) { s.write(f.subarray(o, o + CH)); await new Promise(r => setImmediate(r)); }
    await waitFor(() => buf.length >= hl + size); buf = buf.subarray(hl + size);
    times.push((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1));
  }
  s.destroy(); return times.join(' ');
}
console.log(`size ${size} CH ${CH} NODELAY ${NODELAY}`);
console.log('sb', await measure(Number(new URL(url).port)));
console.log('ws', await measure(wss.address().port));
child.kill(); wss.close();

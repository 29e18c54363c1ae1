#!/usr/bin/env node
// Reproduces the uWebSockets.js bug the benchmark reports (bench/README.md, "uWebSockets.js"):
// its echo server (bench/lib/uws.mjs, in a child process) gets 2,000 x 16 KiB binary messages
// sent at once, and under that backpressure sometimes writes frame headers without their
// payloads. The client then reads an invalid frame; `ws`'s client and Switchboard's fail at the
// same message, so the bytes on the wire are wrong, not a client.
//
//   node bench/uws-corruption.mjs [ws|sb] [rounds=8]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadUws, uwsEchoServer } from './lib/uws.mjs';
import { makePayload } from './lib/common.mjs';

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === 'server') {
  const { url } = await uwsEchoServer();
  process.send({ url });
} else {
  const kind = process.argv[2] ?? 'ws';
  const rounds = Number(process.argv[3] ?? 8);
  const uws = loadUws();
  if (!uws.uws) {
    console.log(`skipped: ${uws.reason}`);
    process.exit(0);
  }
  const N = 2000;
  const payload = makePayload(16 * 1024);
  let bad = 0;
  for (let r = 0; r < rounds; r++) {
    const srv = fork(self, ['server']);
    const { url } = await new Promise((resolve) => srv.once('message', resolve));
    let got = 0;
    let error;
    let send;
    let close;
    if (kind === 'ws') {
      const { WebSocket } = await import('ws');
      const w = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 28 });
      await new Promise((resolve) => w.once('open', resolve));
      w.on('message', () => got++);
      w.on('error', (e) => (error ??= e.message));
      send = (p) => w.send(p, { binary: true });
      close = () => w.terminate();
    } else {
      const sb = await import('../dist/index.js');
      const c = await sb.connect(url, {
        codec: sb.bytesCodec(),
        maxQueuedBytes: 2 ** 32,
        callbacks: { onReceive: () => got++, onFail: (e) => (error ??= `${e.code}: ${e.message}`) },
      });
      send = (p) => c.send(p);
      close = () => c.destroy();
    }
    const t0 = performance.now();
    for (let i = 0; i < N; i++) send(payload);
    while (got < N && error === undefined && performance.now() - t0 < 20_000) await new Promise((resolve) => setTimeout(resolve, 10));
    console.log(`${kind} round ${r + 1}: ${got} of ${N} echoed${error ? `, then: ${error}` : ''}`);
    if (got < N) bad++;
    close();
    srv.kill('SIGKILL');
  }
  console.log(`${uws.version}: ${bad} of ${rounds} rounds lost the stream`);
  process.exit(0);
}

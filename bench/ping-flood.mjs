#!/usr/bin/env node
// The ping flood of issue 9: a WebSocket peer that sends pings and never reads. Before automatic
// replies obeyed the send caps, the server queued every pong (1.2 M pings of 125 bytes: +156 MiB).
//
// Usage: node bench/ping-flood.mjs [--pings 1200000] [--dist path/to/dist]
//
// Starts a `switchboard` WebSocket server (from dist, default options) in a child process,
// floods it from a raw socket that never reads, and prints the server's RSS (VmRSS from
// /proc/<pid>/status) before and after, its connection's queuedBytes and how many bytes it read.
// Not part of the test suite: it takes a few seconds and a few hundred MiB on the old code.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

if (args[0] === '--server') {
  // ---- child: the server under attack
  const dist = args[1];
  const { listen } = await import(pathToFileURL(join(dist, 'index.js')).href);
  const server = await listen('ws://127.0.0.1:0', { callbacks: { onReceive() {}, onFail() {} } });
  process.on('message', (m) => {
    if (m === 'stats') {
      let queuedBytes = 0;
      let bytesIn = 0;
      for (const c of server.connections) {
        queuedBytes += c.queuedBytes;
        bytesIn += c.stats.bytesIn;
      }
      process.send({ queuedBytes, bytesIn, connections: server.connectionCount });
    } else if (m === 'exit') {
      process.exit(0);
    }
  });
  process.send({ url: server.url });
} else {
  // ---- parent: the attacker
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = resolve(arg('--dist', join(here, '..', 'dist')));
  const pings = Number(arg('--pings', '1200000'));
  const child = fork(fileURLToPath(import.meta.url), ['--server', dist], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((res) => child.once('message', res));
  const stats = async () => {
    child.send('stats');
    return next();
  };
  const rss = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return Number(m[1]) * 1024;
  };
  const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const { url } = await next();
  const u = new URL(url);
  const sock = net.connect({ host: u.hostname, port: Number(u.port) });
  await new Promise((res, rej) => {
    sock.once('connect', res);
    sock.once('error', rej);
  });
  sock.on('error', () => {});
  const key = randomBytes(16).toString('base64');
  sock.write(`GET / HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  // Read the 101 answer, then never read again.
  await new Promise((res) => {
    let head = '';
    const onData = (c) => {
      head += c.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.removeListener('data', onData);
        sock.pause();
        res();
      }
    };
    sock.on('data', onData);
  });
  for (let i = 0; i < 50; i++) {
    const s = await stats();
    if (s.connections === 1) break;
    await sleep(20);
  }
  global.gc?.();
  await sleep(300);
  const rssBefore = rss();

  // One batch of 1000 masked pings, each with a 125-byte payload (RFC 6455 5.5: the most allowed).
  const PER = 1000;
  const frame = 2 + 4 + 125;
  const batch = Buffer.alloc(PER * frame);
  for (let i = 0; i < PER; i++) {
    const at = i * frame;
    batch[at] = 0x89; // FIN + ping
    batch[at + 1] = 0x80 | 125; // masked, 125 bytes
    randomBytes(4).copy(batch, at + 2);
    for (let j = 0; j < 125; j++) batch[at + 6 + j] = (0x61 + (j % 26)) ^ batch[at + 2 + (j & 3)];
  }
  const t0 = Date.now();
  let written = 0;
  let stalled = false;
  while (written < pings) {
    const n = Math.min(PER, pings - written);
    const ok = sock.write(n === PER ? batch : batch.subarray(0, n * frame));
    written += n;
    if (!ok) {
      // The server stopped reading (backpressure reached us): give it 3 s to take more.
      const drained = await Promise.race([new Promise((r) => sock.once('drain', () => r(true))), sleep(3000).then(() => false)]);
      if (!drained) {
        stalled = true;
        break;
      }
    }
  }
  const elapsed = Date.now() - t0;
  // Wait until the server stops reading (bytesIn stable for 1 s, at most 60 s).
  let last = -1;
  let s = await stats();
  for (let i = 0; i < 300 && s.bytesIn !== last; i++) {
    last = s.bytesIn;
    await sleep(1000);
    s = await stats();
  }
  const rssAfter = rss();
  const offered = written * frame;
  const unsent = sock.writableLength;
  console.log(
    JSON.stringify(
      {
        dist,
        pingsOffered: written,
        bytesOffered: offered,
        attackerStillBuffering: unsent,
        stalledByBackpressure: stalled,
        writeMs: elapsed,
        serverBytesIn: s.bytesIn,
        serverQueuedBytes: s.queuedBytes,
        serverRssBefore: MiB(rssBefore),
        serverRssAfter: MiB(rssAfter),
        serverRssGrowth: MiB(rssAfter - rssBefore),
      },
      null,
      2,
    ),
  );
  sock.destroy();
  child.send('exit');
}

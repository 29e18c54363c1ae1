#!/usr/bin/env node
// Silent peers parking partial frames (issue 9): each of N peers sends a line just under the 8 MiB
// frame limit and never its newline. Before the server-wide memory budget, 100 such peers pinned
// 0.8 GiB for ever.
//
// Usage: node bench/partial-frames.mjs [--peers 100] [--bytes 8388607] [--wait-ms 1000] [--dist path/to/dist]
//
// Starts a `switchboard` TCP server (lines + JSON, default options) in a child process and
// prints its RSS (VmRSS from /proc/<pid>/status) before and after, how many connections are
// still open, and the errors it reported. Not part of the test suite.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

if (args[0] === '--server') {
  const dist = args[1];
  const { listen } = await import(pathToFileURL(join(dist, 'index.js')).href);
  const errors = {};
  const server = await listen('tcp://127.0.0.1:0', {
    callbacks: { onFail: (e) => void (errors[e.code] = (errors[e.code] ?? 0) + 1) },
  });
  process.on('message', (m) => {
    if (m === 'stats') {
      let open = 0;
      for (const c of server.connections) {
        open++;
      }
      let read = 0;
      for (const c of server.connections) read += c.stats.bytesIn;
      process.send({ open, read, errors });
    } else if (m === 'exit') {
      process.exit(0);
    }
  });
  process.send({ url: server.url });
} else {
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = resolve(arg('--dist', join(here, '..', 'dist')));
  const peers = Number(arg('--peers', '100'));
  const size = Number(arg('--bytes', String(8 * 1024 * 1024 - 1)));
  const child = fork(fileURLToPath(import.meta.url), ['--server', dist], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((res) => child.once('message', res));
  const stats = async () => {
    child.send('stats');
    return next();
  };
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024;
  const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  const { url } = await next();
  const u = new URL(url);
  await sleep(300);
  const rssBefore = rss();
  const line = Buffer.alloc(size, 0x61); // 'aaaa...' and never a newline
  const socks = [];
  let peak = rssBefore;
  for (let i = 0; i < peers; i++) {
    const s = net.connect({ host: u.hostname, port: Number(u.port) });
    s.on('error', () => {});
    s.on('data', () => {});
    await new Promise((r) => s.once('connect', r));
    s.write(line);
    socks.push(s);
    peak = Math.max(peak, rss());
  }
  // Wait until every peer's bytes are handed over (or its socket closed), at most 60 s.
  for (let i = 0; i < 600 && socks.some((s) => !s.destroyed && s.writableLength > 0); i++) {
    await sleep(100);
    peak = Math.max(peak, rss());
  }
  await sleep(Number(arg('--wait-ms', '1000')));
  const s = await stats();
  const rssAfter = rss();
  console.log(
    JSON.stringify(
      {
        dist,
        peers,
        bytesPerPeer: size,
        serverOpenConnections: s.open,
        serverErrors: s.errors,
        serverRssBefore: MiB(rssBefore),
        serverRssPeak: MiB(peak),
        serverRssAfter: MiB(rssAfter),
      },
      null,
      2,
    ),
  );
  for (const x of socks) x.destroy();
  child.send('exit');
}

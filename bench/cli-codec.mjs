#!/usr/bin/env node
// Server CPU per echoed message of `switchboard listen ws://... --echo --quiet`, by codec and by
// frame kind (issue 15 item 7: the default codec against --codec bytes).
//
//   [CLI_CODEC_PROF=dir] node bench/cli-codec.mjs [--size 64] [--window 100] [--messages 300000] [--rounds 3] [--dist other/dist]
//
// Each configuration runs the real CLI (dist/cli/bin.js) in a child process; one raw TCP client in
// this process does the WebSocket upgrade by hand, keeps `window` masked frames in flight (a
// reply's bytes let the next frames go, in one write per read), and counts the echoed bytes.
// The figure is the child's CPU time (utime + stime from /proc, 10 ms ticks) divided by the
// messages echoed: it does not depend on how fast this client is, so it holds on a busy machine
// better than msg/s does. Configurations alternate within each round; medians are shown.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const size = value('--size', 64);
const window = value('--window', 100);
const messages = value('--messages', 300_000);
const rounds = value('--rounds', 3);
const distIdx = args.indexOf('--dist'); // another build, for an A/B
const bin = distIdx >= 0 ? join(args[distIdx + 1], 'cli', 'bin.js') : join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'bin.js');
const TICK_MS = 10; // USER_HZ on Linux

const configs = [
  { name: 'default codec (message), binary frames', codec: [], text: false },
  { name: 'default codec (message), text frames', codec: [], text: true },
  { name: '--codec bytes, binary frames', codec: ['--codec', 'bytes'], text: false },
  { name: '--codec bytes, text frames', codec: ['--codec', 'bytes'], text: true },
  { name: '--codec text, text frames', codec: ['--codec', 'text'], text: true },
];

/** A masked client frame (RFC 6455 5.3) of `size` ASCII bytes; key 1,2,3,4. */
function frame(text) {
  const payload = Buffer.alloc(size, 'x');
  const key = [1, 2, 3, 4];
  const ext = size < 126 ? [] : size < 65536 ? [size >> 8, size & 255] : null;
  if (ext === null) throw new Error('--size must be below 64 KiB');
  const head = Buffer.from([text ? 0x81 : 0x82, 0x80 | (size < 126 ? size : 126), ...ext, ...key]);
  return Buffer.concat([head, Buffer.from(payload.map((b, i) => b ^ key[i & 3]))]);
}
const replyLength = (size < 126 ? 2 : 4) + size;

function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(v[11]) + Number(v[12])) * TICK_MS;
}

async function run(cfg) {
  const child = spawn(process.execPath, [...(process.env.CLI_CODEC_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.CLI_CODEC_PROF] : []), bin, 'listen', 'ws://127.0.0.1:0/', '--echo', '--quiet', '--no-compression', ...cfg.codec], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /listening on (\S+)/.exec(err);
        if (m) resolve(new URL(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`switchboard listen exited (${code}): ${err.trim()}`)));
    });
    const sock = net.connect({ host: url.hostname, port: Number(url.port) });
    sock.setNoDelay(true);
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let head = Buffer.alloc(0);
    await new Promise((resolve) => {
      const onData = (d) => {
        head = Buffer.concat([head, d]);
        if (head.indexOf('\r\n\r\n') < 0) return;
        sock.removeListener('data', onData);
        resolve();
      };
      sock.on('data', onData);
    });
    const one = frame(cfg.text);
    const batch = (k) => (k === 1 ? one : Buffer.concat(Array.from({ length: k }, () => one)));
    const warm = Math.min(50_000, messages);
    const total = warm + messages;
    let sent = 0;
    let bytes = 0;
    let t0 = 0;
    let c0 = 0;
    const result = await new Promise((resolve) => {
      sock.on('data', (d) => {
        const before = Math.floor(bytes / replyLength);
        bytes += d.length;
        const got = Math.floor(bytes / replyLength);
        if (before < warm && got >= warm) {
          t0 = performance.now();
          c0 = cpuMs(child.pid);
        }
        if (got >= total) {
          resolve({ ms: performance.now() - t0, cpu: cpuMs(child.pid) - c0 });
          return;
        }
        const k = Math.min(got - before, total - sent);
        if (k > 0) {
          sock.write(batch(k));
          sent += k;
        }
      });
      const k = Math.min(window, total);
      sock.write(batch(k));
      sent += k;
    });
    sock.destroy();
    return { rate: (messages / result.ms) * 1000, cpuUs: (result.cpu * 1000) / messages };
  } finally {
    child.kill();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const all = configs.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < configs.length; i++) {
    const k = (i + r) % configs.length; // rotate the order per round
    all[k].push(await run(configs[k]));
  }
}
console.log(`${bin}: switchboard listen ws:// --echo --quiet --no-compression; ${size} B messages, ${window} in flight, ${messages} measured, ${rounds} rounds; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('| configuration | server CPU per message | msg/s (this client) |\n|---|--:|--:|');
const base = median(all[2].map((x) => x.cpuUs));
configs.forEach((c, i) => {
  const cpu = median(all[i].map((x) => x.cpuUs));
  console.log(`| ${c.name} | ${cpu.toFixed(2)} µs (${(cpu / base).toFixed(2)}x of bytes/binary) | ${(median(all[i].map((x) => x.rate)) / 1000).toFixed(0)} k |`);
});

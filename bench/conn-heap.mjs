#!/usr/bin/env node
// What one idle connection costs a server, object by object: a heap snapshot before and after
// `--n` connections are opened (and again after each sent one 16-byte message and got its echo),
// diffed by constructor, divided by the number of connections.
//
//   node --expose-gc bench/conn-heap.mjs [--impl sb-lines|sb-ws|raw-net|ws] [--n 2000] [--top 25] [--no-snapshot]
//
// The server is bench/lib/hubs.mjs's (the connections scenario's), in this process; the clients
// are bench/lib/fleet.mjs's, in a child process. Use it to find what to make lazy; the
// connections scenario of bench/run.mjs is the figure to quote.
import { fork } from 'node:child_process';
import { getHeapSnapshot, getHeapSpaceStatistics } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';

const args = process.argv.slice(2);
const value = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

if (args[0] === '--client') {
  const { openMany } = await import('./lib/fleet.mjs');
  const [url, kind, n] = [args[1], args[2], Number(args[3])];
  const { conns, errors } = await openMany(url, kind, n, { concurrency: 128, count: true });
  process.send({ opened: conns.length, errors: errors.slice(0, 3) });
  process.on('message', async (m) => {
    if (m !== 'echo') return;
    const line = Buffer.from('0123456789abcde\n');
    const key = [1, 2, 3, 4];
    const frame = Buffer.from([0x82, 0x80 | 16, ...key, ...[...line].map((b, i) => b ^ key[i & 3])]);
    for (const c of conns) c.sock.write(kind === 'ws' ? frame : line);
    const deadline = Date.now() + 30_000;
    const missing = () => conns.reduce((k, c) => k + (c.counter.count < 1 ? 1 : 0), 0);
    while (missing() > 0 && Date.now() < deadline) await sleep(5);
    process.send({ echoed: conns.length - missing() });
  });
} else {
  if (typeof global.gc !== 'function') {
    console.error('run with node --expose-gc');
    process.exit(2);
  }
  const impl = value('--impl', 'sb-lines');
  const n = Number(value('--n', 2000));
  const top = Number(value('--top', 25));
  const snapshots = !args.includes('--no-snapshot');
  const detail = value('--detail', undefined);
  const { hubs } = await import('./lib/hubs.mjs');
  const hub = await hubs[impl]();

  const gc = async () => {
    for (let i = 0; i < 3; i++) {
      global.gc();
      await sleep(20);
    }
  };
  const mem = () => {
    const m = process.memoryUsage();
    m.spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size]));
    return m;
  };
  /** Self sizes and counts by "type name" from a heap snapshot. */
  const census = async () => {
    if (!snapshots) return new Map();
    let text = '';
    for await (const chunk of getHeapSnapshot()) text += chunk;
    const snap = JSON.parse(text);
    text = '';
    const f = snap.snapshot.meta.node_fields;
    const types = snap.snapshot.meta.node_types[0];
    const [iType, iName, iSize, width] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size'), f.length];
    const out = new Map();
    const nodes = snap.nodes;
    // --detail Object: plain objects are told apart by their property names.
    const ef = snap.snapshot.meta.edge_fields;
    const etypes = snap.snapshot.meta.edge_types[0];
    const [eType, eName, eWidth] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.length];
    const iEdges = f.indexOf('edge_count');
    const firstEdge = new Uint32Array(nodes.length / width + 1);
    for (let i = 0, e = 0; i < nodes.length; i += width) {
      firstEdge[i / width] = e;
      e += nodes[i + iEdges] * eWidth;
    }
    const props = (i) => {
      const names = [];
      const start = firstEdge[i / width];
      for (let k = 0; k < nodes[i + iEdges]; k++) {
        const e = start + k * eWidth;
        if (etypes[snap.edges[e + eType]] === 'property') names.push(snap.strings[snap.edges[e + eName]]);
      }
      return names.join(',').slice(0, 120);
    };
    for (let i = 0; i < nodes.length; i += width) {
      const type = types[nodes[i + iType]];
      let name = snap.strings[nodes[i + iName]];
      if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '';
      if (type === 'number') name = '';
      if (type === 'code') name = '';
      if (detail && type === 'object' && name === detail) name += ' {' + props(i) + '}';
      const key = `${type} ${name.length > 60 ? name.slice(0, 60) + '...' : name}`;
      const e = out.get(key) ?? { count: 0, size: 0 };
      e.count++;
      e.size += nodes[i + iSize];
      out.set(key, e);
    }
    return out;
  };
  const diff = (a, b, label, m0, m1) => {
    const rows = [];
    for (const [k, e] of b) {
      const o = a.get(k) ?? { count: 0, size: 0 };
      const ds = e.size - o.size;
      const dc = e.count - o.count;
      if (ds !== 0 || dc !== 0) rows.push({ k, per: ds / n, count: dc / n });
    }
    rows.sort((x, y) => y.per - x.per);
    const kib = (x) => `${(x / 1024).toFixed(2)} KiB`;
    console.log(`\n## ${impl}, ${n} connections, ${label}`);
    console.log(
      `per connection: heapUsed ${kib((m1.heapUsed - m0.heapUsed) / n)}, external ${kib((m1.external - m0.external) / n)}, arrayBuffers ${kib((m1.arrayBuffers - m0.arrayBuffers) / n)}, rss ${kib((m1.rss - m0.rss) / n)}`,
    );
    const spaces = Object.keys(m1.spaces)
      .map((k) => [k, (m1.spaces[k] - (m0.spaces[k] ?? 0)) / n])
      .filter(([, d]) => Math.abs(d) >= 16)
      .map(([k, d]) => `${k} ${kib(d)}`);
    console.log(`heap spaces (physical size): ${spaces.join(', ') || 'no change'}`);
    if (!snapshots) return;
    let total = 0;
    for (const r of rows) total += r.per;
    console.log(`snapshot self sizes: ${total.toFixed(0)} B per connection`);
    console.log('bytes/conn  objects/conn  type name');
    for (const r of rows.slice(0, top)) console.log(`${r.per.toFixed(1).padStart(10)}  ${r.count.toFixed(2).padStart(12)}  ${r.k}`);
  };

  await gc();
  const m0 = mem();
  const c0 = await census();
  await gc();
  const m0b = mem();
  const child = fork(new URL(import.meta.url), ['--client', hub.url, hub.kind, String(n)], { stdio: 'inherit' });
  const msg = () => new Promise((resolve) => child.once('message', resolve));
  const opened = await msg();
  if (opened.opened < n) throw new Error(`opened ${opened.opened} of ${n}: ${opened.errors.join(', ')}`);
  const deadline = Date.now() + 30_000;
  while (hub.count() < n && Date.now() < deadline) await sleep(10);
  await sleep(300);
  await gc();
  const m1 = mem();
  const c1 = await census();
  diff(c0, c1, 'idle', snapshots ? m0 : m0b, m1);
  child.send('echo');
  const e = await msg();
  if (e.echoed < n) console.log(`only ${e.echoed} of ${n} echoed`);
  await sleep(300);
  await gc();
  const m2 = mem();
  const c2 = await census();
  diff(c0, c2, 'after one echo each', snapshots ? m0 : m0b, m2);
  diff(c1, c2, 'after one echo minus idle', m1, m2);
  child.kill();
  process.exit(0);
}

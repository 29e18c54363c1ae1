#!/usr/bin/env node
// Summarises V8 .cpuprofile files (from BENCH_PROF=dir npm run bench -- ...): self time per
// function (file:line function) as a share of the samples, heaviest first.
//
//   node bench/profile-summary.mjs prof/*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const ti = args.indexOf('--top');
const top = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 25;
for (const file of args) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const counts = new Map();
  for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  let total = 0;
  for (const [id, c] of counts) {
    const n = byId.get(id);
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(dist|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + c);
    total += c;
  }
  const idle = (self.get('(idle)') ?? 0) / total;
  console.log(`\n${file}: ${total} samples, ${(idle * 100).toFixed(1)}% idle`);
  const busy = total - (self.get('(idle)') ?? 0);
  for (const [k, c] of [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((c / total) * 100).toFixed(1).padStart(5)}%  ${((c / busy) * 100).toFixed(1).padStart(5)}% busy  ${k}`);
  }
}

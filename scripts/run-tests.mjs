#!/usr/bin/env node
// Runs every compiled test file under build/test with Node's own test runner, then lists every
// skipped test and suite with its reason, so that a skip cannot pass unnoticed in "fail 0".
// Usage: node scripts/run-tests.mjs [substring filter...]
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'build', 'test');
const filters = process.argv.slice(2);

function walk(d) {
  const out = [];
  for (const name of readdirSync(d).sort()) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(dir).filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
if (files.length === 0) {
  console.error(`no test files under ${relative(root, dir)} match ${filters.join(' ')}`);
  process.exit(1);
}

// Node's own report as it would print it by default (spec on a terminal; tap otherwise before Node 23),
// plus our skips reporter into a scratch file.
const major = Number(process.versions.node.split('.')[0]);
const reporter = process.stdout.isTTY || major >= 23 ? 'spec' : 'tap';
const scratch = mkdtempSync(join(tmpdir(), 'sb-test-skips-'));
const skipsFile = join(scratch, 'skips.jsonl');
const r = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    '--test-timeout=120000',
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'skips-reporter.mjs')}`,
    `--test-reporter-destination=${skipsFile}`,
    ...files,
  ],
  { stdio: 'inherit', cwd: root },
);

let skips = [];
try {
  skips = readFileSync(skipsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // no file: the run ended before the reporter wrote anything
}
rmSync(scratch, { recursive: true, force: true });

const tests = skips.filter((s) => s.kind === 'test');
const suites = skips.filter((s) => s.kind === 'suite');
if (skips.length > 0) {
  console.log(`\nskipped: ${tests.length} test(s)${suites.length ? ` and ${suites.length} whole suite(s), whose tests are not in the count above` : ''}, by reason:`);
  const byReason = new Map();
  for (const s of tests) {
    const key = s.reason || '(no reason given)';
    const e = byReason.get(key) ?? { tests: 0, suites: new Set() };
    e.tests++;
    e.suites.add(s.suite ?? s.name);
    byReason.set(key, e);
  }
  for (const [reason, e] of byReason) {
    console.log(`  ${e.tests} test(s) in ${[...e.suites].map((n) => JSON.stringify(n)).join(', ')}: ${reason}`);
  }
  for (const s of suites) console.log(`  whole suite ${JSON.stringify(s.name)} (its tests did not run): ${s.reason || '(no reason given)'}`);
}
console.log(`\nsummary: ${r.status === 0 ? 'passed' : 'FAILED'}, skipped ${tests.length} test(s)${suites.length ? ` + ${suites.length} suite(s)` : ''}`);
process.exit(r.status ?? 1);

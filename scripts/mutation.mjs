#!/usr/bin/env node
// `npm run mutation`: mutation testing of src/core/ with no dependency beyond the TypeScript we
// build with. Each mutant is one small change to one compiled file under build/src/core/ (the
// JavaScript the tests import, so no recompiling per mutant): a flipped comparison, a removed
// statement... The targeted tests then run in one process; a mutant is
//
//   killed    a test failed (the run stops at the first failure)
//   timeout   the tests did not finish within the per-mutant time (an infinite loop, say): counted as killed
//   survived  every test passed: either a test is missing or the mutant is equivalent
//   invalid   the mutated file did not load (a SyntaxError): not counted
//
// and the score is (killed + timeout) / (killed + timeout + survived). The file is restored after
// each mutant, and on Ctrl-C. Survivors are listed with the TypeScript line they come from.
//
//   npm run mutation                                   # a sample of 200 mutants (seed 1): 29 min on 2 cores shared with 5 other jobs
//   npm run mutation -- --max 50 --seed 7
//   npm run mutation -- --files 'core/websocket/**' --max 0      # every mutant of those files (0: no cap)
//   npm run mutation -- --list --files 'core/websocket/utf8.js'  # the mutants, without running them
//   npm run mutation -- --tests 'build/test/core/websocket/**'   # another set of tests
//
// Options: --files GLOB (under build/src, default core/**/*.js; repeatable), --tests GLOB (default
// build/test/core/**/*.test.js), --max N (default 200; 0 = all), --seed N (default 1), --operators
// a,b (see OPERATORS), --timeout SECONDS (default: 3x the unmutated run, at least 30), --no-build
// (use build/ as it is; by default `tsc -p tsconfig.test.json` runs first), --json FILE (default
// build/mutation/report.json), --list.
//
// It does not run in CI (too slow); rerun it when an issue changes src/core/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { SourceMap, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const ts = require('typescript');

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const values = (name) => {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) out.push(argv[++i]);
    else if (argv[i].startsWith(`${name}=`)) out.push(argv[i].slice(name.length + 1));
  }
  return out;
};
const value = (name, dflt) => values(name).at(-1) ?? dflt;
const flag = (name) => argv.includes(name);
if (flag('--help') || flag('-h')) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
const fileGlobs = values('--files').length ? values('--files') : ['core/**/*.js'];
const testGlob = value('--tests', 'build/test/core/**/*.test.js');
const max = Number(value('--max', '200'));
const seed = Number(value('--seed', '1'));
const onlyOps = value('--operators')?.split(',');
const listOnly = flag('--list');
const jsonOut = join(root, value('--json', 'build/mutation/report.json'));

/** A glob (`**`, `*`, `?`) as a RegExp over a whole relative path. */
function globRe(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

// ------------------------------------------------------------------ build

if (!flag('--no-build') && !listOnly) {
  console.log('mutation: building (tsc -p tsconfig.test.json) so build/ matches the sources');
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.test.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const srcRoot = join(root, 'build', 'src');
const fileRes = fileGlobs.map(globRe);
const files = walk(srcRoot).filter((f) => f.endsWith('.js') && fileRes.some((re) => re.test(relative(srcRoot, f))));
const testRe = globRe(testGlob);
const tests = walk(root).filter((f) => !f.includes('node_modules') && testRe.test(relative(root, f)));
if (files.length === 0) throw new Error(`no compiled files under build/src match ${fileGlobs.join(', ')} (build first?)`);
if (tests.length === 0 && !listOnly) throw new Error(`no test files match ${testGlob}`);

// ------------------------------------------------------------------ mutation operators

/**
 * Each operator looks at one AST node and returns the edits it proposes: [start, end, replacement, description].
 * Positions are in the compiled file.
 */
const K = ts.SyntaxKind;
const BINARY_SWAPS = {
  [K.LessThanToken]: ['<=', 'boundary'],
  [K.LessThanEqualsToken]: ['<', 'boundary'],
  [K.GreaterThanToken]: ['>=', 'boundary'],
  [K.GreaterThanEqualsToken]: ['>', 'boundary'],
  [K.EqualsEqualsEqualsToken]: ['!==', 'equality'],
  [K.ExclamationEqualsEqualsToken]: ['===', 'equality'],
  [K.EqualsEqualsToken]: ['!=', 'equality'],
  [K.ExclamationEqualsToken]: ['==', 'equality'],
  [K.AmpersandAmpersandToken]: ['||', 'logical'],
  [K.BarBarToken]: ['&&', 'logical'],
  [K.PlusToken]: ['-', 'arithmetic'],
  [K.MinusToken]: ['+', 'arithmetic'],
  [K.AsteriskToken]: ['/', 'arithmetic'],
  [K.SlashToken]: ['*', 'arithmetic'],
  [K.PlusEqualsToken]: ['-=', 'arithmetic'],
  [K.MinusEqualsToken]: ['+=', 'arithmetic'],
  [K.AmpersandToken]: ['|', 'bitwise'],
  [K.BarToken]: ['&', 'bitwise'],
  [K.GreaterThanGreaterThanGreaterThanToken]: ['>>', 'bitwise'],
  [K.LessThanLessThanToken]: ['>>>', 'bitwise'],
};
const isStringy = (n) => ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n);

const OPERATORS = {
  boundary: true,
  equality: true,
  logical: true,
  arithmetic: true,
  bitwise: true,
  /** `!x` -> `x` */
  'remove-not': true,
  /** `i++` <-> `i--` */
  update: true,
  /** `true` <-> `false` */
  boolean: true,
  /** `if (c)` -> `if (true)` / `if (false)` */
  'if-condition': true,
  /** `continue;` / `break;` / `return;` / `return x;` -> nothing */
  'remove-jump': true,
  /** an expression statement (a call, an assignment) -> nothing */
  'remove-statement': true,
  /** an integer literal n -> n + 1 (0 -> 1, 1 -> 0) */
  number: true,
  /** `.shift()` <-> `.pop()`, `Math.min` <-> `Math.max` */
  method: true,
};

function mutationsOf(node, sf, add) {
  const text = sf.text;
  if (ts.isBinaryExpression(node)) {
    const swap = BINARY_SWAPS[node.operatorToken.kind];
    if (swap) {
      const [to, op] = swap;
      const skipString = op === 'arithmetic' && node.operatorToken.kind === K.PlusToken && (isStringy(node.left) || isStringy(node.right));
      if (!skipString) add(op, node.operatorToken.getStart(sf), node.operatorToken.end, to);
    }
  } else if (ts.isPrefixUnaryExpression(node) && node.operator === K.ExclamationToken) {
    add('remove-not', node.getStart(sf), node.operand.getStart(sf), '');
  } else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === K.PlusPlusToken || node.operator === K.MinusMinusToken)) {
    const opStart = ts.isPrefixUnaryExpression(node) ? node.getStart(sf) : node.operand.end;
    add('update', opStart, opStart + 2, node.operator === K.PlusPlusToken ? '--' : '++');
  } else if (node.kind === K.TrueKeyword || node.kind === K.FalseKeyword) {
    add('boolean', node.getStart(sf), node.end, node.kind === K.TrueKeyword ? 'false' : 'true');
  } else if (ts.isIfStatement(node)) {
    const c = node.expression;
    if (c.kind !== K.TrueKeyword) add('if-condition', c.getStart(sf), c.end, 'true');
    if (c.kind !== K.FalseKeyword) add('if-condition', c.getStart(sf), c.end, 'false');
  } else if (ts.isContinueStatement(node) || ts.isBreakStatement(node) || ts.isReturnStatement(node)) {
    // A `break` ending a switch case would fall through to the next case: kept, it is a real mutant.
    add('remove-jump', node.getStart(sf), node.end, ';');
  } else if (ts.isExpressionStatement(node)) {
    const e = node.expression;
    // `"use strict"` and the like are not behaviour.
    if (!ts.isStringLiteral(e)) add('remove-statement', node.getStart(sf), node.end, ';');
  } else if (ts.isNumericLiteral(node)) {
    const src = text.slice(node.getStart(sf), node.end);
    // Integers only (decimal or hex); not property names, not enum-like `as const` keys.
    const isKey = (ts.isPropertyAssignment(node.parent) || ts.isPropertyDeclaration(node.parent)) && node.parent.name === node;
    if (/^(?:\d+|0x[0-9a-f]+)$/i.test(src) && !isKey) {
      const n = Number(src);
      if (Number.isSafeInteger(n)) add('number', node.getStart(sf), node.end, n === 1 ? '0' : String(n + 1));
    }
  } else if (ts.isPropertyAccessExpression(node)) {
    const name = node.name.text;
    const swaps = new Map([['shift', 'pop'], ['pop', 'shift']]); // a Map: `toString` is not a swap
    if (swaps.has(name) && ts.isCallExpression(node.parent) && node.parent.expression === node) add('method', node.name.getStart(sf), node.name.end, swaps.get(name));
    if (ts.isIdentifier(node.expression) && node.expression.text === 'Math' && (name === 'min' || name === 'max')) add('method', node.name.getStart(sf), node.name.end, name === 'min' ? 'max' : 'min');
  }
}

/** Every mutant of one compiled file, with the TypeScript position it maps to. */
function mutantsOf(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  let map;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    map = undefined;
  }
  const lineStarts = sf.getLineStarts();
  const out = [];
  const add = (operator, start, end, replacement) => {
    if (onlyOps && !onlyOps.includes(operator)) return;
    const { line, character } = ts.getLineAndCharacterOfPosition(sf, start);
    let source = `${relative(root, file)}:${line + 1}`;
    const entry = map?.findEntry(line, character);
    if (entry && entry.originalSource !== undefined && entry.originalLine !== undefined) {
      const orig = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : join(dirname(file), entry.originalSource);
      source = `${relative(root, orig)}:${entry.originalLine + 1}`;
    }
    const lineText = text.slice(lineStarts[line], lineStarts[line + 1] ?? text.length).replace(/\n$/, '');
    out.push({ file, start, end, replacement, operator, original: text.slice(start, end), source, js: `${relative(root, file)}:${line + 1}`, lineText: lineText.trim() });
  };
  const visit = (node) => {
    mutationsOf(node, sf, add);
    ts.forEachChild(node, visit);
  };
  // Top-level code that builds tables runs at import: its mutants count like any other.
  ts.forEachChild(sf, visit);
  return out;
}

// ------------------------------------------------------------------ sampling

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const all = files.flatMap(mutantsOf);
const random = mulberry32(seed);
const shuffled = all.slice();
for (let i = shuffled.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
}
const chosen = max > 0 ? shuffled.slice(0, max) : shuffled;
// In file order, then position order: the report reads top to bottom.
chosen.sort((a, b) => (a.file === b.file ? a.start - b.start : a.file < b.file ? -1 : 1));

const byOp = {};
for (const m of all) byOp[m.operator] = (byOp[m.operator] ?? 0) + 1;
console.log(`mutation: ${all.length} mutants in ${files.length} files (${Object.entries(byOp).map(([k, v]) => `${k} ${v}`).join(', ')}); running ${chosen.length} (seed ${seed})`);

if (listOnly) {
  for (const m of chosen) console.log(`${m.source}  ${m.operator}  ${JSON.stringify(m.original)} -> ${JSON.stringify(m.replacement)}   [${m.js}] ${m.lineText.slice(0, 100)}`);
  process.exit(0);
}

// ------------------------------------------------------------------ running

const originals = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
let dirty;
function restore() {
  if (dirty) {
    writeFileSync(dirty, originals.get(dirty));
    dirty = undefined;
  }
}
let child;
process.on('exit', () => {
  child?.kill('SIGKILL');
  restore();
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`\nmutation: ${sig}: restoring ${dirty ? relative(root, dirty) : 'nothing'} and stopping`);
    process.exit(130);
  });
}

// One process imports every test file of a group and runs them; no process per file.
const scratch = join(root, 'build', 'mutation');
mkdirSync(scratch, { recursive: true });

/**
 * The test files in groups, cheapest and likeliest killers first; a group runs only when the ones
 * before it passed, so a survivor has run every test file:
 *   1. example tests near the mutated file: its mirror's directory and the one above
 *      (test/core/websocket/ and test/core/ for src/core/websocket/utf8.ts), and same-named files;
 *   2. the other example tests;
 *   3. the property tests (fast-check, the slow ones).
 */
function testGroups(file) {
  const rel = relative(srcRoot, file); // core/websocket/utf8.js
  const dir = dirname(rel);
  const base = rel.split('/').at(-1).replace(/\.js$/, '');
  const isProps = (t) => /propert/.test(t.split('/').at(-1));
  const near = (t) => {
    const r = relative(join(root, 'build', 'test'), t);
    return dirname(r) === dir || dirname(r) === dirname(dir) || r.split('/').at(-1).replace(/\.test\.js$/, '') === base;
  };
  const groups = [tests.filter((t) => !isProps(t) && near(t)), tests.filter((t) => !isProps(t) && !near(t)), tests.filter(isProps)];
  return groups.filter((g) => g.length > 0);
}

function entryFor(testFiles) {
  const entry = join(scratch, `entry-${process.pid}.mjs`);
  writeFileSync(entry, testFiles.map((t) => `import ${JSON.stringify(pathToFileURL(t).href)};`).join('\n') + '\n');
  return entry;
}

/** Runs the tests; resolves with { status: 'passed' | 'failed' | 'timeout' | 'invalid', ms, detail }. */
function runTests(testFiles, timeoutMs) {
  const entry = entryFor(testFiles);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--test-reporter=tap', entry], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let out = '';
    let err = '';
    let settled = false;
    const done = (status, detail) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.kill('SIGKILL');
      child = undefined;
      resolve({ status, ms: Date.now() - t0, detail });
    };
    const timer = setTimeout(() => done('timeout', `no result within ${timeoutMs} ms`), timeoutMs);
    c.stdout.on('data', (d) => {
      out += d;
      const m = /^\s*not ok \d+ - (.*)$/m.exec(out);
      if (m) done('failed', m[1]);
      if (out.length > 1 << 20) out = out.slice(-(1 << 16));
    });
    c.stderr.on('data', (d) => {
      err = (err + d).slice(-8000);
    });
    c.on('exit', (code) => {
      if (code === 0) done('passed');
      else if (/SyntaxError/.test(err)) done('invalid', err.split('\n').find((l) => l.includes('SyntaxError')));
      else done('failed', err.trim().split('\n').slice(-3).join(' | ') || `exit ${code}`);
    });
  });
}

const baseline = await runTests(tests, 20 * 60_000);
if (baseline.status !== 'passed') {
  console.error(`mutation: the tests fail without any mutant (${baseline.status}: ${baseline.detail}); fix that first`);
  process.exit(1);
}
const timeoutMs = Number(value('--timeout', '0')) * 1000 || Math.max(30_000, 3 * baseline.ms);
console.log(`mutation: ${tests.length} test files pass unmutated in ${(baseline.ms / 1000).toFixed(1)} s; per-mutant timeout ${(timeoutMs / 1000).toFixed(0)} s`);

const results = [];
const t0 = Date.now();
for (const [i, m] of chosen.entries()) {
  const original = originals.get(m.file);
  const mutated = original.slice(0, m.start) + m.replacement + original.slice(m.end);
  dirty = m.file;
  writeFileSync(m.file, mutated);
  let r;
  for (const group of testGroups(m.file)) {
    r = await runTests(group, timeoutMs);
    if (r.status !== 'passed') break;
  }
  restore();
  const status = r.status === 'failed' ? 'killed' : r.status === 'passed' ? 'survived' : r.status;
  results.push({ ...m, status, ms: r.ms, detail: r.detail });
  const mark = { killed: '.', survived: 'S', timeout: 'T', invalid: 'I' }[status];
  process.stdout.write(mark);
  if ((i + 1) % 50 === 0 || i === chosen.length - 1) process.stdout.write(` ${i + 1}/${chosen.length} (${Math.round((Date.now() - t0) / 1000)} s)\n`);
}
rmSync(join(scratch, `entry-${process.pid}.mjs`), { force: true });

// ------------------------------------------------------------------ report

const count = (s) => results.filter((r) => r.status === s).length;
const killed = count('killed');
const timeout = count('timeout');
const survived = count('survived');
const invalid = count('invalid');
const scored = killed + timeout + survived;
const score = scored ? ((killed + timeout) / scored) * 100 : NaN;
const survivors = results.filter((r) => r.status === 'survived');

console.log(`\nmutation score ${score.toFixed(1)}%: ${killed} killed, ${timeout} timed out, ${survived} survived, ${invalid} invalid; ${results.length} of ${all.length} mutants (seed ${seed}) in ${Math.round((Date.now() - t0) / 1000)} s`);
if (survivors.length) {
  console.log('\nsurvivors (TypeScript line, operator, original -> mutated, compiled line):');
  for (const s of survivors) console.log(`  ${s.source}  ${s.operator}  ${JSON.stringify(s.original)} -> ${JSON.stringify(s.replacement)}   ${s.lineText.slice(0, 110)}`);
}
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(
  jsonOut,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      seed,
      files: fileGlobs,
      tests: testGlob,
      total: all.length,
      run: results.length,
      killed,
      timeout,
      survived,
      invalid,
      score: +score.toFixed(1),
      baselineMs: baseline.ms,
      results: results.map(({ file, start, end, lineText, ...r }) => ({ ...r, line: lineText })),
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nmutation: report in ${relative(root, jsonOut)}`);

// The package as a user gets it: `npm pack` of a clean tree (no dist/, so the `prepack` build
// must make it), installed from the tarball into a scratch project, then used from ESM, from
// CommonJS (require(esm), Node >= 20.19), from strict TypeScript, and through its `switchboard`
// command.
//
// Offline and bounded: the tarball is installed with `--offline --omit=optional --ignore-scripts`.
// `--omit=optional` leaves out the native optional packages (bufferutil, unix-dgram), so this
// also shows the package works without them, and nothing is compiled. commander, the one
// dependency, is copied into the scratch project from this repository's node_modules first, so
// npm finds it satisfied and needs no registry metadata (`npm ci` caches tarballs, not the
// metadata a range like ^14 needs). Every child process has a time limit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync,
  statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/root.js';

const require = createRequire(join(repoRoot, 'package.json'));
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };

/** The environment of the child npm: none of the npm_* variables of an enclosing `npm test` (which
 *  name this repository as the prefix, the package and the script). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env = npmEnv()): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} did not run to the end: ${r.error.message}`);
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited with ${r.status} (signal ${r.signal}), expected 0\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

/** Like `run`, without blocking the event loop, so the type-check runs beside the other tests. */
function runAsync(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<SpawnSyncReturns<string>> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => (stderr += `\n${e.message}`));
    child.on('close', (status, signal) => done({ pid: child.pid ?? 0, output: [], stdout, stderr, status, signal }));
  });
}

/** What a clone of this checkout holds: tracked files plus new ones not ignored, as they are on disk. */
function cloneTree(to: string): void {
  const r = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], repoRoot, 30_000, process.env);
  const files = ok(r, 'git ls-files').split('\0').filter((f) => f !== '' && !/^(node_modules|dist|build)(\/|$)/.test(f));
  assert.ok(files.includes('package.json') && files.some((f) => f.startsWith('src/')), 'git ls-files lists the sources');
  for (const f of files) {
    const from = join(repoRoot, f);
    if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted in the work tree
    mkdirSync(dirname(join(to, f)), { recursive: true });
    copyFileSync(from, join(to, f));
  }
}

/** Every file under `dir`, relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

const ESM_APP = `
import { connect, listen } from 'switchboard';
import { ByteQueue } from 'switchboard/core';
import { applyMask } from 'switchboard/websocket';

async function echo(url, msg) {
  const server = await listen(url, { callbacks: { onReceive: (conn, m) => conn.send(m) } });
  try {
    const conn = await connect(server.url);
    try {
      const status = conn.send(msg);
      return { status, reply: await conn.receive({ timeout: 10000 }), url: server.url };
    } finally {
      await conn.close();
    }
  } finally {
    await server.close();
  }
}

const tcp = await echo('tcp://127.0.0.1:0', { text: 'over tcp' });
const ws = await echo('ws://127.0.0.1:0', 'over websocket');
console.log(JSON.stringify({ tcp, ws, core: typeof ByteQueue, websocket: typeof applyMask }));
`;

const CJS_APP = `
'use strict';
const sb = require('switchboard');
const core = require('switchboard/core');
const websocket = require('switchboard/websocket');
const { version } = require('switchboard/package.json');

(async () => {
  const server = await sb.listen('tcp://127.0.0.1:0', { callbacks: { onReceive: (conn, m) => conn.send(m) } });
  const conn = await sb.connect(server.url);
  conn.send({ text: 'from require' });
  const reply = await conn.receive({ timeout: 10000 });
  await conn.close();
  await server.close();
  console.log(JSON.stringify({
    listen: typeof sb.listen, connect: typeof sb.connect, reply,
    core: typeof core.ByteQueue, websocket: typeof websocket.applyMask, version,
  }));
})().catch((e) => { console.error(e); process.exitCode = 1; });
`;

// Strict TypeScript consumers. The @ts-expect-error lines fail the check if the types resolve to
// `any` (an unused @ts-expect-error is an error), so the declarations must really be found.
const TS_APP = `
import { connect, listen, type Connection, type SendStatus } from 'switchboard';
import { ByteQueue } from 'switchboard/core';
import { applyMask } from 'switchboard/websocket';

type Msg = { text: string };

export async function echo(): Promise<string> {
  await using server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    callbacks: { onReceive: (conn: Connection<Msg, Msg>, msg: Msg) => { conn.send(msg); } },
  });
  await using conn = await connect<Msg, Msg>(server.url);
  const status: SendStatus = conn.send({ text: 'hi' });
  // @ts-expect-error: a client of Msg cannot send a number
  conn.send(42);
  const reply = await conn.receive({ timeout: 1000 });
  // @ts-expect-error: a Msg has no \`count\`
  void reply.count;
  return \`\${status} \${reply.text} \${new ByteQueue().length} \${typeof applyMask}\`;
}
`;

const TS_CJS_APP = `
import { listen, type SendStatus } from 'switchboard';
export const status: SendStatus = 'sent';
export const start: typeof listen = listen;
// @ts-expect-error: not a SendStatus
export const wrong: SendStatus = 'maybe';
`;

function tsconfig(file: string, module: string, moduleResolution: string, skipLibCheck: boolean): string {
  return JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module, moduleResolution, skipLibCheck,
      target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], types: ['node'],
    },
    files: [file],
  });
}

describe('the npm tarball', () => {
  let tmp = '';
  let tarball = '';
  let entries: string[] = [];
  let app = '';
  let typecheck: Promise<SpawnSyncReturns<string>>;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'sb-pack-'));
    // 1. A clean tree as `git clone` gives it: no dist/, so only `prepack` can build one.
    const tree = join(tmp, 'clone');
    cloneTree(tree);
    symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(tree, 'node_modules'), 'dir');
    const out = join(tmp, 'out');
    mkdirSync(out);
    ok(run('npm', ['pack', '--pack-destination', out], tree, 240_000), 'npm pack');
    const tgz = readdirSync(out).filter((f) => f.endsWith('.tgz'));
    assert.deepEqual(tgz, [`${pkg.name}-${pkg.version}.tgz`], 'npm pack made one tarball');
    tarball = join(out, tgz[0]!);
    entries = ok(run('tar', ['tzf', tarball], out, 30_000), 'tar tzf').split('\n').filter(Boolean);

    // 2. A scratch project installs it.
    app = join(tmp, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }));
    cpSync(realpathSync(join(repoRoot, 'node_modules', 'commander')), join(app, 'node_modules', 'commander'), { recursive: true });
    ok(
      run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts', tarball], app, 120_000),
      'npm install of the tarball',
    );
    ok(run('npm', ['ls', '--all', '--offline'], app, 60_000), 'npm ls (the installed tree satisfies every declared range)');

    // 3. The type-check runs in the background while the runtime tests go on.
    mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
    symlinkSync(realpathSync(join(repoRoot, 'node_modules', '@types', 'node')), join(app, 'node_modules', '@types', 'node'), 'dir');
    writeFileSync(join(app, 'consumer.ts'), TS_APP);
    writeFileSync(join(app, 'consumer.cts'), TS_CJS_APP);
    const configs = {
      // skipLibCheck false once: our .d.ts files themselves must check under strict settings.
      'tsconfig.node16.json': tsconfig('consumer.ts', 'node16', 'node16', false),
      'tsconfig.nodenext.json': tsconfig('consumer.ts', 'nodenext', 'nodenext', true),
      'tsconfig.bundler.json': tsconfig('consumer.ts', 'esnext', 'bundler', true),
      // A CommonJS TypeScript file importing the ESM package: allowed from TypeScript 5.8 with module nodenext.
      'tsconfig.cjs.json': tsconfig('consumer.cts', 'nodenext', 'nodenext', true),
    };
    for (const [name, text] of Object.entries(configs)) writeFileSync(join(app, name), text);
    const tsc = require.resolve('typescript/bin/tsc');
    typecheck = runAsync(process.execPath, [tsc, '-b', ...Object.keys(configs)], app, 180_000);
  }, { timeout: 420_000 });

  after(async () => {
    await typecheck; // never leave tsc running
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the compiled code, the declarations, the licence and the docs, and no sources or tests', () => {
    const files = entries.map((e) => e.replace(/^package\//, ''));
    for (const f of [
      'package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/core/index.js',
      'dist/core/index.d.ts', 'dist/core/websocket/index.js', 'dist/core/websocket/index.d.ts', 'dist/cli/bin.js', 'docs/README.md',
    ]) {
      assert.ok(files.includes(f), `the tarball has ${f}; it has ${files.length} files`);
    }
    const stray = files.filter((f) => /^(test|build|bench|scripts|examples|\.ci)\//.test(f) || f.endsWith('.tsbuildinfo'));
    assert.deepEqual(stray, [], 'no tests, build output or tooling in the tarball');
  });

  it('has no source map or map reference that points at a file missing from the package', () => {
    const root = join(app, 'node_modules', pkg.name);
    const files = walk(root);
    const dead: string[] = [];
    for (const f of files) {
      if (f.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(root, f), 'utf8')) as { sources: string[]; sourceRoot?: string };
        for (const s of map.sources) {
          const target = resolve(root, dirname(f), map.sourceRoot ?? '', s);
          if (!existsSync(target)) dead.push(`${f} -> ${relative(root, target)}`);
        }
      } else if (/\.(m|c)?(js|ts)$/.test(f)) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, f), 'utf8'))?.[1];
        if (url && !url.startsWith('data:') && !existsSync(join(root, dirname(f), url))) dead.push(`${f} -> ${url}`);
      }
    }
    assert.deepEqual(dead, []);
  });

  it('installs with its version and its LICENSE', () => {
    const root = join(app, 'node_modules', pkg.name);
    const installed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license: string };
    assert.equal(installed.version, pkg.version);
    assert.equal(installed.license, 'MIT');
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} Switchboard contributors\n/);
    assert.equal(existsSync(join(app, 'node_modules', 'bufferutil')), false, 'optional modules left out');
  });

  it("has the file name the README's Install section tells users to install", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const install = /^## Install\n([\s\S]*?)\n## /m.exec(readme)?.[1] ?? '';
    assert.match(install, /^npm install switchboard$/m);
    const named = [...install.matchAll(/switchboard-[\w.-]+\.tgz/g)].map((m) => m[0]);
    assert.ok(named.length > 0, 'the Install section names the tarball');
    for (const n of named) assert.equal(n, basename(tarball));
  });

  it('imports from ESM and echoes over TCP and WebSocket on loopback without the optional native modules', () => {
    writeFileSync(join(app, 'esm.mjs'), ESM_APP);
    const r = ok(run(process.execPath, ['esm.mjs'], app, 60_000), 'the ESM app');
    const got = JSON.parse(r) as { tcp: { status: string; reply: unknown; url: string }; ws: { status: string; reply: unknown; url: string }; core: string; websocket: string };
    assert.deepEqual(got.tcp.reply, { text: 'over tcp' });
    assert.equal(got.ws.reply, 'over websocket');
    assert.match(got.tcp.url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.match(got.ws.url, /^ws:\/\/127\.0\.0\.1:\d+/);
    assert.equal(got.core, 'function');
    assert.equal(got.websocket, 'function');
  });

  it('loads through require() from CommonJS, every entry point, and echoes over TCP', () => {
    writeFileSync(join(app, 'cjs.cjs'), CJS_APP);
    const r = ok(run(process.execPath, ['cjs.cjs'], app, 60_000), 'the CommonJS app');
    assert.deepEqual(JSON.parse(r), {
      listen: 'function', connect: 'function', reply: { text: 'from require' }, core: 'function', websocket: 'function', version: pkg.version,
    });
  });

  it('type-checks strict TypeScript consumers: node16, nodenext, bundler, and a CommonJS .cts file', async () => {
    const r = await typecheck;
    ok(r, 'tsc -b of the consumer projects');
  });

  it('puts a working switchboard command in node_modules/.bin', () => {
    const bin = join(app, 'node_modules', '.bin', 'switchboard');
    const r = ok(run(bin, ['--help'], app, 60_000), 'switchboard --help');
    assert.match(r, /^Usage: switchboard /m);
  });
});

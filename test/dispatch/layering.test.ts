import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { repoRoot } from '../helpers/root.js';

// core <- transport <- endpoint <- dispatch <- cli: dispatch may import core and endpoint only,
// and nothing below it may import dispatch.

const src = join(repoRoot, 'src');

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

const topDir = (file: string): string => relative(src, file).split(sep)[0]!;

describe('dispatch layering', () => {
  it('imports only core, endpoint and itself: no transport, no cli, no node: modules, no packages', () => {
    const files = sources(join(src, 'dispatch'));
    assert.ok(files.length >= 4, `expected the dispatch sources, found ${files.length}`);
    for (const f of files) {
      for (const spec of importsOf(f)) {
        assert.ok(spec.startsWith('./') || spec.startsWith('../'), `${relative(src, f)} imports "${spec}"`);
        const to = topDir(join(f, '..', spec));
        assert.ok(['core', 'endpoint', 'dispatch'].includes(to), `${relative(src, f)} (dispatch) imports ${to}: "${spec}"`);
      }
    }
  });

  it('is not imported by core, transport or endpoint', () => {
    for (const layer of ['core', 'transport', 'endpoint']) {
      for (const f of sources(join(src, layer))) {
        for (const spec of importsOf(f)) {
          if (!spec.startsWith('.')) continue;
          assert.notEqual(topDir(join(f, '..', spec)), 'dispatch', `${relative(src, f)} (${layer}) imports dispatch: "${spec}"`);
        }
      }
    }
  });
});

/**
 * The browser entry bundles for platform=browser with no Node built-in, and `permanentClient` +
 * the JSON codec fit the size budget: 8 KiB minified + gzipped (esbuild, then node:zlib level 9).
 * The measured sizes are printed as test diagnostics.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { repoRoot } from '../helpers/root.js';

const BUDGET = 8 * 1024;
const entry = join(repoRoot, 'src', 'browser', 'index.ts');

async function bundle(contents: string): Promise<{ min: number; gzip: number; text: string }> {
  const r = await build({
    stdin: { contents, resolveDir: repoRoot, loader: 'ts', sourcefile: 'size-entry.ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const out = r.outputFiles[0]!.contents;
  return { min: out.length, gzip: gzipSync(out, { level: 9 }).length, text: r.outputFiles[0]!.text };
}

describe('browser bundle', () => {
  it(`keeps permanentClient + the JSON codec within ${BUDGET} bytes min+gzip`, async (t) => {
    const { min, gzip } = await bundle(`export { permanentClient, jsonCodec } from ${JSON.stringify(entry)};`);
    t.diagnostic(`permanentClient + jsonCodec: ${min} bytes minified, ${gzip} bytes min+gzip (budget ${BUDGET})`);
    assert.ok(gzip <= BUDGET, `permanentClient + jsonCodec is ${gzip} bytes min+gzip, expected no more than ${BUDGET}`);
  });

  it('bundles everything the entry exports for platform=browser, with no Node built-in left in', async (t) => {
    const { min, gzip, text } = await bundle(`export * from ${JSON.stringify(entry)};`);
    t.diagnostic(`switchboard/browser, everything: ${min} bytes minified, ${gzip} bytes min+gzip`);
    assert.doesNotMatch(text, /\brequire\(|["']node:|\bprocess\.|\bBuffer\./, 'the bundle refers to Node');
  });

  it('fails the build on a Node built-in (the check above can fail)', async () => {
    await assert.rejects(bundle(`import { readFileSync } from 'node:fs'; export const f = readFileSync;`), /Could not resolve "node:fs"/);
    await assert.rejects(bundle(`import * as os from 'os'; export const o = os;`), /Could not resolve "os"/);
  });

  it('is the package entry switchboard/browser, with types', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
    assert.deepEqual(pkg.exports['./browser'], {
      types: './dist/browser/index.d.ts',
      import: './dist/browser/index.js',
      require: './dist/browser/index.js',
      default: './dist/browser/index.js',
    });
    const self = (await import('switchboard/browser')) as Record<string, unknown>;
    for (const name of ['connect', 'permanentClient', 'jsonCodec', 'textCodec', 'bytesCodec', 'messageCodec', 'defineCodec', 'namedMessageCodec', 'SendStatus', 'ErrorCode', 'exponentialBackoff', 'pauseSchedule']) {
      assert.ok(name in self, `switchboard/browser exports ${name}`);
    }
  });
});

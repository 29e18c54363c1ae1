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

  it('leaves the session machine out of a bundle that does not use sessions; reports sessionClient + JSON', async (t) => {
    const plain = await bundle(`export { permanentClient, jsonCodec } from ${JSON.stringify(entry)};`);
    const sessions = await bundle(`export { sessionClient, jsonCodec } from ${JSON.stringify(entry)};`);
    const both = await bundle(`export { permanentClient, sessionClient, jsonCodec } from ${JSON.stringify(entry)};`);
    t.diagnostic(`sessionClient + jsonCodec: ${sessions.min} bytes minified, ${sessions.gzip} bytes min+gzip`);
    t.diagnostic(`permanentClient + sessionClient + jsonCodec: ${both.min} bytes minified, ${both.gzip} bytes min+gzip`);
    assert.doesNotMatch(plain.text, /HELLO_SENT/, 'permanentClient alone carries no session code');
    assert.match(sessions.text, /HELLO_SENT/, 'the session bundle has the machine (the check above can fail)');
    // The entry without its session exports gives the same bundle, so the session modules'
    // top-level code (tables, encoders) is dropped whole when unused (their /* @__PURE__ */ marks).
    const index = readFileSync(entry, 'utf8');
    const withoutSessions = index.replace(/export \{\s*sessionClient,[^}]*\} from '\.\/session-client\.js';\n/, '').replace(/export \{ SessionError, RequestError \}[^\n]*\n/, '');
    assert.notEqual(withoutSessions, index, 'the session exports were found in the entry');
    const r = await build({
      stdin: { contents: 'export { permanentClient, jsonCodec } from "no-sessions";', resolveDir: repoRoot, loader: 'ts' },
      plugins: [
        {
          name: 'no-sessions',
          setup(b) {
            b.onResolve({ filter: /^no-sessions$/ }, () => ({ path: 'no-sessions', namespace: 'no-sessions' }));
            b.onLoad({ filter: /.*/, namespace: 'no-sessions' }, () => ({ contents: withoutSessions, resolveDir: join(repoRoot, 'src', 'browser'), loader: 'ts' }));
          },
        },
      ],
      bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, logLevel: 'silent',
    });
    // Minified names may differ by a few bytes (esbuild numbers them over every module it saw); a
    // session module's top-level code left in would add hundreds.
    const without = r.outputFiles[0]!.contents.length;
    assert.ok(Math.abs(plain.min - without) <= 32, `permanentClient + jsonCodec: ${plain.min} bytes from the entry, ${without} from the entry without sessions`);
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

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, Limits } from '../src/index.js';
import { repoRoot } from './helpers/root.js';

const read = (p: string): string => readFileSync(join(repoRoot, p), 'utf8');

describe('docs', () => {
  it('lists every error code in the one table of docs/errors.md', () => {
    const doc = read('docs/errors.md');
    for (const code of Object.values(ErrorCode)) assert.match(doc, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code);
    const listed = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    for (const code of listed) assert.ok(code! in ErrorCode, `docs/errors.md lists ${code}, which the code does not have`);
  });

  it('lists every default limit in docs/limits.md', () => {
    const doc = read('docs/limits.md');
    for (const name of Object.keys(Limits)) assert.match(doc, new RegExp(`^\\| \`Limits\\.${name}\` \\|`, 'm'), name);
  });

  it('links only to docs pages that exist', () => {
    for (const page of ['README.md', 'docs/README.md']) {
      const text = read(page);
      for (const m of text.matchAll(/\]\(((?:\.\/)?[\w./-]+\.md)(#[\w-]*)?\)/g)) {
        const base = page === 'README.md' ? repoRoot : join(repoRoot, 'docs');
        assert.ok(existsSync(join(base, m[1]!)), `${page} links to missing ${m[1]}`);
      }
    }
  });

  it('has a quick start with exactly the two commands CI and users run', () => {
    const readme = read('README.md');
    const quick = /## Quick start\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    const commands = [...quick.matchAll(/^```sh\n([\s\S]*?)```/gm)].flatMap((m) => m[1]!.trim().split('\n'));
    assert.deepEqual(commands, ['npm ci && npm run demo', 'npm test']);
    assert.match(read('.ci/run'), /^npm test$/m);
  });

  it('names every transport where the project describes itself in one line', () => {
    const lines = {
      'docs/README.md': read('docs/README.md').split('\n')[2]!,
      'src/index.ts banner': read('src/index.ts').split('\n')[1]!,
    };
    for (const [where, line] of Object.entries(lines)) {
      for (const t of ['TCP', 'TLS', 'Unix', 'UDP', 'WebSocket']) assert.ok(line.includes(t), `${where} does not name ${t}: ${line}`);
    }
  });
});

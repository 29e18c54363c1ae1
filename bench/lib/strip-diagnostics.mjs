// The baseline of the diagnostics scenario: a copy of dist/ with every guarded publish line
// (`if (diag.<channel>.hasSubscribers) diag.<channel>.publish(...);`, a line each in the source,
// two in the compiled endpoint) removed, so "nobody subscribed" divides by this same build without them.
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// tsc puts the guarded statement on the line after the `if`.
// A guard read once per batch is a local `<x>Subscribed` (its declaration is removed too).
const GUARDED = /^[ \t]*if \((?:diag\.\w+\.hasSubscribers|\w+Subscribed)\)\n[ \t]*diag\.\w+\.publish\([^\n]*\);\n|^[ \t]*const \w+Subscribed = diag\.\w+\.hasSubscribers;[^\n]*\n/gm;

/** Copies `dist` to `out` without the guarded publish lines; returns how many it removed. */
export function stripDiagnostics(dist, out) {
  rmSync(out, { recursive: true, force: true });
  cpSync(dist, out, { recursive: true });
  let removed = 0;
  const endpoint = join(out, 'endpoint');
  for (const name of readdirSync(endpoint)) {
    if (!name.endsWith('.js')) continue;
    const p = join(endpoint, name);
    const text = readFileSync(p, 'utf8');
    const stripped = text.replace(GUARDED, () => {
      removed++;
      return '';
    });
    if (stripped !== text) writeFileSync(p, stripped);
  }
  return removed;
}

/**
 * The version `switchboard --version` prints: the `version` of the package this file was
 * installed with. Found by walking up from this module's own directory (dist/cli/ in the
 * package, build/src/cli/ in a checkout's test build), so it works from node_modules, a global
 * install, `npx` and a checkout alike, whatever the current directory is.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
/** How many directories up from this file the package root may be. */
const MAX_LEVELS = 6;
export function packageVersion(from = dirname(fileURLToPath(import.meta.url))) {
    let dir = from;
    for (let i = 0; i <= MAX_LEVELS; i++) {
        try {
            const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
            // Ours: named switchboard, or (renamed or scoped) still declaring the switchboard command.
            const ours = pkg.name === 'switchboard' || (typeof pkg.bin === 'object' && pkg.bin !== null && 'switchboard' in pkg.bin);
            if (ours && typeof pkg.version === 'string')
                return pkg.version;
        }
        catch {
            // No package.json here, or not ours: keep walking up.
        }
        const up = dirname(dir);
        if (up === dir)
            break;
        dir = up;
    }
    return 'unknown (package.json of switchboard not found)';
}

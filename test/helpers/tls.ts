/**
 * The committed test certificates in test/fixtures/tls (see the README there for how they were
 * made). Tests run from build/test/..., so the repository root is found by walking up from this
 * file to the directory that holds package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory containing package.json, found by walking up from `from` (a file URL or path). */
export function repoRoot(from: string = import.meta.url): string {
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (let i = 0; i < 32; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`no package.json above ${from}`);
}

export interface TestPki {
  /** PEM of the test CA, to trust. */
  ca: string;
  /** Server certificate for localhost / 127.0.0.1 / ::1, and its key. */
  serverCert: string;
  serverKey: string;
  /** Client certificate signed by the CA, and its key. */
  clientCert: string;
  clientKey: string;
}

let cached: TestPki | undefined;

/** Reads the PEM files once. */
export function testPki(): TestPki {
  if (cached) return cached;
  const dir = join(repoRoot(), 'test', 'fixtures', 'tls');
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  cached = {
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
  return cached;
}

/** The committed test certificates in test/fixtures/tls (see the README there for how they were made). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './root.js';

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
  const dir = join(repoRoot, 'test', 'fixtures', 'tls');
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

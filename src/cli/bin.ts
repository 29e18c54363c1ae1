#!/usr/bin/env node
import { main } from './main.js';

const ac = new AbortController();
let stops = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // First signal: stop cleanly. Second: leave now.
    if (++stops > 1) process.exit(130);
    ac.abort();
  });
}
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: ac.signal,
  env: process.env,
});
process.exitCode = code;
// stdin may keep the loop alive after a command finished.
process.stdin.unref?.();

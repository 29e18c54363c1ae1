#!/usr/bin/env node
import { main } from './main.js';
/** Once main() has returned, how long the process may take to end on its own, in ms. */
const EXIT_GRACE_MS = 1000;
const ac = new AbortController();
let stops = 0;
let done = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
        // After main() returned, or at the second signal: leave now. First signal: stop cleanly.
        if (done)
            process.exit(process.exitCode ?? 1);
        if (++stops > 1)
            process.exit(sig === 'SIGINT' ? 130 : 143);
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
done = true;
process.exitCode = code;
// stdin may keep the loop alive after a command finished.
process.stdin.unref?.();
process.stdin.destroy();
// The command is over: whatever still holds the event loop (a socket a failed command left,
// a pending stdin read) must not keep the process, and its status, from the caller. The timer
// is unref'd: it only fires if something else keeps the process alive.
setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();

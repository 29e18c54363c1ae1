import type { Readable } from 'node:stream';
/** Where the CLI reads and writes; `bin.ts` passes the process's, tests pass their own. */
export interface CliIo {
    stdout: {
        write(s: string): unknown;
    };
    stderr: {
        write(s: string): unknown;
    };
    stdin: Readable;
    /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
    signal: AbortSignal;
    /** Environment, for tests. */
    env?: Record<string, string | undefined>;
}
/** Exit codes: 0 ok, 1 runtime failure (network, refused, bad input), 2 usage error. */
export declare const Exit: {
    readonly ok: 0;
    readonly failure: 1;
    readonly usage: 2;
};

import { type CommonFlags } from './commands.js';
import { type CliIo } from './io.js';
export interface BenchFlags extends CommonFlags {
    connections: number;
    inFlight: number;
    size: number;
    /** Messages per second over all connections; 0: as fast as replies come. */
    rate: number;
    /** Measured time, in ms. */
    duration: number;
    /** Unmeasured time before it, in ms. */
    warmup: number;
    json?: boolean;
    /** Print the progress line even when stderr is not a terminal. */
    progress?: boolean;
    timeout?: number;
}
/** What `--json` prints. Latencies in microseconds. */
export interface BenchResult {
    url: string;
    transport: string;
    framing: string;
    codec: string;
    connections: number;
    inFlight: number;
    size: number;
    rate: number;
    durationMs: number;
    sent: number;
    received: number;
    /** Replies whose size was not the size sent (a server that is not an echo). */
    mismatched: number;
    msgsPerSec: number;
    /** Bytes on the wire per second, both directions, framing included. */
    bytesPerSec: number;
    latencyUs: {
        p50: number;
        p90: number;
        p99: number;
        p999: number;
        max: number;
        min: number;
        mean: number;
    };
}
export declare function benchCommand(url: string, flags: BenchFlags, io: CliIo): Promise<number>;

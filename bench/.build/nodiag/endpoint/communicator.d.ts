/** Anything the communicator can own: servers, connections, permanent clients, datagram endpoints. */
export interface Closeable {
    close(): Promise<unknown>;
    /** Resolves when the thing closed by itself (a connection the peer closed): it is then removed. */
    readonly closed?: Promise<unknown>;
    readonly name?: string;
}
export type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export interface CommunicatorOptions {
    /**
     * Handle SIGINT and SIGTERM while `run()` runs by closing everything (`removeAll()`), so
     * `run()` returns and the process can exit cleanly. @default true
     */
    handleSignals?: boolean;
    /** SIGHUP while `run()` runs, e.g. to reopen log files. @default ignore SIGHUP */
    onHangup?: () => void;
}
/** A timer the communicator owns; `cancel()` removes it. */
export interface CommunicatorTimer {
    cancel(): void;
}
export declare class Communicator {
    private readonly options;
    private readonly owned;
    private readonly timers;
    private wakeRun;
    private running;
    constructor(options?: CommunicatorOptions);
    /** Things owned now (timers not included). */
    get size(): number;
    /** Takes ownership of `thing`; it is removed when it closes by itself. Returns it. */
    add<T extends Closeable>(thing: T): T;
    /** Closes `thing` and stops owning it. */
    remove(thing: Closeable): Promise<void>;
    /** Closes everything (gracefully) and cancels every timer: `run()` then returns. */
    removeAll(): Promise<void>;
    /** Runs `fn` after `ms`, or every `ms` with `repeat`. The timer keeps `run()` going. */
    timer(ms: number, fn: () => void, options?: {
        repeat?: boolean;
    }): CommunicatorTimer;
    /**
     * Waits until nothing is left: no owned servers, clients or connections, and no timers.
     * SIGINT/SIGTERM close everything (unless `handleSignals: false`); SIGHUP calls `onHangup`.
     */
    run(): Promise<void>;
    private forget;
    private check;
}

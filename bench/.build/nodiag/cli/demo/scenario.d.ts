/** A demo scenario: a seed system's experience, replayed with Switchboard on loopback. */
export interface Scenario {
    /** `switchboard demo NAME` */
    readonly name: string;
    readonly title: string;
    run(out: (line: string) => void): Promise<void>;
}
/** Waits until `cond()` is true, checking every 5 ms, for at most `timeoutMs`. */
export declare function until(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;

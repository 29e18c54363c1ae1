/** When to try again after a failed attempt (or a lost connection). */
export interface Backoff {
    /** Pause before the very first attempt, in ms (eventdispatcher: a negative first duration). */
    readonly initialDelay: number;
    /**
     * Pause before attempt `attempt + 1`, after `attempt` failures in a row (1, 2, 3...), in ms.
     * `random` returns a number in [0, 1) (Math.random, or a seeded one in tests).
     */
    delay(attempt: number, random: () => number): number;
    /** For logs: `schedule(1000,5000)`, `exponential(100..30000)`. */
    readonly name: string;
}
/**
 * eventdispatcher's pause schedule: a list of durations in ms, used in order, the last one
 * repeating for ever. A negative first value is an initial delay (its absolute value) before the
 * first attempt, not a pause between attempts.
 *
 *     pauseSchedule([-2000, 1000, 5000, 30000])
 *     wait 2 s, try; fail: wait 1 s, try; fail: 5 s; fail: 30 s; fail: 30 s ...
 */
export declare function pauseSchedule(durations: readonly number[]): Backoff;
export interface ExponentialBackoffOptions {
    /** Base of the first pause, in ms. @default 100 */
    initial?: number;
    /** Cap of the pause, in ms. @default 30000 */
    max?: number;
    /** Growth per failure. @default 2 */
    factor?: number;
    /** Pause before the very first attempt, in ms. @default 0 */
    initialDelay?: number;
}
/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): pause = random in [0, min(max, initial * factor^(attempt-1))]. The random draw is
 * taken after the cap, so pauses keep varying once the cap is reached and a crowd of clients
 * that lost the same server does not come back in lockstep (socket.io's jitter collapses to the
 * cap).
 */
export declare function exponentialBackoff(options?: ExponentialBackoffOptions): Backoff;

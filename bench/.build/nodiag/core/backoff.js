/**
 * Reconnect pauses as pure functions: attempt number -> delay. No timers here; the permanent
 * client arms them.
 */
import { ConfigError, ErrorCode } from './errors.js';
/**
 * eventdispatcher's pause schedule: a list of durations in ms, used in order, the last one
 * repeating for ever. A negative first value is an initial delay (its absolute value) before the
 * first attempt, not a pause between attempts.
 *
 *     pauseSchedule([-2000, 1000, 5000, 30000])
 *     wait 2 s, try; fail: wait 1 s, try; fail: 5 s; fail: 30 s; fail: 30 s ...
 */
export function pauseSchedule(durations) {
    if (durations.length === 0)
        throw new ConfigError(ErrorCode.INVALID_OPTION, 'a pause schedule needs at least one duration');
    const first = durations[0];
    const initialDelay = first < 0 ? -first : 0;
    const pauses = first < 0 ? durations.slice(1) : durations.slice();
    if (pauses.length === 0)
        pauses.push(initialDelay);
    for (const d of pauses) {
        if (!Number.isFinite(d) || d < 0) {
            throw new ConfigError(ErrorCode.INVALID_OPTION, `pause durations must be finite and >= 0 (only the first may be negative), got ${d}`);
        }
    }
    return {
        initialDelay,
        name: `schedule(${durations.join(',')})`,
        delay: (attempt) => pauses[Math.min(Math.max(attempt, 1), pauses.length) - 1],
    };
}
/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): pause = random in [0, min(max, initial * factor^(attempt-1))]. The random draw is
 * taken after the cap, so pauses keep varying once the cap is reached and a crowd of clients
 * that lost the same server does not come back in lockstep (socket.io's jitter collapses to the
 * cap).
 */
export function exponentialBackoff(options = {}) {
    const initial = options.initial ?? 100;
    const max = options.max ?? 30_000;
    const factor = options.factor ?? 2;
    const initialDelay = options.initialDelay ?? 0;
    for (const [k, v] of Object.entries({ initial, max, factor, initialDelay })) {
        if (!Number.isFinite(v) || v < 0)
            throw new ConfigError(ErrorCode.INVALID_OPTION, `${k} must be finite and >= 0, got ${v}`);
    }
    if (factor < 1)
        throw new ConfigError(ErrorCode.INVALID_OPTION, `factor must be >= 1, got ${factor}`);
    return {
        initialDelay,
        name: `exponential(${initial}..${max})`,
        delay: (attempt, random) => {
            const ceiling = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
            return Math.floor(random() * (ceiling + 1));
        },
    };
}

/**
 * The communicator (eventdispatcher's `communicator`): one object owns a process's servers,
 * clients, timers and signal handlers. `run()` returns when nothing is left, so the seed's QUIT
 * path is `comm.removeAll()`. While waiting it only holds timers and sockets: an idle process
 * uses no CPU.
 */
import { ConfigError, ErrorCode } from '../core/index.js';
export class Communicator {
    options;
    owned = new Set();
    timers = new Set();
    wakeRun;
    running = false;
    constructor(options = {}) {
        this.options = options;
    }
    /** Things owned now (timers not included). */
    get size() {
        return this.owned.size;
    }
    /** Takes ownership of `thing`; it is removed when it closes by itself. Returns it. */
    add(thing) {
        this.owned.add(thing);
        void thing.closed?.then(() => this.forget(thing), () => this.forget(thing));
        return thing;
    }
    /** Closes `thing` and stops owning it. */
    async remove(thing) {
        if (!this.owned.has(thing))
            return;
        try {
            await thing.close();
        }
        finally {
            this.forget(thing);
        }
    }
    /** Closes everything (gracefully) and cancels every timer: `run()` then returns. */
    async removeAll() {
        for (const t of this.timers)
            clearTimeout(t);
        this.timers.clear();
        await Promise.allSettled([...this.owned].map((t) => this.remove(t)));
        this.check();
    }
    /** Runs `fn` after `ms`, or every `ms` with `repeat`. The timer keeps `run()` going. */
    timer(ms, fn, options = {}) {
        if (!(ms >= 0))
            throw new ConfigError(ErrorCode.INVALID_OPTION, `timer delay must be >= 0, got ${ms}`);
        let handle;
        const fire = () => {
            this.timers.delete(handle);
            if (options.repeat) {
                handle = setTimeout(fire, ms);
                this.timers.add(handle);
            }
            try {
                fn();
            }
            finally {
                this.check();
            }
        };
        handle = setTimeout(fire, ms);
        this.timers.add(handle);
        return {
            cancel: () => {
                clearTimeout(handle);
                this.timers.delete(handle);
                this.check();
            },
        };
    }
    /**
     * Waits until nothing is left: no owned servers, clients or connections, and no timers.
     * SIGINT/SIGTERM close everything (unless `handleSignals: false`); SIGHUP calls `onHangup`.
     */
    async run() {
        if (this.running)
            throw new ConfigError(ErrorCode.INVALID_OPTION, 'run() is already running');
        this.running = true;
        const handlers = [];
        if (this.options.handleSignals ?? true) {
            const stop = () => void this.removeAll();
            handlers.push(['SIGINT', stop], ['SIGTERM', stop]);
        }
        if (this.options.onHangup)
            handlers.push(['SIGHUP', this.options.onHangup]);
        for (const [sig, h] of handlers)
            process.on(sig, h);
        try {
            while (this.owned.size > 0 || this.timers.size > 0) {
                await new Promise((resolve) => (this.wakeRun = resolve));
            }
        }
        finally {
            this.wakeRun = undefined;
            for (const [sig, h] of handlers)
                process.removeListener(sig, h);
            this.running = false;
        }
    }
    forget(thing) {
        if (this.owned.delete(thing))
            this.check();
    }
    check() {
        if (this.owned.size === 0 && this.timers.size === 0)
            this.wakeRun?.();
    }
}

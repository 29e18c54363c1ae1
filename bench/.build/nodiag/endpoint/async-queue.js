/**
 * A FIFO that producers push into synchronously and consumers await. Bounded by the caller
 * (it reports its length; the producer decides what to do when it is too long). `end()` lets
 * consumers drain what is queued and then finish, or throw the given error.
 */
export class AsyncQueue {
    items = [];
    head = 0;
    waiters = [];
    ended = false;
    error = undefined;
    get length() {
        return this.items.length - this.head;
    }
    get isEnded() {
        return this.ended;
    }
    push(item) {
        if (this.ended)
            return;
        const w = this.waiters.shift();
        if (w) {
            w.resolve({ value: item, done: false });
            return;
        }
        this.items.push(item);
    }
    /** No more items will come; consumers get what is queued, then `done` (or `error`, thrown). */
    end(error) {
        if (this.ended)
            return;
        this.ended = true;
        this.error = error;
        if (this.length > 0)
            return;
        for (const w of this.waiters.splice(0)) {
            if (error !== undefined)
                w.reject(error);
            else
                w.resolve({ value: undefined, done: true });
        }
    }
    /** The next item without waiting, or undefined when the queue is empty. */
    tryShift() {
        if (this.head === this.items.length)
            return undefined;
        const item = this.items[this.head];
        this.items[this.head++] = undefined;
        if (this.head === this.items.length) {
            this.items.length = 0;
            this.head = 0;
        }
        else if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items = this.items.slice(this.head);
            this.head = 0;
        }
        return item;
    }
    /**
     * The next item, waiting for one if needed. With `timeoutMs`, a wait longer than that rejects
     * with `onTimeout()` and leaves the queue as it was (no item is lost to a timed-out waiter).
     */
    next(timeoutMs, onTimeout) {
        if (this.length > 0)
            return Promise.resolve({ value: this.tryShift(), done: false });
        if (this.ended) {
            return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
            if (timeoutMs === undefined) {
                this.waiters.push({ resolve, reject });
                return;
            }
            const timer = setTimeout(() => {
                const i = this.waiters.indexOf(w);
                if (i >= 0)
                    this.waiters.splice(i, 1);
                reject(onTimeout ? onTimeout() : new Error(`no item within ${timeoutMs} ms`));
            }, timeoutMs);
            const w = {
                resolve: (r) => {
                    clearTimeout(timer);
                    resolve(r);
                },
                reject: (e) => {
                    clearTimeout(timer);
                    reject(e);
                },
            };
            this.waiters.push(w);
        });
    }
    /** Drops every queued item (and returns how many). */
    clear() {
        const n = this.length;
        this.items = [];
        this.head = 0;
        return n;
    }
}

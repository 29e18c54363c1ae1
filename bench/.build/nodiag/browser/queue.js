/**
 * A FIFO that the socket pushes into and consumers await (a smaller copy of the endpoint's
 * AsyncQueue, which the browser entry may not import). Bounded by its owner, which checks
 * `length` after each push.
 */
export class Queue {
    items = [];
    waiters = [];
    ended;
    get length() {
        return this.items.length;
    }
    push(item) {
        if (this.ended)
            return;
        const w = this.waiters.shift();
        if (w)
            w[0]({ value: item, done: false });
        else
            this.items.push(item);
    }
    /** No more items: waiters get what is queued, then `done` (or `error`, thrown). */
    end(error) {
        if (this.ended)
            return;
        this.ended = { error };
        for (const [resolve, reject] of this.waiters.splice(0)) {
            if (error !== undefined)
                reject(error);
            else
                resolve({ value: undefined, done: true });
        }
    }
    shift() {
        return this.items.shift();
    }
    /** The next item; with `ms`, rejects with `onTimeout()` after that long and leaves the queue as it was. */
    next(ms, onTimeout) {
        if (this.items.length > 0)
            return Promise.resolve({ value: this.items.shift(), done: false });
        const end = this.ended;
        if (end)
            return end.error !== undefined ? Promise.reject(end.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
            let timer;
            const w = [
                (r) => (clearTimeout(timer), resolve(r)),
                (e) => (clearTimeout(timer), reject(e)),
            ];
            if (ms !== undefined) {
                timer = setTimeout(() => {
                    this.waiters = this.waiters.filter((x) => x !== w);
                    reject(onTimeout?.());
                }, ms);
            }
            this.waiters.push(w);
        });
    }
}

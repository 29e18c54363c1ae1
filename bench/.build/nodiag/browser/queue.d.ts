/**
 * A FIFO that the socket pushes into and consumers await (a smaller copy of the endpoint's
 * AsyncQueue, which the browser entry may not import). Bounded by its owner, which checks
 * `length` after each push.
 */
export declare class Queue<T> {
    private items;
    private waiters;
    private ended;
    get length(): number;
    push(item: T): void;
    /** No more items: waiters get what is queued, then `done` (or `error`, thrown). */
    end(error?: unknown): void;
    shift(): T | undefined;
    /** The next item; with `ms`, rejects with `onTimeout()` after that long and leaves the queue as it was. */
    next(ms?: number, onTimeout?: () => unknown): Promise<IteratorResult<T>>;
}

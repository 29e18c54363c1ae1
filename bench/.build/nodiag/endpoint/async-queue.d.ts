/**
 * A FIFO that producers push into synchronously and consumers await. Bounded by the caller
 * (it reports its length; the producer decides what to do when it is too long). `end()` lets
 * consumers drain what is queued and then finish, or throw the given error.
 */
export declare class AsyncQueue<T> {
    private items;
    private head;
    private waiters;
    private ended;
    private error;
    get length(): number;
    get isEnded(): boolean;
    push(item: T): void;
    /** No more items will come; consumers get what is queued, then `done` (or `error`, thrown). */
    end(error?: unknown): void;
    /** The next item without waiting, or undefined when the queue is empty. */
    tryShift(): T | undefined;
    /**
     * The next item, waiting for one if needed. With `timeoutMs`, a wait longer than that rejects
     * with `onTimeout()` and leaves the queue as it was (no item is lost to a timed-out waiter).
     */
    next(timeoutMs?: number, onTimeout?: () => unknown): Promise<IteratorResult<T>>;
    /** Drops every queued item (and returns how many). */
    clear(): number;
}

/**
 * What `send()` did with a message, returned at once (never `void`):
 *
 * - `sent`: accepted and leaves in this tick's write; nothing is waiting ahead of it.
 * - `queued`: accepted, but waits behind earlier bytes the socket has not taken yet.
 * - `backpressured`: accepted, and the queued bytes are now over the high-water mark:
 *   slow down until the connection drains (`await conn.drained()` or `sendWait`).
 * - `dropped`: not accepted: the queued bytes are over the hard cap (`maxQueuedBytes`).
 * - `closed`: not accepted: the connection is closing or closed.
 * - `timeout`: only from `sendWait`: no room came within the timeout; not accepted.
 */
export declare const SendStatus: {
    readonly Sent: "sent";
    readonly Queued: "queued";
    readonly Backpressured: "backpressured";
    readonly Dropped: "dropped";
    readonly Closed: "closed";
    readonly Timeout: "timeout";
};
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];
/** True when the message was accepted and will be written. */
export declare function isAccepted(status: SendStatus): boolean;

import type { SessionSnapshot } from './machine.js';
export interface SessionStore {
    get(id: string): SessionSnapshot | undefined | Promise<SessionSnapshot | undefined>;
    /**
     * Keeps `snapshot` (replacing one with the same id). Returns the ids it dropped to stay within
     * its bounds (possibly this one, when it alone is too large): those sessions are gone, and a
     * client resuming one gets a new session (resumed: false).
     */
    put(snapshot: SessionSnapshot, now: number): string[] | Promise<string[]>;
    delete(id: string): void | Promise<void>;
    /** Drops every session whose `detachedAt + retention` is at or before `now`; returns their ids. */
    sweep(now: number): string[] | Promise<string[]>;
}
export interface MemorySessionStoreOptions {
    /** Payload bytes kept across all sessions. @default Limits.sessionStoreMaxBytes (64 MiB) */
    maxBytes?: number;
}
/** The size a store counts for a snapshot (payload bytes, strings by UTF-16 length, plus fixed overheads). */
export declare function snapshotBytes(s: SessionSnapshot): number;
/**
 * The in-memory {@link SessionStore}: a Map, bounded in total bytes. When a put would pass
 * `maxBytes`, the sessions closest to expiry are dropped first (they are the least likely to be
 * resumed), and a snapshot larger than `maxBytes` by itself is not kept.
 */
export declare class MemorySessionStore implements SessionStore {
    readonly maxBytes: number;
    private readonly sessions;
    private total;
    constructor(options?: MemorySessionStoreOptions);
    /** Sessions held. */
    get size(): number;
    /** Bytes counted for the sessions held. */
    get bytes(): number;
    get(id: string): SessionSnapshot | undefined;
    put(snapshot: SessionSnapshot, _now: number): string[];
    delete(id: string): void;
    sweep(now: number): string[];
    /** The earliest expiry among the sessions held (when to call `sweep`), or `Infinity`. */
    nextExpiry(): number;
}

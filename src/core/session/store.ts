/**
 * Where a server keeps detached sessions until a client resumes them or they expire.
 *
 * Small on purpose (get, put, delete, sweep) so another backend fits behind it: the cluster's
 * NATS KV store keeps the same plain {@link SessionSnapshot} so a client can resume on another
 * node. No timers here: the driver calls `sweep(now)` (for example at `nextExpiry()`).
 *
 *     connection lost ── machine.lost(now); store.put(machine.snapshot(), now)
 *     HELLO with an id ── store.get(id) → classifyHello → SessionMachine.restore → accept;
 *                         store.delete(id) once the session is live again
 *     timer ──────────── store.sweep(now) → ids that expired
 */
import { ConfigError, ErrorCode } from '../errors.js';
import { Limits } from '../limits.js';
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

/**
 * Bytes counted for a session besides its payloads: what a detached session costs the server's
 * heap (its handle, machine, maps and timers), measured at about 4.8 KB on Node 20. Counting less
 * would let a client that opens and drops sessions fill far more memory than `maxBytes` says.
 */
const SESSION_OVERHEAD = 5120;
/** Bytes counted for each retained envelope besides its payload (measured: about 130 B of heap). */
const RECORD_OVERHEAD = 128;

/** The size a store counts for a snapshot (payload bytes, strings by UTF-16 length, plus fixed overheads). */
export function snapshotBytes(s: SessionSnapshot): number {
  let n = SESSION_OVERHEAD + 8 * (s.pending.length + s.inbound.length);
  for (const r of s.retained) n += RECORD_OVERHEAD + (r.payload === undefined ? 0 : r.payload.length);
  return n;
}

/**
 * The in-memory {@link SessionStore}: a Map, bounded in total bytes. When a put would pass
 * `maxBytes`, the sessions closest to expiry are dropped first (they are the least likely to be
 * resumed), and a snapshot larger than `maxBytes` by itself is not kept.
 */
export class MemorySessionStore implements SessionStore {
  readonly maxBytes: number;
  private readonly sessions = new Map<string, { snapshot: SessionSnapshot; bytes: number }>();
  private total = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? Limits.sessionStoreMaxBytes;
    if (!(this.maxBytes > 0)) throw new ConfigError(ErrorCode.INVALID_OPTION, `maxBytes must be above 0, got ${this.maxBytes}`);
  }

  /** Sessions held. */
  get size(): number {
    return this.sessions.size;
  }
  /** Bytes counted for the sessions held. */
  get bytes(): number {
    return this.total;
  }

  get(id: string): SessionSnapshot | undefined {
    return this.sessions.get(id)?.snapshot;
  }

  put(snapshot: SessionSnapshot, _now: number): string[] {
    this.delete(snapshot.id);
    const bytes = snapshotBytes(snapshot);
    if (bytes > this.maxBytes) return [snapshot.id];
    const dropped: string[] = [];
    while (this.total + bytes > this.maxBytes) {
      let victim: string | undefined;
      let soonest = Infinity;
      for (const [id, e] of this.sessions) {
        const at = e.snapshot.detachedAt + e.snapshot.retention;
        if (victim === undefined || at < soonest) {
          victim = id;
          soonest = at;
        }
      }
      this.delete(victim!);
      dropped.push(victim!);
    }
    this.sessions.set(snapshot.id, { snapshot, bytes });
    this.total += bytes;
    return dropped;
  }

  delete(id: string): void {
    const e = this.sessions.get(id);
    if (e === undefined) return;
    this.sessions.delete(id);
    this.total -= e.bytes;
  }

  sweep(now: number): string[] {
    const gone: string[] = [];
    for (const [id, e] of this.sessions) {
      if (e.snapshot.detachedAt + e.snapshot.retention <= now) gone.push(id);
    }
    for (const id of gone) this.delete(id);
    return gone;
  }

  /** The earliest expiry among the sessions held (when to call `sweep`), or `Infinity`. */
  nextExpiry(): number {
    let t = Infinity;
    for (const e of this.sessions.values()) {
      const at = e.snapshot.detachedAt + e.snapshot.retention;
      if (at < t) t = at;
    }
    return t;
  }
}

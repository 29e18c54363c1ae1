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
import type { RetainedRecord, SessionMeta, SessionSnapshot } from './machine.js';

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

/**
 * One write of a durable session's log (`session: { store, durable: true }`): the envelopes
 * written to the client since the previous write, and the session's state at the time. A write
 * too large for one entry is split into `parts` entries of the same `flush`; a flush counts only
 * when all its parts are there (the server lets nothing out before they all landed).
 */
export interface SessionLogEntry {
  /** The flush this entry belongs to (increasing per session). */
  flush: number;
  /** How many entries this flush has. */
  parts: number;
  /** The session's state when the flush started; `delivered`: the lease of inbound seqs the application may see. */
  meta: SessionMeta & { delivered: number };
  /** Envelopes in seq order (the first flush of a node holds every unacknowledged one). */
  records: RetainedRecord[];
}

/**
 * A store that also keeps sessions' logs (the cluster's NATS store does), for durable
 * sessions: entries under a session id, numbered by the writer, read back by another node when
 * the writer died without handing the session over. Small, like {@link SessionStore}.
 */
export interface SessionLog {
  /** Largest entry, in payload bytes, the log takes: the writer splits a flush to stay below it. */
  readonly maxEntryBytes: number;
  /** Keeps `entry` as number `n` of session `id`. */
  append(id: string, n: number, entry: SessionLogEntry): Promise<void>;
  /** Removes entries `ns` of session `id` (trimmed: acknowledged or superseded). */
  remove(id: string, ns: readonly number[]): Promise<void>;
  /** Every entry of session `id` with its number (none: empty). Malformed entries are left out. */
  read(id: string): Promise<Array<{ n: number; entry: SessionLogEntry }>>;
}

/** Whether `store` also keeps session logs. */
export function isSessionLog(store: unknown): store is SessionLog {
  const s = store as Partial<SessionLog> | undefined;
  return typeof s === 'object' && s !== null && typeof s.append === 'function' && typeof s.remove === 'function' && typeof s.read === 'function';
}

/**
 * Rebuilds a session from its log: the state of the last complete flush and its unacknowledged
 * envelopes, with `lastWritten` and `nextSeq` at the last logged envelope (nothing later ever
 * left the dead node) and `delivered` the inbound lease. A string says why it cannot be
 * rebuilt (no complete flush, a gap in the envelopes: the caller treats the session as lost).
 */
export function snapshotFromLog(entries: ReadonlyArray<{ n: number; entry: SessionLogEntry }>): SessionSnapshot | string {
  const byFlush = new Map<number, SessionLogEntry[]>();
  for (const { entry } of entries) {
    const list = byFlush.get(entry.flush);
    if (list === undefined) byFlush.set(entry.flush, [entry]);
    else list.push(entry);
  }
  let last: SessionLogEntry | undefined;
  for (const [, list] of byFlush) {
    if (list.length !== list[0]!.parts) continue;
    if (last === undefined || list[0]!.flush > last.flush) last = list[0]!;
  }
  if (last === undefined) return 'no complete write in the log';
  const records = new Map<number, RetainedRecord>();
  // Records of every entry up to the last complete flush: an earlier flush may be partly
  // trimmed (its acknowledged parts removed) or partly landed (then a later one holds them too).
  for (const { entry: e } of entries) {
    if (e.flush > last.flush) continue;
    for (const r of e.records) if (r.seq > last.meta.acked) records.set(r.seq, r);
  }
  const retained: RetainedRecord[] = [];
  let top = last.meta.acked;
  for (let seq = last.meta.acked + 1; records.has(seq); seq++) {
    retained.push(records.get(seq)!);
    top = seq;
  }
  if (retained.length !== records.size) return `a gap in the log after seq ${top}`;
  if (top < last.meta.lastWritten) return `the log ends at seq ${top}, its state says ${last.meta.lastWritten} were written`;
  const { delivered, ...meta } = last.meta;
  return { ...meta, nextSeq: top + 1, lastWritten: top, retained, delivered: Math.max(delivered, meta.received) };
}

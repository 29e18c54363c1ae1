/**
 * Durable sessions (`session: { store, durable: true }`): a session's log in the shared store, so
 * that when this node is killed its connected clients resume on another node with nothing lost.
 *
 *     machine writes an envelope ── held in the outbox (nothing reaches the wire yet)
 *                                   └─ a flush is scheduled (one in flight; what accumulates
 *                                      meanwhile rides on the next one)
 *     flush ── append(id, n, { meta, records since the last flush, lease }) ── landed:
 *              the outbox frames it covers go out, in order; entries the client acknowledged
 *              (or superseded) are removed
 *     inbound frame with seq above the lease ── waits for a flush that raises it
 *
 * What the wire carries is always in the log first: envelopes, and the acknowledgements (an ACK
 * never says more than the `received` of a landed flush). Inbound: the application is handed
 * only seqs up to a lease the log holds, so another node restoring the session flags the
 * client's resends up to it as possibly redelivered. A failed or timed-out write is reported
 * (`SESSION_STORE_FAILED` / `SESSION_STORE_TIMEOUT`) and tried again; meanwhile the frames wait
 * (the session's caps bound what the application can add), and past
 * `Limits.sessionLogMaxFrames` the connection closes.
 */
import {
  ErrorCode,
  Limits,
  SessionError,
  type EnvelopeWriter,
  type RetainedRecord,
  type SessionLog,
  type SessionLogEntry,
  type SwitchboardError,
} from '../core/index.js';
import type { RawConnection, SessionHandle } from './session.js';

interface Held {
  write: EnvelopeWriter;
  conn: RawConnection;
  header: string;
  payload: Uint8Array | string | undefined;
  /** The flush that must land before this frame goes out. */
  needs: number;
}

export interface DurableHost {
  log: SessionLog;
  /** A store operation bounded by the store timeout, failures typed. */
  bounded<T>(p: Promise<T>, what: string, id: string): Promise<T>;
  report(error: SwitchboardError): void;
  counters: { logWrites: number; logFailures: number; logRemoved: number };
}

/** The smallest lease a write gives (a quiet session). */
const LEASE_MIN = 64;

const payloadBytes = (r: RetainedRecord): number => 64 + (r.payload === undefined ? 0 : typeof r.payload === 'string' ? r.payload.length * 3 : r.payload.length);

/** One session's log, as this node writes it. */
export class DurableSession {
  /** Next entry number. */
  private nextN: number;
  /** Next flush number. */
  private nextFlush: number;
  /** The last flush that landed. */
  private landed: number;
  /** Entries in the store: number, highest record seq (0: none), flush. */
  private live: Array<{ n: number; top: number; flush: number }>;
  /** Highest envelope seq in a landed flush. */
  private logged = 0;
  /** Whether the next flush must hold every unacknowledged envelope (the first one this node writes). */
  private full = true;
  /** Inbound seqs the application may be handed (landed). */
  lease = 0;
  /** How far the last landed write put the lease past what was received. */
  private window = LEASE_MIN;
  /** What was received when the last landed write started. */
  private receivedAtFlush = 0;
  private inFlight = false;
  private scheduled = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failing = false;
  private readonly outbox: Held[] = [];
  private outHead = 0;
  private waiters: Array<{ needs: number; resolve: () => void }> = [];
  private leaseWaiters: Array<{ seq: number; resolve: () => void }> = [];
  private ended = false;
  /** Ended (not stopped): the entries are removed, also those of a flush still in flight. */
  private removing = false;
  /** A full write asked for by `refresh()`. */
  private refreshing = false;
  /** The acknowledgement the last trim went by. */
  private trimmedAt = 0;

  constructor(
    readonly handle: SessionHandle<unknown, unknown>,
    private readonly host: DurableHost,
    existing: ReadonlyArray<{ n: number; entry: SessionLogEntry }> = [],
  ) {
    let n = -1;
    let f = -1;
    for (const e of existing) {
      if (e.n > n) n = e.n;
      if (e.entry.flush > f) f = e.entry.flush;
    }
    this.nextN = n + 1;
    this.nextFlush = f + 1;
    this.landed = f;
    // A restored session's entries are superseded by this node's first (full) flush.
    this.live = existing.map((e) => ({ n: e.n, top: Infinity, flush: e.entry.flush }));
    this.lease = handle.machine.receivedUpTo;
    this.receivedAtFlush = this.lease;
  }

  get id(): string {
    return this.handle.machine.sessionId;
  }

  /** The writer for `conn`: what the machine writes is held until the log has it. */
  writer(conn: RawConnection, raw: EnvelopeWriter): EnvelopeWriter {
    return (header, payload) => {
      if (this.ended) return raw(header, payload);
      const pending = this.outbox.length - this.outHead;
      if (pending >= Limits.sessionLogMaxFrames) {
        conn.abort(new SessionError(ErrorCode.SESSION_STORE_FAILED,
          `${conn.name}: ${pending} frames wait for the session log (is the store reachable?); the client resumes once it is`));
        return;
      }
      this.outbox.push({ write: raw, conn, header, payload, needs: this.nextFlush });
      this.schedule();
    };
  }

  /** Resolves once every envelope written so far is in the log (at once when nothing waits). */
  loggedAll(): Promise<void> {
    if (this.ended || (this.handle.machine.written <= this.logged && this.outHead === this.outbox.length)) return Promise.resolve();
    const needs = this.nextFlush;
    this.schedule();
    return new Promise((resolve) => this.waiters.push({ needs, resolve }));
  }

  /**
   * An inbound frame with `seq`: undefined when the application may have it now, else a promise
   * to wait for (a flush raising the lease). Asks for a flush ahead of time at half the lease.
   */
  admit(seq: number): Promise<void> | undefined {
    if (seq <= this.lease) {
      if (seq > this.lease - (this.window >> 1)) this.schedule();
      return undefined;
    }
    this.schedule();
    return new Promise((resolve) => this.leaseWaiters.push({ seq, resolve }));
  }

  /** Writes the whole log again (every unacknowledged envelope and the state), superseding the older entries. */
  refresh(): void {
    if (this.ended) return;
    this.full = true;
    this.refreshing = true;
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled || this.inFlight || this.ended || this.retryTimer !== undefined) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private wanted(): boolean {
    const m = this.handle.machine;
    return this.refreshing || this.outHead < this.outbox.length || m.written > this.logged || this.waiters.length > 0 || this.leaseWaiters.length > 0
      || m.receivedUpTo + (this.window >> 1) > this.lease
      || this.staleAck(); // acknowledged entries to remove
  }

  /**
   * The client acknowledged more than the log says, and the log holds envelopes in between: a
   * write records the acknowledgement and removes the entries it covers. (Also with one entry:
   * the last flush of a stream may hold every envelope still unacknowledged when it was written.)
   */
  private staleAck(): boolean {
    const acked = this.handle.machine.ackedUpTo;
    if (acked <= this.trimmedAt) return false;
    for (const e of this.live) if (e.top > this.trimmedAt) return true;
    return false;
  }

  /** After an inbound frame: a flush when there is something to trim (an ACK arrived). */
  poke(): void {
    if (!this.scheduled && !this.inFlight && this.staleAck()) this.schedule();
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.ended || !this.wanted()) return;
    const m = this.handle.machine;
    if (m.sessionId === '') return;
    this.inFlight = true;
    const id = m.sessionId;
    const flush = this.nextFlush++;
    const top = m.written;
    // The lease: twice what arrived during the previous write, between LEASE_MIN and the limit,
    // so a quiet session flags few of its client's resends on another node, a busy one never waits.
    const received = m.receivedUpTo;
    const window = Math.min(Limits.sessionLogLease, Math.max(LEASE_MIN, 2 * (received - this.receivedAtFlush)));
    const lease = received + window;
    const meta = { ...m.meta(), delivered: lease };
    const records = m.records(this.full ? 1 : this.logged + 1, top);
    // Split to stay under the log's entry size.
    const chunks: RetainedRecord[][] = [[]];
    let bytes = 0;
    for (const r of records) {
      const b = payloadBytes(r);
      if (bytes + b > this.host.log.maxEntryBytes && chunks[chunks.length - 1]!.length > 0) {
        chunks.push([]);
        bytes = 0;
      }
      chunks[chunks.length - 1]!.push(r);
      bytes += b;
    }
    const entries = chunks.map((c) => ({ n: this.nextN++, top: c.length === 0 ? 0 : c[c.length - 1]!.seq, flush }));
    try {
      await this.host.bounded(Promise.all(chunks.map((c, i) =>
        this.host.log.append(id, entries[i]!.n, { flush, parts: chunks.length, meta, records: c }))), 'append', id);
    } catch (err) {
      // Parts may have landed: they are removed with the next trim (an incomplete flush counts for nothing).
      this.live.push(...entries.map((e) => ({ ...e, top: Infinity })));
      this.inFlight = false;
      this.host.counters.logFailures++;
      if (!this.failing) this.host.report(err as SwitchboardError);
      this.failing = true;
      if (!this.ended) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          void this.flush();
        }, Limits.sessionLogRetry);
        this.retryTimer.unref?.();
      }
      return;
    }
    this.failing = false;
    this.host.counters.logWrites++;
    if (this.ended) {
      this.inFlight = false;
      if (this.removing) void this.removeAll(entries);
      return;
    }
    const wasFull = this.full;
    this.full = false;
    this.refreshing = false;
    if (top > this.logged) this.logged = top;
    this.landed = flush;
    if (lease > this.lease) this.lease = lease;
    this.window = window;
    this.receivedAtFlush = received;
    // Trim: entries of earlier flushes that the client acknowledged, hold nothing, or were superseded.
    const acked = meta.acked;
    this.trimmedAt = acked;
    const keep: typeof this.live = [];
    const drop: number[] = [];
    for (const e of this.live) {
      if (wasFull || e.top <= acked || e.top === Infinity) drop.push(e.n);
      else keep.push(e);
    }
    for (const e of entries) {
      if (e.top === 0 && e.n !== entries[entries.length - 1]!.n) drop.push(e.n);
      else keep.push(e);
    }
    this.live = keep;
    this.inFlight = false;
    if (drop.length > 0) void this.remove(id, drop);
    this.release();
    if (this.wanted()) this.schedule();
  }

  /** Frames whose flush landed go out, in order; waiters whose flush landed resolve. */
  private release(): void {
    const q = this.outbox;
    while (this.outHead < q.length && q[this.outHead]!.needs <= this.landed) {
      const h = q[this.outHead]!;
      q[this.outHead++] = undefined as unknown as Held;
      if (h.conn.state === 'open') h.write(h.header, h.payload);
    }
    if (this.outHead === q.length) {
      q.length = 0;
      this.outHead = 0;
    } else if (this.outHead > 1024 && this.outHead * 2 > q.length) {
      q.splice(0, this.outHead);
      this.outHead = 0;
    }
    if (this.waiters.length > 0) {
      const still = this.waiters.filter((w) => w.needs > this.landed);
      for (const w of this.waiters) if (w.needs <= this.landed) w.resolve();
      this.waiters = still;
    }
    if (this.leaseWaiters.length > 0) {
      const ready = this.leaseWaiters.filter((w) => w.seq <= this.lease);
      this.leaseWaiters = this.leaseWaiters.filter((w) => w.seq > this.lease);
      for (const w of ready) w.resolve();
    }
  }

  /** The connection is gone: what it held will be sent again by the resume. */
  detached(conn: RawConnection): void {
    for (let i = this.outHead; i < this.outbox.length; i++) if (this.outbox[i]!.conn === conn) this.outbox[i]!.write = noop;
    const w = this.leaseWaiters;
    this.leaseWaiters = [];
    for (const x of w) x.resolve(); // its frames are dropped by the handle (not its connection any more)
  }

  /** The session ended here: its log goes. */
  end(): Promise<void> {
    this.removing = true;
    this.stop();
    // Frames still held go out as they are (END among them): nothing is durable any more.
    this.landed = Infinity;
    this.release();
    if (this.inFlight) return Promise.resolve(); // the flush removes its own entries when it lands
    return this.removeAll([]);
  }

  /** Stop writing (the server hands the session over by a snapshot, or closes): nothing is removed. */
  stop(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const w of this.waiters) w.resolve();
    for (const w of this.leaseWaiters) w.resolve();
    this.waiters = [];
    this.leaseWaiters = [];
  }

  private removeAll(extra: ReadonlyArray<{ n: number }>): Promise<void> {
    const ns = [...this.live.map((e) => e.n), ...extra.map((e) => e.n)];
    this.live = [];
    return this.remove(this.id, ns);
  }

  private async remove(id: string, ns: number[]): Promise<void> {
    if (ns.length === 0) return;
    try {
      await this.host.bounded(this.host.log.remove(id, ns), 'remove', id);
      this.host.counters.logRemoved += ns.length;
    } catch {
      // Left to the bucket's TTL; an entry of an older flush never outranks a newer one.
      this.host.counters.logFailures++;
    }
  }
}

const noop: EnvelopeWriter = () => {};

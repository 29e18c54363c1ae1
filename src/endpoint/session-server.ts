/**
 * `listen(url, { session })`: a server whose connections carry sessions.
 *
 *     raw connection ── first frame (HELLO) ── acceptSession ──┬─ refused: typed error, that connection closes
 *                                                             └─ accepted: bound to the session's handle
 *     later frames ── handle.receive ── machine           (a takeover closes the old connection)
 *     connection lost ── machine.lost; snapshot counted in the store; the handle stays (sends are retained)
 *     retention over ── the machine's timer ends the session (SESSION_EXPIRED)
 *
 * Detached sessions keep their live machine (so the application can send to a session whose
 * client is momentarily away); a {@link MemorySessionStore} counts their bytes, and when a detach
 * takes it over `maxStoredBytes`, the sessions closest to expiry end. Sends to a detached session
 * are bounded by the session's own caps and recounted once per tick.
 *
 * With an external store (`session.store`, e.g. the cluster's NATS KV), sessions also resume on
 * another node:
 *
 *     detach / retained while detached ── put(snapshot)   (per session in order; coalesced: at most
 *                                                          one waiting put, its snapshot taken when it runs)
 *     HELLO naming a detached session here ── delete(id), awaited, then the local resume
 *     HELLO naming a session not here ── get(id) ── secret? stale? ── delete(id) (claim) ── restore + resume
 *                                        (a failure or timeout: typed error, a new session, resumed: false)
 *     resume here, end ── delete(id)
 *     close() without endSessions ── every session detached, put (awaited), then the connections close
 *
 * Store operations are bounded by `storeTimeout`; a connection's frames after its HELLO wait
 * (at most `Limits.sessionStoreBacklog`) while the store answers.
 */
import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  ErrorCode,
  Limits,
  MemorySessionStore,
  SessionError,
  acceptSession,
  classifyHello,
  decodeEnvelope,
  emptyEnvelope,
  isSessionLog,
  isSwitchboardError,
  peekSeq,
  snapshotFromLog,
  type EnvelopeWriter,
  type SessionLog,
  type SessionLogEntry,
  type Address,
  type SessionMachine,
  type SessionSnapshot,
  type SessionStore,
  type SwitchboardError,
} from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import { resolveProtocol } from './client.js';
import type { CloseInfo } from './connection.js';
import type { Meter, MetricsSnapshot } from './metrics.js';
import { Server, type ListenOptions, type ServerCloseOptions } from './server.js';
import {
  SessionHandle,
  checkSessionConfig,
  machineOptions,
  rawProtocol,
  writerFor,
  type RawConnection,
  type RawFrame,
  type ServerSessionConfig,
  type SessionOwner,
} from './session.js';
import { isWebSocketUrl, type HttpServer } from '../transport/websocket.js';
import { DurableSession, type DurableHost } from './session-log.js';

export interface SessionServerCloseOptions extends ServerCloseOptions {
  /** End every session (END to connected clients, whose sessions then end with SESSION_ENDED). @default false: clients resume elsewhere or get `resumed: false` */
  endSessions?: boolean;
}

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const scratch = emptyEnvelope();

/** A server of sessions. `sessions` lists them, connected or not; `server` is the raw server under it. */
export class SessionServer<In, Out> implements AsyncDisposable, SessionOwner {
  /** The raw server (connections carry envelopes: observe them, do not send on them). */
  readonly server: Server<RawFrame, RawFrame>;
  private readonly live = new Map<string, SessionHandle<In, Out>>();
  /** Raw connections: the session each is bound to, `null` while its HELLO is awaited. */
  private readonly bindings = new Map<RawConnection, SessionHandle<In, Out> | null>();
  private readonly store: MemorySessionStore;
  private readonly dirty = new Set<SessionHandle<In, Out>>();
  private recountScheduled = false;
  private closing = false;
  private endingAll = false;
  /** Detached sessions are being handed to the external store (close without endSessions): ending them locally must not delete them there. */
  private handingOver = false;
  /** `session.store`: where detached sessions are kept for other nodes. */
  private readonly shared: SessionStore | undefined;
  private readonly storeTimeout: number;
  /** Connections whose HELLO waits for the store: the frames that came after it. */
  private readonly waiting = new Map<RawConnection, RawFrame[]>();
  /** Per session id, the store operations in order (a put never overtakes a delete). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Session ids with a put waiting in their chain (a later change rides on it). */
  private readonly putQueued = new Set<string>();
  /** Session ids whose HELLO is waiting for the store: no put for them until it is done. */
  private readonly resuming = new Set<string>();
  /** Sessions whose snapshot this node put last, with that snapshot's `detachedAt`: the store's copy is ours while it matches. */
  private readonly lastPut = new Map<string, number>();
  /** `session.durable`: the store's log, and each session's writer of it. */
  private readonly log: SessionLog | undefined;
  private readonly logs = new Map<SessionHandle<In, Out>, DurableSession>();
  /** Log entries read for a HELLO, for the session restored from them (its writer continues the numbering). */
  private readonly readEntries = new Map<string, Array<{ n: number; entry: SessionLogEntry }>>();
  private durableHost: DurableHost | undefined;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;
  /** Sessions refused or ended by the store's bound, accepted, resumed, taken over. */
  readonly counters = { accepted: 0, resumed: 0, refused: 0, tookOver: 0, evicted: 0, expired: 0 };
  /**
   * The external store's work: snapshots put, deleted, looked up (`gets`), sessions restored from
   * it, stale snapshots refused (the client had received more than the snapshot ever sent),
   * sessions ended here because another node resumed them (`moved`), operations that failed or
   * timed out.
   */
  readonly storeCounters = { puts: 0, deletes: 0, gets: 0, restored: 0, stale: 0, moved: 0, failures: 0, logWrites: 0, logFailures: 0, logRemoved: 0, logReads: 0, fromLog: 0 };

  /** @internal use `listen(url, { session })` */
  constructor(
    server: Server<RawFrame, RawFrame> | undefined,
    private readonly options: ListenOptions<In, Out>,
    private readonly cfg: ServerSessionConfig<In, Out>,
    private readonly codec: ListenOptions<In, Out>['codec'] & object,
  ) {
    this.server = server!;
    this.store = new MemorySessionStore(cfg.maxStoredBytes !== undefined ? { maxBytes: cfg.maxStoredBytes } : {});
    this.shared = cfg.store;
    this.storeTimeout = cfg.storeTimeout ?? Limits.sessionStoreTimeout;
    this.log = cfg.durable === true && isSessionLog(cfg.store) ? cfg.store : undefined;
    if (this.log !== undefined) {
      this.durableHost = {
        log: this.log,
        bounded: (p, what, id) => this.bounded(p, what, id),
        report: (e) => {
          this.storeCounters.failures++;
          this.report(e, undefined);
        },
        counters: this.storeCounters,
      };
    }
  }

  /** @internal */
  setServer(server: Server<RawFrame, RawFrame>): void {
    (this as { server: Server<RawFrame, RawFrame> }).server = server;
  }

  get url(): string {
    return this.server.url;
  }
  get address(): Address {
    return this.server.address;
  }
  get name(): string {
    return this.server.name;
  }
  /** Open raw connections. */
  get connectionCount(): number {
    return this.server.connectionCount;
  }
  /** Every session, connected or detached, by id. */
  get sessions(): ReadonlyMap<string, SessionHandle<In, Out>> {
    return this.live;
  }
  /**
   * The raw server's metrics (docs/observability.md), with `sessions.resumed` and `sessions.gaps`
   * and this server's requests by outcome. Messages and bytes are counted on the wire: envelopes,
   * so acknowledgements and the handshake count too.
   */
  metrics(): MetricsSnapshot {
    return this.server.metrics();
  }
  /** @internal the raw server's counters: the sessions' requests count on them */
  get meter(): Meter {
    return this.server.meter;
  }
  /** Bytes counted for detached sessions (bounded by `maxStoredBytes`). */
  get storedBytes(): number {
    return this.store.bytes;
  }

  /** @internal the raw callbacks: the user's (observers of connections) and ours. */
  callbacks(user: Callbacks<In, Out> | undefined): Callbacks<RawFrame, RawFrame> {
    const u = user as Callbacks<RawFrame, RawFrame> | undefined;
    return {
      ...(u?.onInitialize && { onInitialize: (e) => u.onInitialize!.call(u, e) }),
      ...(u?.onReject && { onReject: (r, e) => u.onReject!.call(u, r, e) }),
      ...(u?.onDrain && { onDrain: (c) => u.onDrain!.call(u, c) }),
      onFail: (e, c) => u?.onFail?.call(u, e, c),
      onConnect: (c) => {
        this.bindings.set(c, null);
        u?.onConnect?.call(u, c);
      },
      onReceive: (c, frame) => this.onFrame(c, frame),
      onDisconnect: (c, info) => {
        this.onLost(c, info);
        u?.onDisconnect?.call(u, c, info);
      },
    };
  }

  private onFrame(conn: RawConnection, frame: RawFrame): PromiseLike<unknown> | undefined {
    const h = this.bindings.get(conn);
    if (h === undefined) return undefined; // not ours any more
    if (h !== null) {
      const d = this.log !== undefined ? this.logs.get(h) : undefined;
      if (d !== undefined) {
        // Durable: the application is handed only what the log's lease covers.
        const seq = peekSeq(frame);
        const wait = seq > 0 ? d.admit(seq) : undefined;
        if (wait !== undefined) return wait.then(() => h.receive(conn, frame));
        const r = h.receive(conn, frame);
        d.poke();
        return r;
      }
      return h.receive(conn, frame); // a promise: onMessage is still taking a message
    }
    if (this.shared !== undefined && this.awaitStore(conn, frame)) return undefined;
    this.accept(conn, frame);
    return undefined;
  }

  /**
   * With an external store: whether this frame waits for it (a HELLO naming a session we must
   * look up or claim, or a frame after such a HELLO). Frames are kept, bounded, until it answers.
   */
  private awaitStore(conn: RawConnection, frame: RawFrame): boolean {
    const backlog = this.waiting.get(conn);
    if (backlog !== undefined) {
      if (backlog.length >= Limits.sessionStoreBacklog) {
        this.waiting.delete(conn);
        this.bindings.delete(conn);
        conn.abort(new SessionError(ErrorCode.SESSION_PROTOCOL_ERROR,
          `${conn.name}: more than ${Limits.sessionStoreBacklog} frames before WELCOME, while the HELLO waits for the session store`));
        return true;
      }
      backlog.push(typeof frame === 'string' ? frame : frame.slice());
      return true;
    }
    let id: string;
    let secret: string;
    let received: number;
    try {
      const e = decodeEnvelope(frame, scratch);
      if (e.kind !== 'H' || e.sessionId === '') return false;
      ({ sessionId: id, secret, received } = e);
    } catch {
      return false; // acceptSession refuses it with the right code
    }
    const h = this.live.get(id);
    if (h !== undefined && (h.state !== 'detached' || !h.machine.ownsSecret(secret))) return false; // a takeover or a forgery: nothing in the store to touch
    this.waiting.set(conn, []);
    this.resuming.add(id);
    void this.resumeFromStore(conn, frame, id, secret, received, h !== undefined).finally(() => this.resuming.delete(id));
    return true;
  }

  /** The asynchronous part of a HELLO with an external store; then the HELLO is accepted as usual. */
  private async resumeFromStore(conn: RawConnection, frame: RawFrame, id: string, secret: string, received: number, local: boolean): Promise<void> {
    let snap: SessionSnapshot | undefined;
    let fetched = false;
    if (local) {
      // Resuming here: the store's copy must go before the session moves on, or a node that dies
      // later would leave a stale snapshot behind. If the copy there is no longer the one we put,
      // another node resumed the session meanwhile: ours is stale, and theirs is the one to resume.
      let moved: { current: SessionSnapshot | undefined } | undefined;
      try {
        await this.enqueue(id, async () => {
          const last = this.lastPut.get(id);
          if (last === undefined) return; // nothing of ours in the store
          this.storeCounters.gets++;
          const current = (await this.bounded(this.shared!.get(id), 'get', id)) ?? undefined;
          if (current?.detachedAt !== last) {
            moved = { current };
            return;
          }
          await this.bounded(this.shared!.delete(id), 'delete', id);
          this.storeCounters.deletes++;
          this.lastPut.delete(id);
        });
      } catch (err) {
        this.storeFailed(err, id); // the live session wins
      }
      if (moved !== undefined) {
        const lh = this.live.get(id);
        if (lh !== undefined) this.movedAway(lh);
        snap = moved.current;
        fetched = true;
        local = false;
      }
    } else {
      try {
        this.storeCounters.gets++;
        if (this.log === undefined) snap = (await this.bounded(this.shared!.get(id), 'get', id)) ?? undefined;
        else {
          // Durable: the snapshot a drain or a detach put, or the log of a node that died attached.
          this.storeCounters.logReads++;
          const [put, entries] = await Promise.all([
            this.bounded(this.shared!.get(id), 'get', id),
            this.bounded(this.log.read(id), 'read', id),
          ]);
          snap = put ?? undefined;
          if (entries.length > 0) {
            const fromLog = snapshotFromLog(entries);
            if (typeof fromLog === 'string') {
              if (snap === undefined) {
                this.report(new SessionError(ErrorCode.SESSION_STORE_FAILED, `session ${id}: its log cannot be replayed (${fromLog}); a new session replaces it`), undefined, conn);
              }
            } else if (snap === undefined || fromLog.lastWritten > snap.lastWritten || fromLog.received > snap.received) {
              fromLog.detachedAt = Date.now();
              snap = fromLog;
              this.storeCounters.fromLog++;
            }
            this.readEntries.set(id, entries);
          }
        }
      } catch (err) {
        this.storeFailed(err, id); // a new session: the client learns resumed: false
      }
      fetched = true;
    }
    if (fetched && snap !== undefined && this.waiting.has(conn) && !this.live.has(id)) {
      const verdict = classifyHello({ sessionId: id, secret } as Parameters<typeof classifyHello>[0],
        { secret: snap.secret, expiresAt: snap.detachedAt + snap.retention }, Date.now());
      if (verdict === 'resume' && received > snap.lastWritten) {
        // Stale: the node that put it wrote more afterwards (it died before its next put).
        // Resuming would lose or misnumber messages: a new session, with `lost` said.
        this.storeCounters.stale++;
        this.report(new SessionError(ErrorCode.SESSION_UNKNOWN,
          `session ${id}: the stored snapshot is stale (the client received up to ${received}, the snapshot wrote up to ${snap.lastWritten}); a new session replaces it`), undefined, conn);
        snap = undefined;
        void this.storeDelete(id).catch((err: unknown) => this.storeFailed(err, id));
      } else if (verdict === 'resume') {
        // Claim it: once deleted no other node can resume it too.
        try {
          await this.storeDelete(id);
        } catch (err) {
          this.storeFailed(err, id);
          snap = undefined;
        }
        if (snap !== undefined && !this.waiting.has(conn)) {
          // The connection closed while we claimed it: put it back for the client's next try.
          const back = snap;
          void this.enqueue(id, async () => {
            await this.bounded(this.shared!.put(back, Date.now()), 'put', id);
            this.storeCounters.puts++;
          }).catch((err: unknown) => this.storeFailed(err, id));
          return;
        }
      }
      // forbidden or expired: acceptSession refuses or opens a new session; the snapshot is not touched
    }
    const rest = this.waiting.get(conn);
    if (rest === undefined) {
      // Closed meanwhile. A session resuming here stays detached: its store copy goes back.
      const lh = local ? this.live.get(id) : undefined;
      this.resuming.delete(id);
      this.readEntries.delete(id);
      if (lh !== undefined && lh.state === 'detached' && !this.closing) void this.share(lh);
      return;
    }
    this.waiting.delete(conn);
    if (this.closing) {
      this.bindings.delete(conn);
      void conn.close();
      return;
    }
    this.accept(conn, frame, snap);
    if (snap !== undefined && this.live.get(id)?.machine.sessionId === id) this.storeCounters.restored++;
    for (const f of rest) {
      if (this.bindings.get(conn) === undefined) break;
      this.onFrame(conn, f);
    }
  }

  /** Another node resumed this session (the store's copy is no longer ours): this node's copy ends. */
  private movedAway(h: SessionHandle<In, Out>): void {
    this.lastPut.delete(h.id);
    this.storeCounters.moved++;
    h.terminate(new SessionError(ErrorCode.SESSION_UNKNOWN, `${h}: resumed on another node; this node's copy of the session ends`));
  }

  private accept(conn: RawConnection, frame: RawFrame, fromStore?: SessionSnapshot): void {
    // Which session the HELLO names decides who hears `open` (deferred until the attach is done).
    let named: SessionHandle<In, Out> | undefined;
    let helloId = '';
    try {
      const e = decodeEnvelope(frame, scratch);
      if (e.kind === 'H') helloId = e.sessionId;
      if (e.kind === 'H' && e.sessionId !== '') named = this.live.get(e.sessionId);
    } catch {
      // acceptSession refuses it with the right code
    }
    if (named !== undefined) named.attaching = true;
    let created: SessionHandle<In, Out> | undefined;
    const now = Date.now();
    const raw = writerFor(conn);
    // Durable: what accept writes (WELCOME, resends) is held until the session's log has it.
    let target: EnvelopeWriter | undefined;
    const early: Array<[string, Uint8Array | string | undefined]> = [];
    const writer: EnvelopeWriter = this.log === undefined ? raw : (header, payload) => {
      if (target !== undefined) target(header, payload);
      else early.push([header, payload]);
    };
    const entries = this.readEntries.get(helloId);
    this.readEntries.delete(helloId);
    const out = acceptSession(frame, writer, now, {
      lookup: (id) => this.live.get(id)?.machine ?? (fromStore?.id === id ? fromStore : this.store.get(id)),
      host: () => {
        created = new SessionHandle<In, Out>('server', this.codec, this.cfg, this, undefined);
        created.attaching = true; // `open` is told once the handle has its machine and connection
        return created.machineHost;
      },
      options: { ...machineOptions(this.cfg as ServerSessionConfig<unknown, unknown>), random },
    });
    if (named !== undefined) named.attaching = false;
    if (out.type === 'refused') {
      for (const [header, payload] of early) raw(header, payload);
      this.counters.refused++;
      this.bindings.delete(conn);
      conn.abort(out.error); // reported to callbacks.onFail by the connection
      return;
    }
    const m: SessionMachine = out.machine;
    let h = created;
    if (h !== undefined) {
      h.machine = m;
      this.live.set(m.sessionId, h);
      if (named !== undefined && named.machine !== m) {
        // The HELLO named a session that had ended or expired: a new one replaces it.
        named.attaching = false;
      }
    } else {
      h = this.live.get(m.sessionId)!;
    }
    this.store.delete(m.sessionId);
    this.dirty.delete(h);
    if (this.log !== undefined) {
      let d = this.logs.get(h);
      if (d === undefined) {
        d = new DurableSession(h as SessionHandle<unknown, unknown>, this.durableHost!, fromStore?.id === m.sessionId ? (entries ?? []) : []);
        this.logs.set(h, d);
        d.schedule(); // the session's identity goes to the log at once: another node knows it
        if (this.refreshTimer === undefined) {
          this.refreshTimer = setInterval(() => {
            for (const [lh, ld] of this.logs) if (lh.state === 'open') ld.refresh();
          }, this.cfg.logRefresh ?? Limits.sessionLogRefresh);
          this.refreshTimer.unref?.();
        }
      }
      target = d.writer(conn, raw);
      // A new session's WELCOME goes out at once (there is nothing to lose yet, and a store
      // outage must not hang a handshake); a resumed one's waits for the log with what follows.
      for (const [header, payload] of early) (out.resumed ? target : raw)(header, payload);
    }
    if (out.resumed) this.counters.resumed++;
    else this.counters.accepted++;
    const old = out.tookOver ? (h.connection as RawConnection | undefined) : undefined;
    this.bindings.set(conn, h);
    h.attached(conn);
    if (created !== undefined && out.resumed && fromStore !== undefined) {
      // Restored from another node: the requests its handlers had taken are answered nowhere now.
      for (const id of fromStore.inbound) {
        m.fail(id, ErrorCode.SESSION_UNKNOWN, 'the node that took this request went away before answering it');
      }
    }
    if (old !== undefined && old !== conn) {
      this.counters.tookOver++;
      this.bindings.delete(old);
      void old.close();
    }
  }

  private onLost(conn: RawConnection, info: CloseInfo): void {
    const h = this.bindings.get(conn);
    this.bindings.delete(conn);
    this.waiting.delete(conn);
    if (h === undefined || h === null) return;
    this.logs.get(h)?.detached(conn);
    if (!h.lost(conn, info)) return;
    if (this.closing) return;
    this.keep(h);
  }

  /** Counts a detached session in the store; ends the sessions the store's bound pushes out. */
  private keep(h: SessionHandle<In, Out>): void {
    const m = h.machine;
    if (h.state !== 'detached') return;
    if (this.shared !== undefined) this.share(h);
    const dropped = this.store.put(m.snapshot(), Date.now());
    for (const id of dropped) {
      const victim = this.live.get(id);
      this.store.delete(id);
      if (victim === undefined) continue;
      this.counters.evicted++;
      victim.terminate(new SessionError(ErrorCode.SESSION_UNKNOWN,
        `${victim}: dropped to keep disconnected sessions within ${this.store.maxBytes} bytes`));
    }
  }

  // ------------------------------------------------------------------ external store

  /** Puts the session's snapshot in the external store, after what its chain already holds; coalesced. */
  private share(h: SessionHandle<In, Out>): Promise<void> {
    const id = h.id;
    if (this.putQueued.has(id)) return this.chains.get(id) ?? Promise.resolve();
    this.putQueued.add(id);
    return this.enqueue(id, async () => {
      this.putQueued.delete(id);
      // Taken now, not when asked: the sends since ride on this put.
      const current = (): boolean => this.live.get(id) === h && h.state === 'detached' && !this.resuming.has(id);
      if (!current()) return;
      const last = this.lastPut.get(id);
      if (last !== undefined) {
        // Put before: is the store's copy still ours, or did another node resume the session?
        this.storeCounters.gets++;
        const there = await this.bounded(this.shared!.get(id), 'get', id);
        if (there?.detachedAt !== last) {
          if (current()) this.movedAway(h);
          return;
        }
        if (!current()) return;
      }
      const snap = h.machine.snapshot();
      const dropped = await this.bounded(this.shared!.put(snap, Date.now()), 'put', id);
      this.storeCounters.puts++;
      if (!(Array.isArray(dropped) && dropped.includes(id))) {
        this.lastPut.set(id, snap.detachedAt);
        return;
      }
      this.lastPut.delete(id);
      this.report(new SessionError(ErrorCode.SESSION_STORE_FAILED,
        `session ${id}: the session store did not keep its snapshot (over its size bound); it can resume on this node only`), undefined);
    }).catch((err: unknown) => this.storeFailed(err, id));
  }

  /** Deletes the session's entry, whoever put it (a claim). */
  private storeDelete(id: string): Promise<void> {
    this.putQueued.delete(id);
    return this.enqueue(id, async () => {
      await this.bounded(this.shared!.delete(id), 'delete', id);
      this.storeCounters.deletes++;
      this.lastPut.delete(id);
    });
  }

  /** The session ended here: deletes its entry if it is still the one this node put (not another node's since). */
  private release(id: string): Promise<void> {
    this.putQueued.delete(id);
    return this.enqueue(id, async () => {
      const last = this.lastPut.get(id);
      if (last === undefined) return;
      this.lastPut.delete(id);
      this.storeCounters.gets++;
      const there = await this.bounded(this.shared!.get(id), 'get', id);
      if (there === undefined || there.detachedAt !== last) return;
      await this.bounded(this.shared!.delete(id), 'delete', id);
      this.storeCounters.deletes++;
    });
  }

  /** Runs `op` after the session's earlier store operations (whatever their outcome). */
  private enqueue(id: string, op: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(op);
    const tail = next.catch(() => {});
    this.chains.set(id, tail);
    void tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return next;
  }

  /** A store operation, bounded by `storeTimeout`; its failure as a typed error. */
  private bounded<T>(result: T | Promise<T>, what: string, id: string): Promise<T> {
    if (!(result instanceof Promise)) return Promise.resolve(result);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SessionError(ErrorCode.SESSION_STORE_TIMEOUT,
        `session store: ${what}(${id}) did not answer within ${this.storeTimeout} ms`)), this.storeTimeout);
      timer.unref?.();
      result.then((v) => {
        clearTimeout(timer);
        resolve(v);
      }, (err: unknown) => {
        clearTimeout(timer);
        reject(isSwitchboardError(err) && (err.code === ErrorCode.SESSION_STORE_TIMEOUT || err.code === ErrorCode.SESSION_STORE_FAILED)
          ? err
          : new SessionError(ErrorCode.SESSION_STORE_FAILED, `session store: ${what}(${id}) failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      });
    });
  }

  private storeFailed(err: unknown, id: string): void {
    this.storeCounters.failures++;
    const e = isSwitchboardError(err) ? err : new SessionError(ErrorCode.SESSION_STORE_FAILED, `session store: ${id}: ${String(err)}`, { cause: err });
    this.report(e, undefined);
  }

  /** @internal SessionOwner: resolves once what the session wrote is in its log (durable sessions). */
  logged(handle: SessionHandle<unknown, unknown>): Promise<void> {
    return this.logs.get(handle as SessionHandle<In, Out>)?.loggedAll() ?? Promise.resolve();
  }

  /** @internal a send to a detached session: recount it once this tick. */
  touched(handle: SessionHandle<unknown, unknown>): void {
    const h = handle as SessionHandle<In, Out>;
    if (h.state !== 'detached') return;
    this.dirty.add(h);
    if (this.recountScheduled) return;
    this.recountScheduled = true;
    queueMicrotask(() => {
      this.recountScheduled = false;
      const list = [...this.dirty];
      this.dirty.clear();
      for (const d of list) this.keep(d);
    });
  }

  /** @internal SessionOwner */
  ended(handle: SessionHandle<unknown, unknown>): void {
    const h = handle as SessionHandle<In, Out>;
    const id = h.id;
    if (this.live.get(id) === h) this.live.delete(id);
    this.store.delete(id);
    this.dirty.delete(h);
    const d = this.logs.get(h);
    if (d !== undefined) {
      this.logs.delete(h);
      if (this.closing && !this.endingAll) d.stop(); // handed over: the log stays for the next node
      else void d.end();
    }
    if (this.shared !== undefined && !this.handingOver && id !== '') void this.release(id).catch((err: unknown) => this.storeFailed(err, id));
    if (h.error?.code === ErrorCode.SESSION_EXPIRED) this.counters.expired++;
    const c = h.connection as RawConnection | undefined;
    if (c !== undefined) {
      this.bindings.delete(c);
      void c.close();
    }
  }

  /** @internal SessionOwner */
  report(error: SwitchboardError, _h: SessionHandle<unknown, unknown> | undefined, conn?: RawConnection): void {
    try {
      (this.options.callbacks?.onFail as ((e: SwitchboardError, c: unknown) => void) | undefined)?.(error, conn);
    } catch {
      // nowhere left to report
    }
  }

  /**
   * Stops accepting and closes every connection. Sessions are not ended by default (their
   * clients reconnect and learn `resumed: false` from the next server); `endSessions: true`
   * sends END first. Pending requests of this side reject with `CONNECTION_CLOSED`.
   */
  async close(options: SessionServerCloseOptions = {}): Promise<void> {
    this.endingAll = options.endSessions === true;
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    if (options.endSessions) for (const h of [...this.live.values()]) h.machine.end('SERVER_CLOSED');
    this.closing = true;
    if (this.shared !== undefined && !options.endSessions) await this.handOver();
    await this.server.close(options);
    this.handingOver = this.shared !== undefined && !options.endSessions;
    for (const h of [...this.live.values()]) {
      h.terminate(new SessionError(ErrorCode.SESSION_ENDED, `${h}: the server closed`));
    }
    this.live.clear();
    // Deletes of sessions that ended (bounded each by storeTimeout).
    await Promise.all([...this.chains.values()]);
  }

  /**
   * Draining to other nodes: every session is detached here (its connection stays open but
   * silent until the server closes it, so the client cannot reconnect elsewhere before the
   * snapshot is there), then every snapshot is put, awaited.
   */
  private async handOver(): Promise<void> {
    const detached: CloseInfo = { initiator: 'local', error: undefined, clean: true };
    for (const [conn, h] of [...this.bindings]) {
      this.bindings.delete(conn);
      this.waiting.delete(conn);
      if (h !== null) h.lost(conn, detached);
    }
    for (const d of this.logs.values()) d.stop();
    const puts: Array<Promise<void>> = [];
    for (const h of this.live.values()) if (h.state === 'detached') puts.push(this.share(h));
    await Promise.all(puts);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return this.server.name;
  }
}

/** @internal `listen(url, { session })` */
export async function listenSessions<In, Out>(url: string, options: ListenOptions<In, Out> & { session: true | ServerSessionConfig<In, Out> }): Promise<SessionServer<In, Out>> {
  const cfg: ServerSessionConfig<In, Out> = options.session === true ? {} : options.session;
  checkSessionConfig(cfg as ServerSessionConfig<unknown, unknown>);
  const user = resolveProtocol(options, isWebSocketUrl(url));
  const raw = rawProtocol(user);
  if (options.callbacks?.onReceive !== undefined && options.callbacks.observeOnly !== true) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'with sessions, messages go to session.onMessage (or iterate a session): callbacks.onReceive is not used');
  }
  const { session: _s, codec: _c, protocol: _p, callbacks, rejectMessage: _r, ...rest } = options;
  const ss = new SessionServer<In, Out>(undefined, options, cfg, user.codec);
  const server = await Server.start<RawFrame, RawFrame>(url, { ...rest, protocol: raw, callbacks: ss.callbacks(callbacks) } as ListenOptions<RawFrame, RawFrame>);
  ss.setServer(server);
  return ss;
}

/**
 * `attachWebSocket(httpServer, { session })`: sessions on a WebSocket endpoint attached to an
 * existing `node:http` / `node:https` server (one port for the pages and the endpoint), as
 * `listen(url, { session })` does on its own port.
 */
export function attachSessions<In, Out>(
  httpServer: HttpServer,
  options: ListenOptions<In, Out> & { path?: string; session: true | ServerSessionConfig<In, Out> },
): SessionServer<In, Out> {
  const cfg: ServerSessionConfig<In, Out> = options.session === true ? {} : options.session;
  checkSessionConfig(cfg as ServerSessionConfig<unknown, unknown>);
  if (options.callbacks?.onReceive !== undefined && options.callbacks.observeOnly !== true) {
    throw new ConfigError(ErrorCode.INVALID_OPTION, 'with sessions, messages go to session.onMessage (or iterate a session): callbacks.onReceive is not used');
  }
  const user = resolveProtocol(options, true);
  const { session: _s, codec: _c, protocol: _p, callbacks, rejectMessage: _r, ...rest } = options;
  const ss = new SessionServer<In, Out>(undefined, options, cfg, user.codec);
  ss.setServer(Server.attach<RawFrame, RawFrame>(httpServer, { ...(rest as ListenOptions<RawFrame, RawFrame> & { path?: string }), protocol: rawProtocol(user), callbacks: ss.callbacks(callbacks) }));
  return ss;
}

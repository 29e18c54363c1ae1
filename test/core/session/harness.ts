/**
 * A hand-driven world for the session machines: one client, one server process (with a live map
 * of machines and a MemorySessionStore), and a link between them that carries frames as the
 * framers would (header and payload joined by `joinEnvelope`). A "connection" is a number; frames
 * written on an old connection are dropped when it goes away, as a real socket's unsent and
 * in-flight bytes are. Nothing here uses timers: `now` is a number the test advances.
 */
import {
  MemorySessionStore,
  SessionMachine,
  acceptSession,
  joinEnvelope,
  type EnvelopeWriter,
  type ErrorCode,
  type RequestError,
  type SessionEvent,
  type SessionHost,
  type SessionOptions,
} from '../../../src/core/index.js';

export interface Delivered {
  payload: string;
  origin: string;
}

/** What one side's application saw. */
export class App implements SessionHost {
  /** Messages handed to the app, not yet taken (when `autoTake` is off). */
  queue: Array<{ payload: string; ticket: number; origin: string }> = [];
  /** Messages taken, in order (shared by every app of one process when given). */
  got: Delivered[];
  constructor(got: Delivered[] = []) {
    this.got = got;
  }
  events: SessionEvent[] = [];
  requests: Array<{ id: number; payload: string; origin: string }> = [];
  cancelledIds: number[] = [];
  responses = new Map<number, string>();
  failures = new Map<number, { code: string; remoteCode: string | undefined; message: string }>();
  bulkFailures: Array<{ ids: number[]; code: ErrorCode }> = [];
  autoTake = true;
  machine: SessionMachine | undefined;

  message(payload: Uint8Array | string, ticket: number, origin: string): boolean {
    const p = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
    if (this.autoTake) {
      this.got.push({ payload: p, origin });
      return true;
    }
    this.queue.push({ payload: p, ticket, origin });
    return false;
  }
  request(id: number, payload: Uint8Array | string, origin: string): void {
    this.requests.push({ id, payload: typeof payload === 'string' ? payload : new TextDecoder().decode(payload), origin });
  }
  cancelled(id: number): void {
    this.cancelledIds.push(id);
  }
  response(id: number, payload: Uint8Array | string): void {
    this.responses.set(id, typeof payload === 'string' ? payload : new TextDecoder().decode(payload));
  }
  requestFailed(id: number, error: RequestError): void {
    this.failures.set(id, { code: error.code, remoteCode: error.remoteCode, message: error.message });
  }
  requestsFailed(ids: readonly number[], code: ErrorCode): void {
    this.bulkFailures.push({ ids: [...ids], code });
  }
  event(event: SessionEvent): void {
    this.events.push(event);
  }

  /** The app takes up to `n` queued messages. */
  take(n: number, now: number, machine: SessionMachine | undefined): void {
    for (let i = 0; i < n && this.queue.length > 0; i++) {
      const m = this.queue.shift()!;
      this.got.push({ payload: m.payload, origin: m.origin });
      machine?.taken(m.ticket, now);
    }
  }
}
export function makeApp(got?: Delivered[]): App {
  return new App(got);
}

type Frame = { conn: number; data: Uint8Array | string };

export class World {
  now = 1000;
  conn = 0; // 0: no connection
  toServer: Frame[] = [];
  toClient: Frame[] = [];
  readonly client: SessionMachine;
  readonly clientApp = makeApp();
  /** Server side: the app of each session (one per session, as an endpoint would have). */
  serverApps = new Map<string, App>();
  /** Every message any server app took, in order, across sessions and restarts. */
  serverGot: Delivered[] = [];
  live = new Map<string, SessionMachine>();
  store = new MemorySessionStore();
  /** The server machine attached to the current connection. */
  server: SessionMachine | undefined;
  /** Whether the server has taken the current connection's HELLO yet. */
  private serverAttached = false;
  serverOptions: SessionOptions;
  clientErrors: Error[] = [];
  serverErrors: Error[] = [];
  refusals: Error[] = [];
  useStore = false;
  private seed = 1;
  restarts = 0;
  bytes = false;

  constructor(clientOptions: SessionOptions = {}, serverOptions: SessionOptions = {}) {
    this.client = new SessionMachine('client', this.clientApp, clientOptions);
    this.clientApp.machine = this.client;
    this.serverOptions = { random: (n) => this.random(n), ...serverOptions };
  }

  /** Deterministic "random" bytes: different per call (ids must differ), no crypto needed. */
  random(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      this.seed = (this.seed * 1103515245 + 12345) >>> 0;
      b[i] = this.seed >>> 24;
    }
    return b;
  }

  private writer(dir: Frame[], conn: number): EnvelopeWriter {
    return (header, payload) => {
      if (this.conn !== conn) return; // written on a connection that is gone
      let p = payload;
      if (this.bytes && typeof p === 'string') p = new TextEncoder().encode(p);
      dir.push({ conn, data: joinEnvelope(header, p) });
    };
  }

  /** A new connection: the client writes HELLO. */
  connect(): void {
    if (this.conn !== 0) this.drop();
    this.conn = this.conn + 1 + Math.floor(this.now); // unique
    this.serverAttached = false;
    this.client.open(this.writer(this.toServer, this.conn), this.now);
  }

  /** The connection breaks: frames in flight are lost, both sides notice. */
  drop(): void {
    if (this.conn === 0) return;
    this.conn = 0;
    this.toServer = [];
    this.toClient = [];
    this.client.lost(this.now);
    const s = this.server;
    this.server = undefined;
    if (s !== undefined) {
      s.lost(this.now);
      if (this.useStore && s.state === 'DETACHED') {
        // Detached sessions leave memory: the store keeps a snapshot, the app's untaken
        // messages are discarded (they were not acknowledged, so the client sends them again).
        this.live.delete(s.sessionId);
        this.store.put(s.snapshot(), this.now);
        const app = this.serverApps.get(s.sessionId);
        if (app !== undefined) app.queue = [];
      }
    }
  }

  /** The server process dies and starts again: every session is gone. */
  restartServer(): void {
    this.drop();
    this.live.clear();
    this.store = new MemorySessionStore();
    this.restarts++;
  }

  private serverReceive(data: Uint8Array | string): void {
    if (!this.serverAttached) {
      this.serverAttached = true;
      let created: App | undefined;
      const out = acceptSession(data, this.writer(this.toClient, this.conn), this.now, {
        lookup: (id) => this.live.get(id) ?? this.store.get(id),
        host: () => (created = makeApp(this.serverGot)),
        options: this.serverOptions,
      });
      if (out.type === 'refused') {
        this.refusals.push(out.error);
        return;
      }
      const m = out.machine;
      this.store.delete(m.sessionId);
      this.live.set(m.sessionId, m);
      this.server = m;
      const app = created ?? this.serverApps.get(m.sessionId)!;
      app.machine = m;
      this.serverApps.set(m.sessionId, app);
      return;
    }
    try {
      this.server?.receive(data, this.now);
    } catch (err) {
      this.serverErrors.push(err as Error);
      this.drop();
    }
  }

  /** Delivers up to `n` frames toward the server. */
  deliverToServer(n = Infinity): number {
    let k = 0;
    while (k < n && this.toServer.length > 0) {
      const f = this.toServer.shift()!;
      if (f.conn !== this.conn) continue;
      k++;
      this.serverReceive(f.data);
    }
    return k;
  }

  deliverToClient(n = Infinity): number {
    let k = 0;
    while (k < n && this.toClient.length > 0) {
      const f = this.toClient.shift()!;
      if (f.conn !== this.conn) continue;
      k++;
      try {
        this.client.receive(f.data, this.now);
      } catch (err) {
        this.clientErrors.push(err as Error);
        this.drop();
      }
    }
    return k;
  }

  /** The server app of the session the client is in (if the server has it). */
  serverApp(): App | undefined {
    return this.serverApps.get(this.client.sessionId);
  }
  serverMachine(): SessionMachine | undefined {
    return this.live.get(this.client.sessionId);
  }

  advance(ms: number): void {
    this.now += ms;
    this.client.tick(this.now);
    for (const m of this.live.values()) m.tick(this.now);
    this.store.sweep(this.now);
  }

  /** Delivers everything both ways until nothing moves (bounded). */
  settle(rounds = 1000): void {
    for (let i = 0; i < rounds; i++) {
      const moved = this.deliverToServer() + this.deliverToClient();
      if (moved === 0) return;
    }
    throw new Error(`link still busy after ${rounds} rounds`);
  }
}

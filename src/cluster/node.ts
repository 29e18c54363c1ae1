/**
 * A cluster node: one Switchboard server joined to others through a broker (NATS).
 *
 *     const server = await listen('ws://0.0.0.0:8080');
 *     const node = await joinCluster(server, { nats: 'nats://10.0.0.5:4222', node: 'web1' });
 *     conn.join('lobby');                       // on any node
 *     server.to('lobby').send({ text: 'hi' });  // reaches the lobby's members on every node
 *     await node.presence('lobby');             // { results: [{ node, members }], missingNodes }
 *
 * Subjects (namespace `switchboard` by default; room names are checked, so each is one token):
 *
 *     <ns>.room.<room>    a room's messages; a node subscribes while it has members in the room
 *     <ns>.all            cluster-wide broadcasts; every node
 *     <ns>.hb             heartbeats, hello and goodbye; every node
 *     <ns>.query          cluster queries (presence, counts), answered to the asker's inbox
 *     <ns>.svc...         service addressing (services.ts)
 *
 * A message is encoded once by the sender for the broker, and decoded and framed once by each
 * receiving node for all its members. The sender's own node delivers locally at once and
 * ignores its echo from the broker.
 */
import { ConfigError, ErrorCode, Limits, checkRoomName } from '../core/index.js';
import type { BroadcastResult, Connection, RoomRelay, Server } from '../endpoint/index.js';
import type { Broker, BrokerMessage, BrokerSubscription } from './broker.js';
import { PayloadKind, count, decodeData, encodeControl, encodeData, parseControl, type Control } from './envelope.js';
import { ClusterError } from './errors.js';
import { natsBroker, type NatsBrokerOptions } from './nats.js';
import { Services } from './services.js';

/** How messages cross the broker. @default the server's own codec (its `Out` must decode back to an `Out`) */
export interface ClusterCodec<Out> {
  encode(msg: Out): Uint8Array | string;
  /** `binary` is false when `encode` had returned a string. Throws on bytes it refuses. */
  decode(payload: Uint8Array, binary: boolean): Out;
}

export interface ClusterOptions<In, Out> {
  /** NATS server URL(s), or the full NATS options (TLS, credentials). One of `nats` and `broker` is required. */
  nats?: string | readonly string[] | NatsBrokerOptions;
  /** A broker already connected (its owner closes it). */
  broker?: Broker;
  /**
   * This node's name, unique in the cluster: A-Z a-z 0-9 _ (so that `node:service/COMMAND`
   * can name it), at most 128 characters. @default `<hostname>_<pid>` with other characters as `_`
   */
  node?: string;
  /** First token of every subject; clusters that share a NATS system use different ones. @default 'switchboard' */
  namespace?: string;
  /** @default the server's codec */
  codec?: ClusterCodec<Out>;
  /** What presence reports for each member. @default the connection's name */
  presence?: (conn: Connection<In, Out>) => unknown;
  /** @default Limits.clusterQueryTimeout (2000) */
  queryTimeout?: number;
  /** @default Limits.clusterNodeTimeout (15000) */
  nodeTimeout?: number;
  /** Heartbeat period, in ms. @default 1000 */
  heartbeatInterval?: number;
  /** @default Limits.clusterOutageBytes (1 MiB) */
  outageBytes?: number;
  /** Called for every {@link ClusterEvent}. */
  onEvent?: (event: ClusterEvent) => void;
}

/**
 * What a node reports:
 * - `disconnected`: the broker link dropped (as soon as its socket closes). Local delivery goes on.
 * - `reconnected`: the link is back, every subscription restored; `held` messages were kept
 *   and sent, `dropped` did not fit in `outageBytes` (receivers see them as a gap).
 * - `gap`: `missed` messages of `room` (undefined: broadcasts) from `node` never arrived.
 * - `malformed`: a message from the broker was refused (dropped, counted); `reason` says why.
 * - `node-up` / `node-down`: a node was first heard of / said goodbye or fell silent for `nodeTimeout`.
 * - `error`: the broker reported an error, or another node uses this node's name.
 */
export type ClusterEvent =
  | { readonly type: 'disconnected'; readonly server: string }
  | { readonly type: 'reconnected'; readonly server: string; readonly held: number; readonly dropped: number }
  | { readonly type: 'gap'; readonly room: string | undefined; readonly node: string; readonly missed: number }
  | { readonly type: 'malformed'; readonly subject: string; readonly reason: string }
  | { readonly type: 'node-up'; readonly node: string }
  | { readonly type: 'node-down'; readonly node: string }
  | { readonly type: 'error'; readonly error: Error };

export interface ClusterStats {
  /** Room and broadcast messages published. */
  published: number;
  /** Room and broadcast messages received from other nodes and delivered. */
  delivered: number;
  /** Broker messages refused as malformed (and dropped). */
  malformed: number;
  /** Messages dropped while the link was down and `outageBytes` was full. */
  droppedInOutage: number;
  /** Messages of other nodes known to be missed (sum of the gaps). */
  missed: number;
  bytesOut: number;
  bytesIn: number;
}

/** A cluster query's answer: what the nodes that answered in time said, and which did not. */
export interface QueryResult<T> {
  results: T[];
  missingNodes: string[];
}

export interface PresenceEntry {
  node: string;
  members: unknown[];
}

export interface CountEntry {
  node: string;
  connections: number;
  rooms: number;
}

const NODE_NAME = /^[A-Za-z0-9_]+$/;

interface SeqState {
  stream: number;
  seq: number;
}

const MAX_STREAMS = 10_000;

function random32(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0 || 1;
}

function defaultNodeName(): string {
  const host = (globalThis as { process?: { env?: Record<string, string | undefined>; pid?: number } }).process;
  return `${(host?.env?.['HOSTNAME'] ?? 'node').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100)}_${host?.pid ?? random32()}`;
}

export class ClusterNode<In, Out> {
  readonly name: string;
  readonly stats: ClusterStats = { published: 0, delivered: 0, malformed: 0, droppedInOutage: 0, missed: 0, bytesOut: 0, bytesIn: 0 };
  /** Service addressing for named messages (see services.ts). */
  readonly services: Services;
  private readonly ns: string;
  private readonly codec: ClusterCodec<Out>;
  private readonly roomSubs = new Map<string, BrokerSubscription>();
  private readonly fixedSubs: BrokerSubscription[] = [];
  private readonly sending = new Map<string, SeqState>(); // per room ('' for broadcasts)
  private readonly receiving = new Map<string, Map<string, SeqState>>(); // room ('' broadcasts) -> node -> state
  private readonly peers = new Map<string, number>(); // other nodes -> last heard (ms)
  private readonly epoch = random32();
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private linkUp: boolean;
  private held = 0;
  private heldCount = 0;
  private dropped = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopStatus: (() => void) | undefined;
  private closing = false;
  private duplicateReported = false;
  private readonly queryTimeout: number;
  private readonly nodeTimeout: number;
  private readonly outageBytes: number;

  private constructor(
    readonly server: Server<In, Out>,
    readonly broker: Broker,
    private readonly ownsBroker: boolean,
    private readonly options: ClusterOptions<In, Out>,
    name: string,
  ) {
    this.name = name;
    this.ns = options.namespace ?? 'switchboard';
    const sc = server.protocol.codec;
    this.codec = options.codec ?? { encode: (m) => sc.encode(m), decode: (b, binary) => sc.decode(b, binary) as unknown as Out };
    this.queryTimeout = options.queryTimeout ?? Limits.clusterQueryTimeout;
    this.nodeTimeout = options.nodeTimeout ?? Limits.clusterNodeTimeout;
    this.outageBytes = options.outageBytes ?? Limits.clusterOutageBytes;
    this.linkUp = broker.connected;
    if (options.onEvent) this.listeners.add(options.onEvent);
    this.services = new Services(this as unknown as ClusterNode<unknown, unknown>, broker, this.ns);
  }

  /** @internal use joinCluster() */
  static async start<In, Out>(server: Server<In, Out>, options: ClusterOptions<In, Out>): Promise<ClusterNode<In, Out>> {
    const name = options.node ?? defaultNodeName();
    if (typeof name !== 'string' || !NODE_NAME.test(name) || name.length > Limits.maxRoomNameLength) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `cluster node name ${JSON.stringify(name)}: expected 1 to ${Limits.maxRoomNameLength} characters from A-Z a-z 0-9 _`);
    }
    const ns = options.namespace ?? 'switchboard';
    if (!NODE_NAME.test(ns) || ns.length > 64) throw new ConfigError(ErrorCode.INVALID_OPTION, `cluster namespace ${JSON.stringify(ns)}: expected 1 to 64 characters from A-Z a-z 0-9 _`);
    for (const k of ['queryTimeout', 'nodeTimeout', 'heartbeatInterval', 'outageBytes'] as const) {
      const v = options[k];
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
        throw new ConfigError(ErrorCode.INVALID_OPTION, `cluster option ${k} must be a finite number of 0 or more, got ${String(v)}`);
      }
    }
    if (server.rooms.relay !== undefined) throw new ConfigError(ErrorCode.INVALID_OPTION, `${server.name} is already in a cluster`);
    let broker = options.broker;
    const owns = broker === undefined;
    if (broker === undefined) {
      if (options.nats === undefined) throw new ConfigError(ErrorCode.INVALID_OPTION, 'joinCluster() needs `nats` (URL or options) or `broker`');
      const nats: NatsBrokerOptions =
        typeof options.nats === 'string' || Array.isArray(options.nats) ? { servers: options.nats as string | string[] } : (options.nats as NatsBrokerOptions);
      broker = await natsBroker({ name: `switchboard ${name}`, ...nats });
    }
    const node = new ClusterNode(server, broker, owns, options, name);
    node.attach();
    await broker.flush().catch(() => {});
    return node;
  }

  private attach(): void {
    const b = this.broker;
    this.stopStatus = b.onStatus((s) => {
      switch (s.type) {
        case 'disconnected':
          this.linkUp = false;
          this.held = this.heldCount = this.dropped = 0;
          this.emit({ type: 'disconnected', server: s.server });
          break;
        case 'reconnected': {
          this.linkUp = true;
          const held = this.heldCount;
          const dropped = this.dropped;
          this.held = this.heldCount = this.dropped = 0;
          this.emit({ type: 'reconnected', server: s.server, held, dropped });
          this.heartbeat(true);
          break;
        }
        case 'error':
          this.emit({ type: 'error', error: s.error });
          break;
        case 'closed':
          this.linkUp = false;
          break;
      }
    });
    this.fixedSubs.push(
      b.subscribe(`${this.ns}.all`, (m) => this.onData(m, undefined)),
      b.subscribe(`${this.ns}.hb`, (m) => this.onHeartbeat(m)),
      b.subscribe(`${this.ns}.query`, (m) => this.onQuery(m)),
    );
    const relay: RoomRelay<Out> = {
      opened: (room) => this.openRoom(room),
      emptied: (room) => this.closeRoom(room),
      publish: (room, msg) => this.publishData(`${this.ns}.room.${room}`, room, msg),
    };
    this.server.rooms.relay = relay;
    for (const room of this.server.rooms.names()) this.openRoom(room);
    const every = this.options.heartbeatInterval ?? 1000;
    this.heartbeat(true);
    if (every > 0) {
      this.timer = setInterval(() => this.heartbeat(false), every);
      this.timer.unref?.();
    }
  }

  /** Calls `fn` for every event; returns a function that stops it. */
  onEvent(fn: (e: ClusterEvent) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  private emit(e: ClusterEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // the listener's bug
      }
    }
  }

  /** Whether the broker link is up. */
  get connected(): boolean {
    return this.linkUp;
  }

  /** The other nodes heard from within `nodeTimeout`. */
  get nodes(): string[] {
    return [...this.peers.keys()];
  }

  /** The rooms this node receives from the broker (those with local members). */
  get subscribedRooms(): string[] {
    return [...this.roomSubs.keys()];
  }

  /** Room messages received from the broker on this node's room subscriptions (own echoes included). */
  get roomMessagesReceived(): number {
    let n = 0;
    for (const s of this.roomSubs.values()) n += s.received;
    return n;
  }

  /** The members of `room` on every node: `to(room).send(msg)`. */
  to(room: string): { send(msg: Out): BroadcastResult } {
    return this.server.to(room);
  }

  /**
   * Sends `msg` to every connection on every node (but `except`, a local connection). Throws
   * `CLUSTER_PAYLOAD_TOO_LARGE` (before delivering anywhere) when it is over the broker's limit.
   */
  broadcast(msg: Out, options: { except?: Connection<In, Out> } = {}): BroadcastResult {
    this.publishData(`${this.ns}.all`, '', msg);
    const except = options.except;
    return this.server.broadcast(msg, except === undefined ? undefined : (c) => c !== except);
  }

  private openRoom(room: string): void {
    if (this.roomSubs.has(room) || this.closing) return;
    this.roomSubs.set(
      room,
      this.broker.subscribe(`${this.ns}.room.${room}`, (m) => this.onData(m, room)),
    );
  }

  private closeRoom(room: string): void {
    this.roomSubs.get(room)?.unsubscribe();
    this.roomSubs.delete(room);
    this.receiving.delete(room);
  }

  private nextSeq(key: string): SeqState {
    let s = this.sending.get(key);
    if (s === undefined) {
      if (this.sending.size >= MAX_STREAMS) this.sending.delete(this.sending.keys().next().value!);
      s = { stream: random32(), seq: 0 };
      this.sending.set(key, s);
    }
    s.seq = (s.seq + 1) >>> 0;
    return s;
  }

  private publishData(subject: string, key: string, msg: Out): void {
    if (this.closing) return;
    const payload = this.codec.encode(msg);
    const s = this.nextSeq(key);
    const bytes = encodeData({ node: this.name, stream: s.stream, seq: s.seq, payload });
    if (bytes.length > this.broker.maxPayload) {
      s.seq = (s.seq - 1) >>> 0; // nothing was sent: no gap
      throw new ClusterError(
        ErrorCode.CLUSTER_PAYLOAD_TOO_LARGE,
        `a message of ${bytes.length} bytes for ${key === '' ? 'a cluster broadcast' : `room ${key}`}, expected no more than the broker's max_payload of ${this.broker.maxPayload}`,
        { details: { size: bytes.length, maxPayload: this.broker.maxPayload } },
      );
    }
    if (!this.linkUp) {
      if (this.held + bytes.length > this.outageBytes) {
        this.dropped++;
        this.stats.droppedInOutage++;
        return; // the seq is spent: receivers see the gap
      }
      this.held += bytes.length;
      this.heldCount++;
    }
    this.broker.publish(subject, bytes);
    this.stats.published++;
    this.stats.bytesOut += bytes.length;
  }

  private malformed(subject: string, reason: string): void {
    this.stats.malformed++;
    this.emit({ type: 'malformed', subject, reason });
  }

  private onData(m: BrokerMessage, room: string | undefined): void {
    const env = decodeData(m.data);
    if (typeof env === 'string') return this.malformed(m.subject, env);
    if (env.node === this.name) return; // our own, delivered locally already
    this.stats.bytesIn += m.data.length;
    this.track(room, env.node, env.stream, env.seq);
    let msg: Out;
    try {
      msg = this.codec.decode(env.payload, env.kind === PayloadKind.Bytes);
    } catch (err) {
      return this.malformed(m.subject, `payload from ${env.node} does not decode: ${(err as Error)?.message ?? String(err)}`);
    }
    this.stats.delivered++;
    if (room === undefined) this.server.broadcast(msg);
    else this.server.rooms.deliverLocal(room, msg);
  }

  /** Follows each sender's sequence per room; a jump is a gap, reported. */
  private track(room: string | undefined, node: string, stream: number, seq: number): void {
    const key = room ?? '';
    let byNode = this.receiving.get(key);
    if (byNode === undefined) this.receiving.set(key, (byNode = new Map()));
    const last = byNode.get(node);
    if (last === undefined || last.stream !== stream) {
      if (last === undefined && byNode.size >= MAX_STREAMS) byNode.delete(byNode.keys().next().value!);
      byNode.set(node, { stream, seq });
      return;
    }
    const missed = (seq - last.seq - 1) >>> 0;
    if (missed > 0 && missed < 0x8000_0000) {
      this.stats.missed += missed;
      this.emit({ type: 'gap', room, node, missed });
    }
    if (((seq - last.seq) >>> 0) < 0x8000_0000) last.seq = seq;
  }

  private heartbeat(hello: boolean): void {
    const now = Date.now();
    for (const [peer, seen] of this.peers) {
      if (now - seen > this.nodeTimeout) {
        this.peers.delete(peer);
        this.emit({ type: 'node-down', node: peer });
      }
    }
    if (!this.linkUp || this.closing) return;
    this.sendControl(`${this.ns}.hb`, { t: hello ? 'hello' : 'hb', node: this.name, epoch: this.epoch });
  }

  private sendControl(subject: string, c: Control): void {
    try {
      this.broker.publish(subject, encodeControl(c));
    } catch (error) {
      this.emit({ type: 'error', error: error as Error });
    }
  }

  private onHeartbeat(m: BrokerMessage): void {
    const c = parseControl(m.data);
    if (typeof c === 'string') return this.malformed(m.subject, c);
    if (c.node === this.name) {
      if (c['epoch'] !== this.epoch && !this.duplicateReported) {
        this.duplicateReported = true;
        this.emit({ type: 'error', error: new ClusterError(ErrorCode.INVALID_OPTION, `another node uses this node's name ${this.name}; node names must be unique`) });
      }
      return;
    }
    if (c.t === 'bye') {
      if (this.peers.delete(c.node)) this.emit({ type: 'node-down', node: c.node });
      return;
    }
    if (c.t !== 'hb' && c.t !== 'hello') return this.malformed(m.subject, `unknown heartbeat type ${JSON.stringify(c.t).slice(0, 40)}`);
    const known = this.peers.has(c.node);
    if (!known && this.peers.size >= MAX_STREAMS) return this.malformed(m.subject, `more than ${MAX_STREAMS} nodes`);
    this.peers.set(c.node, Date.now());
    if (!known) this.emit({ type: 'node-up', node: c.node });
    if (c.t === 'hello') this.heartbeat(false); // so the newcomer learns of us at once
  }

  /** What this node answers to a query, or undefined for a kind it does not know. */
  private answer(kind: unknown, c: Control | undefined): unknown {
    switch (kind) {
      case 'presence': {
        const room = c === undefined ? undefined : c['room'];
        if (typeof room !== 'string') return undefined;
        const show = this.options.presence ?? ((conn: Connection<In, Out>) => conn.name);
        return [...this.server.rooms.members(room)].map((conn) => {
          try {
            return show(conn);
          } catch {
            return conn.name;
          }
        });
      }
      case 'counts':
        return { connections: this.server.connectionCount, rooms: this.server.rooms.size };
      case 'services':
        return this.services.localNames();
      default:
        return undefined;
    }
  }

  private onQuery(m: BrokerMessage): void {
    const c = parseControl(m.data);
    if (typeof c === 'string') return this.malformed(m.subject, c);
    if (c.node === this.name) return;
    if (c.t !== 'q' || typeof c['id'] !== 'string' || m.reply === undefined) return this.malformed(m.subject, 'a query without id or reply subject');
    if (c['kind'] === 'presence' && (typeof c['room'] !== 'string' || checkName(c['room']) !== undefined)) return this.malformed(m.subject, 'a presence query without a valid room');
    const result = this.answer(c['kind'], c);
    const reply: Control = { t: 'a', node: this.name, id: c['id'], result: result ?? null };
    try {
      this.broker.publish(m.reply, encodeControl(reply));
    } catch (error) {
      // Too large (a huge room): say so instead of staying silent.
      this.sendControlTo(m.reply, { t: 'a', node: this.name, id: c['id'], result: null, error: (error as ClusterError).code ?? 'FAILED' });
    }
  }

  private sendControlTo(subject: string, c: Control): void {
    try {
      this.broker.publish(subject, encodeControl(c));
    } catch {
      // nothing else to say
    }
  }

  /**
   * Asks every node and waits up to `timeout` ms: the answers that came, and the nodes (heard
   * from within `nodeTimeout`) that did not answer. This node answers itself at once.
   */
  private query<T>(kind: string, extra: Record<string, unknown>, timeout: number, check: (node: string, result: unknown) => T | undefined): Promise<QueryResult<T>> {
    const local = check(this.name, this.answer(kind, { t: 'q', node: this.name, ...extra }));
    const results: T[] = local === undefined ? [] : [local];
    const expected = new Set(this.peers.keys());
    const answered = new Set<string>();
    if (expected.size === 0 || !this.linkUp) return Promise.resolve({ results, missingNodes: [...expected].sort() });
    const id = `${this.name}.${random32().toString(36)}${Date.now().toString(36)}`;
    return new Promise((resolve) => {
      const inbox = this.broker.inbox();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve({ results, missingNodes: [...expected].filter((n) => !answered.has(n)).sort() });
      };
      const sub = this.broker.subscribe(inbox, (m) => {
        const a = parseControl(m.data);
        if (typeof a === 'string') return this.malformed(m.subject, a);
        if (a.t !== 'a' || a['id'] !== id || answered.has(a.node)) return;
        const r = check(a.node, a['result']);
        if (r === undefined) {
          if (a['error'] === undefined) this.malformed(m.subject, `an answer from ${a.node} that does not fit a ${kind} query`);
          return;
        }
        answered.add(a.node);
        results.push(r);
        if ([...expected].every((n) => answered.has(n))) done();
      });
      timer = setTimeout(done, timeout);
      try {
        this.broker.publish(`${this.ns}.query`, encodeControl({ t: 'q', node: this.name, id, kind, ...extra }), inbox);
      } catch {
        done();
      }
    });
  }

  /** Who is in `room` on each node. Partial on timeout: `missingNodes` names the nodes that did not answer. */
  async presence(room: string, options: { timeout?: number } = {}): Promise<QueryResult<PresenceEntry>> {
    checkRoomName(room);
    return this.query('presence', { room }, options.timeout ?? this.queryTimeout, (node, r) =>
      Array.isArray(r) && r.length <= 1_000_000 ? { node, members: r } : undefined,
    );
  }

  /** Open connections and rooms with members, per node. */
  connectionCounts(options: { timeout?: number } = {}): Promise<QueryResult<CountEntry>> {
    return this.query('counts', {}, options.timeout ?? this.queryTimeout, (node, r) => {
      if (typeof r !== 'object' || r === null) return undefined;
      const connections = count((r as Record<string, unknown>)['connections']);
      const rooms = count((r as Record<string, unknown>)['rooms']);
      return connections === undefined || rooms === undefined ? undefined : { node, connections, rooms };
    });
  }

  /** The services registered on each node. */
  serviceList(options: { timeout?: number } = {}): Promise<QueryResult<{ node: string; services: string[] }>> {
    return this.query('services', {}, options.timeout ?? this.queryTimeout, (node, r) =>
      Array.isArray(r) && r.every((s) => typeof s === 'string' && checkName(s) === undefined) ? { node, services: r as string[] } : undefined,
    );
  }

  /** Leaves the cluster: says goodbye, drops every subscription, and closes the broker link it opened. The server goes on, local. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    if (this.server.rooms.relay !== undefined) this.server.rooms.relay = undefined;
    this.services.close();
    if (this.linkUp) this.sendControl(`${this.ns}.hb`, { t: 'bye', node: this.name });
    for (const s of this.roomSubs.values()) s.unsubscribe();
    this.roomSubs.clear();
    for (const s of this.fixedSubs) s.unsubscribe();
    this.stopStatus?.();
    if (this.ownsBroker) {
      await this.broker.flush().catch(() => {});
      await this.broker.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkName(name: string): string | undefined {
  try {
    checkRoomName(name);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Joins `server` to a cluster (see {@link ClusterNode}). Rejects with `CLUSTER_CLIENT_MISSING`, `CLUSTER_CONNECT_FAILED` or `INVALID_OPTION`. */
export function joinCluster<In, Out>(server: Server<In, Out>, options: ClusterOptions<In, Out>): Promise<ClusterNode<In, Out>> {
  return ClusterNode.start(server, options);
}

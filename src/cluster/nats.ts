/**
 * The NATS broker: the only file that imports a NATS client (`@nats-io/transport-node`, an
 * optional dependency loaded on first use). Without it, `natsBroker()` rejects with
 * `CLUSTER_CLIENT_MISSING` and says what to install.
 *
 * The link reconnects for ever by default (`maxReconnectAttempts: -1`), and the client sends
 * every subscription again on reconnect. TLS and credentials go to the client as they are:
 * `tls` (its TlsOptions: `ca`, `cert`, `key`, files or PEM), `user`/`pass`, `token`, or a
 * `credsFile` (NKey + JWT, as `nsc` makes them); anything else in `natsOptions`.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode } from '../core/index.js';
import type { Broker, BrokerMessage, BrokerStatus, BrokerSubscription, KeyValue, KeyValueOptions, SubscribeOptions } from './broker.js';
import { ClusterError } from './errors.js';

export interface NatsBrokerOptions {
  /** `nats://host:port` (or `tls://`), or several: the client picks one and fails over to the others. */
  servers: string | readonly string[];
  /** Shown in the NATS server's connection list. @default none */
  name?: string;
  /** TLS to NATS, passed to the client as is (`{ caFile, certFile, keyFile }`, `{ ca, cert, key }`...). @default none (plain, unless the URL is tls://) */
  tls?: Record<string, unknown>;
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a `.creds` file (JWT + NKey seed). @default none */
  credsFile?: string;
  /** Time the first connection may take, in ms. @default 5000 */
  timeout?: number;
  /** Reconnect attempts per server; -1 is for ever. @default -1 */
  maxReconnectAttempts?: number;
  /** Wait between reconnect attempts to one server, in ms. @default 250 */
  reconnectTimeWait?: number;
  /**
   * Client pings, in ms: a link that answers no ping for `maxPingOut` intervals is dropped.
   * This is what notices a broker that hangs without closing its socket. @default 2000
   */
  pingInterval?: number;
  /** @default 2 */
  maxPingOut?: number;
  /** Any other option of the NATS client's `connect()`, passed as is. @default none */
  natsOptions?: Record<string, unknown>;
}

// The few shapes used from the client, declared here so that compiling does not need it.
interface NatsMsg {
  subject: string;
  data: Uint8Array;
  reply?: string;
}
interface NatsSub {
  unsubscribe(): void;
  getReceived(): number;
}
interface NatsConn {
  info?: { max_payload: number };
  publish(subject: string, data: Uint8Array, options?: { reply?: string }): void;
  subscribe(subject: string, options: { queue?: string; callback: (err: Error | null, msg: NatsMsg) => void }): NatsSub;
  request(subject: string, data: Uint8Array, options: { timeout: number }): Promise<NatsMsg>;
  status(): AsyncIterable<{ type: string; server?: string; error?: Error }>;
  getServer(): string;
  isClosed(): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
}
interface NatsModule {
  connect(options: Record<string, unknown>): Promise<NatsConn>;
  createInbox(prefix?: string): string;
  credsAuthenticator(creds: Uint8Array): unknown;
}

const CLIENT = '@nats-io/transport-node';

async function loadClient(): Promise<NatsModule> {
  try {
    return (await import(CLIENT)) as NatsModule;
  } catch (cause) {
    throw new ClusterError(
      ErrorCode.CLUSTER_CLIENT_MISSING,
      `the NATS client ${CLIENT} could not be loaded (${(cause as Error)?.message ?? String(cause)}); install it: npm install ${CLIENT}`,
      { cause },
    );
  }
}

/** Connects to NATS. Rejects with `CLUSTER_CLIENT_MISSING` or `CLUSTER_CONNECT_FAILED`. */
export async function natsBroker(options: NatsBrokerOptions): Promise<Broker> {
  const nats = await loadClient();
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  const opts: Record<string, unknown> = {
    servers,
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
    reconnectTimeWait: options.reconnectTimeWait ?? 250,
    pingInterval: options.pingInterval ?? 2000,
    maxPingOut: options.maxPingOut ?? 2,
    timeout: options.timeout ?? 5000,
    ...(options.name !== undefined && { name: options.name }),
    ...(options.tls !== undefined && { tls: options.tls }),
    ...(options.user !== undefined && { user: options.user }),
    ...(options.pass !== undefined && { pass: options.pass }),
    ...(options.token !== undefined && { token: options.token }),
    ...options.natsOptions,
  };
  if (options.credsFile !== undefined) opts['authenticator'] = nats.credsAuthenticator(await readFile(options.credsFile));
  let nc: NatsConn;
  try {
    nc = await nats.connect(opts);
  } catch (cause) {
    throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, `could not connect to NATS at ${servers.join(', ')}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
      details: { servers },
    });
  }
  return new NatsBroker(nats, nc);
}

class NatsBroker implements Broker {
  private readonly listeners = new Set<(s: BrokerStatus) => void>();
  private up = true;
  private closed = false;

  constructor(
    private readonly nats: NatsModule,
    private readonly nc: NatsConn,
  ) {
    void this.watch();
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      let status: BrokerStatus | undefined;
      switch (s.type) {
        case 'disconnect':
          if (!this.up) continue;
          this.up = false;
          status = { type: 'disconnected', server: String(s.server ?? '') };
          break;
        case 'reconnect':
          this.up = true;
          status = { type: 'reconnected', server: String(s.server ?? '') };
          break;
        case 'error':
          status = { type: 'error', error: s.error ?? new Error('NATS error') };
          break;
        case 'close':
          status = { type: 'closed' };
          break;
        default:
          continue; // reconnecting, ping, update, ldm, staleConnection...: the events above cover them
      }
      this.emit(status);
      if (status.type === 'closed') return;
    }
  }

  private emit(status: BrokerStatus): void {
    for (const fn of this.listeners) {
      try {
        fn(status);
      } catch {
        // a listener's bug is its own
      }
    }
  }

  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  get connected(): boolean {
    return this.up && !this.closed;
  }

  get server(): string {
    return this.nc.getServer();
  }

  private check(subject: string, data: Uint8Array): void {
    if (this.closed || this.nc.isClosed()) throw new ClusterError(ErrorCode.CLUSTER_CLOSED, `the NATS link is closed; cannot publish on ${subject}`);
    // The header (PUB subject reply size) is not counted by the server: only the payload.
    if (data.length > this.maxPayload) {
      throw new ClusterError(
        ErrorCode.CLUSTER_PAYLOAD_TOO_LARGE,
        `a ${data.length}-byte message on ${subject}, expected no more than the broker's max_payload of ${this.maxPayload} bytes`,
        { details: { size: data.length, maxPayload: this.maxPayload } },
      );
    }
  }

  publish(subject: string, data: Uint8Array, reply?: string): void {
    this.check(subject, data);
    this.nc.publish(subject, data, reply === undefined ? undefined : { reply });
  }

  subscribe(subject: string, onMessage: (msg: BrokerMessage) => void, options: SubscribeOptions = {}): BrokerSubscription {
    const sub = this.nc.subscribe(subject, {
      ...(options.queue !== undefined && { queue: options.queue }),
      callback: (err, m) => {
        if (err !== null) return;
        onMessage({ subject: m.subject, data: m.data, reply: m.reply || undefined });
      },
    });
    return {
      subject,
      get received() {
        return sub.getReceived();
      },
      unsubscribe: () => {
        if (!this.nc.isClosed()) sub.unsubscribe();
      },
    };
  }

  inbox(): string {
    return this.nats.createInbox();
  }

  async request(subject: string, data: Uint8Array, options: { timeout: number }): Promise<BrokerMessage> {
    this.check(subject, data);
    let m: NatsMsg;
    try {
      m = await this.nc.request(subject, data, { timeout: options.timeout });
    } catch (cause) {
      const e = cause as Error & { isNoResponders?: () => boolean };
      if (e?.name === 'NoResponders' || e?.isNoResponders?.() === true) {
        throw new ClusterError(ErrorCode.SERVICE_UNAVAILABLE, `nothing in the cluster listens on ${subject}`, { cause, details: { subject } });
      }
      if (e?.name === 'TimeoutError' || (e?.cause as Error | undefined)?.name === 'TimeoutError') {
        throw new ClusterError(ErrorCode.REQUEST_TIMEOUT, `no answer on ${subject} within ${options.timeout} ms`, { cause, details: { subject, timeout: options.timeout } });
      }
      throw new ClusterError(ErrorCode.CLUSTER_CLOSED, `request on ${subject} failed: ${e?.message ?? String(cause)}`, { cause });
    }
    return { subject: m.subject, data: m.data, reply: m.reply || undefined };
  }

  onStatus(fn: (status: BrokerStatus) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  async keyValue(bucket: string, options: KeyValueOptions = {}): Promise<KeyValue> {
    // JetStream key-value lives in a separate optional package, loaded on first use.
    let kvm: { Kvm: new (nc: NatsConn) => { create(name: string, opts: Record<string, unknown>): Promise<NatsKv> } };
    try {
      kvm = (await import(KV_CLIENT)) as typeof kvm;
    } catch (cause) {
      throw new ClusterError(ErrorCode.CLUSTER_CLIENT_MISSING, `the NATS key-value client ${KV_CLIENT} could not be loaded; install it: npm install ${KV_CLIENT}`, { cause });
    }
    let kv: NatsKv;
    try {
      kv = await new kvm.Kvm(this.nc).create(bucket, {
        ...(options.ttl !== undefined && { ttl: options.ttl }),
        ...(options.maxBytes !== undefined && { max_bytes: options.maxBytes }),
        ...(options.replicas !== undefined && { replicas: options.replicas }),
      });
    } catch (cause) {
      throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, `could not open the key-value bucket ${bucket} (is JetStream enabled on the NATS server?): ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
    return {
      get: async (key) => {
        const e = await kv.get(key);
        return e === null || e.operation !== 'PUT' ? undefined : e.value;
      },
      put: async (key, value) => {
        await kv.put(key, value);
      },
      // A stream purge of the key's subject: no delete marker stays behind to be listed, swept
      // or kept alive (the bucket holds one value per key, history 1).
      delete: async (key) => {
        await this.jsApi<{ success?: boolean }>(`STREAM.PURGE.KV_${bucket}`, { filter: `$KV.${bucket}.${key}` }, `remove ${key} from ${bucket}`);
      },
      keys: (limit, filter) => this.kvKeys(bucket, limit, filter),
    };
  }

  /**
   * The keys of `bucket` (matching `filter`), from one JetStream STREAM.INFO request with a
   * subjects filter: no consumer. (The client's `kv.keys()` iterates an ordered consumer that,
   * while entries are written or deleted meanwhile, can wait for an idle heartbeat: 30 s.)
   * `delete` leaves no marker, so what is listed is there (or was, a moment ago).
   */
  private async kvKeys(bucket: string, limit: number, filter = '>'): Promise<string[]> {
    const prefix = `$KV.${bucket}.`;
    const reply = await this.jsApi<{ state?: { subjects?: Record<string, number> } }>(
      `STREAM.INFO.KV_${bucket}`, { subjects_filter: prefix + filter, offset: 0 }, `list the keys of ${bucket}`);
    const out: string[] = [];
    for (const subject of Object.keys(reply.state?.subjects ?? {})) {
      if (out.length >= limit) break;
      if (subject.startsWith(prefix)) out.push(subject.slice(prefix.length));
    }
    return out;
  }

  /** One JetStream API request (`$JS.API.<what>`), its JSON answer, failures typed. */
  private async jsApi<T>(what: string, body: unknown, doing: string): Promise<T> {
    let reply: T & { error?: { description?: string } };
    try {
      const m = await this.nc.request(`$JS.API.${what}`, new TextEncoder().encode(JSON.stringify(body)), { timeout: KV_API_TIMEOUT });
      reply = JSON.parse(new TextDecoder().decode(m.data)) as typeof reply;
    } catch (cause) {
      throw new ClusterError(ErrorCode.CLUSTER_CLOSED, `could not ${doing}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
    if (reply.error !== undefined) throw new ClusterError(ErrorCode.CLUSTER_CLOSED, `could not ${doing}: ${reply.error.description ?? 'JetStream error'}`);
    return reply;
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nc.close();
  }
}

const KV_CLIENT = '@nats-io/kv';
/** Time one JetStream API request (a key listing, a removal) may take, in ms (the client's own API timeout). */
const KV_API_TIMEOUT = 5000;
interface NatsKv {
  get(key: string): Promise<{ value: Uint8Array; operation: string } | null>;
  put(key: string, value: Uint8Array): Promise<number>;
  delete(key: string): Promise<void>;
}

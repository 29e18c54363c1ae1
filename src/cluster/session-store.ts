/**
 * A {@link SessionStore} on the broker's key-value bucket (NATS JetStream KV), so that a detached
 * session can be resumed on any node of the cluster: the node that lost the connection puts the
 * snapshot, the node the client reconnects to gets it.
 *
 * Snapshots are stored as JSON, payloads as base64 (bytes) or text. What comes back from the
 * bucket is untrusted (another node, an operator, a corrupted entry): it is checked field by field,
 * and one that does not fit is counted in `malformed` and treated as absent (the client gets a
 * new session, as after an expiry), never thrown at the endpoint.
 *
 * Bounds: one snapshot larger than the broker's `max_payload` is not kept (`put` returns its id,
 * as `MemorySessionStore` does for one over its budget); the bucket's `maxBytes` and `ttl`
 * (default: 2 × the session retention you give) are kept by NATS.
 */
import { ErrorCode, type RetainedRecord, type SessionLog, type SessionLogEntry, type SessionSnapshot, type SessionStore } from '../core/index.js';
import type { Broker, KeyValue, KeyValueOptions } from './broker.js';
import { ClusterError } from './errors.js';

export interface NatsSessionStoreOptions {
  /** Bucket name. @default 'switchboard_sessions' */
  bucket?: string;
  /** Entries older than this are removed by NATS, in ms; set it above your session retention. @default 240000 */
  ttl?: number;
  /** Bytes the bucket may hold (NATS refuses puts past it). @default 256 MiB */
  maxBytes?: number;
  /** Copies in the NATS cluster (1, 3 or 5). @default 1 */
  replicas?: number;
  /** Keys `sweep()` looks at per call. @default 10000 */
  sweepLimit?: number;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const utf8 = new TextEncoder();
const KINDS = new Set(['M', 'Q', 'R', 'E', 'C']);

type Wire = Omit<SessionSnapshot, 'retained'> & { retained: Array<Omit<RetainedRecord, 'payload'> & { p: null | { b: string } | { s: string } }> };

const wireRecords = (records: readonly RetainedRecord[]): Wire['retained'] => records.map((r) => ({
  seq: r.seq,
  kind: r.kind,
  id: r.id,
  aux: r.aux,
  p: r.payload === undefined ? null : typeof r.payload === 'string' ? { s: r.payload } : { b: Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength).toString('base64') },
}));

function encode(s: SessionSnapshot): Uint8Array {
  const wire: Wire = { ...s, retained: wireRecords(s.retained) };
  return utf8.encode(JSON.stringify(wire));
}

const int = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** The JSON value in `bytes` (strict UTF-8), or undefined when they are not UTF-8 JSON (no JSON text parses to undefined). */
function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The snapshot, or why the bytes are not one. */
export function decodeSnapshot(bytes: Uint8Array, id: string): SessionSnapshot | string {
  const w = parseJson(bytes) as Record<string, unknown> | undefined;
  if (w === undefined) return 'not UTF-8 JSON';
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return 'not an object';
  if (w['version'] !== 1) return `version ${String(w['version'])}, expected 1`;
  if (w['id'] !== id) return 'the id does not match its key';
  if (typeof w['secret'] !== 'string') return 'no secret';
  for (const k of ['detachedAt', 'retention', 'nextSeq', 'acked', 'lastWritten', 'received', 'peerMaxRequests', 'nextRequestId']) {
    if (!int(w[k])) return `${k} is not a non-negative integer`;
  }
  const retainedIn = w['retained'];
  const pendingIn = w['pending'];
  const inboundIn = w['inbound'];
  if (!Array.isArray(retainedIn) || !Array.isArray(pendingIn) || !Array.isArray(inboundIn)) return 'retained, pending or inbound is not an array';
  const retained: RetainedRecord[] = [];
  for (const r of retainedIn as Array<Record<string, unknown>>) {
    if (typeof r !== 'object' || r === null || !int(r['seq']) || !KINDS.has(r['kind'] as string) || !int(r['id']) || typeof r['aux'] !== 'string') return 'a retained record is malformed';
    const p = r['p'] as Record<string, unknown> | null;
    let payload: Uint8Array | string | undefined;
    if (p === null) payload = undefined;
    else if (typeof p === 'object' && typeof p['s'] === 'string') payload = p['s'];
    else if (typeof p === 'object' && typeof p['b'] === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(p['b'])) payload = new Uint8Array(Buffer.from(p['b'], 'base64'));
    else return 'a retained payload is malformed';
    retained.push({ seq: r['seq'] as number, kind: r['kind'] as RetainedRecord['kind'], id: r['id'] as number, aux: r['aux'] as string, payload });
  }
  const pending: SessionSnapshot['pending'] = [];
  for (const q of pendingIn as Array<Record<string, unknown>>) {
    if (typeof q !== 'object' || q === null || !int(q['id']) || !int(q['seq']) || typeof q['abandoned'] !== 'boolean') return 'a pending request is malformed';
    pending.push({ id: q['id'] as number, seq: q['seq'] as number, abandoned: q['abandoned'] as boolean });
  }
  if (!(inboundIn as unknown[]).every(int)) return 'an inbound request id is malformed';
  return {
    version: 1,
    id,
    secret: w['secret'] as string,
    detachedAt: w['detachedAt'] as number,
    retention: w['retention'] as number,
    nextSeq: w['nextSeq'] as number,
    acked: w['acked'] as number,
    lastWritten: w['lastWritten'] as number,
    received: w['received'] as number,
    retained,
    peerMaxRequests: w['peerMaxRequests'] as number,
    nextRequestId: w['nextRequestId'] as number,
    pending,
    inbound: inboundIn as number[],
    ...(int(w['delivered']) && { delivered: w['delivered'] }),
  };
}

/** A log entry, or why the bytes are not one (its meta is checked as a snapshot is). */
export function decodeLogEntry(bytes: Uint8Array, id: string): SessionLogEntry | string {
  const w = parseJson(bytes) as Record<string, unknown> | undefined;
  if (w === undefined) return 'not UTF-8 JSON';
  if (typeof w !== 'object' || w === null || !int(w['flush']) || !int(w['parts']) || (w['parts'] as number) < 1) return 'flush or parts is malformed';
  const meta = w['meta'] as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null || !int(meta['delivered'])) return 'meta is malformed';
  const s = decodeSnapshot(utf8.encode(JSON.stringify({ ...meta, retained: w['records'] })), id);
  if (typeof s === 'string') return s;
  const { retained, ...rest } = s;
  return { flush: w['flush'] as number, parts: w['parts'] as number, meta: { ...rest, delivered: meta['delivered'] as number }, records: retained };
}

export class NatsSessionStore implements SessionStore, SessionLog {
  /** Entries read from the bucket that were not a valid snapshot (treated as absent). */
  malformed = 0;
  private logKv: Promise<KeyValue> | undefined;
  private logOpened = false;
  private logAsked = 0;

  /** @internal use natsSessionStore() */
  constructor(
    private readonly kv: KeyValue,
    private readonly broker: Broker,
    private readonly sweepLimit: number,
    private readonly logBucket = 'switchboard_sessions_log',
    private readonly logOptions: KeyValueOptions = {},
  ) {}

  // ------------------------------------------------------------------ SessionLog (durable sessions)

  /** Payload bytes of one log entry: a quarter of `max_payload` under base64 and JSON, to be safe. */
  get maxEntryBytes(): number {
    return Math.max(1024, Math.floor(this.broker.maxPayload / 2));
  }

  /** The log bucket (`<bucket>_log`), opened on first use: a store without durable sessions never makes it. */
  private log(): Promise<KeyValue> {
    // Opened again after a failure, or when opening has taken over 5 s (NATS was down).
    if (this.logKv === undefined || (!this.logOpened && Date.now() - this.logAsked > 5000)) {
      const p = this.broker.keyValue!(this.logBucket, this.logOptions);
      this.logKv = p;
      this.logAsked = Date.now();
      p.then(() => {
        if (this.logKv === p) this.logOpened = true;
      }, () => {
        if (this.logKv === p) this.logKv = undefined; // try again next time
      });
    }
    return this.logKv;
  }

  async append(id: string, n: number, entry: SessionLogEntry): Promise<void> {
    if (!ID.test(id)) throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, `session id ${JSON.stringify(id)} cannot be a log key`);
    const bytes = utf8.encode(JSON.stringify({ flush: entry.flush, parts: entry.parts, meta: entry.meta, records: wireRecords(entry.records) }));
    if (bytes.length > this.broker.maxPayload) throw new ClusterError(ErrorCode.CLUSTER_PAYLOAD_TOO_LARGE, `log entry ${id}.${n} is ${bytes.length} bytes, over max_payload ${this.broker.maxPayload}`);
    await (await this.log()).put(`${id}.${n}`, bytes);
  }

  async remove(id: string, ns: readonly number[]): Promise<void> {
    if (!ID.test(id) || ns.length === 0) return;
    const kv = await this.log();
    await Promise.all(ns.map((n) => kv.delete(`${id}.${n}`)));
  }

  async read(id: string): Promise<Array<{ n: number; entry: SessionLogEntry }>> {
    if (!ID.test(id)) return [];
    const kv = await this.log();
    const keys = await kv.keys(this.sweepLimit, `${id}.>`);
    const out: Array<{ n: number; entry: SessionLogEntry }> = [];
    await Promise.all(keys.map(async (key) => {
      const n = Number(key.slice(id.length + 1));
      if (!Number.isSafeInteger(n) || n < 0) return;
      const bytes = await kv.get(key);
      if (bytes === undefined) return;
      const entry = decodeLogEntry(bytes, id);
      if (typeof entry === 'string') {
        this.malformed++;
        return;
      }
      out.push({ n, entry });
    }));
    return out.sort((x, y) => x.n - y.n);
  }

  async get(id: string): Promise<SessionSnapshot | undefined> {
    if (!ID.test(id)) return undefined; // ids come from clients' HELLO: never a key pattern
    const bytes = await this.kv.get(id);
    if (bytes === undefined) return undefined;
    const s = decodeSnapshot(bytes, id);
    if (typeof s === 'string') {
      this.malformed++;
      return undefined;
    }
    return s;
  }

  async put(snapshot: SessionSnapshot, _now: number): Promise<string[]> {
    if (!ID.test(snapshot.id)) return [snapshot.id];
    const bytes = encode(snapshot);
    if (bytes.length > this.broker.maxPayload) {
      await this.kv.delete(snapshot.id).catch(() => {});
      return [snapshot.id];
    }
    await this.kv.put(snapshot.id, bytes);
    return [];
  }

  async delete(id: string): Promise<void> {
    if (!ID.test(id)) return;
    await this.kv.delete(id);
  }

  async sweep(now: number): Promise<string[]> {
    const gone: string[] = [];
    for (const id of await this.kv.keys(this.sweepLimit)) {
      const s = await this.get(id);
      if (s === undefined || s.detachedAt + s.retention <= now) {
        await this.kv.delete(id).catch(() => {});
        if (s !== undefined) gone.push(id);
      }
    }
    return gone;
  }
}

/**
 * Opens (creating it if needed) the session bucket on `broker`. Rejects with
 * `CLUSTER_CONNECT_FAILED` when the broker has no key-value store (NATS without JetStream:
 * start nats-server with `-js`), `CLUSTER_CLIENT_MISSING` without `@nats-io/kv`.
 */
export async function natsSessionStore(broker: Broker, options: NatsSessionStoreOptions = {}): Promise<NatsSessionStore> {
  if (broker.keyValue === undefined) throw new ClusterError(ErrorCode.CLUSTER_CONNECT_FAILED, 'this broker has no key-value store');
  const bucket = options.bucket ?? 'switchboard_sessions';
  const kvOptions: KeyValueOptions = {
    ttl: options.ttl ?? 240_000,
    maxBytes: options.maxBytes ?? 256 * 1024 * 1024,
    ...(options.replicas !== undefined && { replicas: options.replicas }),
  };
  const kv = await broker.keyValue(bucket, kvOptions);
  return new NatsSessionStore(kv, broker, options.sweepLimit ?? 10_000, `${bucket}_log`, kvOptions);
}

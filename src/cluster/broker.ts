/**
 * The broker seam: the little a cluster needs from a message broker. One implementation, on
 * NATS (nats.ts, the only file that imports a NATS client). Subjects are dot-separated tokens;
 * the cluster builds them from checked names only (see core/rooms.ts), never from raw input.
 */

/** One message from the broker. Its bytes come from other nodes: untrusted input. */
export interface BrokerMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Where an answer goes (a request's inbox), if the sender asked for one. */
  readonly reply: string | undefined;
}

/**
 * What happened to the link to the broker:
 * - `disconnected`: the link dropped (reported as soon as the socket closes); the client retries.
 * - `reconnected`: the link is back and every subscription has been sent again.
 * - `error`: the broker reported an error (authorization, slow consumer...); the link may go on.
 * - `closed`: the broker link is closed for good.
 */
export type BrokerStatus =
  | { readonly type: 'disconnected'; readonly server: string }
  | { readonly type: 'reconnected'; readonly server: string }
  | { readonly type: 'error'; readonly error: Error }
  | { readonly type: 'closed' };

export interface BrokerSubscription {
  readonly subject: string;
  /** Messages delivered to this subscription so far. */
  readonly received: number;
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group (load sharing). @default none */
  queue?: string;
}

/** A small key-value bucket (NATS JetStream KV), for session state. */
export interface KeyValue {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key (at most `limit`); with `filter`, those matching it (NATS subject syntax, `id.>`). */
  keys(limit: number, filter?: string): Promise<string[]>;
}

/** Bounds of a key-value bucket, kept by the broker. */
export interface KeyValueOptions {
  /** Entries older than this are removed by the broker, in ms. @default none */
  ttl?: number;
  /** Bytes the bucket may hold. @default none (the broker's limits) */
  maxBytes?: number;
  /** Copies in a NATS cluster (1, 3 or 5). @default 1 */
  replicas?: number;
}

export interface Broker {
  /** Largest message the broker takes, in bytes (NATS: the server's `max_payload`, 1 MiB by default). */
  readonly maxPayload: number;
  /** Whether the link is up right now. */
  readonly connected: boolean;
  /** The broker server this link is connected to (for logs). */
  readonly server: string;
  /**
   * Sends `data` on `subject`. Throws `CLUSTER_PAYLOAD_TOO_LARGE` over `maxPayload`,
   * `CLUSTER_CLOSED` after `close()`. While disconnected, the client holds it until the link is back.
   */
  publish(subject: string, data: Uint8Array, reply?: string): void;
  subscribe(subject: string, onMessage: (msg: BrokerMessage) => void, options?: SubscribeOptions): BrokerSubscription;
  /** A fresh subject to receive answers on. */
  inbox(): string;
  /** Sends one request and waits for the first answer (rejects after `timeout` ms). */
  request(subject: string, data: Uint8Array, options: { timeout: number }): Promise<BrokerMessage>;
  /** Calls `fn` on every status change; returns a function that stops it. */
  onStatus(fn: (status: BrokerStatus) => void): () => void;
  /** A key-value bucket, where the broker has one (NATS: JetStream must be enabled). */
  keyValue?(bucket: string, options?: KeyValueOptions): Promise<KeyValue>;
  /** Resolves once everything published so far has reached the broker. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

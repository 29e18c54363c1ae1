/**
 * Metrics of a server or a client: plain counters on one object per endpoint, read as a snapshot
 * by `server.metrics()` / `client.metrics()`. Nothing here runs per message: message and byte
 * totals are the sum of the connections' own `stats` (which they keep anyway) plus what closed
 * connections left behind, added up when a snapshot is taken. Drops, refusals and reconnects are
 * counted where they happen (rare paths). docs/observability.md maps each field to its
 * OpenTelemetry name and its Prometheus name.
 */
import { Histogram, type HistogramSnapshot } from '../core/histogram.js';
import type { ConnectionStats } from './connection.js';

/** Why a message, or a connection's traffic, was dropped. Bounded: these eight and no others. */
export const DropReason = {
  /** A permanent client's outbox was full while disconnected (`outbox.overflow`). */
  OutboxFull: 'outbox_full',
  /** `send()` refused a message: the connection's queue was at `maxQueuedBytes` (`overflow: 'drop'`). */
  SendOverflow: 'send_overflow',
  /** A received frame the codec could not decode (skipped with `decodeErrors: 'skip'`, or the connection closed). */
  DecodeError: 'decode_error',
  /** A connection closed because its peer does not read (`overflow: 'close'`, `SEND_OVERFLOW`). */
  SlowConsumer: 'slow_consumer',
  /** A connection closed by the server's `memoryBudget` (`MEMORY_BUDGET_EXCEEDED`). */
  Budget: 'budget',
  /** A received datagram larger than `maxDatagramSize` (`FRAME_TOO_LARGE`). */
  Oversize: 'oversize',
  /** A received named message without the right `secret_code` (`SECRET_CODE_MISMATCH`). */
  Forbidden: 'forbidden',
  /** A received datagram nobody read in time: the endpoint's receive queue was full (`DATAGRAM_QUEUE_FULL`). */
  QueueFull: 'queue_full',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Why a server refused a connection. */
export const RejectReason = {
  /** Over `maxConnections`. */
  MaxConnections: 'max_connections',
  /** The WebSocket upgrade was refused, or the protocol's `onConnect` hook refused or timed out. */
  Handshake: 'handshake',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** How a request ended. */
export const RequestOutcome = {
  Ok: 'ok',
  /** The peer answered with an error, or the request failed locally. */
  Error: 'error',
  Timeout: 'timeout',
  /** Aborted by its signal, or the connection or session closed first. */
  Cancelled: 'cancelled',
} as const;
export type RequestOutcome = (typeof RequestOutcome)[keyof typeof RequestOutcome];

/** A snapshot of an endpoint's metrics; see docs/observability.md for their OpenTelemetry names. */
export interface MetricsSnapshot {
  readonly connections: {
    /** Open now (after any handshake, before closed). */
    readonly open: number;
    /** Opened since the endpoint started (servers: accepted; clients: connected). */
    readonly opened: number;
    /** Closed since the endpoint started. */
    readonly closed: number;
    /** Refused by the server, by reason. */
    readonly rejected: Readonly<Record<RejectReason, number>>;
  };
  readonly messages: { readonly received: number; readonly sent: number };
  /** Bytes on the wire (framing included), received and sent. */
  readonly bytes: { readonly received: number; readonly sent: number };
  readonly drops: Readonly<Record<DropReason, number>>;
  /** Clients: reconnect attempts scheduled after a failed attempt or a lost link. */
  readonly reconnects: number;
  readonly sessions: { readonly resumed: number; readonly gaps: number };
  readonly requests: Readonly<Record<RequestOutcome, number>>;
  /** Round-trip times measured by `conn.ping()`, in microseconds. */
  readonly rtt: HistogramSnapshot;
  /** The same round trips as cumulative buckets: `[upper bound in µs, how many at or below it]`, for exporters. */
  readonly rttBuckets: ReadonlyArray<readonly [number, number]>;
}

/** The upper bounds of `rttBuckets`, in microseconds (100 µs to 10 s). */
export const RTT_BUCKETS_US: readonly number[] = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 10_000_000];

/**
 * @internal The counters of one endpoint. Connections hold a reference (or none) and bump the
 * rare counters directly; per-message totals stay in each connection's `stats`.
 */
export class Meter {
  opened = 0;
  closed = 0;
  reconnects = 0;
  sessionsResumed = 0;
  sessionGaps = 0;
  readonly rejected: Record<RejectReason, number> = { max_connections: 0, handshake: 0 };
  readonly drops: Record<DropReason, number> = { outbox_full: 0, send_overflow: 0, decode_error: 0, slow_consumer: 0, budget: 0, oversize: 0, forbidden: 0, queue_full: 0 };
  readonly requests: Record<RequestOutcome, number> = { ok: 0, error: 0, timeout: 0, cancelled: 0 };
  /** Microseconds. */
  readonly rtt = new Histogram();
  /** What closed connections counted. */
  private readonly retired = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };

  /** A connection closed: keep its totals (`opened`: it had opened, so it counts as closed too). */
  retire(stats: ConnectionStats, opened: boolean): void {
    if (opened) this.closed++;
    const r = this.retired;
    r.messagesIn += stats.messagesIn;
    r.messagesOut += stats.messagesOut;
    r.bytesIn += stats.bytesIn;
    r.bytesOut += stats.bytesOut;
  }

  /** The snapshot, with `live` the stats of the connections not closed yet and `open` how many are open. */
  snapshot(live: Iterable<ConnectionStats>, open: number): MetricsSnapshot {
    const t = { ...this.retired };
    for (const s of live) {
      t.messagesIn += s.messagesIn;
      t.messagesOut += s.messagesOut;
      t.bytesIn += s.bytesIn;
      t.bytesOut += s.bytesOut;
    }
    return {
      connections: { open, opened: this.opened, closed: this.closed, rejected: { ...this.rejected } },
      messages: { received: t.messagesIn, sent: t.messagesOut },
      bytes: { received: t.bytesIn, sent: t.bytesOut },
      drops: { ...this.drops },
      reconnects: this.reconnects,
      sessions: { resumed: this.sessionsResumed, gaps: this.sessionGaps },
      requests: { ...this.requests },
      rtt: this.rtt.snapshot(),
      rttBuckets: RTT_BUCKETS_US.map((le) => [le, this.rtt.countAtOrBelow(le)] as const),
    };
  }
}

/** @internal The key under which a permanent client hands its meter to `connect()`. */
export const METER = Symbol('switchboard.meter');

/**
 * @internal A datagram endpoint's counters as a metrics snapshot: no connections, messages and
 * bytes from its `stats`, its drops by reason (decode errors, oversize, wrong secret code, a full
 * receive queue, and sends refused as `send_overflow`).
 */
export function datagramSnapshot(s: DatagramStatsLike): MetricsSnapshot {
  const m = new Meter();
  m.drops.decode_error = s.decodeErrors;
  m.drops.oversize = s.droppedOversize;
  m.drops.forbidden = s.droppedSecret;
  m.drops.queue_full = s.droppedQueueFull;
  m.drops.send_overflow = s.sendDropped;
  return m.snapshot([{ messagesIn: s.delivered, messagesOut: s.sent, bytesIn: s.bytesIn, bytesOut: s.bytesOut } as ConnectionStats], 0);
}

/** The fields of `DatagramStats` a snapshot reads (kept here so metrics.ts does not import datagram.ts). */
export interface DatagramStatsLike {
  readonly delivered: number;
  readonly sent: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly decodeErrors: number;
  readonly droppedOversize: number;
  readonly droppedSecret: number;
  readonly droppedQueueFull: number;
  readonly sendDropped: number;
}

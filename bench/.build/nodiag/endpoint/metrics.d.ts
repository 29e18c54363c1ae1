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
/** Why a message, or a connection's traffic, was dropped. Bounded: these five and no others. */
export declare const DropReason: {
    /** A permanent client's outbox was full while disconnected (`outbox.overflow`). */
    readonly OutboxFull: "outbox_full";
    /** `send()` refused a message: the connection's queue was at `maxQueuedBytes` (`overflow: 'drop'`). */
    readonly SendOverflow: "send_overflow";
    /** A received frame the codec could not decode (skipped with `decodeErrors: 'skip'`, or the connection closed). */
    readonly DecodeError: "decode_error";
    /** A connection closed because its peer does not read (`overflow: 'close'`, `SEND_OVERFLOW`). */
    readonly SlowConsumer: "slow_consumer";
    /** A connection closed by the server's `memoryBudget` (`MEMORY_BUDGET_EXCEEDED`). */
    readonly Budget: "budget";
};
export type DropReason = (typeof DropReason)[keyof typeof DropReason];
/** Why a server refused a connection. */
export declare const RejectReason: {
    /** Over `maxConnections`. */
    readonly MaxConnections: "max_connections";
    /** The WebSocket upgrade was refused, or the protocol's `onConnect` hook refused or timed out. */
    readonly Handshake: "handshake";
};
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];
/** How a request ended. */
export declare const RequestOutcome: {
    readonly Ok: "ok";
    /** The peer answered with an error, or the request failed locally. */
    readonly Error: "error";
    readonly Timeout: "timeout";
    /** Aborted by its signal, or the connection or session closed first. */
    readonly Cancelled: "cancelled";
};
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
    readonly messages: {
        readonly received: number;
        readonly sent: number;
    };
    /** Bytes on the wire (framing included), received and sent. */
    readonly bytes: {
        readonly received: number;
        readonly sent: number;
    };
    readonly drops: Readonly<Record<DropReason, number>>;
    /** Clients: reconnect attempts scheduled after a failed attempt or a lost link. */
    readonly reconnects: number;
    readonly sessions: {
        readonly resumed: number;
        readonly gaps: number;
    };
    readonly requests: Readonly<Record<RequestOutcome, number>>;
    /** Round-trip times measured by `conn.ping()`, in microseconds. */
    readonly rtt: HistogramSnapshot;
    /** The same round trips as cumulative buckets: `[upper bound in µs, how many at or below it]`, for exporters. */
    readonly rttBuckets: ReadonlyArray<readonly [number, number]>;
}
/** The upper bounds of `rttBuckets`, in microseconds (100 µs to 10 s). */
export declare const RTT_BUCKETS_US: readonly number[];
/**
 * @internal The counters of one endpoint. Connections hold a reference (or none) and bump the
 * rare counters directly; per-message totals stay in each connection's `stats`.
 */
export declare class Meter {
    opened: number;
    closed: number;
    reconnects: number;
    sessionsResumed: number;
    sessionGaps: number;
    readonly rejected: Record<RejectReason, number>;
    readonly drops: Record<DropReason, number>;
    readonly requests: Record<RequestOutcome, number>;
    /** Microseconds. */
    readonly rtt: Histogram;
    /** What closed connections counted. */
    private readonly retired;
    /** A connection closed: keep its totals (`opened`: it had opened, so it counts as closed too). */
    retire(stats: ConnectionStats, opened: boolean): void;
    /** The snapshot, with `live` the stats of the connections not closed yet and `open` how many are open. */
    snapshot(live: Iterable<ConnectionStats>, open: number): MetricsSnapshot;
}
/** @internal The key under which a permanent client hands its meter to `connect()`. */
export declare const METER: unique symbol;

import { type TextServer } from '../transport/http-text.js';
import type { MetricsSnapshot } from './metrics.js';
/** Anything with a `metrics()` snapshot: a `Server`, a `PermanentClient`. */
export interface MetricsSource {
    metrics(): MetricsSnapshot;
}
/** A source with constant labels, for exporting several endpoints at once. */
export interface LabeledSource {
    source: MetricsSource;
    /** Constant labels of every sample of this source, e.g. `{ endpoint: 'api' }`. Keep them few. */
    labels?: Readonly<Record<string, string>>;
}
/** The text format: every metric family with HELP and TYPE, one sample per source and label set. */
export declare function prometheusText(sources: MetricsSource | ReadonlyArray<MetricsSource | LabeledSource>): string;
/** The content type of the text format. */
export declare const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/**
 * Serves `GET /metrics` on `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`; port 0: any free port)
 * with the sources' metrics in the Prometheus text format. There is no default address: it binds
 * only where it is told. Close it with `close()`.
 */
export declare function serveMetrics(where: string, sources: MetricsSource | ReadonlyArray<MetricsSource | LabeledSource>): Promise<TextServer>;
/** `host:port` or `[v6]:port`; the host is required (no default public address). */
export declare function parseHostPortArg(where: string): {
    host: string;
    port: number;
};
export type { TextServer as MetricsServer };

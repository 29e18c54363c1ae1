/**
 * Prometheus exposition of `server.metrics()` / `client.metrics()`: the text format (version
 * 0.0.4) written here, so the package needs no metrics dependency. A separate entry,
 * `switchboard/prometheus`; nothing else in the package imports it.
 *
 *     import { serveMetrics } from 'switchboard/prometheus';
 *     const exporter = await serveMetrics('127.0.0.1:9464', [server]);   // GET /metrics
 *
 * Labels stay bounded: a drop's `reason`, a refusal's `reason` and a request's `outcome` come
 * from fixed lists, and the only other labels are the ones you give per source (say, a server's
 * role); there is never a label per connection, peer or room.
 */
import { ConfigError, ErrorCode } from '../core/index.js';
import { serveText, type TextServer } from '../transport/http-text.js';
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

type Sample = { labels: Record<string, string>; value: number; suffix?: string };
type Family = { name: string; help: string; type: 'counter' | 'gauge' | 'histogram'; samples: Sample[] };

/** `foo_bar` and nothing Prometheus would refuse. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The text format: every metric family with HELP and TYPE, one sample per source and label set. */
export function prometheusText(sources: MetricsSource | ReadonlyArray<MetricsSource | LabeledSource>): string {
  const list: LabeledSource[] = (Array.isArray(sources) ? sources : [sources]).map((s) =>
    'source' in (s as LabeledSource) ? (s as LabeledSource) : { source: s as MetricsSource },
  );
  const families = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, labels: Record<string, string>, value: number, suffix?: string): void => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, help, type, samples: [] }));
    f.samples.push({ labels, value, ...(suffix !== undefined && { suffix }) });
  };
  for (const { source, labels = {} } of list) {
    for (const k of Object.keys(labels)) {
      if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new ConfigError(ErrorCode.INVALID_OPTION, `invalid Prometheus label name "${k}"`);
    }
    const m = source.metrics();
    const l = (extra: Record<string, string> = {}): Record<string, string> => ({ ...labels, ...extra });
    add('switchboard_connections', 'gauge', 'Connections open now.', l(), m.connections.open);
    add('switchboard_connections_opened_total', 'counter', 'Connections opened (servers: accepted and past any handshake).', l(), m.connections.opened);
    add('switchboard_connections_closed_total', 'counter', 'Connections closed after they had opened.', l(), m.connections.closed);
    for (const [reason, n] of Object.entries(m.connections.rejected)) {
      add('switchboard_connections_rejected_total', 'counter', 'Connections refused before they opened, by reason.', l({ reason }), n);
    }
    add('switchboard_messages_received_total', 'counter', 'Messages received (decoded).', l(), m.messages.received);
    add('switchboard_messages_sent_total', 'counter', 'Messages sent (queued for the socket).', l(), m.messages.sent);
    add('switchboard_bytes_received_total', 'counter', 'Bytes received, framing included.', l(), m.bytes.received);
    add('switchboard_bytes_sent_total', 'counter', 'Bytes sent, framing included.', l(), m.bytes.sent);
    for (const [reason, n] of Object.entries(m.drops)) {
      add('switchboard_drops_total', 'counter', 'Messages or connections dropped, by reason.', l({ reason }), n);
    }
    add('switchboard_reconnects_total', 'counter', 'Reconnect attempts scheduled by clients.', l(), m.reconnects);
    add('switchboard_sessions_resumed_total', 'counter', 'Sessions resumed on a new connection.', l(), m.sessions.resumed);
    add('switchboard_session_gaps_total', 'counter', 'Session resumes that found messages lost.', l(), m.sessions.gaps);
    for (const [outcome, n] of Object.entries(m.requests)) {
      add('switchboard_requests_total', 'counter', 'Requests finished, by outcome.', l({ outcome }), n);
    }
    for (const [le, n] of m.rttBuckets) add('switchboard_rtt_seconds', 'histogram', 'Ping round-trip times.', l({ le: String(le / 1e6) }), n, '_bucket');
    add('switchboard_rtt_seconds', 'histogram', 'Ping round-trip times.', l({ le: '+Inf' }), m.rtt.count, '_bucket');
    add('switchboard_rtt_seconds', 'histogram', 'Ping round-trip times.', l(), m.rtt.sum / 1e6, '_sum');
    add('switchboard_rtt_seconds', 'histogram', 'Ping round-trip times.', l(), m.rtt.count, '_count');
  }
  let out = '';
  for (const f of families.values()) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
}

function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

/** Text format: a label value escapes backslash, double quote and line feed. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The content type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Serves `GET /metrics` on `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`; port 0: any free port)
 * with the sources' metrics in the Prometheus text format. There is no default address: it binds
 * only where it is told. Close it with `close()`.
 */
export async function serveMetrics(where: string, sources: MetricsSource | ReadonlyArray<MetricsSource | LabeledSource>): Promise<TextServer> {
  const { host, port } = parseHostPortArg(where);
  return serveText(host, port, '/metrics', PROMETHEUS_CONTENT_TYPE, () => prometheusText(sources));
}

/** `host:port` or `[v6]:port`; the host is required (no default public address). */
export function parseHostPortArg(where: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(where) ?? /^([^:[\]]+):(\d+)$/.exec(where);
  if (m === null) throw new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid metrics address "${where}", expected HOST:PORT such as 127.0.0.1:9464`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(ErrorCode.INVALID_ADDRESS, `invalid metrics address "${where}": port ${port} is over 65535`);
  return { host: m[1]!, port };
}

export type { TextServer as MetricsServer };

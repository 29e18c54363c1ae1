/**
 * `switchboard bench <url>`: a load tool for any transport, framing and codec, against any echo
 * server (ours or someone else's), like `nats bench`. Each connection keeps `--in-flight`
 * messages of `--size` bytes outstanding and sends one more per reply (or, with `--rate`, on a
 * schedule); replies come back in order on a connection, so each one's round trip is taken from
 * a FIFO of send times. At the end: messages/s, bytes/s and an HDR-style latency histogram
 * (p50/p90/p99/p99.9/max), as text or `--json`.
 *
 * With `--rate`, a message's round trip counts from when it was due, not from when it left: a
 * server that stalls shows in the percentiles instead of silently slowing the sender down
 * (the "coordinated omission" correction of HdrHistogram and wrk2).
 */
import { Histogram } from '../core/histogram.js';
import { SendStatus } from '../core/index.js';
import { connect, type Connection } from '../endpoint/index.js';
import { isWebSocketUrl } from '../transport/websocket.js';
import { codecName, isDatagramUrl, protocolFrom, tlsFrom, websocketFrom, type CommonFlags } from './commands.js';
import { Exit, type CliIo } from './io.js';

export interface BenchFlags extends CommonFlags {
  connections: number;
  inFlight: number;
  size: number;
  /** Messages per second over all connections; 0: as fast as replies come. */
  rate: number;
  /** Measured time, in ms. */
  duration: number;
  /** Unmeasured time before it, in ms. */
  warmup: number;
  json?: boolean;
  /** Print the progress line even when stderr is not a terminal. */
  progress?: boolean;
  timeout?: number;
}

/** What `--json` prints. Latencies in microseconds. */
export interface BenchResult {
  url: string;
  transport: string;
  framing: string;
  codec: string;
  connections: number;
  inFlight: number;
  size: number;
  rate: number;
  durationMs: number;
  sent: number;
  received: number;
  /** Replies whose size was not the size sent (a server that is not an echo). */
  mismatched: number;
  msgsPerSec: number;
  /** Bytes on the wire per second, both directions, framing included. */
  bytesPerSec: number;
  latencyUs: { p50: number; p90: number; p99: number; p999: number; max: number; min: number; mean: number };
}

const PROGRESS_MS = 1000;
/** Connections opened at once before the run. */
const CONNECT_BATCH = 64;
const DRAIN_MS = 2000;

interface Lane {
  conn: Connection<unknown, unknown>;
  due: number[]; // send times (or due times with --rate) of messages in flight, ms, oldest first
  head: number;
  scheduled: number; // with --rate: messages this lane has sent
}

export async function benchCommand(url: string, flags: BenchFlags, io: CliIo): Promise<number> {
  if (isDatagramUrl(url)) {
    io.stderr.write('switchboard: bench runs over connections (tcp, tls, unix, ws, wss); datagrams have no replies in order\n');
    return Exit.usage;
  }
  const cname = codecName(flags, url);
  if (cname === 'named') {
    io.stderr.write('switchboard: bench sends payloads of --size bytes; use --codec text, bytes, json or message\n');
    return Exit.usage;
  }
  const protocol = protocolFrom(flags, url);
  const tls = tlsFrom(flags, false);
  const websocket = websocketFrom(flags, url);
  const payload = makePayload(flags.size, cname);
  const hist = new Histogram(); // nanoseconds
  let phase: 'warmup' | 'measure' | 'drain' | 'done' = 'warmup';
  let sent = 0;
  let received = 0;
  let mismatched = 0;
  let failure: string | undefined;
  const lanes: Lane[] = [];
  const now = (): number => performance.now();

  const onReply = (lane: Lane, msg: unknown): void => {
    const t0 = lane.due[lane.head];
    if (t0 === undefined) return; // a message we did not ask for (a greeting): not a reply
    lane.due[lane.head++] = 0;
    if (lane.head > 4096 && lane.head * 2 > lane.due.length) {
      lane.due = lane.due.slice(lane.head);
      lane.head = 0;
    }
    if (sizeOfReply(msg) !== flags.size) mismatched++;
    if (phase === 'measure') {
      received++;
      hist.record((now() - t0) * 1e6);
    }
    if (phase !== 'warmup' && phase !== 'measure') return;
    if (flags.rate === 0) sendOne(lane, now());
    else catchUp(lane, now()); // a reply made room in the window: send what is due
  };

  const sendOne = (lane: Lane, due: number): boolean => {
    const s = lane.conn.send(payload);
    if (s === SendStatus.Closed || s === SendStatus.Dropped) {
      failure ??= `${lane.conn.name}: send returned ${s}`;
      return false;
    }
    lane.due.push(due);
    if (phase === 'measure') sent++;
    return true;
  };

  // Connect every lane first (CONNECT_BATCH at a time): the measurement covers traffic, not setup.
  const open = async (): Promise<Lane> => {
    const lane: Lane = { conn: undefined as unknown as Connection<unknown, unknown>, due: [], head: 0, scheduled: 0 };
    lane.conn = await connect<unknown, unknown>(url, {
      protocol,
      ...(tls && { tls }),
      ...(websocket && { websocket }),
      ...(flags.timeout !== undefined && { timeout: flags.timeout }),
      maxQueuedBytes: Math.max(16 * 1024 * 1024, flags.inFlight * (flags.size + 16) * 2),
      callbacks: {
        onReceive: (_c, msg) => onReply(lane, msg),
        onFail: (err) => void (failure ??= `${lane.conn?.name ?? url}: ${err.code}: ${err.message}`),
      },
      signal: io.signal,
    });
    return lane;
  };
  try {
    while (lanes.length < flags.connections) {
      const n = Math.min(CONNECT_BATCH, flags.connections - lanes.length);
      const batch = await Promise.allSettled(Array.from({ length: n }, open));
      for (const r of batch) if (r.status === 'fulfilled') lanes.push(r.value);
      const bad = batch.find((r) => r.status === 'rejected');
      if (bad !== undefined) throw (bad as PromiseRejectedResult).reason;
    }
  } catch (err) {
    for (const l of lanes) l.conn.destroy();
    if (io.signal.aborted) return Exit.failure;
    throw err;
  }

  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const showProgress = flags.progress === true || (tty && !flags.json);
  const perLaneRate = flags.rate / flags.connections;
  let tStart = now();
  let tEnd = 0;
  let rateTimer: ReturnType<typeof setInterval> | undefined;
  let rateFrom = 0;
  /** With --rate: sends what the lane's schedule says is due, as long as its window has room. */
  function catchUp(lane: Lane, t: number): void {
    const due = Math.floor(((t - rateFrom) / 1000) * perLaneRate);
    while (lane.scheduled < due && lane.due.length - lane.head < flags.inFlight) {
      const when = rateFrom + (lane.scheduled / perLaneRate) * 1000;
      lane.scheduled++;
      if (!sendOne(lane, when)) break;
    }
  }
  const startRate = (from: number): void => {
    rateFrom = from;
    rateTimer = setInterval(() => {
      const t = now();
      for (const lane of lanes) catchUp(lane, t);
    }, 1);
  };

  // Warm-up, then the measured run.
  const t0 = now();
  if (flags.rate > 0) startRate(t0);
  else for (const lane of lanes) for (let k = 0; k < flags.inFlight; k++) sendOne(lane, t0);
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      io.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  if (flags.warmup > 0) await sleep(flags.warmup);
  const bytesAt = (): number => lanes.reduce((a, l) => a + l.conn.stats.bytesIn + l.conn.stats.bytesOut, 0);
  const bytes0 = bytesAt();
  phase = 'measure';
  tStart = now();
  const progress = showProgress
    ? setInterval(() => {
        const secs = (now() - tStart) / 1000;
        const line = `${secs.toFixed(1)} s  ${received} replies  ${fmt(received / secs)} msg/s  p50 ${us(hist.percentile(50))}  p99 ${us(hist.percentile(99))}`;
        io.stderr.write(tty ? `\r${line}   ` : `${line}\n`);
      }, PROGRESS_MS)
    : undefined;
  const ended = Promise.race(lanes.map((l) => l.conn.closed.then(() => {
        if (phase === 'measure') failure ??= `${l.conn.name}: closed during the run`;
      })));
  await Promise.race([sleep(flags.duration), ended]);
  tEnd = now();
  const bytes1 = bytesAt();
  phase = 'drain';
  clearInterval(rateTimer);
  clearInterval(progress);
  if (showProgress && tty) io.stderr.write('\n');
  // Let the replies in flight come back (not counted), then close every connection.
  const drainUntil = now() + DRAIN_MS;
  while (failure === undefined && lanes.some((l) => l.due.length > l.head) && now() < drainUntil && !io.signal.aborted) await sleep(10);
  phase = 'done';
  await Promise.all(lanes.map((l) => l.conn.close()));

  const secs = (tEnd - tStart) / 1000;
  const snap = hist.snapshot();
  const result: BenchResult = {
    url: redact(url),
    transport: url.slice(0, url.indexOf(':')),
    framing: isWebSocketUrl(url) ? 'websocket' : flags.framing,
    codec: cname,
    connections: flags.connections,
    inFlight: flags.inFlight,
    size: flags.size,
    rate: flags.rate,
    durationMs: Math.round(tEnd - tStart),
    sent,
    received,
    mismatched,
    msgsPerSec: secs > 0 ? received / secs : 0,
    bytesPerSec: secs > 0 ? (bytes1 - bytes0) / secs : 0,
    latencyUs: {
      p50: snap.p50 / 1e3,
      p90: snap.p90 / 1e3,
      p99: snap.p99 / 1e3,
      p999: snap.p999 / 1e3,
      max: snap.max / 1e3,
      min: snap.min / 1e3,
      mean: snap.count > 0 ? snap.sum / snap.count / 1e3 : 0,
    },
  };
  if (flags.json) io.stdout.write(JSON.stringify(result) + '\n');
  else io.stdout.write(report(result));
  if (failure !== undefined && !io.signal.aborted) {
    io.stderr.write(`switchboard: bench: ${failure}\n`);
    return Exit.failure;
  }
  if (received === 0 && !io.signal.aborted) {
    io.stderr.write('switchboard: bench: no replies: is the server an echo server?\n');
    return Exit.failure;
  }
  return Exit.ok;
}

/** `size` bytes of `x` in the codec's message type (a JSON string's quotes count). */
function makePayload(size: number, codec: string): unknown {
  if (codec === 'json') return 'x'.repeat(Math.max(0, size - 2));
  if (codec === 'text') return 'x'.repeat(size);
  return new Uint8Array(size).fill(0x78);
}

function sizeOfReply(msg: unknown): number {
  if (msg instanceof Uint8Array) return msg.length;
  if (typeof msg === 'string') return msg.length;
  return JSON.stringify(msg)?.length ?? 0;
}

/** The URL without user info and without its query (credentials never go to the report). */
function redact(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]*@/, '$1').replace(/\?.*$/, '');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function us(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`;
}

function bytesLabel(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

function report(r: BenchResult): string {
  const lat = r.latencyUs;
  const l = (v: number): string => us(v * 1e3);
  return [
    `${r.url}  ${r.transport} ${r.framing}/${r.codec}  ${r.connections} connection${r.connections === 1 ? '' : 's'} x ${r.inFlight} in flight  ${r.size} B${r.rate > 0 ? `  rate ${fmt(r.rate)} msg/s` : ''}`,
    `${fmt(r.received)} replies in ${(r.durationMs / 1000).toFixed(2)} s: ${fmt(r.msgsPerSec)} msg/s, ${bytesLabel(r.bytesPerSec)}/s on the wire${r.mismatched > 0 ? `, ${r.mismatched} replies of another size` : ''}`,
    `latency  p50 ${l(lat.p50)}  p90 ${l(lat.p90)}  p99 ${l(lat.p99)}  p99.9 ${l(lat.p999)}  max ${l(lat.max)}`,
    '',
  ].join('\n');
}

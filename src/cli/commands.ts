/**
 * `switchboard listen` and `switchboard connect`: a message server and client for any
 * framing and codec, for trying things out and for scripts.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError, ErrorCode, SendStatus, datagram, formatAddress, isMessage, namedMessageLines, type Protocol, type SwitchboardError } from '../core/index.js';
import { bindDatagram, connect, datagramClient, describeClose, formatMessage, listen, type CloseInfo, type Connection, type Server } from '../endpoint/index.js';
import { redactUrl } from '../endpoint/client.js';
import { fileDestination, lineLogger, type LogFields, type StructuredLogger } from '../endpoint/log.js';
import { sizeOf } from '../endpoint/observers.js';
import { parseHostPortArg, serveMetrics, type MetricsServer } from '../endpoint/prometheus.js';
import type { MetricsSnapshot } from '../endpoint/metrics.js';
import { joinCluster, type ClusterEvent, type ClusterNode } from '../cluster/index.js';
import { isWebSocketUrl, type WebSocketClientOptions } from '../transport/websocket.js';
import type { TlsOptions } from '../transport/stream.js';
import { escapeControls } from './escape.js';
import { Exit, type CliIo } from './io.js';
import { lineToMessage, parseCodec, parseFraming, showMessage } from './spec.js';

export interface CommonFlags {
  framing: string;
  /** Unset: `text`, or `message` on WebSocket (text as text, binary as binary). */
  codec?: string;
  maxFrameSize?: number;
  cert?: string;
  key?: string;
  ca?: string;
  insecure?: boolean;
  name?: string;
  /** Print messages as they came: no escaping of terminal control characters. */
  raw?: boolean;
  /** ws:// and wss:// only: `websocket.limits` and `websocket.compression` of listen()/connect(). */
  wsMaxMessageSize?: number;
  wsMaxFrameSize?: number;
  wsMaxFragments?: number;
  wsCompressionThreshold?: number;
  /** `--compression` / `--no-compression`; unset: the library's default (offered / accepted). */
  compression?: boolean;
}

export interface ListenFlags extends CommonFlags {
  echo?: boolean;
  maxConnections?: number;
  quiet?: boolean;
  /** Log connections and every message with its connection's name to stderr. */
  trace?: boolean;
  secretCode?: string;
  /** `--cluster nats://host:port[,nats://...]`: join a cluster on NATS (see docs/cluster.md). */
  cluster?: string;
  /** `--node NAME`: this node's name in the cluster. */
  node?: string;
  /** `--relay`: send every message a client sends to every other connection (on every node with --cluster). */
  relay?: boolean;
  /** `--durable` (with --session --cluster): durable sessions, logged in NATS before they go on the wire. */
  durable?: boolean;
  /** Serve Prometheus metrics at http://HOST:PORT/metrics. */
  metrics?: string;
  /** Logs as plain lines (`pretty`) or JSON lines with fields. @default 'pretty' */
  logFormat?: 'pretty' | 'json';
  /** Logs go to this file (reopened on LOG_ROTATE) instead of stderr. */
  logFile?: string;
}

/** Where `listen` logs: pino's shape, plus `reopen()` for LOG_ROTATE. */
export type ListenLogger = StructuredLogger & { reopen?(): void };

/** A logger that writes each record's message with `warn` (the plain lines `listen` always printed). */
function plainLogger(warn: (line: string) => void): ListenLogger {
  const w = (_f: LogFields, m: string): void => warn(m);
  return { debug: w, info: w, warn: w, error: w };
}

/** Characters of a message shown in a JSON log record's `preview` (`--trace` only). */
const LOG_PREVIEW = 200;

function preview(msg: unknown): string {
  const p = typeof msg === 'string' ? msg : formatMessage(msg);
  return p.length > LOG_PREVIEW ? p.slice(0, LOG_PREVIEW) + '...' : p;
}

/** A `LOG_ROTATE` message: the named message (eventdispatcher's signal) or the text line. */
function isLogRotate(msg: unknown): boolean {
  if (isMessage(msg)) return msg.command === 'LOG_ROTATE';
  if (typeof msg === 'string') return msg.trim() === 'LOG_ROTATE';
  return msg instanceof Uint8Array && msg.length === 10 && new TextDecoder().decode(msg) === 'LOG_ROTATE';
}

/** After SIGINT/SIGTERM, how long the graceful close may take before the socket is destroyed, in ms. */
const ABORT_GRACE_MS = 2000;

/** True for `udp://` and `unixgram://` URLs: one message per datagram. */
export function isDatagramUrl(url: string): boolean {
  return /^(udp|unixgram):\/\//i.test(url);
}

export function codecName(flags: CommonFlags, url: string): string {
  return flags.codec ?? (isWebSocketUrl(url) ? 'message' : 'text');
}

export function protocolFrom(flags: CommonFlags, url: string): Protocol<unknown, unknown> {
  const name = codecName(flags, url);
  const codec = parseCodec(name);
  if (isDatagramUrl(url)) return { framing: datagram(flags.maxFrameSize === undefined ? {} : { maxFrameSize: flags.maxFrameSize }), codec };
  // Named messages on a stream: lines, with \r\n and blank lines handled as eventdispatcher does.
  if (name === 'named' && flags.framing === 'lines') {
    return { framing: namedMessageLines(flags.maxFrameSize === undefined ? {} : { maxLineLength: flags.maxFrameSize }), codec };
  }
  return { framing: parseFraming(flags.framing, flags.maxFrameSize), codec };
}

/**
 * The `websocket` option of listen()/connect() from the `--ws-*` and `--[no-]compression` flags.
 * They are refused on other schemes, and `--max-frame-size` (the stream framer's limit) is
 * refused on ws:// and wss://, where it would silently do nothing.
 */
export function websocketFrom(flags: CommonFlags, url: string): Pick<WebSocketClientOptions, 'limits' | 'compression'> | undefined {
  const limits = {
    ...(flags.wsMaxMessageSize !== undefined && { maxMessageSize: flags.wsMaxMessageSize }),
    ...(flags.wsMaxFrameSize !== undefined && { maxFrameSize: flags.wsMaxFrameSize }),
    ...(flags.wsMaxFragments !== undefined && { maxFragments: flags.wsMaxFragments }),
    ...(flags.wsCompressionThreshold !== undefined && { compressionThreshold: flags.wsCompressionThreshold }),
  };
  const given = Object.keys(limits).length > 0 || flags.compression !== undefined;
  if (!isWebSocketUrl(url)) {
    if (given) throw new ConfigError(ErrorCode.INVALID_OPTION, `--ws-* and --[no-]compression apply to ws:// and wss:// only, got ${url}`);
    return undefined;
  }
  if (flags.maxFrameSize !== undefined) {
    throw new ConfigError(
      ErrorCode.INVALID_OPTION,
      '--max-frame-size is the stream framer\'s limit and does nothing on ws:// and wss://; use --ws-max-message-size and --ws-max-frame-size',
    );
  }
  if (!given) return undefined;
  return { ...(Object.keys(limits).length > 0 && { limits }), ...(flags.compression !== undefined && { compression: flags.compression }) };
}

/** Prints message text on stdout: escaped (see escape.ts) unless `--raw`. */
export function messagePrinter(io: Pick<CliIo, 'stdout'>, flags: Pick<CommonFlags, 'raw'>, rawFraming = false): (text: string) => void {
  const end = rawFraming ? '' : '\n';
  if (flags.raw) return (text) => void io.stdout.write(text + end);
  return (text) => void io.stdout.write(escapeControls(text, rawFraming) + end);
}

/** Diagnostics on stderr: always escaped, they quote peer text (messages, close reasons). */
export function warner(io: Pick<CliIo, 'stderr'>): (line: string) => void {
  return (line) => void io.stderr.write(escapeControls(line) + '\n');
}

/**
 * `--quiet` without `--trace`: per-connection errors (a peer that resets, a bad frame) are
 * counted by code instead of printed one line each, and summed up at most once per
 * `intervalMs` and when the listener stops.
 */
export class ErrorTally {
  private counts = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly warn: (line: string) => void,
    intervalMs = 10_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref?.();
  }

  add(code: string): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
  }

  /** Prints one summary line if anything was counted since the last one. */
  flush(): void {
    if (this.counts.size === 0) return;
    let total = 0;
    const parts: string[] = [];
    for (const [code, n] of [...this.counts].sort((a, b) => b[1] - a[1])) {
      total += n;
      parts.push(`${code} ${n}`);
    }
    this.counts.clear();
    this.warn(`${total} connection error${total === 1 ? '' : 's'} (${parts.join(', ')}); --trace prints each`);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

/** Something that runs until closed: a server or a datagram endpoint. Both have metrics. */
export interface Running {
  readonly url: string;
  close(): Promise<void>;
  metrics(): MetricsSnapshot;
}

export function tlsFrom(flags: CommonFlags, server: boolean): TlsOptions | undefined {
  if (!flags.cert && !flags.key && !flags.ca && !flags.insecure) return undefined;
  return {
    ...(flags.cert && { cert: readFileSync(flags.cert) }),
    ...(flags.key && { key: readFileSync(flags.key) }),
    ...(flags.ca && { ca: readFileSync(flags.ca) }),
    ...(server && flags.ca && { requestCert: true }),
    ...(flags.insecure && { rejectUnauthorized: false }),
  };
}

/**
 * Prints received messages off the read path, in order: an echo leaves before its message is
 * formatted and printed (decoding and escaping a 256 KiB message takes milliseconds, and a
 * terminal or a pipe may take longer still to take the text). What waits is printed once per
 * turn of the event loop. Bounded: over `maxMessages` or `maxBytes` waiting, `full` is true and
 * the listener's `onReceive` returns `room()`, which pauses reading from that connection.
 */
export class PrintQueue {
  private pending: unknown[] = [];
  private bytes = 0;
  private scheduled = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly print: (line: string) => void,
    private readonly maxMessages = 1024,
    private readonly maxBytes = 1024 * 1024,
  ) {}

  add(msg: unknown): void {
    this.pending.push(msg);
    this.bytes += typeof msg === 'string' ? msg.length : msg instanceof Uint8Array ? msg.length : 64;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  get full(): boolean {
    return this.pending.length >= this.maxMessages || this.bytes >= this.maxBytes;
  }

  /** Resolves once what waits now has been printed. */
  room(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Prints everything waiting, now. */
  flush(): void {
    this.scheduled = false;
    const list = this.pending;
    this.pending = [];
    this.bytes = 0;
    for (const msg of list) this.print(showMessage(msg));
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Starts a server that prints each message (one per line) and, with `echo`, sends it back as it
 * came. The echo is queued before the message is printed, and printing happens off the read
 * path ({@link PrintQueue}). Backpressure instead of drops: when an echo finds the connection's
 * queue over its high-water mark, or too much waits to be printed, `onReceive` returns a promise
 * and the connection reads nothing more from that peer until there is room again. Used by `switchboard listen` and by the demos. `peerError` gets each per-connection
 * error (default: `warn` its line); `listen --quiet` counts them instead.
 *
 * A frame the codec cannot decode (a line that is not a named message, not JSON) is reported and
 * skipped, and the connection goes on, as eventdispatcher does; a framing error (a frame over
 * the size limit) still closes the connection.
 */
export async function startListener(
  url: string,
  flags: ListenFlags,
  print: (line: string) => void,
  warn: (line: string) => void,
  peerError: (code: string, line: string, fields?: LogFields) => void = (_code, line) => warn(line),
  log: ListenLogger = plainLogger(warn),
  onMessage?: (conn: Connection<unknown, unknown>, msg: unknown) => Promise<unknown> | undefined,
): Promise<Server<unknown, unknown>> {
  const tls = tlsFrom(flags, true);
  const trace = flags.trace ? log : undefined;
  const websocket = websocketFrom(flags, url);
  const printer = new PrintQueue(print);
  return listen<unknown, unknown>(url, {
    protocol: protocolFrom(flags, url),
    decodeErrors: 'skip',
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.maxConnections !== undefined && { maxConnections: flags.maxConnections }),
    ...(tls && { tls }),
    ...(websocket && { websocket }),
    callbacks: {
      onConnect(conn) {
        trace?.info({ event: 'connect', connection: conn.name }, `${conn.name} connected`);
      },
      onDisconnect(conn, info) {
        printer.flush(); // the connection's messages before its goodbye
        trace?.info(
          { event: 'disconnect', connection: conn.name, initiator: info.initiator, clean: info.clean, ...(info.error && { code: info.error.code }) },
          `${conn.name} disconnected (${describeClose(info)})`,
        );
      },
      onReceive(conn, msg) {
        // The echo first: it leaves in this tick's write, whatever printing costs.
        const sent = flags.echo ? conn.send(msg) : undefined;
        if (trace !== undefined) {
          const size = sizeOf(msg);
          trace.info({ event: 'message', connection: conn.name, direction: 'in', ...(size !== undefined && { size }), preview: preview(msg) }, `${conn.name} >> ${showMessage(msg)}`);
        }
        if (!flags.quiet) printer.add(msg);
        if (log.reopen !== undefined && isLogRotate(msg)) {
          log.reopen();
          log.info({ event: 'log_rotate', connection: conn.name }, `${conn.name}: LOG_ROTATE: log reopened`);
        }
        // Backpressure: read nothing more from this peer until its echo, the relayed copies and
        // the printing have room.
        // (No array per message: most messages wait for nothing.)
        const relayed = onMessage?.(conn, msg);
        const drained = sent === SendStatus.Backpressured ? conn.drained() : undefined;
        const printed = printer.full ? printer.room() : undefined;
        if (relayed === undefined && drained === undefined && printed === undefined) return undefined;
        const waits = [relayed, drained, printed].filter((w): w is Promise<unknown> => w !== undefined);
        return waits.length === 1 ? waits[0] : Promise.all(waits);
      },
      onFail(err, conn) {
        if (conn) peerError(err.code, `${conn.name}: ${err.code}: ${err.message}`, { event: 'error', connection: conn.name, code: err.code });
        else log.warn({ event: 'error', code: err.code }, `${err.code}: ${err.message}`);
      },
      onReject(remote, err) {
        peerError('refused', `refused ${remote}: ${err.message}`, { event: 'reject', remote, code: err.code });
      },
    },
  });
}

/** A datagram endpoint that prints each message and, with `echo`, sends it back to its sender. */
export async function startDatagramListener(
  url: string,
  flags: ListenFlags,
  print: (line: string) => void,
  warn: (line: string) => void,
  peerError: (code: string, line: string) => void = (_code, line) => warn(line),
): Promise<Running> {
  const trace = flags.trace ? warn : undefined;
  websocketFrom(flags, url); // refuses --ws-* here
  return bindDatagram<unknown, unknown>(url, {
    protocol: protocolFrom(flags, url),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.secretCode !== undefined && { secretCode: flags.secretCode }),
    callbacks: {
      onReceive(ep, msg, from) {
        trace?.(`${ep.name} >> ${showMessage(msg)}${from ? ` (from ${formatAddress(from)})` : ''}`);
        if (!flags.quiet) print(showMessage(msg));
        if (flags.echo && from) ep.send(msg, from);
      },
      onFail(err) {
        peerError(err.code, `${err.code}: ${err.message}`);
      },
    },
  });
}

/**
 * Where `listen` logs: with `--log-format json` or `--log-file`, a structured logger (pino's
 * calling convention); else plain lines on stderr. `peerError` reports a peer's error: counted in
 * a summary with `--quiet` (unless `--trace`), else logged.
 */
export function listenLogging(flags: ListenFlags, io: Pick<CliIo, 'stderr'>) {
  const structured = flags.logFormat === 'json' || flags.logFile !== undefined;
  const file = flags.logFile !== undefined ? fileDestination(flags.logFile) : undefined;
  const log: ListenLogger | undefined = structured
    ? lineLogger(file ?? { write: (line) => void io.stderr.write(line) }, { format: flags.logFormat ?? 'pretty', escape: (t) => escapeControls(t) })
    : undefined;
  const warn = log ? (line: string): void => log.warn({}, line) : warner(io);
  const tally = flags.quiet && !flags.trace ? new ErrorTally(warn) : undefined;
  const peerError = tally
    ? (code: string): void => tally.add(code)
    : (_code: string, line: string, fields?: LogFields): void => (log ? log.warn(fields ?? {}, line) : warn(line));
  return { log, file, warn, tally, peerError };
}

export async function listenCommand(url: string, flags: ListenFlags, io: CliIo): Promise<number> {
  const print = messagePrinter(io, flags);
  const datagrams = isDatagramUrl(url);
  if (flags.node !== undefined && flags.cluster === undefined) throw new ConfigError(ErrorCode.INVALID_OPTION, '--node needs --cluster');
  if (flags.durable) throw new ConfigError(ErrorCode.INVALID_OPTION, '--durable needs --session (durable sessions)');
  if (datagrams && (flags.cluster !== undefined || flags.relay)) throw new ConfigError(ErrorCode.INVALID_OPTION, `--cluster and --relay apply to stream and WebSocket servers, not ${url}`);
  if (flags.metrics !== undefined) parseHostPortArg(flags.metrics); // a bad address fails before anything listens
  const { log, file, warn, tally, peerError } = listenLogging(flags, io);
  let node: ClusterNode<unknown, unknown> | undefined;
  let stream: Server<unknown, unknown> | undefined;
  // The relay applies backpressure as --echo does: when a local receiver's queue reached its
  // high-water mark, the sender's connection reads nothing more until every receiver is under it
  // again (other senders go on). A receiver that never reads is closed by its own limits.
  const relay = flags.relay
    ? (conn: Connection<unknown, unknown>, msg: unknown): Promise<unknown> | undefined => {
        try {
          const r = node !== undefined ? node.broadcast(msg, { except: conn }) : stream?.broadcast(msg, (c) => c !== conn);
          if (r === undefined || r.backpressured === 0 || stream === undefined) return undefined;
          return Promise.all([...stream.connections].filter((c) => c !== conn).map((c) => c.drained()));
        } catch (err) {
          warn(`${conn.name}: relay: ${(err as SwitchboardError).code ?? 'FAILED'}: ${(err as Error).message}`);
          return undefined;
        }
      }
    : undefined;
  let exporter: MetricsServer | undefined;
  try {
    const server = datagrams
      ? await startDatagramListener(url, flags, print, warn, peerError)
      : (stream = await startListener(url, flags, print, warn, peerError, log, relay));
    try {
      if (flags.cluster !== undefined && stream !== undefined) {
        node = await joinCluster(stream, {
          nats: flags.cluster.split(','),
          ...(flags.node !== undefined && { node: flags.node }),
          onEvent: (e) => {
            if (e.type === 'malformed' || e.type === 'gap') peerError(e.type, `cluster: ${describeEvent(e)}`);
            else warn(`cluster: ${describeEvent(e)}`);
          },
        });
        io.stderr.write(`joined the cluster at ${flags.cluster.split(',').map(redactUrl).join(',')} as node ${node.name}\n`);
      }
      io.stderr.write(`listening on ${server.url}\n`);
      if (flags.metrics !== undefined) {
        exporter = await serveMetrics(flags.metrics, [server]); // a server's, or a datagram endpoint's
        io.stderr.write(`metrics on ${exporter.url}\n`);
      }
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      // Graceful: each connection gets its goodbye; those not closed within the grace are destroyed.
      await node?.close();
      if (datagrams) await server.close();
      else await (server as Server<unknown, unknown>).close({ timeout: ABORT_GRACE_MS });
      await exporter?.close();
    }
  } finally {
    tally?.stop();
    file?.close();
  }
  return Exit.ok;
}

function describeEvent(e: ClusterEvent): string {
  switch (e.type) {
    case 'disconnected':
      return `NATS link down (${e.server}); local delivery goes on`;
    case 'reconnected':
      return `NATS link back (${e.server}); ${e.held} messages held and sent, ${e.dropped} dropped`;
    case 'gap':
      return `missed ${e.missed} messages of ${e.room === undefined ? 'broadcasts' : `room ${e.room}`} from node ${e.node}`;
    case 'malformed':
      return `dropped a malformed message on ${e.subject}: ${e.reason}`;
    case 'node-up':
      return `node ${e.node} joined`;
    case 'node-down':
      return `node ${e.node} left`;
    case 'error':
      return `error: ${e.error.message}`;
  }
}

export interface ConnectFlags extends CommonFlags {
  timeout?: number;
  retryAfter?: number;
  /** Datagrams: how long to wait for replies after stdin ends, in ms. @default 200 */
  linger?: number;
  secretCode?: string;
}

/** How long one stdin line may wait for room in the send queue (a server that does not read), in ms. */
const SEND_WAIT_MS = 30_000;

/**
 * Sends each stdin line as a message and prints each message received. When stdin ends the
 * connection closes gracefully, so replies still on their way are printed before exit.
 *
 * Exit status: 0 when stdin ended, we closed and the connection ended clean. 1 (with one line on
 * stderr saying why) when a stdin line cannot be sent (not JSON, not a named message, not
 * encodable, no room for 30 s), when the connection ends with an error (reset, bad frame,
 * timeout), when a message from the server cannot be decoded, when the server closes first,
 * and on WebSocket when the close code is not 1000. SIGINT/SIGTERM close gracefully (at most
 * 2 s, then the socket is destroyed) and exit 0 unless an error happened.
 */
export async function connectCommand(url: string, flags: ConnectFlags, io: CliIo): Promise<number> {
  if (isDatagramUrl(url)) return datagramConnect(url, flags, io);
  const tls = tlsFrom(flags, false);
  const protocol = protocolFrom(flags, url);
  const websocket = websocketFrom(flags, url);
  const cname = codecName(flags, url);
  const rawFraming = protocol.framing.name === 'raw';
  const print = messagePrinter(io, flags, rawFraming);
  const warn = warner(io);
  // Every error the connection reports is printed once, when it happens.
  const reported = new Set<SwitchboardError>();
  let conn: Connection<unknown, unknown>;
  try {
    conn = await connect<unknown, unknown>(url, {
      protocol,
      decodeErrors: 'skip',
      ...(flags.name !== undefined && { name: flags.name }),
      ...(flags.timeout !== undefined && { timeout: flags.timeout }),
      ...(flags.retryAfter !== undefined && { retryAfter: flags.retryAfter }),
      ...(tls && { tls }),
      ...(websocket && { websocket }),
      callbacks: {
        onFail(err) {
          reported.add(err);
          warn(`${err.code}: ${err.message}`);
        },
      },
      signal: io.signal,
    });
  } catch (err) {
    if (io.signal.aborted) {
      warn('switchboard: stopped before the connection was made');
      return Exit.failure;
    }
    throw err;
  }
  const printer = (async () => {
    try {
      for await (const msg of conn) print(showMessage(msg));
    } catch {
      // The error that ended the connection was reported through onFail.
    }
  })();
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = (): void => {
    rl.close();
    // Graceful first (a sendWait in progress resolves 'closed'), then destroyed if the peer is slow.
    void conn.close();
    graceTimer = setTimeout(() => conn.destroy(), ABORT_GRACE_MS);
    graceTimer.unref?.();
  };
  io.signal.addEventListener('abort', onAbort, { once: true });
  // The server may leave while stdin is still open: stop reading stdin then.
  void conn.closed.then(() => rl.close());
  let inputError: string | undefined;
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      if (conn.state !== 'open') break;
      if (line.trim() === '' && cname === 'named') continue;
      let status;
      try {
        status = await conn.sendWait(lineToMessage(rawFraming ? line + '\n' : line, cname), { timeout: SEND_WAIT_MS });
      } catch (err) {
        inputError = `line ${lineNo} of stdin was not sent: ${errorLine(err)}`;
        break;
      }
      if (status === 'closed') break;
      if (status === 'timeout' || status === 'dropped') {
        const why = status === 'timeout' ? `the server read nothing for ${SEND_WAIT_MS} ms` : 'the send queue is over maxQueuedBytes';
        inputError = `line ${lineNo} of stdin was not sent (${status}): ${why}`;
        break;
      }
    }
  } catch (err) {
    // stdin itself failed (EIO, a destroyed stream).
    inputError = `reading stdin failed: ${errorLine(err)}`;
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    rl.close();
  }
  let info: CloseInfo;
  try {
    info = await conn.close();
  } finally {
    clearTimeout(graceTimer);
  }
  await printer;
  return connectExit(info, { inputError, reported, aborted: io.signal.aborted, warn });
}

/** `CODE: message`; INVALID_OPTION is left out, it is the code of lineToMessage's own messages. */
function errorLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = 'code' in err && typeof err.code === 'string' && err.code !== 'INVALID_OPTION' ? `${err.code}: ` : '';
  return code + err.message;
}

/** Says why `connect` failed, if it did, and gives its exit status. */
function connectExit(
  info: CloseInfo,
  o: { inputError: string | undefined; reported: ReadonlySet<SwitchboardError>; aborted: boolean; warn: (line: string) => void },
): number {
  let failed = false;
  if (o.inputError !== undefined) {
    o.warn(`switchboard: ${o.inputError}`);
    failed = true;
  }
  if (info.error !== undefined && !o.reported.has(info.error)) o.warn(`${info.error.code}: ${info.error.message}`);
  // Decode errors (skipped) and the error that ended the connection, CONNECTION_RESET included.
  if (o.reported.size > 0 || info.error !== undefined) failed = true;
  const ws = info.code === undefined ? '' : ` with code ${info.code}${info.reason ? ` "${info.reason}"` : ''}`;
  if (info.error === undefined && info.initiator === 'peer' && !o.aborted) {
    o.warn(`switchboard: the server closed the connection${ws} before stdin ended`);
    failed = true;
  } else if (info.error === undefined && info.code !== undefined && info.code !== 1000) {
    o.warn(`switchboard: the connection closed${ws}`);
    failed = true;
  }
  return failed ? Exit.failure : Exit.ok;
}

/**
 * `connect udp://...`: each stdin line is one datagram; replies are printed. Datagrams have no
 * end: after stdin ends, replies are awaited for `linger` ms.
 */
async function datagramConnect(url: string, flags: ConnectFlags, io: CliIo): Promise<number> {
  websocketFrom(flags, url); // refuses --ws-* here
  const print = messagePrinter(io, flags);
  const warn = warner(io);
  let failed = false;
  const ep = await datagramClient<unknown, unknown>(url, {
    protocol: protocolFrom(flags, url),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.secretCode !== undefined && { secretCode: flags.secretCode }),
    callbacks: {
      onReceive: (_ep, msg) => print(showMessage(msg)),
      onFail: (err) => warn(`${err.code}: ${err.message}`),
    },
  });
  try {
    const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
    const onAbort = (): void => rl.close();
    io.signal.addEventListener('abort', onAbort, { once: true });
    let lineNo = 0;
    try {
      for await (const line of rl) {
        lineNo++;
        if (line.trim() === '' && codecName(flags, url) === 'named') continue;
        let status;
        try {
          status = ep.send(lineToMessage(line, codecName(flags, url)));
        } catch (err) {
          warn(`switchboard: line ${lineNo} of stdin was not sent: ${errorLine(err)}`);
          failed = true;
          break;
        }
        if (status !== 'sent') {
          warn(`switchboard: line ${lineNo} of stdin was not sent (${status})`);
          failed = true;
        }
      }
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      rl.close();
    }
    if (!io.signal.aborted) await new Promise((r) => setTimeout(r, flags.linger ?? 200));
  } finally {
    await ep.close();
  }
  return failed ? Exit.failure : Exit.ok;
}

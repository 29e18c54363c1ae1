/**
 * Ready-made callbacks that watch a connection without consuming its messages: a logger, a
 * counter and a store that can wait for a message. Combine them with `chainCallbacks`.
 */
import { ConnectionError, ErrorCode, previewBytes, type SwitchboardError } from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import type { CloseInfo, Connection } from './connection.js';
import type { LogFields, StructuredLogger } from './log.js';
import { utf8Length } from '../core/utf8-length.js';

/** Anything with console-like methods: `console`, pino, winston... */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerCallbackOptions {
  /** Level for messages, connects and disconnects; failures log at `warn`. @default 'info' */
  level?: LogLevel;
  /** A console-like logger (text lines), or with `structured: true` one of pino's shape. @default console */
  logger?: Logger | StructuredLogger;
  /** How a message is shown in text lines. @default JSON for objects, text for strings, escaped text for bytes */
  format?: (msg: unknown) => string;
  /**
   * Log in pino's calling convention, `logger.info({ event, connection, direction, size, code }, 'message')`,
   * so pino (or any logger of that shape) gets fields instead of one string. @default false
   */
  structured?: boolean;
  /**
   * Structured logs only: add a `preview` field of each message, at most this many characters
   * (as `formatMessage` shows it). 0 leaves message contents out of the logs. @default 0
   */
  preview?: number;
}

/** Shows a message for a log line. */
export function formatMessage(msg: unknown): string {
  if (msg instanceof Uint8Array) return previewBytes(msg, 200);
  if (typeof msg === 'string') return msg.length > 200 ? JSON.stringify(msg.slice(0, 200)) + '...' : JSON.stringify(msg);
  try {
    const s = JSON.stringify(msg);
    if (s === undefined) return String(msg);
    return s.length > 200 ? s.slice(0, 200) + '...' : s;
  } catch {
    return String(msg);
  }
}

/** Logs each message sent and received with the connection's name (links' `LoggerCallback`). */
export function loggerCallback<In = unknown, Out = unknown>(options: LoggerCallbackOptions = {}): Callbacks<In, Out> {
  if (options.structured) return structuredLogger(options);
  const level = options.level ?? 'info';
  const logger = options.logger ?? console;
  const fmt = options.format ?? formatMessage;
  const log = (line: string): void => (logger as Logger)[level](line);
  return {
    observeOnly: true,
    onInitialize: (ep) => log(`${ep.name} ready`),
    onConnect: (conn) => log(`${conn.name} connected`),
    onReceive: (conn, msg) => log(`${conn.name} RECV ${fmt(msg)}`),
    onSent: (conn, msg) => log(`${conn.name} SENT ${fmt(msg)}`),
    onFail: (err, conn) => (logger as Logger).warn(`${conn ? conn.name + ' ' : ''}${err.code}: ${err.message}`),
    onDisconnect: (conn, info) => log(`${conn.name} disconnected (${describeClose(info)})`),
    onReject: (remote, err) => (logger as Logger).warn(`refused ${remote}: ${err.message}`),
  };
}

/** The structured variant of {@link loggerCallback}: fields, and previews only when asked. */
function structuredLogger<In, Out>(options: LoggerCallbackOptions): Callbacks<In, Out> {
  const level = options.level ?? 'info';
  const logger = (options.logger ?? consoleFields) as StructuredLogger;
  const preview = options.preview ?? 0;
  const fmt = options.format ?? formatMessage;
  const message = (conn: Connection<In, Out>, direction: 'in' | 'out', msg: unknown): void => {
    const fields: LogFields = { event: 'message', connection: conn.name, direction };
    const size = sizeOf(msg);
    if (size !== undefined) fields['size'] = size;
    if (preview > 0) {
      const p = fmt(msg);
      fields['preview'] = p.length > preview ? p.slice(0, preview) + '...' : p;
    }
    logger[level](fields, direction === 'in' ? 'received' : 'sent');
  };
  return {
    observeOnly: true,
    onInitialize: (ep) => logger[level]({ event: 'ready', endpoint: ep.name }, 'ready'),
    onConnect: (conn) => logger[level]({ event: 'connect', connection: conn.name }, 'connected'),
    onReceive: (conn, msg) => message(conn, 'in', msg),
    onSent: (conn, msg) => message(conn, 'out', msg),
    onFail: (err, conn) => logger.warn({ event: 'error', ...(conn && { connection: conn.name }), code: err.code }, err.message),
    onDisconnect: (conn, info) =>
      logger[level](
        { event: 'disconnect', connection: conn.name, initiator: info.initiator, clean: info.clean, ...(info.error && { code: info.error.code }), ...(info.code !== undefined && { closeCode: info.code }) },
        `disconnected (${describeClose(info)})`,
      ),
    onReject: (remote, err) => logger.warn({ event: 'reject', remote, code: err.code }, err.message),
  };
}

/** @internal A message's size where it is plain: bytes, or a string's UTF-8 length; else undefined. */
export function sizeOf(msg: unknown): number | undefined {
  if (msg instanceof Uint8Array) return msg.length;
  if (typeof msg === 'string') return utf8Length(msg);
  return undefined;
}


/** console, in pino's convention: the message, then the fields. */
const consoleFields: StructuredLogger = {
  debug: (f, m) => console.debug(m, f),
  info: (f, m) => console.info(m, f),
  warn: (f, m) => console.warn(m, f),
  error: (f, m) => console.error(m, f),
};

/** `closed here`, `closed by the peer`, or `<initiator>, <CODE>` when an error closed it (`error, FRAME_TOO_LARGE`). */
export function describeClose(info: CloseInfo): string {
  if (info.error) return `${info.initiator}, ${info.error.code}`;
  return info.initiator === 'local' ? 'closed here' : 'closed by the peer';
}

export interface Counts {
  connects: number;
  disconnects: number;
  received: number;
  sent: number;
  fails: number;
  rejects: number;
}

/** Counts events; read `counts`. */
export function counterCallback<In = unknown, Out = unknown>(): Callbacks<In, Out> & { readonly counts: Counts } {
  const counts: Counts = { connects: 0, disconnects: 0, received: 0, sent: 0, fails: 0, rejects: 0 };
  return {
    observeOnly: true,
    counts,
    onConnect: () => void counts.connects++,
    onDisconnect: () => void counts.disconnects++,
    onReceive: () => void counts.received++,
    onSent: () => void counts.sent++,
    onFail: () => void counts.fails++,
    onReject: () => void counts.rejects++,
  };
}

export interface StoredMessage<T> {
  readonly direction: 'received' | 'sent';
  /** The connection's name. */
  readonly connection: string;
  readonly msg: T;
  /** `Date.now()` when it was recorded. */
  readonly at: number;
}

export interface StoreCallback<In, Out> extends Callbacks<In, Out> {
  /** Everything recorded, oldest first (at most `capacity`). */
  readonly entries: ReadonlyArray<StoredMessage<In | Out>>;
  received(): In[];
  sent(): Out[];
  errors(): SwitchboardError[];
  /**
   * The first received message matching `predicate`, recorded already or arriving within
   * `timeout` ms; rejects with `RECEIVE_TIMEOUT` otherwise.
   */
  waitFor(predicate: (msg: In, conn: string) => boolean, options?: { timeout?: number }): Promise<In>;
}

/** Records messages (at most `capacity`, oldest dropped) and waits for one matching a predicate. */
export function storeCallback<In = unknown, Out = unknown>(options: { capacity?: number } = {}): StoreCallback<In, Out> {
  const capacity = options.capacity ?? 10_000;
  const entries: Array<StoredMessage<In | Out>> = [];
  const errors: SwitchboardError[] = [];
  const waiters = new Set<(msg: In, conn: string) => boolean>();
  const record = (e: StoredMessage<In | Out>): void => {
    entries.push(e);
    if (entries.length > capacity) entries.shift();
  };
  return {
    observeOnly: true,
    entries,
    received: () => entries.filter((e) => e.direction === 'received').map((e) => e.msg as In),
    sent: () => entries.filter((e) => e.direction === 'sent').map((e) => e.msg as Out),
    errors: () => errors.slice(),
    onReceive(conn: Connection<In, Out>, msg: In) {
      record({ direction: 'received', connection: conn.name, msg, at: Date.now() });
      for (const w of [...waiters]) if (w(msg, conn.name)) waiters.delete(w);
    },
    onSent(conn: Connection<In, Out>, msg: Out) {
      record({ direction: 'sent', connection: conn.name, msg, at: Date.now() });
    },
    onFail(err: SwitchboardError) {
      errors.push(err);
      if (errors.length > capacity) errors.shift();
    },
    waitFor(predicate, opts = {}) {
      for (const e of entries) {
        if (e.direction === 'received' && predicate(e.msg as In, e.connection)) return Promise.resolve(e.msg as In);
      }
      const timeout = opts.timeout ?? 5_000;
      return new Promise<In>((resolve, reject) => {
        const w = (msg: In, conn: string): boolean => {
          if (!predicate(msg, conn)) return false;
          clearTimeout(timer);
          resolve(msg);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new ConnectionError(ErrorCode.RECEIVE_TIMEOUT, `no matching message within ${timeout} ms`));
        }, timeout);
        waiters.add(w);
      });
    },
  };
}

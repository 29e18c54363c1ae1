/**
 * Structured logs in pino's calling convention, `logger.info({ ...fields }, 'message')`, so pino
 * (or any logger of that shape) gets real fields; and a small logger of that shape that writes
 * JSON lines or plain text to a stream or a file, with `reopen()` for LOG_ROTATE (the
 * dispatcher's built-in calls it; so does `switchboard listen --log-file`).
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Fields of one log record. Values are what JSON can show. */
export type LogFields = Record<string, unknown>;

/** pino's shape: fields first, then the message. */
export interface StructuredLogger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

/** Where log lines go. `reopen()` (LOG_ROTATE) opens a file destination again by its path. */
export interface LogDestination {
  write(line: string): void;
  reopen?(): void;
  close?(): void;
}

/**
 * Appends to the file at `path` (created if missing). `reopen()` closes it and opens `path`
 * again: after logrotate renamed the file, new lines go to a new file of that name.
 */
export function fileDestination(path: string): LogDestination & { reopen(): void; close(): void } {
  let fd: number | undefined = openSync(path, 'a');
  return {
    write(line) {
      if (fd !== undefined) writeSync(fd, line);
    },
    reopen() {
      if (fd !== undefined) closeSync(fd);
      fd = openSync(path, 'a');
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

export interface LineLoggerOptions {
  /** `json`: one JSON object per line (`time`, `level`, `msg` and the fields); `pretty`: the message alone. @default 'pretty' */
  format?: 'json' | 'pretty';
  /** Records below this level are not written. @default 'debug' */
  level?: 'debug' | 'info' | 'warn' | 'error';
  /** How `pretty` shows a message (the CLI escapes terminal control characters). @default the message as is */
  escape?: (text: string) => string;
  /** @default Date.now */
  now?: () => number;
}

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A {@link StructuredLogger} writing lines to `dest`; `reopen()` reopens a file destination. */
export function lineLogger(dest: LogDestination, options: LineLoggerOptions = {}): StructuredLogger & { reopen(): void; close(): void } {
  const format = options.format ?? 'pretty';
  const min = LEVELS[options.level ?? 'debug'];
  const now = options.now ?? Date.now;
  const esc = options.escape ?? ((s: string) => s);
  const write = (level: keyof typeof LEVELS) => (fields: LogFields, message: string) => {
    if (LEVELS[level] < min) return;
    if (format === 'json') dest.write(safeJson({ time: now(), level, msg: message, ...fields }) + '\n');
    else dest.write(esc(message) + '\n');
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    reopen: () => dest.reopen?.(),
    close: () => dest.close?.(),
  };
}

/** JSON that never throws (a cycle or a BigInt shows as a string). */
function safeJson(o: LogFields): string {
  try {
    return JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } catch {
    return JSON.stringify({ time: o['time'], level: o['level'], msg: String(o['msg']) });
  }
}

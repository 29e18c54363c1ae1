/**
 * Structured logs in pino's calling convention, `logger.info({ ...fields }, 'message')`, so pino
 * (or any logger of that shape) gets real fields; and a small logger of that shape that writes
 * JSON lines or plain text to a stream or a file, with `reopen()` for LOG_ROTATE (the
 * dispatcher's built-in calls it; so does `switchboard listen --log-file`).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
/**
 * Appends to the file at `path` (created if missing). `reopen()` closes it and opens `path`
 * again: after logrotate renamed the file, new lines go to a new file of that name.
 */
export function fileDestination(path) {
    let fd = openSync(path, 'a');
    return {
        write(line) {
            if (fd !== undefined)
                writeSync(fd, line);
        },
        reopen() {
            if (fd !== undefined)
                closeSync(fd);
            fd = openSync(path, 'a');
        },
        close() {
            if (fd !== undefined)
                closeSync(fd);
            fd = undefined;
        },
    };
}
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 };
/** A {@link StructuredLogger} writing lines to `dest`; `reopen()` reopens a file destination. */
export function lineLogger(dest, options = {}) {
    const format = options.format ?? 'pretty';
    const min = LEVELS[options.level ?? 'debug'];
    const now = options.now ?? Date.now;
    const esc = options.escape ?? ((s) => s);
    const write = (level) => (fields, message) => {
        if (LEVELS[level] < min)
            return;
        if (format === 'json')
            dest.write(safeJson({ time: now(), level, msg: message, ...fields }) + '\n');
        else
            dest.write(esc(message) + '\n');
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
function safeJson(o) {
    try {
        return JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    }
    catch {
        return JSON.stringify({ time: o['time'], level: o['level'], msg: String(o['msg']) });
    }
}

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
export declare function fileDestination(path: string): LogDestination & {
    reopen(): void;
    close(): void;
};
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
/** A {@link StructuredLogger} writing lines to `dest`; `reopen()` reopens a file destination. */
export declare function lineLogger(dest: LogDestination, options?: LineLoggerOptions): StructuredLogger & {
    reopen(): void;
    close(): void;
};

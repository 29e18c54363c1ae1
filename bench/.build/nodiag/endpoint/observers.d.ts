/**
 * Ready-made callbacks that watch a connection without consuming its messages: a logger, a
 * counter and a store that can wait for a message. Combine them with `chainCallbacks`.
 */
import { type SwitchboardError } from '../core/index.js';
import type { Callbacks } from './callbacks.js';
import type { CloseInfo } from './connection.js';
import type { StructuredLogger } from './log.js';
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
export declare function formatMessage(msg: unknown): string;
/** Logs each message sent and received with the connection's name (links' `LoggerCallback`). */
export declare function loggerCallback<In = unknown, Out = unknown>(options?: LoggerCallbackOptions): Callbacks<In, Out>;
/** @internal A message's size where it is plain: bytes, or a string's UTF-8 length; else undefined. */
export declare function sizeOf(msg: unknown): number | undefined;
/** `closed here`, `closed by the peer`, or `<initiator>, <CODE>` when an error closed it (`error, FRAME_TOO_LARGE`). */
export declare function describeClose(info: CloseInfo): string;
export interface Counts {
    connects: number;
    disconnects: number;
    received: number;
    sent: number;
    fails: number;
    rejects: number;
}
/** Counts events; read `counts`. */
export declare function counterCallback<In = unknown, Out = unknown>(): Callbacks<In, Out> & {
    readonly counts: Counts;
};
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
    waitFor(predicate: (msg: In, conn: string) => boolean, options?: {
        timeout?: number;
    }): Promise<In>;
}
/** Records messages (at most `capacity`, oldest dropped) and waits for one matching a predicate. */
export declare function storeCallback<In = unknown, Out = unknown>(options?: {
    capacity?: number;
}): StoreCallback<In, Out>;

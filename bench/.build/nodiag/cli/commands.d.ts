import { type Protocol } from '../core/index.js';
import { type Server } from '../endpoint/index.js';
import { type LogFields, type StructuredLogger } from '../endpoint/log.js';
import { type WebSocketClientOptions } from '../transport/websocket.js';
import type { TlsOptions } from '../transport/stream.js';
import { type CliIo } from './io.js';
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
    /** Serve Prometheus metrics at http://HOST:PORT/metrics. */
    metrics?: string;
    /** Logs as plain lines (`pretty`) or JSON lines with fields. @default 'pretty' */
    logFormat?: 'pretty' | 'json';
    /** Logs go to this file (reopened on LOG_ROTATE) instead of stderr. */
    logFile?: string;
}
/** Where `listen` logs: pino's shape, plus `reopen()` for LOG_ROTATE. */
export type ListenLogger = StructuredLogger & {
    reopen?(): void;
};
/** True for `udp://` and `unixgram://` URLs: one message per datagram. */
export declare function isDatagramUrl(url: string): boolean;
export declare function codecName(flags: CommonFlags, url: string): string;
export declare function protocolFrom(flags: CommonFlags, url: string): Protocol<unknown, unknown>;
/**
 * The `websocket` option of listen()/connect() from the `--ws-*` and `--[no-]compression` flags.
 * They are refused on other schemes, and `--max-frame-size` (the stream framer's limit) is
 * refused on ws:// and wss://, where it would silently do nothing.
 */
export declare function websocketFrom(flags: CommonFlags, url: string): Pick<WebSocketClientOptions, 'limits' | 'compression'> | undefined;
/** Prints message text on stdout: escaped (see escape.ts) unless `--raw`. */
export declare function messagePrinter(io: Pick<CliIo, 'stdout'>, flags: Pick<CommonFlags, 'raw'>, rawFraming?: boolean): (text: string) => void;
/** Diagnostics on stderr: always escaped, they quote peer text (messages, close reasons). */
export declare function warner(io: Pick<CliIo, 'stderr'>): (line: string) => void;
/**
 * `--quiet` without `--trace`: per-connection errors (a peer that resets, a bad frame) are
 * counted by code instead of printed one line each, and summed up at most once per
 * `intervalMs` and when the listener stops.
 */
export declare class ErrorTally {
    private readonly warn;
    private counts;
    private timer;
    constructor(warn: (line: string) => void, intervalMs?: number);
    add(code: string): void;
    /** Prints one summary line if anything was counted since the last one. */
    flush(): void;
    stop(): void;
}
/** Something that runs until closed: a server or a datagram endpoint. */
export interface Running {
    readonly url: string;
    close(): Promise<void>;
}
export declare function tlsFrom(flags: CommonFlags, server: boolean): TlsOptions | undefined;
/**
 * Starts a server that prints each message (one per line) and, with `echo`, sends it back as it
 * came. Used by `switchboard listen` and by the demos. `peerError` gets each per-connection
 * error (default: `warn` its line); `listen --quiet` counts them instead.
 *
 * A frame the codec cannot decode (a line that is not a named message, not JSON) is reported and
 * skipped, and the connection goes on, as eventdispatcher does; a framing error (a frame over
 * the size limit) still closes the connection.
 */
export declare function startListener(url: string, flags: ListenFlags, print: (line: string) => void, warn: (line: string) => void, peerError?: (code: string, line: string, fields?: LogFields) => void, log?: ListenLogger): Promise<Server<unknown, unknown>>;
/** A datagram endpoint that prints each message and, with `echo`, sends it back to its sender. */
export declare function startDatagramListener(url: string, flags: ListenFlags, print: (line: string) => void, warn: (line: string) => void, peerError?: (code: string, line: string) => void): Promise<Running>;
export declare function listenCommand(url: string, flags: ListenFlags, io: CliIo): Promise<number>;
export interface ConnectFlags extends CommonFlags {
    timeout?: number;
    retryAfter?: number;
    /** Datagrams: how long to wait for replies after stdin ends, in ms. @default 200 */
    linger?: number;
    secretCode?: string;
}
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
export declare function connectCommand(url: string, flags: ConnectFlags, io: CliIo): Promise<number>;

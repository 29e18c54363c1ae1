/**
 * `switchboard listen` and `switchboard connect`: a message server and client for any
 * framing and codec, for trying things out and for scripts.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isSwitchboardError, type Protocol } from '../core/index.js';
import { connect, listen, type Connection, type Server } from '../endpoint/index.js';
import { isWebSocketUrl } from '../transport/websocket.js';
import type { TlsOptions } from '../transport/stream.js';
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
}

export interface ListenFlags extends CommonFlags {
  echo?: boolean;
  maxConnections?: number;
  quiet?: boolean;
}

export function codecName(flags: CommonFlags, url: string): string {
  return flags.codec ?? (isWebSocketUrl(url) ? 'message' : 'text');
}

export function protocolFrom(flags: CommonFlags, url: string): Protocol<unknown, unknown> {
  return { framing: parseFraming(flags.framing, flags.maxFrameSize), codec: parseCodec(codecName(flags, url)) };
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
 * Starts a server that prints each message (one per line) and, with `echo`, sends it back as it
 * came. Used by `switchboard listen` and by the demos.
 */
export async function startListener(
  url: string,
  flags: ListenFlags,
  print: (line: string) => void,
  warn: (line: string) => void,
): Promise<Server<unknown, unknown>> {
  const tls = tlsFrom(flags, true);
  return listen<unknown, unknown>(url, {
    protocol: protocolFrom(flags, url),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.maxConnections !== undefined && { maxConnections: flags.maxConnections }),
    ...(tls && { tls }),
    callbacks: {
      onReceive(conn, msg) {
        if (!flags.quiet) print(showMessage(msg));
        if (flags.echo) conn.send(msg);
      },
      onFail(err, conn) {
        warn(`${conn ? conn.name + ': ' : ''}${err.code}: ${err.message}`);
      },
      onReject(remote, err) {
        warn(`refused ${remote}: ${err.message}`);
      },
    },
  });
}

export async function listenCommand(url: string, flags: ListenFlags, io: CliIo): Promise<number> {
  const server = await startListener(
    url,
    flags,
    (line) => io.stdout.write(line + '\n'),
    (line) => io.stderr.write(line + '\n'),
  );
  io.stderr.write(`listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close({ timeout: 2000 });
  return Exit.ok;
}

export interface ConnectFlags extends CommonFlags {
  timeout?: number;
  retryAfter?: number;
}

/**
 * Sends each stdin line as a message and prints each message received. When stdin ends the
 * connection closes gracefully, so replies still on their way are printed before exit.
 */
export async function connectCommand(url: string, flags: ConnectFlags, io: CliIo): Promise<number> {
  const tls = tlsFrom(flags, false);
  const protocol = protocolFrom(flags, url);
  let conn: Connection<unknown, unknown>;
  conn = await connect<unknown, unknown>(url, {
    protocol,
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.timeout !== undefined && { timeout: flags.timeout }),
    ...(flags.retryAfter !== undefined && { retryAfter: flags.retryAfter }),
    ...(tls && { tls }),
    signal: io.signal,
  });
  const appendNewline = protocol.framing.name === 'raw';
  const printer = (async () => {
    try {
      for await (const msg of conn) io.stdout.write(showMessage(msg) + (appendNewline ? '' : '\n'));
    } catch (err) {
      io.stderr.write(`${isSwitchboardError(err) ? err.code + ': ' : ''}${(err as Error).message}\n`);
    }
  })();
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  const onAbort = (): void => rl.close();
  io.signal.addEventListener('abort', onAbort, { once: true });
  // The server may leave while stdin is still open: stop reading stdin then.
  void conn.closed.then(() => rl.close());
  try {
    for await (const line of rl) {
      if (conn.state !== 'open') break;
      const msg = lineToMessage(appendNewline ? line + '\n' : line, codecName(flags, url));
      const status = await conn.sendWait(msg, { timeout: 30_000 });
      if (status === 'closed') break;
    }
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    rl.close();
  }
  const info = await conn.close();
  await printer;
  if (info.error && info.error.code !== 'CONNECTION_RESET') {
    io.stderr.write(`${info.error.code}: ${info.error.message}\n`);
    return Exit.failure;
  }
  return Exit.ok;
}

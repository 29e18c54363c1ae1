/**
 * `switchboard listen` and `switchboard connect`: a message server and client for any
 * framing and codec, for trying things out and for scripts.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { datagram, formatAddress, isSwitchboardError, namedMessageLines, type Protocol } from '../core/index.js';
import { bindDatagram, connect, datagramClient, describeClose, listen, type Connection, type Server } from '../endpoint/index.js';
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
  /** Log connections and every message with its connection's name to stderr. */
  trace?: boolean;
  secretCode?: string;
}

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

/** Something that runs until closed: a server or a datagram endpoint. */
export interface Running {
  readonly url: string;
  close(): Promise<void>;
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
  const trace = flags.trace ? warn : undefined;
  return listen<unknown, unknown>(url, {
    protocol: protocolFrom(flags, url),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.maxConnections !== undefined && { maxConnections: flags.maxConnections }),
    ...(tls && { tls }),
    callbacks: {
      onConnect(conn) {
        trace?.(`${conn.name} connected`);
      },
      onDisconnect(conn, info) {
        trace?.(`${conn.name} disconnected (${describeClose(info)})`);
      },
      onReceive(conn, msg) {
        trace?.(`${conn.name} >> ${showMessage(msg)}`);
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

/** A datagram endpoint that prints each message and, with `echo`, sends it back to its sender. */
export async function startDatagramListener(
  url: string,
  flags: ListenFlags,
  print: (line: string) => void,
  warn: (line: string) => void,
): Promise<Running> {
  const trace = flags.trace ? warn : undefined;
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
        warn(`${err.code}: ${err.message}`);
      },
    },
  });
}

export async function listenCommand(url: string, flags: ListenFlags, io: CliIo): Promise<number> {
  const print = (line: string): void => void io.stdout.write(line + '\n');
  const warn = (line: string): void => void io.stderr.write(line + '\n');
  const server: Running = isDatagramUrl(url) ? await startDatagramListener(url, flags, print, warn) : await startListener(url, flags, print, warn);
  io.stderr.write(`listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return Exit.ok;
}

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
 */
export async function connectCommand(url: string, flags: ConnectFlags, io: CliIo): Promise<number> {
  if (isDatagramUrl(url)) return datagramConnect(url, flags, io);
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
      if (line.trim() === '' && codecName(flags, url) === 'named') continue;
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

/**
 * `connect udp://...`: each stdin line is one datagram; replies are printed. Datagrams have no
 * end: after stdin ends, replies are awaited for `linger` ms.
 */
async function datagramConnect(url: string, flags: ConnectFlags, io: CliIo): Promise<number> {
  const ep = await datagramClient<unknown, unknown>(url, {
    protocol: protocolFrom(flags, url),
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.secretCode !== undefined && { secretCode: flags.secretCode }),
    callbacks: {
      onReceive: (_ep, msg) => void io.stdout.write(showMessage(msg) + '\n'),
      onFail: (err) => void io.stderr.write(`${err.code}: ${err.message}\n`),
    },
  });
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  const onAbort = (): void => rl.close();
  io.signal.addEventListener('abort', onAbort, { once: true });
  let failed = false;
  try {
    for await (const line of rl) {
      if (line.trim() === '' && codecName(flags, url) === 'named') continue;
      if (ep.send(lineToMessage(line, codecName(flags, url))) !== 'sent') failed = true;
    }
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    rl.close();
  }
  await new Promise((r) => setTimeout(r, flags.linger ?? 200));
  await ep.close();
  return failed ? Exit.failure : Exit.ok;
}

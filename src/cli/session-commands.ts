/**
 * The session side of the command line (docs/cli.md "Sessions"):
 *
 *   switchboard listen URL --session [--echo]      accepts sessions, prints messages; --echo
 *                                                  echoes them and answers each request with itself
 *   switchboard connect URL --session              each stdin line in a session, reconnecting and
 *                                                  resuming; exit 0 once stdin ended and all is acked
 *   switchboard request URL MESSAGE [--timeout MS] one request in a session, prints the reply
 */
import { createInterface } from 'node:readline';
import { ConfigError, ErrorCode, pauseSchedule, type SwitchboardError } from '../core/index.js';
import { connect, listen, permanentClient } from '../endpoint/index.js';
import { Exit, type CliIo } from './io.js';
import {
  codecName,
  isDatagramUrl,
  listenLogging,
  messagePrinter,
  protocolFrom,
  tlsFrom,
  warner,
  websocketFrom,
  type CommonFlags,
  type ListenFlags,
} from './commands.js';
import { lineToMessage, showMessage } from './spec.js';
import type { LogFields } from '../endpoint/log.js';
import { parseHostPortArg, serveMetrics, type MetricsServer } from '../endpoint/prometheus.js';
import { redactUrl } from '../endpoint/client.js';
import { natsBroker, natsSessionStore, type Broker } from '../cluster/index.js';
import type { SessionStore } from '../core/index.js';

/** After SIGINT/SIGTERM, how long `connect --session` still waits for acknowledgements, in ms. */
const ABORT_GRACE_MS = 2000;
/** Pause between reconnection attempts of `connect --session`, in ms (a fixed pause: a CLI user watches it). */
const RECONNECT_PAUSE_MS = 250;
/** `request`'s default timeout (to connect, and for the answer), in ms. */
const REQUEST_TIMEOUT_MS = 10_000;

function noDatagrams(url: string, what: string): void {
  if (isDatagramUrl(url)) throw new ConfigError(ErrorCode.INVALID_OPTION, `${what} needs a stream transport (tcp, tls, unix, ws, wss), got ${url}`);
}

/** The transport options every session command shares (framing/codec, TLS, WebSocket limits, name). */
function transportOptions(url: string, flags: CommonFlags, server: boolean) {
  const protocol = protocolFrom(flags, url);
  const tls = tlsFrom(flags, server);
  const websocket = websocketFrom(flags, url);
  return {
    protocol,
    ...(flags.name !== undefined && { name: flags.name }),
    ...(tls && { tls }),
    ...(websocket && { websocket }),
  };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * `listen URL --session`: prints every message of every session (one per line). With `--echo`
 * each message is sent back in its session and each request is answered with the request
 * itself; without it requests are answered `NO_HANDLER`. With `--cluster NATS_URLS` the sessions
 * are kept in NATS key-value (JetStream), so a client resumes on any such listener, and
 * SIGINT/SIGTERM hands every session over before the listener exits.
 */
export async function sessionListenCommand(url: string, flags: ListenFlags, io: CliIo): Promise<number> {
  noDatagrams(url, '--session');
  if (flags.relay) throw new ConfigError(ErrorCode.INVALID_OPTION, '--relay does not combine with --session (a session is a conversation with one client)');
  if (flags.node !== undefined && flags.cluster === undefined) throw new ConfigError(ErrorCode.INVALID_OPTION, '--node needs --cluster');
  if (flags.durable && flags.cluster === undefined) throw new ConfigError(ErrorCode.INVALID_OPTION, '--durable needs --cluster (the log is kept in NATS)');
  if (flags.metrics !== undefined) parseHostPortArg(flags.metrics); // a bad address fails before anything listens
  const print = messagePrinter(io, flags);
  const { log, file, warn, tally, peerError } = listenLogging(flags, io);
  const trace = flags.trace ? (line: string, fields: LogFields): void => (log ? log.info(fields, line) : warn(line)) : undefined;
  let exporter: MetricsServer | undefined;
  let broker: Broker | undefined;
  let store: SessionStore | undefined;
  try {
    if (flags.cluster !== undefined) {
      const servers = flags.cluster.split(',');
      broker = await natsBroker({ servers, name: `switchboard listen --session${flags.node !== undefined ? ` ${flags.node}` : ''}` });
      store = await natsSessionStore(broker);
      io.stderr.write(`sessions kept in NATS key-value at ${servers.map(redactUrl).join(',')}\n`);
    }
    const server = await listen<unknown, unknown>(url, {
      ...transportOptions(url, flags, true),
      decodeErrors: 'skip',
      ...(flags.maxConnections !== undefined && { maxConnections: flags.maxConnections }),
      callbacks: {
        onFail(err, conn) {
          if (conn) peerError(err.code, `${conn.name}: ${err.code}: ${err.message}`, { event: 'error', connection: conn.name, code: err.code });
          else warn(`${err.code}: ${err.message}`);
        },
        onReject(remote, err) {
          peerError('refused', `refused ${remote}: ${err.message}`, { event: 'reject', remote, code: err.code });
        },
      },
      session: {
        ...(store !== undefined && { store }),
        ...(flags.durable && { durable: true }),
        onOpen(s, info) {
          trace?.(`session ${s.id} ${info.resumed ? 'resumed' : 'opened'}`, { event: info.resumed ? 'session_resumed' : 'session_opened', session: s.id });
        },
        onEnd(s, err) {
          trace?.(`session ${s.id} ended${err ? ` (${err.code})` : ''}`, { event: 'session_ended', session: s.id, ...(err && { code: err.code }) });
        },
        onMessage(s, msg, info) {
          trace?.(`session ${s.id} >> ${showMessage(msg)}${info.redelivered ? ` (redelivered, origin ${info.origin})` : ''}`, {
            event: 'message',
            session: s.id,
            direction: 'in',
            ...(info.redelivered && { origin: info.origin }),
          });
          if (!flags.quiet) print(showMessage(msg));
          if (flags.echo) s.send(msg);
        },
        ...(flags.echo && {
          onRequest(s, msg) {
            trace?.(`session ${s.id} request ${showMessage(msg)}`, { event: 'request', session: s.id });
            return msg;
          },
        }),
      },
    });
    io.stderr.write(`listening on ${server.url} (sessions)\n`);
    try {
      if (flags.metrics !== undefined) {
        exporter = await serveMetrics(flags.metrics, [server]);
        io.stderr.write(`metrics on ${exporter.url}\n`);
      }
      await untilAborted(io.signal);
    } finally {
      // With a store, close() hands every session over (put in NATS) before connections close.
      await server.close({ timeout: ABORT_GRACE_MS });
      await exporter?.close();
    }
  } finally {
    await broker?.close();
    tally?.stop();
    file?.close();
  }
  return Exit.ok;
}

/**
 * `connect URL --session`: sends each stdin line in one session, for as long as it runs:
 * dropped connections are reconnected and the session resumed (nothing lost); after a server
 * restart the session is new (`resumed: false`, said on stderr) and the lines not yet
 * acknowledged are sent again. Messages from the server are printed.
 *
 * Exit 0 only when stdin ended and every line was acknowledged by the server. Exit 1 when a line
 * cannot be sent (not JSON, not a named message), when the session ends (the server ended it),
 * or when SIGINT/SIGTERM came before everything was acknowledged (it waits 2 s for them).
 */
export async function sessionConnectCommand(url: string, flags: CommonFlags, io: CliIo): Promise<number> {
  noDatagrams(url, '--session');
  const cname = codecName(flags, url);
  const print = messagePrinter(io, flags);
  const warn = warner(io);
  let ended: SwitchboardError | undefined;
  let endedAt = false;
  let wake: (() => void) | undefined;
  // One line per outage, not one per attempt: "retrying" once, then quiet until connected again.
  let outage = false;
  const client = permanentClient<unknown, unknown>(url, {
    ...transportOptions(url, flags, false),
    decodeErrors: 'skip',
    backoff: pauseSchedule([RECONNECT_PAUSE_MS]),
    onStatus(st) {
      if (st.type === 'connected') outage = false;
      else if (st.type === 'failed' && !outage) {
        outage = true;
        warn(`switchboard: ${st.error.code}: ${st.error.message}; retrying every ${RECONNECT_PAUSE_MS} ms (lines are kept until the server acknowledges them)`);
      }
    },
    callbacks: {
      onFail(err) {
        warn(`${err.code}: ${err.message}`);
      },
    },
    session: {
      onOpen(_s, info) {
        if (info.lost) {
          warn(`switchboard: the server lost the session (${info.lost.code}): resumed: false; ${info.redelivered} unacknowledged line(s) sent again`);
        }
      },
      onMessage(_s, msg) {
        print(showMessage(msg));
      },
      onEnd(_s, err) {
        endedAt = true;
        ended = err;
        wake?.();
      },
    },
  });
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  const onAbort = (): void => {
    rl.close();
    wake?.();
  };
  io.signal.addEventListener('abort', onAbort, { once: true });
  let inputError: string | undefined;
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      if (endedAt || io.signal.aborted) break;
      if (line.trim() === '' && cname === 'named') continue;
      let msg: unknown;
      try {
        msg = lineToMessage(line, cname);
      } catch (err) {
        inputError = `line ${lineNo} of stdin was not sent: ${err instanceof Error ? err.message : String(err)}`;
        break;
      }
      // At the session's cap (`dropped`) wait for acknowledgements and try again; a line is never skipped.
      for (;;) {
        const status = client.send(msg);
        if (status === 'closed') break;
        if (status !== 'dropped') {
          // backpressured: over half the cap. Read no more stdin until some of it is acknowledged.
          if (status === 'backpressured') await client.acked({ timeout: 100 });
          break;
        }
        if (endedAt || io.signal.aborted) break;
        await client.acked({ timeout: 100 });
      }
    }
  } catch (err) {
    inputError = `reading stdin failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    rl.close();
  }
  // stdin is over: wait until the server acknowledged every line (reconnecting as long as it
  // takes), unless the session ended or we are told to stop (then 2 s more at most).
  let acked = false;
  if (inputError === undefined && !endedAt) {
    acked = await new Promise<boolean>((resolve) => {
      let grace: ReturnType<typeof setTimeout> | undefined;
      const finish = (ok: boolean): void => {
        clearTimeout(grace);
        wake = undefined;
        resolve(ok);
      };
      // false when the session ended; the longest timeout a timer takes stands for "no timeout".
      void client.acked({ timeout: 2 ** 31 - 1 }).then(finish, () => finish(false));
      wake = () => {
        if (endedAt) finish(false);
        else grace ??= setTimeout(() => finish(false), ABORT_GRACE_MS);
      };
      if (io.signal.aborted) wake();
    });
  }
  io.signal.removeEventListener('abort', onAbort);
  const unacked = client.session.unacked;
  const sessionEnded = endedAt; // before close(), which ends the session itself
  await client.close();
  if (inputError !== undefined) {
    warn(`switchboard: ${inputError}`);
    return Exit.failure;
  }
  if (sessionEnded && !acked) {
    warn(`switchboard: the session ended${ended ? ` (${(ended as SwitchboardError).code}: ${(ended as SwitchboardError).message})` : ''} with ${unacked} line(s) not acknowledged`);
    return Exit.failure;
  }
  if (!acked) {
    warn(`switchboard: stopped with ${unacked} line(s) not acknowledged`);
    return Exit.failure;
  }
  return Exit.ok;
}

export interface RequestFlags extends CommonFlags {
  timeout?: number;
}

/**
 * `request URL MESSAGE`: opens a session, sends MESSAGE as a request and prints the reply. Exit 0
 * with the reply on stdout; exit 1 with the error's code on stderr (`REQUEST_TIMEOUT`,
 * `NO_HANDLER`, `CONNECTION_CLOSED`, a handler's code, `CONNECT_FAILED`...).
 */
export async function requestCommand(url: string, message: string, flags: RequestFlags, io: CliIo): Promise<number> {
  noDatagrams(url, 'request');
  const cname = codecName(flags, url);
  const print = messagePrinter(io, flags);
  const warn = warner(io);
  const timeout = flags.timeout ?? REQUEST_TIMEOUT_MS;
  const msg = lineToMessage(message, cname);
  const session = await connect<unknown, unknown>(url, {
    ...transportOptions(url, flags, false),
    timeout,
    signal: io.signal,
    session: true,
  });
  try {
    const reply = await session.request(msg, { timeout, signal: io.signal });
    print(showMessage(reply));
    return Exit.ok;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    warn(`${e.code ?? 'ERROR'}: ${e.message ?? String(err)}`);
    return Exit.failure;
  } finally {
    await session.close();
  }
}

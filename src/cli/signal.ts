/**
 * `switchboard signal`: sends one named message to a running server, like eventdispatcher's
 * `ed-signal`, and with `--reply` prints one reply line.
 *
 *     switchboard signal --host 127.0.0.1:4041 --type tcp --message QUIT
 *     switchboard signal --host 127.0.0.1:4041 --type udp --message LOG_ROTATE --secret-code s3cret
 *     switchboard signal --host /run/daemon.sock --type unix --message daemon/STATUS --reply
 */
import {
  ConfigError,
  ErrorCode,
  hostPort,
  namedMessageDatagrams,
  namedMessages,
  parseMessage,
  type Message,
} from '../core/index.js';
import { connect, datagramClient } from '../endpoint/index.js';
import { escapeControls } from './escape.js';
import { Exit, type CliIo } from './io.js';

export interface SignalFlags {
  host: string;
  type: 'tcp' | 'udp' | 'unix';
  message: string;
  param?: string[];
  secretCode?: string;
  reply?: boolean;
  timeout?: number;
  trace?: boolean;
}

/** The message from `--message [[server:]service/]COMMAND` and `--param name=value`. */
export function signalMessage(flags: Pick<SignalFlags, 'message' | 'param' | 'secretCode' | 'type'>): Message {
  // What the user typed is checked here: a bad message is a usage error (exit 2), not a failure.
  const usage = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (cause) {
      throw new ConfigError(ErrorCode.INVALID_OPTION, `${what}: ${(cause as Error).message}`, { cause });
    }
  };
  let msg = usage('--message', () => parseMessage(flags.message));
  for (const p of flags.param ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ConfigError(ErrorCode.INVALID_OPTION, `--param ${JSON.stringify(p)}: expected name=value`);
    msg = usage(`--param ${p.slice(0, eq)}`, () => msg.with(p.slice(0, eq), p.slice(eq + 1)));
  }
  // On streams the secret code travels as a parameter; on UDP the datagram endpoint adds it.
  if (flags.secretCode !== undefined && flags.type !== 'udp') msg = msg.with('secret_code', flags.secretCode);
  return msg;
}

/** `127.0.0.1:4041` or `[::1]:4041` -> a URL of `scheme`; a path for unix. */
export function signalUrl(type: SignalFlags['type'], host: string): string {
  if (type === 'unix') {
    if (!host.startsWith('/')) throw new ConfigError(ErrorCode.INVALID_OPTION, `--host for --type unix must be an absolute path, got ${JSON.stringify(host)}`);
    return `unix://${host}`;
  }
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host);
  if (!m) throw new ConfigError(ErrorCode.INVALID_OPTION, `--host must be host:port or [v6]:port, got ${JSON.stringify(host)}`);
  const h = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return `${type}://${hostPort(h, Number(m[2]))}`;
}

export async function signalCommand(flags: SignalFlags, io: CliIo): Promise<number> {
  const msg = signalMessage(flags);
  const url = signalUrl(flags.type, flags.host);
  const timeout = flags.timeout ?? 5000;
  if (flags.trace) io.stderr.write(`${url} << ${msg.toString()}\n`);
  if (flags.type === 'udp') {
    await using ep = await datagramClient<Message, Message>(url, {
      protocol: namedMessageDatagrams(),
      ...(flags.secretCode !== undefined && { secretCode: flags.secretCode }),
    });
    const status = ep.send(msg);
    if (status !== 'sent') {
      io.stderr.write(`switchboard: the datagram was not sent (${status})\n`);
      return Exit.failure;
    }
    if (!flags.reply) return Exit.ok;
    const { msg: reply } = await ep.receive({ timeout });
    io.stdout.write(escapeControls(reply.toString()) + '\n');
    return Exit.ok;
  }
  await using conn = await connect<Message, Message>(url, { protocol: namedMessages(), timeout, decodeErrors: 'skip' });
  const status = await conn.sendWait(msg, { timeout });
  if (status !== 'sent' && status !== 'queued' && status !== 'backpressured') {
    io.stderr.write(`switchboard: the message was not sent (${status})\n`);
    return Exit.failure;
  }
  if (!flags.reply) return Exit.ok;
  const reply = await conn.receive({ timeout });
  io.stdout.write(escapeControls(reply.toString()) + '\n');
  return Exit.ok;
}

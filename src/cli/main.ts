/**
 * The `switchboard` command. `main(argv, io)` returns an exit code; it never calls
 * `process.exit` (bin.ts does).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isSwitchboardError } from '../core/index.js';
import { connectCommand, listenCommand, type ConnectFlags, type ListenFlags } from './commands.js';
import { chatCommand } from './chat/command.js';
import { benchCommand, type BenchFlags } from './bench.js';
import { scenarios } from './demo/index.js';
import { escapeControls } from './escape.js';
import { Exit, type CliIo } from './io.js';
import { CODEC_HELP, FRAMING_HELP } from './spec.js';
import { requestCommand, sessionConnectCommand, sessionListenCommand, type RequestFlags } from './session-commands.js';
import { signalCommand, type SignalFlags } from './signal.js';
import { packageVersion } from './version.js';

function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('--framing <spec>', FRAMING_HELP).default('lines'))
    .addOption(new Option('--codec <name>', `${CODEC_HELP} (default: text; message on ws://)`))
    .option('--max-frame-size <bytes>', 'largest frame accepted (default 8 MiB)', intArg('--max-frame-size', 1))
    .option('--name <name>', 'name shown in connection identities')
    .option('--cert <file>', 'TLS: PEM certificate of this side')
    .option('--key <file>', 'TLS: PEM private key for --cert')
    .option('--ca <file>', 'TLS: PEM authority to trust (a server then asks clients for certificates)')
    .option('--insecure', 'TLS: do not verify the peer certificate')
    .option('--raw', 'print messages as they came; by default terminal control characters in them are shown as escapes (\\x1b, \\u009b)')
    .option('--ws-max-message-size <bytes>', 'ws/wss: largest message accepted (default 8 MiB)', intArg('--ws-max-message-size', 1))
    .option('--ws-max-frame-size <bytes>', 'ws/wss: largest frame accepted (default 8 MiB)', intArg('--ws-max-frame-size', 1))
    .option('--ws-max-fragments <n>', 'ws/wss: most frames in one message (default 1048576)', intArg('--ws-max-fragments', 1))
    .option('--ws-compression-threshold <bytes>', 'ws/wss: smallest message sent compressed (default 1024)', intArg('--ws-compression-threshold', 0))
    .option('--compression', 'ws/wss: offer or accept permessage-deflate (the default)')
    .option('--no-compression', 'ws/wss: neither offer nor accept permessage-deflate');
}

/** The end of a command's --help: a few runnable examples. */
function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = Exit.ok;
  const program = new Command('switchboard')
    .description('Message-based clients and servers over TCP, TLS, Unix sockets, UDP and WebSocket')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .addHelpText(
      'after',
      examples([
        'switchboard listen tcp://127.0.0.1:4000 --echo',
        "printf 'hello\\n' | switchboard connect tcp://127.0.0.1:4000",
        'switchboard <command> --help',
      ]),
    );

  program
    .command('demo')
    .description('run the seed scenarios on loopback: all of them, or the one named; `demo chat` serves a chat page until stopped')
    .argument('[name]', `one of: ${scenarios.map((s) => s.name).join(', ')}, chat`)
    .option('--port <n>', 'chat: the HTTP and WebSocket port, 0 for any free one (default 8080)', intArg('--port', 0))
    .option('--host <address>', 'chat: the address to listen on (default 127.0.0.1)')
    .option('--sessions', 'chat: the page uses sessions: a dropped connection resumes with nothing lost')
    .addHelpText('after', examples(['switchboard demo', 'switchboard demo websocket', 'switchboard demo chat --port 8080 --sessions']))
    .action(async (name: string | undefined, flags: { port?: number; host?: string; sessions?: boolean }) => {
      if (name === 'chat') {
        code = await chatCommand(flags, io);
        return;
      }
      if (flags.port !== undefined || flags.host !== undefined || flags.sessions !== undefined) {
        io.stderr.write('--port, --host and --sessions apply to `switchboard demo chat` only\n');
        code = Exit.usage;
        return;
      }
      const chosen = name === undefined ? scenarios : scenarios.filter((s) => s.name === name);
      if (chosen.length === 0) {
        io.stderr.write(`unknown demo "${name}", expected one of: ${scenarios.map((s) => s.name).join(', ')}, chat\n`);
        code = Exit.usage;
        return;
      }
      for (const s of chosen) {
        io.stdout.write(`\n=== ${s.name}: ${s.title}\n`);
        await s.run((line) => io.stdout.write(`  ${line}\n`));
        io.stdout.write(`=== ${s.name}: ok\n`);
      }
    });

  common(
    program
      .command('listen')
      .description('listen on a URL and print every message received, one per line')
      .argument('<url>', 'tcp://host:port, tls://, unix:///path, ws://host:port/path, wss://, udp://host:port or unixgram:///path'),
  )
    .option('--echo', 'send every message back as it came (with --session: and answer each request with itself)')
    .option('--session', 'accept sessions: messages survive dropped connections (docs/sessions.md)')
    .option('--quiet', 'do not print messages; count per-connection errors and print a summary at most every 10 s (with --trace: each one)')
    .option('--trace', 'log connections and every message, with the connection name, to stderr')
    .option('--secret-code <code>', 'udp: drop named messages without this secret_code')
    .option('--max-connections <n>', 'refuse connections beyond this many', intArg('--max-connections', 0))
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (no default address: it binds only where told)')
    .addOption(new Option('--log-format <format>', 'logs (--trace, errors) as plain lines or JSON lines with fields').choices(['pretty', 'json']).default('pretty'))
    .option('--log-file <path>', 'write logs to this file instead of stderr; a LOG_ROTATE message (named or text) reopens it')
    .option('--cluster <nats-urls>', 'join a cluster through NATS (nats://host:port, several comma-separated); needs @nats-io/transport-node')
    .option('--node <name>', 'this node\'s name in the cluster (A-Z a-z 0-9 _; default: hostname_pid)')
    .option('--relay', 'send every message a client sends to every other connection (on every node with --cluster)')
    .option('--durable', 'with --session --cluster: log every session in NATS before it goes on the wire, so clients of a killed listener resume elsewhere with nothing lost')
    .addHelpText(
      'after',
      examples([
        'switchboard listen tcp://127.0.0.1:4000 --echo',
        'switchboard listen tcp://127.0.0.1:4000 --session --echo',
        'switchboard listen ws://0.0.0.0:8080 --codec json --cluster nats://127.0.0.1:4222 --node web1 --relay --metrics 127.0.0.1:9464',
      ]),
    )
    .action(async (url: string, flags: ListenFlags & { session?: boolean }) => {
      code = flags.session ? await sessionListenCommand(url, flags, io) : await listenCommand(url, flags, io);
    });

  common(
    program
      .command('connect')
      .description('send each stdin line as a message and print each message received')
      .argument('<url>', 'tcp://host:port, tls://, unix:///path, ws://host:port/path, wss://, udp://host:port or unixgram:///path'),
  )
    .option('--timeout <ms>', 'total time to get connected (default 10000)', intArg('--timeout', 1))
    .option('--retry-after <ms>', 'pause between connection attempts (default: one attempt)', intArg('--retry-after', 1))
    .option('--linger <ms>', 'udp: how long to wait for replies after stdin ends (default 200)', intArg('--linger', 0))
    .option('--secret-code <code>', 'udp: add this secret_code to named messages')
    .option('--session', 'send in a session: reconnect and resume until every line is acknowledged (docs/sessions.md)')
    .addHelpText(
      'after',
      examples([
        "printf 'hello\\n' | switchboard connect tcp://127.0.0.1:4000",
        "echo '{\"op\":\"ping\"}' | switchboard connect tcp://127.0.0.1:4000 --framing length:4 --codec json",
        'seq 1000 | switchboard connect tcp://127.0.0.1:4000 --session',
      ]),
    )
    .action(async (url: string, flags: ConnectFlags & { session?: boolean }) => {
      if (flags.session && (flags.retryAfter !== undefined || flags.timeout !== undefined || flags.linger !== undefined || flags.secretCode !== undefined)) {
        io.stderr.write('switchboard: --session reconnects for as long as it runs: --timeout, --retry-after, --linger and --secret-code do not apply\n');
        code = Exit.usage;
        return;
      }
      code = flags.session ? await sessionConnectCommand(url, flags, io) : await connectCommand(url, flags, io);
    });

  common(
    program
      .command('request')
      .description('send one request in a session and print the reply')
      .argument('<url>', 'tcp://host:port, tls://, unix:///path, ws://host:port/path or wss://')
      .argument('<message>', 'the request, encoded with --codec like a stdin line of connect'),
  )
    .option('--timeout <ms>', 'time to connect, and then to get the reply (default 10000)', intArg('--timeout', 1))
    .addHelpText(
      'after',
      examples([
        'switchboard request tcp://127.0.0.1:4000 hello',
        "switchboard request tcp://127.0.0.1:4000 '{\"op\":\"sum\",\"of\":[1,2]}' --codec json --timeout 2000",
      ]),
    )
    .action(async (url: string, message: string, flags: RequestFlags) => {
      code = await requestCommand(url, message, flags, io);
    });

  common(
    program
      .command('bench')
      .description('load an echo server (ours or any other) and report messages/s, bytes/s and latency percentiles')
      .argument('<url>', 'tcp://host:port, tls://, unix:///path, ws://host:port/path or wss://'),
  )
    .option('-c, --connections <n>', 'connections', intArg('--connections', 1), 1)
    .option('-w, --in-flight <n>', 'messages in flight per connection', intArg('--in-flight', 1), 1)
    .option('-s, --size <bytes>', 'message size', intArg('--size', 1), 64)
    .option('-r, --rate <n>', 'messages per second over all connections (0: as fast as replies come)', intArg('--rate', 0), 0)
    .option('-d, --duration <ms>', 'measured time', intArg('--duration', 1), 5000)
    .option('--warmup <ms>', 'unmeasured time before it', intArg('--warmup', 0), 1000)
    .option('--timeout <ms>', 'time to connect each connection (default 10000)', intArg('--timeout', 1))
    .option('--json', 'print the result as one JSON object')
    .option('--progress', 'print the progress line even when stderr is not a terminal')
    .addHelpText(
      'after',
      examples([
        'switchboard bench tcp://127.0.0.1:4000 --codec bytes -c 4 -w 100 -s 64 -d 10000',
        'switchboard bench ws://127.0.0.1:9001/ -c 1 -w 1 --json',
        'switchboard bench tcp://127.0.0.1:4000 --framing length:4 --rate 50000 -c 8',
      ]),
    )
    .action(async (url: string, flags: BenchFlags) => {
      code = await benchCommand(url, flags, io);
    });

  program
    .command('signal')
    .description('send one named message to a running server (like ed-signal)')
    .requiredOption('--host <address>', 'host:port, [v6]:port, or a socket path for --type unix')
    .addOption(new Option('--type <type>', 'transport').choices(['tcp', 'udp', 'unix']).default('tcp'))
    .requiredOption('--message <message>', '[[server:]service/]COMMAND, parameters allowed: "LOCK key=a;ttl=5"')
    .option('--param <name=value>', 'a parameter (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--secret-code <code>', 'the secret_code the server expects')
    .option('--reply', 'wait for one reply and print it')
    .option('--timeout <ms>', 'time to connect and to wait for the reply (default 5000)', intArg('--timeout', 1))
    .option('--trace', 'print the message sent to stderr')
    .addHelpText(
      'after',
      examples([
        'switchboard signal --host 127.0.0.1:4041 --message QUIT',
        'switchboard signal --host 127.0.0.1:4041 --type udp --message LOG_ROTATE --secret-code s3cret',
        'switchboard signal --host /run/daemon.sock --type unix --message daemon/STATUS --reply',
      ]),
    )
    .action(async (flags: SignalFlags) => {
      code = await signalCommand(flags, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? Exit.ok : Exit.usage;
    }
    if (isSwitchboardError(err)) {
      // Messages may quote the peer (an HTTP status line, a close reason): escaped like all diagnostics.
      io.stderr.write(`switchboard: ${err.code}: ${escapeControls(err.message)}\n`);
      return err.code === 'INVALID_OPTION' || err.code === 'INVALID_ADDRESS' ? Exit.usage : Exit.failure;
    }
    io.stderr.write(`switchboard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return Exit.failure;
  }
}

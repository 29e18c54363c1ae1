/**
 * The `switchboard` command. `main(argv, io)` returns an exit code; it never calls
 * `process.exit` (bin.ts does).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isSwitchboardError } from '../core/index.js';
import { connectCommand, listenCommand, type ConnectFlags, type ListenFlags } from './commands.js';
import { scenarios } from './demo/index.js';
import { escapeControls } from './escape.js';
import { Exit, type CliIo } from './io.js';
import { CODEC_HELP, FRAMING_HELP } from './spec.js';
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
    .description('run the seed scenarios on loopback: all of them, or the one named')
    .argument('[name]', `one of: ${scenarios.map((s) => s.name).join(', ')}`)
    .addHelpText('after', examples(['switchboard demo', 'switchboard demo websocket', 'switchboard demo eventdispatcher']))
    .action(async (name: string | undefined) => {
      const chosen = name === undefined ? scenarios : scenarios.filter((s) => s.name === name);
      if (chosen.length === 0) {
        io.stderr.write(`unknown demo "${name}", expected one of: ${scenarios.map((s) => s.name).join(', ')}\n`);
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
    .option('--echo', 'send every message back as it came')
    .option('--quiet', 'do not print messages; count per-connection errors and print a summary at most every 10 s (with --trace: each one)')
    .option('--trace', 'log connections and every message, with the connection name, to stderr')
    .option('--secret-code <code>', 'udp: drop named messages without this secret_code')
    .option('--max-connections <n>', 'refuse connections beyond this many', intArg('--max-connections', 0))
    .option('--cluster <nats-urls>', 'join a cluster through NATS (nats://host:port, several comma-separated); needs @nats-io/transport-node')
    .option('--node <name>', 'this node\'s name in the cluster (A-Z a-z 0-9 _; default: hostname_pid)')
    .option('--relay', 'send every message a client sends to every other connection (on every node with --cluster)')
    .addHelpText(
      'after',
      examples([
        'switchboard listen tcp://127.0.0.1:4000 --echo',
        'switchboard listen ws://0.0.0.0:8080 --codec json --cluster nats://127.0.0.1:4222 --node web1 --relay',
        'switchboard listen ws://127.0.0.1:9001 --echo --ws-max-message-size 67108864 --ws-max-frame-size 67108864',
      ]),
    )
    .action(async (url: string, flags: ListenFlags) => {
      code = await listenCommand(url, flags, io);
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
    .addHelpText(
      'after',
      examples([
        "printf 'hello\\n' | switchboard connect tcp://127.0.0.1:4000",
        'switchboard connect ws://127.0.0.1:9001/chat --no-compression',
        "echo '{\"op\":\"ping\"}' | switchboard connect tcp://127.0.0.1:4000 --framing length:4 --codec json",
      ]),
    )
    .action(async (url: string, flags: ConnectFlags) => {
      code = await connectCommand(url, flags, io);
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

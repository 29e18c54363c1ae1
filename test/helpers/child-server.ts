/**
 * A server in a child process that a test can SIGKILL and start again on the same port: the
 * real "server process crashed" fault. The child is a node script that prints one JSON object
 * per line on stdout; its first line must be `{"event":"listening","port":N}`.
 *
 *     const srv = await startChildServer(script, ['--flag']);   // port 0: the kernel picks
 *     await srv.kill();                                          // SIGKILL, waits for the exit
 *     await srv.restart();                                       // same script, same port
 *
 * Every wait is bounded; `events` holds the lines of every incarnation, each tagged with its
 * `life` (0 for the first process, 1 after the first restart...).
 *
 * Mind what SIGKILL takes away: stdout to a pipe is asynchronous in Node once the pipe is full
 * (the rest waits in the process and dies with it). What must survive the kill (a record of
 * what the child acknowledged) belongs in a file written with `fs.writeSync`, not on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WAIT_MS, waitFor } from './net.js';

export type ChildEvent = Record<string, unknown> & { life: number };

export interface ChildServer {
  /** The port every incarnation listens on (the first one's, chosen by the kernel). */
  readonly port: number;
  /** How many processes were started so far (1 after start, 2 after the first restart...). */
  readonly lives: number;
  /** Every JSON line of every incarnation, in order, tagged with `life`. */
  readonly events: ChildEvent[];
  /** The running child, if any. */
  readonly child: ChildProcess | undefined;
  /** stderr of every incarnation (the last 64 KiB). */
  stderr(): string;
  /** Waits for the first event (of any life) `pred` accepts. */
  waitEvent(pred: (e: ChildEvent) => boolean, ms?: number, what?: string): Promise<ChildEvent>;
  /** SIGKILL, and resolves once the process is gone. No-op when none runs. */
  kill(): Promise<void>;
  /** Starts the script again on the same port; resolves once it listens. */
  restart(): Promise<void>;
  /** Kills whatever runs (SIGKILL) and waits for it. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts `node script ...args --port 0`, waits for its `listening` line, and returns a handle
 * that restarts it with `--port <the same port>`. `args` may depend on the incarnation (`life`). A bind that fails on restart (EADDRINUSE
 * right after a kill) is retried a few times.
 */
export async function startChildServer(
  script: string,
  args: readonly string[] | ((life: number) => readonly string[]) = [],
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const events: ChildEvent[] = [];
  let err = '';
  let lives = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;

  const launch = async (): Promise<void> => {
    const life = lives++;
    const c = spawn(process.execPath, [script, ...(typeof args === 'function' ? args(life) : args), '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    child = c;
    let gone = false;
    exited = new Promise<void>((resolve) => {
      c.once('error', (e) => {
        err = (err + `\n[life ${life}] spawn error: ${e.message}`).slice(-65536);
        gone = true;
        resolve();
      });
      c.once('close', (code, signal) => {
        events.push({ event: 'exit', life, code, signal });
        gone = true;
        if (child === c) child = undefined;
        resolve();
      });
    });
    c.stderr!.setEncoding('utf8');
    c.stderr!.on('data', (s: string) => (err = (err + s).slice(-65536)));
    createInterface({ input: c.stdout! }).on('line', (line) => {
      try {
        events.push({ ...(JSON.parse(line) as Record<string, unknown>), life });
      } catch {
        events.push({ event: 'unparsed', line, life });
      }
    });
    await waitFor(() => gone || events.some((e) => e.life === life && e['event'] === 'listening'), WAIT_MS, `life ${life} of ${script} to listen`);
    const ready = events.find((e) => e.life === life && e['event'] === 'listening');
    if (!ready) throw new Error(`${script} (life ${life}) exited before listening: ${err.slice(-2000)}`);
    port = ready['port'] as number;
  };

  const kill = async (): Promise<void> => {
    const c = child;
    if (!c) return;
    c.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    get port() {
      return port;
    },
    get lives() {
      return lives;
    },
    events,
    get child() {
      return child;
    },
    stderr: () => err,
    async waitEvent(pred, ms = WAIT_MS, what = 'an event') {
      await waitFor(() => events.some(pred), ms, `${what} from ${script}; stderr: ${err.slice(-2000)}`);
      return events.find(pred)!;
    },
    kill,
    async restart() {
      await kill();
      // The port was the dead process's: binding it again right away works on Linux (Node sets
      // SO_REUSEADDR), but retry a few times rather than flake if the kernel is slow to let go.
      for (let attempt = 0; ; attempt++) {
        try {
          await launch();
          return;
        } catch (e) {
          if (attempt >= 4 || !/EADDRINUSE/.test(err)) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    stop: kill,
  };
}

/**
 * Running the `switchboard` command in tests: in-process through `main(argv, io)` with a captured
 * io (`capture`), or as the real binary in a child process (`startBin`, dist/cli/bin.js: run
 * `npm run build` first; `npm test` does).
 */
import { after } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { main } from '../../src/cli/main.js';
import { repoRoot } from './root.js';

export const BIN = join(repoRoot, 'dist', 'cli', 'bin.js');

export interface Captured {
  io: Parameters<typeof main>[1];
  out: () => string;
  err: () => string;
  /** SIGINT/SIGTERM for an in-process command: aborts its signal. */
  abort: () => void;
}

/** An io for `main`: stdout and stderr captured as strings, `stdin` given (empty by default). */
export function capture(stdin: Readable = Readable.from([])): Captured {
  let out = '';
  let err = '';
  const ac = new AbortController();
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin, signal: ac.signal },
    out: () => out,
    err: () => err,
    abort: () => ac.abort(),
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Killed by the `timeoutMs` guard: the test that needed it should fail. */
  killed: boolean;
}

const children = new Set<ChildProcess>();
let cleanup = false;

/**
 * Starts the real binary with `args`. `stdin` undefined leaves the pipe open (write with
 * `child.stdin`). The child is SIGKILLed after `timeoutMs` (then `killed` is true), and when the
 * test file ends.
 */
export function startBin(args: string[], stdin?: string, timeoutMs = 30_000) {
  if (!cleanup) {
    cleanup = true;
    after(() => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  let killed = false;
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  child.stdin.on('error', () => {}); // EPIPE when the child has left
  if (stdin !== undefined) child.stdin.end(stdin);
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, out, err, killed });
    }),
  );
  return { child, done, out: () => out, err: () => err };
}

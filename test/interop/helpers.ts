/**
 * Helpers for the interop tests: deterministic payloads, a switchboard echo server with the
 * commands every peer script uses, and child processes that speak JSON lines.
 *
 * Every wait is bounded (WAIT_MS unless told); child processes are killed by the tests' `after`
 * hooks through {@link ChildProcessLines.kill}.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { listen, type CloseInfo, type Connection, type ListenOptions, type Server } from '../../src/index.js';
import { waitFor, within } from '../helpers/net.js';

export const MiB = 1024 * 1024;
/** Bound on each step of an interop exchange; only reached when something is broken. */
export const STEP_MS = 60_000;
/** Limits for the 16 MiB messages: room on both sides. */
export const BIG_LIMITS = { maxMessageSize: 32 * MiB, maxFrameSize: 32 * MiB };
export const BIG_QUEUE = 128 * MiB;

export type Msg = string | Uint8Array;

/** `n` pseudo-random bytes (xorshift32), the same for the same seed. */
export function binaryPayload(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** 1-, 2-, 3- and 4-byte UTF-8 characters, so every text payload crosses multibyte sequences. */
const PIECES = ['switchboard ', 'caf\u00e9 ', '\u20ac ', '\u4e2d\u6587 ', '\u{1F600} ', 'x'];

/** A string of exactly `n` UTF-8 bytes, mixing 1- to 4-byte characters. */
export function textPayload(n: number): string {
  const unit = PIECES.join('');
  const unitBytes = Buffer.byteLength(unit);
  let s = unit.repeat(Math.floor(n / unitBytes));
  let left = n - unitBytes * Math.floor(n / unitBytes);
  for (const p of PIECES) {
    const b = Buffer.byteLength(p);
    if (b <= left) {
      s += p;
      left -= b;
    }
  }
  s += 'y'.repeat(left);
  return s;
}

export function sha256(data: Msg): string {
  return createHash('sha256').update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest('hex');
}

export function byteLength(data: Msg): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/** Asserts-friendly summary of a message: its type, size and digest (never megabytes of text in a failure). */
export function summary(data: Msg | Buffer | ArrayBuffer | Buffer[], binary?: boolean): { type: 'text' | 'binary'; length: number; sha256: string } {
  if (typeof data === 'string') return { type: 'text', length: Buffer.byteLength(data), sha256: sha256(data) };
  const b = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  return { type: binary === false ? 'text' : 'binary', length: b.length, sha256: sha256(b) };
}

/** Sizes from 1 byte to 16 MiB, across the 7-, 16- and 64-bit length forms. */
export const SIZES = [1, 125, 126, 127, 65_535, 65_536, 65_537, 1 * MiB + 3, 8 * MiB + 1, 16 * MiB];

// ------------------------------------------------------------------------------------------------
// A switchboard echo server

export interface EchoServer {
  server: Server<Msg, Msg>;
  url: string;
  /** Every connection the server opened, in order. */
  conns: Array<Connection<Msg, Msg>>;
  /** Messages received, per connection. */
  received: Map<Connection<Msg, Msg>, Msg[]>;
  /** Each connection's close, in order of opening. */
  closes: Array<Promise<CloseInfo>>;
  /** Errors reported to onFail. */
  failures: Error[];
  /** The `n`th connection (0-based), waiting for it. */
  conn(n?: number): Promise<Connection<Msg, Msg>>;
}

/**
 * Echo callbacks with the commands the interop peers use: `!close CODE REASON` closes with that
 * code and reason, `!ping` pings the peer and answers `pong-ok` once the pong came back.
 */
export function echoCallbacks(state: Pick<EchoServer, 'conns' | 'received' | 'closes' | 'failures'>): NonNullable<ListenOptions<Msg, Msg>['callbacks']> {
  return {
    onConnect(conn) {
      state.conns.push(conn);
      state.received.set(conn, []);
      state.closes.push(conn.closed);
    },
    onReceive(conn, msg) {
      state.received.get(conn)?.push(msg);
      if (typeof msg === 'string' && msg.startsWith('!close ')) {
        const [, code, reason = ''] = /^!close (\d+) ?(.*)$/s.exec(msg) ?? [];
        void conn.close({ code: Number(code), reason });
        return;
      }
      if (msg === '!ping') {
        conn.ping({ timeout: STEP_MS }).then(
          (rtt) => conn.send(rtt >= 0 ? 'pong-ok' : 'pong-bad'),
          (err: Error) => conn.send(`ping failed: ${err.message}`),
        );
        return;
      }
      conn.send(msg);
    },
    onFail(err) {
      state.failures.push(err);
    },
  };
}

export async function startEchoServer(url: string, options: ListenOptions<Msg, Msg> = {}): Promise<EchoServer> {
  const state = { conns: [] as Array<Connection<Msg, Msg>>, received: new Map<Connection<Msg, Msg>, Msg[]>(), closes: [] as Array<Promise<CloseInfo>>, failures: [] as Error[] };
  const server = await listen<Msg, Msg>(url, { maxQueuedBytes: BIG_QUEUE, ...options, callbacks: echoCallbacks(state) });
  return {
    ...state,
    server,
    url: server.url,
    async conn(n = 0) {
      await waitFor(() => state.conns.length > n, STEP_MS, `connection #${n} on ${server.url}`);
      return state.conns[n]!;
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Child processes that print JSON lines

export interface ChildProcessLines {
  child: ChildProcess;
  /** Parsed JSON lines from stdout, in order. */
  events: Array<Record<string, unknown>>;
  stderr(): string;
  /** Waits for the first event `pred` accepts. */
  waitEvent(pred: (e: Record<string, unknown>) => boolean, ms?: number, what?: string): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal) once the process ended. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not ended within 2 s. Safe to call more than once. */
  kill(): Promise<void>;
}

export function spawnLines(command: string, args: string[], options: { cwd?: string; stdin?: string } = {}): ChildProcessLines {
  // PYTHONDONTWRITEBYTECODE: no __pycache__ left in the work tree; PYTHONUNBUFFERED: lines arrive as printed.
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
  const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    if (err.length < 64 * 1024) err += s;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      events.push({ event: 'unparsed', line });
    }
  });
  child.stdin!.on('error', () => {}); // a child that exits early closes its stdin
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  let ended = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (e) => {
      ended = true;
      err += `\nspawn error: ${e.message}`;
      resolve(`error: ${e.message}`);
    });
    child.once('close', (code, signal) => {
      ended = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const self: ChildProcessLines = {
    child,
    events,
    stderr: () => err,
    exited,
    async waitEvent(pred, ms = STEP_MS, what = 'an event') {
      await waitFor(() => events.some(pred) || ended, ms, `${what} from ${command} ${args.join(' ')}`);
      const e = events.find(pred);
      if (e === undefined) throw new Error(`${command} ${args.join(' ')} ended before ${what}; exit ${await exited}; stderr:\n${err}`);
      return e;
    },
    async kill() {
      if (ended) return;
      child.kill('SIGTERM');
      try {
        await within(exited, 2000, 'the child to exit');
      } catch {
        child.kill('SIGKILL');
        await within(exited, 5000, 'the child to exit after SIGKILL').catch(() => {});
      }
    },
  };
  return self;
}

/** Why a peer cannot run here, or `false` when it can. */
/** The Python that runs the peer scripts (Debian's, with python3-websockets). SWITCHBOARD_PYTHON overrides the path. */
export const PYTHON = process.env['SWITCHBOARD_PYTHON'] ?? '/usr/bin/python3';
/** The headless browser (Debian's chromium). SWITCHBOARD_CHROMIUM overrides the path. */
export const CHROMIUM = process.env['SWITCHBOARD_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why python3-websockets cannot be used here, or false when it can (it is imported, not assumed). */
export function pythonWebsocketsMissing(): string | false {
  const r = spawnSync(PYTHON, ['-c', 'import websockets; print(websockets.__version__)'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return `${PYTHON} not runnable (${r.error.message}); install python3-websockets`;
  if (r.status !== 0) return `python3-websockets is not installed for ${PYTHON} (apt-get install python3-websockets)`;
  return false;
}

/** Why Chromium cannot be used here, or false when it can. */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
}

/** Set by .ci/run: a missing interop peer fails the run instead of skipping its tests. */
export const interopRequired = process.env['SWITCHBOARD_REQUIRE_INTEROP'] === '1';

/**
 * The skip reason for the suites that need `peer`, given why it is missing (false: it is here).
 * With SWITCHBOARD_REQUIRE_INTEROP=1 a missing peer is one failing test, saying what is missing,
 * and the suites' tests are skipped pointing at it (rather than each failing on a timeout).
 */
export function peerSkip(peer: string, missing: string | false): string | false {
  if (missing === false) return false;
  if (!interopRequired) return missing;
  it(`${peer} is installed, as SWITCHBOARD_REQUIRE_INTEROP=1 requires`, () => {
    assert.fail(`${missing}; SWITCHBOARD_REQUIRE_INTEROP=1 requires ${peer}`);
  });
  return `${missing}; SWITCHBOARD_REQUIRE_INTEROP=1 made this a failure (see the failing test)`;
}

/**
 * Real nats-server processes on loopback for the cluster tests: one server, or a cluster of
 * three joined by routes. Ports are picked free (bound on port 0, then released) before the
 * start, so a stopped server can be started again on the same ports (the outage tests). Another
 * process (a parallel test file) may take a picked port before nats-server binds it: the first
 * start then picks fresh ports and tries again (at most `START_ATTEMPTS` times).
 *
 * Without nats-server (or without the optional NATS client package) the cluster suites skip, each
 * test counted with the reason, as the interop suites do; with SWITCHBOARD_REQUIRE_INTEROP=1
 * (.ci/run sets it, and installs Debian's nats-server) a missing broker is a failing test instead:
 * the cluster cannot be tested honestly without one.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { sleep } from '../helpers/net.js';
import { repoRoot } from '../helpers/root.js';

export const NATS_BIN = process.env['SWITCHBOARD_NATS_SERVER'] ?? 'nats-server';

export function natsAvailable(): boolean {
  return spawnSync(NATS_BIN, ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * The skip reason of the cluster suites (false when nats-server and the NATS client are here).
 * With SWITCHBOARD_REQUIRE_INTEROP=1 a missing one is also a failing test that says what is missing.
 */
export function natsSkip(): string | false {
  const missing = !natsAvailable()
    ? `${NATS_BIN} is not installed (apt-get install nats-server, or set SWITCHBOARD_NATS_SERVER)`
    : !existsSync(join(repoRoot, 'node_modules', '@nats-io', 'transport-node', 'package.json'))
      ? 'the optional NATS client @nats-io/transport-node is not installed (npm ci installs it)'
      : false;
  if (missing === false) return false;
  if (process.env['SWITCHBOARD_REQUIRE_INTEROP'] !== '1') return missing;
  it('nats-server and the NATS client are installed, as SWITCHBOARD_REQUIRE_INTEROP=1 requires', () => {
    assert.fail(`${missing}; SWITCHBOARD_REQUIRE_INTEROP=1 requires them`);
  });
  return `${missing}; SWITCHBOARD_REQUIRE_INTEROP=1 made this a failure (see the failing test)`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Starts of a fresh server (or cluster) on newly picked ports before giving up. */
const START_ATTEMPTS = 5;

/** nats-server exited because a picked port was taken meanwhile. */
export class PortTakenError extends Error {}

export interface NatsServerSpec {
  name: string;
  port: number;
  httpPort: number;
  clusterPort?: number;
  routes?: number[];
  /** Extra command-line arguments (e.g. `--max_payload`). */
  args?: string[];
}

export class NatsServer {
  proc: ChildProcess | undefined;
  log = '';

  constructor(readonly spec: NatsServerSpec) {}

  get url(): string {
    return `nats://127.0.0.1:${this.spec.port}`;
  }

  /** Starts the server and waits (bounded) until it takes connections. */
  async start(): Promise<void> {
    const s = this.spec;
    const args = ['-a', '127.0.0.1', '-p', String(s.port), '-m', String(s.httpPort), '-n', s.name];
    if (s.clusterPort !== undefined) {
      args.push('--cluster_name', 'sbtest', '--cluster', `nats://127.0.0.1:${s.clusterPort}`);
      if (s.routes?.length) args.push('--routes', s.routes.map((p) => `nats://127.0.0.1:${p}`).join(','));
    }
    args.push(...(s.args ?? []));
    const proc = spawn(NATS_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      if (this.log.length < 200_000) this.log += d.toString();
    });
    const deadline = Date.now() + 10_000;
    while (!(await accepts(s.port))) {
      if (proc.exitCode !== null) {
        const msg = `nats-server ${s.name} exited with ${proc.exitCode}: ${this.log.slice(-2000)}`;
        throw this.log.includes('address already in use') ? new PortTakenError(msg) : new Error(msg);
      }
      if (Date.now() > deadline) throw new Error(`nats-server ${s.name} did not listen on ${s.port} within 10 s: ${this.log.slice(-2000)}`);
      await sleep(20);
    }
  }

  /** Routes this server has (from its monitoring endpoint). */
  async routes(): Promise<number> {
    const r = await fetch(`http://127.0.0.1:${this.spec.httpPort}/routez`);
    return ((await r.json()) as { num_routes: number }).num_routes;
  }

  /** Subscriptions the server holds for `subject` (its /subsz?subs=1 list). */
  async subscriptions(filter: (subject: string) => boolean): Promise<string[]> {
    const r = await fetch(`http://127.0.0.1:${this.spec.httpPort}/connz?subs=1`);
    const j = (await r.json()) as { connections?: Array<{ name?: string; subscriptions_list?: string[] }> };
    return (j.connections ?? []).flatMap((c) => (c.subscriptions_list ?? []).filter(filter).map((s) => `${c.name ?? '?'}:${s}`));
  }

  /** Subscriptions (local and routed) this server matches `subject` with. */
  async interest(subject: string): Promise<number> {
    const r = await fetch(`http://127.0.0.1:${this.spec.httpPort}/subsz?subs=1&test=${encodeURIComponent(subject)}`);
    return ((await r.json()) as { total?: number }).total ?? 0;
  }

  /** Waits (bounded) until this server sees at least `n` subscriptions matching `subject`: interest has crossed the routes. */
  async waitInterest(subject: string, n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const have = await this.interest(subject);
      if (have >= n) return;
      if (Date.now() > deadline) throw new Error(`${this.spec.name}: ${have} subscriptions match ${subject} after 10 s, expected ${n}`);
      await sleep(20);
    }
  }

  /** Stops it: SIGKILL by default (a crash), and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill(signal);
    await exited;
    this.proc = undefined;
  }
}

/** Runs `make` again on fresh ports while a picked port was taken by someone else (bounded). */
export async function onFreshPorts<T>(make: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await make();
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

/** One nats-server on free ports. */
export async function natsServer(args: string[] = []): Promise<NatsServer> {
  return onFreshPorts(async () => {
    const s = new NatsServer({ name: 'solo', port: await freePort(), httpPort: await freePort(), args });
    await s.start();
    return s;
  });
}

/** Three nats-servers routed to each other; waits (bounded) until every route is up. */
export async function natsCluster(n = 3): Promise<NatsServer[]> {
  return onFreshPorts(() => startCluster(n));
}

async function startCluster(n: number): Promise<NatsServer[]> {
  const clusterPorts: number[] = [];
  for (let i = 0; i < n; i++) clusterPorts.push(await freePort());
  const servers: NatsServer[] = [];
  for (let i = 0; i < n; i++) {
    servers.push(
      new NatsServer({
        name: `n${i}`,
        port: await freePort(),
        httpPort: await freePort(),
        clusterPort: clusterPorts[i]!,
        routes: clusterPorts.filter((_, j) => j !== i),
      }),
    );
  }
  await startAll(servers);
  await waitRoutes(servers);
  return servers;
}

/** Starts every server; when one cannot start, stops the others and throws its error. */
export async function startAll(servers: NatsServer[]): Promise<void> {
  const started = await Promise.allSettled(servers.map((s) => s.start()));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed === undefined) return;
  await Promise.all(servers.map((s) => s.stop()));
  throw failed.reason;
}

export async function waitRoutes(servers: NatsServer[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const counts = await Promise.all(servers.map((s) => s.routes().catch(() => 0)));
    if (counts.every((c) => c >= servers.length - 1)) return;
    if (Date.now() > deadline) throw new Error(`NATS routes not up within 15 s: ${counts.join(', ')}`);
    await sleep(50);
  }
}

/**
 * A session server in a child process (test/fixtures/session-node.ts), spoken to over IPC: the
 * cluster tests that SIGKILL a node (test/cluster/session-resume.test.ts,
 * test/cluster/session-durable.test.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, within, WAIT_MS } from '../helpers/net.js';
import { repoRoot } from '../helpers/root.js';

const SCRIPT = join(repoRoot, 'build', 'test', 'fixtures', 'session-node.js');
type Reply = Record<string, unknown> & { event: string };

/** One node in a child process: `extra` arguments go to the fixture (`durable`, ...). */
export class NodeProc {
  private readonly replies: Reply[] = [];
  port = 0;
  private constructor(readonly proc: ChildProcess, readonly log: string) {
    proc.on('message', (m) => void this.replies.push(m as Reply));
  }
  static async start(natsUrl: string, bucket: string, log: string, extra: string[] = []): Promise<NodeProc> {
    const proc = fork(SCRIPT, [natsUrl, bucket, log, ...extra], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const n = new NodeProc(proc, log);
    n.port = (await n.next('listening')).port as number;
    return n;
  }
  async next(event: string, ms = WAIT_MS): Promise<Reply> {
    await waitFor(() => this.replies.some((r) => r.event === event) || this.proc.exitCode !== null, ms, `${event} from the node`);
    const i = this.replies.findIndex((r) => r.event === event);
    if (i < 0) throw new Error(`the node exited (${this.proc.exitCode}) before ${event}`);
    return this.replies.splice(i, 1)[0]!;
  }
  async ask(cmd: Record<string, unknown>, event: string): Promise<Reply> {
    this.proc.send(cmd);
    return this.next(event);
  }
  tell(cmd: Record<string, unknown>): void {
    this.proc.send(cmd);
  }
  private lines(file: string): string[] {
    if (!existsSync(file)) return [];
    const text = readFileSync(file, 'utf8');
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
  }
  /** What onMessage logged: the numbers, and which came flagged redelivered. */
  received(): Array<{ m: number; redelivered: boolean }> {
    return this.lines(this.log).map((l) => JSON.parse(l) as { m: number; redelivered: boolean });
  }
  /** The highest n the node's stream had in the session log (written after `session.logged()`). */
  logged(): number {
    const l = this.lines(this.log + '.logged');
    return l.length === 0 ? -1 : Number(l[l.length - 1]);
  }
  /** Error codes the node reported. */
  failures(): string[] {
    return this.lines(this.log + '.fail');
  }
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await within(gone, WAIT_MS, 'the node exit');
  }
}

/**
 * Sessions across a server process crash, with a real crash: the server runs in a child process
 * (test/fixtures/session-server.ts), is SIGKILLed and started again on the same port 5 times
 * while a permanent client streams 1,000 messages/s and asks requests. docs/sessions.md,
 * guarantees table, row "The server process dies (SIGKILL) and comes back empty".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lines, pauseSchedule, permanentClient, textCodec, type SessionOpenInfo } from '../../src/index.js';
import { startChildServer } from '../helpers/child-server.js';
import { sleep, waitFor, within } from '../helpers/net.js';
import { repoRoot } from '../helpers/root.js';

const SCRIPT = join(repoRoot, 'build', 'test', 'fixtures', 'session-server.js');

/** Codes a request may end with when its server dies under it (never a hang). */
const CRASH_CODES = new Set(['SESSION_UNKNOWN', 'CONNECTION_CLOSED', 'REQUEST_TIMEOUT']);

interface Logged {
  event: string;
  life: number;
  m?: string;
  redelivered?: boolean;
  origin?: string;
}

/**
 * What each server process logged (test/fixtures/session-server.ts), tagged with its life. Read
 * incrementally: polled while the stream runs, it parses only the lines added since last time.
 */
class Logs {
  private readonly parsed: Logged[][] = [];
  private readonly offsets: number[] = [];
  constructor(private readonly dir: string) {}

  read(lives: number): Logged[] {
    for (let life = 0; life < lives; life++) {
      const f = join(this.dir, `life-${life}.jsonl`);
      if (!existsSync(f)) continue;
      const text = readFileSync(f, 'utf8');
      const from = this.offsets[life] ?? 0;
      const end = text.lastIndexOf('\n') + 1; // whole lines only; a line being written waits
      const list = (this.parsed[life] ??= []);
      for (const line of text.slice(from, end).split('\n')) {
        if (line === '') continue;
        try {
          list.push({ ...(JSON.parse(line) as Omit<Logged, 'life'>), life });
        } catch {
          list.push({ event: 'torn', life });
        }
      }
      this.offsets[life] = end;
    }
    return this.parsed.flat();
  }

  /** Lines of the dead processes, the last one (cut by SIGKILL) included. */
  final(lives: number): Logged[] {
    const all = this.read(lives);
    for (let life = 0; life < lives; life++) {
      const f = join(this.dir, `life-${life}.jsonl`);
      if (existsSync(f) && readFileSync(f, 'utf8').length !== (this.offsets[life] ?? 0)) all.push({ event: 'torn', life });
    }
    return all;
  }
}

const RESTARTS = 5;
const PER_TICK = 10; // every 10 ms: 1,000 messages/s
const TICK_MS = 10;

for (const scheme of ['tcp', 'ws'] as const) {
  describe(`sessions across a SIGKILLed server (${scheme})`, () => {
    it(`loses nothing the client sent, flags every duplicate, and says resumed: false after each of ${RESTARTS} restarts`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'sb-crash-'));
      const srv = await startChildServer(SCRIPT, (life) => ['--scheme', scheme, '--reply-delay', '20', '--log', join(dir, `life-${life}.jsonl`)]);
      const logs = new Logs(dir);
      // Polled while the stream runs: how many new (not redelivered) messages this life logged.
      const fresh = (life: number): number => logs.read(srv.lives).filter((e) => e.life === life && e.event === 'msg' && e.redelivered === false).length;
      const url = scheme === 'ws' ? `ws://127.0.0.1:${srv.port}/session` : `tcp://127.0.0.1:${srv.port}`;
      const opens: SessionOpenInfo[] = [];
      const notes: string[] = [];
      const client = permanentClient<string, string>(url, {
        ...(scheme === 'ws' ? { codec: textCodec() } : { protocol: { framing: lines(), codec: textCodec() } }),
        backoff: pauseSchedule([20]),
        callbacks: { onFail: (e) => void notes.push(`onFail ${e.code}: ${e.message}`) },
        onStatus: (st) => void notes.push(`status ${st.type}${st.type === 'failed' ? ` ${st.error.code}` : ''}`),
        session: {
          onOpen: (_s, info) => void opens.push(info),
          onEnd: (_s, e) => void notes.push(`ended ${e?.code}: ${e?.message}`),
          requestTimeout: 5000,
        },
      });
      // What the client went through, for the message of a wait that times out.
      const state = (): string =>
        `client ${client.session.state}, ${client.session.unacked} unacked, ${opens.length} opens; last events: ${notes.slice(-12).join(' | ')}`;
      let next = 0; // the next message number to send
      const refused: string[] = []; // statuses of sends not accepted
      const requests: Array<Promise<string>> = [];
      let sending = true;
      const sender = (async () => {
        // Bounded: stops when told, or after 60 s whatever happens.
        const stopAt = Date.now() + 60_000;
        let tick = 0;
        while (sending && Date.now() < stopAt) {
          for (let k = 0; k < PER_TICK; k++) {
            const st = client.send(String(next));
            if (st === 'dropped' || st === 'closed') {
              refused.push(st);
              break; // retry this number on the next tick
            }
            next++;
          }
          if (++tick % 5 === 0) {
            const p = client.request(`r${tick}`, { timeout: 5000 });
            p.catch(() => {});
            requests.push(p);
          }
          await sleep(TICK_MS);
        }
      })();
      try {
        await waitFor(() => opens.length >= 1, undefined, 'the first session');
        for (let r = 1; r <= RESTARTS; r++) {
          // Let the stream run into this server (past the burst of redelivered messages a new
          // session starts with), then kill it in the middle of it.
          await waitFor(() => fresh(r - 1) >= 200, 20_000, `life ${r - 1} to get 200 new messages`, 50).catch((e: Error) => {
            throw new Error(`${e.message}; ${state()}; server ${srv.child ? 'running' : 'gone'}: ${srv.stderr().slice(-500)}`);
          });
          // Best effort (a busy machine may not get there): kill in a steady stream, with the
          // backlog acknowledged, not while the new server still digests its first burst.
          await waitFor(() => client.session.unacked < 100, 5000, 'the backlog to be acknowledged').catch(() => {});
          await srv.kill();
          await sleep(100); // the client keeps sending into its detached session
          await srv.restart();
          await waitFor(() => opens.length >= r + 1, undefined, `the client to open a session with life ${r}`);
        }
        await waitFor(() => fresh(RESTARTS) >= 200, 20_000, 'the last server to get messages', 50);
      } finally {
        sending = false;
        await within(sender, 70_000, 'the sender to stop');
      }
      try {
        // Everything sent is acknowledged by the last server, so it printed everything.
        assert.equal(await client.acked({ timeout: 10_000 }), true, 'everything acknowledged by the last server');
        const results = await within(
          Promise.allSettled(requests),
          15_000,
          'every request to settle (an answer or a typed error, never a hang)',
        );
        const sent = next;
        const logged = logs.final(srv.lives);
        // writeSync returns before the ack can leave, so a torn last line would be a message never taken.
        assert.equal(logged.filter((e) => e.event === 'torn').length, 0, 'no torn log line');
        const msgs = logged.filter((e) => e.event === 'msg') as Array<Logged & { m: string; redelivered: boolean; origin: string }>;
        // 0 lost: every number accepted by send() reached some server process.
        const seen = new Map<number, number>();
        for (const e of msgs) seen.set(Number(e.m), (seen.get(Number(e.m)) ?? 0) + 1);
        const lost: number[] = [];
        for (let i = 0; i < sent; i++) if (!seen.has(i)) lost.push(i);
        assert.deepEqual(lost.slice(0, 20), [], `${lost.length} of ${sent} messages lost`);
        assert.equal([...seen.keys()].filter((i) => i >= sent).length, 0, 'nothing that was not sent');
        // Duplicates flagged: a message seen again (by a later process) carries redelivered and its origin.
        const firstAt = new Map<number, Logged>();
        let duplicates = 0;
        for (const e of msgs) {
          const i = Number(e.m);
          const first = firstAt.get(i);
          if (first === undefined) {
            firstAt.set(i, e);
            continue;
          }
          duplicates++;
          assert.ok(e.life > first.life, `message ${i} arrived twice in life ${e.life}`);
          assert.equal(e.redelivered, true, `the repeat of message ${i} in life ${e.life} is flagged redelivered`);
          assert.match(e.origin, /^.+\.\d+$/, `the repeat of message ${i} carries its origin`);
        }
        // In order within each process: what a server got is increasing.
        for (let life = 0; life <= RESTARTS; life++) {
          const got = msgs.filter((e) => e.life === life).map((e) => Number(e.m));
          for (let k = 1; k < got.length; k++) assert.ok(got[k]! > got[k - 1]!, `life ${life}: ${got[k]} after ${got[k - 1]}`);
        }
        // The client was told each time that the server had lost its session.
        assert.equal(opens.length, RESTARTS + 1, `opens: ${JSON.stringify(opens.map((o) => [o.resumed, o.lost?.code]))}`);
        assert.equal(opens[0]!.resumed, false);
        assert.equal(opens[0]!.lost, undefined);
        for (const o of opens.slice(1)) {
          assert.equal(o.resumed, false);
          assert.equal(o.lost?.code, 'SESSION_UNKNOWN');
        }
        // Requests: every one answered, or rejected with a typed code.
        let answered = 0;
        const failures: Record<string, number> = {};
        for (const r of results) {
          if (r.status === 'fulfilled') {
            assert.match(r.value, /^re:r\d+$/);
            answered++;
          } else {
            const code = (r.reason as { code?: string }).code ?? String(r.reason);
            assert.ok(CRASH_CODES.has(code), `a request failed with ${code}: ${String(r.reason)}`);
            failures[code] = (failures[code] ?? 0) + 1;
          }
        }
        assert.ok(answered > 0, 'some requests were answered');
        assert.ok(srv.lives === RESTARTS + 1);
        // Not an assertion on timing: a record of what the run exercised, in the test output.
        const perLife = Array.from({ length: RESTARTS + 1 }, (_, life) => {
          const m = msgs.filter((e) => e.life === life);
          return `${m[0]?.m}..${m.at(-1)?.m} (${m.length}, ${m.filter((e) => e.redelivered).length} redelivered)`;
        });
        t.diagnostic(`${scheme}: ${sent} sent, ${duplicates} duplicates (all flagged), ${refused.length} refused sends, ${answered}/${results.length} requests answered (failed: ${JSON.stringify(failures)}); per process: ${perLife.join(', ')}`);
      } finally {
        await client.close();
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

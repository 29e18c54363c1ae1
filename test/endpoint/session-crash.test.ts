/**
 * Sessions across a server process crash, with a real crash: the server runs in a child process
 * (test/fixtures/session-server.ts), is SIGKILLed and started again on the same port 5 times
 * while a permanent client streams 1,000 messages/s and asks requests. docs/sessions.md,
 * guarantees table, row "The server process dies (SIGKILL) and comes back empty".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lines, pauseSchedule, permanentClient, textCodec, type SessionOpenInfo } from '../../src/index.js';
import { startChildServer, type ChildEvent } from '../helpers/child-server.js';
import { sleep, waitFor, within } from '../helpers/net.js';
import { repoRoot } from '../helpers/root.js';

const SCRIPT = join(repoRoot, 'build', 'test', 'fixtures', 'session-server.js');

/** Codes a request may end with when its server dies under it (never a hang). */
const CRASH_CODES = new Set(['SESSION_UNKNOWN', 'CONNECTION_CLOSED', 'REQUEST_TIMEOUT']);

const RESTARTS = 5;
const PER_TICK = 10; // every 10 ms: 1,000 messages/s
const TICK_MS = 10;

for (const scheme of ['tcp', 'ws'] as const) {
  describe(`sessions across a SIGKILLed server (${scheme})`, () => {
    it(`loses nothing the client sent, flags every duplicate, and says resumed: false after each of ${RESTARTS} restarts`, async () => {
      const srv = await startChildServer(SCRIPT, ['--scheme', scheme, '--reply-delay', '20']);
      const url = scheme === 'ws' ? `ws://127.0.0.1:${srv.port}/session` : `tcp://127.0.0.1:${srv.port}`;
      const opens: SessionOpenInfo[] = [];
      const client = permanentClient<string, string>(url, {
        ...(scheme === 'ws' ? { codec: textCodec() } : { protocol: { framing: lines(), codec: textCodec() } }),
        backoff: pauseSchedule([20]),
        session: {
          onOpen: (_s, info) => void opens.push(info),
          requestTimeout: 5000,
        },
      });
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
          // Let the stream run into this server, then kill it in the middle of it.
          const lifeMsgs = () => srv.events.filter((e) => e.life === r - 1 && e['event'] === 'msg').length;
          await waitFor(() => lifeMsgs() >= 200, undefined, `life ${r - 1} to get 200 messages`);
          await srv.kill();
          await sleep(100); // the client keeps sending into its detached session
          await srv.restart();
          await waitFor(() => opens.length >= r + 1, undefined, `the client to open a session with life ${r}`);
        }
        await waitFor(() => srv.events.filter((e) => e.life === RESTARTS && e['event'] === 'msg').length >= 200, undefined, 'the last server to get messages');
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
        const msgs = srv.events.filter((e) => e['event'] === 'msg') as Array<ChildEvent & { m: string; redelivered: boolean; origin: string }>;
        // 0 lost: every number accepted by send() reached some server process.
        const seen = new Map<number, number>();
        for (const e of msgs) seen.set(Number(e.m), (seen.get(Number(e.m)) ?? 0) + 1);
        const lost: number[] = [];
        for (let i = 0; i < sent; i++) if (!seen.has(i)) lost.push(i);
        assert.deepEqual(lost.slice(0, 20), [], `${lost.length} of ${sent} messages lost`);
        assert.equal([...seen.keys()].filter((i) => i >= sent).length, 0, 'nothing that was not sent');
        // Duplicates flagged: a message seen again (by a later process) carries redelivered and its origin.
        const firstAt = new Map<number, ChildEvent>();
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
        for (const r of results) {
          if (r.status === 'fulfilled') {
            assert.match(r.value, /^re:r\d+$/);
            answered++;
          } else {
            const code = (r.reason as { code?: string }).code ?? String(r.reason);
            assert.ok(CRASH_CODES.has(code), `a request failed with ${code}: ${String(r.reason)}`);
          }
        }
        assert.ok(answered > 0, 'some requests were answered');
        assert.ok(srv.lives === RESTARTS + 1);
        // Not an assertion on timing: a record of what the run exercised, in the test output.
        console.log(`# ${scheme}: ${sent} sent, ${duplicates} redelivered duplicates, ${refused.length} refused sends, ${answered}/${results.length} requests answered`);
      } finally {
        await client.close();
        await srv.stop();
      }
    });
  });
}

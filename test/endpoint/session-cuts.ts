/**
 * The scenario shared by session-cuts-tcp.test.ts and session-cuts-ws.test.ts: a session carried
 * through a proxy that cuts every connection every 200 ms (test/helpers/cutting-proxy.ts) while
 * both sides stream numbered messages at 10,000/s. docs/sessions.md, guarantees table, row
 * "A connection drops (both processes live)".
 *
 * What it proves: every message accepted by `send` (sent, queued, backpressured) arrives exactly
 * once and in order, both ways; the retained envelopes stay within the session's caps at every
 * tick; the server keeps one session (resumed, never a new one); process memory stays bounded.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  lines,
  listen,
  pauseSchedule,
  permanentClient,
  textCodec,
  type SessionHandle,
  type SessionOpenInfo,
} from '../../src/index.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { sleep, waitFor, within } from '../helpers/net.js';

export interface CutsScenario {
  scheme: 'tcp' | 'ws';
  /** How long both sides stream, in ms. */
  durationMs: number;
  /** Messages per second, each way. */
  rate: number;
  /** The proxy cuts every connection this often, in ms. */
  cutEveryMs: number;
}

/** The caps the test configures on both sides (below the defaults, so reaching them is plausible). */
const MAX_UNACKED = 2048;
const MAX_UNACKED_BYTES = 256 * 1024;
const TICK_MS = 10;
/** Process memory may not grow by more than this over the run (heap, after the stream). */
const HEAP_GROWTH_MAX = 128 * 1024 * 1024;

/**
 * Sends `next()`-numbered messages on `send` at `rate`/s in ticks of 10 ms until `stop()`; a
 * send that is not accepted (dropped: the session is at its cap) is retried on the next tick, so
 * the numbers accepted are exactly 0..accepted-1.
 */
function streamer(send: (m: string) => string, rate: number, maxMs: number) {
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  let accepted = 0;
  let refused = 0;
  let running = true;
  const statuses: Record<string, number> = {};
  const done = (async () => {
    const stopAt = Date.now() + maxMs;
    const t0 = Date.now();
    let ticks = 0;
    while (running && Date.now() < stopAt) {
      // Catch up to the rate after a slow tick (a GC, a busy machine), at most 10 ticks' worth.
      const due = Math.min(perTick * 10, Math.floor(((Date.now() - t0) / 1000) * rate) - accepted);
      for (let k = 0; k < due; k++) {
        const st = send(String(accepted));
        statuses[st] = (statuses[st] ?? 0) + 1;
        if (st === 'dropped' || st === 'closed') {
          refused++;
          break;
        }
        accepted++;
      }
      ticks++;
      await sleep(TICK_MS);
    }
    return ticks;
  })();
  return {
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    statuses,
    stop: async () => {
      running = false;
      await within(done, 30_000, 'a sender to stop');
    },
  };
}

/** Collects numbered messages and checks, as they come, that each is the next one (exactly once, in order). */
function receiver(what: string) {
  let expected = 0;
  let wrong: string | undefined;
  return {
    take(m: string): void {
      const n = Number(m);
      if (n !== expected && wrong === undefined) wrong = `${what}: got ${m} when ${expected} was next`;
      expected = n + 1;
    },
    get count() {
      return expected;
    },
    get wrong() {
      return wrong;
    },
  };
}

export async function runCutsScenario(t: TestContext, o: CutsScenario): Promise<void> {
  const codecOpts = o.scheme === 'ws' ? { codec: textCodec() } : { protocol: { framing: lines(), codec: textCodec() } };
  const caps = { maxUnackedMessages: MAX_UNACKED, maxUnackedBytes: MAX_UNACKED_BYTES };
  const atServer = receiver('server');
  const atClient = receiver('client');
  const serverOpens: SessionOpenInfo[] = [];
  let serverSession: SessionHandle<string, string> | undefined;
  const server = await listen<string, string>(o.scheme === 'ws' ? 'ws://127.0.0.1:0/cuts' : 'tcp://127.0.0.1:0', {
    ...codecOpts,
    session: {
      ...caps,
      onOpen(s, info) {
        serverOpens.push(info);
        serverSession = s;
      },
      onMessage: (_s, m) => atServer.take(m),
    },
  });
  const proxy = await startCuttingProxy({ target: { port: Number(/:(\d+)(?:\/|$)/.exec(server.url)![1]) }, cutEveryMs: o.cutEveryMs });
  const clientOpens: SessionOpenInfo[] = [];
  const client = permanentClient<string, string>(o.scheme === 'ws' ? `ws://127.0.0.1:${proxy.port}/cuts` : proxy.url, {
    ...codecOpts,
    backoff: pauseSchedule([10]),
    session: {
      ...caps,
      onOpen: (_s, info) => void clientOpens.push(info),
      onMessage: (_s, m) => atClient.take(m),
    },
  });
  const heap0 = process.memoryUsage().heapUsed;
  let heapMax = heap0;
  let maxUnackedClient = 0;
  let maxUnackedServer = 0;
  let up: ReturnType<typeof streamer> | undefined;
  let down: ReturnType<typeof streamer> | undefined;
  try {
    await waitFor(() => serverSession !== undefined && clientOpens.length >= 1, undefined, 'the session to open');
    const s = serverSession!;
    up = streamer((m) => client.send(m), o.rate, o.durationMs + 5000);
    down = streamer((m) => s.send(m), o.rate, o.durationMs + 5000);
    // Watch the caps while the stream runs (bounded: the duration, in 50 ms steps).
    const end = Date.now() + o.durationMs;
    while (Date.now() < end) {
      maxUnackedClient = Math.max(maxUnackedClient, client.session.unacked);
      maxUnackedServer = Math.max(maxUnackedServer, s.unacked);
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
      if (atServer.wrong || atClient.wrong) break;
      await sleep(50);
    }
    await up.stop();
    await down.stop();
    // Let the link live long enough to drain: the proxy stops cutting.
    proxy.setCutting(false);
    const sentUp = up.accepted;
    const sentDown = down.accepted;
    await waitFor(
      () => (atServer.count >= sentUp && atClient.count >= sentDown) || atServer.wrong !== undefined || atClient.wrong !== undefined,
      20_000,
      `the last messages (server ${atServer.count}/${sentUp}, client ${atClient.count}/${sentDown})`,
    );
    assert.equal(atServer.wrong, undefined);
    assert.equal(atClient.wrong, undefined);
    // Exactly once, in order: the receivers saw 0..n-1 with no gap or repeat, and nothing after.
    assert.equal(atServer.count, sentUp, 'client -> server: every accepted message, once');
    assert.equal(atClient.count, sentDown, 'server -> client: every accepted message, once');
    assert.equal(await client.acked({ timeout: 10_000 }), true, 'the client saw everything acknowledged');
    assert.equal(await serverSession!.acked({ timeout: 10_000 }), true, 'the server saw everything acknowledged');
    // The fault really happened, many times, and every reconnect resumed the same session.
    assert.ok(proxy.cuts >= Math.floor(o.durationMs / o.cutEveryMs / 4), `the proxy cut ${proxy.cuts} connections`);
    assert.ok(clientOpens.length >= 2, `the client opened ${clientOpens.length} times`);
    assert.equal(clientOpens[0]!.resumed, false);
    for (const info of clientOpens.slice(1)) {
      assert.equal(info.resumed, true, 'every reconnect resumed the session');
      assert.equal(info.lost, undefined);
    }
    assert.ok(serverOpens.slice(1).every((i) => i.resumed));
    assert.equal(server.sessions.size, 1, 'the server holds one session, not one per connection');
    // Memory within the caps: retained envelopes never above the configured cap, process heap bounded.
    assert.ok(maxUnackedClient <= MAX_UNACKED, `client retained ${maxUnackedClient}`);
    assert.ok(maxUnackedServer <= MAX_UNACKED, `server retained ${maxUnackedServer}`);
    assert.ok(heapMax - heap0 <= HEAP_GROWTH_MAX, `heap grew by ${((heapMax - heap0) / 2 ** 20).toFixed(1)} MiB`);
    t.diagnostic(
      `${o.scheme}: ${sentUp} up, ${sentDown} down in ${o.durationMs} ms; ${proxy.cuts} cuts, ${clientOpens.length} opens; ` +
        `most retained ${maxUnackedClient} (client) / ${maxUnackedServer} (server) of ${MAX_UNACKED}; refused sends ${up.refused} up, ${down.refused} down; ` +
        `statuses up ${JSON.stringify(up.statuses)} down ${JSON.stringify(down.statuses)}; heap +${((heapMax - heap0) / 2 ** 20).toFixed(1)} MiB`,
    );
  } finally {
    await up?.stop().catch(() => {});
    await down?.stop().catch(() => {});
    await client.close();
    await proxy.close();
    await server.close();
  }
}

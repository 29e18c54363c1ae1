/**
 * The session layer feeds the metrics and the diagnostics channels (docs/observability.md): a
 * resume after a destroyed connection counts `sessions.resumed` on both endpoints and publishes
 * `switchboard:session:resumed`; a server restart (the new server does not know the session)
 * counts `sessions.gaps` on the client and publishes `switchboard:session:gap`; requests are
 * counted by outcome and traced on `tracing:switchboard:request:*`. Real sockets throughout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { ChannelName, REQUEST_TRACING, listen, pauseSchedule, permanentClient, type SessionHandle, type SessionServer } from '../../src/index.js';
import { waitFor, within, WAIT_MS } from '../helpers/net.js';

type Msg = { n: number } | { q: string };

function recorder(names: string[]): { of(name: string): Array<Record<string, unknown>>; stop(): void } {
  const events: Array<{ name: string; payload: Record<string, unknown> }> = [];
  const subs = names.map((name) => {
    const fn = (m: unknown): void => void events.push({ name, payload: m as Record<string, unknown> });
    dc.subscribe(name, fn);
    return [name, fn] as const;
  });
  return {
    of: (name) => events.filter((e) => e.name === name).map((e) => e.payload),
    stop: () => {
      for (const [n, fn] of subs) dc.unsubscribe(n, fn);
    },
  };
}

async function sessionServer(port = 0): Promise<{ server: SessionServer<Msg, Msg>; sessions: Array<SessionHandle<Msg, Msg>> }> {
  const sessions: Array<SessionHandle<Msg, Msg>> = [];
  const server = await listen<Msg, Msg>(`tcp://127.0.0.1:${port}`, {
    session: {
      onOpen: (s) => void (sessions.includes(s) || sessions.push(s)),
      onRequest: (_s, m) => ('q' in m && m.q === 'never' ? new Promise<Msg>(() => {}) : m),
    },
  });
  return { server, sessions };
}

describe('sessions in metrics and diagnostics', () => {
  it('a resume counts sessions.resumed on both sides and publishes session:resumed with what was sent again', async () => {
    const rec = recorder([ChannelName.sessionResumed, ChannelName.sessionGap]);
    const srv = await sessionServer();
    const got: number[] = [];
    const client = permanentClient<Msg, Msg>(srv.server.url, {
      backoff: pauseSchedule([5]),
      session: { onMessage: (_s, m) => void ('n' in m && got.push(m.n)) },
    });
    try {
      await waitFor(() => client.connected && srv.sessions.length === 1, WAIT_MS, 'the session to open');
      const s = srv.sessions[0]!;
      assert.equal(srv.server.metrics().sessions.resumed, 0);
      // Written and not yet acknowledged when the connection goes: sent again on resume, unless
      // the client had read them already (then its HELLO says so and nothing is resent).
      for (let i = 0; i < 5; i++) s.send({ n: i });
      s.connection?.destroy();
      await waitFor(() => srv.server.metrics().sessions.resumed === 1 && client.metrics().sessions.resumed === 1, WAIT_MS, 'both sides to count the resume');
      await waitFor(() => got.length === 5, WAIT_MS, 'the five messages');
      assert.deepEqual(got, [0, 1, 2, 3, 4]);
      const resumed = rec.of(ChannelName.sessionResumed);
      assert.equal(resumed.length, 2, 'one event per side');
      for (const e of resumed) {
        assert.equal(e.sessionId, s.id);
        assert.ok(typeof e.replayed === 'number' && e.replayed >= 0 && e.replayed <= 5, `replayed ${String(e.replayed)}`);
        assert.ok(e.connection !== undefined);
      }
      assert.equal(rec.of(ChannelName.sessionGap).length, 0);
      assert.equal(client.metrics().sessions.gaps, 0);
    } finally {
      rec.stop();
      await client.close();
      await srv.server.close();
    }
  });

  it('a server restart counts a gap on the client and publishes session:gap; the new session is not a resume', async () => {
    const rec = recorder([ChannelName.sessionResumed, ChannelName.sessionGap]);
    const first = await sessionServer();
    const port = Number(new URL(first.server.url).port);
    const opens: Array<{ resumed: boolean; lost?: string }> = [];
    const client = permanentClient<Msg, Msg>(first.server.url, {
      backoff: pauseSchedule([20]),
      session: { onOpen: (_s, info) => void opens.push({ resumed: info.resumed, ...(info.lost && { lost: info.lost.code }) }) },
    });
    let second: Awaited<ReturnType<typeof sessionServer>> | undefined;
    try {
      await waitFor(() => opens.length === 1, WAIT_MS, 'the first session');
      const oldId = client.session.id;
      await first.server.close(); // sessions are not ended: the client will try to resume
      second = await sessionServer(port);
      await waitFor(() => opens.length === 2, WAIT_MS, 'the session on the new server');
      assert.deepEqual(opens[1], { resumed: false, lost: 'SESSION_UNKNOWN' });
      assert.equal(client.metrics().sessions.gaps, 1);
      assert.equal(client.metrics().sessions.resumed, 0);
      const gaps = rec.of(ChannelName.sessionGap);
      assert.equal(gaps.length, 1);
      assert.equal(gaps[0]!.sessionId, client.session.id);
      assert.notEqual(client.session.id, oldId);
      assert.equal(rec.of(ChannelName.sessionResumed).length, 0);
      assert.equal(second.server.metrics().sessions.gaps, 0, 'a new session is no gap for the server');
    } finally {
      rec.stop();
      await client.close();
      await first.server.close();
      await second?.server.close();
    }
  });

  it('counts requests by outcome on the client and traces each with its session id', async () => {
    const events = ['start', 'asyncEnd', 'error'].map((e) => `tracing:${REQUEST_TRACING}:${e}`);
    const rec = recorder(events);
    const srv = await sessionServer();
    const client = permanentClient<Msg, Msg>(srv.server.url, { backoff: pauseSchedule([5]), session: true });
    try {
      await waitFor(() => client.connected, WAIT_MS, 'the session to open (then requests carry its id)');
      assert.deepEqual(await within(client.request({ q: 'a' })), { q: 'a' });
      assert.deepEqual(await within(client.request({ q: 'b' })), { q: 'b' });
      await assert.rejects(client.request({ q: 'never' }, { timeout: 50 }), { code: 'REQUEST_TIMEOUT' });
      const ac = new AbortController();
      const aborted = client.request({ q: 'never' }, { signal: ac.signal });
      ac.abort();
      await assert.rejects(aborted, { code: 'REQUEST_ABORTED' });
      assert.deepEqual(client.metrics().requests, { ok: 2, error: 0, timeout: 1, cancelled: 1 });
      const starts = rec.of(events[0]!);
      assert.equal(starts.length, 4);
      assert.ok(starts.every((c) => c.sessionId === client.session.id && typeof c.id === 'number'));
      assert.deepEqual(starts.slice(0, 2).map((c) => c.request), [{ q: 'a' }, { q: 'b' }]);
      const ends = rec.of(events[1]!);
      assert.equal(ends.length, 4);
      assert.deepEqual(ends.slice(0, 2).map((c) => c.result), [{ q: 'a' }, { q: 'b' }]);
      assert.deepEqual(rec.of(events[2]!).map((c) => (c.error as { code: string }).code), ['REQUEST_TIMEOUT', 'REQUEST_ABORTED']);
    } finally {
      rec.stop();
      await client.close();
      await srv.server.close();
    }
  });
});

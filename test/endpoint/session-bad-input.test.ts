/**
 * A raw TCP peer speaking the envelope protocol by hand (lines framing, as the default JSON
 * protocol uses) at a session server: forged resumes, takeovers and broken envelopes each give a
 * typed error and close only that connection; a real client's session on the same server goes on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encodeEnvelope,
  listen,
  pauseSchedule,
  permanentClient,
  type Envelope,
  type EnvelopeFields,
  type SessionServer,
  type SwitchboardError,
} from '../../src/index.js';
import { rawConnect, waitFor, within, WAIT_MS, type RawPeer } from '../helpers/net.js';

type Msg = { n: number } | { q: string };

/** A peer that writes envelopes as lines and reads the server's lines back as envelopes. */
class Peer {
  private constructor(readonly raw: RawPeer) {}
  static async connect(url: string): Promise<Peer> {
    return new Peer(await rawConnect(url));
  }
  send(e: EnvelopeFields | string): Promise<void> {
    const line = typeof e === 'string' ? e : (encodeEnvelope(e) as string);
    return this.raw.write(line + '\n');
  }
  envelopes(): Envelope[] {
    return this.raw.text().split('\n').filter((l) => l !== '').map((l) => decodeEnvelope(l));
  }
  async next(kind: string): Promise<Envelope> {
    await waitFor(() => this.envelopes().some((e) => e.kind === kind), WAIT_MS, `a ${kind} envelope`);
    return this.envelopes().find((e) => e.kind === kind)!;
  }
  /** Opens a new session: resolves with its WELCOME. */
  async hello(fields: EnvelopeFields = { kind: 'H' }): Promise<Envelope> {
    await this.send({ maxRequests: 16, ...fields, kind: 'H' });
    return this.next('W');
  }
}

interface Harness {
  server: SessionServer<Msg, Msg>;
  fails: SwitchboardError[];
  ends: Array<string | undefined>;
  got: number[];
}

async function harness(extra: Record<string, unknown> = {}): Promise<Harness> {
  const fails: SwitchboardError[] = [];
  const ends: Array<string | undefined> = [];
  const got: number[] = [];
  const server = await listen<Msg, Msg>('tcp://127.0.0.1:0', {
    callbacks: { onFail: (e) => fails.push(e) },
    session: {
      onMessage: (_s, m) => void ('n' in m && got.push(m.n)),
      onRequest: () => new Promise<Msg>(() => {}),
      onEnd: (_s, e) => ends.push(e?.code),
      ...extra,
    },
  });
  return { server, fails, ends, got };
}

/** A real client with a session on the same server: it must not notice anything. */
async function bystander(h: Harness): Promise<{ check: () => Promise<void>; close: () => Promise<void> }> {
  const client = permanentClient<Msg, Msg>(h.server.url, { backoff: pauseSchedule([5]), session: { onRequest: (_s, m) => m } });
  await waitFor(() => client.connected, WAIT_MS, 'the bystander connected');
  const id = client.session.id;
  return {
    check: async () => {
      client.send({ n: 424242 });
      await waitFor(() => h.got.includes(424242), WAIT_MS, 'the bystander message');
      assert.equal(client.session.id, id, 'the bystander kept its session');
      assert.equal(client.client.stats.connects, 1, 'the bystander never reconnected');
    },
    close: () => client.close(),
  };
}

describe('sessions: bad input from a raw peer closes only that connection', () => {
  const cases: Array<{ name: string; code: string; run: (p: Peer) => Promise<void> }> = [
    { name: 'an ACK for a message never sent', code: 'SESSION_PROTOCOL_ERROR', run: (p) => p.send({ kind: 'A', ack: 99 }) },
    { name: 'a sequence number that jumps', code: 'SESSION_PROTOCOL_ERROR', run: (p) => p.send({ kind: 'M', seq: 5, payload: '{"n":1}' }) },
    { name: 'an unknown envelope version', code: 'SESSION_VERSION_UNSUPPORTED', run: (p) => p.send('2M1;{"n":1}') },
    { name: 'bytes that are not an envelope', code: 'ENVELOPE_INVALID', run: (p) => p.send('hello there') },
    { name: 'a HELLO on an open session', code: 'SESSION_PROTOCOL_ERROR', run: (p) => p.send({ kind: 'H' }) },
    {
      name: 'a flood of requests over the announced limit',
      code: 'TOO_MANY_REQUESTS',
      run: async (p) => {
        for (let i = 1; i <= 5; i++) await p.send({ kind: 'Q', seq: i, id: i, payload: '{"q":"x"}' });
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.code}`, async () => {
      const h = await harness({ maxRequests: 4 });
      const by = await bystander(h);
      const p = await Peer.connect(h.server.url);
      try {
        await p.hello();
        await c.run(p);
        await within(p.raw.closed, WAIT_MS, 'the server closed the raw connection');
        await waitFor(() => h.fails.some((e) => e.code === c.code), WAIT_MS, `${c.code} reported (got ${h.fails.map((e) => e.code).join()})`);
        assert.ok(h.ends.includes(c.code), `the peer's session ended with ${c.code} (${h.ends.join()})`);
        await by.check();
      } finally {
        p.raw.destroy();
        await by.close();
        await h.server.close();
      }
    });
  }

  it('a sequence number that goes back is a duplicate: dropped and counted, not delivered twice', async () => {
    const h = await harness();
    const p = await Peer.connect(h.server.url);
    try {
      const w = await p.hello();
      await p.send({ kind: 'M', seq: 1, payload: '{"n":1}' });
      await p.send({ kind: 'M', seq: 2, payload: '{"n":2}' });
      await p.send({ kind: 'M', seq: 1, payload: '{"n":1}' });
      await p.send({ kind: 'M', seq: 3, payload: '{"n":3}' });
      await waitFor(() => h.got.length === 3, WAIT_MS);
      assert.deepEqual(h.got, [1, 2, 3]);
      assert.equal(h.server.sessions.get(w.sessionId)!.counters.duplicates, 1);
    } finally {
      p.raw.destroy();
      await h.server.close();
    }
  });

  it('a forged resume (a real session id, a wrong secret) is refused with SESSION_FORBIDDEN; the real session is not touched', async () => {
    const h = await harness();
    const by = await bystander(h);
    const victim = [...h.server.sessions.keys()][0]!;
    const p = await Peer.connect(h.server.url);
    try {
      await p.send({ kind: 'H', sessionId: victim, secret: 'A'.repeat(22), received: 0, maxRequests: 1 });
      const n = await p.next('N');
      assert.equal(n.code, 'SESSION_FORBIDDEN');
      await within(p.raw.closed, WAIT_MS, 'closed');
      assert.ok(h.fails.some((e) => e.code === 'SESSION_FORBIDDEN'));
      assert.equal(h.server.sessions.get(victim)!.state, 'open');
      await by.check();
    } finally {
      p.raw.destroy();
      await by.close();
      await h.server.close();
    }
  });

  it('an unknown session id opens a new session (resumed: false), never someone else\'s', async () => {
    const h = await harness();
    const p = await Peer.connect(h.server.url);
    try {
      const w = await p.hello({ kind: 'H', sessionId: 'nosuchsession', secret: 'whatever' });
      assert.equal(w.resumed, false);
      assert.notEqual(w.sessionId, 'nosuchsession');
      assert.equal(w.sessionId.length, 22);
    } finally {
      p.raw.destroy();
      await h.server.close();
    }
  });

  it('a takeover: the right id and secret on a second connection move the session there and close the first', async () => {
    const h = await harness();
    const first = await Peer.connect(h.server.url);
    const second = await Peer.connect(h.server.url);
    try {
      const w = await first.hello();
      await first.send({ kind: 'M', seq: 1, payload: '{"n":1}' });
      await waitFor(() => h.got.length === 1, WAIT_MS);
      const s = h.server.sessions.get(w.sessionId)!;
      s.send({ n: 10 });
      await second.send({ kind: 'H', sessionId: w.sessionId, secret: w.secret, received: 0, ack: 0, maxRequests: 16 });
      const w2 = await second.next('W');
      assert.equal(w2.resumed, true);
      assert.equal(w2.received, 1, 'the server says it has our seq 1');
      await within(first.raw.closed, WAIT_MS, 'the first connection closed');
      // The server's message is sent again on the new connection (we said received 0).
      await waitFor(() => second.envelopes().some((e) => e.kind === 'M'), WAIT_MS);
      const m = second.envelopes().find((e) => e.kind === 'M')!;
      assert.equal(m.seq, 1);
      await second.send({ kind: 'M', seq: 2, payload: '{"n":2}' });
      await waitFor(() => h.got.length === 2, WAIT_MS);
      assert.deepEqual(h.got, [1, 2]);
      assert.equal(h.server.counters.tookOver, 1);
      assert.equal(h.server.sessions.size, 1);
    } finally {
      first.raw.destroy();
      second.raw.destroy();
      await h.server.close();
    }
  });
});

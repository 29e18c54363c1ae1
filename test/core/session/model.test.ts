/**
 * Model-based property test of the session machines: a client and a server connected by a lossy
 * link (harness.ts), driven through random interleavings of send (both ways), deliver (some
 * frames, either way), take (the applications take queued messages), time passing (ACK timers,
 * `tick`), connection drops (frames in flight are lost) and reconnects (HELLO, resume), and in the
 * second property server restarts (all server state lost). After the run the link heals and
 * everything settles; the outcome is checked against a reference model:
 *
 *  - no restart: every message accepted by `send` reaches the peer application exactly once and
 *    in order, both ways, none marked redelivered, and no error is raised;
 *  - with restarts: every message the client's `send` accepted reaches a server application at
 *    least once, first copies in send order, every later copy marked with its origin; messages
 *    from the server arrive at most once and in order, and when some are missing the client was
 *    told (an `open` event with `lost`).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Limits, isAccepted } from '../../../src/core/index.js';
import { World } from './harness.js';

type Op =
  | { op: 'clientSend' | 'serverSend' | 'toServer' | 'toClient' | 'clientTake' | 'serverTake'; n: number }
  | { op: 'time'; n: number }
  | { op: 'drop' | 'connect' | 'restart'; n: number };

const opArb = (restarts: boolean): fc.Arbitrary<Op> => fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('clientSend' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('serverSend' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('toServer' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('toClient' as const), n: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('clientTake' as const), n: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('serverTake' as const), n: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('time' as const), n: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), n: fc.constant(0) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('connect' as const), n: fc.constant(0) }) },
  { weight: restarts ? 1 : 0, arbitrary: fc.record({ op: fc.constant('restart' as const), n: fc.constant(0) }) },
);

const configArb = fc.record({
  clientAutoTake: fc.boolean(),
  serverAutoTake: fc.boolean(),
  useStore: fc.boolean(),
  bytes: fc.boolean(),
  ackEvery: fc.integer({ min: 1, max: 8 }),
  maxUnacked: fc.constantFrom(4, 16, Limits.sessionMaxUnackedMessages),
});

interface Run {
  w: World;
  clientSent: string[];
  serverSent: string[];
}

type Config = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

/** Totals over every run of a property, to check that the runs exercised what they claim to. */
const coverage = { runs: 0, delivered: 0, resent: 0, resumed: 0, redelivered: 0, lostSignals: 0, dropped: 0 };

function run(ops: Op[], cfg: Config): Run {
  const opts = { ackEvery: cfg.ackEvery, maxUnackedMessages: cfg.maxUnacked };
  const w = new World(opts, opts);
  w.useStore = cfg.useStore;
  w.bytes = cfg.bytes;
  w.clientApp.autoTake = cfg.clientAutoTake;
  const clientSent: string[] = [];
  const serverSent: string[] = [];
  let c = 0;
  let s = 0;
  const serverAppSetup = () => {
    const app = w.serverApp();
    if (app !== undefined) app.autoTake = cfg.serverAutoTake;
  };
  for (const o of ops) {
    switch (o.op) {
      case 'clientSend':
        for (let i = 0; i < o.n; i++) {
          const p = `c${++c}`;
          if (isAccepted(w.client.send(p))) clientSent.push(p);
          else coverage.dropped++;
        }
        break;
      case 'serverSend': {
        const m = w.serverMachine();
        if (m === undefined || m.state === 'ENDED') break;
        for (let i = 0; i < o.n; i++) {
          const p = `s${++s}`;
          if (isAccepted(m.send(p))) serverSent.push(p);
        }
        break;
      }
      case 'toServer': w.deliverToServer(o.n); serverAppSetup(); break;
      case 'toClient': w.deliverToClient(o.n); break;
      case 'clientTake': w.clientApp.take(o.n, w.now, w.client); break;
      case 'serverTake': w.serverApp()?.take(o.n, w.now, w.serverMachine()); break;
      case 'time': w.advance(o.n); break;
      case 'drop': w.drop(); break;
      case 'connect': if (w.conn === 0) w.connect(); break;
      case 'restart': w.restartServer(); break;
    }
  }
  // Heal: connect, deliver, take and tick until everything sent is acknowledged (bounded).
  if (w.conn === 0) w.connect();
  for (let i = 0; i < 200; i++) {
    w.settle();
    serverAppSetup();
    w.clientApp.take(Infinity, w.now, w.client);
    w.serverApp()?.take(Infinity, w.now, w.serverMachine());
    w.advance(Limits.sessionAckDelay);
    w.settle();
    const sm = w.serverMachine();
    if (w.client.unackedMessages === 0 && (sm === undefined || sm.unackedMessages === 0)
      && w.clientApp.queue.length === 0 && (w.serverApp()?.queue.length ?? 0) === 0) break;
  }
  coverage.runs++;
  coverage.delivered += w.serverGot.length + w.clientApp.got.length;
  coverage.resent += w.client.counters.resent + [...w.live.values()].reduce((n, m) => n + m.counters.resent, 0);
  coverage.resumed += w.clientApp.events.filter((e) => e.type === 'open' && e.resumed).length;
  coverage.redelivered += w.serverGot.filter((d) => d.origin !== '').length;
  coverage.lostSignals += w.clientApp.events.filter((e) => e.type === 'open' && e.lost !== undefined).length;
  return { w, clientSent, serverSent };
}

function resetCoverage(): void {
  for (const k of Object.keys(coverage) as (keyof typeof coverage)[]) coverage[k] = 0;
}

function noErrors(w: World): void {
  assert.deepEqual([...w.clientErrors, ...w.serverErrors, ...w.refusals].map((e) => e.message), []);
}

describe('session model', () => {
  it('across drops and resumes, every accepted message is delivered exactly once and in order, both ways', () => {
    resetCoverage();
    fc.assert(fc.property(fc.array(opArb(false), { minLength: 60, maxLength: 200 }), configArb, (ops, cfg) => {
      const { w, clientSent, serverSent } = run(ops, cfg);
      noErrors(w);
      assert.equal(w.client.state, 'OPEN');
      assert.deepEqual(w.serverGot.map((d) => d.payload), clientSent, 'client -> server');
      assert.deepEqual(w.clientApp.got.map((d) => d.payload), serverSent, 'server -> client');
      assert.ok(w.serverGot.every((d) => d.origin === '') && w.clientApp.got.every((d) => d.origin === ''), 'nothing redelivered');
      assert.equal(w.client.unackedMessages, 0);
      assert.ok(!w.clientApp.events.some((e) => e.type === 'open' && e.lost !== undefined));
    }), { numRuns: 300 });
    // The runs did exercise drops and resumes with messages in flight, and full send buffers.
    assert.ok(coverage.resumed > 300 && coverage.resent > 300 && coverage.delivered > 5000 && coverage.dropped > 0, JSON.stringify(coverage));
  });

  it('across server restarts, client messages arrive at least once with later copies marked, and lost server messages are signalled', () => {
    resetCoverage();
    fc.assert(fc.property(fc.array(opArb(true), { minLength: 60, maxLength: 200 }), configArb, (ops, cfg) => {
      const { w, clientSent, serverSent } = run(ops, cfg);
      noErrors(w);
      // Client -> server: at least once; first copies in order; every repeat marked redelivered.
      const firstIndex = new Map<string, number>();
      w.serverGot.forEach((d, i) => {
        if (!firstIndex.has(d.payload)) {
          firstIndex.set(d.payload, i);
        } else {
          assert.notEqual(d.origin, '', `second copy of ${d.payload} is marked redelivered`);
        }
      });
      for (const p of clientSent) assert.ok(firstIndex.has(p), `${p} reached a server`);
      const firsts = clientSent.map((p) => firstIndex.get(p)!);
      assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b), 'first copies in send order');
      // Server -> client: at most once, in order; a gap only with a `lost` signal.
      const got = w.clientApp.got.map((d) => d.payload);
      assert.equal(new Set(got).size, got.length, 'no duplicates from the server');
      let k = 0;
      for (const p of got) {
        while (k < serverSent.length && serverSent[k] !== p) k++;
        assert.ok(k < serverSent.length, `${p} in send order`);
        k++;
      }
      if (got.length < serverSent.length) {
        assert.ok(w.clientApp.events.some((e) => e.type === 'open' && e.lost !== undefined), 'missing server messages are signalled');
      }
      if (w.restarts === 0) assert.deepEqual(got, serverSent);
    }), { numRuns: 300 });
    assert.ok(coverage.redelivered > 50 && coverage.lostSignals > 50, JSON.stringify(coverage));
  });
});

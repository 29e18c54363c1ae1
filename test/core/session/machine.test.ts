import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorCode,
  Limits,
  MemorySessionStore,
  SessionError,
  SessionMachine,
  acceptSession,
  decodeEnvelope,
  encodeEnvelope,
  joinEnvelope,
  randomToken,
  secretsEqual,
  type SessionSnapshot,
} from '../../../src/core/index.js';
import { World, makeApp } from './harness.js';

const text = (d: Uint8Array | string) => (typeof d === 'string' ? d : new TextDecoder().decode(d));

function open(world = new World()): World {
  world.connect();
  world.settle();
  assert.equal(world.client.state, 'OPEN');
  return world;
}

describe('session handshake', () => {
  it('opens a new session: HELLO without an id, WELCOME with a 22-character id and secret', () => {
    const w = new World();
    w.connect();
    assert.equal(text(w.toServer[0]!.data), '1H,,0,0,1024;');
    w.deliverToServer();
    const welcome = decodeEnvelope(w.toClient[0]!.data);
    assert.equal(welcome.kind, 'W');
    assert.match(welcome.sessionId, /^[A-Za-z0-9_-]{22}$/);
    assert.match(welcome.secret, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(welcome.sessionId, welcome.secret);
    assert.equal(welcome.resumed, false);
    assert.equal(welcome.retention, Limits.sessionRetention);
    w.deliverToClient();
    assert.equal(w.client.state, 'OPEN');
    assert.equal(w.client.sessionId, welcome.sessionId);
    assert.deepEqual(w.clientApp.events.at(-1), { type: 'open', sessionId: welcome.sessionId, resumed: false, redelivered: 0, failedRequests: 0 });
  });

  it('sends messages queued before the WELCOME once the session is open, in order', () => {
    const w = new World();
    assert.equal(w.client.send('a'), 'queued');
    w.connect();
    assert.equal(w.client.send('b'), 'queued');
    w.settle();
    assert.deepEqual(w.serverGot.map((d) => d.payload), ['a', 'b']);
  });

  it('resumes after a drop: HELLO names the session, WELCOME says resumed, nothing lost or doubled', () => {
    const w = open();
    for (let i = 0; i < 5; i++) w.client.send(`c${i}`);
    w.deliverToServer(2); // c0, c1 arrive; c2..c4 are lost with the connection
    w.server!.send('s0');
    w.drop();
    for (let i = 5; i < 8; i++) assert.equal(w.client.send(`c${i}`), 'queued');
    w.connect();
    const hello = decodeEnvelope(w.toServer[0]!.data);
    assert.equal(hello.kind, 'H');
    assert.equal(hello.sessionId, w.client.sessionId);
    w.settle();
    assert.equal(w.clientApp.events.filter((e) => e.type === 'open').at(-1)!.type, 'open');
    assert.equal((w.clientApp.events.at(-1) as { resumed?: boolean }).resumed ?? true, true);
    assert.deepEqual(w.serverGot.map((d) => d.payload), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    assert.deepEqual(w.clientApp.got.map((d) => d.payload), ['s0']);
    assert.ok(w.serverGot.every((d) => d.origin === ''), 'nothing is marked redelivered on a resume');
  });

  it('refuses a forged session id with the wrong secret and leaves the real session attached and working', () => {
    const w = open();
    const real = w.serverMachine()!;
    const forged = encodeEnvelope({ kind: 'H', sessionId: w.client.sessionId, secret: 'A'.repeat(22), received: 0, ack: 0, maxRequests: 1 });
    const written: string[] = [];
    const out = acceptSession(forged, (h, p) => written.push(text(joinEnvelope(h, p))), w.now, {
      lookup: (id) => w.live.get(id),
      host: () => makeApp(),
      options: w.serverOptions,
    });
    assert.equal(out.type, 'refused');
    assert.equal(out.type === 'refused' && out.error.code, ErrorCode.SESSION_FORBIDDEN);
    assert.deepEqual(written, ['1NSESSION_FORBIDDEN,1;']);
    assert.equal(real.state, 'OPEN');
    w.client.send('still here');
    w.settle();
    assert.deepEqual(w.serverGot.map((d) => d.payload), ['still here']);
  });

  it('refuses a forged resume of a stored session too, and the stored session stays resumable', () => {
    const w = new World();
    w.useStore = true;
    open(w);
    w.drop();
    const id = w.client.sessionId;
    assert.ok(w.store.get(id));
    const forged = encodeEnvelope({ kind: 'H', sessionId: id, secret: randomToken(() => new Uint8Array(16).fill(7)), received: 0, ack: 0 });
    const out = acceptSession(forged, () => {}, w.now, { lookup: (x) => w.store.get(x), host: () => makeApp(), options: w.serverOptions });
    assert.equal(out.type === 'refused' && out.error.code, ErrorCode.SESSION_FORBIDDEN);
    assert.ok(w.store.get(id), 'still stored');
    w.connect();
    w.settle();
    assert.equal(w.client.sessionId, id);
    assert.ok(w.clientApp.events.some((e) => e.type === 'open' && e.resumed));
  });

  it('answers a HELLO of an unknown version with REFUSE listing the versions it speaks', () => {
    const written: string[] = [];
    const out = acceptSession('2H,,0,0,1;', (h, p) => written.push(text(joinEnvelope(h, p))), 0, {
      lookup: () => undefined, host: () => makeApp(), options: { random: () => new Uint8Array(16) },
    });
    assert.equal(out.type === 'refused' && out.error.code, ErrorCode.SESSION_VERSION_UNSUPPORTED);
    assert.deepEqual(written, ['1NSESSION_VERSION_UNSUPPORTED,1;']);
  });

  it('refuses a first envelope that is not a HELLO, and bytes that are not an envelope, without answering', () => {
    for (const [frame, code] of [['1M1;hi', ErrorCode.SESSION_PROTOCOL_ERROR], ['GET / HTTP/1.1', ErrorCode.ENVELOPE_INVALID]] as const) {
      const written: string[] = [];
      const out = acceptSession(frame, (h) => written.push(h), 0, { lookup: () => undefined, host: () => makeApp(), options: { random: () => new Uint8Array(16) } });
      assert.equal(out.type === 'refused' && out.error.code, code, frame);
      assert.deepEqual(written, [], frame);
    }
  });

  it('client: a REFUSE with SESSION_FORBIDDEN ends the session and rejects pending requests', () => {
    const app = makeApp();
    const c = new SessionMachine('client', app);
    c.request('q');
    c.open(() => {}, 0);
    assert.throws(() => c.receive('1NSESSION_FORBIDDEN,1;', 0), (e: SessionError) => e.code === ErrorCode.SESSION_FORBIDDEN);
    assert.equal(c.state, 'ENDED');
    assert.deepEqual(app.bulkFailures, [{ ids: [1], code: ErrorCode.CONNECTION_CLOSED }]);
  });

  it('takes over a session live on a half-open connection: the old connection is detached', () => {
    const w = open();
    const m = w.serverMachine()!;
    // The client thinks the connection died; the server has not noticed yet.
    w.client.lost(w.now);
    const writes: string[] = [];
    const hello = '1H' + w.client.sessionId + ',' + (w.client as unknown as { secret: string }).secret + ',0,0,8;';
    const out = acceptSession(hello, (h) => writes.push(h), w.now, { lookup: (id) => w.live.get(id), host: () => makeApp(), options: w.serverOptions });
    assert.equal(out.type, 'accepted');
    assert.ok(out.type === 'accepted' && out.tookOver && out.resumed && out.machine === m);
    assert.match(writes[0]!, /^1W[^,]+,,0,0,1,120000,1024;$/);
  });
});

describe('session sequencing and acknowledgements', () => {
  it('acknowledges cumulatively every ackEvery messages taken', () => {
    const w = open(new World({}, { ackEvery: 4 }));
    for (let i = 0; i < 10; i++) w.client.send(`m${i}`);
    w.deliverToServer();
    const acks = w.toClient.map((f) => text(f.data)).filter((s) => s.startsWith('1A'));
    assert.deepEqual(acks, ['1A4;', '1A8;']);
    w.deliverToClient();
    assert.equal(w.client.unackedMessages, 2);
  });

  it('acknowledges the rest after ackDelay, when the driver ticks at nextDeadline()', () => {
    const w = open(new World({}, { ackEvery: 100, ackDelay: 20 }));
    w.client.send('x');
    w.deliverToServer();
    const s = w.serverMachine()!;
    assert.equal(w.toClient.length, 0);
    assert.equal(s.nextDeadline(), w.now + 20);
    w.advance(19);
    assert.equal(w.toClient.length, 0);
    w.advance(1);
    assert.deepEqual(w.toClient.map((f) => text(f.data)), ['1A1;']);
    w.deliverToClient();
    assert.equal(w.client.unackedMessages, 0);
    assert.equal(s.nextDeadline(), Infinity);
  });

  it('piggybacks an acknowledgement only once it is due, never one per message', () => {
    const w = open(new World({}, { ackEvery: 100, ackDelay: 20 }));
    w.client.send('x');
    w.deliverToServer();
    // Taken, but not due yet (1 of 100, 0 of 20 ms): the message going the other way carries none.
    w.server!.send('y');
    assert.deepEqual(w.toClient.map((f) => text(f.data)), ['1M1;y']);
    // The ACK delay has passed (the driver's timer has not fired yet): the next envelope carries it.
    w.now += 20;
    w.server!.taken(0, w.now); // a stale ticket: only tells the machine the time
    w.server!.send('z');
    assert.deepEqual(w.toClient.map((f) => text(f.data)), ['1M1;y', '1M2,1;z']);
    assert.equal(w.serverMachine()!.nextDeadline(), Infinity, 'nothing left to acknowledge');
  });

  it('piggybacks an acknowledgement due by count on the next envelope when it was not written yet', () => {
    const w = open(new World({}, { ackEvery: 2 }));
    w.client.send('a');
    w.deliverToServer();
    w.server!.send('r1'); // 1 taken: not due
    w.client.send('b');
    w.deliverToServer(); // 2 taken: due, written at once as an ACK
    w.server!.send('r2'); // nothing left to acknowledge
    assert.deepEqual(w.toClient.map((f) => text(f.data)), ['1M1;r1', '1A2;', '1M2;r2']);
  });

  it('acknowledges only what the application took, never what is still queued', () => {
    const w = open(new World({}, { ackEvery: 1 }));
    w.serverApp()!.autoTake = false;
    w.client.send('a');
    w.client.send('b');
    w.deliverToServer();
    assert.equal(w.toClient.length, 0, 'nothing taken, nothing acknowledged');
    w.serverApp()!.take(1, w.now, w.serverMachine());
    assert.deepEqual(w.toClient.map((f) => text(f.data)), ['1A1;']);
  });

  it('accepts taken() for the message being delivered from inside the callback', () => {
    const w = open(new World({}, { ackEvery: 1 }));
    const app = w.serverApp()!;
    app.message = (_p, ticket) => {
      w.serverMachine()!.taken(ticket, w.now); // taken at once, but reported through taken()
      return false;
    };
    w.client.send('a');
    w.client.send('b');
    w.deliverToServer();
    assert.deepEqual(w.toClient.map((f) => text(f.data)), ['1A1;', '1A2;']);
  });

  it('re-sends messages received but not taken when the receiving side lost them (snapshot to the store)', () => {
    const w = new World({}, { ackEvery: 1 });
    w.useStore = true;
    open(w);
    w.serverApp()!.autoTake = false;
    w.client.send('a');
    w.client.send('b');
    w.deliverToServer();
    w.serverApp()!.take(1, w.now, w.serverMachine());
    w.drop(); // 'b' was received, not taken: the snapshot does not have it
    w.connect();
    w.settle();
    w.serverApp()!.take(10, w.now, w.serverMachine());
    assert.deepEqual(w.serverGot.map((d) => d.payload), ['a', 'b']);
  });

  it('drops a duplicate (a seq at or below the last received) silently and counts it', () => {
    const w = open();
    w.client.send('a');
    const frame = w.toServer[0]!.data;
    w.deliverToServer();
    w.server!.receive(frame, w.now);
    assert.equal(w.serverMachine()!.counters.duplicates, 1);
    assert.deepEqual(w.serverGot.map((d) => d.payload), ['a']);
  });

  it('a seq that jumps ahead is SESSION_PROTOCOL_ERROR and ends the session', () => {
    const w = open();
    assert.throws(() => w.server!.receive('1M2;skipped one', w.now), (e: SessionError) =>
      e.code === ErrorCode.SESSION_PROTOCOL_ERROR && /seq 2 after 0, expected 1/.test(e.message));
    assert.equal(w.serverMachine()!.state, 'ENDED');
  });

  it('an ACK for a seq never written is SESSION_PROTOCOL_ERROR', () => {
    const w = open();
    w.client.send('a');
    assert.throws(() => w.client.receive('1A5;', w.now), (e: SessionError) =>
      e.code === ErrorCode.SESSION_PROTOCOL_ERROR && /ACK for seq 5, but the highest seq we wrote is 1/.test(e.message));
  });

  it('an ACK piggybacked on a message for a seq never written is SESSION_PROTOCOL_ERROR too', () => {
    const w = open();
    assert.throws(() => w.client.receive('1M1,3;x', w.now), (e: SessionError) => e.code === ErrorCode.SESSION_PROTOCOL_ERROR);
  });

  it('a resume claiming more than was ever written is SESSION_PROTOCOL_ERROR', () => {
    const w = open();
    w.client.lost(w.now);
    w.server!.lost(w.now);
    const m = w.serverMachine()!;
    const hello = decodeEnvelope('1H' + w.client.sessionId + ',' + (w.client as unknown as { secret: string }).secret + ',9,0,8;');
    assert.throws(() => m.accept(hello, () => {}, w.now), (e: SessionError) => e.code === ErrorCode.SESSION_PROTOCOL_ERROR);
  });

  it('a PING is answered with a PONG carrying the same token', () => {
    const w = open();
    assert.equal(w.client.ping(7), true);
    w.settle();
    assert.deepEqual(w.clientApp.events.at(-1), { type: 'pong', token: 7 });
  });

  it('END from the peer ends the session with SESSION_ENDED and rejects pending requests with CONNECTION_CLOSED', () => {
    const w = open();
    w.client.request('q');
    w.deliverToServer();
    w.server!.end();
    w.deliverToClient();
    assert.equal(w.client.state, 'ENDED');
    assert.equal((w.clientErrors[0] as SessionError).code, ErrorCode.SESSION_ENDED);
    assert.deepEqual(w.clientApp.bulkFailures, [{ ids: [1], code: ErrorCode.CONNECTION_CLOSED }]);
    assert.equal(w.client.send('late'), 'closed');
  });
});

describe('session bounds', () => {
  it('send reports backpressured above half the cap and dropped at the cap; acks make room', () => {
    const w = open(new World({ maxUnackedMessages: 4 }, { ackEvery: 1 }));
    assert.deepEqual([1, 2, 3, 4, 5].map((i) => w.client.send(`m${i}`)), ['sent', 'sent', 'backpressured', 'backpressured', 'dropped']);
    w.settle();
    assert.equal(w.client.unackedMessages, 0);
    assert.equal(w.client.send('again'), 'sent');
  });

  it('bounds retained bytes as well as messages', () => {
    const w = open(new World({ maxUnackedBytes: 10 }));
    assert.equal(w.client.send('12345678'), 'backpressured');
    assert.equal(w.client.send('9012'), 'backpressured');
    assert.equal(w.client.send('x'), 'dropped');
  });

  it('a peer that never acknowledges cannot make the sender retain more than the cap', () => {
    const w = open(new World({ maxUnackedMessages: 100 }));
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) if (w.client.send('m') !== 'dropped') accepted++;
    assert.equal(accepted, 100);
    assert.equal(w.client.unackedMessages, 100);
  });
});

describe('session retention', () => {
  it('server: a session detached longer than the retention ends with SESSION_EXPIRED; the client starts anew', () => {
    const w = open(new World({}, { retention: 1000 }));
    const old = w.client.sessionId;
    w.client.request('never answered');
    w.deliverToServer();
    w.advance(Limits.sessionAckDelay); // the server acknowledges the REQ: it has taken it
    w.deliverToClient();
    assert.equal(w.client.unackedMessages, 0);
    const m = w.serverMachine()!;
    w.drop();
    assert.equal(m.nextDeadline(), w.now + 1000);
    w.advance(999);
    assert.equal(m.state, 'DETACHED');
    w.advance(1);
    assert.equal(m.state, 'ENDED');
    const ended = w.serverApps.get(old)!.events.at(-1);
    assert.equal(ended?.type === 'ended' && ended.error?.code, ErrorCode.SESSION_EXPIRED);
    // The client heard the retention in WELCOME and notices too.
    const expired = w.clientApp.events.at(-1);
    assert.equal(expired?.type === 'expired' && expired.error.code, ErrorCode.SESSION_EXPIRED);
    w.live.delete(old);
    w.connect();
    w.settle();
    const opened = w.clientApp.events.filter((e) => e.type === 'open').at(-1)!;
    assert.ok(opened.type === 'open' && !opened.resumed && opened.lost?.code === ErrorCode.SESSION_EXPIRED);
    assert.notEqual(w.client.sessionId, old);
    assert.deepEqual(w.clientApp.bulkFailures, [{ ids: [1], code: ErrorCode.SESSION_EXPIRED }], 'the request the old server took is rejected');
  });

  it('the store drops expired snapshots in sweep(now) and the sessions closest to expiry when over its byte cap', () => {
    const snap = (id: string, detachedAt: number, size: number): SessionSnapshot => ({
      version: 1, id, secret: 's', detachedAt, retention: 100, nextSeq: 2, acked: 0, lastWritten: 1, received: 0,
      retained: [{ seq: 1, kind: 'M', id: 0, payload: 'x'.repeat(size), aux: '' }],
      peerMaxRequests: 1, nextRequestId: 1, pending: [], inbound: [],
    });
    // Each counts 5 KiB + 128 B per envelope + its payload: a and b fit together, not with c.
    const store = new MemorySessionStore({ maxBytes: 15_000 });
    assert.deepEqual(store.put(snap('a', 0, 500), 0), []);
    assert.deepEqual(store.put(snap('b', 10, 500), 10), []);
    assert.deepEqual(store.put(snap('c', 20, 1500), 20), ['a']);
    assert.ok(store.bytes <= 15_000);
    assert.deepEqual(store.put(snap('huge', 30, 20_000), 30), ['huge']);
    assert.equal(store.get('huge'), undefined);
    assert.equal(store.nextExpiry(), 110);
    assert.deepEqual(store.sweep(110), ['b']);
    assert.deepEqual([...['a', 'b', 'c']].map((id) => store.get(id) !== undefined), [false, false, true]);
  });
});

describe('session ids and secrets', () => {
  it('makes 22-character base64url tokens from 16 random bytes', () => {
    assert.equal(randomToken(() => new Uint8Array(16)), 'AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(randomToken(() => new Uint8Array(16).fill(255)), '_____________________w');
  });

  it('compares secrets by value whatever the lengths', () => {
    assert.equal(secretsEqual('abc', 'abc'), true);
    assert.equal(secretsEqual('abc', 'abd'), false);
    assert.equal(secretsEqual('abc', 'abcd'), false);
    assert.equal(secretsEqual('', 'a'), false);
  });
});

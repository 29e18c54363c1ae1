import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, Limits, RequestError, SessionError, SessionMachine, decodeEnvelope } from '../../../src/core/index.js';
import { World, makeApp } from './harness.js';

const text = (d: Uint8Array | string) => (typeof d === 'string' ? d : new TextDecoder().decode(d));

function open(world = new World()): World {
  world.connect();
  world.settle();
  assert.equal(world.client.state, 'OPEN');
  return world;
}

describe('requests', () => {
  it('matches a response to its request by id', () => {
    const w = open();
    const a = w.client.request('2+2');
    const b = w.client.request('3+3');
    assert.deepEqual([a, b], [1, 2]);
    w.settle();
    const reqs = w.serverApp()!.requests;
    assert.deepEqual(reqs.map((r) => [r.id, r.payload]), [[1, '2+2'], [2, '3+3']]);
    w.serverMachine()!.respond(2, '6');
    w.serverMachine()!.respond(1, '4');
    w.settle();
    assert.deepEqual([...w.clientApp.responses], [[2, '6'], [1, '4']]);
  });

  it('carries a handler error as code and message; unknown codes become REQUEST_FAILED with remoteCode', () => {
    const w = open();
    w.client.request('x');
    w.client.request('y');
    w.settle();
    w.serverMachine()!.fail(1, 'NOT_FOUND', 'no such user');
    w.serverMachine()!.fail(2, 'not a code!', 'bad');
    w.settle();
    assert.deepEqual(w.clientApp.failures.get(1), {
      code: ErrorCode.REQUEST_FAILED, remoteCode: 'NOT_FOUND', message: 'the peer answered request 1 with NOT_FOUND: no such user',
    });
    assert.equal(w.clientApp.failures.get(2)!.remoteCode, ErrorCode.REQUEST_FAILED);
  });

  it('cuts an error message to 1024 UTF-8 bytes without splitting a character', () => {
    const w = open();
    w.client.request('x');
    w.settle();
    w.serverMachine()!.fail(1, 'BIG', 'é'.repeat(1000));
    const env = decodeEnvelope(w.toClient[0]!.data);
    assert.equal(env.kind, 'E');
    assert.equal(env.payload, 'é'.repeat(512));
  });

  it('answers NO_HANDLER at once when the side has no request handler', () => {
    const w = open(new World({}, { handlesRequests: false }));
    w.client.request('anyone?');
    w.settle();
    assert.equal(w.serverApp()!.requests.length, 0, 'the app never sees it');
    assert.equal(w.clientApp.failures.get(1)!.code, ErrorCode.NO_HANDLER);
  });

  it('an abort rejects at once with REQUEST_ABORTED and the peer handler is cancelled within one round trip', () => {
    const w = open();
    w.client.request('slow');
    w.settle();
    assert.equal(w.client.abandon(1, ErrorCode.REQUEST_ABORTED), true);
    assert.equal(w.clientApp.failures.get(1)!.code, ErrorCode.REQUEST_ABORTED, 'rejected before any answer');
    w.deliverToServer();
    assert.deepEqual(w.serverApp()!.cancelledIds, [1]);
    assert.equal(w.serverMachine()!.respond(1, 'too late'), false, 'the answer is no longer wanted');
    w.deliverToClient();
    assert.equal(w.client.requests.pending.size, 0, 'the slot frees when the ERR REQUEST_ABORTED arrives');
    assert.equal(w.client.requests.lateAnswers, 1);
  });

  it('a timeout rejects with REQUEST_TIMEOUT and cancels the handler too', () => {
    const w = open();
    w.client.request('slow');
    w.deliverToServer();
    w.client.abandon(1, ErrorCode.REQUEST_TIMEOUT);
    assert.equal(w.clientApp.failures.get(1)!.code, ErrorCode.REQUEST_TIMEOUT);
    w.settle();
    assert.deepEqual(w.serverApp()!.cancelledIds, [1]);
    assert.equal(w.client.abandon(1, ErrorCode.REQUEST_TIMEOUT), false, 'a second give-up does nothing');
  });

  it('ignores and counts answers to ids never sent', () => {
    const w = open();
    w.client.receive('1R1,,99;who?', w.now);
    assert.equal(w.client.requests.unknownAnswers, 1);
    assert.equal(w.clientApp.responses.size, 0);
  });

  it('refuses a request beyond the in-flight limit locally with TOO_MANY_REQUESTS, using the smaller of both limits', () => {
    const w = open(new World({ maxRequests: 10 }, { maxRequests: 3 }));
    for (let i = 0; i < 3; i++) w.client.request(`q${i}`);
    assert.throws(() => w.client.request('one too many'), (e: RequestError) => e.code === ErrorCode.TOO_MANY_REQUESTS);
    w.settle();
    w.serverMachine()!.respond(1, 'ok');
    w.settle();
    assert.equal(w.client.request('room again'), 4);
  });

  it('a peer flooding requests beyond what we announced gets TOO_MANY_REQUESTS and the session ends', () => {
    const w = open(new World({}, { maxRequests: 2 }));
    const s = w.serverMachine()!;
    // A hostile client ignores the limit of 2 the WELCOME announced.
    s.receive('1Q1,,1;a', w.now);
    s.receive('1Q2,,2;b', w.now);
    assert.throws(() => s.receive('1Q3,,3;c', w.now), (e: SessionError) => e.code === ErrorCode.TOO_MANY_REQUESTS && e instanceof SessionError);
    assert.equal(s.state, 'ENDED');
    assert.deepEqual(w.serverApp()!.cancelledIds, [1, 2], 'the handlers in flight are cancelled');
  });

  it('a request id already in flight is SESSION_PROTOCOL_ERROR', () => {
    const w = open();
    const s = w.serverMachine()!;
    s.receive('1Q1,,1;a', w.now);
    assert.throws(() => s.receive('1Q2,,1;b', w.now), (e: SessionError) => e.code === ErrorCode.SESSION_PROTOCOL_ERROR);
  });

  it('rejects 10,000 pending requests in one call when the session ends', () => {
    const app = makeApp();
    const c = new SessionMachine('client', app, { maxRequests: 10_000, maxUnackedMessages: 10_001 });
    for (let i = 0; i < 10_000; i++) c.request('q');
    c.end();
    assert.equal(app.bulkFailures.length, 1);
    assert.equal(app.bulkFailures[0]!.ids.length, 10_000);
    assert.equal(app.bulkFailures[0]!.code, ErrorCode.CONNECTION_CLOSED);
    assert.equal(c.requests.pending.size, 0);
    assert.throws(() => c.request('after'), (e: RequestError) => e.code === ErrorCode.CONNECTION_CLOSED);
  });

  it('a request in flight during a reconnect still gets its answer', () => {
    const w = open();
    w.client.request('survive');
    w.settle();
    w.drop();
    w.serverMachine()!.respond(1, 'answered while away');
    w.connect();
    w.settle();
    assert.equal(w.clientApp.responses.get(1), 'answered while away');
  });

  it('a request whose REQ was lost with the connection is sent again on resume and answered once', () => {
    const w = open();
    w.client.request('lost on the wire');
    w.drop();
    w.connect();
    w.settle();
    assert.equal(w.serverApp()!.requests.length, 1);
    w.serverMachine()!.respond(1, 'ok');
    w.settle();
    assert.equal(w.clientApp.responses.get(1), 'ok');
  });

  it('after a server restart, a request not yet acknowledged is redelivered with its origin; one already taken fails with SESSION_UNKNOWN', () => {
    const w = open();
    w.client.request('taken by the old server');
    w.settle();
    w.advance(Limits.sessionAckDelay);
    w.settle(); // acknowledged
    w.client.request('written, maybe seen');
    const oldId = w.client.sessionId;
    w.restartServer();
    w.client.request('written only after the restart');
    w.connect();
    w.settle();
    assert.deepEqual(w.clientApp.bulkFailures, [{ ids: [1], code: ErrorCode.SESSION_UNKNOWN }]);
    const reqs = w.serverApp()!.requests;
    assert.deepEqual(reqs.map((r) => [r.id, r.payload, r.origin]), [
      [2, 'written, maybe seen', `${oldId}.2`],
      [3, 'written only after the restart', ''],
    ], 'marked with its origin only when it had been written before');
    w.serverMachine()!.respond(2, 'ok');
    w.settle();
    assert.equal(w.clientApp.responses.get(2), 'ok');
    assert.notEqual(w.client.sessionId, oldId);
  });

  it('plain messages and requests mix on one session in order', () => {
    const w = open();
    w.client.send('m1');
    w.client.request('q1');
    w.client.send('m2');
    w.settle();
    assert.deepEqual(w.serverGot.map((d) => d.payload), ['m1', 'm2']);
    assert.deepEqual(w.serverApp()!.requests.map((r) => r.payload), ['q1']);
    const seqs = [] as string[];
    w.serverMachine()!.send('s1');
    w.serverMachine()!.respond(1, 'r1');
    for (const f of w.toClient) seqs.push(text(f.data).slice(0, 3));
    assert.deepEqual(seqs, ['1M1', '1R2']);
  });
});

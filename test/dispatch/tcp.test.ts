/**
 * Dispatchers on real TCP connections (127.0.0.1, port 0) speaking eventdispatcher lines:
 * listen()/connect() with dispatcherOptions(), a raw socket sending garbage, handle() with
 * for await, and the maxPending limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, type SwitchboardError } from '../../src/core/index.js';
import { message, namedMessages, parseMessage, type Message } from '../../src/core/message/index.js';
import { connect, listen, type CloseInfo, type Connection } from '../../src/endpoint/index.js';
import { DispatchError, Dispatcher, dispatcherOptions } from '../../src/dispatch/index.js';
import { WAIT_MS, rawConnect, sleep, waitFor, within } from '../helpers/net.js';
import { recordingLogger } from './helpers.js';

/** The lines a raw peer received, parsed. */
const received = (text: string): Message[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => parseMessage(l));

describe('Dispatcher over TCP', () => {
  it('answers HELP, ALIVE, a user command, an unknown command and a schema failure on one connection', async () => {
    const logger = recordingLogger();
    const d = new Dispatcher({ logger, now: () => 1_700_000_000_250 });
    d.on('PING', (msg, ctx) => void ctx.reply('PONG', { n: msg.get('n') }), { schema: { n: { type: 'integer', required: true } } });
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d, { name: 'disp' }));
    const conn = await connect(server.url, { protocol: namedMessages() });
    try {
      const ask = async (m: Message): Promise<string> => {
        conn.send(m);
        return String(await conn.receive({ timeout: WAIT_MS }));
      };
      assert.equal(await ask(message('HELP')), 'COMMANDS list=ALIVE,HELP,INVALID,LOG_ROTATE,PING,QUITTING,READY,RESTART,STOP,UNKNOWN');
      assert.equal(await ask(message('ALIVE', { serial: 3 })), 'ABSOLUTELY reply_timestamp=1700000000.250000000;serial=3');
      assert.equal(await ask(message('PING', { n: 1 })), 'PONG n=1');
      assert.equal(await ask(message('NOPE')), 'UNKNOWN command=NOPE');
      assert.equal(await ask(message('PING', { n: 'x' })), 'INVALID command=PING;message=parameter "n": "x" is not an integer: expected an optional sign and decimal digits');
      assert.equal(await ask(message('PING', { n: 2 })), 'PONG n=2', 'the connection is still up');
      assert.equal(conn.state, 'open');
    } finally {
      await conn.close();
      await server.close();
    }
  });

  it('answers lines that do not parse with INVALID message=... and keeps the connection up (raw socket)', async () => {
    const logger = recordingLogger();
    const d = new Dispatcher({ logger });
    d.on('PING', (_m, ctx) => void ctx.reply('PONG'));
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d));
    const raw = await rawConnect(server.url);
    try {
      await raw.write('hello world=1\n');
      await raw.write('FOO a\n');
      await raw.write(Buffer.from([0xff, 0xfe, 0x0a]));
      await raw.write('{"command": 5}\n');
      await raw.write('\n   \r\n'); // blank lines are skipped, not answered
      await raw.write('PING\n');
      await waitFor(() => raw.text().includes('PONG'), WAIT_MS, 'PONG after the garbage');
      const got = received(raw.text());
      assert.deepEqual(
        got.map((m) => m.command),
        ['INVALID', 'INVALID', 'INVALID', 'INVALID', 'PONG'],
        raw.text(),
      );
      assert.equal(got[0]!.get('message'), 'at column 1: command "hello" must be made of A-Z, 0-9 and _ only');
      assert.match(got[1]!.get('message')!, /^at column \d+: expected '=' after parameter name "a"/);
      assert.equal(got[2]!.get('message'), 'the message is not valid UTF-8');
      assert.match(got[3]!.get('message')!, /command/);
      for (const m of got.slice(0, 4)) assert.equal(m.has('command'), false, 'no command is known for a line that did not parse');
      assert.equal(raw.isClosed, false);
      assert.equal(server.connectionCount, 1);
      assert.equal(logger.at('warn').filter((l) => l.includes('answered INVALID')).length, 4);
    } finally {
      raw.end();
      await within(raw.closed, WAIT_MS, 'raw close');
      await server.close();
    }
  });

  it("with decodeErrors: 'close', answers the bad line with INVALID and then closes", async () => {
    const d = new Dispatcher({ logger: recordingLogger() });
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d, { decodeErrors: 'close' }));
    const raw = await rawConnect(server.url);
    try {
      await raw.write('bad line\nHELP\n');
      await within(raw.ended, WAIT_MS, 'the server to close');
      const got = received(raw.text());
      assert.deepEqual(got.map((m) => m.command), ['INVALID'], raw.text());
    } finally {
      raw.destroy();
      await server.close();
    }
  });

  it('keeps serving after a handler throws, without telling the peer why', async () => {
    const errors: DispatchError[] = [];
    const d = new Dispatcher({ logger: recordingLogger(), onError: (e) => void errors.push(e) });
    d.on('CRASH', () => {
      throw new Error('secret internal detail');
    });
    d.on('PING', (_m, ctx) => void ctx.reply('PONG'));
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d));
    const raw = await rawConnect(server.url);
    try {
      await raw.write('CRASH\nPING\n');
      await waitFor(() => raw.text().includes('PONG'), WAIT_MS, 'PONG');
      assert.equal(raw.text(), 'PONG\n');
      assert.equal(errors[0]?.code, ErrorCode.DISPATCH_HANDLER_FAILED);
      assert.match(errors[0]!.message, /^svc\(127\.0\.0\.1:\d+<-127\.0\.0\.1:\d+\): the handler for CRASH failed on CRASH: secret internal detail$/);
    } finally {
      raw.end();
      await within(raw.closed, WAIT_MS, 'raw close');
      await server.close();
    }
  });

  it('traces each received message with the connection name', async () => {
    const trace = recordingLogger();
    const d = new Dispatcher({ logger: recordingLogger(), trace });
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d, { name: 'traced' }));
    const raw = await rawConnect(server.url);
    try {
      await raw.write('READY\nLOCK key=a;timeout=5\n');
      await waitFor(() => trace.lines.length === 2, WAIT_MS, 'two trace lines');
      const [a, b] = trace.at('info');
      assert.match(a!, /^svc\(traced@127\.0\.0\.1:\d+<-127\.0\.0\.1:\d+\) >> READY$/);
      assert.match(b!, / >> LOCK key=a;timeout=5$/);
    } finally {
      raw.end();
      await within(raw.closed, WAIT_MS, 'raw close');
      await server.close();
    }
  });

  it('closes a connection with DISPATCH_OVERLOADED when more than maxPending async handlers are running for it', async () => {
    const errors: DispatchError[] = [];
    const release: Array<() => void> = [];
    const d = new Dispatcher({ logger: recordingLogger(), maxPending: 2, onError: (e) => void errors.push(e) });
    let started = 0;
    d.on('SLOW', () => {
      started++;
      return new Promise<void>((resolve) => release.push(resolve));
    });
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d));
    const raw = await rawConnect(server.url);
    try {
      await raw.write('SLOW\nSLOW\nSLOW\nSLOW\n');
      await within(raw.ended, WAIT_MS, 'the server to close the connection');
      assert.equal(started, 2);
      assert.equal(errors.length, 1, 'reported once');
      assert.equal(errors[0]!.code, ErrorCode.DISPATCH_OVERLOADED);
      assert.match(errors[0]!.message, /2 messages are still in async handlers, expected no more than 2; closing the connection/);
    } finally {
      for (const r of release) r();
      raw.destroy();
      await server.close();
    }
  });

  it('lets async handlers of one connection overlap with callbacks()', async () => {
    const d = new Dispatcher({ logger: recordingLogger() });
    const events: string[] = [];
    d.on('SLOW', async (msg, ctx) => {
      events.push(`start ${msg.get('n')}`);
      await sleep(msg.get('n') === '1' ? 50 : 1);
      events.push(`end ${msg.get('n')}`);
      ctx.reply('DONE', { n: msg.get('n') });
    });
    const server = await listen('tcp://127.0.0.1:0', dispatcherOptions(d));
    const raw = await rawConnect(server.url);
    try {
      await raw.write('SLOW n=1\nSLOW n=2\n');
      await waitFor(() => raw.text().split('\n').length === 3, WAIT_MS, 'two answers');
      assert.deepEqual(events, ['start 1', 'start 2', 'end 2', 'end 1']);
      assert.equal(raw.text(), 'DONE n=2\nDONE n=1\n');
    } finally {
      raw.end();
      await within(raw.closed, WAIT_MS, 'raw close');
      await server.close();
    }
  });
});

describe('Dispatcher.handle() with for await', () => {
  it('runs handlers one at a time in order, answers garbage with INVALID, and resolves with the close info', async () => {
    const d = new Dispatcher({ logger: recordingLogger() });
    const events: string[] = [];
    d.on('SLOW', async (msg, ctx) => {
      events.push(`start ${msg.get('n')}`);
      await sleep(msg.get('n') === '1' ? 50 : 1);
      events.push(`end ${msg.get('n')}`);
      ctx.reply('DONE', { n: msg.get('n') });
    });
    const handled: Array<Promise<CloseInfo>> = [];
    const server = await listen<Message, Message>('tcp://127.0.0.1:0', {
      protocol: namedMessages(),
      decodeErrors: 'skip',
      callbacks: { onConnect: (c) => void handled.push(d.handle(c)) },
    });
    const raw = await rawConnect(server.url);
    try {
      await raw.write('SLOW n=1\nSLOW n=2\nnot a message\n');
      await waitFor(() => raw.text().includes('DONE n=2'), WAIT_MS, 'two answers');
      assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2']);
      const got = received(raw.text());
      assert.deepEqual(got.map(String).filter((l) => l.startsWith('DONE')), ['DONE n=1', 'DONE n=2']);
      assert.equal(got.filter((m) => m.command === 'INVALID').length, 1);
      raw.end();
      const info = await within(handled[0]!, WAIT_MS, 'handle() to resolve');
      assert.equal(info.initiator, 'peer');
    } finally {
      raw.destroy();
      await server.close();
    }
  });

  it('rejects with RECEIVE_MODE_CONFLICT when the messages already go to the dispatcher callbacks', async () => {
    const d = new Dispatcher({ logger: recordingLogger() });
    const outcomes: Array<Promise<unknown>> = [];
    const server = await listen(
      'tcp://127.0.0.1:0',
      dispatcherOptions(d, {
        callbacks: {
          onConnect: (c: Connection<Message, Message>) => void outcomes.push(d.handle(c).then(() => 'resolved', (e: unknown) => e)),
        },
      }),
    );
    const conn = await connect(server.url, { protocol: namedMessages() });
    try {
      await waitFor(() => outcomes.length === 1, WAIT_MS, 'onConnect');
      const outcome = (await outcomes[0]) as SwitchboardError;
      assert.equal(outcome.code, ErrorCode.RECEIVE_MODE_CONFLICT);
    } finally {
      await conn.close();
      await server.close();
    }
  });
});

describe('dispatcherOptions()', () => {
  it('fills in namedMessages(), decodeErrors: skip and chained callbacks, keeping the caller\'s options', () => {
    const d = new Dispatcher({ logger: recordingLogger() });
    let connects = 0;
    const onConnect = (): void => void connects++;
    const o = dispatcherOptions(d, { name: 'x', maxConnections: 3, callbacks: { onConnect } });
    assert.equal(o.name, 'x');
    assert.equal(o.maxConnections, 3);
    assert.equal(o.decodeErrors, 'skip');
    assert.equal(o.protocol.name, 'lines+named-message');
    assert.equal(typeof o.callbacks.onReceive, 'function');
    o.callbacks.onConnect?.(undefined as never);
    assert.equal(connects, 1, "the caller's callbacks are kept");
    assert.equal(o.callbacks.observeOnly, false);
    assert.equal(dispatcherOptions(d, { decodeErrors: 'close' }).decodeErrors, 'close');
  });
});

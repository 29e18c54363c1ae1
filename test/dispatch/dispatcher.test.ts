import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SendStatus } from '../../src/core/index.js';
import { message, type Message } from '../../src/core/message/index.js';
import {
  BUILTIN_COMMANDS,
  BUILTIN_TAG,
  DispatchError,
  Dispatcher,
  PASS,
  type DispatchContext,
  type DispatcherOptions,
} from '../../src/dispatch/index.js';
import { recordingLogger, sink } from './helpers.js';

/** A dispatcher with a recording logger and recorded errors. */
function setup(options: DispatcherOptions = {}) {
  const logger = recordingLogger();
  const errors: DispatchError[] = [];
  const d = new Dispatcher({ logger, onError: (e) => void errors.push(e), ...options });
  return { d, logger, errors };
}

const isInvalidOption = (e: unknown): boolean => e instanceof Error && (e as { code?: string }).code === ErrorCode.INVALID_OPTION;

describe('Dispatcher routing', () => {
  it('calls the handler registered for the exact command with the message and a context', async () => {
    const { d } = setup();
    const t = sink('peer-1');
    let seen: { msg: Message; ctx: DispatchContext } | undefined;
    d.on('LOCK', (msg, ctx) => void (seen = { msg, ctx }));
    const m = message('LOCK', { key: 'website' });
    assert.equal(await d.dispatch(m, t), true);
    assert.equal(seen?.msg, m);
    assert.equal(seen?.ctx.from, 'peer-1');
    assert.equal(seen?.ctx.conn, undefined);
    assert.equal(seen?.ctx.dispatcher, d);
    assert.deepEqual(t.lines(), []);
  });

  it('matches a command in a list of commands', async () => {
    const { d } = setup();
    const got: string[] = [];
    d.on(['LOCK', 'UNLOCK'], (msg) => void got.push(msg.command));
    const t = sink();
    await d.dispatch(message('LOCK'), t);
    await d.dispatch(message('UNLOCK'), t);
    await d.dispatch(message('RELOCK'), t);
    assert.deepEqual(got, ['LOCK', 'UNLOCK']);
    assert.deepEqual(t.lines(), ['UNKNOWN command=RELOCK']);
  });

  it('matches a RegExp against the command, every time even with the g flag', async () => {
    const { d } = setup();
    const got: string[] = [];
    d.on(/^LOCK_/g, (msg) => void got.push(msg.command));
    const t = sink();
    for (const c of ['LOCK_A', 'LOCK_A', 'LOCK_B', 'UNLOCK_A']) await d.dispatch(message(c), t);
    assert.deepEqual(got, ['LOCK_A', 'LOCK_A', 'LOCK_B']);
    assert.deepEqual(t.lines(), ['UNKNOWN command=UNLOCK_A']);
  });

  it('matches a predicate on the whole message (route and parameters)', async () => {
    const { d } = setup();
    const got: string[] = [];
    d.on((msg) => msg.service === 'lockd', (msg) => void got.push(String(msg)));
    const t = sink();
    await d.dispatch(message('LOCK', { key: 'k' }, { service: 'lockd' }), t);
    await d.dispatch(message('LOCK', { key: 'k' }), t);
    assert.deepEqual(got, ['lockd/LOCK key=k']);
    assert.deepEqual(t.lines(), ['UNKNOWN command=LOCK']);
  });

  it('answers an unmatched command with UNKNOWN command=<CMD>, addressed to its sender', async () => {
    const { d } = setup();
    const t = sink();
    assert.equal(await d.dispatch(message('FROBNICATE', { x: 1 }).sentFrom('srv1', 'client'), t), true);
    assert.deepEqual(t.lines(), ['srv1:client/UNKNOWN command=FROBNICATE']);
  });

  it('runs lower priorities first: 0 before the default 7 before 15', async () => {
    const { d } = setup();
    const order: string[] = [];
    const h = (name: string) => () => {
      order.push(name);
      return PASS;
    };
    d.on('X', h('p15'), { priority: 15 });
    d.on('X', h('default'));
    d.on('X', h('p0'), { priority: 0 });
    d.on('X', h('p8'), { priority: 8 });
    d.on('X', h('p6'), { priority: 6 });
    await d.dispatch(message('X'), sink());
    assert.deepEqual(order, ['p0', 'p6', 'default', 'p8', 'p15']);
  });

  it('runs equal priorities in registration order, and the first match wins', async () => {
    const { d } = setup();
    const order: string[] = [];
    d.on('X', () => void order.push('first'), { priority: 3 });
    d.on(/X/, () => void order.push('second'), { priority: 3 });
    d.on(() => true, () => void order.push('third'), { priority: 3 });
    await d.dispatch(message('X'), sink());
    assert.deepEqual(order, ['first']);
  });

  it('hands the message on when a handler returns PASS, synchronously or from a promise', async () => {
    const { d } = setup();
    const order: string[] = [];
    d.on('X', () => {
      order.push('sync pass');
      return PASS;
    }, { priority: 1 });
    d.on('X', async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('async pass');
      return PASS;
    }, { priority: 2 });
    d.on('X', () => void order.push('handled'), { priority: 3 });
    assert.equal(await d.dispatch(message('X'), sink()), true);
    assert.deepEqual(order, ['sync pass', 'async pass', 'handled']);
  });

  it('falls through to the catch-all when every match passes', async () => {
    const { d } = setup();
    d.on('X', () => PASS);
    const t = sink();
    await d.dispatch(message('X'), t);
    assert.deepEqual(t.lines(), ['UNKNOWN command=X']);
  });

  it('runs a synchronous handler before dispatch() returns', () => {
    const { d } = setup();
    const order: string[] = [];
    d.on('X', (msg) => void order.push(msg.get('n')!));
    const t = sink();
    void d.dispatch(message('X', { n: 1 }), t);
    void d.dispatch(message('X', { n: 2 }), t);
    order.push('after');
    assert.deepEqual(order, ['1', '2', 'after']);
  });

  it('ctx.reply sends msg.reply(), ctx.send sends as is, and both return the send status', async () => {
    const { d } = setup();
    const statuses: SendStatus[] = [];
    d.on('PING', (msg, ctx) => {
      statuses.push(ctx.reply('PONG', { n: msg.get('n') }));
      statuses.push(ctx.send(message('EXTRA')));
    });
    const t = sink();
    await d.dispatch(message('PING', { n: 7 }).sentFrom('a', 'b'), t);
    assert.deepEqual(t.lines(), ['a:b/PONG n=7', 'EXTRA']);
    assert.deepEqual(statuses, ['sent', 'sent']);
  });

  it('gives "closed" from ctx.reply when the target has nowhere to send, and calls it "local"', async () => {
    const { d } = setup();
    let status: SendStatus | undefined;
    let from = '';
    d.on('PING', (_m, ctx) => {
      status = ctx.reply('PONG');
      from = ctx.from;
    });
    await d.dispatch(message('PING'));
    assert.equal(status, SendStatus.Closed);
    assert.equal(from, 'local');
  });

  it('rejects dispatching something that is not a Message with INVALID_OPTION', async () => {
    const { d } = setup();
    await assert.rejects(d.dispatch('PING' as unknown as Message), isInvalidOption);
  });
});

describe('Dispatcher handler failures', () => {
  it('logs and reports a throwing handler as DISPATCH_HANDLER_FAILED, does not answer, and does not try other handlers', async () => {
    const { d, logger, errors } = setup();
    const later: string[] = [];
    d.on('X', () => {
      throw new Error('boom');
    }, { priority: 1 });
    d.on('X', () => void later.push('later'), { priority: 2 });
    const t = sink('peer');
    assert.equal(await d.dispatch(message('X'), t), true);
    assert.deepEqual(t.lines(), [], 'internal errors are not sent to the peer');
    assert.deepEqual(later, []);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, ErrorCode.DISPATCH_HANDLER_FAILED);
    assert.equal(errors[0]!.name, 'DispatchError');
    assert.equal((errors[0]!.cause as Error).message, 'boom');
    assert.deepEqual(errors[0]!.details, { from: 'peer', command: 'X' });
    assert.match(logger.at('error').join('\n'), /DISPATCH_HANDLER_FAILED: peer: the handler for X failed on X: boom/);
  });

  it('treats a rejected async handler the same way, and dispatch() still resolves', async () => {
    const { d, errors } = setup();
    d.on('X', async () => {
      await Promise.resolve();
      throw new Error('later boom');
    });
    assert.equal(await d.dispatch(message('X'), sink()), true);
    assert.equal(errors[0]?.code, ErrorCode.DISPATCH_HANDLER_FAILED);
    assert.match(errors[0]!.message, /later boom/);
  });

  it('skips a matcher that throws, reports it, and goes on to the next handler', async () => {
    const { d, errors } = setup();
    const got: string[] = [];
    d.on(function broken() {
      throw new Error('bad predicate');
    }, () => void got.push('never'), { priority: 0 });
    d.on('X', () => void got.push('X'));
    await d.dispatch(message('X'), sink());
    assert.deepEqual(got, ['X']);
    assert.equal(errors[0]?.code, ErrorCode.DISPATCH_HANDLER_FAILED);
    assert.match(errors[0]!.message, /predicate broken threw on X: bad predicate; skipped/);
  });

  it('survives an onError and a logger that throw', async () => {
    const d = new Dispatcher({
      logger: { debug() {}, info() {}, warn() {}, error() { throw new Error('log down'); } },
      onError: () => {
        throw new Error('onError down');
      },
      trace: { debug() {}, info() { throw new Error('trace down'); }, warn() {}, error() {} },
    });
    d.on('X', () => {
      throw new Error('boom');
    });
    assert.equal(await d.dispatch(message('X'), sink()), true);
  });
});

describe('Dispatcher handles and tags', () => {
  it('remove() unregisters a handler once and reports whether it did', async () => {
    const { d } = setup();
    const got: string[] = [];
    const h = d.on('X', () => void got.push('X'));
    assert.equal(h.active, true);
    assert.equal(h.priority, 7);
    assert.equal(h.remove(), true);
    assert.equal(h.active, false);
    assert.equal(h.remove(), false);
    const t = sink();
    await d.dispatch(message('X'), t);
    assert.deepEqual(got, []);
    assert.deepEqual(t.lines(), ['UNKNOWN command=X']);
  });

  it('removeTag removes exactly the handlers of that tag and returns how many', async () => {
    const { d } = setup();
    const got: string[] = [];
    d.on('A', () => void got.push('A'), { tag: 'group' });
    d.on(/^B$/, () => void got.push('B'), { tag: 'group' });
    d.on('C', () => void got.push('C'), { tag: 'other' });
    d.on('D', () => void got.push('D'));
    assert.equal(d.removeTag('group'), 2);
    assert.equal(d.removeTag('group'), 0);
    const t = sink();
    for (const c of ['A', 'B', 'C', 'D']) await d.dispatch(message(c), t);
    assert.deepEqual(got, ['C', 'D']);
    assert.deepEqual(t.lines(), ['UNKNOWN command=A', 'UNKNOWN command=B']);
  });

  it('skips a handler removed while an earlier async handler of the same message ran', async () => {
    const { d } = setup();
    const got: string[] = [];
    let second: { remove(): boolean } | undefined;
    d.on('X', async () => {
      second?.remove();
      await Promise.resolve();
      return PASS;
    }, { priority: 1 });
    second = d.on('X', () => void got.push('second'), { priority: 2 });
    d.on('X', () => void got.push('third'), { priority: 3 });
    await d.dispatch(message('X'), sink());
    assert.deepEqual(got, ['third']);
  });

  it('refuses bad registrations with INVALID_OPTION', () => {
    const { d } = setup();
    const noop = (): void => {};
    assert.throws(() => d.on('X', noop, { priority: 16 }), isInvalidOption);
    assert.throws(() => d.on('X', noop, { priority: -1 }), isInvalidOption);
    assert.throws(() => d.on('X', noop, { priority: 1.5 }), isInvalidOption);
    assert.throws(() => d.on('X', noop, { tag: '' }), isInvalidOption);
    assert.throws(() => d.on('lower', noop), /command "lower" must be made of A-Z, 0-9 and _ only/);
    assert.throws(() => d.on([], noop), isInvalidOption);
    assert.throws(() => d.on(42 as unknown as string, noop), isInvalidOption);
    assert.throws(() => d.on('X', 'nope' as unknown as () => void), isInvalidOption);
    assert.throws(() => d.on(/X/, noop, { commands: ['bad name'] }), isInvalidOption);
    assert.equal(d.size, BUILTIN_COMMANDS.length, 'nothing was registered');
  });

  it('refuses bad dispatcher options with INVALID_OPTION', () => {
    assert.throws(() => new Dispatcher({ builtins: ['HELP', 'NOPE' as 'HELP'] }), /"NOPE" is not a built-in command/);
    assert.throws(() => new Dispatcher({ maxPending: 0 }), isInvalidOption);
    assert.throws(() => new Dispatcher({ catchAll: 'yes' as unknown as boolean }), isInvalidOption);
    assert.throws(() => new Dispatcher({ onStop: 'stop' as unknown as () => void }), isInvalidOption);
  });
});

describe('Dispatcher built-in commands', () => {
  it('registers HELP, ALIVE, READY, STOP, QUITTING, RESTART, LOG_ROTATE, UNKNOWN and INVALID by default', () => {
    const { d } = setup();
    assert.deepEqual(d.commands(), ['ALIVE', 'HELP', 'INVALID', 'LOG_ROTATE', 'QUITTING', 'READY', 'RESTART', 'STOP', 'UNKNOWN']);
  });

  it('lets a user handler override a built-in at any priority, even 15', async () => {
    const { d } = setup();
    d.on('HELP', (_m, ctx) => void ctx.reply('COMMANDS', { list: 'MINE' }), { priority: 15 });
    const t = sink();
    await d.dispatch(message('HELP'), t);
    assert.deepEqual(t.lines(), ['COMMANDS list=MINE']);
  });

  it('runs the built-in after a user handler that passes', async () => {
    const { d } = setup({ builtins: ['HELP'] });
    const seen: string[] = [];
    d.on('HELP', (msg) => {
      seen.push(msg.command);
      return PASS;
    });
    const t = sink();
    await d.dispatch(message('HELP'), t);
    assert.deepEqual(seen, ['HELP']);
    assert.deepEqual(t.lines(), ['COMMANDS list=HELP']);
  });

  it('has no built-ins with builtins: false: HELP is then UNKNOWN', async () => {
    const { d } = setup({ builtins: false });
    const t = sink();
    await d.dispatch(message('HELP'), t);
    assert.deepEqual(t.lines(), ['UNKNOWN command=HELP']);
    assert.equal(d.size, 0);
  });

  it('keeps only the listed built-ins', async () => {
    const { d } = setup({ builtins: ['HELP', 'ALIVE'] });
    const t = sink();
    await d.dispatch(message('STOP'), t);
    await d.dispatch(message('HELP'), t);
    assert.deepEqual(t.lines(), ['UNKNOWN command=STOP', 'COMMANDS list=ALIVE,HELP']);
  });

  it(`removes every built-in with removeTag('${BUILTIN_TAG}')`, async () => {
    const { d } = setup();
    d.on('MINE', () => {}, { tag: 'x' });
    assert.equal(d.removeTag(BUILTIN_TAG), BUILTIN_COMMANDS.length);
    assert.deepEqual(d.commands(), ['MINE']);
  });

  it('HELP lists every exact command, the commands given for patterns, and the built-ins, sorted, without duplicates', async () => {
    const { d } = setup();
    d.on('ZEBRA', () => {});
    d.on(['LOCK', 'UNLOCK'], () => {});
    d.on('LOCK', () => {}, { priority: 1 });
    d.on(/^STATUS_/, () => {}, { commands: ['STATUS_A', 'STATUS_B'] });
    d.on(/^HIDDEN_/, () => {});
    d.on(() => false, () => {}, { commands: 'ABC' });
    const gone = d.on('GONE', () => {});
    gone.remove();
    const t = sink();
    await d.dispatch(message('HELP'), t);
    assert.deepEqual(t.lines(), [
      'COMMANDS list=ABC,ALIVE,HELP,INVALID,LOCK,LOG_ROTATE,QUITTING,READY,RESTART,STATUS_A,STATUS_B,STOP,UNKNOWN,UNLOCK,ZEBRA',
    ]);
  });

  it('answers ALIVE with ABSOLUTELY copying serial and timestamp verbatim and adding reply_timestamp', async () => {
    const { d } = setup({ now: () => 1715440881543.5 });
    const t = sink();
    await d.dispatch(message('ALIVE', { serial: 'a-17', timestamp: 'not checked' }).sentFrom('srv1', 'watchdog'), t);
    assert.equal(t.sent.length, 1);
    const r = t.sent[0]!;
    assert.equal(r.command, 'ABSOLUTELY');
    assert.equal(r.service, 'watchdog');
    assert.equal(r.server, 'srv1');
    assert.deepEqual({ ...r.parameters }, { reply_timestamp: '1715440881.543500000', serial: 'a-17', timestamp: 'not checked' });
  });

  it('answers a bare ALIVE with only reply_timestamp, in seconds.nanoseconds from the real clock', async () => {
    const { d } = setup();
    const t = sink();
    const before = Date.now() / 1000;
    await d.dispatch(message('ALIVE'), t);
    const r = t.sent[0]!;
    assert.deepEqual(Object.keys(r.parameters), ['reply_timestamp']);
    assert.match(r.get('reply_timestamp')!, /^\d+\.\d{9}$/);
    const ts = r.getTimespec('reply_timestamp');
    assert.ok(ts.seconds >= Math.floor(before) && ts.seconds <= Date.now() / 1000 + 1);
  });

  it('calls onReady, onStop (STOP and QUITTING) and onRestart with the message and answers nothing', async () => {
    const calls: string[] = [];
    const cb = (msg: Message, ctx: DispatchContext) => void calls.push(`${msg.command}@${ctx.from}`);
    const { d } = setup({ onReady: cb, onStop: cb, onRestart: cb });
    const t = sink('comm');
    for (const c of ['READY', 'STOP', 'QUITTING', 'RESTART']) assert.equal(await d.dispatch(message(c), t), true);
    assert.deepEqual(calls, ['READY@comm', 'STOP@comm', 'QUITTING@comm', 'RESTART@comm']);
    assert.deepEqual(t.lines(), []);
  });

  it('logs STOP, QUITTING and RESTART without a callback, and answers nothing', async () => {
    const { d, logger } = setup();
    const t = sink('comm');
    for (const c of ['READY', 'STOP', 'QUITTING', 'RESTART']) await d.dispatch(message(c), t);
    assert.deepEqual(t.lines(), []);
    assert.deepEqual(logger.at('warn'), [
      'comm: STOP received and no onStop callback was given: ignored',
      'comm: QUITTING received and no onStop callback was given: ignored',
      'comm: RESTART received and no onRestart callback was given: ignored',
    ]);
    assert.deepEqual(logger.at('debug'), ['comm: READY received and no onReady callback was given: ignored']);
  });

  it('reports an async lifecycle callback that fails as DISPATCH_HANDLER_FAILED', async () => {
    const { d, errors } = setup({
      onStop: async () => {
        throw new Error('cannot stop');
      },
    });
    await d.dispatch(message('STOP'), sink());
    assert.equal(errors[0]?.code, ErrorCode.DISPATCH_HANDLER_FAILED);
    assert.match(errors[0]!.message, /built-in STOP failed on STOP: cannot stop/);
  });

  it('reopens the log on LOG_ROTATE when the logger can, then calls onLogRotate', async () => {
    const calls: string[] = [];
    const logger = recordingLogger({ reopen: () => void calls.push('reopen') });
    const d = new Dispatcher({ logger, onLogRotate: (msg) => void calls.push(`onLogRotate ${msg.command}`) });
    const t = sink();
    await d.dispatch(message('LOG_ROTATE'), t);
    assert.deepEqual(calls, ['reopen', 'onLogRotate LOG_ROTATE']);
    assert.deepEqual(t.lines(), []);
    assert.deepEqual(logger.at('info'), ['test: LOG_ROTATE: reopening the log', 'test: LOG_ROTATE: log reopened']);
  });

  it('logs received UNKNOWN and INVALID as errors and never answers them', async () => {
    const { d, logger } = setup();
    const t = sink('peer');
    await d.dispatch(message('UNKNOWN', { command: 'FOO' }), t);
    await d.dispatch(message('INVALID', { command: 'LOCK', message: 'parameter "key" is required' }), t);
    await d.dispatch(message('INVALID'), t);
    assert.deepEqual(t.lines(), []);
    assert.deepEqual(logger.at('error'), [
      'peer: the peer does not understand "FOO" we sent (UNKNOWN)',
      'peer: the peer refused "LOCK" we sent (INVALID): "parameter \\"key\\" is required"',
      'peer: the peer refused a message we sent (INVALID)',
    ]);
  });

  it('never answers UNKNOWN or INVALID from the catch-all either, so two peers cannot loop', async () => {
    const { d, logger } = setup({ builtins: false });
    const t = sink('peer');
    await d.dispatch(message('UNKNOWN', { command: 'X' }), t);
    await d.dispatch(message('INVALID'), t);
    assert.deepEqual(t.lines(), []);
    assert.equal(logger.at('warn').length, 2);
  });

  it('logs a built-in answer that could not be sent', async () => {
    const logger = recordingLogger();
    const d = new Dispatcher({ logger });
    await d.dispatch(message('HELP'), { from: 'gone', send: () => SendStatus.Closed });
    assert.deepEqual(logger.at('warn'), ['gone: could not answer HELP with COMMANDS: the send was closed']);
  });
});

describe('Dispatcher catch-all', () => {
  it('with catchAll: false answers nothing and resolves false', async () => {
    const { d } = setup({ catchAll: false });
    const t = sink();
    assert.equal(await d.dispatch(message('NOPE'), t), false);
    assert.deepEqual(t.lines(), []);
  });

  it('calls a catch-all handler for unmatched messages; PASS from it resolves false', async () => {
    const seen: string[] = [];
    const { d } = setup({
      catchAll: (msg, ctx) => {
        seen.push(msg.command);
        if (msg.command === 'SKIP') return PASS;
        ctx.reply('NOT_HERE', { command: msg.command });
      },
    });
    const t = sink();
    assert.equal(await d.dispatch(message('FOO'), t), true);
    assert.equal(await d.dispatch(message('SKIP'), t), false);
    assert.equal(await d.dispatch(message('HELP'), t), true);
    assert.deepEqual(seen, ['FOO', 'SKIP']);
    assert.equal(t.lines()[0], 'NOT_HERE command=FOO');
  });

  it('reports a catch-all handler that throws', async () => {
    const { d, errors } = setup({
      catchAll: () => {
        throw new Error('nope');
      },
    });
    assert.equal(await d.dispatch(message('FOO'), sink()), true);
    assert.match(errors[0]!.message, /the handler for the catch-all failed on FOO: nope/);
  });
});

describe('Dispatcher schemas', () => {
  const schema = {
    key: { type: 'string', required: true },
    timeout: { type: 'integer', min: 1, max: 3600 },
  } as const;

  it('calls the handler when the message fits its schema, extra parameters included', async () => {
    const { d } = setup();
    const got: string[] = [];
    d.on('LOCK', (msg) => void got.push(String(msg)), { schema });
    const t = sink();
    await d.dispatch(message('LOCK', { key: 'k', timeout: 10, extra: 'yes' }), t);
    await d.dispatch(message('LOCK', { key: 'k' }), t);
    assert.deepEqual(got, ['LOCK extra=yes;key=k;timeout=10', 'LOCK key=k']);
    assert.deepEqual(t.lines(), []);
  });

  it('answers INVALID command=<CMD>;message=<what is wrong> instead of calling the handler, and reports DISPATCH_INVALID_PARAMETERS', async () => {
    const { d, errors, logger } = setup();
    const got: string[] = [];
    d.on('LOCK', () => void got.push('called'), { schema });
    const t = sink('peer');
    assert.equal(await d.dispatch(message('LOCK', { timeout: 10 }).sentFrom('s', 'c'), t), true);
    assert.deepEqual(got, []);
    assert.equal(t.sent.length, 1);
    const r = t.sent[0]!;
    assert.equal(r.command, 'INVALID');
    assert.equal(r.service, 'c');
    assert.deepEqual({ ...r.parameters }, { command: 'LOCK', message: 'parameter "key" is required' });
    assert.equal(errors[0]?.code, ErrorCode.DISPATCH_INVALID_PARAMETERS);
    assert.match(logger.at('warn').join('\n'), /DISPATCH_INVALID_PARAMETERS: peer: LOCK refused \(answered INVALID\): parameter "key" is required/);
  });

  it('lists every problem, joined by "; ", in schema order', async () => {
    const { d } = setup();
    d.on('LOCK', () => {}, { schema });
    const t = sink();
    await d.dispatch(message('LOCK', { timeout: 0 }), t);
    assert.equal(
      t.sent[0]!.get('message'),
      'parameter "key" is required; parameter "timeout": "0" is not an integer from 1 to 3600',
    );
  });

  it('does not try later handlers after a schema failure', async () => {
    const { d } = setup();
    const got: string[] = [];
    d.on('LOCK', () => void got.push('strict'), { schema, priority: 1 });
    d.on('LOCK', () => void got.push('lenient'), { priority: 2 });
    await d.dispatch(message('LOCK'), sink());
    assert.deepEqual(got, []);
  });

  const cases: Array<[string, Record<string, unknown>, string, string | undefined]> = [
    ['string ok', { type: 'string' }, 'anything', undefined],
    ['string too short', { type: 'string', min: 3 }, 'ab', 'parameter "p" is 2 characters long, expected at least 3'],
    ['string too long (code points)', { type: 'string', max: 2 }, '😀😀😀', 'parameter "p" is 3 characters long, expected at most 2'],
    ['string length ok in code points', { type: 'string', max: 2 }, '😀😀', undefined],
    ['string pattern', { type: 'string', pattern: /^[a-z]+$/g }, 'Abc', 'parameter "p" is "Abc", expected a value matching /^[a-z]+$/'],
    ['string pattern ok', { type: 'string', pattern: /^[a-z]+$/g }, 'abc', undefined],
    ['integer ok', { type: 'integer' }, '-35', undefined],
    ['integer not digits', { type: 'integer' }, '12abc', 'parameter "p": "12abc" is not an integer: expected an optional sign and decimal digits'],
    ['integer below min', { type: 'integer', min: 5 }, '4', 'parameter "p": "4" is not an integer from 5 to 9007199254740991'],
    ['integer above max', { type: 'integer', max: 5 }, '6', 'parameter "p": "6" is not an integer from -9007199254740991 to 5'],
    ['boolean ok', { type: 'boolean' }, 'yes', undefined],
    ['boolean bad', { type: 'boolean' }, 'True', 'parameter "p": "True" is not a boolean: expected one of true, 1, yes, on, false, 0, no, off'],
    ['timespec ok', { type: 'timespec' }, '1715440881.543723981', undefined],
    ['timespec bad', { type: 'timespec' }, 'noon', 'parameter "p": "noon" is not a timespec: expected seconds, a period and up to 9 digits of nanoseconds (1715440881.543723981)'],
    ['timespec below min', { type: 'timespec', min: 10 }, '9.5', 'parameter "p" is 9.5, expected at least 10 (seconds)'],
    ['timespec above max', { type: 'timespec', max: 10 }, '10.000000001', 'parameter "p" is 10.000000001, expected at most 10 (seconds)'],
    ['address ok v4', { type: 'address' }, '10.0.0.1:4040', undefined],
    ['address ok v6', { type: 'address' }, '[::1]:4040', undefined],
    ['address bad', { type: 'address' }, 'localhost:4040', 'parameter "p": "localhost:4040" is not an address: expected ipv4:port or [ipv6]:port'],
  ];
  for (const [name, rule, value, problem] of cases) {
    it(`checks ${name}: ${problem === undefined ? 'accepted' : 'refused'}`, async () => {
      const { d } = setup();
      let called = false;
      d.on('CMD', () => void (called = true), { schema: { p: rule as never } });
      const t = sink();
      await d.dispatch(message('CMD', { p: value }), t);
      if (problem === undefined) {
        assert.equal(called, true);
        assert.deepEqual(t.lines(), []);
      } else {
        assert.equal(called, false);
        assert.equal(t.sent[0]?.command, 'INVALID');
        assert.equal(t.sent[0]?.get('command'), 'CMD');
        assert.equal(t.sent[0]?.get('message'), problem);
      }
    });
  }

  it('refuses bad schemas when the handler is registered', () => {
    const { d } = setup();
    const reg = (schema: unknown) => () => d.on('X', () => {}, { schema: schema as never });
    assert.throws(reg({ p: { type: 'float' } }), /schema: parameter "p": type must be one of string, integer, boolean, timespec, address, got "float"/);
    assert.throws(reg({ p: { type: 'boolean', min: 1 } }), /min does not apply to type boolean/);
    assert.throws(reg({ p: { type: 'address', max: 1 } }), /max does not apply to type address/);
    assert.throws(reg({ p: { type: 'integer', pattern: /x/ } }), /pattern only applies to type string/);
    assert.throws(reg({ p: { type: 'integer', min: 5, max: 1 } }), /min 5 is above max 1/);
    assert.throws(reg({ p: { type: 'integer', min: 1.5 } }), /min must be an integer/);
    assert.throws(reg({ p: { type: 'string', required: 'yes' } }), /required must be a boolean/);
    assert.throws(reg({ 'bad-name': { type: 'string' } }), /parameter name "bad-name"/);
    assert.throws(reg({ p: 'integer' }), /expected a rule object/);
    assert.throws(reg([]), /expected an object of parameter rules, got an array/);
  });
});

describe('Dispatcher trace mode', () => {
  it('logs every dispatched message as "<from> >> <message>" to the trace logger', async () => {
    const trace = recordingLogger();
    const { d } = setup({ trace });
    d.on('LOCK', () => {});
    await d.dispatch(message('LOCK', { key: 'k' }), sink('clt(a)'));
    await d.dispatch(message('NOPE'), sink('clt(b)'));
    await d.dispatch(message('HELP'));
    assert.deepEqual(trace.at('info'), ['clt(a) >> LOCK key=k', 'clt(b) >> NOPE', 'local >> HELP']);
  });

  it('uses the dispatcher logger with trace: true, and logs nothing with it off', async () => {
    const on = setup({ trace: true });
    await on.d.dispatch(message('READY'), sink('x'));
    assert.deepEqual(on.logger.at('info'), ['x >> READY']);
    const off = setup();
    await off.d.dispatch(message('READY'), sink('x'));
    assert.deepEqual(off.logger.at('info'), []);
  });

  it('cuts very long messages in the trace line', async () => {
    const trace = recordingLogger();
    const { d } = setup({ trace });
    await d.dispatch(message('BIG', { v: 'x'.repeat(5000) }), sink('p'));
    const line = trace.at('info')[0]!;
    assert.ok(line.startsWith('p >> BIG v=xxx'));
    assert.ok(line.endsWith('... (4006 more characters)'), line.slice(-60));
  });
});

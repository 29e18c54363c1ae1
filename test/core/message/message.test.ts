import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SwitchboardError } from '../../../src/core/index.js';
import {
  MESSAGE_VERSION,
  Message,
  MessageError,
  isMessage,
  message,
  parseMessage,
  serializeMessage,
} from '../../../src/core/message/index.js';

const fails = (fn: () => unknown, code: string, text?: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MessageError, `expected a MessageError, got ${String(err)}`);
    assert.ok(err instanceof SwitchboardError);
    assert.equal(err.name, 'MessageError');
    assert.equal(err.code, code, err.message);
    if (text) assert.match(err.message, text);
    return true;
  });

describe('building a message', () => {
  it('builds from a command and a record, a Map or pairs', () => {
    const a = message('FIRE', { name: 'Charles', length: -35 });
    const b = message('FIRE', new Map<string, string | number>([['length', -35], ['name', 'Charles']]));
    const c = message('FIRE', [['name', 'Charles'], ['length', '-35']]);
    const d = new Message({ command: 'FIRE', parameters: { length: '-35', name: 'Charles' } });
    const e = message({ command: 'FIRE', parameters: { name: 'Charles', length: -35 } });
    for (const m of [b, c, d, e]) {
      assert.deepEqual(m, a);
      assert.ok(m.equals(a));
    }
    assert.equal(a.command, 'FIRE');
    assert.deepEqual({ ...a.parameters }, { length: '-35', name: 'Charles' });
  });

  it('takes a route as the third argument', () => {
    const m = message('LOCK', { key: 'k' }, { service: 'lockd', server: 'srv1', sentFromServer: 'me', sentFromService: 'app' });
    assert.equal(serializeMessage(m), '<me:app srv1:lockd/LOCK key=k');
  });

  it('converts numbers, bigints and booleans by documented rules', () => {
    const m = message('X', {
      int: -35,
      negzero: -0,
      float: 1.5,
      tiny: 1e-7,
      huge: 1e21,
      unsafe: 2 ** 60,
      big: 2n ** 64n,
      yes: true,
      no: false,
      skipped: undefined,
    });
    assert.deepEqual(
      { ...m.parameters },
      {
        big: '18446744073709551616',
        float: '1.5',
        huge: '1000000000000000000000',
        int: '-35',
        negzero: '0',
        no: 'false',
        tiny: '1e-7',
        unsafe: '1152921504606846976',
        yes: 'true',
      },
    );
  });

  it('keeps the last value of a name given twice', () => {
    assert.equal(message('X', [['p', 1], ['p', 2]]).get('p'), '2');
  });

  it('refuses invalid names when the message is built', () => {
    fails(() => message('fire'), ErrorCode.MESSAGE_INVALID_NAME, /command "fire" must be made of A-Z, 0-9 and _ only/);
    fails(() => message(''), ErrorCode.MESSAGE_INVALID_NAME, /a command is required/);
    fails(() => message('FIRE NOW'), ErrorCode.MESSAGE_INVALID_NAME);
    fails(() => message(42 as unknown as string), ErrorCode.MESSAGE_INVALID_NAME, /got a number/);
    fails(() => message('X', { '1st': 'a' }), ErrorCode.MESSAGE_INVALID_NAME, /parameter name "1st" must not start with a digit/);
    fails(() => message('X', { 'user-name': 'a' }), ErrorCode.MESSAGE_INVALID_NAME, /parameter name "user-name"/);
    fails(() => message('X', { '': 'a' }), ErrorCode.MESSAGE_INVALID_NAME, /cannot be empty/);
    fails(() => message('X', {}, { service: 'my-svc' }), ErrorCode.MESSAGE_INVALID_NAME, /service name "my-svc"/);
    fails(() => message('X', {}, { service: 's', server: 'a.b' }), ErrorCode.MESSAGE_INVALID_NAME, /server name "a.b"/);
    fails(() => message('X', {}, { sentFromServer: 'a b' }), ErrorCode.MESSAGE_INVALID_NAME, /sent-from server name "a b"/);
    fails(() => message('X', {}, { server: 'srv' }), ErrorCode.MESSAGE_INVALID_NAME, /server "srv" is set without a service/);
  });

  it('accepts the special server and service names . * ?', () => {
    for (const name of ['.', '*', '?']) {
      assert.equal(message('X', {}, { service: name, server: name }).service, name);
    }
    fails(() => message('X', {}, { service: '**' }), ErrorCode.MESSAGE_INVALID_NAME);
  });

  it('refuses values that cannot be sent', () => {
    fails(() => message('X', { p: Number.NaN }), ErrorCode.MESSAGE_INVALID_VALUE, /parameter "p" is NaN: expected a finite number/);
    fails(() => message('X', { p: Infinity }), ErrorCode.MESSAGE_INVALID_VALUE);
    fails(() => message('X', { p: null as unknown as string }), ErrorCode.MESSAGE_INVALID_VALUE, /is null/);
    fails(() => message('X', { p: {} as unknown as string }), ErrorCode.MESSAGE_INVALID_VALUE, /is an object/);
    fails(() => message('X', { p: new Date() as unknown as string }), ErrorCode.MESSAGE_INVALID_VALUE);
    fails(() => message('X', { p: 'a\0b' }), ErrorCode.MESSAGE_INVALID_VALUE, /NUL/);
    fails(() => message('X', { p: 'a\uD800' }), ErrorCode.MESSAGE_INVALID_VALUE, /lone surrogate at index 1/);
    fails(() => message('X', { p: '\uDC00a' }), ErrorCode.MESSAGE_INVALID_VALUE, /lone surrogate at index 0/);
    fails(() => message('X', 'p=1' as unknown as Record<string, string>), ErrorCode.MESSAGE_INVALID_VALUE);
    assert.equal(message('X', { p: '\u{1d11e}' }).get('p'), '\u{1d11e}');
  });

  it('is immutable', () => {
    const m = message('X', { p: 1 });
    assert.ok(Object.isFrozen(m));
    assert.ok(Object.isFrozen(m.parameters));
    assert.throws(() => {
      (m as { command: string }).command = 'Y';
    }, TypeError);
    assert.throws(() => {
      (m.parameters as Record<string, string>)['p'] = '2';
    }, TypeError);
    assert.equal(String(m), 'X p=1');
  });

  it('holds any valid parameter name, __proto__ and constructor included', () => {
    const m = message('X', [['__proto__', 'a'], ['constructor', 'b'], ['toString', 'c']]);
    assert.deepEqual(Object.keys(m.parameters), ['__proto__', 'constructor', 'toString']);
    assert.equal(m.get('__proto__'), 'a');
    assert.equal(message('X').get('constructor'), undefined);
    assert.equal(message('X').has('toString'), false);
    assert.deepEqual(parseMessage(String(m)), m);
    assert.deepEqual(parseMessage(JSON.stringify(m)), m);
  });

  it('tells messages apart from other values', () => {
    assert.equal(isMessage(message('X')), true);
    assert.equal(isMessage({ command: 'X', parameters: {} }), false);
  });
});

describe('changing a message', () => {
  const base = message('FIRE', { a: 1, b: 2 });

  it('adds or replaces parameters with with()', () => {
    assert.equal(String(base.with({ b: 3, c: 'x' })), 'FIRE a=1;b=3;c=x');
    assert.equal(String(base.with('z', true)), 'FIRE a=1;b=2;z=true');
    assert.equal(String(base), 'FIRE a=1;b=2', 'the original is unchanged');
    fails(() => base.with('bad name', 1), ErrorCode.MESSAGE_INVALID_NAME);
    fails(() => base.with('p', undefined as unknown as string), ErrorCode.MESSAGE_INVALID_VALUE, /is undefined/);
  });

  it('removes parameters with without()', () => {
    assert.equal(String(base.without('a', 'nope')), 'FIRE b=2');
  });

  it('changes the command and the route', () => {
    assert.equal(String(base.withCommand('STOP')), 'STOP a=1;b=2');
    assert.equal(String(base.to('svc')), 'svc/FIRE a=1;b=2');
    assert.equal(String(base.to('svc', 'srv').to('')), 'FIRE a=1;b=2');
    assert.equal(String(base.sentFrom('srv', 'svc')), '<srv:svc FIRE a=1;b=2');
    fails(() => base.to('', 'srv'), ErrorCode.MESSAGE_INVALID_NAME, /without a service/);
  });

  it('replies to the sender', () => {
    const lock = parseMessage('<srv1:app lockd/LOCK key=website');
    const reply = lock.reply('LOCKED', { key: lock.getString('key') });
    assert.equal(String(reply), 'srv1:app/LOCKED key=website');
    assert.equal(reply.sentFromServer, '');
    // Only a sent-from server: the format cannot address a server alone.
    assert.equal(String(parseMessage('<srv1: LOCK').reply('LOCKED')), 'LOCKED');
    assert.equal(String(parseMessage('<:app LOCK').reply('LOCKED')), 'app/LOCKED');
    assert.equal(String(parseMessage('LOCK').reply('LOCKED')), 'LOCKED');
  });

  it('adds and checks the protocol version', () => {
    const m = message('REGISTER', { service: 'me' }).withVersion();
    assert.equal(String(m), 'REGISTER service=me;version=1');
    assert.equal(MESSAGE_VERSION, 1);
    assert.equal(m.checkVersion(), true);
    assert.equal(m.with('version', 2).checkVersion(), false);
    fails(() => message('REGISTER').checkVersion(), ErrorCode.MESSAGE_PARAMETER_MISSING);
    fails(() => m.with('version', 'one').checkVersion(), ErrorCode.MESSAGE_PARAMETER_INVALID);
  });
});

describe('reading parameters', () => {
  const m = message('X', {
    n: '-35',
    big: '9223372036854775807',
    flag: 'yes',
    when: '1715440881.543723981',
    at: '[::1]:4040',
    text: 'hello',
  });

  it('gets strings, checking the name', () => {
    assert.equal(m.get('text'), 'hello');
    assert.equal(m.get('nope'), undefined);
    assert.equal(m.has('text'), true);
    assert.equal(m.has('nope'), false);
    assert.equal(m.getString('text'), 'hello');
    fails(() => m.get('user-name'), ErrorCode.MESSAGE_INVALID_NAME);
    fails(() => m.has('1x'), ErrorCode.MESSAGE_INVALID_NAME);
  });

  it('gets typed values', () => {
    assert.equal(m.getInt('n'), -35);
    assert.equal(m.getInt('n', { min: -40, max: 0 }), -35);
    assert.equal(m.getBigInt('big'), 2n ** 63n - 1n);
    assert.equal(m.getBool('flag'), true);
    assert.deepEqual(m.getTimespec('when'), { seconds: 1715440881, nanoseconds: 543723981 });
    assert.deepEqual(m.getAddress('at'), { host: '::1', port: 4040, family: 6 });
  });

  it('says which parameter of which command is missing or invalid', () => {
    fails(() => m.getString('nope'), ErrorCode.MESSAGE_PARAMETER_MISSING, /^X has no parameter "nope"$/);
    fails(() => m.getInt('nope'), ErrorCode.MESSAGE_PARAMETER_MISSING);
    fails(() => m.getInt('text'), ErrorCode.MESSAGE_PARAMETER_INVALID, /^parameter "text" of X: "hello" is not an integer/);
    fails(() => m.getInt('n', { min: 0 }), ErrorCode.MESSAGE_PARAMETER_INVALID, /is not an integer from 0 to 9007199254740991/);
    fails(() => m.getInt('big'), ErrorCode.MESSAGE_PARAMETER_INVALID);
    fails(() => m.getBool('text'), ErrorCode.MESSAGE_PARAMETER_INVALID);
    fails(() => m.getTimespec('text'), ErrorCode.MESSAGE_PARAMETER_INVALID);
    fails(() => m.getAddress('text'), ErrorCode.MESSAGE_PARAMETER_INVALID);
    try {
      m.getInt('text');
    } catch (err) {
      assert.ok(err instanceof MessageError);
      assert.ok(err.cause instanceof MessageError);
      assert.deepEqual(err.details, { command: 'X', parameter: 'text' });
    }
  });
});

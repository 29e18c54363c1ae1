import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, ErrorCode } from '../../../src/core/index.js';
import { MessageParseError, message, parseMessage, serializeMessage, toJson, type Message } from '../../../src/core/message/index.js';

/** Asserts that `parseMessage(line)` throws a MessageParseError with this code (and column, and text). */
function parseFails(line: string, code: string, column?: number, text?: RegExp): MessageParseError {
  let caught: unknown;
  try {
    parseMessage(line);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MessageParseError, `${JSON.stringify(line)} should fail to parse, got ${String(caught)}`);
  assert.ok(caught instanceof CodecError);
  assert.equal(caught.code, code, `${JSON.stringify(line)}: ${caught.message}`);
  if (column !== undefined) {
    assert.equal(caught.column, column, `${JSON.stringify(line)}: ${caught.message}`);
    assert.match(caught.message, new RegExp(`^at column ${column}: `));
    assert.equal(caught.details?.['column'], column);
  }
  if (text) assert.match(caught.message, text);
  return caught;
}

const p = (value: string) => serializeMessage(message('X', { p: value }));

describe('named message line form: writing', () => {
  it('writes the issue examples byte for byte', () => {
    assert.equal(serializeMessage(message('FIRE', { name: 'Charles', length: -35 })), 'FIRE length=-35;name=Charles');
    assert.equal(p('a;b'), 'X p="a;b"');
    assert.equal(serializeMessage(message('UNKNOWN', { command: 'FOO' })), 'UNKNOWN command=FOO');
    assert.equal(serializeMessage(message('COMMANDS', { list: 'HELP,READY,STOP' })), 'COMMANDS list=HELP,READY,STOP');
  });

  it('writes a command alone without a trailing space', () => {
    assert.equal(serializeMessage(message('STOP')), 'STOP');
  });

  it('sorts parameters by name, bytewise (upper case before lower case, _ between)', () => {
    const m = message('X', { b: 1, a: 2, B: 3, _z: 4, a1: 5 });
    assert.equal(serializeMessage(m), 'X B=3;_z=4;a=2;a1=5;b=1');
    assert.deepEqual(Object.keys(m.parameters), ['B', '_z', 'a', 'a1', 'b']);
  });

  it('writes <sent-from-server:sent-from-service and server:service/ only when set', () => {
    const base = message('LOCKED', { key: 'k' });
    assert.equal(serializeMessage(base.to('lockd')), 'lockd/LOCKED key=k');
    assert.equal(serializeMessage(base.to('lockd', 'srv1')), 'srv1:lockd/LOCKED key=k');
    assert.equal(serializeMessage(base.sentFrom('srv2', 'snapcom')), '<srv2:snapcom LOCKED key=k');
    assert.equal(serializeMessage(base.sentFrom('srv2', '')), '<srv2: LOCKED key=k');
    assert.equal(serializeMessage(base.sentFrom('', 'snapcom')), '<:snapcom LOCKED key=k');
    assert.equal(serializeMessage(base.sentFrom('srv2', 'snapcom').to('lockd', 'srv1')), '<srv2:snapcom srv1:lockd/LOCKED key=k');
    assert.equal(serializeMessage(base.to('*', '.')), '.:*/LOCKED key=k');
    assert.equal(serializeMessage(base.to('?')), '?/LOCKED key=k');
  });

  it('escapes and quotes values as eventdispatcher does', () => {
    const table: [string, string][] = [
      ['', 'X p='],
      ['plain text, with = and : and /', 'X p=plain text, with = and : and /'],
      ['a\\b', 'X p=a\\\\b'], // backslash doubled
      ['ends in a backslash\\', 'X p=ends in a backslash\\\\'],
      ['line1\nline2', 'X p=line1\\nline2'],
      ['cr\r', 'X p=cr\\r'],
      ['crlf\r\n', 'X p=crlf\\r\\n'],
      ['a"b', 'X p=a"b'], // a quote inside an unquoted value stays as it is
      ['"starts with a quote', 'X p="\\"starts with a quote"'],
      ['a;b', 'X p="a;b"'],
      ['a;"b"', 'X p="a;\\"b\\""'],
      [';\\', 'X p=";\\\\"'], // quoted and ends in a backslash
      ['\\"', 'X p=\\\\"'],
      ['tab\tand\u00e9\u20ac\u{1d11e}', 'X p=tab\tand\u00e9\u20ac\u{1d11e}'],
      ['\\n is not a newline', 'X p=\\\\n is not a newline'],
    ];
    for (const [value, wire] of table) assert.equal(p(value), wire, JSON.stringify(value));
  });

  it('quotes the last value when it ends in a blank, which a reader would trim away', () => {
    assert.equal(p('end '), 'X p="end "');
    assert.equal(p('tab\t'), 'X p="tab\t"');
    // Not the last parameter: nothing is trimmed there, so it is written as eventdispatcher does.
    assert.equal(serializeMessage(message('X', { a: 'end ', b: 'x' })), 'X a=end ;b=x');
    assert.equal(parseMessage('X a=end ;b=x').get('a'), 'end ');
    assert.equal(parseMessage(p('end ')).get('p'), 'end ');
  });

  it('never writes a newline, and never ends a line with \\r', () => {
    const s = p('\n\r\n\r');
    assert.ok(!s.includes('\n') && !s.includes('\r'));
  });
});

describe('named message line form: reading', () => {
  it('reads the issue examples', () => {
    const fire = parseMessage('FIRE length=-35;name=Charles');
    assert.equal(fire.command, 'FIRE');
    assert.deepEqual({ ...fire.parameters }, { length: '-35', name: 'Charles' });
    assert.equal(fire.getInt('length'), -35);
    assert.equal(parseMessage('X p="a;b"').get('p'), 'a;b');
    assert.equal(parseMessage('UNKNOWN command=FOO').get('command'), 'FOO');
    assert.equal(parseMessage('COMMANDS list=HELP,READY,STOP').get('list'), 'HELP,READY,STOP');
  });

  it('reads the route', () => {
    const m = parseMessage('<srv2:snapcom srv1:lockd/LOCKED key=k');
    assert.equal(m.sentFromServer, 'srv2');
    assert.equal(m.sentFromService, 'snapcom');
    assert.equal(m.server, 'srv1');
    assert.equal(m.service, 'lockd');
    assert.equal(m.command, 'LOCKED');
    const bare = parseMessage('lockd/LOCKED');
    assert.equal(bare.server, '');
    assert.equal(bare.service, 'lockd');
    const broadcast = parseMessage('*:?/PING');
    assert.equal(broadcast.server, '*');
    assert.equal(broadcast.service, '?');
    const none = parseMessage('<: PING');
    assert.equal(none.sentFromServer, '');
    assert.equal(serializeMessage(none), 'PING');
  });

  it('trims blanks around the line, so \\r\\n works', () => {
    assert.equal(serializeMessage(parseMessage('FIRE a=1\r')), 'FIRE a=1');
    assert.equal(serializeMessage(parseMessage('  \tFIRE a=1 \r\n')), 'FIRE a=1');
    // A quoted value keeps its blanks.
    assert.equal(parseMessage('X p=" a "\r').get('p'), ' a ');
  });

  it('allows a trailing ";" and an empty value', () => {
    assert.deepEqual({ ...parseMessage('X a=1;').parameters }, { a: '1' });
    assert.deepEqual({ ...parseMessage('X a=;b=').parameters }, { a: '', b: '' });
    assert.deepEqual({ ...parseMessage('X a=""').parameters }, { a: '' });
    assert.deepEqual({ ...parseMessage('X a="";').parameters }, { a: '' });
  });

  it('keeps the last value of a repeated name', () => {
    assert.equal(parseMessage('X p=1;q=2;p=3').get('p'), '3');
    assert.equal(serializeMessage(parseMessage('X p=1;q=2;p=3')), 'X p=3;q=2');
  });

  it('decodes escapes in one left-to-right pass', () => {
    const table: [string, string][] = [
      ['X p=a\\\\b', 'a\\b'],
      ['X p=a\\\\', 'a\\'], // ends in a backslash
      ['X p="a\\\\"', 'a\\'], // quoted, ends in a backslash: the \\ pair is taken before the quote
      ['X p="a\\\\";q=1', 'a\\'],
      ['X p=\\\\n', '\\n'], // an escaped backslash, then a plain n
      ['X p=\\n\\r', '\n\r'],
      ['X p="\\"q\\""', '"q"'],
      ['X p="a;b\\";c"', 'a;b";c'],
      ['X p=a\\"b', 'a\\"b'], // \" means a quote only inside quotes, as in eventdispatcher
      ['X p=a\\tb', 'a\\tb'], // unknown escapes are kept
      ['X p=a\\', 'a\\'], // a lone backslash at the end
      ['X p=a"b', 'a"b'],
      ['X p=a=b', 'a=b'],
      ['X p=a b', 'a b'],
    ];
    for (const [line, value] of table) assert.equal(parseMessage(line).get('p'), value, line);
  });

  it('writes back what it reads in canonical form', () => {
    const table: [string, string][] = [
      ['X b=2;a=1;', 'X a=1;b=2'],
      ['X p="plain"', 'X p=plain'],
      ['X p=a\\tb', 'X p=a\\\\tb'],
      ['X p=a\\"b', 'X p=a\\\\"b'],
      ['<: X', 'X'],
      ['  X  ', 'X'],
    ];
    for (const [line, canonical] of table) assert.equal(serializeMessage(parseMessage(line)), canonical, line);
  });

  it('reports where and what is wrong', () => {
    parseFails('FIRE length', ErrorCode.MESSAGE_SYNTAX, 12, /expected '=' after parameter name "length", got the end of the line/);
    parseFails('FIRE length;x=1', ErrorCode.MESSAGE_SYNTAX, 12, /expected '=' after parameter name "length", got ';'/);
    parseFails('FIRE user-name=x', ErrorCode.MESSAGE_SYNTAX, 10, /expected '=' after parameter name "user", got '-'/);
    parseFails('FIRE  a=1', ErrorCode.MESSAGE_SYNTAX, 6, /expected a parameter name, got ' '/);
    parseFails('FIRE a=1;;b=2', ErrorCode.MESSAGE_SYNTAX, 10, /expected a parameter name, got ';'/);
    parseFails('FIRE =1', ErrorCode.MESSAGE_SYNTAX, 6, /expected a parameter name, got '='/);
    parseFails('FIRE 1a=2', ErrorCode.MESSAGE_INVALID_NAME, 6, /must not start with a digit/);
    parseFails('fire', ErrorCode.MESSAGE_INVALID_NAME, 1, /command "fire" must be made of A-Z, 0-9 and _ only/);
    parseFails('svc/Fire', ErrorCode.MESSAGE_INVALID_NAME, 5);
    parseFails('svc/', ErrorCode.MESSAGE_SYNTAX, 5, /expected a command, got the end of the line/);
    parseFails('svc/ A=1', ErrorCode.MESSAGE_SYNTAX, 5, /expected a command, got ' '/);
    parseFails(':svc/CMD', ErrorCode.MESSAGE_SYNTAX, 1, /expected a server name before ':'/);
    parseFails('srv:/CMD', ErrorCode.MESSAGE_SYNTAX, 5, /expected a service name before '\/'/);
    parseFails('a:b:c/CMD', ErrorCode.MESSAGE_SYNTAX, 4, /second ':'/);
    parseFails('a/b:CMD', ErrorCode.MESSAGE_SYNTAX, 4, /second ':'/);
    parseFails('a/b/CMD', ErrorCode.MESSAGE_SYNTAX, 4, /second '\/'/);
    parseFails('srv:CMD', ErrorCode.MESSAGE_INVALID_NAME, 1, /without a service/);
    parseFails('my-svc/CMD', ErrorCode.MESSAGE_INVALID_NAME, 1, /service name "my-svc"/);
    parseFails('<srv CMD', ErrorCode.MESSAGE_SYNTAX, 5, /expected ':' after the sent-from server name, got ' '/);
    parseFails('<srv:svc', ErrorCode.MESSAGE_SYNTAX, 9, /expected ' ' and a command/);
    parseFails('<s-rv:svc CMD', ErrorCode.MESSAGE_INVALID_NAME, 2, /sent-from server name "s-rv"/);
    parseFails('<srv:sv.c CMD', ErrorCode.MESSAGE_INVALID_NAME, 6, /sent-from service name "sv.c"/);
    parseFails('X p="abc', ErrorCode.MESSAGE_SYNTAX, 9, /expected '"' to close the value of "p" opened at column 5, got the end of the line/);
    parseFails('X p="abc\\"', ErrorCode.MESSAGE_SYNTAX, 11);
    parseFails('X p="a"b', ErrorCode.MESSAGE_SYNTAX, 8, /expected ';' or the end of the line after the closing '"' of "p", got 'b'/);
    parseFails('X p="a" ;q=1', ErrorCode.MESSAGE_SYNTAX, 8, /got ' '/);
    parseFails('X p=a\0b', ErrorCode.MESSAGE_SYNTAX, 6, /NUL/);
    parseFails('X p=a\uD800', ErrorCode.MESSAGE_SYNTAX, 6, /lone surrogate/);
  });

  it('accepts any other character in a value, control characters included', () => {
    assert.equal(parseMessage('X p=\u0001\u007f\u00a0').get('p'), '\u0001\u007f\u00a0');
  });

  it('counts columns in the line as given, leading blanks included', () => {
    parseFails('   FIRE length', ErrorCode.MESSAGE_SYNTAX, 15);
  });

  it('refuses an empty or blank line', () => {
    parseFails('', ErrorCode.MESSAGE_SYNTAX, 1, /empty line/);
    parseFails(' \t\r', ErrorCode.MESSAGE_SYNTAX, undefined, /empty line/);
  });

  it('refuses a line over maxLength, counted in UTF-8 bytes', () => {
    const line = `X p=${'\u20ac'.repeat(10)}`; // 4 + 10 * 3 = 34 bytes in 14 UTF-16 units
    assert.equal(parseMessage(line, { maxLength: 34 }).get('p'), '\u20ac'.repeat(10));
    assert.throws(
      () => parseMessage(line, { maxLength: 33 }),
      (err: unknown) =>
        err instanceof MessageParseError &&
        err.code === ErrorCode.MESSAGE_LINE_TOO_LONG &&
        err.column === undefined &&
        err.message === 'message is 34 bytes, expected no more than 33',
    );
  });

  it('limits lines to Limits.namedMessageMaxLine (64 KiB) by default', () => {
    const ok = `X p=${'a'.repeat(64 * 1024 - 4)}`;
    assert.equal(parseMessage(ok).get('p')!.length, 64 * 1024 - 4);
    assert.throws(() => parseMessage(`${ok}a`), { code: ErrorCode.MESSAGE_LINE_TOO_LONG });
  });
});

describe('named message JSON form', () => {
  it('writes the fields in eventdispatcher order, always as valid JSON', () => {
    const full = message('LOCKED', { key: 'k', n: 3 }, { sentFromServer: 'a', sentFromService: 'b', server: 'c', service: 'd' });
    const json = toJson(full);
    assert.equal(
      json,
      '{"sent-from-server":"a","sent-from-service":"b","server":"c","service":"d","command":"LOCKED","parameters":{"key":"k","n":3}}',
    );
    assert.deepEqual(JSON.parse(json), {
      'sent-from-server': 'a',
      'sent-from-service': 'b',
      server: 'c',
      service: 'd',
      command: 'LOCKED',
      parameters: { key: 'k', n: 3 },
    });
    assert.equal(toJson(message('STOP')), '{"command":"STOP"}');
    assert.equal(toJson(message('STOP').to('lockd')), '{"service":"lockd","command":"STOP"}');
    assert.equal(toJson(message('FIRE', { name: 'Charles', length: -35 })), '{"command":"FIRE","parameters":{"length":-35,"name":"Charles"}}');
  });

  it('is what JSON.stringify(msg) gives', () => {
    const m = message('X', { a: 'x', t: true }, { service: 's' });
    assert.equal(JSON.stringify(m), toJson(m));
  });

  it('writes booleans and plain integers as JSON values, everything else as strings', () => {
    const m = message('X', {
      t: 'true',
      f: false,
      i: -35,
      zero: 0,
      big: '9007199254740991',
      bigger: '9007199254740992',
      negzero: '-0',
      plus: '+5',
      lead: '007',
      dec: '1.50',
      exp: '1e3',
      word: 'True',
    });
    assert.deepEqual(JSON.parse(toJson(m)).parameters, {
      t: true,
      f: false,
      i: -35,
      zero: 0,
      big: 9007199254740991,
      bigger: '9007199254740992',
      negzero: '-0',
      plus: '+5',
      lead: '007',
      dec: '1.50',
      exp: '1e3',
      word: 'True',
    });
    assert.ok(parseMessage(toJson(m)).equals(m));
  });

  it('round-trips values that need quoting, escaping or end in a backslash', () => {
    for (const value of ['a;b', '"q', 'ends\\', ';\\', '\\"', 'line\nbreak\r', 'tab\t', 'u\u2028\u{1d11e}', '{"json":1}', '', ' ']) {
      const m = message('X', { p: value });
      const json = toJson(m);
      assert.equal(JSON.parse(json).parameters.p, value, JSON.stringify(value));
      assert.ok(!json.includes('\n') && !json.includes('\r'));
      assert.deepEqual(parseMessage(json), m, JSON.stringify(value));
    }
  });

  it('reads a line starting with "{" as JSON, with blanks around and between tokens', () => {
    const m = parseMessage(' { "command" : "FIRE" , "parameters" : { "name" : "Charles" , "length" : -35 } }\r');
    assert.equal(serializeMessage(m), 'FIRE length=-35;name=Charles');
  });

  it('reads numbers as written, true/false as words and null as an empty value', () => {
    const m = parseMessage('{"command":"X","parameters":{"a":1.50,"b":-0,"c":1E+3,"d":true,"e":false,"f":null,"g":12345678901234567890}}');
    assert.deepEqual({ ...m.parameters }, { a: '1.50', b: '-0', c: '1E+3', d: 'true', e: 'false', f: '', g: '12345678901234567890' });
  });

  it('decodes JSON escapes once (eventdispatcher decodes them twice, and would read "\\\\n" as a newline)', () => {
    assert.equal(parseMessage('{"command":"X","parameters":{"p":"a\\\\nb\\u00e9\\/\\t\\"\\ud834\\udd1e"}}').get('p'), 'a\\nb\u00e9/\t"\u{1d11e}');
  });

  it('accepts raw control characters in strings, as eventdispatcher writes them', () => {
    assert.equal(parseMessage('{"command":"X","parameters":{"p":"a\tb\u0001"}}').get('p'), 'a\tb\u0001');
  });

  it('skips unknown fields whatever their value, and keeps the last of a repeated field', () => {
    const m = parseMessage('{"version":2,"extra":{"a":[1,{"b":null}],"c":"d"},"command":"A","command":"B","parameters":{"p":"1"},"parameters":{"p":"2","q":"3"}}');
    assert.equal(m.command, 'B');
    assert.deepEqual({ ...m.parameters }, { p: '2', q: '3' });
  });

  it("reads eventdispatcher's own broken JSON for a message with a service", () => {
    // message::to_json() forgets the comma after "service" and closes the service with the quote of "command".
    const m = parseMessage('{"sent-from-server":"a","server":"c","service":"d"command":"LOCK","parameters":{"key":"k"}}');
    assert.equal(m.service, 'd');
    assert.equal(m.server, 'c');
    assert.equal(m.command, 'LOCK');
    assert.equal(m.get('key'), 'k');
  });

  it('reports where the JSON form is wrong', () => {
    parseFails('{', ErrorCode.MESSAGE_SYNTAX, 2, /expected a field name in double quotes, got the end of the line/);
    parseFails('{}', ErrorCode.MESSAGE_SYNTAX, undefined, /expected a "command" field/);
    parseFails('{"command":1}', ErrorCode.MESSAGE_SYNTAX, 12, /expected a string for "command", got '1'/);
    parseFails('{"command":"X",}', ErrorCode.MESSAGE_SYNTAX, 16, /expected a field name in double quotes, got '}'/);
    parseFails('{"command":"X"} x', ErrorCode.MESSAGE_SYNTAX, 17, /expected the end of the line after the closing '}'/);
    parseFails('{"command":"X" "service":"s"}', ErrorCode.MESSAGE_SYNTAX, 16, /expected '}' or ',' after the value of "command"/);
    parseFails('{"command" "X"}', ErrorCode.MESSAGE_SYNTAX, 12, /expected ':' after the field name "command"/);
    parseFails('{"command":"X","parameters":[]}', ErrorCode.MESSAGE_SYNTAX, 29, /expected an object for "parameters"/);
    parseFails('{"command":"X","parameters":{"a":[1]}}', ErrorCode.MESSAGE_SYNTAX, 34, /got an array/);
    parseFails('{"command":"X","parameters":{"a":{}}}', ErrorCode.MESSAGE_SYNTAX, 34, /got an object/);
    parseFails('{"command":"X","parameters":{"a":tru}}', ErrorCode.MESSAGE_SYNTAX, 34);
    parseFails('{"command":"X","parameters":{"a":01}}', ErrorCode.MESSAGE_SYNTAX, 35);
    parseFails('{"command":"X","parameters":{"a":"\\q"}}', ErrorCode.MESSAGE_SYNTAX, 35, /got \\q/);
    parseFails('{"command":"X","parameters":{"a":"\\u12"}}', ErrorCode.MESSAGE_SYNTAX, 35, /4 hex digits/);
    parseFails('{"command":"X","parameters":{"a":"\\ud800"}}', ErrorCode.MESSAGE_SYNTAX, 34, /lone surrogate/);
    parseFails('{"command":"X","parameters":{"a":"\\u0000"}}', ErrorCode.MESSAGE_SYNTAX, 34, /NUL/);
    parseFails('{"command":"X","parameters":{"a":"b}}', ErrorCode.MESSAGE_SYNTAX, undefined, /expected '"' to close the string opened at column 34/);
    parseFails('{"command":"X","parameters":{"1a":"x"}}', ErrorCode.MESSAGE_INVALID_NAME, 30, /must not start with a digit/);
    parseFails('{"command":"x"}', ErrorCode.MESSAGE_INVALID_NAME, 12, /command "x"/);
    parseFails('{"command":""}', ErrorCode.MESSAGE_INVALID_NAME, 12, /cannot be empty/);
    parseFails('{"server":"a","command":"X"}', ErrorCode.MESSAGE_INVALID_NAME, 11, /without a "service"/);
    parseFails('{"service":"a-b","command":"X"}', ErrorCode.MESSAGE_INVALID_NAME, 12, /service name "a-b"/);
    parseFails(`{"command":"X","x":${'['.repeat(40)}${']'.repeat(40)}}`, ErrorCode.MESSAGE_SYNTAX, undefined, /nested at most 32 deep/);
  });
});

describe('named message types', () => {
  it('narrows on the command with a switch or msg.is()', () => {
    type Incoming = Message<'HI'> | Message<'BYE'>;
    const seen: string[] = [];
    const handle = (msg: Incoming): void => {
      switch (msg.command) {
        case 'HI':
          seen.push(`hi ${msg.get('name') ?? ''}`);
          break;
        case 'BYE':
          seen.push('bye');
          break;
        default: {
          const never: never = msg;
          void never;
        }
      }
    };
    handle(message('HI', { name: 'mom' }));
    handle(message('BYE'));
    const received: Message = parseMessage('CLIMB');
    if (received.is('CLIMB', 'TOP')) {
      const c: 'CLIMB' | 'TOP' = received.command;
      seen.push(c);
    }
    assert.deepEqual(seen, ['hi mom', 'bye', 'CLIMB']);
  });
});

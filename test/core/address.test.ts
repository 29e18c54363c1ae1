import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, Scheme, formatAddress, hostPort, parseAddress, parseDatagramAddress, type Address } from '../../src/core/index.js';

describe('parseAddress', () => {
  it('parses tcp and tls host:port addresses', () => {
    assert.deepEqual(parseAddress('tcp://127.0.0.1:4000'), { scheme: 'tcp', host: '127.0.0.1', port: 4000 });
    assert.deepEqual(parseAddress('tls://example.com:443'), { scheme: 'tls', host: 'example.com', port: 443 });
    assert.deepEqual(parseAddress('tcp://localhost:65535'), { scheme: 'tcp', host: 'localhost', port: 65535 });
    assert.deepEqual(parseAddress('tcp://a-b.c_d:1'), { scheme: 'tcp', host: 'a-b.c_d', port: 1 });
  });

  it('parses port 80, which the URL parser treats as a default port', () => {
    assert.deepEqual(parseAddress('tcp://example.com:80'), { scheme: 'tcp', host: 'example.com', port: 80 });
    assert.deepEqual(parseAddress('tls://[::1]:80'), { scheme: 'tls', host: '::1', port: 80 });
  });

  it('parses port 0, which asks the system for a free port', () => {
    assert.deepEqual(parseAddress('tcp://0.0.0.0:0'), { scheme: 'tcp', host: '0.0.0.0', port: 0 });
    assert.deepEqual(parseAddress('tcp://[::]:0'), { scheme: 'tcp', host: '::', port: 0 });
  });

  it('parses IPv6 hosts in brackets and returns them without brackets', () => {
    assert.deepEqual(parseAddress('tcp://[::1]:4000'), { scheme: 'tcp', host: '::1', port: 4000 });
    assert.deepEqual(parseAddress('tls://[2001:db8::7]:8443'), { scheme: 'tls', host: '2001:db8::7', port: 8443 });
  });

  it('reads the scheme case-insensitively and lower-cases host names', () => {
    assert.deepEqual(parseAddress('TCP://LocalHost:4000'), { scheme: 'tcp', host: 'localhost', port: 4000 });
  });

  it('accepts one trailing slash after the port', () => {
    assert.deepEqual(parseAddress('tcp://localhost:4000/'), { scheme: 'tcp', host: 'localhost', port: 4000 });
    assert.deepEqual(parseAddress('tcp://localhost:80/'), { scheme: 'tcp', host: 'localhost', port: 80 });
  });

  it('parses unix socket paths', () => {
    assert.deepEqual(parseAddress('unix:///tmp/app.sock'), { scheme: 'unix', path: '/tmp/app.sock' });
    assert.deepEqual(parseAddress('unix:///var/run/my%20app.sock'), { scheme: 'unix', path: '/var/run/my app.sock' });
    assert.deepEqual(parseAddress('UNIX:///x'), { scheme: 'unix', path: '/x' });
  });

  const bad: [string, string][] = [
    ['no scheme', '127.0.0.1:4000'],
    ['no slashes', 'tcp:127.0.0.1:4000'],
    ['an empty string', ''],
    ['an unknown scheme', 'udp://127.0.0.1:4000'],
    ['an http URL', 'http://example.com:80'],
    ['no port', 'tcp://localhost'],
    ['an empty port', 'tcp://localhost:'],
    ['a port above 65535', 'tcp://localhost:65536'],
    ['a negative port', 'tcp://localhost:-1'],
    ['a non-numeric port', 'tcp://localhost:http'],
    ['no host', 'tcp://:4000'],
    ['nothing after the scheme', 'tcp://'],
    ['a path', 'tcp://localhost:4000/path'],
    ['a query', 'tcp://localhost:4000?x=1'],
    ['an empty query', 'tcp://localhost:4000?'],
    ['a fragment', 'tcp://localhost:4000#frag'],
    ['an empty fragment', 'tcp://localhost:4000#'],
    ['a user', 'tcp://user@localhost:4000'],
    ['a password only', 'tcp://:secret@localhost:4000'],
    ['a user and password', 'tcp://user:secret@localhost:4000'],
    ['a space in the host', 'tcp://local host:4000'],
    ['a tab in the host', 'tcp://local\thost:4000'],
    ['a newline', 'tcp://localhost:4000\n'],
    ['a trailing space', 'tcp://localhost:4000 '],
    ['a backslash', 'tcp://localhost\\:4000'],
    ['an IPv6 host without brackets', 'tcp://::1:4000'],
    ['an unclosed IPv6 bracket', 'tcp://[::1:4000'],
    ['an invalid IPv6 address', 'tcp://[::g]:4000'],
    ['two ports', 'tcp://localhost:1:2'],
    ['a relative unix path', 'unix://relative/path.sock'],
    ['an empty unix path', 'unix://'],
    ['a unix path of only "/"', 'unix:///'],
    ['a malformed %-escape in a unix path', 'unix:///tmp/%zz.sock'],
    ['a truncated %-escape in a unix path', 'unix:///tmp/app%2'],
  ];
  for (const [what, url] of bad) {
    it(`fails with INVALID_ADDRESS on ${what}`, () => {
      assert.throws(
        () => parseAddress(url),
        (err: unknown) => {
          assert.equal((err as { name?: unknown }).name, 'ConfigError');
          assert.equal((err as { code?: unknown }).code, ErrorCode.INVALID_ADDRESS);
          assert.ok((err as Error).message.includes(url), 'the message shows the address');
          return true;
        },
      );
    });
  }
});

describe('unknown scheme messages', () => {
  it('name every scheme the library reads, streams and datagrams', () => {
    for (const parse of [parseAddress, parseDatagramAddress]) {
      assert.throws(() => parse('http://example.com:80'), {
        code: ErrorCode.INVALID_ADDRESS,
        message: 'invalid address "http://example.com:80": unknown scheme "http", expected tcp, tls, unix, ws, wss, udp or unixgram',
      });
    }
  });

  it('say where a WebSocket URL goes instead of calling ws unknown', () => {
    assert.throws(() => parseAddress('ws://127.0.0.1:80/x'), { code: ErrorCode.INVALID_ADDRESS, message: /"ws" is a WebSocket scheme: pass the URL to connect\(\) or listen\(\)/ });
    assert.throws(() => parseDatagramAddress('wss://127.0.0.1:80/x'), { code: ErrorCode.INVALID_ADDRESS, message: /"wss" is a WebSocket scheme/ });
  });
});

describe('formatAddress and hostPort', () => {
  it('formats host:port and brackets IPv6 hosts', () => {
    assert.equal(hostPort('127.0.0.1', 8080), '127.0.0.1:8080');
    assert.equal(hostPort('::1', 8080), '[::1]:8080');
    assert.equal(hostPort('example.com', 0), 'example.com:0');
    assert.equal(hostPort('::1', undefined), '[::1]');
    assert.equal(hostPort('localhost', undefined), 'localhost');
  });

  it('formats every scheme', () => {
    assert.equal(formatAddress({ scheme: 'tcp', host: '127.0.0.1', port: 4000 }), 'tcp://127.0.0.1:4000');
    assert.equal(formatAddress({ scheme: 'tls', host: '::1', port: 443 }), 'tls://[::1]:443');
    assert.equal(formatAddress({ scheme: 'unix', path: '/tmp/app.sock' }), 'unix:///tmp/app.sock');
  });

  it('parses back what it formats', () => {
    const addresses: Address[] = [
      { scheme: 'tcp', host: '127.0.0.1', port: 4000 },
      { scheme: 'tcp', host: 'localhost', port: 80 },
      { scheme: 'tcp', host: '0.0.0.0', port: 0 },
      { scheme: 'tls', host: 'example.com', port: 443 },
      { scheme: 'tls', host: '2001:db8::7', port: 65535 },
      { scheme: 'unix', path: '/tmp/app.sock' },
      { scheme: 'unix', path: '/tmp/with space.sock' },
      { scheme: 'unix', path: '/tmp/100%.sock' },
      { scheme: 'unix', path: '/tmp/a%20b.sock' },
    ];
    for (const a of addresses) assert.deepEqual(parseAddress(formatAddress(a)), a, formatAddress(a));
  });

  it('lists the schemes it understands', () => {
    assert.deepEqual(Object.values(Scheme).sort(), ['tcp', 'tls', 'unix']);
  });
});

describe('parseDatagramAddress', () => {
  it('refuses a unixgram path holding NUL (%00), which the system would cut there', () => {
    assert.deepEqual(parseDatagramAddress('unixgram:///tmp/a.sock'), { scheme: 'unixgram', path: '/tmp/a.sock' });
    assert.throws(() => parseDatagramAddress('unixgram:///tmp/a%00b.sock'), { code: ErrorCode.INVALID_ADDRESS });
  });
});

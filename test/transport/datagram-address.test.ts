import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/core/index.js';
import { DatagramScheme, formatAddress, parseAddress, parseDatagramAddress, type DatagramAddress } from '../../src/core/address.js';

describe('parseDatagramAddress', () => {
  it('parses udp host:port, IPv6 in brackets, names and port 0', () => {
    assert.deepEqual(parseDatagramAddress('udp://127.0.0.1:4041'), { scheme: 'udp', host: '127.0.0.1', port: 4041 });
    assert.deepEqual(parseDatagramAddress('udp://[::1]:4041'), { scheme: 'udp', host: '::1', port: 4041 });
    assert.deepEqual(parseDatagramAddress('udp://[::]:0'), { scheme: 'udp', host: '::', port: 0 });
    assert.deepEqual(parseDatagramAddress('UDP://LocalHost:80'), { scheme: 'udp', host: 'localhost', port: 80 });
  });

  it('parses unixgram absolute paths with %-escapes', () => {
    assert.deepEqual(parseDatagramAddress('unixgram:///run/logrotate.sock'), { scheme: 'unixgram', path: '/run/logrotate.sock' });
    assert.deepEqual(parseDatagramAddress('unixgram:///tmp/my%20app.sock'), { scheme: 'unixgram', path: '/tmp/my app.sock' });
  });

  it('parses back what formatAddress writes', () => {
    const all: DatagramAddress[] = [
      { scheme: 'udp', host: '127.0.0.1', port: 4041 },
      { scheme: 'udp', host: '2001:db8::7', port: 65535 },
      { scheme: 'unixgram', path: '/tmp/100%.sock' },
      { scheme: 'unixgram', path: '/tmp/with space.sock' },
    ];
    for (const a of all) assert.deepEqual(parseDatagramAddress(formatAddress(a)), a, formatAddress(a));
    assert.equal(formatAddress({ scheme: 'udp', host: '::1', port: 9 }), 'udp://[::1]:9');
  });

  it('lists the datagram schemes', () => {
    assert.deepEqual(Object.values(DatagramScheme).sort(), ['udp', 'unixgram']);
  });

  const bad: [string, string][] = [
    ['a stream scheme', 'tcp://127.0.0.1:4000'],
    ['a unix stream path', 'unix:///tmp/x.sock'],
    ['an unknown scheme', 'sctp://127.0.0.1:4000'],
    ['no port', 'udp://127.0.0.1'],
    ['a port above 65535', 'udp://127.0.0.1:65536'],
    ['an IPv6 host without brackets', 'udp://::1:4000'],
    ['a path after the port', 'udp://127.0.0.1:4000/x'],
    ['a relative unixgram path', 'unixgram://relative.sock'],
    ['a unixgram path of only "/"', 'unixgram:///'],
    ['a malformed %-escape', 'unixgram:///tmp/%zz'],
    ['NUL in a unixgram path', 'unixgram:///tmp/a%00b'],
  ];
  for (const [what, url] of bad) {
    it(`fails with INVALID_ADDRESS on ${what}`, () => {
      assert.throws(
        () => parseDatagramAddress(url),
        (err: unknown) => {
          assert.equal((err as { code?: unknown }).code, ErrorCode.INVALID_ADDRESS);
          assert.ok((err as Error).message.includes(url));
          return true;
        },
      );
    });
  }

  it('points a datagram URL given to parseAddress (connect/listen) to the datagram API', () => {
    for (const url of ['udp://127.0.0.1:4000', 'unixgram:///tmp/x.sock']) {
      assert.throws(() => parseAddress(url), (err: Error & { code?: string }) => {
        assert.equal(err.code, ErrorCode.INVALID_ADDRESS);
        assert.match(err.message, /datagram scheme: use bindDatagram\(\) or datagramClient\(\)/);
        return true;
      });
    }
    assert.throws(() => parseDatagramAddress('tcp://127.0.0.1:1'), /stream scheme: use connect\(\) or listen\(\)/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/core/index.js';
import {
  FALSE_WORDS,
  MessageError,
  TRUE_WORDS,
  formatBoolean,
  formatInteger,
  formatParamAddress,
  formatTimespec,
  isIPv4,
  isIPv6,
  parseBigInteger,
  parseBoolean,
  parseInteger,
  parseParamAddress,
  parseTimespec,
  timespecFromMs,
  timespecToMs,
} from '../../../src/core/message/index.js';

const invalid = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof MessageError && e.code === ErrorCode.MESSAGE_PARAMETER_INVALID);
const badValue = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof MessageError && e.code === ErrorCode.MESSAGE_INVALID_VALUE);

describe('integer parameters', () => {
  it('reads an optional sign and decimal digits', () => {
    assert.equal(parseInteger('-35'), -35);
    assert.equal(parseInteger('+7'), 7);
    assert.equal(parseInteger('007'), 7);
    assert.equal(Object.is(parseInteger('-0'), 0), true);
    assert.equal(parseInteger('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.equal(parseInteger('-9007199254740991'), Number.MIN_SAFE_INTEGER);
  });

  it('refuses anything else, and numbers beyond the safe integers', () => {
    for (const t of ['', ' 1', '1 ', '1.0', '0x10', '1e3', '--1', '+', '١', 'Infinity', '9007199254740992', '99999999999999999999']) invalid(() => parseInteger(t));
  });

  it('checks the range, both ends included', () => {
    assert.equal(parseInteger('10', { min: 0, max: 10 }), 10);
    assert.equal(parseInteger('0', { min: 0, max: 10 }), 0);
    invalid(() => parseInteger('11', { min: 0, max: 10 }));
    invalid(() => parseInteger('-1', { min: 0 }));
    assert.throws(() => parseInteger('11', { max: 10 }), /"11" is not an integer from -9007199254740991 to 10/);
  });

  it('reads 64-bit values as bigints', () => {
    assert.equal(parseBigInteger('9223372036854775807'), 2n ** 63n - 1n);
    assert.equal(parseBigInteger('-9223372036854775808'), -(2n ** 63n));
    invalid(() => parseBigInteger('9223372036854775808'));
    assert.equal(parseBigInteger('18446744073709551615', { min: 0n, max: 2n ** 64n - 1n }), 2n ** 64n - 1n);
    invalid(() => parseBigInteger('1.5'));
  });

  it('writes integers in decimal', () => {
    assert.equal(formatInteger(-35), '-35');
    assert.equal(formatInteger(-0), '0');
    assert.equal(formatInteger(1e21), '1000000000000000000000');
    assert.equal(formatInteger(5n), '5');
    badValue(() => formatInteger(1.5));
    badValue(() => formatInteger(Number.NaN));
  });
});

describe('boolean parameters', () => {
  it('reads exactly true/1/yes/on and false/0/no/off', () => {
    assert.deepEqual(TRUE_WORDS, ['true', '1', 'yes', 'on']);
    assert.deepEqual(FALSE_WORDS, ['false', '0', 'no', 'off']);
    for (const w of TRUE_WORDS) assert.equal(parseBoolean(w), true);
    for (const w of FALSE_WORDS) assert.equal(parseBoolean(w), false);
    for (const w of ['', 'True', 'TRUE', 'y', 'n', ' true', '2', 'enabled']) invalid(() => parseBoolean(w));
  });

  it('writes true and false', () => {
    assert.equal(formatBoolean(true), 'true');
    assert.equal(formatBoolean(false), 'false');
  });
});

describe('timespec parameters', () => {
  it('reads seconds.nanoseconds as eventdispatcher writes them', () => {
    assert.deepEqual(parseTimespec('1715440881.543723981'), { seconds: 1715440881, nanoseconds: 543723981 });
    assert.deepEqual(parseTimespec('0.000000001'), { seconds: 0, nanoseconds: 1 });
    assert.deepEqual(parseTimespec('5'), { seconds: 5, nanoseconds: 0 });
    assert.deepEqual(parseTimespec('1.5'), { seconds: 1, nanoseconds: 500000000 });
    assert.deepEqual(parseTimespec('-1.750000000'), { seconds: -1, nanoseconds: 750000000 });
    assert.deepEqual(parseTimespec('-2'), { seconds: -2, nanoseconds: 0 });
  });

  it('refuses other forms, and an ambiguous -0', () => {
    for (const t of ['', '1.', '.5', '1.1234567890', '+1.5', '1,5', ' 1.5', '1.5 ', '1e3', '-0.5', '-0', '-00.1', 'now']) invalid(() => parseTimespec(t));
    invalid(() => parseTimespec('99999999999999999.0'));
  });

  it('writes 9 nanosecond digits', () => {
    assert.equal(formatTimespec({ seconds: 1715440881, nanoseconds: 543723981 }), '1715440881.543723981');
    assert.equal(formatTimespec({ seconds: 0, nanoseconds: 5 }), '0.000000005');
    assert.equal(formatTimespec({ seconds: -1, nanoseconds: 750000000 }), '-1.750000000');
    assert.equal(formatTimespec({ seconds: -0, nanoseconds: 0 }), '0.000000000');
    badValue(() => formatTimespec({ seconds: 1, nanoseconds: 1e9 }));
    badValue(() => formatTimespec({ seconds: 1, nanoseconds: -1 }));
    badValue(() => formatTimespec({ seconds: 1.5, nanoseconds: 0 }));
  });

  it('converts to and from milliseconds, negative times included', () => {
    assert.deepEqual(timespecFromMs(1500), { seconds: 1, nanoseconds: 500000000 });
    assert.deepEqual(timespecFromMs(-250), { seconds: -1, nanoseconds: 750000000 });
    assert.deepEqual(timespecFromMs(0.000001), { seconds: 0, nanoseconds: 1 });
    assert.equal(timespecToMs({ seconds: -1, nanoseconds: 750000000 }), -250);
    assert.equal(timespecToMs(parseTimespec(formatTimespec(timespecFromMs(1715440881543)))), 1715440881543);
    badValue(() => timespecFromMs(Number.NaN));
  });
});

describe('address parameters', () => {
  it('reads ipv4:port and [ipv6]:port', () => {
    assert.deepEqual(parseParamAddress('10.0.0.1:4040'), { host: '10.0.0.1', port: 4040, family: 4 });
    assert.deepEqual(parseParamAddress('[::1]:80'), { host: '::1', port: 80, family: 6 });
    assert.deepEqual(parseParamAddress('[::ffff:1.2.3.4]:0'), { host: '::ffff:1.2.3.4', port: 0, family: 6 });
    assert.deepEqual(parseParamAddress('[2001:DB8::1]:65535'), { host: '2001:DB8::1', port: 65535, family: 6 });
  });

  it('uses defaultPort when the port is left out', () => {
    assert.deepEqual(parseParamAddress('10.0.0.1', { defaultPort: 4040 }), { host: '10.0.0.1', port: 4040, family: 4 });
    assert.deepEqual(parseParamAddress('[::1]', { defaultPort: 4040 }), { host: '::1', port: 4040, family: 6 });
    invalid(() => parseParamAddress('10.0.0.1'));
  });

  it('refuses host names, bad IPs and bad ports', () => {
    for (const t of ['localhost:80', '256.0.0.1:1', '01.2.3.4:1', '1.2.3:1', '1.2.3.4:', '1.2.3.4:65536', '1.2.3.4:-1', '1.2.3.4:+1',
      '[::1:80', '[::1]80', '[1.2.3.4]:80', '[::g]:1', '::1:80', '[]:1', ' 1.2.3.4:1', '1.2.3.4:1 ', '[fe80::1%eth0]:1']) {
      invalid(() => parseParamAddress(t, { defaultPort: 1 }));
    }
    assert.throws(() => parseParamAddress('::1:80'), /write an IPv6 address in brackets/);
  });

  it('writes brackets around IPv6', () => {
    assert.equal(formatParamAddress({ host: '10.0.0.1', port: 4040 }), '10.0.0.1:4040');
    assert.equal(formatParamAddress({ host: '::1', port: 80 }), '[::1]:80');
    assert.equal(formatParamAddress({ host: '[::1]', port: 80 }), '[::1]:80');
    badValue(() => formatParamAddress({ host: 'localhost', port: 80 }));
    badValue(() => formatParamAddress({ host: '::1', port: 65536 }));
    const a = parseParamAddress('[fd00::2]:9');
    assert.deepEqual(parseParamAddress(formatParamAddress(a)), a);
  });

  it('knows the IPv6 text forms of RFC 4291', () => {
    for (const ok of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::8', 'ffff::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4']) {
      assert.equal(isIPv6(ok), true, ok);
    }
    for (const bad of ['', ':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '12345::', 'g::', '1:2:3:4:5:6:7:1.2.3.4', '1.2.3.4', '::1.2.3', '1.2.3.4::']) {
      assert.equal(isIPv6(bad), false, bad);
    }
    assert.equal(isIPv4('255.255.255.255'), true);
    assert.equal(isIPv4('0.0.0.0'), true);
    assert.equal(isIPv4('1.2.3.04'), false);
  });
});

/**
 * Typed parameter values of the eventdispatcher message format. On the wire every parameter is
 * a string; these helpers read and write the few typed forms the daemons use:
 *
 *     integer     -35  0  +7  9007199254740991      optional sign, decimal digits
 *     boolean     true  false  (also read: 1 0 yes no on off)
 *     timespec    1715440881.543723981              seconds '.' 9-digit nanoseconds
 *     address     192.168.1.5:4040  [::1]:4040      IPv4 ':' port, '[' IPv6 ']' ':' port
 *
 * Parsing functions throw `MESSAGE_PARAMETER_INVALID` for text that is not of the type;
 * formatting functions throw `MESSAGE_INVALID_VALUE` for a value that has no wire form.
 */
import { ErrorCode } from '../errors.js';
import { MessageError } from './errors.js';
import { show } from './names.js';
const invalid = (text, expected) => new MessageError(ErrorCode.MESSAGE_PARAMETER_INVALID, `${show(text)} is not ${expected}`);
const badValue = (why) => new MessageError(ErrorCode.MESSAGE_INVALID_VALUE, why);
const INTEGER = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/**
 * Reads an integer: an optional `+` or `-` and ASCII decimal digits, nothing else (no blanks,
 * no `0x`, no exponent). The result must be within `range` (both ends included), which is never
 * wider than the safe integers (+/-(2^53 - 1)); use {@link parseBigInteger} for 64-bit values.
 */
export function parseInteger(text, range = {}) {
    const min = Math.max(range.min ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
    const max = Math.min(range.max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (!INTEGER.test(text))
        throw invalid(text, 'an integer: expected an optional sign and decimal digits');
    const n = Number(text);
    // Digits beyond +/-(2^53 - 1) round to a double of at least 2^53, which is not a safe integer:
    // so a safe result is exact, and the comparisons below are too.
    if (!Number.isSafeInteger(n) || !(n >= min && n <= max))
        throw invalid(text, `an integer from ${min} to ${max}`);
    return n === 0 ? 0 : n; // no -0
}
/** Reads an integer like {@link parseInteger}, as a bigint, within `range` (int64 by default). */
export function parseBigInteger(text, range = {}) {
    const min = range.min ?? INT64_MIN;
    const max = range.max ?? INT64_MAX;
    if (!INTEGER.test(text))
        throw invalid(text, 'an integer: expected an optional sign and decimal digits');
    const n = BigInt(text);
    if (n < min || n > max)
        throw invalid(text, `an integer from ${min} to ${max}`);
    return n;
}
/** Writes an integer in decimal (`-35`). A number must be an integer; `-0` is written `0`. */
export function formatInteger(n) {
    if (typeof n === 'bigint')
        return n.toString();
    if (!Number.isInteger(n))
        throw badValue(`${n} is not an integer`);
    return Number.isSafeInteger(n) ? String(n === 0 ? 0 : n) : BigInt(n).toString();
}
// ---------------------------------------------------------------------------------------------
// Booleans
/** The words read as `true`. Case matters: `True` is not a boolean. */
export const TRUE_WORDS = Object.freeze(['true', '1', 'yes', 'on']);
/** The words read as `false`. */
export const FALSE_WORDS = Object.freeze(['false', '0', 'no', 'off']);
/**
 * Reads a boolean: exactly one of `true 1 yes on` or `false 0 no off` (lower case, no blanks),
 * the words eventdispatcher's command line library accepts. Anything else is an error.
 */
export function parseBoolean(text) {
    if (TRUE_WORDS.includes(text))
        return true;
    if (FALSE_WORDS.includes(text))
        return false;
    throw invalid(text, `a boolean: expected one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`);
}
/** Writes `true` or `false`. */
export function formatBoolean(b) {
    return b ? 'true' : 'false';
}
const TIMESPEC = /^(-?)([0-9]+)(?:\.([0-9]{1,9}))?$/;
/**
 * Reads `seconds[.fraction]`: an optional `-`, decimal seconds, and up to 9 fraction digits
 * (`1.5` is 1 s + 500000000 ns; eventdispatcher always writes all 9). The fields are read as
 * written: `-1.750000000` is seconds -1 and nanoseconds 750000000, that is -0.25 s. Because of
 * that, a `-0` seconds part (`-0.5`) is refused: it would read as +0.5 s.
 */
export function parseTimespec(text) {
    const m = TIMESPEC.exec(text);
    if (!m)
        throw invalid(text, 'a timespec: expected seconds, a period and up to 9 digits of nanoseconds (1715440881.543723981)');
    const [, sign, secs, frac] = m;
    const magnitude = Number(secs);
    if (!Number.isSafeInteger(magnitude))
        throw invalid(text, 'a timespec: the seconds are out of range');
    if (sign === '-' && magnitude === 0) {
        throw invalid(text, 'a timespec: a negative time is written with its seconds rounded down (-0.25 s is -1.750000000), so "-0" is ambiguous');
    }
    const nanoseconds = frac === undefined ? 0 : Number(frac.padEnd(9, '0'));
    return Object.freeze({ seconds: sign === '-' ? -magnitude : magnitude, nanoseconds });
}
/** Writes `seconds.nnnnnnnnn` (always 9 nanosecond digits), like eventdispatcher's `timespec_ex`. */
export function formatTimespec(t) {
    if (!Number.isSafeInteger(t.seconds))
        throw badValue(`timespec seconds ${t.seconds} is not a safe integer`);
    if (!Number.isInteger(t.nanoseconds) || t.nanoseconds < 0 || t.nanoseconds > 999_999_999) {
        throw badValue(`timespec nanoseconds ${t.nanoseconds} is not an integer from 0 to 999999999`);
    }
    return `${t.seconds === 0 ? 0 : t.seconds}.${String(t.nanoseconds).padStart(9, '0')}`;
}
/** A timespec for a time in milliseconds since the epoch (`Date.now()`), fractions included. */
export function timespecFromMs(ms) {
    if (!Number.isFinite(ms))
        throw badValue(`${ms} ms is not a finite time`);
    let seconds = Math.floor(ms / 1000);
    let nanoseconds = Math.round((ms - seconds * 1000) * 1e6);
    if (nanoseconds >= 1e9) {
        seconds += 1;
        nanoseconds -= 1e9;
    }
    return Object.freeze({ seconds: seconds === 0 ? 0 : seconds, nanoseconds });
}
/** The timespec in milliseconds (nanoseconds below a millisecond become a fraction). */
export function timespecToMs(t) {
    return t.seconds * 1000 + t.nanoseconds / 1e6;
}
/** `a.b.c.d`, each part 0..255 without leading zeros (as `inet_pton` reads them). */
export function isIPv4(s) {
    const parts = s.split('.');
    return parts.length === 4 && parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}
/** An IPv6 address in the text forms of RFC 4291 2.2 (no zone index). */
export function isIPv6(s) {
    // RFC 4291 2.2: x:x:x:x:x:x:x:x, "::" once for a run of zero groups, and the last 32 bits
    // may be written as an IPv4 address (x:x:x:x:x:x:d.d.d.d).
    const lastColon = s.lastIndexOf(':');
    if (lastColon < 0)
        return false;
    let text = s;
    const last = s.slice(lastColon + 1);
    if (last.includes('.')) {
        if (!isIPv4(last))
            return false;
        text = `${s.slice(0, lastColon + 1)}0:0`; // the IPv4 tail stands for two groups
    }
    const group = /^[0-9A-Fa-f]{1,4}$/;
    const halves = text.split('::');
    if (halves.length > 2)
        return false;
    if (halves.length === 1) {
        const g = text.split(':');
        return g.length === 8 && g.every((x) => group.test(x));
    }
    const h = halves[0] === '' ? [] : halves[0].split(':');
    const t = halves[1] === '' ? [] : halves[1].split(':');
    return h.length + t.length <= 7 && [...h, ...t].every((x) => group.test(x));
}
/**
 * Reads `ipv4:port` or `[ipv6]:port`; with `defaultPort`, also `ipv4` and `[ipv6]` alone.
 * The host must be an IP address (no host names), the port 0..65535 in decimal.
 */
export function parseParamAddress(text, options = {}) {
    const expected = 'an address: expected ipv4:port or [ipv6]:port';
    let host;
    let portText;
    let family;
    if (text.startsWith('[')) {
        const close = text.indexOf(']');
        if (close < 0)
            throw invalid(text, `${expected} (no closing "]")`);
        host = text.slice(1, close);
        const rest = text.slice(close + 1);
        if (rest !== '' && !rest.startsWith(':'))
            throw invalid(text, `${expected} (expected ":" after "]")`);
        portText = rest === '' ? undefined : rest.slice(1);
        if (!isIPv6(host))
            throw invalid(text, `${expected} (${show(host)} is not an IPv6 address)`);
        family = 6;
    }
    else {
        const colon = text.indexOf(':');
        host = colon < 0 ? text : text.slice(0, colon);
        portText = colon < 0 ? undefined : text.slice(colon + 1);
        if (!isIPv4(host)) {
            const hint = isIPv6(text) ? ' (write an IPv6 address in brackets: [::1]:4040)' : '';
            throw invalid(text, `${expected}${hint}`);
        }
        family = 4;
    }
    let port;
    if (portText === undefined) {
        if (options.defaultPort === undefined)
            throw invalid(text, `${expected} (the port is missing)`);
        port = options.defaultPort;
    }
    else {
        if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535)
            throw invalid(text, `${expected} (the port must be 0..65535)`);
        port = Number(portText);
    }
    return Object.freeze({ host, port, family });
}
/** Writes `ipv4:port` or `[ipv6]:port`. The host must be an IP address; brackets are added for IPv6. */
export function formatParamAddress(a) {
    const host = a.host.startsWith('[') && a.host.endsWith(']') ? a.host.slice(1, -1) : a.host;
    if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535)
        throw badValue(`port ${a.port} is not an integer from 0 to 65535`);
    if (isIPv4(host))
        return `${host}:${a.port}`;
    if (isIPv6(host))
        return `[${host}]:${a.port}`;
    throw badValue(`${show(a.host)} is not an IPv4 or IPv6 address`);
}

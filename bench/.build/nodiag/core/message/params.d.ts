/** Bounds for {@link parseInteger}, both included. */
export interface IntegerRange {
    /** @default Number.MIN_SAFE_INTEGER */
    min?: number;
    /** @default Number.MAX_SAFE_INTEGER */
    max?: number;
}
/** Bounds for {@link parseBigInteger}, both included. */
export interface BigIntegerRange {
    /** @default -(2n ** 63n), the smallest int64 */
    min?: bigint;
    /** @default 2n ** 63n - 1n, the largest int64 */
    max?: bigint;
}
/**
 * Reads an integer: an optional `+` or `-` and ASCII decimal digits, nothing else (no blanks,
 * no `0x`, no exponent). The result must be within `range` (both ends included), which is never
 * wider than the safe integers (+/-(2^53 - 1)); use {@link parseBigInteger} for 64-bit values.
 */
export declare function parseInteger(text: string, range?: IntegerRange): number;
/** Reads an integer like {@link parseInteger}, as a bigint, within `range` (int64 by default). */
export declare function parseBigInteger(text: string, range?: BigIntegerRange): bigint;
/** Writes an integer in decimal (`-35`). A number must be an integer; `-0` is written `0`. */
export declare function formatInteger(n: number | bigint): string;
/** The words read as `true`. Case matters: `True` is not a boolean. */
export declare const TRUE_WORDS: readonly string[];
/** The words read as `false`. */
export declare const FALSE_WORDS: readonly string[];
/**
 * Reads a boolean: exactly one of `true 1 yes on` or `false 0 no off` (lower case, no blanks),
 * the words eventdispatcher's command line library accepts. Anything else is an error.
 */
export declare function parseBoolean(text: string): boolean;
/** Writes `true` or `false`. */
export declare function formatBoolean(b: boolean): 'true' | 'false';
/**
 * A point in time or a duration as C's `struct timespec`: `seconds + nanoseconds / 1e9`, with
 * `nanoseconds` always in 0..999999999. A negative time has negative `seconds` and positive
 * `nanoseconds`: -0.25 s is `{ seconds: -1, nanoseconds: 750000000 }`, written
 * `-1.750000000`, exactly as eventdispatcher's `timespec_ex` writes it.
 */
export interface Timespec {
    readonly seconds: number;
    readonly nanoseconds: number;
}
/**
 * Reads `seconds[.fraction]`: an optional `-`, decimal seconds, and up to 9 fraction digits
 * (`1.5` is 1 s + 500000000 ns; eventdispatcher always writes all 9). The fields are read as
 * written: `-1.750000000` is seconds -1 and nanoseconds 750000000, that is -0.25 s. Because of
 * that, a `-0` seconds part (`-0.5`) is refused: it would read as +0.5 s.
 */
export declare function parseTimespec(text: string): Timespec;
/** Writes `seconds.nnnnnnnnn` (always 9 nanosecond digits), like eventdispatcher's `timespec_ex`. */
export declare function formatTimespec(t: Timespec): string;
/** A timespec for a time in milliseconds since the epoch (`Date.now()`), fractions included. */
export declare function timespecFromMs(ms: number): Timespec;
/** The timespec in milliseconds (nanoseconds below a millisecond become a fraction). */
export declare function timespecToMs(t: Timespec): number;
/** An IP address and port, as written in a parameter: `10.0.0.1:4040` or `[::1]:4040`. */
export interface ParamAddress {
    /** The IP address as written, without brackets: `10.0.0.1`, `::1`. */
    readonly host: string;
    readonly port: number;
    readonly family: 4 | 6;
}
export interface ParseAddressOptions {
    /** Port to use when the text has none (`10.0.0.1`, `[::1]`). @default none: a port is required */
    defaultPort?: number;
}
/** `a.b.c.d`, each part 0..255 without leading zeros (as `inet_pton` reads them). */
export declare function isIPv4(s: string): boolean;
/** An IPv6 address in the text forms of RFC 4291 2.2 (no zone index). */
export declare function isIPv6(s: string): boolean;
/**
 * Reads `ipv4:port` or `[ipv6]:port`; with `defaultPort`, also `ipv4` and `[ipv6]` alone.
 * The host must be an IP address (no host names), the port 0..65535 in decimal.
 */
export declare function parseParamAddress(text: string, options?: ParseAddressOptions): ParamAddress;
/** Writes `ipv4:port` or `[ipv6]:port`. The host must be an IP address; brackets are added for IPv6. */
export declare function formatParamAddress(a: {
    readonly host: string;
    readonly port: number;
}): string;

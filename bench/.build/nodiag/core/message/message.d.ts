import { type BigIntegerRange, type IntegerRange, type ParamAddress, type ParseAddressOptions, type Timespec } from './params.js';
import { type MessageJsonObject } from './serialize.js';
/** What a parameter may be given as. Everything is sent as a string; see {@link paramText}. */
export type ParamValue = string | number | bigint | boolean;
/**
 * Parameters to add: a record, a `Map` or `[name, value]` pairs. An `undefined` value is
 * skipped (handy for optional parameters). A name given twice keeps the last value.
 */
export type ParamsInput = {
    readonly [name: string]: ParamValue | undefined;
} | ReadonlyMap<string, ParamValue | undefined> | Iterable<readonly [string, ParamValue | undefined]>;
/** Where a message goes and where it came from. Empty or left out means "not set". */
export interface MessageRoute {
    /** Destination server (computer); only together with `service`. `.` local, `*` all servers. */
    server?: string;
    /** Destination service; `*` and `?` broadcast, `.` local. */
    service?: string;
    /** Server the message came from (set by the router that forwards it). */
    sentFromServer?: string;
    /** Service the message came from. */
    sentFromService?: string;
}
/** Everything a message is made of, for {@link message} and `new Message()`. */
export interface MessageFields<C extends string = string> extends MessageRoute {
    command: C;
    parameters?: ParamsInput;
}
/** The message protocol version eventdispatcher sends in its `version` parameter. */
export declare const MESSAGE_VERSION = 1;
/** The name of the protocol version parameter. */
export declare const VERSION_PARAMETER = "version";
/**
 * The wire text of a parameter value, or a `MESSAGE_INVALID_VALUE` error:
 *
 * - a string as it is, unless it holds NUL (eventdispatcher reads C strings and would cut the
 *   message there) or a lone surrogate (it has no UTF-8 form);
 * - an integer number in decimal without exponent (`-35`, `1000000000000000000000`; `-0` is `0`);
 * - another finite number as JavaScript writes it (`1.5`, `1e-7`); NaN and Infinity are refused;
 * - a bigint in decimal;
 * - a boolean as `true` or `false`.
 *
 * Anything else (null, objects, dates) is refused: format it first (`formatTimespec`...).
 */
export declare function paramText(name: string, value: unknown): string;
/**
 * An eventdispatcher named message. Immutable (the instance and its `parameters` are frozen);
 * every name and value was checked when it was built, so a `Message` can always be sent.
 * "Changing" methods (`with`, `without`, `to`, `sentFrom`, `withCommand`) return a new message.
 *
 * `C` is the command as a literal type when known: `message('FIRE')` is a `Message<'FIRE'>`;
 * received messages are `Message<string>`.
 */
export declare class Message<C extends string = string> {
    /** `[A-Z0-9_]+`. */
    readonly command: C;
    /** Destination server, `''` when not set (never set without `service`). */
    readonly server: string;
    /** Destination service, `''` when not set. */
    readonly service: string;
    /** Sending server, `''` when not set. */
    readonly sentFromServer: string;
    /** Sending service, `''` when not set. */
    readonly sentFromService: string;
    /**
     * Parameter values by name, frozen, keys in bytewise name order (the order they are written
     * in). It has no prototype: use `msg.get(name)` / `msg.has(name)`, `Object.keys()`,
     * `Object.entries()`.
     */
    readonly parameters: Readonly<Record<string, string>>;
    /** Builds and checks a message: `MESSAGE_INVALID_NAME` or `MESSAGE_INVALID_VALUE` when something is wrong. */
    constructor(fields: MessageFields<C>);
    /** The fields, for building a changed copy. */
    private fields;
    /** A copy with parameters added or replaced. */
    with(parameters: ParamsInput): Message<C>;
    with(name: string, value: ParamValue): Message<C>;
    /** A copy without these parameters (absent names are ignored). */
    without(...names: string[]): Message<C>;
    /** A copy with another command. */
    withCommand<D extends string>(command: D): Message<D>;
    /** A copy addressed to `service` (on `server`, when given). `to('')` clears the destination. */
    to(service: string, server?: string): Message<C>;
    /** A copy marked as sent from `server:service` (what a router does when it forwards a message). */
    sentFrom(server: string, service: string): Message<C>;
    /**
     * A new message addressed to this message's sender, as eventdispatcher's `reply_to()`:
     * `service` = `sentFromService` and `server` = `sentFromServer` (left empty when there is no
     * sent-from service, as the format cannot write a server alone). Without sent-from fields the
     * reply has no destination: send it back on the connection the message came from.
     */
    reply<D extends string>(command: D, parameters?: ParamsInput): Message<D>;
    /** Type guard on the command: `if (msg.is('LOCKED', 'LOCK_FAILED')) msg.command // 'LOCKED' | 'LOCK_FAILED'`. */
    is<D extends C>(...commands: D[]): this is Message<D>;
    /** The value of a parameter, or `undefined`. The name must be valid (catches typos): `MESSAGE_INVALID_NAME`. */
    get(name: string): string | undefined;
    has(name: string): boolean;
    /** The value of a parameter; `MESSAGE_PARAMETER_MISSING` when it is absent. */
    getString(name: string): string;
    /** An integer parameter (see `parseInteger`), within `range` (default: the safe integers). */
    getInt(name: string, range?: IntegerRange): number;
    /** An integer parameter as a bigint (see `parseBigInteger`), within `range` (default: int64). */
    getBigInt(name: string, range?: BigIntegerRange): bigint;
    /** A boolean parameter: `true 1 yes on` or `false 0 no off` (see `parseBoolean`). */
    getBool(name: string): boolean;
    /** A timespec parameter, `seconds.nanoseconds` (see `parseTimespec`). */
    getTimespec(name: string): Timespec;
    /** An address parameter, `ipv4:port` or `[ipv6]:port` (see `parseParamAddress`). */
    getAddress(name: string, options?: ParseAddressOptions): ParamAddress;
    /** A copy with `version=1` (the protocol version eventdispatcher sends in its first message). */
    withVersion(): Message<C>;
    /**
     * Whether the `version` parameter is this library's {@link MESSAGE_VERSION}.
     * `MESSAGE_PARAMETER_MISSING` without one, `MESSAGE_PARAMETER_INVALID` when it is not an integer.
     */
    checkVersion(): boolean;
    /** Same command, route and parameters. */
    equals(other: Message): boolean;
    /** The line form (`serializeMessage`), for logs and `String(msg)`. */
    toString(): string;
    /** The JSON form as an object, so `JSON.stringify(msg)` gives the same text as `toJson(msg)`. */
    toJSON(): MessageJsonObject;
    private typed;
}
/**
 * Builds a message: `message('FIRE', { name: 'Charles', length: -35 })`, optionally with a
 * route: `message('LOCK', { key: 'k' }, { service: 'lockd' })`, or from all the fields at once:
 * `message({ command: 'STOP', service: 'snapcommunicator' })`.
 * Throws `MESSAGE_INVALID_NAME` / `MESSAGE_INVALID_VALUE`.
 */
export declare function message<C extends string>(command: C, parameters?: ParamsInput, route?: MessageRoute): Message<C>;
export declare function message<C extends string>(fields: MessageFields<C>): Message<C>;
/** Whether `x` is a `Message`. */
export declare function isMessage(x: unknown): x is Message;

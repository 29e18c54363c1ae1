/**
 * `Message`: an immutable eventdispatcher named message, checked when it is built.
 *
 *     const fire = message('FIRE', { name: 'Charles', length: -35 });
 *     String(fire);                      // 'FIRE length=-35;name=Charles'
 *     fire.getInt('length', { max: 0 }); // -35
 *     const ack = received.reply('FIRED', { count: 1 }); // addressed to received's sender
 *
 * Matching: discriminate on `msg.command` (a `switch`), or narrow with `msg.is('A', 'B')`.
 * See docs/named-messages.md.
 */
import { ErrorCode } from '../errors.js';
import { MessageError } from './errors.js';
import { commandProblem, parameterNameProblem, peerNameProblem, show } from './names.js';
import { formatInteger, parseBigInteger, parseBoolean, parseInteger, parseParamAddress, parseTimespec, } from './params.js';
import { byName, jsonObject, serializeMessage } from './serialize.js';
/** The message protocol version eventdispatcher sends in its `version` parameter. */
export const MESSAGE_VERSION = 1;
/** The name of the protocol version parameter. */
export const VERSION_PARAMETER = 'version';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
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
export function paramText(name, value) {
    switch (typeof value) {
        case 'string': {
            const nul = value.indexOf('\0');
            if (nul >= 0)
                throw badValue(name, `holds NUL (U+0000) at index ${nul}, which eventdispatcher reads as the end of the message`);
            const lone = LONE_SURROGATE.exec(value);
            if (lone)
                throw badValue(name, `holds a lone surrogate at index ${lone.index}, which has no UTF-8 form`);
            return value;
        }
        case 'number':
            if (!Number.isFinite(value))
                throw badValue(name, `is ${value}: expected a finite number`);
            return Number.isInteger(value) ? formatInteger(value) : String(value);
        case 'bigint':
            return value.toString();
        case 'boolean':
            return value ? 'true' : 'false';
        default:
            throw badValue(name, `is ${kind(value)}: expected a string, number, bigint or boolean`);
    }
}
function kind(x) {
    if (x === null || x === undefined)
        return String(x);
    const t = typeof x;
    return `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`;
}
function badValue(name, why) {
    return new MessageError(ErrorCode.MESSAGE_INVALID_VALUE, `parameter ${show(name)} ${why}`);
}
function badName(why) {
    return new MessageError(ErrorCode.MESSAGE_INVALID_NAME, why);
}
function checkParameterName(name) {
    if (typeof name !== 'string')
        throw badName(`a parameter name must be a string, got ${kind(name)}`);
    const p = parameterNameProblem(name);
    if (p !== undefined)
        throw badName(p);
    return name;
}
function peer(what, name) {
    if (name === undefined)
        return '';
    if (typeof name !== 'string')
        throw badName(`${what} must be a string, got ${kind(name)}`);
    const p = peerNameProblem(what, name);
    if (p !== undefined)
        throw badName(p);
    return name;
}
function entriesOf(input) {
    if (input === undefined || input === null)
        return [];
    if (typeof input !== 'object')
        throw new MessageError(ErrorCode.MESSAGE_INVALID_VALUE, `parameters must be a record, a Map or [name, value] pairs, got ${kind(input)}`);
    if (Symbol.iterator in input)
        return input;
    return Object.entries(input);
}
/**
 * An eventdispatcher named message. Immutable (the instance and its `parameters` are frozen);
 * every name and value was checked when it was built, so a `Message` can always be sent.
 * "Changing" methods (`with`, `without`, `to`, `sentFrom`, `withCommand`) return a new message.
 *
 * `C` is the command as a literal type when known: `message('FIRE')` is a `Message<'FIRE'>`;
 * received messages are `Message<string>`.
 */
export class Message {
    /** `[A-Z0-9_]+`. */
    command;
    /** Destination server, `''` when not set (never set without `service`). */
    server;
    /** Destination service, `''` when not set. */
    service;
    /** Sending server, `''` when not set. */
    sentFromServer;
    /** Sending service, `''` when not set. */
    sentFromService;
    /**
     * Parameter values by name, frozen, keys in bytewise name order (the order they are written
     * in). It has no prototype: use `msg.get(name)` / `msg.has(name)`, `Object.keys()`,
     * `Object.entries()`.
     */
    parameters;
    /** Builds and checks a message: `MESSAGE_INVALID_NAME` or `MESSAGE_INVALID_VALUE` when something is wrong. */
    constructor(fields) {
        if (typeof fields !== 'object' || fields === null)
            throw badName(`a message needs fields, got ${kind(fields)}`);
        const command = fields.command;
        if (typeof command !== 'string')
            throw badName(`a command must be a string, got ${kind(command)}`);
        const p = commandProblem(command);
        if (p !== undefined)
            throw badName(p);
        const server = peer('server', fields.server);
        const service = peer('service', fields.service);
        if (server !== '' && service === '') {
            throw badName(`server ${show(server)} is set without a service: a message can only be addressed to server:service`);
        }
        const values = new Map();
        for (const entry of entriesOf(fields.parameters)) {
            if (!Array.isArray(entry) && (typeof entry !== 'object' || entry === null)) {
                throw new MessageError(ErrorCode.MESSAGE_INVALID_VALUE, 'parameters must be a record, a Map or [name, value] pairs');
            }
            const [name, value] = entry;
            const checked = checkParameterName(name);
            if (value === undefined)
                continue;
            values.set(checked, paramText(checked, value));
        }
        // No prototype: a parameter may be called `__proto__` or `constructor`.
        const params = Object.create(null);
        for (const name of [...values.keys()].sort(byName))
            params[name] = values.get(name);
        this.command = command;
        this.server = server;
        this.service = service;
        this.sentFromServer = peer('sent-from server', fields.sentFromServer);
        this.sentFromService = peer('sent-from service', fields.sentFromService);
        this.parameters = Object.freeze(params);
        Object.freeze(this);
    }
    /** The fields, for building a changed copy. */
    fields() {
        return {
            command: this.command,
            server: this.server,
            service: this.service,
            sentFromServer: this.sentFromServer,
            sentFromService: this.sentFromService,
            parameters: Object.entries(this.parameters),
        };
    }
    with(a, b) {
        const added = typeof a === 'string' ? [[checkParameterName(a), paramText(a, b)]] : entriesOf(a);
        return new Message({ ...this.fields(), parameters: [...Object.entries(this.parameters), ...added] });
    }
    /** A copy without these parameters (absent names are ignored). */
    without(...names) {
        const drop = new Set(names.map(checkParameterName));
        return new Message({ ...this.fields(), parameters: Object.entries(this.parameters).filter(([n]) => !drop.has(n)) });
    }
    /** A copy with another command. */
    withCommand(command) {
        return new Message({ ...this.fields(), command });
    }
    /** A copy addressed to `service` (on `server`, when given). `to('')` clears the destination. */
    to(service, server = '') {
        return new Message({ ...this.fields(), service, server });
    }
    /** A copy marked as sent from `server:service` (what a router does when it forwards a message). */
    sentFrom(server, service) {
        return new Message({ ...this.fields(), sentFromServer: server, sentFromService: service });
    }
    /**
     * A new message addressed to this message's sender, as eventdispatcher's `reply_to()`:
     * `service` = `sentFromService` and `server` = `sentFromServer` (left empty when there is no
     * sent-from service, as the format cannot write a server alone). Without sent-from fields the
     * reply has no destination: send it back on the connection the message came from.
     */
    reply(command, parameters) {
        return new Message({
            command,
            ...(parameters === undefined ? {} : { parameters }),
            service: this.sentFromService,
            server: this.sentFromService === '' ? '' : this.sentFromServer,
        });
    }
    /** Type guard on the command: `if (msg.is('LOCKED', 'LOCK_FAILED')) msg.command // 'LOCKED' | 'LOCK_FAILED'`. */
    is(...commands) {
        return commands.includes(this.command);
    }
    /** The value of a parameter, or `undefined`. The name must be valid (catches typos): `MESSAGE_INVALID_NAME`. */
    get(name) {
        checkParameterName(name);
        return Object.hasOwn(this.parameters, name) ? this.parameters[name] : undefined;
    }
    has(name) {
        return this.get(name) !== undefined;
    }
    /** The value of a parameter; `MESSAGE_PARAMETER_MISSING` when it is absent. */
    getString(name) {
        const v = this.get(name);
        if (v === undefined) {
            throw new MessageError(ErrorCode.MESSAGE_PARAMETER_MISSING, `${this.command} has no parameter ${show(name)}`, {
                details: { command: this.command, parameter: name },
            });
        }
        return v;
    }
    /** An integer parameter (see `parseInteger`), within `range` (default: the safe integers). */
    getInt(name, range) {
        return this.typed(name, (t) => parseInteger(t, range));
    }
    /** An integer parameter as a bigint (see `parseBigInteger`), within `range` (default: int64). */
    getBigInt(name, range) {
        return this.typed(name, (t) => parseBigInteger(t, range));
    }
    /** A boolean parameter: `true 1 yes on` or `false 0 no off` (see `parseBoolean`). */
    getBool(name) {
        return this.typed(name, parseBoolean);
    }
    /** A timespec parameter, `seconds.nanoseconds` (see `parseTimespec`). */
    getTimespec(name) {
        return this.typed(name, parseTimespec);
    }
    /** An address parameter, `ipv4:port` or `[ipv6]:port` (see `parseParamAddress`). */
    getAddress(name, options) {
        return this.typed(name, (t) => parseParamAddress(t, options));
    }
    /** A copy with `version=1` (the protocol version eventdispatcher sends in its first message). */
    withVersion() {
        return this.with(VERSION_PARAMETER, MESSAGE_VERSION);
    }
    /**
     * Whether the `version` parameter is this library's {@link MESSAGE_VERSION}.
     * `MESSAGE_PARAMETER_MISSING` without one, `MESSAGE_PARAMETER_INVALID` when it is not an integer.
     */
    checkVersion() {
        return this.getInt(VERSION_PARAMETER) === MESSAGE_VERSION;
    }
    /** Same command, route and parameters. */
    equals(other) {
        if (other.command !== this.command ||
            other.server !== this.server ||
            other.service !== this.service ||
            other.sentFromServer !== this.sentFromServer ||
            other.sentFromService !== this.sentFromService) {
            return false;
        }
        const a = Object.keys(this.parameters);
        const b = Object.keys(other.parameters);
        return a.length === b.length && a.every((k, i) => k === b[i] && this.parameters[k] === other.parameters[k]);
    }
    /** The line form (`serializeMessage`), for logs and `String(msg)`. */
    toString() {
        return serializeMessage(this);
    }
    /** The JSON form as an object, so `JSON.stringify(msg)` gives the same text as `toJson(msg)`. */
    toJSON() {
        return jsonObject(this);
    }
    typed(name, read) {
        const text = this.getString(name);
        try {
            return read(text);
        }
        catch (cause) {
            if (!(cause instanceof MessageError))
                throw cause;
            throw new MessageError(ErrorCode.MESSAGE_PARAMETER_INVALID, `parameter ${show(name)} of ${this.command}: ${cause.message}`, {
                cause,
                details: { command: this.command, parameter: name },
            });
        }
    }
}
export function message(a, parameters, route) {
    if (typeof a === 'string') {
        return new Message({ ...route, command: a, ...(parameters === undefined ? {} : { parameters }) });
    }
    return new Message(a);
}
/** Whether `x` is a `Message`. */
export function isMessage(x) {
    return x instanceof Message;
}

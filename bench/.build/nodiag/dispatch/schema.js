/**
 * Parameter schemas for dispatched commands: which parameters a command needs, and of what type.
 * Types are the typed forms of core/message/params.ts:
 *
 *     string      any value                          min/max: length in characters; pattern
 *     integer     -35  0  +7                         min/max: the value (safe integers)
 *     boolean     true false 1 0 yes no on off
 *     timespec    1715440881.543723981               min/max: the time in seconds
 *     address     192.168.1.5:4040  [::1]:4040
 *
 * A schema is checked when it is registered (`INVALID_OPTION` for a bad one). A received message
 * is checked against it before its handler runs; each problem is one short sentence about the
 * peer's own message, fit to send back in `INVALID message=...`.
 */
import { ConfigError, ErrorCode } from '../core/index.js';
import { parseBoolean, parseInteger, parseParamAddress, parseTimespec, } from '../core/message/index.js';
import { parameterNameProblem, show } from '../core/message/names.js';
/** The parameter types a schema can ask for. */
export const ParamType = {
    String: 'string',
    Integer: 'integer',
    Boolean: 'boolean',
    Timespec: 'timespec',
    Address: 'address',
};
const TYPES = Object.values(ParamType);
function bad(why) {
    return new ConfigError(ErrorCode.INVALID_OPTION, `schema: ${why}`);
}
/** Checks a schema given to `on()`; `INVALID_OPTION` says what is wrong with it. */
export function checkSchema(schema) {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
        throw bad(`expected an object of parameter rules, got ${schema === null ? 'null' : Array.isArray(schema) ? 'an array' : typeof schema}`);
    }
    const out = [];
    for (const [name, rule] of Object.entries(schema)) {
        const p = parameterNameProblem(name);
        if (p !== undefined)
            throw bad(p);
        if (typeof rule !== 'object' || rule === null)
            throw bad(`parameter ${show(name)}: expected a rule object ({ type: 'integer' }), got ${rule === null ? 'null' : typeof rule}`);
        const r = rule;
        const type = r.type;
        if (!TYPES.includes(type))
            throw bad(`parameter ${show(name)}: type must be one of ${TYPES.join(', ')}, got ${show(String(type))}`);
        if (r.required !== undefined && typeof r.required !== 'boolean')
            throw bad(`parameter ${show(name)}: required must be a boolean, got ${typeof r.required}`);
        for (const k of ['min', 'max']) {
            const v = r[k];
            if (v === undefined)
                continue;
            if (type === 'boolean' || type === 'address')
                throw bad(`parameter ${show(name)}: ${k} does not apply to type ${type}`);
            if (typeof v !== 'number' || !Number.isFinite(v))
                throw bad(`parameter ${show(name)}: ${k} must be a finite number, got ${String(v)}`);
            if (type !== 'timespec' && !Number.isInteger(v))
                throw bad(`parameter ${show(name)}: ${k} must be an integer for type ${type}, got ${v}`);
        }
        if (r.min !== undefined && r.max !== undefined && r.min > r.max)
            throw bad(`parameter ${show(name)}: min ${r.min} is above max ${r.max}`);
        let pattern;
        if (r.pattern !== undefined) {
            if (type !== 'string')
                throw bad(`parameter ${show(name)}: pattern only applies to type string, not ${type}`);
            if (!(r.pattern instanceof RegExp))
                throw bad(`parameter ${show(name)}: pattern must be a RegExp`);
            pattern = new RegExp(r.pattern.source, r.pattern.flags.replace(/[gy]/g, ''));
        }
        out.push([name, Object.freeze({ ...r, ...(pattern ? { pattern } : {}) })]);
    }
    return Object.freeze(out);
}
/** Code points in `s` (a surrogate pair counts once). */
function codePoints(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00)
            i++;
        n++;
    }
    return n;
}
/** The problem with one present value, or `undefined`. */
function valueProblem(name, text, rule) {
    const where = `parameter ${show(name)}`;
    try {
        switch (rule.type) {
            case 'string': {
                const len = codePoints(text);
                if (rule.min !== undefined && len < rule.min)
                    return `${where} is ${len} characters long, expected at least ${rule.min}`;
                if (rule.max !== undefined && len > rule.max)
                    return `${where} is ${len} characters long, expected at most ${rule.max}`;
                if (rule.pattern !== undefined && !rule.pattern.test(text))
                    return `${where} is ${show(text)}, expected a value matching ${String(rule.pattern)}`;
                return undefined;
            }
            case 'integer':
                parseInteger(text, { ...(rule.min === undefined ? {} : { min: rule.min }), ...(rule.max === undefined ? {} : { max: rule.max }) });
                return undefined;
            case 'boolean':
                parseBoolean(text);
                return undefined;
            case 'timespec': {
                const t = parseTimespec(text);
                const seconds = t.seconds + t.nanoseconds / 1e9;
                if (rule.min !== undefined && seconds < rule.min)
                    return `${where} is ${text}, expected at least ${rule.min} (seconds)`;
                if (rule.max !== undefined && seconds > rule.max)
                    return `${where} is ${text}, expected at most ${rule.max} (seconds)`;
                return undefined;
            }
            case 'address':
                parseParamAddress(text);
                return undefined;
        }
    }
    catch (err) {
        // The parse functions say what was seen and what was expected: `"abc" is not an integer: ...`.
        return `${where}: ${err instanceof Error ? err.message : String(err)}`;
    }
}
/**
 * What is wrong with `msg` for `schema`, one sentence per problem, in the schema's order; an
 * empty array when it fits. Parameters the schema does not name are not checked.
 *
 *     parameterProblems(message('LOCK', { timeout: 'soon' }), { key: { type: 'string', required: true }, timeout: { type: 'integer' } })
 *     // [ 'parameter "key" is required', 'parameter "timeout": "soon" is not an integer: expected an optional sign and decimal digits' ]
 */
export function parameterProblems(msg, schema) {
    const rules = Array.isArray(schema) ? schema : checkSchema(schema);
    const problems = [];
    for (const [name, rule] of rules) {
        const text = Object.hasOwn(msg.parameters, name) ? msg.parameters[name] : undefined;
        if (text === undefined) {
            if (rule.required === true)
                problems.push(`parameter ${show(name)} is required`);
            continue;
        }
        const p = valueProblem(name, text, rule);
        if (p !== undefined)
            problems.push(p);
    }
    return problems;
}

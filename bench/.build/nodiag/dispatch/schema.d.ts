import { type Message } from '../core/message/index.js';
/** The parameter types a schema can ask for. */
export declare const ParamType: {
    readonly String: "string";
    readonly Integer: "integer";
    readonly Boolean: "boolean";
    readonly Timespec: "timespec";
    readonly Address: "address";
};
export type ParamType = (typeof ParamType)[keyof typeof ParamType];
/** What one parameter must be. */
export interface ParamRule {
    readonly type: ParamType;
    /** The message must have this parameter. @default false */
    readonly required?: boolean;
    /**
     * Smallest allowed: the value for `integer`, the length in characters (code points) for
     * `string`, the time in seconds for `timespec`. Not allowed for `boolean` and `address`.
     * @default no minimum
     */
    readonly min?: number;
    /** Largest allowed, as `min`. @default no maximum */
    readonly max?: number;
    /** `string` only: the value must match (tested with `RegExp.test`; anchor it). @default any value */
    readonly pattern?: RegExp;
}
/**
 * Parameters by name. Parameters a message has that the schema does not name are allowed
 * (eventdispatcher daemons add fields over time; an older handler must not refuse them).
 */
export type ParamSchema = {
    readonly [name: string]: ParamRule;
};
/** A schema after checking: regexes without `g`/`y` (so `test` keeps no state). */
export type CheckedSchema = ReadonlyArray<readonly [name: string, rule: ParamRule]>;
/** Checks a schema given to `on()`; `INVALID_OPTION` says what is wrong with it. */
export declare function checkSchema(schema: unknown): CheckedSchema;
/**
 * What is wrong with `msg` for `schema`, one sentence per problem, in the schema's order; an
 * empty array when it fits. Parameters the schema does not name are not checked.
 *
 *     parameterProblems(message('LOCK', { timeout: 'soon' }), { key: { type: 'string', required: true }, timeout: { type: 'integer' } })
 *     // [ 'parameter "key" is required', 'parameter "timeout": "soon" is not an integer: expected an optional sign and decimal digits' ]
 */
export declare function parameterProblems(msg: Message, schema: ParamSchema | CheckedSchema): string[];

/**
 * A `Dispatcher` routes received named messages to handlers by command, as eventdispatcher's
 * `dispatcher` does, with the built-in commands every daemon answers.
 *
 * Order in which a message meets the handlers:
 *
 *     user handlers    priority 0 first ... priority 15 last; equal priorities in registration order
 *          |           the first that matches handles the message (return PASS to hand it on)
 *          v
 *     built-ins        HELP ALIVE READY STOP QUITTING RESTART LOG_ROTATE UNKNOWN INVALID
 *          |           (so any user handler for one of these overrides it)
 *          v
 *     catch-all        answers UNKNOWN command=<CMD> (or your fallback, or nothing)
 *
 * A handler whose entry has a parameter schema only runs when the message fits it; otherwise the
 * message is answered `INVALID command=<CMD>;message=<what is wrong>` and dispatch stops there.
 *
 *     const d = new Dispatcher({ onStop: () => server.close() });
 *     d.on('LOCK', (msg, ctx) => ctx.reply('LOCKED', { key: msg.getString('key') }),
 *          { schema: { key: { type: 'string', required: true }, timeout: { type: 'integer', min: 1 } } });
 *     const server = await listen('tcp://127.0.0.1:4040', dispatcherOptions(d));
 */
import { ConfigError, ErrorCode, Limits, SendStatus, isSwitchboardError } from '../core/index.js';
import { Message } from '../core/message/index.js';
import { commandProblem, show } from '../core/message/names.js';
import { BUILTIN_COMMANDS, builtinHandlers } from './builtins.js';
import { DispatchError } from './errors.js';
import { checkSchema, parameterProblems } from './schema.js';
/** Returned by a handler (or resolved, for an async one): "not mine", try the next match. */
export const PASS = Symbol('switchboard.dispatch.pass');
/** The lowest (runs first) and highest (runs last) handler priorities. */
export const PRIORITY_FIRST = 0;
export const PRIORITY_LAST = 15;
/** The priority of a handler registered without one. */
export const PRIORITY_DEFAULT = 7;
/** The tag of the built-in handlers: `removeTag(BUILTIN_TAG)` removes them all. */
export const BUILTIN_TAG = 'builtin';
/** Commands that the default catch-all never answers: answering them could loop between peers. */
const NEVER_ANSWERED = new Set(['UNKNOWN', 'INVALID']);
/** Decode errors answered with INVALID (the line was skipped; the connection goes on). */
const ANSWERED_DECODE_ERRORS = new Set([
    ErrorCode.MESSAGE_SYNTAX,
    ErrorCode.MESSAGE_INVALID_NAME,
    ErrorCode.MESSAGE_LINE_TOO_LONG,
    ErrorCode.INVALID_UTF8,
    ErrorCode.INVALID_JSON,
    ErrorCode.DECODE_FAILED,
]);
/** Longest message text in a trace line, in characters. */
const TRACE_MAX = 1000;
const isThenable = (x) => (typeof x === 'object' || typeof x === 'function') && x !== null && typeof x.then === 'function';
const errorText = (e) => (e instanceof Error ? e.message : String(e));
const badOption = (why) => new ConfigError(ErrorCode.INVALID_OPTION, why);
function checkCommand(what, name) {
    if (typeof name !== 'string')
        throw badOption(`${what} must be a command string, got ${typeof name}`);
    const p = commandProblem(name);
    if (p !== undefined)
        throw badOption(`${what}: ${p}`);
    return name;
}
export class Dispatcher {
    entries = [];
    ordered;
    seq = 0;
    logger;
    tracer;
    onError;
    catchAll;
    maxPending;
    pending = new WeakMap();
    overloaded = new WeakSet();
    constructor(options = {}) {
        this.logger = options.logger ?? console;
        this.tracer = options.trace === true ? this.logger : options.trace === false || options.trace === undefined ? undefined : options.trace;
        this.onError = options.onError;
        const catchAll = options.catchAll ?? true;
        if (typeof catchAll !== 'boolean' && typeof catchAll !== 'function')
            throw badOption(`catchAll must be true, false or a handler, got ${typeof catchAll}`);
        this.catchAll = catchAll;
        const maxPending = options.maxPending ?? Limits.dispatchMaxPending;
        if (!(Number.isInteger(maxPending) && maxPending > 0))
            throw badOption(`maxPending must be a positive integer, got ${String(maxPending)}`);
        this.maxPending = maxPending;
        for (const k of ['onReady', 'onStop', 'onRestart', 'onLogRotate', 'onError', 'now']) {
            const v = options[k];
            if (v !== undefined && typeof v !== 'function')
                throw badOption(`${k} must be a function, got ${typeof v}`);
        }
        const wanted = options.builtins ?? true;
        let builtins;
        if (wanted === true)
            builtins = BUILTIN_COMMANDS;
        else if (wanted === false)
            builtins = [];
        else if (Array.isArray(wanted)) {
            for (const b of wanted) {
                if (!BUILTIN_COMMANDS.includes(b))
                    throw badOption(`builtins: ${show(String(b))} is not a built-in command; expected some of ${BUILTIN_COMMANDS.join(', ')}`);
            }
            builtins = BUILTIN_COMMANDS.filter((b) => wanted.includes(b));
        }
        else
            throw badOption(`builtins must be true, false or a list of built-in commands, got ${typeof wanted}`);
        const now = options.now ?? Date.now;
        const handlers = builtinHandlers({
            logger: this.logger,
            now: () => now(),
            commands: () => this.commands(),
            onReady: options.onReady,
            onStop: options.onStop,
            onRestart: options.onRestart,
            onLogRotate: options.onLogRotate,
            log: (level, line) => this.log(level, line),
        });
        for (const cmd of builtins) {
            this.add({
                match: (msg) => msg.command === cmd,
                describe: `built-in ${cmd}`,
                names: [cmd],
                handler: handlers[cmd],
                priority: PRIORITY_LAST,
                seq: this.seq++,
                tag: BUILTIN_TAG,
                schema: undefined,
                builtin: true,
                active: true,
            });
        }
    }
    on(match, handler, options = {}) {
        if (typeof handler !== 'function')
            throw badOption(`on(): the handler must be a function, got ${typeof handler}`);
        if (typeof options !== 'object' || options === null)
            throw badOption(`on(): options must be an object`);
        const priority = options.priority ?? PRIORITY_DEFAULT;
        if (!(Number.isInteger(priority) && priority >= PRIORITY_FIRST && priority <= PRIORITY_LAST)) {
            throw badOption(`priority must be an integer from ${PRIORITY_FIRST} to ${PRIORITY_LAST}, got ${String(priority)}`);
        }
        const tag = options.tag;
        if (tag !== undefined && (typeof tag !== 'string' || tag === ''))
            throw badOption(`tag must be a non-empty string, got ${tag === '' ? 'an empty string' : typeof tag}`);
        const schema = options.schema === undefined ? undefined : checkSchema(options.schema);
        const listed = options.commands === undefined ? [] : typeof options.commands === 'string' ? [options.commands] : options.commands;
        if (!Array.isArray(listed))
            throw badOption(`commands must be a command or a list of commands`);
        for (const c of listed)
            checkCommand('commands', c);
        let matchFn;
        let describe;
        let names;
        if (typeof match === 'string' || Array.isArray(match)) {
            const list = (typeof match === 'string' ? [match] : match).map((c) => checkCommand('on(): a command', c));
            if (list.length === 0)
                throw badOption('on(): the list of commands is empty');
            const set = new Set(list);
            matchFn = set.size === 1 ? (msg) => msg.command === list[0] : (msg) => set.has(msg.command);
            describe = list.join('|');
            names = [...set];
        }
        else if (match instanceof RegExp) {
            // A `g` or `y` regex keeps `lastIndex` between tests and would match every other time.
            const re = new RegExp(match.source, match.flags.replace(/[gy]/g, ''));
            matchFn = (msg) => re.test(msg.command);
            describe = String(re);
            names = [];
        }
        else if (typeof match === 'function') {
            const fn = match;
            matchFn = (msg) => Boolean(fn(msg));
            describe = fn.name ? `predicate ${fn.name}` : 'a predicate';
            names = [];
        }
        else {
            throw badOption(`on(): expected a command, a list of commands, a RegExp or a predicate, got ${match === null ? 'null' : typeof match}`);
        }
        const entry = {
            match: matchFn,
            describe,
            names: [...names, ...listed],
            handler: handler,
            priority,
            seq: this.seq++,
            tag,
            schema,
            builtin: false,
            active: true,
        };
        this.add(entry);
        const self = this;
        return {
            priority,
            tag,
            get active() {
                return entry.active;
            },
            remove: () => self.removeEntry(entry),
        };
    }
    /** Removes every handler registered with `tag` (the built-ins have tag `'builtin'`). Returns how many. */
    removeTag(tag) {
        let n = 0;
        for (const e of [...this.entries])
            if (e.tag === tag && this.removeEntry(e))
                n++;
        return n;
    }
    /** Handlers registered now, built-ins included. */
    get size() {
        return this.entries.length;
    }
    /**
     * Every exact command a handler is registered for, plus the `commands` given for patterns and
     * predicates: sorted bytewise, no duplicates. This is the list HELP sends.
     */
    commands() {
        const all = new Set();
        for (const e of this.entries)
            for (const n of e.names)
                all.add(n);
        return [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    add(e) {
        this.entries.push(e);
        this.ordered = undefined;
    }
    removeEntry(e) {
        if (!e.active)
            return false;
        e.active = false;
        const i = this.entries.indexOf(e);
        if (i >= 0)
            this.entries.splice(i, 1);
        this.ordered = undefined;
        return true;
    }
    /** User handlers by (priority, registration), then the built-ins in their fixed order. */
    order() {
        if (this.ordered === undefined) {
            const user = this.entries.filter((e) => !e.builtin).sort((a, b) => a.priority - b.priority || a.seq - b.seq);
            const builtin = this.entries.filter((e) => e.builtin).sort((a, b) => a.seq - b.seq);
            this.ordered = [...user, ...builtin];
        }
        return this.ordered;
    }
    // ---------------------------------------------------------------- dispatching
    /**
     * Gives `msg` to the first matching handler. Resolves `true` when something handled it (a
     * handler, an INVALID answer to a schema failure, or the catch-all), `false` when nothing did
     * (only possible with `catchAll: false`). Never rejects for a handler's failure: that is
     * logged and given to `onError`.
     *
     * Synchronous handlers run before `dispatch()` returns, so messages dispatched one after the
     * other are handled in order.
     */
    dispatch(msg, target = {}) {
        try {
            return Promise.resolve(this.run(msg, target));
        }
        catch (err) {
            return Promise.reject(err);
        }
    }
    /** `dispatch()` without the promise when every step was synchronous. Never throws for handlers. */
    run(msg, target) {
        if (!(msg instanceof Message)) {
            throw badOption(`dispatch() expected a Message (build one with message()), got ${msg === null ? 'null' : typeof msg}`);
        }
        const ctx = this.context(msg, target);
        if (this.tracer !== undefined) {
            const text = String(msg);
            const shown = text.length > TRACE_MAX ? `${text.slice(0, TRACE_MAX)}... (${text.length - TRACE_MAX} more characters)` : text;
            try {
                this.tracer.info(`${ctx.from} >> ${shown}`);
            }
            catch {
                // a logger that throws must not stop dispatching
            }
        }
        return this.step(this.order(), 0, msg, ctx);
    }
    step(list, from, msg, ctx) {
        for (let i = from; i < list.length; i++) {
            const e = list[i];
            if (!e.active)
                continue; // removed while an earlier async handler ran
            let hit;
            try {
                hit = e.match(msg);
            }
            catch (cause) {
                this.fail(ErrorCode.DISPATCH_HANDLER_FAILED, `${ctx.from}: the matcher ${e.describe} threw on ${msg.command}: ${errorText(cause)}; skipped`, msg, ctx, cause);
                continue;
            }
            if (!hit)
                continue;
            if (e.schema !== undefined) {
                const problems = parameterProblems(msg, e.schema);
                if (problems.length > 0) {
                    this.refuse(msg, ctx, problems);
                    return true;
                }
            }
            let r;
            try {
                r = e.handler(msg, ctx);
            }
            catch (cause) {
                this.handlerFailed(e, msg, ctx, cause);
                return true;
            }
            if (isThenable(r)) {
                const next = i + 1;
                return Promise.resolve(r).then((v) => (v === PASS ? this.step(list, next, msg, ctx) : true), (cause) => {
                    this.handlerFailed(e, msg, ctx, cause);
                    return true;
                });
            }
            if (r !== PASS)
                return true;
        }
        return this.fallback(msg, ctx);
    }
    fallback(msg, ctx) {
        const c = this.catchAll;
        if (c === false)
            return false;
        if (c === true) {
            if (NEVER_ANSWERED.has(msg.command)) {
                this.log('warn', `${ctx.from}: ${msg.command} received and not handled; not answered (answering could loop)`);
                return true;
            }
            try {
                ctx.reply('UNKNOWN', { command: msg.command });
            }
            catch (err) {
                this.log('warn', `${ctx.from}: could not answer ${msg.command} with UNKNOWN: ${errorText(err)}`);
            }
            return true;
        }
        const entry = { describe: 'the catch-all' };
        let r;
        try {
            r = c(msg, ctx);
        }
        catch (cause) {
            this.handlerFailed(entry, msg, ctx, cause);
            return true;
        }
        if (isThenable(r)) {
            return Promise.resolve(r).then((v) => v !== PASS, (cause) => {
                this.handlerFailed(entry, msg, ctx, cause);
                return true;
            });
        }
        return r !== PASS;
    }
    context(msg, target) {
        const conn = target.conn;
        const sendFn = target.send ?? (conn ? (m) => conn.send(m) : undefined);
        const send = (m) => {
            if (!(m instanceof Message))
                throw badOption(`ctx.send() expected a Message (build one with message()), got ${m === null ? 'null' : typeof m}`);
            return sendFn === undefined ? SendStatus.Closed : sendFn(m);
        };
        return {
            conn,
            from: target.from ?? conn?.name ?? 'local',
            dispatcher: this,
            send,
            reply: (command, parameters) => send(msg.reply(command, parameters)),
        };
    }
    /** A message failed its schema: answer INVALID (about the peer's own message only), log, report. */
    refuse(msg, ctx, problems) {
        const text = problems.join('; ');
        try {
            ctx.reply('INVALID', { command: msg.command, message: text });
        }
        catch (err) {
            this.log('warn', `${ctx.from}: could not answer ${msg.command} with INVALID: ${errorText(err)}`);
        }
        this.fail(ErrorCode.DISPATCH_INVALID_PARAMETERS, `${ctx.from}: ${msg.command} refused (answered INVALID): ${text}`, msg, ctx, undefined, 'warn');
    }
    handlerFailed(e, msg, ctx, cause) {
        this.fail(ErrorCode.DISPATCH_HANDLER_FAILED, `${ctx.from}: the handler for ${e.describe} failed on ${msg.command}: ${errorText(cause)}`, msg, ctx, cause);
    }
    /** Logs a DispatchError and gives it to `onError`; neither may throw at the caller. */
    fail(code, text, msg, ctx, cause, level = 'error') {
        const err = new DispatchError(code, text, {
            ...(cause === undefined ? {} : { cause }),
            details: { from: ctx.from, ...(msg ? { command: msg.command } : {}) },
        });
        this.log(level, `${code}: ${text}`);
        if (this.onError !== undefined) {
            try {
                this.onError(err, ctx);
            }
            catch (e) {
                this.log('error', `onError threw while reporting ${code}: ${errorText(e)}`);
            }
        }
        return err;
    }
    log(level, line) {
        try {
            this.logger[level](line);
        }
        catch {
            // a logger that throws must not stop dispatching
        }
    }
    // ---------------------------------------------------------------- attaching to connections
    /**
     * Callbacks for `listen()` / `connect()`: each received message is dispatched with the
     * connection as its target, and a line the codec could not read (skipped with the connection
     * option `decodeErrors: 'skip'`, which `dispatcherOptions()` sets) is answered
     * `INVALID message=<what is wrong>`. Combine with your own callbacks with `chainCallbacks()`.
     *
     * Messages are dispatched as they arrive; async handlers of one connection may overlap, at
     * most `maxPending` at once (then the connection is closed with `DISPATCH_OVERLOADED`). Use
     * `handle(conn)` to run them one at a time.
     */
    callbacks() {
        return {
            onReceive: (conn, msg) => this.receive(conn, msg),
            onFail: (err, conn) => {
                if (conn !== undefined)
                    this.answerDecodeError(conn, err);
            },
        };
    }
    receive(conn, msg) {
        if (this.overloaded.has(conn))
            return;
        const pending = this.pending.get(conn) ?? 0;
        if (pending >= this.maxPending) {
            this.overloaded.add(conn);
            const ctx = this.context(msg, { conn });
            this.fail(ErrorCode.DISPATCH_OVERLOADED, `${conn.name}: ${pending} messages are still in async handlers, expected no more than ${this.maxPending}; closing the connection`, msg, ctx, undefined);
            void conn.close();
            return;
        }
        const r = this.run(msg, { conn });
        if (typeof r === 'boolean')
            return;
        this.pending.set(conn, pending + 1);
        void r.then(() => {
            const n = (this.pending.get(conn) ?? 1) - 1;
            if (n > 0)
                this.pending.set(conn, n);
            else
                this.pending.delete(conn);
        });
    }
    /** A line the codec refused: answer INVALID so the peer learns why (its own line; no internals). */
    answerDecodeError(conn, err) {
        if (!isSwitchboardError(err) || !ANSWERED_DECODE_ERRORS.has(err.code))
            return;
        if (conn.state !== 'open')
            return;
        // Parse errors describe the peer's own line (`at column 4: expected '=' ...`); other decode
        // errors may carry a custom codec's text, which stays in the local log.
        const text = err.code === ErrorCode.DECODE_FAILED || err.code === ErrorCode.INVALID_JSON ? 'the message could not be decoded' : err.code === ErrorCode.INVALID_UTF8 ? 'the message is not valid UTF-8' : err.message;
        this.log('warn', `${conn.name}: ${err.code}: ${err.message}; answered INVALID`);
        try {
            conn.send(new Message({ command: 'INVALID', parameters: { message: text } }));
        }
        catch (e) {
            this.log('warn', `${conn.name}: could not answer a bad line with INVALID: ${errorText(e)}`);
        }
    }
    /**
     * Dispatches the messages of a connection read with `for await`, one at a time: the next
     * message is read only when the previous one's handler has finished, so a slow async handler
     * slows the peer through the connection's receive queue. Also reads `conn.errors()` to answer
     * lines that did not decode (`decodeErrors: 'skip'`) with INVALID. Resolves with the close
     * info once the connection is closed. Rejects only with `RECEIVE_MODE_CONFLICT`, at once, when
     * the connection's messages already go to an `onReceive` callback.
     */
    async handle(conn) {
        const messages = conn[Symbol.asyncIterator](); // claims the messages, or throws RECEIVE_MODE_CONFLICT
        const errors = (async () => {
            for await (const err of conn.errors())
                this.answerDecodeError(conn, err);
        })().catch(() => undefined);
        try {
            for (;;) {
                const next = await messages.next();
                if (next.done === true)
                    break;
                const r = this.run(next.value, { conn });
                if (typeof r !== 'boolean')
                    await r;
            }
        }
        catch {
            // The error that closed the connection was already reported (onFail, errors()).
        }
        const info = await conn.closed;
        await errors;
        return info;
    }
}

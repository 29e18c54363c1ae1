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
import { SendStatus } from '../core/index.js';
import { Message, type ParamsInput } from '../core/message/index.js';
import type { Callbacks, CloseInfo, Connection, Logger } from '../endpoint/index.js';
import { type BuiltinCommand } from './builtins.js';
import { DispatchError } from './errors.js';
import { type ParamSchema } from './schema.js';
/** Returned by a handler (or resolved, for an async one): "not mine", try the next match. */
export declare const PASS: unique symbol;
export type Pass = typeof PASS;
/**
 * Handles one message. Returning (or resolving to) {@link PASS} hands the message on to the next
 * match; anything else, `ctx.reply(...)`'s status included, means "handled". May be async; with
 * `callbacks()` the next message does not wait for it (see `handle()`).
 */
export type Handler<M extends Message = Message> = (msg: M, ctx: DispatchContext) => unknown;
/**
 * Called by the READY, STOP/QUITTING, RESTART and LOG_ROTATE built-ins. What it returns is
 * ignored, except that a rejected promise is reported like a failed handler.
 */
export type LifecycleCallback = (msg: Message, ctx: DispatchContext) => unknown;
/**
 * What a handler matches:
 *
 * - a command (`'LOCK'`) or several (`['LOCK', 'UNLOCK']`): exact, listed by HELP;
 * - a `RegExp` tested on the command (`/^LOCK_/`; anchor it yourself);
 * - a predicate on the whole message (`(msg) => msg.service === 'lockd'`).
 */
export type Matcher = string | readonly string[] | RegExp | ((msg: Message) => boolean);
/** The lowest (runs first) and highest (runs last) handler priorities. */
export declare const PRIORITY_FIRST = 0;
export declare const PRIORITY_LAST = 15;
/** The priority of a handler registered without one. */
export declare const PRIORITY_DEFAULT = 7;
/** The tag of the built-in handlers: `removeTag(BUILTIN_TAG)` removes them all. */
export declare const BUILTIN_TAG = "builtin";
export interface HandlerOptions {
    /** 0 runs first, 15 last; equal priorities run in registration order. @default 7 */
    priority?: number;
    /** A group name: `removeTag(tag)` removes every handler registered with it. @default none */
    tag?: string;
    /**
     * The parameters this handler needs. A message that does not fit is answered
     * `INVALID command=<CMD>;message=<what is wrong>` and the handler is not called.
     * @default none: every message that matches is handled
     */
    schema?: ParamSchema;
    /**
     * Commands this handler answers, for HELP. Exact matchers are listed by themselves; give this
     * for a `RegExp` or predicate so HELP can tell the peer. @default none
     */
    commands?: string | readonly string[];
}
/** What `on()` returns. */
export interface DispatchHandle {
    readonly priority: number;
    readonly tag: string | undefined;
    /** Still registered. */
    readonly active: boolean;
    /** Unregisters the handler; false when it was already removed. */
    remove(): boolean;
}
/** Where a dispatched message came from, and how to answer it. */
export interface DispatchTarget {
    /** The connection the message arrived on; answers go back on it. */
    conn?: Connection<Message, Message>;
    /** Sends an answer (overrides `conn.send`); handy in tests and for non-connection sources. */
    send?: (msg: Message) => SendStatus;
    /** Shown in logs and trace lines. @default conn.name, or 'local' */
    from?: string;
}
/** What a handler gets besides the message. */
export interface DispatchContext {
    /** The connection the message arrived on, if it came from one. */
    readonly conn: Connection<Message, Message> | undefined;
    /** The connection's name (or the target's `from`), for logs. */
    readonly from: string;
    readonly dispatcher: Dispatcher;
    /** Sends a message back where this one came from. `closed` when there is nowhere to send. */
    send(msg: Message): SendStatus;
    /** Sends `msg.reply(command, parameters)`: a new message addressed to this message's sender. */
    reply(command: string, parameters?: ParamsInput): SendStatus;
}
/** A console-like logger; `reopen()`, if it has one, is called on LOG_ROTATE. */
export interface DispatchLogger extends Logger {
    reopen?(): void;
}
export interface DispatcherOptions {
    /**
     * Which built-in commands to register: all (`true`), none (`false`), or a list
     * (`['HELP', 'ALIVE']`). @default true
     */
    builtins?: boolean | readonly BuiltinCommand[];
    /**
     * What happens to a message nothing handled: `true` answers `UNKNOWN command=<CMD>` (except to
     * UNKNOWN and INVALID themselves, which are only logged); `false` does nothing (dispatch
     * resolves `false`); a handler is called instead. @default true
     */
    catchAll?: boolean | Handler;
    /**
     * Log every dispatched message (`<from> >> COMMAND params...`) at `info`, to the dispatcher's
     * logger (`true`) or to the one given. @default false
     */
    trace?: boolean | Logger;
    /** Where handler failures, refused messages and the built-ins log. @default console */
    logger?: DispatchLogger;
    /** Told about every {@link DispatchError} (after it is logged). @default none */
    onError?: (error: DispatchError, ctx: DispatchContext) => void;
    /** READY received. @default log at debug */
    onReady?: LifecycleCallback;
    /** STOP (`msg.command === 'STOP'`) or QUITTING (the whole system stops) received. @default log a warning */
    onStop?: LifecycleCallback;
    /** RESTART received. @default log a warning */
    onRestart?: LifecycleCallback;
    /** LOG_ROTATE received, after `logger.reopen()` if the logger has one. @default nothing more */
    onLogRotate?: LifecycleCallback;
    /**
     * With `callbacks()`: the most messages of one connection whose async handlers may be running
     * at once. A security limit: past it the connection is closed with `DISPATCH_OVERLOADED`.
     * Synchronous handlers finish before the next message and never count.
     * @default Limits.dispatchMaxPending (1024)
     */
    maxPending?: number;
    /** The clock of ALIVE's `reply_timestamp`, in ms since the epoch. @default Date.now */
    now?: () => number;
}
export declare class Dispatcher {
    private readonly entries;
    private ordered;
    private seq;
    private readonly logger;
    private readonly tracer;
    private readonly onError;
    private readonly catchAll;
    private readonly maxPending;
    private readonly pending;
    private readonly overloaded;
    constructor(options?: DispatcherOptions);
    /**
     * Registers a handler. Throws `INVALID_OPTION` for a bad matcher, priority, tag or schema.
     *
     *     d.on('PING', (msg, ctx) => ctx.reply('PONG'));
     *     d.on(/^LOCK_/, onLockFamily, { commands: ['LOCK_A', 'LOCK_B'], priority: 3 });
     *     d.on((msg) => msg.service === 'lockd', forward, { tag: 'proxy' });
     */
    on<C extends string>(command: C | readonly C[], handler: Handler<Message<C>>, options?: HandlerOptions): DispatchHandle;
    on(match: RegExp | ((msg: Message) => boolean), handler: Handler, options?: HandlerOptions): DispatchHandle;
    /** Removes every handler registered with `tag` (the built-ins have tag `'builtin'`). Returns how many. */
    removeTag(tag: string): number;
    /** Handlers registered now, built-ins included. */
    get size(): number;
    /**
     * Every exact command a handler is registered for, plus the `commands` given for patterns and
     * predicates: sorted bytewise, no duplicates. This is the list HELP sends.
     */
    commands(): string[];
    private add;
    private removeEntry;
    /** User handlers by (priority, registration), then the built-ins in their fixed order. */
    private order;
    /**
     * Gives `msg` to the first matching handler. Resolves `true` when something handled it (a
     * handler, an INVALID answer to a schema failure, or the catch-all), `false` when nothing did
     * (only possible with `catchAll: false`). Never rejects for a handler's failure: that is
     * logged and given to `onError`.
     *
     * Synchronous handlers run before `dispatch()` returns, so messages dispatched one after the
     * other are handled in order.
     */
    dispatch(msg: Message, target?: DispatchTarget): Promise<boolean>;
    /** `dispatch()` without the promise when every step was synchronous. Never throws for handlers. */
    private run;
    private step;
    private fallback;
    private context;
    /** A message failed its schema: answer INVALID (about the peer's own message only), log, report. */
    private refuse;
    private handlerFailed;
    /** Logs a DispatchError and gives it to `onError`; neither may throw at the caller. */
    private fail;
    private log;
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
    callbacks(): Callbacks<Message, Message>;
    private receive;
    /** A line the codec refused: answer INVALID so the peer learns why (its own line; no internals). */
    private answerDecodeError;
    /**
     * Dispatches the messages of a connection read with `for await`, one at a time: the next
     * message is read only when the previous one's handler has finished, so a slow async handler
     * slows the peer through the connection's receive queue. Also reads `conn.errors()` to answer
     * lines that did not decode (`decodeErrors: 'skip'`) with INVALID. Resolves with the close
     * info once the connection is closed. Rejects only with `RECEIVE_MODE_CONFLICT`, at once, when
     * the connection's messages already go to an `onReceive` callback.
     */
    handle(conn: Connection<Message, Message>): Promise<CloseInfo>;
}

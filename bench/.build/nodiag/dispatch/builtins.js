/**
 * The commands every eventdispatcher daemon understands (its `add_communicator_commands()`), as
 * handlers a `Dispatcher` registers by default. Each one can be kept, removed or overridden:
 *
 *     HELP        -> COMMANDS list=<every exact command known, sorted, comma-separated>
 *     ALIVE       -> ABSOLUTELY serial=<copied>;timestamp=<copied>;reply_timestamp=<now, seconds.nanoseconds>
 *     READY       calls onReady          (snapcommunicator sends it after HELP/COMMANDS)
 *     STOP        calls onStop           (stop this service)
 *     QUITTING    calls onStop           (the whole system is shutting down)
 *     RESTART     calls onRestart        (a library or configuration changed)
 *     LOG_ROTATE  reopens the log (logger.reopen()) and calls onLogRotate
 *     UNKNOWN     logged: the peer did not understand a command we sent; never answered
 *     INVALID     logged: the peer refused a command we sent; never answered
 *
 * UNKNOWN and INVALID are never answered, so two dispatchers cannot ping-pong them for ever.
 */
import { isAccepted } from '../core/index.js';
import { formatTimespec, timespecFromMs } from '../core/message/index.js';
import { show } from '../core/message/names.js';
/** The built-in commands, in the order they are tried (after every user handler). */
export const BUILTIN_COMMANDS = ['HELP', 'ALIVE', 'READY', 'STOP', 'QUITTING', 'RESTART', 'LOG_ROTATE', 'UNKNOWN', 'INVALID'];
/** Sends a built-in answer; a refused or failed send is logged, never thrown. */
function answer(env, ctx, msg, reply) {
    try {
        const status = ctx.send(reply);
        if (!isAccepted(status))
            env.log('warn', `${ctx.from}: could not answer ${msg.command} with ${reply.command}: the send was ${status}`);
    }
    catch (err) {
        env.log('warn', `${ctx.from}: could not answer ${msg.command} with ${reply.command}: ${err instanceof Error ? err.message : String(err)}`);
    }
}
function lifecycle(env, name, cb, level) {
    return (msg, ctx) => {
        if (cb === undefined) {
            env.log(level, `${ctx.from}: ${msg.command} received and no ${name} callback was given: ignored`);
            return;
        }
        return cb(msg, ctx);
    };
}
/** The handler of each built-in command. */
export function builtinHandlers(env) {
    return {
        HELP: (msg, ctx) => {
            answer(env, ctx, msg, msg.reply('COMMANDS', { list: env.commands().join(',') }));
        },
        ALIVE: (msg, ctx) => {
            // Copied verbatim, unchecked, as eventdispatcher's msg_alive() does: the sender may put
            // anything it likes there (a counter, its own clock).
            answer(env, ctx, msg, msg.reply('ABSOLUTELY', {
                serial: msg.parameters['serial'],
                timestamp: msg.parameters['timestamp'],
                reply_timestamp: formatTimespec(timespecFromMs(env.now())),
            }));
        },
        READY: lifecycle(env, 'onReady', env.onReady, 'debug'),
        STOP: lifecycle(env, 'onStop', env.onStop, 'warn'),
        QUITTING: lifecycle(env, 'onStop', env.onStop, 'warn'),
        RESTART: lifecycle(env, 'onRestart', env.onRestart, 'warn'),
        LOG_ROTATE: (msg, ctx) => {
            const reopen = env.logger.reopen;
            if (typeof reopen === 'function') {
                env.log('info', `${ctx.from}: LOG_ROTATE: reopening the log`);
                reopen.call(env.logger);
                env.log('info', `${ctx.from}: LOG_ROTATE: log reopened`);
            }
            else if (env.onLogRotate === undefined) {
                env.log('debug', `${ctx.from}: LOG_ROTATE received; the logger has no reopen() and no onLogRotate callback was given: ignored`);
            }
            return env.onLogRotate?.(msg, ctx);
        },
        UNKNOWN: (msg, ctx) => {
            const cmd = msg.parameters['command'];
            env.log('error', `${ctx.from}: the peer does not understand ${cmd === undefined ? 'a command' : show(cmd)} we sent (UNKNOWN)`);
        },
        INVALID: (msg, ctx) => {
            const cmd = msg.parameters['command'];
            const why = msg.parameters['message'];
            env.log('error', `${ctx.from}: the peer refused ${cmd === undefined ? 'a message' : show(cmd)} we sent (INVALID)${why === undefined ? '' : `: ${show(why, 200)}`}`);
        },
    };
}

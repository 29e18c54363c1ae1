var __addDisposableResource = (this && this.__addDisposableResource) || function (env, value, async) {
    if (value !== null && value !== void 0) {
        if (typeof value !== "object" && typeof value !== "function") throw new TypeError("Object expected.");
        var dispose, inner;
        if (async) {
            if (!Symbol.asyncDispose) throw new TypeError("Symbol.asyncDispose is not defined.");
            dispose = value[Symbol.asyncDispose];
        }
        if (dispose === void 0) {
            if (!Symbol.dispose) throw new TypeError("Symbol.dispose is not defined.");
            dispose = value[Symbol.dispose];
            if (async) inner = dispose;
        }
        if (typeof dispose !== "function") throw new TypeError("Object not disposable.");
        if (inner) dispose = function() { try { inner.call(this); } catch (e) { return Promise.reject(e); } };
        env.stack.push({ value: value, dispose: dispose, async: async });
    }
    else if (async) {
        env.stack.push({ async: true });
    }
    return value;
};
var __disposeResources = (this && this.__disposeResources) || (function (SuppressedError) {
    return function (env) {
        function fail(e) {
            env.error = env.hasError ? new SuppressedError(e, env.error, "An error was suppressed during disposal.") : e;
            env.hasError = true;
        }
        var r, s = 0;
        function next() {
            while (r = env.stack.pop()) {
                try {
                    if (!r.async && s === 1) return s = 0, env.stack.push(r), Promise.resolve().then(next);
                    if (r.dispose) {
                        var result = r.dispose.call(r.value);
                        if (r.async) return s |= 2, Promise.resolve(result).then(next, function(e) { fail(e); return next(); });
                    }
                    else s |= 1;
                }
                catch (e) {
                    fail(e);
                }
            }
            if (s === 1) return env.hasError ? Promise.reject(env.error) : Promise.resolve();
            if (env.hasError) throw env.error;
        }
        return next();
    };
})(typeof SuppressedError === "function" ? SuppressedError : function (error, suppressed, message) {
    var e = new Error(message);
    return e.name = "SuppressedError", e.error = error, e.suppressed = suppressed, e;
});
/**
 * `switchboard signal`: sends one named message to a running server, like eventdispatcher's
 * `ed-signal`, and with `--reply` prints one reply line.
 *
 *     switchboard signal --host 127.0.0.1:4041 --type tcp --message QUIT
 *     switchboard signal --host 127.0.0.1:4041 --type udp --message LOG_ROTATE --secret-code s3cret
 *     switchboard signal --host /run/daemon.sock --type unix --message daemon/STATUS --reply
 */
import { ConfigError, ErrorCode, hostPort, namedMessageDatagrams, namedMessages, parseMessage, } from '../core/index.js';
import { connect, datagramClient } from '../endpoint/index.js';
import { escapeControls } from './escape.js';
import { Exit } from './io.js';
/** The message from `--message [[server:]service/]COMMAND` and `--param name=value`. */
export function signalMessage(flags) {
    // What the user typed is checked here: a bad message is a usage error (exit 2), not a failure.
    const usage = (what, fn) => {
        try {
            return fn();
        }
        catch (cause) {
            throw new ConfigError(ErrorCode.INVALID_OPTION, `${what}: ${cause.message}`, { cause });
        }
    };
    let msg = usage('--message', () => parseMessage(flags.message));
    for (const p of flags.param ?? []) {
        const eq = p.indexOf('=');
        if (eq <= 0)
            throw new ConfigError(ErrorCode.INVALID_OPTION, `--param ${JSON.stringify(p)}: expected name=value`);
        msg = usage(`--param ${p.slice(0, eq)}`, () => msg.with(p.slice(0, eq), p.slice(eq + 1)));
    }
    // On streams the secret code travels as a parameter; on UDP the datagram endpoint adds it.
    if (flags.secretCode !== undefined && flags.type !== 'udp')
        msg = msg.with('secret_code', flags.secretCode);
    return msg;
}
/** `127.0.0.1:4041` or `[::1]:4041` -> a URL of `scheme`; a path for unix. */
export function signalUrl(type, host) {
    if (type === 'unix') {
        if (!host.startsWith('/'))
            throw new ConfigError(ErrorCode.INVALID_OPTION, `--host for --type unix must be an absolute path, got ${JSON.stringify(host)}`);
        return `unix://${host}`;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host);
    if (!m)
        throw new ConfigError(ErrorCode.INVALID_OPTION, `--host must be host:port or [v6]:port, got ${JSON.stringify(host)}`);
    const h = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
    return `${type}://${hostPort(h, Number(m[2]))}`;
}
export async function signalCommand(flags, io) {
    const env_1 = { stack: [], error: void 0, hasError: false };
    try {
        const msg = signalMessage(flags);
        const url = signalUrl(flags.type, flags.host);
        const timeout = flags.timeout ?? 5000;
        if (flags.trace)
            io.stderr.write(`${url} << ${msg.toString()}\n`);
        if (flags.type === 'udp') {
            const env_2 = { stack: [], error: void 0, hasError: false };
            try {
                const ep = __addDisposableResource(env_2, await datagramClient(url, {
                    protocol: namedMessageDatagrams(),
                    ...(flags.secretCode !== undefined && { secretCode: flags.secretCode }),
                }), true);
                const status = ep.send(msg);
                if (status !== 'sent') {
                    io.stderr.write(`switchboard: the datagram was not sent (${status})\n`);
                    return Exit.failure;
                }
                if (!flags.reply)
                    return Exit.ok;
                const { msg: reply } = await ep.receive({ timeout });
                io.stdout.write(escapeControls(reply.toString()) + '\n');
                return Exit.ok;
            }
            catch (e_1) {
                env_2.error = e_1;
                env_2.hasError = true;
            }
            finally {
                const result_1 = __disposeResources(env_2);
                if (result_1)
                    await result_1;
            }
        }
        const conn = __addDisposableResource(env_1, await connect(url, { protocol: namedMessages(), timeout, decodeErrors: 'skip' }), true);
        const status = await conn.sendWait(msg, { timeout });
        if (status !== 'sent' && status !== 'queued' && status !== 'backpressured') {
            io.stderr.write(`switchboard: the message was not sent (${status})\n`);
            return Exit.failure;
        }
        if (!flags.reply)
            return Exit.ok;
        const reply = await conn.receive({ timeout });
        io.stdout.write(escapeControls(reply.toString()) + '\n');
        return Exit.ok;
    }
    catch (e_2) {
        env_1.error = e_2;
        env_1.hasError = true;
    }
    finally {
        const result_2 = __disposeResources(env_1);
        if (result_2)
            await result_2;
    }
}

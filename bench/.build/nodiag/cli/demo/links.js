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
 * Seed 000 (links): a typed client and server exchange Ping and Pong over newline-delimited
 * JSON, with a logger callback on both sides showing every message sent and received.
 */
import { linesJson } from '../../core/index.js';
import { chainCallbacks, connect, listen, loggerCallback, storeCallback } from '../../endpoint/index.js';
export const links = {
    name: 'links',
    title: 'links ping/pong (seed 000): typed messages, logger callback, connect with timeout and retry',
    async run(out) {
        const env_1 = { stack: [], error: void 0, hasError: false };
        try {
            const logger = { debug: out, info: out, warn: out, error: out };
            const svcStore = storeCallback();
            const cltStore = storeCallback();
            const timeout = 1000;
            const svc = __addDisposableResource(env_1, await listen('tcp://127.0.0.1:0', {
                name: 'svc',
                maxConnections: 1,
                protocol: linesJson(),
                callbacks: chainCallbacks(loggerCallback({ logger }), svcStore),
            }), true);
            const clt = __addDisposableResource(env_1, await connect(svc.url, {
                name: 'clt',
                timeout,
                retryAfter: timeout / 10,
                protocol: linesJson(),
                callbacks: chainCallbacks(loggerCallback({ logger }), cltStore),
            }), true);
            const sent = await clt.sendWait({ type: 'ping', seq: 1 }, { timeout });
            out(`clt send status: ${sent}`);
            const ping = await svcStore.waitFor((m) => m.type === 'ping', { timeout });
            const [svcConn] = svc.connections;
            if (!svcConn)
                throw new Error('the server has no connection');
            const replied = await svcConn.sendWait({ type: 'pong', seq: ping.seq }, { timeout });
            out(`svc send status: ${replied}`);
            const pong = await cltStore.waitFor((m) => m.type === 'pong', { timeout });
            out(`round trip complete: ping ${ping.seq} -> pong ${pong.seq}`);
        }
        catch (e_1) {
            env_1.error = e_1;
            env_1.hasError = true;
        }
        finally {
            const result_1 = __disposeResources(env_1);
            if (result_1)
                await result_1;
        }
    },
};

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
 * Seed 002 (mojo-websockets): an echo server, and a client in a scoped block (`await using`)
 * that sends text and binary and receives each back; leaving the block closes the connection
 * with the WebSocket close handshake.
 */
import { connect } from '../../endpoint/index.js';
import { startListener } from '../commands.js';
export const websocket = {
    name: 'websocket',
    title: 'mojo-websockets (seed 002): echo server, client in an await using block, text and binary',
    async run(out) {
        // The same server as `switchboard listen ws://127.0.0.1:PORT --echo`.
        const server = await startListener('ws://127.0.0.1:0', { framing: 'lines', echo: true, quiet: true, name: 'echo' }, () => { }, out);
        out(`Listening on ${server.url}`);
        let closedInfo = '';
        {
            const env_1 = { stack: [], error: void 0, hasError: false };
            try {
                const client = __addDisposableResource(env_1, await connect(server.url, { name: 'client' }), true);
                out(`Connection successful: ${client.name} (compression: ${client.meta['compression'] ? 'on' : 'off'})`);
                out('>>> Sending: Hello Mojo!');
                client.send('Hello Mojo!'); // a text frame
                const text = await client.receive({ timeout: 2000 });
                out(`<<< Received (${typeof text === 'string' ? 'text' : 'binary'}): ${String(text)}`);
                const bytes = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
                out('>>> Sending 4 bytes: de ad be ef');
                client.send(bytes); // a binary frame
                const echoed = await client.receive({ timeout: 2000 });
                const hex = echoed instanceof Uint8Array ? Array.from(echoed, (b) => b.toString(16).padStart(2, '0')).join(' ') : `text ${echoed}`;
                out(`<<< Received (${echoed instanceof Uint8Array ? 'binary' : 'text'}): ${hex}`);
                out(`ping round trip: ${(await client.ping()).toFixed(2)} ms`);
                void client.closed.then((info) => (closedInfo = `close code ${info.code}, clean: ${info.clean}`));
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
        } // leaving the block: close frame 1000, the server answers, TCP ends
        await new Promise((r) => setTimeout(r, 0));
        out(`Connection closed (${closedInfo || 'closing'}).`);
        await server.close();
    },
};

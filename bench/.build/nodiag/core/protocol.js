import { bytesCodec, jsonCodec } from './codec.js';
import { delimiter, lines } from './framing/delimiter.js';
export function defineProtocol(p) {
    return p;
}
export function protocolName(p) {
    return p.name ?? `${p.framing.name}+${p.codec.name}`;
}
/** Newline-delimited JSON: one JSON value per line (the links book example). */
export function linesJson(options = {}) {
    const framing = lines(options.maxFrameSize === undefined ? {} : { maxFrameSize: options.maxFrameSize });
    return { name: 'lines+json', framing, codec: jsonCodec(options.validate ? { validate: options.validate } : {}) };
}
const DISCONNECT = new TextEncoder().encode('disconnect');
function isDisconnect(msg) {
    if (msg.length !== DISCONNECT.length)
        return false;
    for (let i = 0; i < msg.length; i++)
        if (msg[i] !== DISCONNECT[i])
            return false;
    return true;
}
/**
 * The LEADS comm protocol: byte messages ended by a separator (`;` by default). A `disconnect`
 * message closes politely both ways: each side sends it before closing, and closes on receiving it
 * (it is consumed, not delivered).
 */
export function leads(options = {}) {
    const sep = options.separator ?? ';';
    const framing = delimiter(sep, options.maxFrameSize === undefined ? {} : { maxFrameSize: options.maxFrameSize });
    return {
        name: `leads(${JSON.stringify(sep)})`,
        framing,
        codec: bytesCodec(),
        hooks: {
            onDisconnect(ctx) {
                if (ctx.state['leadsPeerLeft'] !== true)
                    ctx.send(DISCONNECT);
            },
            onReceive(msg, ctx) {
                if (!isDisconnect(msg))
                    return true;
                ctx.state['leadsPeerLeft'] = true;
                ctx.close({ initiator: 'peer' });
                return false;
            },
        },
    };
}
export const protocols = { linesJson, leads, define: defineProtocol };

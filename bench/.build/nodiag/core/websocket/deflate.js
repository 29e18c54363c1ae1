/**
 * permessage-deflate (RFC 7692), the core side: the `Sec-WebSocket-Extensions` header
 * (RFC 6455 9.1), the parameter negotiation on both ends (RFC 7692 5, 7.1), and the
 * {@link Compressor} interface the protocol calls. The DEFLATE itself lives outside the core
 * (src/transport/deflate.ts uses node:zlib), created per connection by a
 * {@link CompressorFactory} from the negotiated {@link DeflateParams}.
 */
import { ConfigError, ErrorCode } from '../errors.js';
import { HandshakeError } from './errors.js';
import { isToken } from './http-head.js';
/**
 * Parses a `Sec-WebSocket-Extensions` value (several header lines joined with ", "). Returns
 * `undefined` when it does not follow the grammar of RFC 6455 9.1:
 *
 *     extension-list  = 1#extension
 *     extension       = extension-token *( ";" extension-param )
 *     extension-param = token [ "=" (token | quoted-string) ]
 *
 * A quoted value must be a token once unquoted (RFC 6455 9.1). Empty list elements are skipped
 * (RFC 9110 5.6.1).
 */
export function parseExtensions(value) {
    const out = [];
    let i = 0;
    const n = value.length;
    const ows = () => {
        while (i < n && (value[i] === ' ' || value[i] === '\t'))
            i++;
    };
    const token = () => {
        const start = i;
        while (i < n && isToken(value[i]))
            i++;
        return i > start ? value.slice(start, i) : undefined;
    };
    for (;;) {
        ows();
        if (i >= n)
            break;
        if (value[i] === ',') {
            i++;
            continue;
        }
        const name = token();
        if (name === undefined)
            return undefined;
        const ext = { name, params: [] };
        ows();
        while (i < n && value[i] === ';') {
            i++;
            ows();
            const p = token();
            if (p === undefined)
                return undefined;
            ows();
            let v = null;
            if (value[i] === '=') {
                i++;
                ows();
                if (value[i] === '"') {
                    i++;
                    let s = '';
                    while (i < n && value[i] !== '"') {
                        if (value[i] === '\\')
                            i++;
                        if (i >= n)
                            return undefined;
                        s += value[i];
                        i++;
                    }
                    if (i >= n)
                        return undefined; // no closing quote
                    i++;
                    if (!isToken(s))
                        return undefined;
                    v = s;
                }
                else {
                    const t = token();
                    if (t === undefined)
                        return undefined;
                    v = t;
                }
                ows();
            }
            ext.params.push([p, v]);
        }
        out.push(ext);
        ows();
        if (i < n && value[i] !== ',')
            return undefined;
    }
    return out;
}
/** Formats extensions for a `Sec-WebSocket-Extensions` header. */
export function formatExtensions(list) {
    return list.map((e) => [e.name, ...e.params.map(([k, v]) => (v === null ? k : `${k}=${v}`))].join('; ')).join(', ');
}
export const PERMESSAGE_DEFLATE = 'permessage-deflate';
const WINDOW_BITS = /^(?:8|9|1[0-5])$/;
function bits(v) {
    // RFC 7692 7.1.2.1: "a decimal integer value without leading zeros between 8 to 15".
    return v !== null && WINDOW_BITS.test(v) ? Number(v) : undefined;
}
function checkBits(name, v) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 8 && v <= 15)) {
        throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `deflate option ${name} must be an integer from 8 to 15, got ${v}`);
    }
}
/** The client's offer (RFC 7692 5.1). Default: `permessage-deflate; client_max_window_bits`. */
export function deflateOffer(options = {}) {
    checkBits('serverMaxWindowBits', options.serverMaxWindowBits);
    const cmwb = options.clientMaxWindowBits ?? true;
    if (typeof cmwb === 'number')
        checkBits('clientMaxWindowBits', cmwb);
    const params = [];
    if (options.serverNoContextTakeover)
        params.push(['server_no_context_takeover', null]);
    if (options.clientNoContextTakeover)
        params.push(['client_no_context_takeover', null]);
    if (options.serverMaxWindowBits !== undefined)
        params.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
    if (cmwb === true)
        params.push(['client_max_window_bits', null]);
    else if (typeof cmwb === 'number')
        params.push(['client_max_window_bits', String(cmwb)]);
    return { name: PERMESSAGE_DEFLATE, params };
}
/** Reads the parameters of one permessage-deflate element, or a reason why they are invalid. */
function readParams(ext, side) {
    const seen = new Set();
    const r = { snct: false, cnct: false, smwb: undefined, cmwb: undefined };
    for (const [rawName, value] of ext.params) {
        const name = rawName.toLowerCase();
        // RFC 7692 5.1 / 5.2: decline (server) or fail (client) on "multiple parameters with the
        // same name", an unknown parameter, or an invalid value.
        if (seen.has(name))
            return `parameter ${name} appears twice`;
        seen.add(name);
        switch (name) {
            case 'server_no_context_takeover':
            case 'client_no_context_takeover':
                // RFC 7692 7.1.1.1/7.1.1.2: "This extension parameter has no value."
                if (value !== null)
                    return `parameter ${name} must not have a value`;
                if (name === 'server_no_context_takeover')
                    r.snct = true;
                else
                    r.cnct = true;
                break;
            case 'server_max_window_bits': {
                const b = bits(value);
                if (b === undefined)
                    return `parameter server_max_window_bits needs a value from 8 to 15, got ${value === null ? 'none' : JSON.stringify(value)}`;
                r.smwb = b;
                break;
            }
            case 'client_max_window_bits': {
                // RFC 7692 7.1.2.2: in an offer the value is optional; in a response it is required.
                if (value === null && side === 'offer') {
                    r.cmwb = null;
                    break;
                }
                const b = bits(value);
                if (b === undefined)
                    return `parameter client_max_window_bits needs a value from 8 to 15, got ${value === null ? 'none' : JSON.stringify(value)}`;
                r.cmwb = b;
                break;
            }
            default:
                return `unknown parameter ${name}`;
        }
    }
    return r;
}
/**
 * Server side (RFC 7692 5.1, 7.1): takes the first permessage-deflate offer in `offers` that is
 * valid and compatible with `options`, and returns the agreed parameters and the response
 * element. Invalid offers (unknown or repeated parameters, bad values) are declined, as the RFC
 * requires, and the next one is tried. `undefined`: no offer was accepted.
 */
export function negotiateDeflate(offers, options = {}) {
    checkBits('serverMaxWindowBits', options.serverMaxWindowBits);
    const wantClientBits = typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : undefined;
    checkBits('clientMaxWindowBits', wantClientBits);
    for (const offer of offers) {
        if (offer.name.toLowerCase() !== PERMESSAGE_DEFLATE)
            continue;
        const p = readParams(offer, 'offer');
        if (typeof p === 'string')
            continue; // RFC 7692 5.1: "MUST decline"
        const params = [];
        // RFC 7692 7.1.1.1: accept server_no_context_takeover by echoing it; a server may also
        // add it on its own.
        const snct = p.snct || options.serverNoContextTakeover === true;
        if (snct)
            params.push(['server_no_context_takeover', null]);
        // RFC 7692 7.1.1.2: the server may ask the client for no context takeover.
        const cnct = p.cnct || options.clientNoContextTakeover === true;
        if (cnct)
            params.push(['client_no_context_takeover', null]);
        // RFC 7692 7.1.2.1: accept server_max_window_bits "with the same or smaller value"; a
        // server may include it when not offered. (zlib cannot compress with 8 bits; the transport
        // compresses with 9, whose matches never reach further than 2^9 - 262 = 250 bytes back, so a
        // peer with an 8-bit window can inflate it. That is what ws does too.)
        let smwb = 15;
        if (p.smwb !== undefined)
            smwb = Math.min(p.smwb, options.serverMaxWindowBits ?? 15);
        else if (options.serverMaxWindowBits !== undefined)
            smwb = options.serverMaxWindowBits;
        if (p.smwb !== undefined || smwb < 15)
            params.push(['server_max_window_bits', String(smwb)]);
        // RFC 7692 7.1.2.2: client_max_window_bits may be in the response only when the offer had it.
        let cmwb = 15;
        if (p.cmwb !== undefined) {
            const offered = p.cmwb ?? 15;
            cmwb = Math.min(offered, wantClientBits ?? 15);
            if (p.cmwb !== null || cmwb < 15)
                params.push(['client_max_window_bits', String(cmwb)]);
        }
        return {
            params: { serverNoContextTakeover: snct, clientNoContextTakeover: cnct, serverMaxWindowBits: smwb, clientMaxWindowBits: cmwb },
            response: { name: PERMESSAGE_DEFLATE, params },
        };
    }
    return undefined;
}
const failed = (why) => new HandshakeError(ErrorCode.WS_HANDSHAKE_FAILED, `server's permessage-deflate response is not acceptable: ${why}`, 101);
/**
 * Client side (RFC 7692 5.2, 7.1): checks the server's permessage-deflate response against the
 * offer made with `options`, and returns the agreed parameters. Throws `WS_HANDSHAKE_FAILED`
 * when the client must _Fail the WebSocket Connection_.
 */
export function acceptDeflateResponse(response, options = {}) {
    const p = readParams(response, 'response');
    if (typeof p === 'string')
        throw failed(p);
    // RFC 7692 7.1.1.1: a server accepts an offer's server_no_context_takeover by including it.
    if (options.serverNoContextTakeover && !p.snct)
        throw failed('server_no_context_takeover was offered but not accepted');
    if (options.serverMaxWindowBits !== undefined) {
        // RFC 7692 7.1.2.1: "the same or smaller value as the offer".
        if (p.smwb === undefined)
            throw failed('server_max_window_bits was offered but not accepted');
        if (p.smwb > options.serverMaxWindowBits)
            throw failed(`server_max_window_bits=${p.smwb} is more than the ${options.serverMaxWindowBits} offered`);
    }
    const ourBits = options.clientMaxWindowBits ?? true;
    if (p.cmwb !== undefined && p.cmwb !== null) {
        // RFC 7692 7.1.2.2: "If a received extension negotiation response has the
        // client_max_window_bits extension parameter but the client didn't include it in the offer,
        // the client MUST _Fail the WebSocket Connection_."
        if (ourBits === false)
            throw failed('client_max_window_bits in the response, but it was not offered');
        if (typeof ourBits === 'number' && p.cmwb > ourBits)
            throw failed(`client_max_window_bits=${p.cmwb} is more than the ${ourBits} offered`);
    }
    const cmwb = typeof p.cmwb === 'number' ? p.cmwb : typeof ourBits === 'number' ? ourBits : 15;
    return {
        serverNoContextTakeover: p.snct,
        clientNoContextTakeover: p.cnct || options.clientNoContextTakeover === true,
        serverMaxWindowBits: p.smwb ?? 15,
        clientMaxWindowBits: cmwb,
    };
}

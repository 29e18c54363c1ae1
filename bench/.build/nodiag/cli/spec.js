/**
 * Parses the CLI's `--framing` and `--codec` words into core framings and codecs:
 *
 *   lines | delimiter:<text> | length[:1|2|4|8|varint][:le] | fixed:<n> | raw
 *   text | json | bytes | message (WebSocket text as text, binary as binary) | named (eventdispatcher)
 */
import { ConfigError, ErrorCode, bytesCodec, delimiter, fixed, jsonCodec, lengthPrefix, lines, messageCodec, namedMessageCodec, parseMessage, isMessage, raw, textCodec, } from '../core/index.js';
export const FRAMING_HELP = 'lines | delimiter:<text> (\\n \\r \\t \\0 \\\\ escapes) | length[:1|2|4|8|varint][:le] | fixed:<n> | raw';
export const CODEC_HELP = 'text | json | bytes | message | named';
/** `\n`, `\r`, `\t`, `\0`, `\\` in a delimiter given on the command line. */
export function unescape(s) {
    return s.replace(/\\([nrt0\\])/g, (_, c) => ({ n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\' })[c]);
}
export function parseFraming(spec, maxFrameSize) {
    const lim = maxFrameSize === undefined ? {} : { maxFrameSize };
    const [kind, ...rest] = spec.split(':');
    const arg = rest.join(':');
    switch (kind) {
        case 'lines':
            return lines(lim);
        case 'delimiter':
            if (arg === '')
                break;
            return delimiter(unescape(arg), lim);
        case 'length': {
            const [w = '4', endian = 'be'] = rest;
            const width = w === 'varint' ? 'varint' : [1, 2, 4, 8].find((x) => String(x) === w);
            if (width === undefined || (endian !== 'be' && endian !== 'le'))
                break;
            return lengthPrefix({ width, endian: endian === 'le' ? 'little' : 'big', ...lim });
        }
        case 'fixed': {
            const n = Number(arg);
            if (!Number.isSafeInteger(n) || n < 1)
                break;
            return fixed(n);
        }
        case 'raw':
            return raw();
    }
    throw new ConfigError(ErrorCode.INVALID_OPTION, `unknown framing "${spec}", expected ${FRAMING_HELP}`);
}
export function parseCodec(spec) {
    switch (spec) {
        case 'text':
            return textCodec();
        case 'json':
            return jsonCodec();
        case 'bytes':
            return bytesCodec();
        case 'message':
            return messageCodec();
        case 'named':
            return namedMessageCodec();
    }
    throw new ConfigError(ErrorCode.INVALID_OPTION, `unknown codec "${spec}", expected ${CODEC_HELP}`);
}
const utf8 = new TextDecoder();
/** A received message as one output line. */
export function showMessage(msg) {
    if (typeof msg === 'string')
        return msg;
    if (isMessage(msg))
        return msg.toString();
    if (msg instanceof Uint8Array)
        return utf8.decode(msg);
    return JSON.stringify(msg);
}
/** A stdin line as the message to send with `codec`. */
export function lineToMessage(line, codecName) {
    if (codecName === 'named')
        return parseMessage(line);
    if (codecName === 'json') {
        try {
            return JSON.parse(line);
        }
        catch (cause) {
            throw new ConfigError(ErrorCode.INVALID_OPTION, `not JSON: ${JSON.stringify(line.slice(0, 80))}`, { cause });
        }
    }
    if (codecName === 'bytes')
        return new TextEncoder().encode(line);
    return line;
}

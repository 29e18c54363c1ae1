/**
 * Writing named messages: the line form eventdispatcher daemons send, and the JSON form.
 *
 *     ['<' sent_from_server ':' sent_from_service ' '] [[server ':'] service '/'] COMMAND [' ' name '=' value (';' name '=' value)*]
 *
 *     <cluster1:lockd snapcommunicator/LOCKED key=website;timeout_date=1715440881.543723981
 *     |<--- sent from --->|<- service ->|<cmd->|<------------- parameters -------------->|
 *
 * This file works on plain fields ({@link MessageParts}), so `Message` can use it without an
 * import cycle. Byte-exact with eventdispatcher's `message::to_string()`, except in one case
 * where its output is lossy (see `needsQuotes`).
 */
/** Bytewise order of names (they are ASCII, so UTF-16 order is byte order). */
export const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function sortedNames(parameters) {
    return Object.keys(parameters).sort(byName);
}
/**
 * The line form, without the `\n` (streams add it; a datagram is the line alone).
 *
 * - `<server:service ` is written when either sent-from field is set.
 * - `server:` is written only with a service (a `Message` never has one without the other).
 * - Parameters are sorted by name, separated by `;`, with no `;` after the last.
 * - Values are escaped in one pass: `\` -> `\\`, LF -> `\n`, CR -> `\r`. A value that contains
 *   `;` or starts with `"` is put in double quotes, and its `"` are written `\"`.
 */
export function serializeMessage(msg) {
    let out = '';
    if (msg.sentFromServer !== '' || msg.sentFromService !== '')
        out += `<${msg.sentFromServer}:${msg.sentFromService} `;
    if (msg.service !== '') {
        if (msg.server !== '')
            out += `${msg.server}:`;
        out += `${msg.service}/`;
    }
    out += msg.command;
    const names = sortedNames(msg.parameters);
    for (let i = 0; i < names.length; i++) {
        const name = names[i];
        out += `${i === 0 ? ' ' : ';'}${name}=${encodeValue(msg.parameters[name], i === names.length - 1)}`;
    }
    return out;
}
const SPECIAL = /[\\\n\r";]/;
/** What a reader trims from the ends of a line (C's `isspace`); `\n` and `\r` never survive escaping. */
const TRAILING_BLANK = /[ \t\v\f]$/;
function needsQuotes(value, last) {
    // eventdispatcher quotes a value that contains ';' or starts with '"'. It does not quote the
    // last value when it ends with a blank, and the reader's trim then eats the blank: we quote
    // it, which every reader (eventdispatcher's included) reads back exactly.
    return value.includes(';') || value.startsWith('"') || (last && TRAILING_BLANK.test(value));
}
/** A parameter value as written on the line (escaped, quoted when needed). */
export function encodeValue(value, last) {
    const quote = needsQuotes(value, last);
    if (!SPECIAL.test(value))
        return quote ? `"${value}"` : value;
    let out = quote ? '"' : '';
    for (const ch of value) {
        switch (ch) {
            case '\\':
                out += '\\\\';
                break;
            case '\n':
                out += '\\n';
                break;
            case '\r':
                out += '\\r';
                break;
            case '"':
                out += quote ? '\\"' : '"';
                break;
            default:
                out += ch;
        }
    }
    return quote ? `${out}"` : out;
}
/** An integer that survives a trip through a C++ double (eventdispatcher reads JSON numbers as doubles). */
function isPlainInteger(value) {
    if (!/^-?(?:0|[1-9][0-9]{0,15})$/.test(value) || value === '-0')
        return false;
    return Number.isSafeInteger(Number(value));
}
/**
 * The JSON form as an object, fields in eventdispatcher's order. Parameter values `true` and
 * `false` become JSON booleans and plain integers (`-35`, no `+`, no leading zero, at most
 * 2^53 - 1 in size) JSON numbers, as eventdispatcher writes them; every other value is a JSON
 * string, so that it reads back exactly (eventdispatcher would read `1.50` as `1.500000`).
 */
export function jsonObject(msg) {
    const o = {};
    if (msg.sentFromServer !== '')
        o['sent-from-server'] = msg.sentFromServer;
    if (msg.sentFromService !== '')
        o['sent-from-service'] = msg.sentFromService;
    if (msg.service !== '') {
        if (msg.server !== '')
            o.server = msg.server;
        o.service = msg.service;
    }
    o.command = msg.command;
    const names = sortedNames(msg.parameters);
    if (names.length > 0) {
        // No prototype: a parameter may be called `__proto__`.
        const p = Object.create(null);
        for (const name of names) {
            const v = msg.parameters[name];
            p[name] = v === 'true' ? true : v === 'false' ? false : isPlainInteger(v) ? Number(v) : v;
        }
        o.parameters = p;
    }
    return o;
}
/**
 * The JSON form on one line, always valid JSON (RFC 8259): every string is escaped by
 * `JSON.stringify`, and there is a comma between every two fields (eventdispatcher forgets the
 * one after `"service"`).
 */
export function toJson(msg) {
    return JSON.stringify(jsonObject(msg));
}

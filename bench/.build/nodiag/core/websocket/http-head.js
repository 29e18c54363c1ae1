/**
 * An incremental reader for HTTP/1.1 heads (RFC 9112): the request line or status line and the
 * header fields, up to the empty line. Only what the WebSocket opening handshake needs; message
 * bodies are not read.
 *
 *     GET /chat HTTP/1.1\r\n          <- start line        (httpMaxLineLength)
 *     Host: example.com\r\n           <- header fields     (httpMaxLineLength each, httpMaxHeaders)
 *     Upgrade: websocket\r\n
 *     \r\n                            <- end of the head   (httpMaxHeadSize in all)
 *     <frames...>                     <- not ours: returned by rest()
 *
 * Like a framer, `read()` either returns a whole head or says "not yet" (`undefined`) and
 * consumes nothing. It remembers how far it has scanned, so a head arriving one byte at a time
 * costs linear time. Limits are checked as bytes arrive, before the end of the head is seen.
 */
import { ByteQueue } from '../bytes.js';
import { ErrorCode, bytes } from '../errors.js';
import { Limits } from '../limits.js';
import { HandshakeError } from './errors.js';
/** Header fields in arrival order. Names are matched case-insensitively. */
export class HttpHeaders {
    list;
    constructor(list) {
        this.list = list;
    }
    /** Every value of `name`, in order. */
    getAll(name) {
        const lower = name.toLowerCase();
        const out = [];
        for (const [n, v] of this.list)
            if (n.toLowerCase() === lower)
                out.push(v);
        return out;
    }
    /** The values of `name` joined with ", " (RFC 9110 5.3), or `undefined` when absent. */
    get(name) {
        const all = this.getAll(name);
        return all.length === 0 ? undefined : all.join(', ');
    }
    has(name) {
        return this.getAll(name).length > 0;
    }
    /** How many times `name` appears. */
    count(name) {
        return this.getAll(name).length;
    }
}
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    TCHAR[c.charCodeAt(0)] = 1;
/** True when `s` is a non-empty RFC 9110 token. */
export function isToken(s) {
    if (s.length === 0)
        return false;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128 || TCHAR[c] === 0)
            return false;
    }
    return true;
}
/** True when `s` may be a header field value: no control characters but HTAB (so no CR, LF, NUL). */
export function isFieldValue(s) {
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff)
            return false;
    }
    return true;
}
/**
 * Splits a comma-separated list header value (RFC 9110 5.6.1) into its trimmed, non-empty
 * elements. Used for `Connection`, `Upgrade` and `Sec-WebSocket-Protocol`.
 */
export function splitList(value) {
    const out = [];
    for (const part of value.split(',')) {
        const t = part.trim();
        if (t !== '')
            out.push(t);
    }
    return out;
}
/** True when the comma list `value` holds `token`, compared case-insensitively. */
export function listHasToken(value, token) {
    if (value === undefined)
        return false;
    const lower = token.toLowerCase();
    return splitList(value).some((t) => t.toLowerCase() === lower);
}
const CR = 0x0d;
const LF = 0x0a;
/** Reads one HTTP head from chunks pushed into it. */
export class HttpHeadReader {
    q = new ByteQueue();
    kind;
    maxLine;
    maxHeaders;
    maxHead;
    scanned = 0; // bytes already checked for line ends
    lineStart = 0; // offset of the line being scanned
    lines = 0; // complete lines seen so far
    done = false;
    constructor(kind, limits = {}) {
        this.kind = kind;
        this.maxLine = limits.maxLineLength ?? Limits.httpMaxLineLength;
        this.maxHeaders = limits.maxHeaders ?? Limits.httpMaxHeaders;
        this.maxHead = limits.maxHeadSize ?? Limits.httpMaxHeadSize;
    }
    /** Buffers received bytes. The reader takes ownership of `chunk`. */
    push(chunk) {
        this.q.push(chunk);
    }
    /** Bytes buffered. */
    get buffered() {
        return this.q.length;
    }
    /**
     * The head, once its empty line has arrived; `undefined` before. Throws a
     * {@link HandshakeError}: `WS_HEAD_TOO_LARGE` (status 414 for the request line, 431 for header
     * fields) or `WS_BAD_REQUEST` (400) for a malformed head.
     */
    read() {
        if (this.done)
            throw new Error('HttpHeadReader.read() called again after it returned the head');
        const q = this.q;
        for (;;) {
            const lf = q.indexOf(LF, this.scanned);
            const end = lf < 0 ? q.length : lf;
            // The line so far without its CR (also when the CR has arrived and the LF not yet, so the
            // outcome does not depend on how the input was split).
            const crAt = lf < 0 ? end - 1 : lf - 1;
            const lineLen = end - this.lineStart - (crAt >= this.lineStart && q.byteAt(crAt) === CR ? 1 : 0);
            if (lineLen > this.maxLine)
                this.tooLong(lineLen);
            if (end + (lf < 0 ? 0 : 1) > this.maxHead) {
                throw this.tooLarge(`HTTP head is over ${bytes(this.maxHead)} without its end`, 'head', end + 1);
            }
            if (lf < 0) {
                this.scanned = q.length;
                return undefined;
            }
            if (lf === this.lineStart || q.byteAt(lf - 1) !== CR)
                throw this.bad('a line ends with LF without CR before it');
            this.scanned = lf + 1;
            if (lf - 1 === this.lineStart) {
                // The empty line: end of the head.
                if (this.lines === 0)
                    throw this.bad('the head starts with an empty line');
                const head = q.take(lf + 1);
                this.done = true;
                return this.parse(head);
            }
            this.lines++;
            if (this.lines - 1 > this.maxHeaders) {
                throw this.tooLarge(`HTTP head has more than ${this.maxHeaders} header fields`, 'headers', this.lines - 1);
            }
            this.lineStart = lf + 1;
        }
    }
    /** After `read()` returned the head: the bytes received after it (early frames), in one array. */
    rest() {
        return this.q.take(this.q.length);
    }
    tooLong(lineLen) {
        const first = this.lines === 0;
        const what = first ? (this.kind === 'request' ? 'request line' : 'status line') : 'header field';
        throw new HandshakeError(ErrorCode.WS_HEAD_TOO_LARGE, `HTTP ${what} of ${bytes(lineLen)} or more, expected no more than ${this.maxLine}`, first && this.kind === 'request' ? 414 : 431, { details: { seen: lineLen, max: this.maxLine } });
    }
    tooLarge(message, what, seen) {
        return new HandshakeError(ErrorCode.WS_HEAD_TOO_LARGE, message, 431, { details: { what, seen } });
    }
    bad(why) {
        return new HandshakeError(ErrorCode.WS_BAD_REQUEST, `malformed HTTP ${this.kind} head: ${why}`, 400);
    }
    parse(head) {
        // Latin-1: every byte is one character; obs-text (0x80-0xFF) survives as is.
        const lines = [];
        let from = 0;
        for (let i = 0; i < head.length; i++) {
            if (head[i] === LF) {
                lines.push(latin1(head, from, i - 1));
                from = i + 1;
            }
        }
        lines.pop(); // the final empty line
        const start = lines[0];
        const fields = [];
        for (let k = 1; k < lines.length; k++) {
            const line = lines[k];
            // RFC 9112 5.2: obs-fold (a line starting with whitespace) is refused with 400.
            if (line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09)
                throw this.bad('obsolete line folding in a header field');
            const colon = line.indexOf(':');
            // RFC 9112 5.1: "No whitespace is allowed between the field name and colon."
            if (colon <= 0)
                throw this.bad(`header line without "name:" (${JSON.stringify(line.slice(0, 40))})`);
            const name = line.slice(0, colon);
            if (!isToken(name))
                throw this.bad(`invalid header field name ${JSON.stringify(name.slice(0, 40))}`);
            const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
            if (!isFieldValue(value))
                throw this.bad(`control character in the value of ${name}`);
            fields.push([name, value]);
        }
        const headers = new HttpHeaders(fields);
        return (this.kind === 'request' ? this.parseRequestLine(start, headers) : this.parseStatusLine(start, headers));
    }
    parseRequestLine(line, headers) {
        // RFC 9112 3: request-line = method SP request-target SP HTTP-version
        const parts = line.split(' ');
        if (parts.length !== 3)
            throw this.bad(`request line is not "METHOD target HTTP/x.y" (${JSON.stringify(line.slice(0, 60))})`);
        const [method, target, version] = parts;
        if (!isToken(method))
            throw this.bad('invalid method');
        if (target === '' || !isFieldValue(target) || target.includes('\t'))
            throw this.bad('invalid request target');
        if (!/^HTTP\/\d\.\d$/.test(version))
            throw this.bad(`invalid HTTP version ${JSON.stringify(version.slice(0, 20))}`);
        return { method, target, version, headers };
    }
    parseStatusLine(line, headers) {
        // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
        const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(line);
        if (m === null)
            throw this.bad(`status line is not "HTTP/x.y NNN reason" (${JSON.stringify(line.slice(0, 60))})`);
        return { version: m[1], status: Number(m[2]), reason: m[3] ?? '', headers };
    }
}
function latin1(b, from, to) {
    let s = '';
    for (let i = from; i < to; i++)
        s += String.fromCharCode(b[i]);
    return s;
}
/** A reader for a request head (server side). */
export function requestHeadReader(limits) {
    return new HttpHeadReader('request', limits);
}
/** A reader for a response head (client side). */
export function responseHeadReader(limits) {
    return new HttpHeadReader('response', limits);
}

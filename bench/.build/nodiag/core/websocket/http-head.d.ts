/** Security limits of the head reader. */
export interface HttpHeadLimits {
    /** Longest line without its CRLF, in bytes. @default Limits.httpMaxLineLength (8 KiB) */
    maxLineLength?: number;
    /** Most header fields. @default Limits.httpMaxHeaders (100) */
    maxHeaders?: number;
    /** Largest head in bytes, the final empty line included. @default Limits.httpMaxHeadSize (16 KiB) */
    maxHeadSize?: number;
}
/** Header fields in arrival order. Names are matched case-insensitively. */
export declare class HttpHeaders {
    readonly list: ReadonlyArray<readonly [name: string, value: string]>;
    constructor(list: ReadonlyArray<readonly [string, string]>);
    /** Every value of `name`, in order. */
    getAll(name: string): string[];
    /** The values of `name` joined with ", " (RFC 9110 5.3), or `undefined` when absent. */
    get(name: string): string | undefined;
    has(name: string): boolean;
    /** How many times `name` appears. */
    count(name: string): number;
}
export interface HttpRequestHead {
    method: string;
    /** The request target as sent: `/chat?room=1`. */
    target: string;
    /** `HTTP/1.1` */
    version: string;
    headers: HttpHeaders;
}
export interface HttpResponseHead {
    version: string;
    status: number;
    reason: string;
    headers: HttpHeaders;
}
/** True when `s` is a non-empty RFC 9110 token. */
export declare function isToken(s: string): boolean;
/** True when `s` may be a header field value: no control characters but HTAB (so no CR, LF, NUL). */
export declare function isFieldValue(s: string): boolean;
/**
 * Splits a comma-separated list header value (RFC 9110 5.6.1) into its trimmed, non-empty
 * elements. Used for `Connection`, `Upgrade` and `Sec-WebSocket-Protocol`.
 */
export declare function splitList(value: string): string[];
/** True when the comma list `value` holds `token`, compared case-insensitively. */
export declare function listHasToken(value: string | undefined, token: string): boolean;
type Kind = 'request' | 'response';
/** Reads one HTTP head from chunks pushed into it. */
export declare class HttpHeadReader<T extends HttpRequestHead | HttpResponseHead> {
    private readonly q;
    private readonly kind;
    private readonly maxLine;
    private readonly maxHeaders;
    private readonly maxHead;
    private scanned;
    private lineStart;
    private lines;
    private done;
    constructor(kind: Kind, limits?: HttpHeadLimits);
    /** Buffers received bytes. The reader takes ownership of `chunk`. */
    push(chunk: Uint8Array): void;
    /** Bytes buffered. */
    get buffered(): number;
    /**
     * The head, once its empty line has arrived; `undefined` before. Throws a
     * {@link HandshakeError}: `WS_HEAD_TOO_LARGE` (status 414 for the request line, 431 for header
     * fields) or `WS_BAD_REQUEST` (400) for a malformed head.
     */
    read(): T | undefined;
    /** After `read()` returned the head: the bytes received after it (early frames), in one array. */
    rest(): Uint8Array;
    private tooLong;
    private tooLarge;
    private bad;
    private parse;
    private parseRequestLine;
    private parseStatusLine;
}
/** A reader for a request head (server side). */
export declare function requestHeadReader(limits?: HttpHeadLimits): HttpHeadReader<HttpRequestHead>;
/** A reader for a response head (client side). */
export declare function responseHeadReader(limits?: HttpHeadLimits): HttpHeadReader<HttpResponseHead>;
export {};

import type { Role } from './frame.js';
/** One extension in a `Sec-WebSocket-Extensions` header: a name and its parameters, in order. */
export interface Extension {
    name: string;
    /** `[name, value]`; value `null` for a parameter without `=value`. Duplicates are kept. */
    params: Array<[string, string | null]>;
}
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
export declare function parseExtensions(value: string): Extension[] | undefined;
/** Formats extensions for a `Sec-WebSocket-Extensions` header. */
export declare function formatExtensions(list: readonly Extension[]): string;
export declare const PERMESSAGE_DEFLATE = "permessage-deflate";
/**
 * The agreed parameters of permessage-deflate, named as on the wire (RFC 7692 7.1). Window bits
 * are 15 when the parameter was absent.
 */
export interface DeflateParams {
    /** The server resets its compression context after every message. */
    serverNoContextTakeover: boolean;
    /** The client resets its compression context after every message. */
    clientNoContextTakeover: boolean;
    /** The server compresses with an LZ77 window of at most 2^n bytes (8..15). */
    serverMaxWindowBits: number;
    /** The client compresses with an LZ77 window of at most 2^n bytes (8..15). */
    clientMaxWindowBits: number;
}
/**
 * What this endpoint asks for. On a client these become the offer; on a server they are the
 * server's own wishes, combined with each offer.
 */
export interface DeflateOptions {
    /** Client: ask the server not to keep context. Server: never keep context. @default false */
    serverNoContextTakeover?: boolean;
    /** Client: announce that we keep no context. Server: ask the client not to. @default false */
    clientNoContextTakeover?: boolean;
    /** Client: ask the server to use at most 2^n window bytes. Server: use at most that. @default 15 (no limit) */
    serverMaxWindowBits?: number;
    /**
     * Client: `true` offers the parameter without a value (we accept a limit from the server; the
     * default, as browsers send), a number also limits our own window, `false` leaves it out.
     * Server: limit the client's window to 2^n when the client offers the parameter.
     * @default true on a client, 15 (no limit) on a server
     */
    clientMaxWindowBits?: number | boolean;
}
/**
 * DEFLATE for one connection, called synchronously by the protocol. Created by a
 * {@link CompressorFactory} from the negotiated parameters and our role, so it knows which
 * window sizes to use and when to drop its context: context takeover is its own business.
 */
export interface Compressor {
    /**
     * Compresses one whole outgoing message (RFC 7692 7.2.1): raw DEFLATE ending with a sync
     * flush, with the final `00 00 ff ff` removed. With no context takeover for our side, the
     * context is reset afterwards.
     */
    compress(data: Uint8Array): Uint8Array;
    /**
     * Inflates the next piece (one frame's payload) of an incoming compressed message. `fin` marks
     * the last piece: the compressor then appends `00 00 ff ff` (RFC 7692 7.2.2) and, with no
     * context takeover for the peer, resets afterwards. Throws a `WebSocketError`
     * `WS_MESSAGE_TOO_LARGE` (1009) when the output of this call would exceed `maxOutput` bytes
     * (without inflating much past it: a zip bomb costs no memory), or `WS_INFLATE_FAILED` (1007)
     * for data that is not valid DEFLATE. Other errors are taken as `WS_INFLATE_FAILED`.
     */
    decompress(data: Uint8Array, maxOutput: number, fin: boolean): Uint8Array;
    /** Frees what the compressor holds (native zlib streams). Called once, when the protocol closes. */
    dispose?(): void;
}
/** Creates the {@link Compressor} of one connection. */
export type CompressorFactory = (params: DeflateParams, role: Role) => Compressor;
/** The client's offer (RFC 7692 5.1). Default: `permessage-deflate; client_max_window_bits`. */
export declare function deflateOffer(options?: DeflateOptions): Extension;
export interface DeflateAgreement {
    params: DeflateParams;
    /** The element for the server's `Sec-WebSocket-Extensions` response header. */
    response: Extension;
}
/**
 * Server side (RFC 7692 5.1, 7.1): takes the first permessage-deflate offer in `offers` that is
 * valid and compatible with `options`, and returns the agreed parameters and the response
 * element. Invalid offers (unknown or repeated parameters, bad values) are declined, as the RFC
 * requires, and the next one is tried. `undefined`: no offer was accepted.
 */
export declare function negotiateDeflate(offers: readonly Extension[], options?: DeflateOptions): DeflateAgreement | undefined;
/**
 * Client side (RFC 7692 5.2, 7.1): checks the server's permessage-deflate response against the
 * offer made with `options`, and returns the agreed parameters. Throws `WS_HANDSHAKE_FAILED`
 * when the client must _Fail the WebSocket Connection_.
 */
export declare function acceptDeflateResponse(response: Extension, options?: DeflateOptions): DeflateParams;

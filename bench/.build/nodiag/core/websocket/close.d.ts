/** Status codes with a name (RFC 6455 7.4.1, and the IANA registry for 1012-1015). */
export declare const CloseCode: {
    readonly NORMAL: 1000;
    readonly GOING_AWAY: 1001;
    readonly PROTOCOL_ERROR: 1002;
    readonly UNSUPPORTED_DATA: 1003;
    /** Never on the wire: "the close frame had no status code". */
    readonly NO_STATUS: 1005;
    /** Never on the wire: "the connection ended without a close frame". */
    readonly ABNORMAL: 1006;
    readonly INVALID_PAYLOAD: 1007;
    readonly POLICY_VIOLATION: 1008;
    readonly MESSAGE_TOO_BIG: 1009;
    readonly MANDATORY_EXTENSION: 1010;
    readonly INTERNAL_ERROR: 1011;
    readonly SERVICE_RESTART: 1012;
    readonly TRY_AGAIN_LATER: 1013;
    readonly BAD_GATEWAY: 1014;
    /** Never on the wire: "the TLS handshake failed". */
    readonly TLS_HANDSHAKE: 1015;
};
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
/** The largest close reason, in bytes: a control payload is at most 125 bytes, 2 are the code. */
export declare const MAX_CLOSE_REASON = 123;
/**
 * Whether `code` may appear in a close frame, sent or received (RFC 6455 7.4.1, 7.4.2):
 * 1000-1003 and 1007-1014 (1012-1014 were registered with IANA after the RFC), and 3000-4999
 * (libraries, frameworks and applications). 1004 is reserved, 1005, 1006 and 1015 MUST NOT be
 * set in a close frame, 1016-2999 are reserved for future RFCs, 0-999 are not used.
 */
export declare function isValidCloseCode(code: number): boolean;
/** A parsed close frame. `code` is 1005 (`NO_STATUS`) when the payload was empty. */
export interface CloseInfo {
    code: number;
    reason: string;
}
/**
 * Parses a received close payload. Throws a {@link WebSocketError}:
 * `WS_INVALID_CLOSE` (1002) for a 1-byte payload or a code not allowed on the wire,
 * `WS_INVALID_UTF8` (1007) for a reason that is not valid UTF-8.
 */
export declare function parseClosePayload(payload: Uint8Array): CloseInfo;
/** `reason` as UTF-8, cut at a character boundary so it fits `max` bytes. */
export declare function truncateUtf8(reason: string, max?: number): Uint8Array;
/**
 * The payload of a close frame to send. `code` undefined or 1005 gives an empty payload (a close
 * without status, RFC 6455 5.5.1). The reason is cut at a UTF-8 boundary to 123 bytes. Throws
 * `WS_INVALID_ARGUMENT` for a code that may not be sent, or a reason without a code.
 */
export declare function closePayload(code: number | undefined, reason?: string): Uint8Array;

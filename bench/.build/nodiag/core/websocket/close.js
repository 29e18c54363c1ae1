/**
 * Close frames and status codes (RFC 6455 5.5.1 and 7.4).
 *
 * A close frame's payload is empty, or a 2-byte big-endian status code followed by a UTF-8
 * reason:
 *
 *     +--------+--------+------------------------------+
 *     |  status code    |  reason (UTF-8, 0..123 bytes) |
 *     +--------+--------+------------------------------+
 */
import { ConfigError, ErrorCode } from '../errors.js';
import { WebSocketError } from './errors.js';
import { Utf8Validator } from './utf8.js';
/** Status codes with a name (RFC 6455 7.4.1, and the IANA registry for 1012-1015). */
export const CloseCode = {
    NORMAL: 1000,
    GOING_AWAY: 1001,
    PROTOCOL_ERROR: 1002,
    UNSUPPORTED_DATA: 1003,
    /** Never on the wire: "the close frame had no status code". */
    NO_STATUS: 1005,
    /** Never on the wire: "the connection ended without a close frame". */
    ABNORMAL: 1006,
    INVALID_PAYLOAD: 1007,
    POLICY_VIOLATION: 1008,
    MESSAGE_TOO_BIG: 1009,
    MANDATORY_EXTENSION: 1010,
    INTERNAL_ERROR: 1011,
    SERVICE_RESTART: 1012,
    TRY_AGAIN_LATER: 1013,
    BAD_GATEWAY: 1014,
    /** Never on the wire: "the TLS handshake failed". */
    TLS_HANDSHAKE: 1015,
};
/** The largest close reason, in bytes: a control payload is at most 125 bytes, 2 are the code. */
export const MAX_CLOSE_REASON = 123;
/**
 * Whether `code` may appear in a close frame, sent or received (RFC 6455 7.4.1, 7.4.2):
 * 1000-1003 and 1007-1014 (1012-1014 were registered with IANA after the RFC), and 3000-4999
 * (libraries, frameworks and applications). 1004 is reserved, 1005, 1006 and 1015 MUST NOT be
 * set in a close frame, 1016-2999 are reserved for future RFCs, 0-999 are not used.
 */
export function isValidCloseCode(code) {
    return ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
}
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * Parses a received close payload. Throws a {@link WebSocketError}:
 * `WS_INVALID_CLOSE` (1002) for a 1-byte payload or a code not allowed on the wire,
 * `WS_INVALID_UTF8` (1007) for a reason that is not valid UTF-8.
 */
export function parseClosePayload(payload) {
    // RFC 6455 5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte
    // unsigned integer ... representing a status code".
    if (payload.length === 0)
        return { code: CloseCode.NO_STATUS, reason: '' };
    if (payload.length === 1) {
        throw new WebSocketError(ErrorCode.WS_INVALID_CLOSE, 'close frame with a 1-byte payload, expected 0 or at least 2 bytes', CloseCode.PROTOCOL_ERROR);
    }
    const code = (payload[0] << 8) | payload[1];
    // RFC 6455 7.4.1/7.4.2: 1005, 1006 and 1015 "MUST NOT be set as a status code in a Close
    // control frame"; reserved and unassigned ranges are not valid either.
    if (!isValidCloseCode(code)) {
        throw new WebSocketError(ErrorCode.WS_INVALID_CLOSE, `close frame with status code ${code}, which is not allowed on the wire`, CloseCode.PROTOCOL_ERROR);
    }
    const reasonBytes = payload.subarray(2);
    // RFC 6455 5.5.1: the reason's "interpretation is not defined by this specification" but it
    // is UTF-8; 8.1: invalid UTF-8 fails the connection with 1007.
    const v = new Utf8Validator();
    const bad = v.update(reasonBytes);
    if (bad >= 0 || !v.complete) {
        throw new WebSocketError(ErrorCode.WS_INVALID_UTF8, bad >= 0 ? `close reason is not valid UTF-8 (byte ${bad})` : 'close reason ends in the middle of a UTF-8 sequence', CloseCode.INVALID_PAYLOAD);
    }
    return { code, reason: decoder.decode(reasonBytes) };
}
const encoder = new TextEncoder();
/** `reason` as UTF-8, cut at a character boundary so it fits `max` bytes. */
export function truncateUtf8(reason, max = MAX_CLOSE_REASON) {
    const bytes = encoder.encode(reason);
    if (bytes.length <= max)
        return bytes;
    let end = max;
    // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
    while (end > 0 && (bytes[end] & 0xc0) === 0x80)
        end--;
    return bytes.subarray(0, end);
}
/**
 * The payload of a close frame to send. `code` undefined or 1005 gives an empty payload (a close
 * without status, RFC 6455 5.5.1). The reason is cut at a UTF-8 boundary to 123 bytes. Throws
 * `WS_INVALID_ARGUMENT` for a code that may not be sent, or a reason without a code.
 */
export function closePayload(code, reason = '') {
    if (code === undefined || code === CloseCode.NO_STATUS) {
        if (reason !== '')
            throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, 'a close reason needs a status code');
        return new Uint8Array(0);
    }
    if (!Number.isInteger(code) || !isValidCloseCode(code)) {
        throw new ConfigError(ErrorCode.WS_INVALID_ARGUMENT, `close status code ${code} may not be sent, expected 1000-1003, 1007-1014 or 3000-4999`);
    }
    const r = truncateUtf8(reason);
    const out = new Uint8Array(2 + r.length);
    out[0] = code >> 8;
    out[1] = code & 0xff;
    out.set(r, 2);
    return out;
}

/**
 * Base64 (RFC 4648 section 4, with padding) for the handshake: `Sec-WebSocket-Key`,
 * `Sec-WebSocket-Accept` and `Authorization: Basic`. Pure code, so the core needs no `Buffer`.
 */
/** Encodes bytes as padded base64. */
export declare function base64Encode(bytes: Uint8Array): string;
/**
 * Decodes strict padded base64: the length is a multiple of 4, only the alphabet and final `=`
 * padding, and the unused bits of the last group are zero (so each value has one spelling).
 * Returns `undefined` for anything else.
 */
export declare function base64Decode(s: string): Uint8Array | undefined;

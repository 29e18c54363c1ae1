/**
 * An incremental UTF-8 validator (RFC 3629), so that a fragmented text message fails on the first
 * fragment that holds an invalid byte (RFC 6455 8.1: close with 1007 as soon as invalid data is
 * seen) instead of after the whole message has been buffered.
 *
 * It is a DFA in the style of Bjoern Hoehrmann's decoder: each byte is mapped to a character
 * class, and a transition table takes (state, class) to the next state. The states are:
 *
 *     ACCEPT   between characters
 *     C1       one continuation byte left (80..BF)
 *     C2       two left, the next one 80..BF
 *     C3       three left, the next one 80..BF
 *     E0       after E0: the next byte must be A0..BF   (rejects overlong 3-byte forms)
 *     ED       after ED: the next byte must be 80..9F   (rejects surrogates U+D800..U+DFFF)
 *     F0       after F0: the next byte must be 90..BF   (rejects overlong 4-byte forms)
 *     F4       after F4: the next byte must be 80..8F   (rejects code points above U+10FFFF)
 *     REJECT   invalid; stays there
 *
 * C0, C1 and F5..FF never start a valid sequence (overlong 2-byte forms and values past
 * U+10FFFF), so they go straight to REJECT. A message that ends anywhere but ACCEPT is truncated.
 */
/** Validates UTF-8 fed in pieces. One instance per message; `reset()` to reuse. */
export declare class Utf8Validator {
    private state;
    /** Bytes accepted so far, over all pieces: the offset of an error, for messages. */
    private seen;
    /**
     * Checks the next piece. Returns -1 while the text is valid so far, else the offset (counted
     * from the start of the message) of the first byte that cannot be part of valid UTF-8. After an
     * error the validator stays failed.
     */
    update(bytes: Uint8Array): number;
    /** True when the text so far ends on a character boundary (no sequence left unfinished). */
    get complete(): boolean;
    reset(): void;
}
/** True when `bytes` is complete, valid UTF-8. */
export declare function isValidUtf8(bytes: Uint8Array): boolean;
/**
 * The number of bytes `TextEncoder` produces for `s`, without encoding it. Lone surrogates
 * count as U+FFFD (3 bytes), as `TextEncoder` writes them.
 */
export declare function utf8Length(s: string): number;

/**
 * Base64 (RFC 4648 section 4, with padding) for the handshake: `Sec-WebSocket-Key`,
 * `Sec-WebSocket-Accept` and `Authorization: Basic`. Pure code, so the core needs no `Buffer`.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++)
    VALUES[ALPHABET.charCodeAt(i)] = i;
/** Encodes bytes as padded base64. */
export function base64Encode(bytes) {
    let s = '';
    let i = 0;
    for (; i + 2 < bytes.length; i += 3) {
        const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
    }
    const left = bytes.length - i;
    if (left === 1) {
        const n = bytes[i] << 16;
        s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + '==';
    }
    else if (left === 2) {
        const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
        s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + '=';
    }
    return s;
}
/**
 * Decodes strict padded base64: the length is a multiple of 4, only the alphabet and final `=`
 * padding, and the unused bits of the last group are zero (so each value has one spelling).
 * Returns `undefined` for anything else.
 */
export function base64Decode(s) {
    if (s.length % 4 !== 0)
        return undefined;
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    const out = new Uint8Array((s.length / 4) * 3 - pad);
    let o = 0;
    for (let i = 0; i < s.length; i += 4) {
        const last = i + 4 === s.length;
        let n = 0;
        for (let k = 0; k < 4; k++) {
            const c = s.charCodeAt(i + k);
            let v;
            if (c === 0x3d /* = */ && last && k >= 4 - pad)
                v = 0;
            else {
                v = c < 128 ? VALUES[c] : -1;
                if (v < 0)
                    return undefined;
            }
            n = (n << 6) | v;
        }
        if (last && pad === 2 && (n & 0xffff) !== 0)
            return undefined;
        if (last && pad === 1 && (n & 0xff) !== 0)
            return undefined;
        out[o++] = n >> 16;
        if (o < out.length)
            out[o++] = (n >> 8) & 0xff;
        if (o < out.length)
            out[o++] = n & 0xff;
    }
    return out;
}

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

// Character classes.
const ASCII = 0; // 00..7F
const CONT_LO = 1; // 80..8F
const CONT_MID = 2; // 90..9F
const CONT_HI = 3; // A0..BF
const LEAD2 = 4; // C2..DF
const LEAD_E0 = 5; // E0
const LEAD3 = 6; // E1..EC, EE..EF
const LEAD_ED = 7; // ED
const LEAD_F0 = 8; // F0
const LEAD4 = 9; // F1..F3
const LEAD_F4 = 10; // F4
const INVALID = 11; // C0, C1, F5..FF
const CLASSES = 12;

const CLASS = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  CLASS[b] =
    b < 0x80 ? ASCII
    : b < 0x90 ? CONT_LO
    : b < 0xa0 ? CONT_MID
    : b < 0xc0 ? CONT_HI
    : b < 0xc2 ? INVALID
    : b < 0xe0 ? LEAD2
    : b === 0xe0 ? LEAD_E0
    : b === 0xed ? LEAD_ED
    : b < 0xf0 ? LEAD3
    : b === 0xf0 ? LEAD_F0
    : b < 0xf4 ? LEAD4
    : b === 0xf4 ? LEAD_F4
    : INVALID;
}

// States.
const ACCEPT = 0;
const C1 = 1;
const C2 = 2;
const C3 = 3;
const S_E0 = 4;
const S_ED = 5;
const S_F0 = 6;
const S_F4 = 7;
const REJECT = 8;
const STATES = 9;

/** TRANSITION[state * CLASSES + class] = next state. */
const TRANSITION = new Uint8Array(STATES * CLASSES).fill(REJECT);
const set = (state: number, classes: readonly number[], next: number): void => {
  for (const c of classes) TRANSITION[state * CLASSES + c] = next;
};
set(ACCEPT, [ASCII], ACCEPT);
set(ACCEPT, [LEAD2], C1);
set(ACCEPT, [LEAD3], C2);
set(ACCEPT, [LEAD_E0], S_E0);
set(ACCEPT, [LEAD_ED], S_ED);
set(ACCEPT, [LEAD4], C3);
set(ACCEPT, [LEAD_F0], S_F0);
set(ACCEPT, [LEAD_F4], S_F4);
set(C1, [CONT_LO, CONT_MID, CONT_HI], ACCEPT);
set(C2, [CONT_LO, CONT_MID, CONT_HI], C1);
set(C3, [CONT_LO, CONT_MID, CONT_HI], C2);
set(S_E0, [CONT_HI], C1);
set(S_ED, [CONT_LO, CONT_MID], C1);
set(S_F0, [CONT_MID, CONT_HI], C2);
set(S_F4, [CONT_LO], C2);

/** Validates UTF-8 fed in pieces. One instance per message; `reset()` to reuse. */
export class Utf8Validator {
  private state = ACCEPT;
  /** Bytes accepted so far, over all pieces: the offset of an error, for messages. */
  private seen = 0;

  /**
   * Checks the next piece. Returns -1 while the text is valid so far, else the offset (counted
   * from the start of the message) of the first byte that cannot be part of valid UTF-8. After an
   * error the validator stays failed.
   */
  update(bytes: Uint8Array): number {
    let state = this.state;
    if (state === REJECT) return this.seen;
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      // Fast path: runs of ASCII between characters.
      if (state === ACCEPT) {
        while (i < n && bytes[i]! < 0x80) i++;
        if (i === n) break;
      }
      state = TRANSITION[state * CLASSES + CLASS[bytes[i]!]!]!;
      if (state === REJECT) {
        this.state = REJECT;
        this.seen += i;
        return this.seen;
      }
      i++;
    }
    this.state = state;
    this.seen += n;
    return -1;
  }

  /** True when the text so far ends on a character boundary (no sequence left unfinished). */
  get complete(): boolean {
    return this.state === ACCEPT;
  }

  reset(): void {
    this.state = ACCEPT;
    this.seen = 0;
  }
}

/** True when `bytes` is complete, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const v = new Utf8Validator();
  return v.update(bytes) === -1 && v.complete;
}

export { utf8Length } from '../utf8-length.js';

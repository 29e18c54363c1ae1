/**
 * Makes peer text safe to print on a terminal. A peer chooses the bytes of its messages; printed
 * raw, `\x1b]0;pwned\x07\x1b[2J` sets the terminal's title and clears the screen, `\r` and
 * cursor moves rewrite lines already printed, and bidi overrides reorder what is shown.
 *
 *     character                                   printed as
 *     LF, CR                                      \n  \r
 *     other C0 controls (U+0000-U+001F), DEL      \x00 ... \x1f, \x7f     (tab is kept)
 *     C1 controls (U+0080-U+009F)                 \u0080 ... \u009f       (U+009B is a one-character CSI)
 *     bidi embeddings, overrides and isolates     \u202a ... \u202e, \u2066 ... \u2069
 *     line and paragraph separators               \u2028 \u2029
 *
 * Backslashes are not doubled: the output is for people. `--raw` prints the bytes as they came.
 */

// Everything above except tab (U+0009).
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
// The same without LF, and without CR when an LF follows it: for raw framing, whose chunks carry the peer's own line ends.
const UNSAFE_KEEP_LINES = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]|\r(?!\n)/g;

/** The escape of each character below U+00A0 that needs one (see the table above). */
const ESCAPES: Array<string | undefined> = [];
for (let c = 0; c < 0xa0; c++) {
  if ((c < 0x20 && c !== 0x09) || c >= 0x7f) {
    ESCAPES[c] = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  }
}

/**
 * `s` with every terminal control character written as an escape (see the table above).
 * `keepLineEnds`: LF and CR LF pass through (raw framing prints the peer's lines as they are).
 *
 * One pass over the string with a lookup table: a regular expression replace with a function per
 * match took 100+ ms for 256 KiB of control bytes, which a peer chooses.
 */
export function escapeControls(s: string, keepLineEnds = false): string {
  const re = keepLineEnds ? UNSAFE_KEEP_LINES : UNSAFE;
  re.lastIndex = 0;
  if (!re.test(s)) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let r: string | undefined;
    if (c < 0xa0) {
      r = ESCAPES[c];
      if (r !== undefined && keepLineEnds && (c === 0x0a || (c === 0x0d && s.charCodeAt(i + 1) === 0x0a))) r = undefined;
    } else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x2028 || c === 0x2029) {
      r = `\\u${c.toString(16)}`;
    }
    if (r === undefined) continue;
    if (i > from) out += s.slice(from, i);
    out += r;
    from = i + 1;
  }
  return out + s.slice(from);
}

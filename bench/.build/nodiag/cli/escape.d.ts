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
/**
 * `s` with every terminal control character written as an escape (see the table above).
 * `keepLineEnds`: LF and CR LF pass through (raw framing prints the peer's lines as they are).
 */
export declare function escapeControls(s: string, keepLineEnds?: boolean): string;

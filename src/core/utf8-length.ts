// The UTF-8 size of a string, in a module of its own: a bundle that needs only it carries nothing else.
/**
 * The number of bytes `TextEncoder` produces for `s`, without encoding it. Lone surrogates
 * count as U+FFFD (3 bytes), as `TextEncoder` writes them.
 */
export function utf8Length(s: string): number {
  let n = s.length; // one byte per UTF-16 unit, plus the extra below
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 2 units, 4 bytes
        i++;
      } else n += 2;
    } else n += 2; // other BMP characters and lone surrogates: 3 bytes
  }
  return n;
}

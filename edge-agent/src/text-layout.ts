/**
 * Receipt layout in printer columns: a half-width character takes one column, a full-width one
 * (kanji, kana, full-width symbols) two — as Japanese printers count them.
 */
export function charColumns(cp: number): 1 | 2 {
  if (cp < 0x1100) return 1;
  if (cp >= 0xff61 && cp <= 0xff9f) return 1; // half-width katakana
  if (cp >= 0x2000 && cp <= 0x206f) return 1; // general punctuation (dashes, quotes) is narrow
  return 2;
}

export function textColumns(text: string): number {
  let n = 0;
  for (const ch of text) n += charColumns(ch.codePointAt(0)!);
  return n;
}

/** Hard-wrap each line at `columns`; an empty line stays an empty line. */
export function wrapLines(lines: readonly string[], columns: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let current = '';
    let used = 0;
    for (const ch of line.replace(/[\r\n\t]/g, ' ')) {
      const w = charColumns(ch.codePointAt(0)!);
      if (used + w > columns) {
        out.push(current);
        current = '';
        used = 0;
      }
      current += ch;
      used += w;
    }
    out.push(current);
  }
  return out;
}

/**
 * CP932 (Windows Shift_JIS) for Japanese ESC/POS printers, whose Kanji mode expects Shift_JIS
 * bytes. iconv-lite does the encoding; we only fold the characters Unicode has twice for one CP932
 * code (JIS vs Microsoft mappings), so text typed on a Mac or from a JIS source prints the same.
 */
import iconv from 'iconv-lite';

const ALIASES: Record<string, string> = {
  '\u2212': '\uFF0D', // minus sign → fullwidth hyphen-minus
  '\u301C': '\uFF5E', // wave dash → fullwidth tilde
  '\u2016': '\u2225', // double vertical line → parallel to
  '\u2014': '\u2015', // em dash → horizontal bar
  '\u00A2': '\uFFE0',
  '\u00A3': '\uFFE1',
  '\u00AC': '\uFFE2',
};
const ALIAS_RE = new RegExp(`[${Object.keys(ALIASES).join('')}]`, 'gu');

/** Encode to CP932; a character CP932 cannot represent becomes `?`. */
export function encodeCp932(text: string): Uint8Array {
  return Uint8Array.from(
    iconv.encode(
      text.replace(ALIAS_RE, (c) => ALIASES[c]!),
      'cp932',
    ),
  );
}

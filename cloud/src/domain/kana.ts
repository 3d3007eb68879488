/**
 * A reading as stored: NFKC (ｶﾀｶﾅ → カタカナ, full-width letters and digits → ASCII), hiragana
 * folded to katakana (ゝゞ too), runs of spaces as one, trimmed. Nothing else is changed.
 */
export function foldToKatakana(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[\u3041-\u3096\u309d\u309e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60))
    .replace(/\s+/g, ' ')
    .trim();
}

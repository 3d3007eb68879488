import { computeCheckChar } from './checkDigits.ts';
import { reject, type ScanRejection } from './messages.ts';
import { cleanScan } from './nw7.ts';

/**
 * EAN-13 (JAN) check digit: modulus 10 weight 3-1 over the first 12 digits, weights from the
 * right. Worked example (JAN sample 4901234567894): 4+27+0+3+2+9+4+15+6+21+8+27 = 126, 10 − 6 = 4.
 */
export function ean13CheckDigit(first12: string): string {
  if (!/^[0-9]{12}$/.test(first12)) throw new RangeError(`expected 12 digits, got "${first12}"`);
  return computeCheckChar('mod10w31', first12);
}

export function isValidEan13(code: string): boolean {
  return /^[0-9]{13}$/.test(code) && ean13CheckDigit(code.slice(0, 12)) === code[12];
}

/**
 * ISBN-10 check character: weights 10 down to 2 over the first nine digits, check =
 * (11 − sum mod 11) mod 11, 10 written "X". Worked example (hatena bohemianway): 4-566-01411-8 →
 * 4×10+5×9+6×8+6×7+0×6+1×5+4×4+1×3+1×2 = 201, 201 mod 11 = 3, 11 − 3 = 8.
 */
export function isbn10CheckChar(first9: string): string {
  if (!/^[0-9]{9}$/.test(first9)) throw new RangeError(`expected 9 digits, got "${first9}"`);
  const sum = [...first9].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** ISBN-10 → ISBN-13: prefix 978, drop the old check character, add the EAN-13 one. */
export function isbn10To13(isbn10: string): string {
  const first12 = `978${isbn10.slice(0, 9)}`;
  return first12 + ean13CheckDigit(first12);
}

/** ISBN-13 → ISBN-10, which exists only for the 978 range. */
export function isbn13To10(isbn13: string): string | null {
  if (!isbn13.startsWith('978')) return null;
  const first9 = isbn13.slice(3, 12);
  return first9 + isbn10CheckChar(first9);
}

export type IsbnResult = { ok: true; isbn13: string; isbn10: string | null } | ScanRejection;

/** Digits of a typed or scanned book number: NFKC, no hyphens or spaces, "x" as "X". */
const compact = (raw: string): string => cleanScan(raw).replace(/[-\s]/gu, '').toUpperCase();

/**
 * Accepts an ISBN-10 or ISBN-13, with or without hyphens, checks its check character and returns
 * it as ISBN-13 (the form we store) plus ISBN-10 where one exists.
 */
export function parseIsbn(raw: string): IsbnResult {
  const code = compact(raw);
  if (code === '') return reject('empty');
  const bad = [...code].find((ch, i) => !/[0-9]/.test(ch) && !(ch === 'X' && i === 9 && code.length === 10));
  if (bad !== undefined) return reject('invalidCharacter', { char: bad });
  if (code.length === 13) {
    if (!code.startsWith('978') && !code.startsWith('979')) return reject('notIsbn');
    if (!isValidEan13(code)) return reject('badCheckDigit');
    return { ok: true, isbn13: code, isbn10: isbn13To10(code) };
  }
  if (code.length === 10) {
    if (isbn10CheckChar(code.slice(0, 9)) !== code[9]) return reject('badCheckDigit');
    return { ok: true, isbn13: isbn10To13(code), isbn10: code };
  }
  return reject('wrongLength', { expected: [13, 10], actual: code.length });
}

export interface JapanesePriceBar {
  /** The 4-digit 分類コード (C-code) printed as "C0241". */
  cCode: string;
  /** 本体価格 (before tax) in yen; 0 means "100,000 yen or more" (printed 00000). */
  price: number;
}

/**
 * The second bar of a 書籍JANコード (日本図書コード 2段目): 192 + C-code (4) + price (5) + EAN-13
 * check digit. It identifies no book, so a counter must ignore it rather than report an error.
 */
export function parseJapanesePriceBar(raw: string): JapanesePriceBar | null {
  const code = compact(raw);
  if (!/^192[0-9]{10}$/.test(code) || !isValidEan13(code)) return null;
  return { cCode: code.slice(3, 7), price: Number(code.slice(7, 12)) };
}

import { codabarChar, codabarValue, type StartStopChar } from './codabar.ts';

/**
 * Check-digit schemes Japanese libraries use on NW-7 patron cards and item labels. Each library
 * chose one when its labels were first printed and cannot change it without relabelling, so we
 * support them all, exactly as published. "body" below is the digits before the check character;
 * weights "from the right" start at the body's last digit.
 *
 * Where "modulus minus remainder" would give the modulus itself (remainder 0), every Japanese
 * definition we found uses 0 instead (余りが0の場合はチェックデジットも0); 7DSR lets the tenant
 * choose, see `sevenDsrZeroAs`.
 */
export const CHECK_DIGIT_SCHEMES = [
  'none',
  'mod16',
  '7dr',
  '7dsr',
  'mod10w21',
  'mod10w21bulk',
  'mod10w31',
  'mod11w27',
] as const;
export type CheckDigitScheme = (typeof CHECK_DIGIT_SCHEMES)[number];

export interface CheckDigitOptions {
  /** Modulus 16 counts the start and stop characters, so it needs the ones printed on the label. */
  start?: StartStopChar;
  stop?: StartStopChar;
  /** 7DSR with remainder 0: '0' (as go-codabar and the modulus-10 convention) or '7' (7 − 0). */
  sevenDsrZeroAs?: '0' | '7';
}

const digitsOf = (body: string): number[] => {
  if (!/^[0-9]+$/.test(body)) throw new RangeError(`check digits are computed over digits only: "${body}"`);
  return [...body].map(Number);
};

/** Σ digit × weight, weights repeating from the rightmost body digit; `split` adds product digits. */
function weightedSum(body: string, weights: readonly number[], split = false): number {
  const digits = digitsOf(body);
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const product = digits[digits.length - 1 - i]! * weights[i % weights.length]!;
    sum += split ? Math.floor(product / 10) + (product % 10) : product;
  }
  return sum;
}

/** The body taken as one decimal number, modulo m, without overflowing for long bodies. */
function numberMod(body: string, m: number): number {
  return digitsOf(body).reduce((r, d) => (r * 10 + d) % m, 0);
}

/**
 * Modulus 16 (the Codabar standard's own check character). Sum the values of every character
 * including start and stop, the check character is (16 − sum mod 16) mod 16 — it may be a symbol.
 * Worked example (barcode-net.com「モジュラス16」, also 4js Genero "codabar-18"): A37859B →
 * 16+3+7+8+5+9+17 = 65, 65 mod 16 = 1, 16 − 1 = 15 = "+", so the symbol is A37859+B.
 * (16 − 0 would be "A", which a reader cannot take as data; gwtcenter.com and IBM use 0.)
 */
function mod16(body: string, opts: CheckDigitOptions): string {
  if (!opts.start || !opts.stop) throw new Error('modulus 16 needs the start and stop characters');
  let sum = codabarValue(opts.start)! + codabarValue(opts.stop)!;
  for (const d of digitsOf(body)) sum += d;
  return codabarChar((16 - (sum % 16)) % 16);
}

/**
 * 7DR (セブンチェック, "divide, remainder"): the body as a number mod 7, a digit 0–6.
 * Worked examples: 123456 → 123456 = 7 × 17636 + 4 → 4 (mimosa.gr.jp); 12345678901 → 3
 * (nanoappli.com, Yamato tracking numbers).
 */
const sevenDr = (body: string): string => String(numberMod(body, 7));

/**
 * 7DSR ("divide, subtract remainder"): 7 − (body mod 7). Worked example: 12345 mod 7 = 4, so
 * 7DR gives 4 and 7DSR gives 7 − 4 = 3 (github.com/yamarkz/go-codabar).
 */
function sevenDsr(body: string, opts: CheckDigitOptions): string {
  const r = numberMod(body, 7);
  return r === 0 ? (opts.sevenDsrZeroAs ?? '0') : String(7 - r);
}

/**
 * Modulus 10 weight 2-1 分割 (= Luhn): weights 2,1,2,1… from the right, two-digit products are
 * split into their digits, check = (10 − sum mod 10) mod 10. Worked example (aimjal.co.jp):
 * 12345678 → (1+6)+7+(1+2)+5+8+3+4+1 = 38, 10 − 8 = 2. Also 20151119 → 3 and 20151149 → 0 (qiita).
 */
const mod10w21 = (body: string): string => String((10 - (weightedSum(body, [2, 1], true) % 10)) % 10);

/**
 * Modulus 10 weight 2-1 一括: as above but products are summed whole. Worked example
 * (aimjal.co.jp): 12345678 → 16+7+12+5+8+3+4+1 = 56, 10 − 6 = 4. Weaker: 0↔5 under weight 2 pass.
 */
const mod10w21bulk = (body: string): string => String((10 - (weightedSum(body, [2, 1]) % 10)) % 10);

/**
 * Modulus 10 weight 3-1 (the EAN/JAN rule): weights 3,1,3,1… from the right. Worked example
 * (activebarcode.com): 400763000011 → 44, 10 − 4 = 6 (EAN 4007630000116).
 */
const mod10w31 = (body: string): string => String((10 - (weightedSum(body, [3, 1]) % 10)) % 10);

/**
 * Modulus 11 weights 2–7: weights 2,3,4,5,6,7,2… from the right, r = sum mod 11, check = 11 − r,
 * except r = 0 or 1 gives 0 (so it stays one digit). Worked example (Hitachi SEWB+ LXRPIZ04):
 * 12345 → 1×6+2×5+3×4+4×3+5×2 = 50, 50 mod 11 = 6, 11 − 6 = 5.
 */
function mod11w27(body: string): string {
  const r = weightedSum(body, [2, 3, 4, 5, 6, 7]) % 11;
  return r <= 1 ? '0' : String(11 - r);
}

/** The check character for a body under a scheme, or '' for 'none'. */
export function computeCheckChar(
  scheme: CheckDigitScheme,
  body: string,
  opts: CheckDigitOptions = {},
): string {
  switch (scheme) {
    case 'none':
      digitsOf(body);
      return '';
    case 'mod16':
      return mod16(body, opts);
    case '7dr':
      return sevenDr(body);
    case '7dsr':
      return sevenDsr(body, opts);
    case 'mod10w21':
      return mod10w21(body);
    case 'mod10w21bulk':
      return mod10w21bulk(body);
    case 'mod10w31':
      return mod10w31(body);
    case 'mod11w27':
      return mod11w27(body);
  }
}

/** True when `code` (body + check character) carries the right check character. */
export function hasValidCheckChar(
  scheme: CheckDigitScheme,
  code: string,
  opts: CheckDigitOptions = {},
): boolean {
  if (scheme === 'none') return /^[0-9]+$/.test(code);
  const body = code.slice(0, -1);
  if (!/^[0-9]+$/.test(body)) return false;
  return computeCheckChar(scheme, body, opts) === code.slice(-1);
}

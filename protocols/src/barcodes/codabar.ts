/**
 * The NW-7 (Codabar) character set as the check-digit schemes see it.
 *
 * Codabar encodes 0–9, six symbols and the four start/stop characters A–D. Modulus 16 gives every
 * character a value (JIS X 0503 / AIM BC3 table, reproduced by Japanese vendors such as
 * barcode-net.com「モジュラス16」): digits are themselves, then - $ : / . + are 10–15, and A–D 16–19.
 */

/** Data characters in value order: index = value used by modulus 16. */
export const CODABAR_DATA_CHARS = '0123456789-$:/.+';

/** Start/stop characters in value order (A = 16 … D = 19). */
export const START_STOP_CHARS = ['A', 'B', 'C', 'D'] as const;
export type StartStopChar = (typeof START_STOP_CHARS)[number];

export function isStartStopChar(ch: string): ch is StartStopChar {
  return (START_STOP_CHARS as readonly string[]).includes(ch);
}

/** The modulus-16 value of one Codabar character, or undefined when it is not one. */
export function codabarValue(ch: string): number | undefined {
  const data = CODABAR_DATA_CHARS.indexOf(ch);
  if (data >= 0 && ch.length === 1) return data;
  const ss = START_STOP_CHARS.indexOf(ch as StartStopChar);
  return ss >= 0 ? 16 + ss : undefined;
}

/** The data character for a value 0–15 (the only values a modulus-16 check character takes). */
export function codabarChar(value: number): string {
  const ch = CODABAR_DATA_CHARS[value];
  if (ch === undefined) throw new RangeError(`not a Codabar data value: ${value}`);
  return ch;
}

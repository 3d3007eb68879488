import { randomInt } from 'node:crypto';

/** How long a pairing code shown on a counter screen can be scanned. */
export const PAIRING_CODE_TTL_MS = 120_000;

/**
 * A pairing code: "$" and ten random digits. A library's item and card barcodes are digits (a
 * symbol may only be a modulus-16 check character at the end), so a code can never be mistaken for
 * one, and every NW-7 reader reads "$". It is printed as NW-7 with start/stop A.
 */
const CODE = /^\$[0-9]{10}$/;

export function newPairingCode(): string {
  let digits = '';
  for (let i = 0; i < 10; i++) digits += String(randomInt(10));
  return `$${digits}`;
}

/** The NW-7 symbol text (start and stop included) drawn for a code. */
export const pairingBarcodeText = (code: string) => `A${code}A`;

/** The code in a scan, whether or not the reader sends the start/stop characters; else null. */
export function pairingCodeFromScan(data: string): string | null {
  const text = data.trim();
  const framed = /^[A-Da-d](.*)[A-Da-d]$/.exec(text);
  const inner = framed ? framed[1]! : text;
  return CODE.test(inner) ? inner : null;
}

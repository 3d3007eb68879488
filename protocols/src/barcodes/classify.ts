import { isValidEan13, parseIsbn, parseJapanesePriceBar } from './isbn.ts';
import { reject, type ScanRejection, type ScanRejectReason } from './messages.ts';
import { cleanScan, normalizeScan } from './nw7.ts';
import type { BarcodeSettings } from './settings.ts';

export type ScanClass =
  | { kind: 'patron'; value: string }
  | { kind: 'item'; value: string }
  | { kind: 'isbn'; isbn13: string; isbn10: string | null }
  | { kind: 'jan'; code: string }
  | { kind: 'ignore'; reason: 'japanesePriceBar' }
  | {
      kind: 'unknown';
      reason: ScanRejectReason;
      messageJa: string;
      messageEn: string;
      candidates?: Exclude<ScanClass['kind'], 'unknown'>[];
    };

type Match = Exclude<ScanClass, { kind: 'unknown' }>;

/**
 * How far a refused scan got through the checks: when nothing matches, the reason from the kind
 * it came closest to is the one worth showing ("bad check digit" beats "wrong length").
 */
const DEPTH: Partial<Record<ScanRejectReason, number>> = {
  badCheckDigit: 5,
  wrongPrefix: 4,
  wrongStartStop: 3,
  missingStartStop: 3,
  unexpectedStartStop: 3,
  incompleteStartStop: 2,
  invalidCharacter: 1,
  wrongLength: 1,
};

/** Barcode-borne book numbers only: scanners send ISBN as EAN-13; ISBN-10 only when typed. */
function bookMatches(text: string): Match[] {
  const compact = text.replace(/[-\s]/gu, '');
  if (/^[0-9]{13}$/.test(compact)) {
    if (parseJapanesePriceBar(compact)) return [{ kind: 'ignore', reason: 'japanesePriceBar' }];
    const isbn = parseIsbn(compact);
    if (isbn.ok) return [{ kind: 'isbn', isbn13: isbn.isbn13, isbn10: isbn.isbn10 }];
    return isValidEan13(compact) && !/^97[89]/.test(compact) ? [{ kind: 'jan', code: compact }] : [];
  }
  // A bare 10-digit number is far more likely a card than an ISBN-10; demand hyphens or an X.
  if (/[-X]/i.test(text)) {
    const isbn = parseIsbn(text);
    if (isbn.ok) return [{ kind: 'isbn', isbn13: isbn.isbn13, isbn10: isbn.isbn10 }];
  }
  return [];
}

/**
 * Decides what a counter scan is: a patron card, an item label, an ISBN or other JAN, the
 * Japanese price bar to ignore, or nothing we know. A scan that fits two kinds is refused as
 * ambiguous rather than guessed, so it can never open the wrong record.
 */
export function classifyScan(raw: string, settings: BarcodeSettings): ScanClass {
  const text = cleanScan(raw);
  if (text === '') return unknown(reject('empty'));
  const patron = normalizeScan(text, settings.patronCard);
  const item = normalizeScan(text, settings.itemLabel);
  const matches: Match[] = [
    ...(patron.ok ? [{ kind: 'patron', value: patron.value } as const] : []),
    ...(item.ok ? [{ kind: 'item', value: item.value } as const] : []),
    ...bookMatches(text),
  ];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    return unknown(
      reject('ambiguous'),
      matches.map((m) => m.kind),
    );
  }

  const failures: ScanRejection[] = [];
  if (/^97[89]/.test(text.replace(/[-\s]/gu, ''))) {
    const isbn = parseIsbn(text);
    if (!isbn.ok) failures.push(isbn);
  }
  if (!patron.ok) failures.push(patron);
  if (!item.ok) failures.push(item);
  return unknown(closest(failures));
}

/** The failure that got furthest; "wrong length" only when every kind expects the same length. */
function closest(failures: ScanRejection[]): ScanRejection {
  let best: ScanRejection | undefined;
  for (const f of failures) {
    if ((DEPTH[f.reason] ?? 0) > (best ? (DEPTH[best.reason] ?? 0) : 0)) best = f;
  }
  if (best?.reason === 'wrongLength' && failures.some((f) => f.messageJa !== best.messageJa)) {
    return reject('unrecognized');
  }
  return best ?? reject('unrecognized');
}

const unknown = (r: ScanRejection, candidates?: Match['kind'][]): ScanClass => ({
  kind: 'unknown',
  reason: r.reason,
  messageJa: r.messageJa,
  messageEn: r.messageEn,
  ...(candidates ? { candidates } : {}),
});

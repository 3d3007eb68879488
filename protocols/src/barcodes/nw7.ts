import { type CheckDigitOptions, computeCheckChar } from './checkDigits.ts';
import { isStartStopChar, type StartStopChar } from './codabar.ts';
import { reject, type ScanRejection } from './messages.ts';
import type { Nw7Settings, Transmission } from './settings.ts';

export type NormalizeResult = { ok: true; value: string } | ScanRejection;

/**
 * Full-width digits (NFKC) and the whitespace, CR and LF that keyboard-wedge readers and people
 * add around a scan. Inner spaces stay, so "1234 5678" is refused rather than joined.
 */
export function cleanScan(raw: string): string {
  return raw.normalize('NFKC').replace(/^\s+|\s+$/gu, '');
}

const allows = (t: Transmission, present: boolean): boolean => t === 'either' || (t === 'always') === present;

interface Framed {
  inner: string;
  start?: StartStopChar;
  stop?: StartStopChar;
}

/** Peels start/stop characters (any case: some readers send a…d) and checks them against the settings. */
function unframe(text: string, s: Nw7Settings): Framed | ScanRejection {
  const first = text[0]!.toUpperCase();
  const last = text.at(-1)!.toUpperCase();
  const hasStart = isStartStopChar(first);
  const hasStop = text.length > 1 && isStartStopChar(last);
  if (hasStart !== hasStop) return reject('incompleteStartStop');
  if (!hasStart) {
    return allows(s.startStopTransmitted, false) ? { inner: text } : reject('missingStartStop');
  }
  if (!allows(s.startStopTransmitted, true)) return reject('unexpectedStartStop');
  const start = first as StartStopChar;
  const stop = last as StartStopChar;
  if (!s.startChars.includes(start) || !s.stopChars.includes(stop)) return reject('wrongStartStop');
  return { inner: text.slice(1, -1), start, stop };
}

/** The start/stop modulus 16 must count: the ones read, else the only ones this label kind uses. */
function checkOptions(s: Nw7Settings, framed: Framed): CheckDigitOptions {
  return {
    start: framed.start ?? s.startChars[0],
    stop: framed.stop ?? s.stopChars[0],
    sevenDsrZeroAs: s.sevenDsrZeroAs,
  };
}

/**
 * Turns whatever a reader sent for an NW-7 label into the one canonical string stored for it, so
 * a label reads the same with or without start/stop and with or without its check digit. Input
 * that does not fit is refused with a reason — never repaired into some other valid number.
 */
export function normalizeScan(raw: string, s: Nw7Settings): NormalizeResult {
  const text = cleanScan(raw);
  if (text === '') return reject('empty');
  const framed = unframe(text, s);
  if ('ok' in framed) return framed;
  const { inner } = framed;

  // The check character of modulus 16 may be a symbol, so only the last position may hold one.
  const bad = [...inner].find(
    (ch, i) => !/[0-9]/.test(ch) && !(i === inner.length - 1 && /[-$:/.+]/.test(ch)),
  );
  if (bad !== undefined) return reject('invalidCharacter', { char: bad });

  const hasScheme = s.checkDigit !== 'none';
  const withCheck = hasScheme && inner.length === s.length && allows(s.checkDigitTransmitted, true);
  const withoutCheck =
    inner.length === (hasScheme ? s.length - 1 : s.length) &&
    (!hasScheme || allows(s.checkDigitTransmitted, false));
  if (!withCheck && !withoutCheck) {
    const expected = !hasScheme
      ? [s.length]
      : ({ always: [s.length], never: [s.length - 1], either: [s.length, s.length - 1] } as const)[
          s.checkDigitTransmitted
        ];
    return reject('wrongLength', { expected: [...expected], actual: inner.length });
  }

  const body = withCheck ? inner.slice(0, -1) : inner;
  const symbol = [...body].find((ch) => !/[0-9]/.test(ch));
  if (symbol !== undefined) return reject('invalidCharacter', { char: symbol });
  if (s.prefixes.length > 0 && !s.prefixes.some((p) => body.startsWith(p))) {
    return reject('wrongPrefix', { prefixes: s.prefixes });
  }
  if (!hasScheme) return { ok: true, value: body };

  const check = computeCheckChar(s.checkDigit, body, checkOptions(s, framed));
  if (withCheck && inner.slice(-1) !== check) return reject('badCheckDigit');
  return { ok: true, value: s.canonicalForm === 'withCheckDigit' ? body + check : body };
}

/**
 * The canonical value for a new number (e.g. the next patron card to issue): appends the check
 * character the scheme demands. Throws on a body that does not fit, since that is a programming error.
 */
export function completeNw7(body: string, s: Nw7Settings): string {
  const bodyLength = s.checkDigit === 'none' ? s.length : s.length - 1;
  if (!/^[0-9]+$/.test(body) || body.length !== bodyLength) {
    throw new RangeError(`expected ${bodyLength} digits, got "${body}"`);
  }
  const check = computeCheckChar(s.checkDigit, body, checkOptions(s, { inner: body }));
  return s.canonicalForm === 'withCheckDigit' ? body + check : body;
}

/** What to print: start + body + check + stop, for label and card printers. */
export function nw7Symbol(body: string, s: Nw7Settings): string {
  completeNw7(body, s);
  const check = computeCheckChar(s.checkDigit, body, checkOptions(s, { inner: body }));
  return `${s.startChars[0]}${body}${check}${s.stopChars[0]}`;
}

import { describe, expect, it } from 'vitest';
import {
  BarcodeSettings,
  classifyScan,
  completeNw7,
  computeCheckChar,
  ean13CheckDigit,
  hasValidCheckChar,
  isbn10To13,
  Nw7Settings,
  normalizeScan,
  nw7Symbol,
  parseIsbn,
  parseJapanesePriceBar,
} from '../src/index.ts';

/** 192 + C-code 0193 + 本体 600 yen + check digit */
const PRICE_BAR = `192019300600${ean13CheckDigit('192019300600')}`;

describe('check digit schemes, against the published worked examples', () => {
  it.each([
    ['mod10w21', '12345678', '2'],
    ['mod10w21', '20151119', '3'],
    ['mod10w21', '20151149', '0'],
    ['mod10w21bulk', '12345678', '4'],
    ['mod10w31', '400763000011', '6'],
    ['7dr', '123456', '4'],
    ['7dr', '12345678901', '3'],
    ['7dsr', '12345', '3'],
    ['mod11w27', '12345', '5'],
  ] as const)('%s of %s is %s', (scheme, body, check) => {
    expect(computeCheckChar(scheme, body)).toBe(check);
    expect(hasValidCheckChar(scheme, body + check)).toBe(true);
  });

  it('modulus 16 counts start and stop: A37859B → "+"', () => {
    expect(computeCheckChar('mod16', '37859', { start: 'A', stop: 'B' })).toBe('+');
  });

  it('7DSR with remainder 0 follows the tenant setting', () => {
    expect(computeCheckChar('7dsr', '14', { sevenDsrZeroAs: '0' })).toBe('0');
    expect(computeCheckChar('7dsr', '14', { sevenDsrZeroAs: '7' })).toBe('7');
  });

  it('refuses to compute over non-digits', () => {
    expect(() => computeCheckChar('mod10w21', '12a4')).toThrow(RangeError);
  });
});

const label = Nw7Settings.parse({
  length: 10,
  checkDigit: 'mod10w21',
  checkDigitTransmitted: 'either',
  startChars: ['A'],
  stopChars: ['A'],
});

describe('NW-7 scans: one label, whatever the reader sends', () => {
  const canonical = completeNw7('100000012', label);

  it('reads the same item with or without start/stop, check digit, case and full-width digits', () => {
    const body = canonical.slice(0, -1);
    const variants = [
      canonical,
      `A${canonical}A`,
      `a${canonical}a`,
      body,
      `A${body}A`,
      ` ${canonical}\r\n`,
      canonical.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    ];
    for (const v of variants) expect(normalizeScan(v, label)).toEqual({ ok: true, value: canonical });
  });

  it('rejects a mistyped digit instead of matching another record', () => {
    const wrong = `${canonical.slice(0, 3)}${(Number(canonical[3]) + 1) % 10}${canonical.slice(4)}`;
    const r = normalizeScan(wrong, label);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('badCheckDigit');
      expect(r.messageJa).toMatch(/チェック/);
    }
  });

  it('names the problem: length, characters, half a frame, wrong start/stop', () => {
    const reason = (s: string) => {
      const r = normalizeScan(s, label);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason('123')).toBe('wrongLength');
    expect(reason('12345X789')).toBe('invalidCharacter');
    expect(reason(`A${canonical}`)).toBe('incompleteStartStop');
    expect(reason(`B${canonical}B`)).toBe('wrongStartStop');
    expect(reason('   ')).toBe('empty');
  });

  it('a strict reader setting catches a misconfigured reader', () => {
    const strict = Nw7Settings.parse({
      ...label,
      startStopTransmitted: 'always',
      checkDigitTransmitted: 'always',
    });
    expect(normalizeScan(`A${canonical}A`, strict).ok).toBe(true);
    const r = normalizeScan(canonical, strict);
    expect(r.ok ? 'ok' : r.reason).toBe('missingStartStop');
  });

  it('prints the full symbol for label printers', () => {
    expect(nw7Symbol('100000012', label)).toBe(`A${canonical}A`);
  });

  it('rejects settings that cannot work', () => {
    expect(Nw7Settings.safeParse({ length: 1, checkDigit: 'mod10w21' }).success).toBe(false);
    expect(Nw7Settings.safeParse({ length: 4, checkDigit: 'none', prefixes: ['12345'] }).success).toBe(false);
  });
});

describe('ISBN, JAN and the Japanese price bar', () => {
  it('normalises ISBN-10 and ISBN-13', () => {
    expect(isbn10To13('4003101014')).toBe('9784003101018');
    const r = parseIsbn('978-4-00-310101-8');
    expect(r).toMatchObject({ ok: true, isbn13: '9784003101018', isbn10: '4003101014' });
    expect(parseIsbn('9784003101019').ok).toBe(false);
  });

  it('recognises the 192 price bar so the counter can ignore it', () => {
    expect(parseJapanesePriceBar(PRICE_BAR)).toEqual({ cCode: '0193', price: 600 });
    expect(parseJapanesePriceBar(`${PRICE_BAR.slice(0, 12)}${(Number(PRICE_BAR[12]) + 1) % 10}`)).toBeNull();
  });
});

describe('classifying a counter scan', () => {
  const settings = BarcodeSettings.parse({
    patronCard: { length: 10, checkDigit: 'mod10w21', prefixes: ['2'] },
    itemLabel: { length: 10, checkDigit: 'mod10w21', prefixes: ['1'] },
  });
  const card = completeNw7('200000001', settings.patronCard);
  const item = completeNw7('100000001', settings.itemLabel);

  it('tells cards, items, ISBNs and the price bar apart', () => {
    expect(classifyScan(card, settings)).toEqual({ kind: 'patron', value: card });
    expect(classifyScan(`A${item}A`, settings)).toEqual({ kind: 'item', value: item });
    expect(classifyScan('9784003101018', settings)).toMatchObject({ kind: 'isbn', isbn13: '9784003101018' });
    expect(classifyScan(PRICE_BAR, settings)).toEqual({ kind: 'ignore', reason: 'japanesePriceBar' });
  });

  it('explains a garbage scan in Japanese and English', () => {
    const r = classifyScan('hello', settings);
    expect(r.kind).toBe('unknown');
    if (r.kind === 'unknown') {
      expect(r.messageJa.length).toBeGreaterThan(0);
      expect(r.messageEn.length).toBeGreaterThan(0);
    }
  });

  it('refuses a scan that fits two kinds instead of guessing', () => {
    const loose = BarcodeSettings.parse({
      patronCard: { length: 10, checkDigit: 'mod10w21' },
      itemLabel: { length: 10, checkDigit: 'mod10w21' },
    });
    const r = classifyScan(card, loose);
    expect(r).toMatchObject({ kind: 'unknown', reason: 'ambiguous' });
  });
});

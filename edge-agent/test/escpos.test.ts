import { describe, expect, it } from 'vitest';
import { encodeCp932 } from '../src/cp932.ts';
import { ESCPOS, textDocumentToEscPos } from '../src/escpos.ts';
import { wrapLines } from '../src/text-layout.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('CP932 encoding', () => {
  it('encodes kanji, kana, NEC and IBM extensions as Windows does', () => {
    expect(hex(encodeCp932('図書館'))).toBe('907d8f918ad9');
    expect(hex(encodeCp932('ｱｲｳ'))).toBe('b1b2b3'); // half-width katakana: one byte each
    expect(hex(encodeCp932('①'))).toBe('8740'); // NEC row 13
    expect(hex(encodeCp932('髙'))).toBe('fbfc'); // IBM extension, not the NEC-selected copy
    expect(hex(encodeCp932('～'))).toBe('8160'); // fullwidth tilde and wave dash share one code
    expect(hex(encodeCp932('〜'))).toBe('8160');
    expect(hex(encodeCp932('－−'))).toBe('817c817c');
  });

  it('keeps ASCII as it is and turns what CP932 lacks into ?', () => {
    expect(hex(encodeCp932('ISBN 978-4'))).toBe(Buffer.from('ISBN 978-4').toString('hex'));
    expect(hex(encodeCp932('😀한'))).toBe('3f3f');
  });
});

describe('receipt layout', () => {
  it('counts a kanji as two columns and wraps hard at the width', () => {
    expect(wrapLines(['ABC図書館', ''], 6)).toEqual(['ABC図', '書館', '']);
    expect(wrapLines(['ｱｲｳｴｵｶ'], 3)).toEqual(['ｱｲｳ', 'ｴｵｶ']);
  });
});

describe('ESC/POS text document', () => {
  const base = {
    columns: 42,
    encoding: 'cp932',
    kanji: true,
    cutter: 'partial',
    feedLinesBeforeCut: 4,
  } as const;

  it('is init, katakana table, Shift_JIS Kanji mode, the lines, feed and partial cut', () => {
    const bytes = textDocumentToEscPos(['貸出', 'OK'], base);
    expect(hex(bytes)).toBe(
      [
        ESCPOS.init,
        ESCPOS.katakanaTable,
        ESCPOS.kanjiShiftJis,
        ESCPOS.kanjiOn,
        encodeCp932('貸出\nOK\n'),
        ESCPOS.kanjiOff,
        ESCPOS.feedLines(4),
        ESCPOS.partialCut,
      ]
        .map((p) => hex(Uint8Array.from(p)))
        .join(''),
    );
    expect(hex(Uint8Array.from(ESCPOS.partialCut))).toBe('1d564200'); // GS V 66 0
  });

  it('follows the profile: no cutter, full cut, or UTF-8 without Kanji mode', () => {
    expect(hex(textDocumentToEscPos(['a'], { ...base, cutter: 'none' })).endsWith('1b6404')).toBe(true);
    expect(hex(textDocumentToEscPos(['a'], { ...base, cutter: 'full' })).endsWith('1d564100')).toBe(true);
    const utf8 = textDocumentToEscPos(['本'], { ...base, encoding: 'utf8' });
    expect(hex(utf8)).toBe(`1b40${Buffer.from('本\n').toString('hex')}1b64041d564200`);
  });
});

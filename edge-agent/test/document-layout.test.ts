import { holdSlip, type PrintDocument } from '@bunko/protocols';
import { describe, expect, it } from 'vitest';
import {
  alignText,
  codabarWithStartStop,
  documentToTextLines,
  layoutDocument,
  layoutPair,
  wrapText,
} from '../src/document-layout.ts';
import { PrintError } from '../src/drivers/types.ts';
import { textColumns } from '../src/text-layout.ts';

const doc = (blocks: PrintDocument['blocks']): PrintDocument => ({ kind: 'document', title: 't', blocks });

describe('wrapping', () => {
  it('wraps full-width text at two columns a character, never splitting one', () => {
    expect(wrapText('あ'.repeat(30), 42)).toEqual(['あ'.repeat(21), 'あ'.repeat(9)]);
    expect(wrapText('ABC図書館', 6)).toEqual(['ABC図', '書館']);
    expect(wrapText('ABCD図書館', 5)).toEqual(['ABCD', '図書', '館']); // 図 would need column 6
  });

  it('counts large text double: 4 columns a kanji', () => {
    expect(wrapText('石垣市立図書館', 32, 2)).toEqual(['石垣市立図書館']);
    expect(wrapText('石垣市立図書館', 24, 2)).toEqual(['石垣市立図書', '館']);
    expect(wrapText('ABCDEFG', 10, 2)).toEqual(['ABCDE', 'FG']);
  });

  it('moves a Latin word whole to the next line, and starts a new line at a line break', () => {
    expect(wrapText('The Very Hungry Caterpillar', 16)).toEqual(['The Very Hungry', 'Caterpillar']);
    expect(wrapText('ISBN 978-4-00-000000-0', 12)).toEqual(['ISBN', '978-4-00-000', '000-0']);
    expect(wrapText('一行目\n二行目', 42)).toEqual(['一行目', '二行目']);
    expect(wrapText('', 42)).toEqual(['']);
  });
});

describe('alignment', () => {
  it('pads centre and right by printer columns, without trailing spaces', () => {
    expect(alignText('貸出票', 'center', 42)).toBe(`${' '.repeat(18)}貸出票`);
    expect(alignText('貸出票', 'right', 42)).toBe(`${' '.repeat(36)}貸出票`);
    expect(alignText('貸出票', 'left', 42)).toBe('貸出票');
    expect(alignText('abc', 'center', 8)).toBe('  abc'); // odd space goes to the right
    expect(alignText('x'.repeat(50), 'right', 42)).toBe('x'.repeat(50));
  });

  it('keeps a text block’s alignment, size and emphasis on every wrapped line', () => {
    const lines = layoutDocument(
      doc([{ type: 'text', text: '石垣市立図書館', align: 'center', size: 'large', bold: true }]),
      24,
    );
    expect(lines).toEqual([
      { type: 'text', text: '石垣市立図書', align: 'center', large: true, bold: true },
      { type: 'text', text: '館', align: 'center', large: true, bold: true },
    ]);
    // defaults when a block leaves them out
    expect(layoutDocument(doc([{ type: 'text', text: 'a' }]), 42)).toEqual([
      { type: 'text', text: 'a', align: 'left', large: false, bold: false },
    ]);
  });
});

describe('label … value pairs', () => {
  it('puts label left and value right on one line when they fit', () => {
    const [line, ...rest] = layoutPair('貸出日', '2026年12月9日(水)', 42);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ align: 'left' });
    expect(line!.text).toBe(`貸出日${' '.repeat(42 - 6 - 17)}2026年12月9日(水)`);
    expect(textColumns(line!.text)).toBe(42);
    // an empty label: the value alone, right-aligned
    expect(layoutPair('', '2026年12月9日(水)', 42)[0]!.text).toBe(`${' '.repeat(25)}2026年12月9日(水)`);
  });

  it('puts the value on the next line, right-aligned, when they do not fit', () => {
    const lines = layoutPair('  返却期限', '令和8年12月9日(水)', 24);
    expect(lines.map((l) => [l.text, l.align])).toEqual([
      ['  返却期限', 'left'],
      ['令和8年12月9日(水)', 'right'],
    ]);
    expect(alignText(lines[1]!.text, 'right', 24)).toBe(`${' '.repeat(6)}令和8年12月9日(水)`);
    // one column short of label + space + value
    expect(layoutPair('利用者番号', '123456789012', 22)).toHaveLength(2);
    expect(layoutPair('利用者番号', '12345678901', 22)).toHaveLength(1);
  });
});

describe('rules, feeds and barcodes', () => {
  it('draws a rule across the width and feeds empty lines', () => {
    const lines = documentToTextLines(
      doc([{ type: 'rule' }, { type: 'feed', lines: 2 }, { type: 'rule' }]),
      32,
    );
    expect(lines).toEqual(['-'.repeat(32), '', '', '-'.repeat(32)]);
  });

  it('wraps NW-7 data in A…A unless it has its start/stop characters', () => {
    expect(codabarWithStartStop('1000000017')).toBe('A1000000017A');
    expect(codabarWithStartStop('B1234C')).toBe('B1234C');
    expect(codabarWithStartStop('a12-34d')).toBe('A12-34D');
    for (const bad of ['A1234', '1234D', '12X4', 'AB', '']) {
      expect(() => codabarWithStartStop(bad)).toThrow(PrintError);
    }
    try {
      codabarWithStartStop('12X4');
    } catch (err) {
      expect((err as PrintError).retryable).toBe(true); // nothing was printed
    }
  });

  it('writes a slip as text, the barcode as a marked line', () => {
    const slip = holdSlip({
      libraryNameJa: '石垣市立図書館',
      cardBarcode: '2000000012',
      title: '八重山の海',
      itemBarcode: '1000000017',
      pickupLocationJa: '川平公民館',
      pickupBy: '2026-12-09',
    });
    const lines = documentToTextLines(slip, 42);
    expect(lines).toContain(`${' '.repeat(9)}||| NW7 A1000000017A |||`);
    expect(lines).toContain(`${' '.repeat(28)}石垣市立図書館`);
    expect(lines).toContain(`取置期限${' '.repeat(42 - 8 - 18)}令和8年12月9日(水)`);
    expect(lines).toContain(`${' '.repeat(13)}予約資料 取置票`);
  });
});

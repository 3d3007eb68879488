// The ESC/POS reader (protocols/src/escpos-decode.ts) reads back what the agent's encoder sends.
import { holdSlip } from '@bunko/protocols';
import { decodeEscPos, paperText } from '@bunko/protocols/escpos-decode';
import { describe, expect, it } from 'vitest';
import { documentToEscPos } from '../src/escpos.ts';

const receipt = {
  columns: 42,
  encoding: 'cp932',
  kanji: true,
  cutter: 'partial',
  feedLinesBeforeCut: 2,
} as const;

describe('reading ESC/POS back', () => {
  it('a hold slip: Kanji text in CP932, size and emphasis, the NW-7 barcode and the cut', () => {
    const bytes = documentToEscPos(
      holdSlip({
        libraryNameJa: '石垣市立図書館',
        cardBarcode: 'A0001234567A',
        title: '八重山の海〜珊瑚礁',
        itemBarcode: 'A1234567A',
        pickupLocationJa: '本館カウンター',
        pickupBy: null,
      }),
      receipt,
    );
    const lines = decodeEscPos(bytes);
    expect(lines[0]).toEqual({
      type: 'text',
      text: '予約資料 取置票',
      align: 'center',
      bold: true,
      large: true,
    });
    expect(lines).toContainEqual({ type: 'barcode', symbology: 'nw7', data: 'A1234567A' });
    expect(lines.at(-1)).toEqual({ type: 'cut', partial: true });
    const text = paperText(lines);
    expect(text).toContain('八重山の海\uFF5E珊瑚礁'); // the wave dash is CP932's fullwidth tilde
    expect(text).toContain('受取場所');
    expect(text).toContain('[NW-7 A1234567A]');
    expect(text).not.toContain('0001234567'); // the card is masked
    const library = lines.find((l) => l.type === 'text' && l.text.includes('石垣市立図書館'));
    expect(library).toMatchObject({ align: 'right', bold: false, large: false });
    // the two blank lines fed before the cut
    expect(lines.slice(-3, -1)).toEqual([
      { type: 'text', text: '', align: 'left', bold: false, large: false },
      { type: 'text', text: '', align: 'left', bold: false, large: false },
    ]);
  });

  it('CODE128 and QR data, a UTF-8 printer, a full cut and a document cut mid-way', () => {
    const bytes = documentToEscPos(
      {
        kind: 'document',
        title: 'test',
        blocks: [
          { type: 'text', text: 'Überweisung' },
          { type: 'barcode', symbology: 'code128', data: 'AB{12' },
          { type: 'cut' },
          { type: 'barcode', symbology: 'qr', data: 'https://example.jp/?q=図書' },
        ],
      },
      { columns: 32, encoding: 'utf8', kanji: false, cutter: 'full', feedLinesBeforeCut: 0 },
    );
    const lines = decodeEscPos(bytes).filter((l) => l.type !== 'text' || l.text !== '');
    expect(lines).toEqual([
      { type: 'text', text: 'Überweisung', align: 'left', bold: false, large: false },
      { type: 'barcode', symbology: 'code128', data: 'AB{12' },
      { type: 'cut', partial: false },
      { type: 'barcode', symbology: 'qr', data: 'https://example.jp/?q=図書' },
      { type: 'cut', partial: false },
    ]);
  });
});

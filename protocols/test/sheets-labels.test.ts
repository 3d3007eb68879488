import { describe, expect, it } from 'vitest';
import {
  callNumberLines,
  overdueLetter,
  PrintDocument,
  postcardList,
  pullList,
  readingRecordSticker,
  SheetDocument,
  spineLabels,
} from '../src/index.ts';

describe('page documents', () => {
  it('an overdue letter names the patron (sealed) and lists titles with era due dates', () => {
    const doc = overdueLetter({
      libraryNameJa: '石垣市立図書館',
      libraryAddressLines: ['〒907-0004'],
      libraryPhone: '0980-83-3862',
      patronAddressLines: ['〒907-0022', '石垣市大川1-2-3'],
      patronNameJa: '八重山 花子',
      issuedOn: '2026-12-01',
      loans: [{ title: '沖縄の民話', itemBarcode: '100000017', dueOn: '2026-11-01' }],
    });
    expect(SheetDocument.safeParse(doc).success).toBe(true);
    expect(doc.blocks[0]).toEqual({
      type: 'address',
      lines: ['〒907-0022', '石垣市大川1-2-3', '八重山 花子 様'],
    });
    const table = doc.blocks.find((b) => b.type === 'table');
    expect(table).toMatchObject({ rows: [['沖縄の民話', '100000017', '令和8年11月1日']] });
    expect(JSON.stringify(doc)).not.toMatch(/円|延滞金/); // no fines (Library Act Art. 17)
  });

  it('the pull list is in shelf order; the postcard list has addresses and counts, never titles', () => {
    const pull = pullList({
      libraryNameJa: '石垣市立図書館',
      createdAt: new Date('2026-11-25T00:00:00Z'),
      rows: [
        { location: '一般', callNumber: '913.6/ム/10', title: 'B', itemBarcode: '2', pickupJa: '本館' },
        { location: '一般', callNumber: '913.6/ム/9', title: 'A', itemBarcode: '1', pickupJa: '本館' },
        { location: '児童', callNumber: 'E/ア', title: 'C', itemBarcode: '3', pickupJa: '分館' },
      ],
    });
    const rows = pull.blocks.find((b) => b.type === 'table');
    expect(rows && 'rows' in rows ? rows.rows.map((r) => r[2]) : []).toEqual(['A', 'B', 'C']);
    const cards = postcardList({
      libraryNameJa: '石垣市立図書館',
      day: '2026-11-25',
      rows: [{ postalCode: '907-0022', address: '石垣市大川1-2-3', nameJa: '八重山 花子', count: 2 }],
    });
    expect(SheetDocument.safeParse(cards).success).toBe(true);
    expect(cards.blocks.find((b) => b.type === 'table')).toMatchObject({
      rows: [['〒907-0022', '石垣市大川1-2-3', '八重山 花子 様', '2点']],
    });
  });
});

describe('label documents', () => {
  it('a reading-record sticker holds four titles; more go on further stickers, cut apart', () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ title: `本${i + 1}`, day: '2026-11-25' }));
    const doc = readingRecordSticker({ libraryNameJa: '石垣市立図書館', items });
    expect(PrintDocument.safeParse(doc).success).toBe(true);
    expect(doc.blocks.filter((b) => b.type === 'cut')).toHaveLength(1);
    const texts = doc.blocks.flatMap((b) => (b.type === 'text' ? [b.text] : []));
    expect(texts.filter((t) => t.startsWith('読書記録'))).toHaveLength(2);
    expect(texts).toContain('令和8年11月25日');
    expect(texts).toContain('　本6');
  });

  it('spine labels put each part of the call number on its own line', () => {
    expect(callNumberLines('913.6/ム/1')).toEqual(['913.6', 'ム', '1']);
    expect(callNumberLines(' E  ア ')).toEqual(['E', 'ア']);
    const doc = spineLabels([{ lines: ['913.6', 'ム'], mark: '郷土' }, { lines: ['E'] }]);
    expect(doc.blocks.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual([
      '郷土',
      '913.6',
      'ム',
      'cut',
      'E',
    ]);
    const one = spineLabels(
      [{ lines: callNumberLines('B-953.7-サ', '-'), footer: '石垣市立図書館' }],
      'spine-label',
    );
    expect(one.title).toBe('spine-label');
    expect(one.blocks.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual([
      'B',
      '953.7',
      'サ',
      '石垣市立図書館',
    ]);
    expect(spineLabels([{ lines: [] }]).blocks).toHaveLength(1);
  });
});

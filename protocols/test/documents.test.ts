import { describe, expect, it } from 'vitest';
import {
  checkoutReceipt,
  eraDate,
  holdSlip,
  maskCard,
  PrintDocument,
  routingSlip,
  westernDate,
} from '../src/index.ts';

describe('dates on paper', () => {
  it('writes Japanese era dates, with 元年 for the first year', () => {
    expect(eraDate('2026-12-09')).toBe('令和8年12月9日(水)');
    expect(eraDate('2019-05-01')).toBe('令和元年5月1日(水)');
    expect(eraDate('2019-04-30')).toBe('平成31年4月30日(火)');
    expect(eraDate('1989-01-08', false)).toBe('平成元年1月8日');
    expect(westernDate('2027-01-05')).toBe('2027年1月5日(火)');
    expect(() => eraDate('2026-13-01')).toThrow(RangeError);
  });
});

describe('receipts and slips', () => {
  const receipt = checkoutReceipt({
    libraryNameJa: '石垣市立図書館',
    cardBarcode: '2000000012',
    loans: [
      { title: '八重山の海', itemBarcode: '1000000017', dueOn: '2026-12-09' },
      { title: 'はじめての島野菜', itemBarcode: '1000000025', dueOn: '2026-12-09' },
    ],
    printedAt: new Date('2026-11-25T03:00:00Z'),
  });

  it('is a valid document listing every title with both due-date forms', () => {
    expect(PrintDocument.safeParse(receipt).success).toBe(true);
    const text = JSON.stringify(receipt);
    expect(text).toContain('八重山の海');
    expect(text).toContain('令和8年12月9日(水)');
    expect(text).toContain('2026年12月9日(水)');
    expect(text).toContain('2点');
  });

  it('shows only the last digits of the card and no name', () => {
    expect(maskCard('2000000012')).toBe('******0012');
    expect(JSON.stringify(receipt)).not.toContain('2000000012');
  });

  it('builds hold and routing slips with the item barcode to scan', () => {
    const slip = holdSlip({
      libraryNameJa: '石垣市立図書館',
      cardBarcode: '2000000012',
      title: '八重山の海',
      itemBarcode: '1000000017',
      pickupLocationJa: '川平公民館',
      pickupBy: null,
    });
    expect(PrintDocument.safeParse(slip).success).toBe(true);
    expect(slip.blocks).toContainEqual({ type: 'barcode', symbology: 'nw7', data: '1000000017' });
    expect(JSON.stringify(slip)).toContain('次回巡回日');
    const route = routingSlip({
      toJa: '分館',
      fromJa: '本館',
      title: 't',
      itemBarcode: '1',
      reasonJa: '予約',
    });
    expect(PrintDocument.safeParse(route).success).toBe(true);
  });

  it('rejects a malformed document', () => {
    expect(PrintDocument.safeParse({ kind: 'document', title: 'x', blocks: [] }).success).toBe(false);
    expect(
      PrintDocument.safeParse({
        kind: 'document',
        title: 'x',
        blocks: [{ type: 'barcode', symbology: 'ean', data: '1' }],
      }).success,
    ).toBe(false);
  });
});

import type { DocBlock, PrintDocument } from './document-schema.ts';

/** Builders for the print documents (schemas in document-schema.ts) and dates as printed. */
const eraFormat = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
});
const weekdayFormat = new Intl.DateTimeFormat('ja-JP', { weekday: 'short', timeZone: 'UTC' });

/** 2026-12-09 → 令和8年12月9日(水); the first year of an era reads 元年 as on official papers. */
export function eraDate(day: string, withWeekday = true): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${day}`);
  const era = eraFormat.format(d).replace(/^(\D+)1年/u, '$1元年');
  return withWeekday ? `${era}(${weekdayFormat.format(d)})` : era;
}

/** 2026-12-09 → 2026年12月9日(水) */
export function westernDate(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${y}年${m}月${d}日(${weekdayFormat.format(new Date(`${day}T00:00:00Z`))})`;
}

/**
 * Only the last digits of a card number, never the name: a receipt left on the counter or in a
 * returned book must not say who borrowed what.
 */
export const maskCard = (card: string) => `${'*'.repeat(Math.max(0, card.length - 4))}${card.slice(-4)}`;

export type ReceiptLoan = { title: string; itemBarcode: string; dueOn: string };

/** 貸出レシート: library, masked card, each title with its due date in both calendars. */
/** The library's calendar day (Asia/Tokyo) of an instant: a receipt printed at 08:30 JST is today's. */
const tokyoDay = (d: Date) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);

export function checkoutReceipt(r: {
  libraryNameJa: string;
  cardBarcode: string;
  loans: readonly ReceiptLoan[];
  printedAt: Date;
  footerJa?: string;
}): PrintDocument {
  const blocks: DocBlock[] = [
    { type: 'text', text: r.libraryNameJa, align: 'center', size: 'large', bold: true },
    { type: 'text', text: '貸出票', align: 'center' },
    { type: 'rule' },
    { type: 'pair', label: '利用者番号', value: maskCard(r.cardBarcode) },
    { type: 'pair', label: '貸出日', value: westernDate(tokyoDay(r.printedAt)) },
    { type: 'rule' },
  ];
  for (const [i, l] of r.loans.entries()) {
    blocks.push(
      { type: 'text', text: `${i + 1}. ${l.title}` },
      { type: 'pair', label: '  資料番号', value: l.itemBarcode },
      { type: 'pair', label: '  返却期限', value: eraDate(l.dueOn) },
      { type: 'pair', label: '', value: westernDate(l.dueOn) },
    );
  }
  blocks.push(
    { type: 'rule' },
    { type: 'pair', label: '貸出点数', value: `${r.loans.length}点` },
    { type: 'feed', lines: 1 },
    { type: 'text', text: r.footerJa ?? '返却期限までにお返しください。', align: 'center' },
  );
  return { kind: 'document', title: 'checkout-receipt', blocks, cut: true };
}

/** 予約資料の取置票: goes in the book on the hold shelf; pickup deadline, masked card only. */
export function holdSlip(s: {
  libraryNameJa: string;
  cardBarcode: string;
  title: string;
  itemBarcode: string;
  pickupLocationJa: string;
  pickupBy: string | null;
}): PrintDocument {
  return {
    kind: 'document',
    title: 'hold-slip',
    blocks: [
      { type: 'text', text: '予約資料 取置票', align: 'center', size: 'large', bold: true },
      { type: 'rule' },
      { type: 'text', text: maskCard(s.cardBarcode), align: 'center', size: 'large' },
      { type: 'pair', label: '受取場所', value: s.pickupLocationJa },
      { type: 'pair', label: '取置期限', value: s.pickupBy ? eraDate(s.pickupBy) : '次回巡回日' },
      { type: 'rule' },
      { type: 'text', text: s.title },
      { type: 'barcode', symbology: 'nw7', data: s.itemBarcode },
      { type: 'text', text: s.libraryNameJa, align: 'right' },
    ],
    cut: true,
  };
}

/** 回送票: sends an item to another location (home, or a hold's pickup point). */
export function routingSlip(s: {
  toJa: string;
  fromJa: string;
  title: string;
  itemBarcode: string;
  reasonJa: string;
}): PrintDocument {
  return {
    kind: 'document',
    title: 'routing-slip',
    blocks: [
      { type: 'text', text: '回送', align: 'center', size: 'large', bold: true },
      { type: 'text', text: `${s.toJa} 行き`, align: 'center', size: 'large' },
      { type: 'rule' },
      { type: 'pair', label: '発送元', value: s.fromJa },
      { type: 'pair', label: '理由', value: s.reasonJa },
      { type: 'text', text: s.title },
      { type: 'barcode', symbology: 'nw7', data: s.itemBarcode },
    ],
    cut: true,
  };
}

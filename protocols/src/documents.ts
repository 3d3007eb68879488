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
export const tokyoDay = (d: Date) =>
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

/** An instant as the library's clock shows it (Asia/Tokyo): 2026年11月25日(水) 14:05 */
export function tokyoDateTime(d: Date): string {
  const time = new Intl.DateTimeFormat('ja-JP', {
    timeZone: 'Asia/Tokyo',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
  return `${westernDate(tokyoDay(d))} ${time}`;
}

/**
 * The bookmobile's receipt for one loan or return recorded offline (the core out of reach): marked
 * 「オフライン貸出」/「オフライン返却」 with the time it was recorded, so staff and patron can tell
 * it from the core's receipt; the core applies it when the bookmobile is back in coverage.
 */
export function offlineReceipt(r: {
  kind: 'checkout' | 'return';
  stationNameJa: string;
  /** when the operation was recorded (its journal time) */
  at: Date;
  itemBarcode: string;
  /** from the offline package; null when the item was not in it */
  title: string | null;
  cardBarcode?: string | undefined;
  dueOn?: string | undefined;
}): PrintDocument {
  const heading = r.kind === 'checkout' ? 'オフライン貸出' : 'オフライン返却';
  const blocks: DocBlock[] = [
    { type: 'text', text: '移動図書館', align: 'center' },
    { type: 'text', text: heading, align: 'center', size: 'large', bold: true },
    { type: 'rule' },
    { type: 'pair', label: '巡回場所', value: r.stationNameJa },
    { type: 'pair', label: r.kind === 'checkout' ? '貸出日時' : '返却日時', value: tokyoDateTime(r.at) },
  ];
  if (r.cardBarcode) blocks.push({ type: 'pair', label: '利用者番号', value: maskCard(r.cardBarcode) });
  blocks.push(
    { type: 'rule' },
    { type: 'text', text: r.title ?? '(資料名は本館で確認します)' },
    { type: 'pair', label: '  資料番号', value: r.itemBarcode },
  );
  if (r.dueOn)
    blocks.push(
      { type: 'pair', label: '  返却期限', value: eraDate(r.dueOn) },
      { type: 'pair', label: '', value: westernDate(r.dueOn) },
    );
  blocks.push(
    { type: 'rule' },
    { type: 'text', text: '本館との通信が戻りしだい記録されます。', align: 'center' },
  );
  return { kind: 'document', title: `offline-${r.kind}-receipt`, blocks, cut: true };
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

/**
 * 所在票: printed at a kiosk for a patron to take to the shelf. Catalogue data only — title, where
 * the copy lives, its shelf and call number; nothing about who asked.
 */
export function locationSlip(s: {
  libraryNameJa: string;
  title: string;
  locationJa: string;
  shelf: string;
  callNumber: string;
  statusJa: string;
  printedAt: Date;
}): PrintDocument {
  const blocks: DocBlock[] = [
    { type: 'text', text: '所在票', align: 'center', size: 'large', bold: true },
    { type: 'rule' },
    { type: 'text', text: s.title },
    { type: 'feed', lines: 1 },
    { type: 'pair', label: '場所', value: s.locationJa },
    { type: 'pair', label: '書架', value: s.shelf || '—' },
    { type: 'text', text: s.callNumber || '—', align: 'center', size: 'large', bold: true },
    { type: 'pair', label: '状態', value: s.statusJa },
    { type: 'rule' },
    { type: 'text', text: `${s.libraryNameJa} ${eraDate(tokyoDay(s.printedAt), false)}`, align: 'right' },
  ];
  return { kind: 'document', title: 'location-slip', blocks, cut: true };
}
export type ReadingRecordItem = { title: string; day: string };

/**
 * 読書記録シール: a sticker for the patron's reading notebook with what they borrowed today —
 * printed only when the patron asks. Titles and dates only: no name, no card number, so a lost
 * notebook page tells no one who read what.
 */
export function readingRecordSticker(s: {
  libraryNameJa: string;
  items: readonly ReadingRecordItem[];
}): PrintDocument {
  const blocks: DocBlock[] = [];
  // a sticker holds a few titles; more become further stickers, cut apart
  for (let at = 0; at < s.items.length; at += STICKER_ITEMS) {
    if (at > 0) blocks.push({ type: 'cut' });
    blocks.push(
      { type: 'text', text: `読書記録　${s.libraryNameJa}`, align: 'center', bold: true },
      { type: 'rule' },
    );
    for (const it of s.items.slice(at, at + STICKER_ITEMS))
      blocks.push({ type: 'text', text: eraDate(it.day, false) }, { type: 'text', text: `　${it.title}` });
  }
  return { kind: 'document', title: 'reading-record', blocks, cut: true };
}

/** titles per reading-record sticker (a 40 mm label holds about ten lines) */
const STICKER_ITEMS = 4;

/**
 * 背ラベル (spine labels): one label per copy, the call number one part a line (別置記号, 分類,
 * 著者記号, 巻冊) in large type, optionally a location mark above (e.g. 郷土, 児童) and the
 * library's name small beneath. Labels of one job are cut apart.
 */
export function spineLabels(
  labels: readonly { lines: readonly string[]; mark?: string; footer?: string }[],
  title = 'spine-labels',
): PrintDocument {
  const blocks: DocBlock[] = [];
  labels.forEach((l, i) => {
    if (i > 0) blocks.push({ type: 'cut' });
    if (l.mark) blocks.push({ type: 'text', text: l.mark, align: 'center' });
    for (const line of l.lines.length ? l.lines : [' '])
      blocks.push({ type: 'text', text: line, align: 'center', size: 'large', bold: true });
    if (l.footer) blocks.push({ type: 'text', text: l.footer, align: 'center' });
  });
  return { kind: 'document', title, blocks, cut: true };
}

/**
 * A call number as stored (913.6/ム/1, or space separated; or split on the tenant's separator)
 * as the lines of a spine label: at most four, blanks dropped.
 */
export const callNumberLines = (callNumber: string, separator: string | RegExp = /[/\s]+/u) =>
  callNumber
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 4);

import { eraDate, tokyoDay, westernDate } from './documents.ts';
import type { SheetBlock, SheetDocument } from './sheet-schema.ts';

/** Builders for page documents (schema in sheet-schema.ts): letters and lists for the office printer. */

export type OverdueLetterLoan = { title: string; itemBarcode: string; dueOn: string };

/**
 * 督促状 (sealed letter, the last 督促 stage): goes in an envelope, so it may name the patron and the
 * titles; postcards never do. No fines (Library Act Art. 17) — the letter asks for the items back.
 */
export function overdueLetter(l: {
  libraryNameJa: string;
  libraryAddressLines: readonly string[];
  libraryPhone: string;
  /** 〒, address, name — as the patron registered them */
  patronAddressLines: readonly string[];
  patronNameJa: string;
  issuedOn: string;
  loans: readonly OverdueLetterLoan[];
}): SheetDocument {
  const blocks: SheetBlock[] = [
    { type: 'address', lines: [...l.patronAddressLines, `${l.patronNameJa} 様`] },
    { type: 'spacer', mm: 10 },
    { type: 'paragraph', text: eraDate(l.issuedOn, false), align: 'right' },
    { type: 'heading', text: '図書返却のお願い' },
    {
      type: 'paragraph',
      text:
        '日頃より図書館をご利用いただき、ありがとうございます。下記の資料の返却期限が過ぎております。' +
        'ほかの利用者もお待ちですので、お早めにご返却くださいますようお願いいたします。' +
        '行き違いでご返却済みの場合は、ご容赦ください。',
    },
    { type: 'spacer', mm: 4 },
    {
      type: 'table',
      columns: [
        { label: '資料名', width: 60 },
        { label: '資料番号', width: 20 },
        { label: '返却期限', width: 30 },
      ],
      rows: l.loans.map((x) => [x.title, x.itemBarcode, eraDate(x.dueOn, false)]),
    },
    { type: 'spacer', mm: 8 },
    { type: 'address', lines: [l.libraryNameJa, ...l.libraryAddressLines, `電話 ${l.libraryPhone}`] },
  ];
  return { kind: 'sheet', title: 'overdue-letter', paper: 'A4', orientation: 'portrait', blocks };
}

export type PullListRow = {
  location: string;
  callNumber: string;
  title: string;
  itemBarcode: string;
  /** where the hold is to be picked up */
  pickupJa: string;
};

/** 予約資料の抜き出しリスト: shelf order (location, call number) so one walk along the shelves finds them. */
export function pullList(p: {
  libraryNameJa: string;
  createdAt: Date;
  rows: readonly PullListRow[];
}): SheetDocument {
  const rows = [...p.rows].sort(
    (a, b) =>
      a.location.localeCompare(b.location, 'ja') ||
      a.callNumber.localeCompare(b.callNumber, 'ja', { numeric: true }) ||
      a.itemBarcode.localeCompare(b.itemBarcode),
  );
  return {
    kind: 'sheet',
    title: 'pull-list',
    paper: 'A4',
    orientation: 'landscape',
    blocks: [
      { type: 'heading', text: `予約資料 抜き出しリスト（${rows.length}件）` },
      { type: 'paragraph', text: `${p.libraryNameJa}　${printedOn(p.createdAt)} 作成`, align: 'right' },
      {
        type: 'table',
        columns: [
          { label: '配架場所', width: 16 },
          { label: '請求記号', width: 18 },
          { label: '資料名', width: 44 },
          { label: '資料番号', width: 14 },
          { label: '受取場所', width: 16 },
        ],
        rows: rows.map((r) => [r.location, r.callNumber, r.title, r.itemBarcode, r.pickupJa]),
      },
    ],
  };
}

export type PostcardListRow = { postalCode: string; address: string; nameJa: string; count: number };

/** 督促はがき 宛名リスト: who gets a postcard today — addresses and counts only, never titles. */
export function postcardList(p: {
  libraryNameJa: string;
  day: string;
  rows: readonly PostcardListRow[];
}): SheetDocument {
  return {
    kind: 'sheet',
    title: 'postcard-list',
    paper: 'A4',
    orientation: 'portrait',
    blocks: [
      { type: 'heading', text: `督促はがき 宛名リスト（${p.rows.length}件）` },
      { type: 'paragraph', text: `${p.libraryNameJa}　${westernDate(p.day)}`, align: 'right' },
      {
        type: 'table',
        columns: [
          { label: '郵便番号', width: 12 },
          { label: '住所', width: 54 },
          { label: '氏名', width: 24 },
          { label: '点数', width: 10 },
        ],
        rows: p.rows.map((r) => [`〒${r.postalCode}`, r.address, `${r.nameJa} 様`, `${r.count}点`]),
      },
    ],
  };
}

const printedOn = (d: Date) => westernDate(tokyoDay(d));

import type { PrintDocument, PrintJobDocument } from '@bunko/protocols';
import { encodeCp932 } from './cp932.ts';
import { type Align, type BarcodeLine, layoutDocument } from './document-layout.ts';
import { PrintError } from './drivers/types.ts';
import { wrapLines } from './text-layout.ts';

/** The ESC/POS command subset the agent sends; every byte sequence is named here and nowhere else. */
const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const LF = 0x0a;

export const ESCPOS = {
  /** ESC @ — initialise (clears modes left by a previous job) */
  init: [ESC, 0x40],
  /** ESC t 1 — character code table: katakana (half-width kana in single bytes 0xA1–0xDF) */
  katakanaTable: [ESC, 0x74, 0x01],
  /** FS C 1 — Kanji code system: Shift_JIS */
  kanjiShiftJis: [FS, 0x43, 0x01],
  /** FS & — Kanji mode on */
  kanjiOn: [FS, 0x26],
  /** FS . — Kanji mode off */
  kanjiOff: [FS, 0x2e],
  /** ESC d n — print and feed n lines */
  feedLines: (n: number) => [ESC, 0x64, Math.max(0, Math.min(255, n))],
  /** GS V 66 0 — feed to the cutter and cut partially */
  partialCut: [GS, 0x56, 66, 0],
  /** GS V 65 0 — feed to the cutter and cut fully */
  fullCut: [GS, 0x56, 65, 0],
  /** ESC a n — justification 0 left, 1 centre, 2 right (effective at the start of a line) */
  align: (a: Align) => [ESC, 0x61, a === 'center' ? 1 : a === 'right' ? 2 : 0],
  /** ESC E n — emphasised (bold) on (1) or off (0) */
  emphasis: (on: boolean) => [ESC, 0x45, on ? 1 : 0],
  /** GS ! 0x11 — double width and double height (alphanumerics and Kanji alike) */
  doubleSize: [GS, 0x21, 0x11],
  /** GS ! 0 — normal character size */
  normalSize: [GS, 0x21, 0x00],
  /** GS H 2 — print the human-readable characters (HRI) below the barcode */
  hriBelow: [GS, 0x48, 0x02],
  /** GS h n — barcode height in dots (1–255) */
  barcodeHeight: (dots: number) => [GS, 0x68, Math.max(1, Math.min(255, dots))],
  /** GS w n — barcode module (narrow bar) width in dots (2–6) */
  barcodeModuleWidth: (dots: number) => [GS, 0x77, Math.max(2, Math.min(6, dots))],
  /** GS k 71 n d1…dn — CODABAR (NW-7), function B; the data includes its start/stop characters */
  codabar: (data: readonly number[]) => [GS, 0x6b, 71, data.length, ...data],
  /** GS k 73 n d1…dn — CODE128, function B; the data starts with a code set selector */
  code128: (data: readonly number[]) => [GS, 0x6b, 73, data.length, ...data],
  /** "{B" — CODE128 data: select code set B (ASCII 0x20–0x7F); a literal "{" is sent as "{{" */
  code128SetB: [0x7b, 0x42],
  /** GS ( k 4 0 49 65 50 0 — QR Code: model 2 */
  qrModel2: [GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00],
  /** GS ( k 3 0 49 67 n — QR Code: module size in dots (1–16) */
  qrModuleSize: (dots: number) => [GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, Math.max(1, Math.min(16, dots))],
  /** GS ( k 3 0 49 69 49 — QR Code: error correction level M (15 %) */
  qrErrorLevelM: [GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31],
  /** GS ( k pL pH 49 80 48 d1…dk — QR Code: store the data; pL + pH×256 = k + 3 */
  qrStore: (data: readonly number[]) => {
    const len = data.length + 3;
    return [GS, 0x28, 0x6b, len & 0xff, (len >> 8) & 0xff, 0x31, 0x50, 0x30, ...data];
  },
  /** GS ( k 3 0 49 81 48 — QR Code: print the stored symbol */
  qrPrint: [GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30],
} as const;

/** Barcode geometry: ~10 mm tall bars, 2-dot modules (fits a 12-digit NW-7 on 58 mm paper). */
const BARCODE_HEIGHT_DOTS = 80;
const BARCODE_MODULE_DOTS = 2;
const QR_MODULE_DOTS = 5;
/** GS ( k stores at most 7089 bytes of data */
const QR_MAX_BYTES = 7089;

export type EscPosOptions = {
  columns: number;
  encoding: 'cp932' | 'utf8';
  kanji: boolean;
  cutter: 'partial' | 'full' | 'none';
  feedLinesBeforeCut: number;
};

const utf8 = new TextEncoder();
type Part = readonly number[] | Uint8Array;

/** init, character table and Kanji mode as the profile asks */
function begin(opts: EscPosOptions): Part[] {
  const parts: Part[] = [ESCPOS.init];
  if (opts.encoding === 'cp932') parts.push(ESCPOS.katakanaTable);
  if (opts.encoding === 'cp932' && opts.kanji) parts.push(ESCPOS.kanjiShiftJis, ESCPOS.kanjiOn);
  return parts;
}

/** Feed the last line past the cutter and cut (when the printer has one and the job wants it). */
function feedAndCut(parts: Part[], opts: EscPosOptions, cut: boolean): void {
  parts.push(ESCPOS.feedLines(opts.feedLinesBeforeCut));
  if (cut && opts.cutter === 'partial') parts.push(ESCPOS.partialCut);
  else if (cut && opts.cutter === 'full') parts.push(ESCPOS.fullCut);
}

/** Kanji mode off, feed to the cutter and cut. */
function finish(parts: Part[], opts: EscPosOptions, cut: boolean): Uint8Array {
  if (opts.encoding === 'cp932' && opts.kanji) parts.push(ESCPOS.kanjiOff);
  feedAndCut(parts, opts, cut);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const encoder = (opts: EscPosOptions) => (text: string) =>
  opts.encoding === 'cp932' ? encodeCp932(text) : utf8.encode(text);

/** A text document as one ESC/POS job: init, Kanji setup, the wrapped lines, feed and cut. */
export function textDocumentToEscPos(lines: readonly string[], opts: EscPosOptions): Uint8Array {
  const parts = begin(opts);
  const encode = encoder(opts);
  for (const line of wrapLines(lines, opts.columns)) parts.push(encode(line), [LF]);
  return finish(parts, opts, true);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The commands that print one barcode (HRI below for the linear ones). */
export function barcodeToEscPos(line: BarcodeLine): number[] {
  if (line.symbology === 'qr') {
    const data = [...utf8.encode(line.data)];
    if (data.length > QR_MAX_BYTES) throw new PrintError('printFailed', 'QR data is too long', true);
    return [
      ...ESCPOS.qrModel2,
      ...ESCPOS.qrModuleSize(QR_MODULE_DOTS),
      ...ESCPOS.qrErrorLevelM,
      ...ESCPOS.qrStore(data),
      ...ESCPOS.qrPrint,
    ];
  }
  const data =
    line.symbology === 'nw7'
      ? ascii(line.data)
      : [...ESCPOS.code128SetB, ...ascii(line.data.replace(/\{/g, '{{'))];
  if (data.length > 255) throw new PrintError('printFailed', 'barcode data is too long', true);
  return [
    ...ESCPOS.hriBelow,
    ...ESCPOS.barcodeHeight(BARCODE_HEIGHT_DOTS),
    ...ESCPOS.barcodeModuleWidth(BARCODE_MODULE_DOTS),
    ...(line.symbology === 'nw7' ? ESCPOS.codabar(data) : ESCPOS.code128(data)),
  ];
}

/**
 * A `PrintDocument` as one ESC/POS job: each laid-out line with its justification, emphasis and
 * size (a mode command is sent only when it changes), barcodes centred, then feed and cut.
 */
export function printDocumentToEscPos(doc: PrintDocument, opts: EscPosOptions): Uint8Array {
  const parts = begin(opts);
  const encode = encoder(opts);
  let mode = { align: 'left' as Align, bold: false, large: false };
  const set = (next: typeof mode) => {
    if (next.align !== mode.align) parts.push(ESCPOS.align(next.align));
    if (next.bold !== mode.bold) parts.push(ESCPOS.emphasis(next.bold));
    if (next.large !== mode.large) parts.push(next.large ? ESCPOS.doubleSize : ESCPOS.normalSize);
    mode = next;
  };
  for (const line of layoutDocument(doc, opts.columns)) {
    if (line.type === 'text') {
      set({ align: line.align, bold: line.bold, large: line.large });
      parts.push(encode(line.text), [LF]);
    } else if (line.type === 'cut') {
      set({ align: 'left', bold: false, large: false });
      feedAndCut(parts, opts, true);
    } else {
      set({ align: 'center', bold: false, large: false });
      parts.push(barcodeToEscPos(line));
    }
  }
  set({ align: 'left', bold: false, large: false });
  return finish(parts, opts, doc.cut ?? true);
}

/** A document a print request carries; page documents (sheets) belong on a page printer. */
export function documentToEscPos(doc: PrintJobDocument, opts: EscPosOptions): Uint8Array {
  if (doc.kind === 'sheet')
    throw new PrintError('printFailed', 'a sheet (page) document needs a page printer, not ESC/POS', true);
  return doc.kind === 'text' ? textDocumentToEscPos(doc.lines, opts) : printDocumentToEscPos(doc, opts);
}

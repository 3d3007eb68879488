import type { PrintDocument } from '@bunko/protocols';
import { PrintError } from './drivers/types.ts';
import { charColumns, textColumns } from './text-layout.ts';

/**
 * A `PrintDocument` laid out for a printer `columns` wide (half-width columns; a kanji takes two,
 * large text twice as many). The ESC/POS renderer and the virtual printer both print these lines,
 * so a receipt wraps the same on paper and in the demo's text files.
 */
export type Align = 'left' | 'center' | 'right';

/** One printed line: already wrapped to fit, not padded (the printer aligns it). */
export type TextLine = { type: 'text'; text: string; align: Align; large: boolean; bold: boolean };
/** A barcode on a line of its own; NW-7 data carries its start/stop characters. */
export type BarcodeLine = { type: 'barcode'; symbology: 'nw7' | 'code128' | 'qr'; data: string };
/** Feed to the cutter and cut here (between labels of one job). */
export type CutLine = { type: 'cut' };
export type LaidOutLine = TextLine | BarcodeLine | CutLine;

const plain = (text: string, align: Align = 'left'): TextLine => ({
  type: 'text',
  text,
  align,
  large: false,
  bold: false,
});

const isWordChar = (ch: string) => ch >= '!' && ch <= '~';
const isAsciiWord = (s: string) => /^[!-~]+$/.test(s);

/**
 * Wrap text to `columns`. Each character counts its printer columns times `scale` (2 for double
 * size). A line break in the text starts a new line. Japanese text breaks anywhere; a run of ASCII
 * (a Latin word, an ISBN) moves whole to the next line when a space before it allows.
 */
export function wrapText(text: string, columns: number, scale: 1 | 2 = 1): string[] {
  const out: string[] = [];
  for (const paragraph of text.replace(/\t/g, ' ').split(/\r\n|\r|\n/)) {
    let line = '';
    let used = 0;
    for (const ch of paragraph) {
      const w = charColumns(ch.codePointAt(0)!) * scale;
      if (used + w > columns && line !== '') {
        const space = isWordChar(ch) ? line.lastIndexOf(' ') : -1;
        const head = space > 0 ? line.slice(0, space).trimEnd() : '';
        const tail = space > 0 ? line.slice(space + 1) : '';
        if (head !== '' && (tail === '' || (isAsciiWord(tail) && textColumns(tail) * scale + w <= columns))) {
          out.push(head);
          line = tail;
          used = textColumns(tail) * scale;
        } else {
          out.push(line.trimEnd());
          line = '';
          used = 0;
        }
        if (line === '' && ch === ' ') continue; // a space at the break is not carried over
      }
      line += ch;
      used += w;
    }
    out.push(line);
  }
  return out;
}

/**
 * Pad a line to its alignment in `columns`, for a plain-text rendering. `width` is the columns the
 * text takes where it is drawn (by default its own width); no trailing padding is added.
 */
export function alignText(text: string, align: Align, columns: number, width = textColumns(text)): string {
  const free = Math.max(0, columns - width);
  if (align === 'center') return ' '.repeat(Math.floor(free / 2)) + text;
  if (align === 'right') return ' '.repeat(free) + text;
  return text;
}

/**
 * label … value on one line when both fit (with at least one space between them); otherwise the
 * label on its own line(s) and the value below it, right-aligned.
 */
export function layoutPair(label: string, value: string, columns: number): TextLine[] {
  const lw = textColumns(label);
  const vw = textColumns(value);
  if (value === '') return wrapText(label, columns).map((l) => plain(l.trimEnd()));
  const gap = label.trim() === '' ? 0 : 1;
  if (lw + gap + vw <= columns) return [plain(label + ' '.repeat(columns - lw - vw) + value)];
  const lines = label.trim() === '' ? [] : wrapText(label, columns).map((l) => plain(l.trimEnd()));
  for (const v of wrapText(value, columns)) lines.push(plain(v, 'right'));
  return lines;
}

const CODABAR_BODY = /^[0-9$:/.+-]+$/;
const START_STOP = /^[A-D]$/;

/**
 * NW-7 (Codabar) data with its start/stop characters: library barcodes are usually stored
 * without them (readers are set not to transmit them), so bare data is printed as A…A.
 */
export function codabarWithStartStop(data: string): string {
  const first = data.slice(0, 1).toUpperCase();
  const last = data.slice(-1).toUpperCase();
  const hasStart = START_STOP.test(first);
  const hasStop = data.length > 1 && START_STOP.test(last);
  let full: string | undefined;
  if (hasStart && hasStop) full = `${first}${data.slice(1, -1)}${last}`;
  else if (!hasStart && !START_STOP.test(last)) full = `A${data}A`;
  if (!full || !CODABAR_BODY.test(full.slice(1, -1))) {
    throw new PrintError(
      'printFailed',
      'NW-7 barcode data must be digits and - $ : / . + , with both or neither start/stop characters (A–D)',
      true,
    );
  }
  return full;
}

function barcodeLine(symbology: BarcodeLine['symbology'], data: string): BarcodeLine {
  if (symbology === 'nw7') return { type: 'barcode', symbology, data: codabarWithStartStop(data) };
  if (symbology === 'code128' && !/^[ -~]+$/.test(data)) {
    throw new PrintError('printFailed', 'CODE128 barcode data must be printable ASCII', true);
  }
  return { type: 'barcode', symbology, data };
}

/** Every block of the document as printer lines for `columns`. Throws PrintError on bad barcode data. */
export function layoutDocument(doc: PrintDocument, columns: number): LaidOutLine[] {
  const out: LaidOutLine[] = [];
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'text': {
        const large = block.size === 'large';
        const align = block.align ?? 'left';
        const bold = block.bold ?? false;
        for (const text of wrapText(block.text, columns, large ? 2 : 1)) {
          out.push({ type: 'text', text, align, large, bold });
        }
        break;
      }
      case 'pair':
        out.push(...layoutPair(block.label, block.value, columns));
        break;
      case 'rule':
        out.push(plain('-'.repeat(columns)));
        break;
      case 'feed':
        for (let i = 0; i < block.lines; i++) out.push(plain(''));
        break;
      case 'barcode':
        out.push(barcodeLine(block.symbology, block.data));
        break;
      case 'cut':
        out.push({ type: 'cut' });
        break;
    }
  }
  return out;
}

const SYMBOLOGY_NAME: Record<BarcodeLine['symbology'], string> = {
  nw7: 'NW7',
  code128: 'CODE128',
  qr: 'QR',
};

/**
 * The document as plain text lines (the virtual printer's file). Large text is drawn at normal
 * width here, so it is aligned by its drawn width; a barcode becomes `||| NW7 A1000000017A |||`.
 */
export function documentToTextLines(doc: PrintDocument, columns: number): string[] {
  return layoutDocument(doc, columns).map((line) =>
    line.type === 'text'
      ? alignText(line.text, line.align, columns)
      : line.type === 'cut'
        ? '- '.repeat(Math.floor(columns / 2)).trimEnd()
        : alignText(`||| ${SYMBOLOGY_NAME[line.symbology]} ${line.data} |||`, 'center', columns),
  );
}

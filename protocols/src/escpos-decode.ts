/**
 * Reads back an ESC/POS byte stream (the subset edge-agent/src/escpos.ts sends) as the paper would
 * show it: text lines with their justification, emphasis and size, barcodes with their data, cuts.
 * Used to show the demo's virtual receipt printer output in the browser and to check printed bytes
 * in tests. Text is CP932 once the stream selects the katakana table or Kanji mode, else UTF-8.
 */

export type PaperAlign = 'left' | 'center' | 'right';
export type PaperLine =
  | { type: 'text'; text: string; align: PaperAlign; bold: boolean; large: boolean }
  | { type: 'barcode'; symbology: 'nw7' | 'code128' | 'qr'; data: string }
  | { type: 'cut'; partial: boolean };

const LF = 0x0a;
const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;

const cp932 = new TextDecoder('shift_jis');
const utf8 = new TextDecoder('utf-8');
const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** Decode the stream; a command outside the known subset is skipped (its first two bytes). */
export function decodeEscPos(bytes: Uint8Array): PaperLine[] {
  const out: PaperLine[] = [];
  let mode = { align: 'left' as PaperAlign, bold: false, large: false, cp932: false };
  let text: number[] = [];
  let qrData = new Uint8Array();
  const flush = () => {
    const run = Uint8Array.from(text);
    out.push({
      type: 'text',
      text: (mode.cp932 ? cp932 : utf8).decode(run),
      align: mode.align,
      bold: mode.bold,
      large: mode.large,
    });
    text = [];
  };
  /** a command ends the current run only when it prints something (barcode, feed, cut) */
  const flushIfText = () => {
    if (text.length > 0) flush();
  };
  let i = 0;
  const at = (k: number) => bytes[i + k] ?? 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === LF) {
      flush();
      i += 1;
    } else if (b === ESC) {
      const cmd = at(1);
      if (cmd === 0x40) {
        mode = { align: 'left', bold: false, large: false, cp932: mode.cp932 };
        i += 2;
      } else if (cmd === 0x61) {
        const n = at(2);
        mode.align = n === 1 || n === 0x31 ? 'center' : n === 2 || n === 0x32 ? 'right' : 'left';
        i += 3;
      } else if (cmd === 0x45) {
        mode.bold = (at(2) & 1) === 1;
        i += 3;
      } else if (cmd === 0x74) {
        if (at(2) === 1) mode.cp932 = true;
        i += 3;
      } else if (cmd === 0x64) {
        flushIfText();
        for (let n = 0; n < at(2); n++) flush();
        i += 3;
      } else i += 2;
    } else if (b === FS) {
      const cmd = at(1);
      if (cmd === 0x26) mode.cp932 = true;
      i += cmd === 0x43 ? 3 : 2;
    } else if (b === GS) {
      const cmd = at(1);
      if (cmd === 0x21) {
        mode.large = at(2) !== 0;
        i += 3;
      } else if (cmd === 0x6b) {
        // GS k m n d1…dn (m ≥ 65)
        flushIfText();
        const m = at(2);
        const n = at(3);
        const data = ascii(bytes.subarray(i + 4, i + 4 + n));
        if (m === 71) out.push({ type: 'barcode', symbology: 'nw7', data });
        else if (m === 73)
          out.push({ type: 'barcode', symbology: 'code128', data: data.slice(2).replace(/\{\{/g, '{') });
        i += 4 + n;
      } else if (cmd === 0x28 && at(2) === 0x6b) {
        // GS ( k pL pH cn fn …: QR store / print
        const len = at(3) + at(4) * 256;
        const fn = at(6);
        if (fn === 0x50) qrData = bytes.slice(i + 8, i + 5 + len);
        else if (fn === 0x51) {
          flushIfText();
          out.push({ type: 'barcode', symbology: 'qr', data: utf8.decode(qrData) });
        }
        i += 5 + len;
      } else if (cmd === 0x56) {
        // GS V m [n]: m 65/66 carry a feed amount
        flushIfText();
        const m = at(2);
        out.push({ type: 'cut', partial: m === 1 || m === 49 || m === 66 });
        i += m >= 65 ? 4 : 3;
      } else if (cmd === 0x48 || cmd === 0x68 || cmd === 0x77) i += 3;
      else i += 2;
    } else {
      text.push(b);
      i += 1;
    }
  }
  flushIfText();
  return out;
}

const SYMBOLOGY = { nw7: 'NW-7', code128: 'CODE128', qr: 'QR' } as const;

/** A barcode as the plain text marker shown where it was printed, e.g. 「[NW-7 A1234567A]」. */
export const barcodeMarker = (line: { symbology: keyof typeof SYMBOLOGY; data: string }) =>
  `[${SYMBOLOGY[line.symbology]} ${line.data}]`;

/** The marker a cut leaves in the plain text. */
export const CUT_MARKER = '- - - - - - - - (cut) - - - - - - - -';

/** The paper as plain text: one line per printed line, barcodes and cuts as markers. */
export function paperText(lines: readonly PaperLine[]): string {
  return lines
    .map((l) => (l.type === 'text' ? l.text : l.type === 'cut' ? CUT_MARKER : barcodeMarker(l)))
    .join('\n');
}

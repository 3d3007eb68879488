import type { StocktakeScan } from '@bunko/protocols';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { DropFolderTransfer, HandheldTimeFormat, TextEncoding } from './schema.ts';

/**
 * Reading what a handheld terminal collected during stock-take (蔵書点検), per its profile. Shared
 * by the edge agent (drop folder, serial cradle) and the core (CSV upload from the staff page).
 *
 * Bad lines are reported by line number and reason, never with their content, and the rest of the
 * file is still taken: one smudged label must not cost a shelf's worth of scans, and the report
 * tells staff which lines to look at.
 */
export type RejectedLine = { line: number; reason: string };
export type HandheldRead = { terminalId: string; scans: StocktakeScan[]; rejected: RejectedLine[] };

/** Decode bytes in the profile's encoding (a UTF-8 BOM is dropped). */
export function decodeHandheldText(bytes: Uint8Array, encoding: TextEncoding): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (encoding === 'cp932') return iconv.decode(buf, 'cp932');
  const text = new TextDecoder('utf-8').decode(buf);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Library time: a stamp without an offset is Japan time (the terminal's clock). */
const JST = '+09:00';

/** A terminal's time stamp as ISO 8601, '' when empty, or null when it cannot be read. */
export function parseHandheldTime(text: string, format: HandheldTimeFormat): string | '' | null {
  const t = text.trim();
  if (!t) return '';
  let iso: string | undefined;
  if (format === 'iso') iso = /(?:Z|[+-]\d\d:?\d\d)$/.test(t) ? t : `${t}${JST}`;
  else {
    const m =
      format === 'yyyyMMddHHmmss'
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(t)
        : /^(\d{4})\/(\d{1,2})\/(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
    if (m) {
      const p = (s: string | undefined) => (s ?? '0').padStart(2, '0');
      iso = `${m[1]}-${p(m[2])}-${p(m[3])}T${p(m[4])}:${p(m[5])}:${p(m[6])}${JST}`;
    }
  }
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  // 2026-02-30 rolls over in Date; refuse it rather than guess
  const local = new Date(d.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
  if (format !== 'iso' && local !== iso.slice(0, 10)) return null;
  return d.toISOString();
}

/** control characters (below space, and DEL) are never part of a label */
const hasControl = (s: string) => [...s].some((ch) => ch < ' ' || ch === '\x7f');

/** Check one barcode as read; the reason when it cannot be a scan. */
export function barcodeProblem(barcode: string): string | undefined {
  if (!barcode) return 'empty barcode';
  if (barcode.length > 64) return 'barcode longer than 64 characters';
  if (barcode.includes('\uFFFD')) return `characters not valid in the file's encoding`;
  if (hasControl(barcode)) return 'control characters in the barcode';
  return undefined;
}

/**
 * Read a drop-folder file per its profile. `fallbackTerminal` (the device id) names the terminal
 * when the file has no terminal column.
 */
export function readHandheldFile(
  bytes: Uint8Array,
  transfer: DropFolderTransfer,
  fallbackTerminal: string,
): HandheldRead {
  const text = decodeHandheldText(bytes, transfer.encoding);
  const rejected: RejectedLine[] = [];
  const scans: StocktakeScan[] = [];
  let terminalId = '';
  const rows = parse(text, {
    delimiter: transfer.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    trim: true,
    on_skip: (err: { lines?: number; message: string } | undefined) => {
      rejected.push({ line: err?.lines ?? 0, reason: 'unreadable CSV quoting' });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const cols = transfer.columns;
  const at = (name: (typeof cols)[number], record: string[]) => {
    const i = cols.indexOf(name);
    return i < 0 ? undefined : (record[i] ?? '');
  };
  rows.forEach(({ record, info }, index) => {
    if (index === 0 && transfer.header) return;
    const line = info.lines;
    if (record.length < cols.length) {
      rejected.push({ line, reason: `${record.length} columns, ${cols.length} expected` });
      return;
    }
    const barcode = at('barcode', record)!;
    const problem = barcodeProblem(barcode);
    if (problem) {
      rejected.push({ line, reason: problem });
      return;
    }
    const rawTime = at('scannedAt', record);
    const time = rawTime === undefined ? '' : parseHandheldTime(rawTime, transfer.timeFormat);
    if (time === null) {
      rejected.push({ line, reason: `time not in the form ${transfer.timeFormat}` });
      return;
    }
    const shelfTag = at('shelfTag', record) ?? '';
    if (shelfTag.length > 64 || hasControl(shelfTag) || shelfTag.includes('\uFFFD')) {
      rejected.push({ line, reason: 'unreadable shelf tag' });
      return;
    }
    terminalId ||= (at('terminalId', record) ?? '').slice(0, 64);
    scans.push({ barcode, shelfTag, scannedAt: time || null });
  });
  rejected.sort((a, b) => a.line - b.line);
  return { terminalId: terminalId || fallbackTerminal, scans, rejected };
}

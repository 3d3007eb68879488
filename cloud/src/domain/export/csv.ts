import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';

/**
 * CSV for Japanese office software and school library systems: RFC 4180 quoting, CRLF, and either
 * CP932 (what Excel and most Japanese systems read without asking) or UTF-8 with a BOM.
 */
export type CsvEncoding = 'cp932' | 'utf8bom';

export function toCsvText(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return stringify(
    rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v)))),
    { record_delimiter: 'windows' },
  );
}

/** 〓 (geta) is the traditional stand-in for a character the target code page lacks. */
const GETA = '〓';

/**
 * Encode CSV text. Characters CP932 cannot hold (𠮷, emoji) become 〓 and are counted, so the
 * caller can tell staff instead of letting a name turn silently into "?".
 */
export function encodeCsv(text: string, encoding: CsvEncoding): { bytes: Buffer; replaced: number } {
  if (encoding === 'utf8bom')
    return {
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
      replaced: 0,
    };
  let replaced = 0;
  let safe = '';
  for (const ch of text) {
    if (ch === '?' || iconv.decode(iconv.encode(ch, 'cp932'), 'cp932') === ch) safe += ch;
    else {
      safe += GETA;
      replaced++;
    }
  }
  return { bytes: iconv.encode(safe, 'cp932'), replaced };
}

/** Read a CSV file in either encoding: a UTF-8 BOM or valid UTF-8 means UTF-8, else CP932. */
export function decodeCsv(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return iconv.decode(buf, 'cp932');
  }
}

/** Rows of a CSV text (RFC 4180: quoted commas, quotes and line breaks; CRLF or LF). */
export function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
}

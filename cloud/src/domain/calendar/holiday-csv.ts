/**
 * The Cabinet Office's own list of national holidays, `syukujitsu.csv`
 * (https://www8.cao.go.jp/chosei/shukujitsu/syukujitsu.csv): Shift_JIS, a header line, then
 * `YYYY/M/D,名称`. We read it for two reasons: it is the oracle the package is tested against, and
 * it is the update path when a holiday is enacted before the package catches up — an operator
 * drops the new file into the holiday supplement, no code changes (see holidays.ts).
 */
import type { HolidayEntry } from './holidays.ts';

const LINE = /^(\d{4})\/(\d{1,2})\/(\d{1,2}),(.+)$/;

/** Decode the file as published (Shift_JIS); strings pass through, e.g. an already decoded copy. */
export function decodeCabinetOfficeCsv(input: Uint8Array | string): string {
  return typeof input === 'string' ? input : new TextDecoder('shift_jis').decode(input);
}

/**
 * Parse every holiday line. A line that is neither the header, blank, nor a holiday is an error:
 * a half-read holiday list would silently open the library on a holiday.
 */
export function parseCabinetOfficeCsv(input: Uint8Array | string): HolidayEntry[] {
  const lines = decodeCabinetOfficeCsv(input)
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const out: HolidayEntry[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || (i === 0 && !/^\d/.test(line))) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`syukujitsu.csv line ${i + 1} is not "YYYY/M/D,名称": ${line}`);
    const day = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
    out.push({ day, nameJa: m[4]!.trim() });
  }
  return out;
}

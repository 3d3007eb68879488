import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readHandheldFile } from '../src/handheld-file.ts';
import { getProfile, type HandheldProfile } from '../src/index.ts';

const transferOf = (id: string) => {
  const p = getProfile(id) as HandheldProfile;
  if (p.transfer.mode !== 'dropFolder') throw new Error('not a drop-folder profile');
  return p.transfer;
};

describe('reading a handheld file', () => {
  it('reads a CP932 CSV with a header: terminal, shelf, barcode, JST time; bad lines by number', () => {
    const text = [
      '端末ID,棚,バーコード,読取日時',
      'BHT-07,main/一般,1000001,2026/11/20 10:15:00',
      'BHT-07,main/一般,"1000002",2026/11/20 10:15:03',
      'BHT-07,main/児童,,2026/11/20 10:16:00',
      'BHT-07,main/児童,1000003,2026/13/20 10:16:00',
      'BHT-07,main/児童',
      '',
      'BHT-07,main/児童,1000004,2026/11/20 10:17:00',
    ].join('\r\n');
    const r = readHandheldFile(iconv.encode(text, 'cp932'), transferOf('generic-handheld-csv-cp932'), 'dev');
    expect(r.terminalId).toBe('BHT-07');
    expect(r.scans).toEqual([
      { barcode: '1000001', shelfTag: 'main/一般', scannedAt: '2026-11-20T01:15:00.000Z' },
      { barcode: '1000002', shelfTag: 'main/一般', scannedAt: '2026-11-20T01:15:03.000Z' },
      { barcode: '1000004', shelfTag: 'main/児童', scannedAt: '2026-11-20T01:17:00.000Z' },
    ]);
    expect(r.rejected).toEqual([
      { line: 4, reason: 'empty barcode' },
      { line: 5, reason: 'time not in the form yyyy/MM/dd HH:mm:ss' },
      { line: 6, reason: '2 columns, 4 expected' },
    ]);
  });

  it('reads a UTF-8 TSV without a header; the terminal falls back to the device id when absent', () => {
    const text = '\uFEFF1000001\t2026-11-20T10:15:00\tmain\t\n1000002\t\tbranch\t\n';
    const r = readHandheldFile(Buffer.from(text), transferOf('generic-handheld-tsv-utf8'), 'dev-1');
    expect(r.terminalId).toBe('dev-1');
    expect(r.scans).toEqual([
      { barcode: '1000001', shelfTag: 'main', scannedAt: '2026-11-20T01:15:00.000Z' },
      { barcode: '1000002', shelfTag: 'branch', scannedAt: null },
    ]);
    expect(r.rejected).toEqual([]);
  });
});

// 仮想プリンタの出力: the demo agent's virtual printer files, shown to the demo library's staff only.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { addStaffWith, call, login, makeTenant, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

type Answer = {
  available: boolean;
  prints: { deviceKey: string; file: string; bytes: number; lines: unknown[]; text: string }[];
};

/** ESC/POS as a TM-T88VI gets it: init, katakana table, Kanji mode, lines, a barcode, feed and cut */
const escpos = (...parts: (string | number[])[]) =>
  Buffer.concat([
    Buffer.from([0x1b, 0x40, 0x1b, 0x74, 1, 0x1c, 0x43, 1, 0x1c, 0x26]),
    ...parts.map((p) => (typeof p === 'string' ? iconv.encode(p, 'cp932') : Buffer.from(p))),
    Buffer.from([0x1c, 0x2e, 0x1b, 0x64, 2, 0x1d, 0x56, 66, 0]),
  ]);
const center = [0x1b, 0x61, 1];
const bold = (on: boolean) => [0x1b, 0x45, on ? 1 : 0];
const nw7 = (data: string) => [0x1d, 0x6b, 71, data.length, ...Buffer.from(data, 'ascii')];
const newReceipt = escpos(
  center,
  bold(true),
  '貸出票\n',
  bold(false),
  [0x1b, 0x61, 0],
  '1. 八重山の海\n',
  nw7('A1234567A'),
);

describe('the demo agent’s virtual printer output', () => {
  let database: Database;
  const dir = mkdtempSync(join(tmpdir(), 'bunko-demo-prints-'));
  let app: ReturnType<typeof testApp>;
  let plain: ReturnType<typeof testApp>;

  beforeAll(async () => {
    database = await freshDatabase();
    const { tenant } = await makeTenant(database, 'demoprint');
    await makeTenant(database, 'other');
    await addStaffWith(database, tenant.id, 'nodevices', ['catalog.read']);
    mkdirSync(join(dir, 'labels'));
    mkdirSync(join(dir, 'pages'));
    const files = [
      ['old-receipt.bin', escpos('貸出票 (古い)\n'), 1_000],
      ['labels/spine.bin', escpos('913.6\nタ\n'), 2_000],
      ['new-receipt.bin', newReceipt, 3_000],
      // the agent's text layout beside the bytes, and a page printer's PDF: neither is shown
      ['new-receipt.txt', 'テキスト版\n', 3_500],
      ['pages/letter.pdf', '%PDF-1.7', 4_000],
    ] as const;
    for (const [name, text, at] of files) {
      writeFileSync(join(dir, name), text);
      utimesSync(join(dir, name), at, at);
    }
    app = testApp(database, { demoPrints: { tenantId: tenant.id, dir } });
    plain = testApp(database);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = async (a: typeof app, tenant: string, loginId: string, query = '') => {
    const res = await call(a, await login(a, tenant, loginId), 'GET', `/api/demo/prints${query}`);
    return { status: res.status, body: (await res.json()) as Answer };
  };

  it('lists the receipt and label printouts newest first, decoded from their ESC/POS bytes; no PDFs', async () => {
    const { status, body } = await list(app, 'demoprint', 'it');
    expect(status).toBe(200);
    expect(body.available).toBe(true);
    expect(body.prints.map((p) => [p.deviceKey, p.file])).toEqual([
      ['receipt-1', 'new-receipt.bin'],
      ['label-1', 'spine.bin'],
      ['receipt-1', 'old-receipt.bin'],
    ]);
    const [newest] = body.prints;
    expect(newest!.bytes).toBe(newReceipt.length);
    expect(newest!.lines.slice(0, 3)).toEqual([
      { type: 'text', text: '貸出票', align: 'center', bold: true, large: false },
      { type: 'text', text: '1. 八重山の海', align: 'left', bold: false, large: false },
      { type: 'barcode', symbology: 'nw7', data: 'A1234567A' },
    ]);
    expect(newest!.lines.at(-1)).toEqual({ type: 'cut', partial: true });
    expect(newest!.text).toMatch(/^貸出票\n1\. 八重山の海\n\[NW-7 A1234567A\]\n\n\n- - .*\(cut\)/);
    expect(newest!.text).not.toContain('テキスト版');
    expect(body.prints[1]!.text).toContain('913.6\nタ\n');
    expect((await list(app, 'demoprint', 'it', '?limit=1')).body.prints).toHaveLength(1);
  });

  it('shows nothing to another library or outside the demo, and needs devices.read', async () => {
    expect((await list(app, 'other', 'it')).body).toEqual({ available: false, prints: [] });
    expect((await list(plain, 'demoprint', 'it')).body).toEqual({ available: false, prints: [] });
    expect((await list(app, 'demoprint', 'nodevices')).status).toBe(403);
  });
});

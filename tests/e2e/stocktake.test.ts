// The stock-take page in Chromium: open a session, upload a handheld's CSV (Shift_JIS), reconcile,
// read a list, close. Skipped without /usr/bin/chromium.
import iconv from 'iconv-lite';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { haveChromium, launchChromium, serveOnLoopback, staffLogIn } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

describe.skipIf(!haveChromium)('stock-take page (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    await makeLibrary(database, 'inv');
    served = await serveOnLoopback(
      testApp(database, { webRoot, publicConfig: () => ({ defaultTenant: 'inv', demo: false }) }),
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });

  it('opens a session, takes an uploaded file once, reconciles and closes', async () => {
    const page = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await staffLogIn(page, served!.base, 'inv', 'librarian', PASSWORD);
    await page.getByRole('link', { name: '蔵書点検' }).click();
    await page.getByRole('heading', { level: 1, name: '蔵書点検' }).waitFor();

    await page.getByLabel('名称').fill('令和8年度 本館');
    await page.getByLabel('本館').check();
    await page.getByRole('button', { name: '開始', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '令和8年度 本館' }).waitFor();

    const file = {
      name: 'bht-01.csv',
      mimeType: 'text/csv',
      buffer: iconv.encode(
        '端末ID,棚,バーコード,読取日時\r\nBHT-01,main,1000001,2026/11/20 10:00:00\r\nBHT-01,main,1000002,2026/11/20 10:00:05\r\nBHT-01,main,,2026/11/20 10:00:09\r\n',
        'cp932',
      ),
    };
    await page.getByLabel('ファイル', { exact: true }).setInputFiles(file);
    await page.getByRole('button', { name: '取り込む' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('2 件を取り込みました');
    expect(await page.getByRole('status').textContent()).toContain('4: empty barcode');
    await page.getByLabel('ファイル', { exact: true }).setInputFiles(file);
    await page.getByRole('button', { name: '取り込む' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('取り込み済み');

    await page.getByRole('button', { name: '照合する' }).click();
    const missing = page.getByRole('button', { name: /^不明\(読み取られなかった在架資料\): / });
    await missing.waitFor();
    // the main library holds 13 copies; 2 were scanned, none is lent in this fixture
    expect(await missing.textContent()).toBe('不明(読み取られなかった在架資料): 11');
    await missing.click();
    await page.getByRole('cell', { name: '1000003' }).waitFor();

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: '点検を終了する' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('不明 11 点');
    expect(errors).toEqual([]);
  });
});

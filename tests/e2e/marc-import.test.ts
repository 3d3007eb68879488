// tests/e2e — MARC取込 in Chromium: a librarian uploads the real NDL file (180 JAPAN/MARC records), the
// core imports it in the background, the page's progress bar runs to 180 with the counts, the report
// and the recent imports list show it, and a title of the file is then found in the catalogue search.
// Skipped when /usr/bin/chromium is absent. Run alone: npx vitest run tests/e2e/marc-import.test.ts
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { MarcImportRunner } from '../../cloud/src/domain/marc/import-jobs.ts';
import { makeTenant, PASSWORD, silentLogger, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import {
  collectPageErrors,
  failOnPageErrors,
  haveChromium,
  launchChromium,
  serveOnLoopback,
  staffLogIn,
} from './browser.ts';
import { ensureWebBuild, root, webRoot } from './web-build.ts';

const TENANT = 'e2eimport';
const NDL = join(root, 'cloud/test/fixtures/marc/jp__ndl-japan-marc21-first180.mrc');
/** six Russian records in Windows-1251 under a MARC-8 leader: readable only with the character set chosen */
const CP1251 = join(root, 'cloud/test/fixtures/marc/bad__pymarc__1251.dat');

describe.skipIf(!haveChromium)('MARC取込 (Chromium)', () => {
  let database: Database;
  let runner: MarcImportRunner;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  const errors = failOnPageErrors();

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    await makeTenant(database, TENANT);
    runner = new MarcImportRunner(database.db, silentLogger, { batchSize: 50, progressEvery: 20 }).start();
    const app = testApp(database, {
      webRoot,
      marcImports: runner,
      publicConfig: () => ({ defaultTenant: TENANT, demo: false }),
    });
    served = await serveOnLoopback(app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await runner?.stop();
    await served?.close();
    await database?.close();
  });

  it('uploads a weekly file, follows the progress to 180 records and finds a title in the search', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    collectPageErrors(page, errors);
    await staffLogIn(page, served!.base, TENANT, 'librarian', PASSWORD);
    await page.getByRole('navigation').first().getByRole('link', { name: '資料検索' }).click();
    await page.getByRole('link', { name: 'MARC取込(ファイルから一括)' }).click();
    await page.getByRole('heading', { level: 1, name: 'MARC取込' }).waitFor();
    expect(await page.getByText('取込の記録はありません。').count()).toBe(1);

    await page.getByLabel('ファイル').setInputFiles(NDL);
    await page.getByLabel('項目対応').selectOption('marc21');
    await page.getByRole('button', { name: '取込開始' }).click();

    const bar = page.getByRole('progressbar', { name: /jp__ndl-japan-marc21-first180\.mrc/ });
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuemax')).toBe('180');
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 60_000 }).toBe('180');
    // the bar can reach 180 one page poll (1 s) before the job reads done: wait for that poll
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 30_000 })
      .toContain('完了');
    expect(await bar.getAttribute('aria-valuetext')).toBe('180件中 180件');
    const count = (k: string) => page.locator(`.import-counts dd[data-count="${k}"]`).textContent();
    expect(await count('processed')).toBe('180');
    expect(await count('created')).toBe('180');
    expect(await count('rejected')).toBe('0');
    expect(await page.getByText('不採用のレコードはありません。').count()).toBe(1);
    // the first records written link to their pages; the recent imports list the job
    await page.getByRole('heading', { level: 3, name: '取り込んだ書誌(先頭20件)' }).waitFor();
    expect(await page.locator('main li a[href^="/bibs/"]').count()).toBe(20);
    const row = page.getByRole('row', { name: /jp__ndl-japan-marc21-first180\.mrc/ });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('完了');
    expect(await row.textContent()).toContain('librarian');

    await page.getByRole('link', { name: '← 資料検索' }).click();
    await page.getByLabel('検索語(書名・著者名・ISBN など)').fill('これからの本の話をしよう');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.getByRole('link', { name: 'これからの本の話をしよう' }).first().waitFor();
    await context.close();
  });

  it('imports a file in the character set chosen (文字コード), shown with the job', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    collectPageErrors(page, errors);
    await staffLogIn(page, served!.base, TENANT, 'librarian', PASSWORD);
    await page.goto(`${served!.base}/marc-import`);
    await page.getByRole('heading', { level: 1, name: 'MARC取込' }).waitFor();
    const encoding = page.getByLabel('文字コード');
    expect(await encoding.inputValue()).toBe('');
    await page.getByLabel('ファイル').setInputFiles(CP1251);
    await encoding.selectOption('windows-1251');
    await page.getByRole('button', { name: '取込開始' }).click();

    const report = page.getByRole('region', { name: /bad__pymarc__1251\.dat/ });
    await report.getByText('文字コード: Windows-1251(キリル文字)').waitFor();
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 60_000 })
      .toContain('完了');
    expect(await page.locator('.import-counts dd[data-count="created"]').textContent()).toBe('6');
    expect(await page.locator('.import-counts dd[data-count="rejected"]').textContent()).toBe('0');
    await page.getByRole('link', { name: /^Психологический тренинг с подростками/ }).waitFor();
    const row = page.getByRole('row', { name: /bad__pymarc__1251\.dat/ });
    await expect
      .poll(() => row.textContent(), { timeout: 30_000 })
      .toContain('文字コード: Windows-1251(キリル文字)');
    // the form is back to letting the records tell the character set
    expect(await encoding.inputValue()).toBe('');
    await context.close();
  });
});

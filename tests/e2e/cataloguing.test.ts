// tests/e2e — staff cataloguing in Chromium: from the search results to the record page, edit the title
// (a validation issue shown beside its field first), add a copy with the call number the rules give,
// withdraw it, and receive a real MARC record from the pool (scan its ISBN, adopt, copy added).
// Skipped when /usr/bin/chromium is absent. Run alone: npx vitest run tests/e2e/cataloguing.test.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { bibRecords, devices, items, operationLog, printJobs } from '../../cloud/src/db/schema/index.ts';
import { reindexBibSearch } from '../../cloud/src/domain/catalog/reindex-search.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { call, login, PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { haveChromium, launchChromium, serveOnLoopback, staffLogIn } from './browser.ts';
import { ensureWebBuild, root, webRoot } from './web-build.ts';

const TENANT = 'e2ecat';
/** a real record (OCLC, Japanese score with 880 vernacular fields) with ISBN 9784890664740 */
const REAL_MARC = join(root, 'cloud/test/fixtures/marc/jp__marc-to-argot__vern_title1.mrc');
const REAL_ISBN = '9784890664740';

describe.skipIf(!haveChromium)('cataloguing 目録 (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let lib: Awaited<ReturnType<typeof makeLibrary>>;
  let pooled: { id: string; title: string };

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    lib = await makeLibrary(database, TENANT);
    await reindexBibSearch(database.db, lib.tenantId);
    const app = testApp(database, { webRoot, publicConfig: () => ({ defaultTenant: TENANT, demo: false }) });
    // the week's delivery into the pool, through the API as the importer's operators do
    const librarian = await login(app, TENANT, 'librarian');
    const res = await app.request('/api/marc/pool?mapping=marc21', {
      method: 'POST',
      headers: { cookie: librarian, 'content-type': 'application/marc' },
      body: readFileSync(REAL_MARC),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { loaded: number }).loaded).toBe(1);
    const found = (await (await call(app, librarian, 'GET', `/api/marc/pool?isbn=${REAL_ISBN}`)).json()) as {
      id: string;
      title: string;
    }[];
    expect(found).toHaveLength(1);
    pooled = found[0]!;
    // the desk's agent with its sticker printer beside the receipt printer
    const admin = await login(app, TENANT, 'admin');
    const agent = await call(app, admin, 'POST', '/api/agents', { code: 'cat-desk', nameJa: '整理室PC' });
    const agentId = ((await agent.json()) as { id: string }).id;
    await database.db.insert(devices).values(
      (['receiptPrinter', 'labelPrinter'] as const).map((kind) => ({
        tenantId: lib.tenantId,
        agentId,
        deviceKey: kind === 'labelPrinter' ? 'label-1' : 'receipt-1',
        kind,
        profile: kind === 'labelPrinter' ? 'brother-ql-820nwb' : 'epson-tm-t88vi',
        transport: 'tcp9100',
        status: 'ok',
      })),
    );
    served = await serveOnLoopback(app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });

  async function loggedIn(loginId: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    await staffLogIn(page, served!.base, TENANT, loginId, PASSWORD);
    return page;
  }

  it('edits a record’s title from the search results, adds a copy and withdraws it', async () => {
    const page = await loggedIn('librarian');
    const bibId = lib.bibs.popular!;
    await page.getByRole('navigation').first().getByRole('link', { name: '資料検索' }).click();
    await page.getByLabel('検索語(書名・著者名・ISBN など)').fill('popular');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.getByRole('link', { name: '書名 popular' }).click();
    await page.getByRole('heading', { level: 1, name: '書誌詳細' }).waitFor();
    await expect.poll(() => page.locator('main table').textContent()).toContain('1000003');

    // edit: a bad ISBN is refused and the reason is shown beside the field, then a good save
    await page.getByRole('link', { name: '書誌を編集' }).click();
    await page.getByRole('heading', { level: 1, name: '書誌の編集' }).waitFor();
    await page.getByLabel('書名', { exact: true }).fill('八重山の海と星');
    await page.getByLabel('ISBN', { exact: true }).fill('12');
    await page.getByRole('button', { name: '保存' }).click();
    const isbnField = page.getByLabel('ISBN', { exact: true });
    await expect.poll(() => isbnField.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#bib-isbn-issue').textContent()).toContain('ISBN');
    await isbnField.fill('');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('heading', { level: 2, name: '八重山の海と星' }).waitFor();
    const [saved] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, bibId));
    expect(saved!.title).toBe('八重山の海と星');

    // add a copy: the call number comes pre-filled from the library's rules
    const callNumber = page.getByLabel('請求記号');
    await expect.poll(() => callNumber.inputValue()).toMatch(/913/);
    await page.getByLabel('資料番号(バーコード)').fill('2000001');
    await page.getByLabel('配架場所').fill('一般書架');
    await page.getByRole('button', { name: '所蔵を登録' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('所蔵 2000001 を登録しました');
    const row = page.getByRole('row', { name: /2000001/ });
    expect(await row.locator('.badge').textContent()).toBe('在架');
    const [added] = await database.db
      .select()
      .from(items)
      .where(and(eq(items.tenantId, lib.tenantId), eq(items.barcode, '2000001')));
    expect(added!.bibId).toBe(bibId);
    expect(added!.callNumber).toMatch(/913/);

    // spine labels for the new copy, sent to the desk's label printer (offered first)
    await page.getByLabel('2000001 を選択').check();
    expect(await page.getByLabel('ラベルプリンタ').inputValue()).toMatch(/ label-1$/);
    await page.getByRole('button', { name: '選択した所蔵の背ラベルを印刷' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('背ラベルを印刷に送りました');
    const jobs = await database.db.select().from(printJobs).where(eq(printJobs.tenantId, lib.tenantId));
    expect(jobs.map((j) => j.deviceKey)).toEqual(['label-1']);

    // withdraw it with a reason, by keyboard in the reason field
    await row.getByRole('button', { name: '除籍' }).click();
    await row.getByLabel('除籍の理由').fill('汚損');
    await row.getByLabel('除籍の理由').press('Enter');
    // the status cell, not the row (whose withdraw button and form also say 除籍)
    await expect.poll(() => row.locator('.badge').textContent()).toBe('除籍');
    const [withdrawn] = await database.db.select().from(items).where(eq(items.id, added!.id));
    expect(withdrawn!.status).toBe('withdrawn');
    const logged = await database.db
      .select({ action: operationLog.action })
      .from(operationLog)
      .where(eq(operationLog.targetId, added!.id));
    expect(logged.length).toBeGreaterThanOrEqual(2);

    // the fixture's copy: missing, then back on the shelf
    const first = page.getByRole('row', { name: /1000003/ });
    await first.getByRole('button', { name: '不明にする' }).click();
    await expect.poll(() => first.locator('.badge').textContent()).toBe('不明');
    await first.getByRole('button', { name: '在架に戻す' }).click();
    await expect.poll(() => first.locator('.badge').textContent()).toBe('在架');
    const [back] = await database.db.select().from(items).where(eq(items.id, lib.items['1000003']!.id));
    expect(back!.status).toBe('available');
  });

  it('edits a copy’s shelf and call number; a barcode already in use is refused beside its field', async () => {
    const page = await loggedIn('librarian');
    const copy = lib.items['1000002']!;
    await page.goto(`${served!.base}/bibs/${copy.bibId}`);
    await page.getByRole('heading', { level: 1, name: '書誌詳細' }).waitFor();
    // the copy's own row (its barcode is the row header), not the edit form's row beneath it
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: '1000002' }) });
    await row.getByRole('button', { name: '修正' }).click();
    const form = page.getByRole('form', { name: '所蔵 1000002 の修正' });
    await form.waitFor();
    // the form opens with the copy's values
    expect(await form.getByLabel('資料番号(バーコード)').inputValue()).toBe('1000002');
    expect(await form.getByLabel('所蔵館').inputValue()).toBe(lib.mainId);
    expect(await form.getByLabel('資料種別').inputValue()).toBe('book');

    // a barcode another copy already has: the core's reason beside the barcode field, nothing saved
    await form.getByLabel('資料番号(バーコード)').fill('1000003');
    await form.getByLabel('配架場所').fill('郷土資料');
    await form.getByRole('button', { name: '保存' }).click();
    const barcodeField = form.getByLabel('資料番号(バーコード)');
    await expect.poll(() => barcodeField.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator(`#copy-${copy.id}-barcode-issue`).textContent()).toContain(
      '他の所蔵で使われている資料番号です',
    );
    const [unchanged] = await database.db.select().from(items).where(eq(items.id, copy.id));
    expect(unchanged).toMatchObject({ barcode: '1000002', shelf: '' });

    // put the barcode back: the new shelf and call number are saved and shown in the row
    await barcodeField.fill('1000002');
    await form.getByLabel('請求記号').fill('K/219.9/ヤ');
    await form.getByRole('button', { name: '保存' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('所蔵 1000002 を修正しました');
    expect(await form.count()).toBe(0);
    await expect.poll(() => row.textContent()).toContain('K/219.9/ヤ');
    expect(await row.textContent()).toContain('郷土資料');
    const [saved] = await database.db.select().from(items).where(eq(items.id, copy.id));
    expect(saved).toMatchObject({ barcode: '1000002', shelf: '郷土資料', callNumber: 'K/219.9/ヤ' });
    const logged = await database.db
      .select({ action: operationLog.action, details: operationLog.details })
      .from(operationLog)
      .where(and(eq(operationLog.targetId, copy.id), eq(operationLog.action, 'item.update')));
    expect(logged.map((l) => l.details)).toEqual([{ fields: ['callNumber', 'shelf'] }]);
  });

  it('receives a book from the MARC pool: scan its ISBN, adopt the record, and a copy is added', async () => {
    const page = await loggedIn('librarian');
    await page.getByRole('navigation').first().getByRole('link', { name: '受入' }).click();
    await page.getByRole('heading', { level: 1, name: 'MARCプール受入' }).waitFor();
    await page.getByLabel('バーコードまたはISBN').fill(REAL_ISBN);
    await page.getByLabel('バーコードまたはISBN').press('Enter');
    const card = page.getByRole('article', { name: pooled.title });
    await card.waitFor();
    expect(await card.textContent()).toContain(REAL_ISBN);
    await card.getByLabel('所蔵の資料番号(1行に1冊、空欄は納品時のバーコード)').fill('2000002');
    await card.getByRole('button', { name: '採用して所蔵を登録' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('書誌を採用し、所蔵を1件登録しました');

    await page.getByRole('link', { name: '書誌を開く' }).click();
    await page.getByRole('heading', { level: 1, name: '書誌詳細' }).waitFor();
    await expect.poll(() => page.locator('main table').textContent()).toContain('2000002');
    const [copy] = await database.db
      .select()
      .from(items)
      .where(and(eq(items.tenantId, lib.tenantId), eq(items.barcode, '2000002')));
    const [bib] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, copy!.bibId));
    expect(bib!.isbn).toBe(REAL_ISBN);
  });
});

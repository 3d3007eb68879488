// tests/e2e — 新規書誌 in Chromium: from the catalogue navigation, type a record from scratch with an
// author reading and a parallel title (rows added and removed by keyboard; a kanji reading and a bad
// ISBN refused beside their fields first), save, add its first copy on the page that opens, and find
// the record in 資料検索 by its parallel title. Skipped when /usr/bin/chromium is absent.
// Run alone: npx vitest run tests/e2e/bib-new.test.ts
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bibRecords, items, operationLog } from '../../cloud/src/db/schema/index.ts';
import { haveChromium } from './browser.ts';
import { staffSuite } from './staff-suite.ts';

const TENANT = 'e2enewbib';

describe.skipIf(!haveChromium)('新規書誌 (Chromium)', () => {
  const suite = staffSuite(TENANT);
  const focusedId = (page: Page) => page.evaluate<string>('document.activeElement?.id ?? ""');

  it('creates a record with an author reading and a parallel title, adds a copy, finds it by that title', async () => {
    const page = await suite.loggedIn('librarian');
    await page.getByRole('navigation').first().getByRole('link', { name: '新規書誌' }).click();
    await page.getByRole('heading', { level: 1, name: '新規書誌の登録' }).waitFor();
    const form = page.getByRole('form', { name: '新規書誌の登録' });

    await form.getByLabel('書名', { exact: true }).fill('満月の夜の図書館');
    await form.getByLabel('書名ヨミ(カタカナ)').fill('まんげつ の よる の としょかん');

    // an author row, added by keyboard: the cursor lands in its name field
    await form.getByRole('button', { name: '著者を追加' }).press('Enter');
    await expect.poll(() => focusedId(page)).toBe('bib-authors-0-name');
    await page.keyboard.type('月野 みちる');
    const author = form.getByRole('group', { name: '著者 1' });
    await author.getByLabel('ヨミ').fill('月野 ミチル');
    await author.getByLabel('役割').fill('著');
    // a second row added and removed again: focus goes back to the add button
    await form.getByRole('button', { name: '著者を追加' }).click();
    await form.getByRole('button', { name: '著者 2を削除' }).click();
    expect(await form.getByRole('group', { name: '著者 2' }).count()).toBe(0);
    expect(await focusedId(page)).toBe('');
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('著者を追加');

    // a parallel title with its reading
    await form.getByRole('button', { name: '別書名を追加' }).click();
    const other = form.getByRole('group', { name: '別書名 1' });
    await other.getByLabel('種類').selectOption({ label: '並列タイトル' });
    await other.getByLabel('タイトル').fill('The Full Moon Library');
    await other.getByLabel('ヨミ').fill('FULL MOON LIBRARY');
    await form.getByLabel('資料種別').selectOption({ label: '図書' });
    await form.getByLabel('NDC分類').fill('913.6');
    await form.getByLabel('ISBN', { exact: true }).fill('978-4-06-000000-0');

    // a kanji reading and a wrong check digit: both refused, each beside its own field
    await form.getByRole('button', { name: '登録', exact: true }).click();
    const authorReading = author.getByLabel('ヨミ');
    await expect.poll(() => authorReading.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#bib-authors-0-reading-issue').textContent()).toContain('カタカナ');
    expect(await form.getByLabel('ISBN', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#bib-isbn-issue').textContent()).toContain('チェックデジット');
    expect(
      await suite.database.db.select().from(bibRecords).where(eq(bibRecords.tenantId, suite.lib.tenantId)),
    ).toHaveLength(Object.keys(suite.lib.bibs).length);

    // hiragana is fine (the core makes it katakana); the ISBN without one
    await authorReading.fill('つきの みちる');
    await form.getByLabel('ISBN', { exact: true }).fill('');
    await form.getByRole('button', { name: '登録', exact: true }).click();

    // the record's page opens ready for the first copy: the cursor is in the barcode field
    await page.getByRole('heading', { level: 1, name: '書誌詳細' }).waitFor();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('書誌を登録しました');
    await expect.poll(() => focusedId(page)).toBe('copy-barcode');
    const bibId = new URL(page.url()).pathname.split('/').at(-1)!;
    const [saved] = await suite.database.db.select().from(bibRecords).where(eq(bibRecords.id, bibId));
    expect(saved).toMatchObject({
      title: '満月の夜の図書館',
      titleReading: 'マンゲツ ノ ヨル ノ トショカン',
      authors: [{ name: '月野 みちる', reading: 'ツキノ ミチル', role: '著' }],
      otherTitles: [{ kind: 'parallel', title: 'The Full Moon Library', reading: 'FULL MOON LIBRARY' }],
      ndc: '913.6',
      isbn: null,
      language: 'jpn',
    });
    const [created] = await suite.database.db
      .select({ details: operationLog.details })
      .from(operationLog)
      .where(and(eq(operationLog.action, 'bib.create'), eq(operationLog.targetId, bibId)));
    expect((created!.details as { fields: string[] }).fields).toEqual([
      'authors',
      'materialType',
      'ndc',
      'otherTitles',
      'title',
      'titleReading',
    ]);

    await page.keyboard.type('3000001');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('所蔵 3000001 を登録しました');
    const [copy] = await suite.database.db
      .select()
      .from(items)
      .where(and(eq(items.tenantId, suite.lib.tenantId), eq(items.barcode, '3000001')));
    expect(copy).toMatchObject({ bibId, status: 'available' });
    expect(copy!.callNumber).toMatch(/^913\.6/);

    // 資料検索 finds it by the parallel title
    await page.getByRole('navigation').first().getByRole('link', { name: '資料検索' }).click();
    await page.getByLabel('検索語(書名・著者名・ISBN など)').fill('Full Moon Library');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.getByRole('link', { name: '満月の夜の図書館' }).click();
    await page.getByRole('heading', { level: 2, name: '満月の夜の図書館' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/bibs/${bibId}`);
  });
});

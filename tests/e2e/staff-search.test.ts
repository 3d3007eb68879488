// tests/e2e — the staff 資料検索 page in Chromium: facets narrow the hits (by mouse and by keyboard,
// the choice kept in the address), the sort selector reorders them (newest, 五十音順), and a hit still
// opens its record. Skipped when /usr/bin/chromium is absent.
// Run alone: npx vitest run tests/e2e/staff-search.test.ts
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bibRecords, items, materialTypes } from '../../cloud/src/db/schema/index.ts';
import { bibSearchGrams } from '../../cloud/src/domain/catalog/search-text.ts';
import { collectPageErrors, failOnPageErrors, haveChromium } from './browser.ts';
import { staffSuite } from './staff-suite.ts';

const TENANT = 'e2esrch';
const STARS = [
  { title: '星の王子', titleReading: 'ホシノオウジ', pubYear: 2015, ndc: '953', type: 'book', at: 'main' },
  {
    title: '星空の図鑑',
    titleReading: 'ホシゾラノズカン',
    pubYear: 2021,
    ndc: '440',
    type: 'book',
    at: 'main',
  },
  { title: '星を見る', titleReading: 'ホシヲミル', pubYear: 2018, ndc: '440', type: 'dvd', at: 'branch' },
  { title: '赤い星', titleReading: 'アカイホシ', pubYear: 1998, ndc: '913.6', type: 'book', at: 'main' },
  { title: '星のうた', titleReading: 'ホシノウタ', pubYear: 2012, ndc: '911.1', type: 'book', at: 'branch' },
] as const;

describe.skipIf(!haveChromium)('staff catalogue search with facets and sort (Chromium)', () => {
  const bibIds: Record<string, string> = {};
  const suite = staffSuite(TENANT, async (database, lib) => {
    const types = await database.db
      .select()
      .from(materialTypes)
      .where(eq(materialTypes.tenantId, lib.tenantId));
    let n = 0;
    for (const { type, at, ...bib } of STARS) {
      const typeId = types.find((t) => t.code === type)!.id;
      const [row] = await database.db
        .insert(bibRecords)
        .values({ ...bib, tenantId: lib.tenantId, materialTypeId: typeId, searchGrams: bibSearchGrams(bib) })
        .returning({ id: bibRecords.id });
      bibIds[bib.title] = row!.id;
      await database.db.insert(items).values({
        tenantId: lib.tenantId,
        bibId: row!.id,
        barcode: `50000${++n}`,
        locationId: at === 'main' ? lib.mainId : lib.branchId,
        materialTypeId: typeId,
      });
    }
  });

  const pageErrors = failOnPageErrors();

  const titles = (page: Page) => page.locator('.results-table tbody a.title').allTextContents();
  const param = (page: Page, name: string) => new URL(page.url()).searchParams.get(name);

  it('narrows by facets, reorders by the sort selector, keeps it all in the address, and opens a hit', async () => {
    const page = await suite.loggedIn('librarian', (p) => collectPageErrors(p, pageErrors));
    await page.getByRole('navigation').first().getByRole('link', { name: '資料検索' }).click();
    await page.getByRole('heading', { level: 1, name: '資料検索' }).waitFor();
    await page.getByLabel('検索語(書名・著者名・ISBN など)').fill('星');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('5 件');

    // the facets of the whole hit set
    const facets = page.getByRole('region', { name: '絞り込み' });
    for (const name of [
      '2010年代 (3)',
      '2020年代 (1)',
      '1990年代 (1)',
      'DVD (1)',
      '分館 (2)',
      '4 自然科学 (2)',
      '貸出可 (5)',
    ])
      await facets.getByRole('button', { name, exact: true }).waitFor();

    // narrow to the 2010s
    await facets.getByRole('button', { name: '2010年代 (3)' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('3 件');
    expect(param(page, 'decade')).toBe('2010');
    expect(await facets.getByRole('button', { name: '2010年代 (3)' }).getAttribute('aria-pressed')).toBe(
      'true',
    );

    // newest first, then 五十音順: the order of the rows follows
    await page.getByLabel('並べ替え').selectOption({ label: '新しい順' });
    await expect.poll(() => titles(page)).toEqual(['星を見る', '星の王子', '星のうた']);
    expect(param(page, 'sort')).toBe('newest');
    await page.getByLabel('並べ替え').selectOption({ label: '五十音順' });
    await expect.poll(() => titles(page)).toEqual(['星のうた', '星の王子', '星を見る']);
    expect(param(page, 'sort')).toBe('reading');

    // a second facet by keyboard: focus stays on the pressed button
    const branch = facets.getByRole('button', { name: '分館 (2)' });
    await branch.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => titles(page)).toEqual(['星のうた', '星を見る']);
    expect(param(page, 'location')).toBe('branch');
    await expect
      .poll(() => page.evaluate<string | undefined>('document.activeElement?.dataset.facet'))
      .toBe('location:branch');
    expect(await branch.getAttribute('aria-pressed')).toBe('true');

    // the address alone gives the same page (a reload, a link)
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(['星のうた', '星を見る']);
    expect(await page.getByLabel('並べ替え').inputValue()).toBe('reading');

    // letting the decade go widens again; clearing drops every facet, the sort stays
    await facets.getByRole('button', { name: '2010年代 (2)' }).click();
    await expect.poll(() => titles(page)).toEqual(['星のうた', '星を見る']);
    expect(param(page, 'decade')).toBeNull();
    await facets.getByRole('button', { name: '絞り込みを解除' }).click();
    await expect
      .poll(() => titles(page))
      .toEqual(['赤い星', '星空の図鑑', '星のうた', '星の王子', '星を見る']);
    expect(param(page, 'location')).toBeNull();
    await page.getByLabel('並べ替え').selectOption({ label: '新しい順' });
    await expect
      .poll(() => titles(page))
      .toEqual(['星空の図鑑', '星を見る', '星の王子', '星のうた', '赤い星']);

    // a hit still opens its record
    await page.getByRole('link', { name: '星空の図鑑' }).click();
    await page.getByRole('heading', { level: 1, name: '書誌詳細' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/bibs/${bibIds.星空の図鑑}`);

    // Back returns to the same results; in English the facets and the sort speak English
    await page.goBack();
    await expect
      .poll(() => titles(page))
      .toEqual(['星空の図鑑', '星を見る', '星の王子', '星のうた', '赤い星']);
    await page.getByRole('button', { name: 'English' }).click();
    const narrow = page.getByRole('region', { name: 'Narrow down' });
    await narrow.getByRole('heading', { level: 3, name: 'Decade published' }).waitFor();
    for (const name of ['2010s (3)', 'Available (5)', '4 Natural sciences (2)', 'Branch (2)'])
      expect(await narrow.getByRole('button', { name, exact: true }).count(), name).toBe(1);
    expect(await page.getByLabel('Sort by').inputValue()).toBe('newest');
    await page.context().close();
  });
});

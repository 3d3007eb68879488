// tests/e2e — the counter screen (貸出・返却) in Chromium against the in-process core and the small library
// of cloud/test/support/library-fixture.ts. Everything is typed at the keyboard, as a wedge scanner does.
// Skipped when /usr/bin/chromium is absent. Run alone: npx vitest run tests/e2e
import { existsSync } from 'node:fs';
import { and, eq, isNull } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { holds, items, loans } from '../../cloud/src/db/schema/index.ts';
import { reindexBibSearch } from '../../cloud/src/domain/catalog/reindex-search.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { call, login, PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { eraDate, maskCard, westernDate } from '../../protocols/src/documents.ts';
import { CHROMIUM, collectPageErrors, failOnPageErrors, launchChromium, serveOnLoopback } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const TENANT = 'e2e';
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('counter screen 貸出・返却 (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let app: ReturnType<typeof testApp>;
  let lib: Awaited<ReturnType<typeof makeLibrary>>;
  let base = '';

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    lib = await makeLibrary(database, TENANT);
    app = testApp(database, {
      webRoot,
      publicConfig: () => ({ defaultTenant: TENANT, demo: false }),
    });
    served = await serveOnLoopback(app);
    base = served.base;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });

  // Uncaught exceptions and Content-Security-Policy refusals fail the test that caused them.
  const pageErrors = failOnPageErrors();

  async function freshPage() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    return page;
  }

  /** Log in and open 貸出・返却 from the navigation. */
  async function openCounter(page: Page, loginId: string) {
    await page.goto(`${base}/login`);
    await expect.poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 10_000 }).toBe(TENANT);
    await page.getByLabel('ログインID').fill(loginId);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
    await page.getByRole('navigation').first().getByRole('link', { name: '貸出・返却' }).click();
    await page.getByRole('heading', { level: 1, name: '貸出・返却' }).waitFor();
    // the desk's location defaults to the library itself (本館), not the branch that sorts first
    await expect.poll(() => page.getByLabel('この端末の場所').inputValue()).toBe(lib.mainId);
  }

  /** What a keyboard-wedge scanner does: type into whatever has focus, then Enter. */
  async function scan(page: Page, code: string) {
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
  }

  const focusedId = (page: Page) => page.evaluate<string>('document.activeElement?.id ?? ""');

  const activeLoans = () =>
    database.db
      .select({ barcode: items.barcode, dueOn: loans.dueOn, renewals: loans.renewals })
      .from(loans)
      .innerJoin(items, eq(items.id, loans.itemId))
      .where(and(eq(loans.tenantId, lib.tenantId), isNull(loans.returnedAt)));

  const loanOf = async (barcode: string) =>
    (
      await database.db
        .select({ returnedAt: loans.returnedAt, dueOn: loans.dueOn, renewals: loans.renewals })
        .from(loans)
        .where(and(eq(loans.tenantId, lib.tenantId), eq(loans.itemId, lib.items[barcode]!.id)))
    )[0];

  it('lends two items to a scanned card, refuses a reference book, takes one back and calls out a hold', async () => {
    const page = await freshPage();
    await openCounter(page, 'counter');

    // the scan field has focus from the start: the card goes straight in
    await expect.poll(() => focusedId(page)).toBe('counter-scan');
    expect(await page.getByRole('button', { name: /貸出/ }).first().getAttribute('aria-pressed')).toBe(
      'true',
    );
    await page.getByLabel('利用者カード番号').waitFor();
    await scan(page, lib.cards.alice!);

    const patron = page.getByRole('complementary', { name: /利用者/ });
    await expect.poll(() => patron.locator('.patron-name').textContent()).toBe('利用者 alice');
    expect(await patron.textContent()).toContain('一般');
    expect(await patron.textContent()).toContain('貸出中の資料はありません。');
    await page.getByLabel('資料バーコード(貸出)').waitFor();

    // two items straight after each other, as fast as a scanner: neither is lost
    await scan(page, '1000003');
    await scan(page, '1000008');
    const lent = page.getByRole('list', { name: /今回の貸出/ });
    await expect.poll(() => lent.locator('li.feed-done').count()).toBe(2);
    expect(await lent.getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('書名 extra8'),
      expect.stringContaining('書名 popular'),
    ]);

    const rows = await activeLoans();
    expect(rows.map((r) => r.barcode).sort()).toEqual(['1000003', '1000008']);
    for (const row of rows) {
      const item = lent.getByRole('listitem').filter({ hasText: row.barcode });
      const text = await item.textContent();
      expect(text).toContain('返却期限');
      expect(text).toContain(westernDate(row.dueOn)); // 2026年12月9日(水)
      expect(text).toContain(eraDate(row.dueOn, false)); // 令和8年12月9日
    }
    expect(await page.getByRole('status').textContent()).toContain('貸出しました: 書名 extra8');
    await expect.poll(() => patron.getByRole('heading', { name: '貸出中の資料(2点)' }).count()).toBe(1);

    // a reference book: the Japanese reason, as an alert; nothing lent, and no override for counter staff
    await scan(page, '1000007');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('貸出できない資料です(禁帯出)');
    expect(await alert.textContent()).toContain('資料 1000007');
    expect(await page.getByRole('button', { name: '貸出を強行' }).count()).toBe(0);
    expect((await activeLoans()).length).toBe(2);
    expect(await loanOf('1000007')).toBeUndefined();
    expect(await focusedId(page)).toBe('counter-scan');

    // 返却 mode by its key; the alert goes with the mode change
    await page.keyboard.press('F3');
    await page.getByLabel('資料バーコード(返却)').waitFor();
    expect(await page.getByRole('button', { name: /返却/ }).first().getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await page.getByRole('alert').count()).toBe(0);
    await scan(page, '1000008');
    const back = page.getByRole('list', { name: /返却した資料/ });
    await expect.poll(() => back.locator('li.feed-done').textContent()).toContain('書名 extra8');
    expect(await back.textContent()).toContain('返却済み');
    expect((await loanOf('1000008'))?.returnedAt).toBeInstanceOf(Date);
    expect((await activeLoans()).map((r) => r.barcode)).toEqual(['1000003']);
    // nothing to route: it belongs here and nobody waits for it
    expect(await page.getByRole('alert').count()).toBe(0);
    // alice is still on screen, one loan fewer
    await expect.poll(() => patron.getByRole('heading', { name: '貸出中の資料(1点)' }).count()).toBe(1);

    // bob wants the title alice has; when it comes back the counter says so loudly
    const staff = await login(app, TENANT, 'counter');
    const placed = await call(app, staff, 'POST', '/api/holds', {
      patronId: lib.patronIds.bob,
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'none',
    });
    expect(placed.status).toBe(200);
    const { holdId } = (await placed.json()) as { holdId: string };

    await scan(page, '1000003');
    const banner = page.locator('.route-banner-hold');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toContain('予約資料です — 取置棚へ');
    expect(await page.getByRole('alert').textContent()).toContain('予約資料です — 取置棚へ');
    expect(await back.getByRole('listitem').first().textContent()).toContain('書名 popular');
    const [hold] = await database.db.select().from(holds).where(eq(holds.id, holdId));
    expect(hold?.status).toBe('available');
    expect(hold?.itemId).toBe(lib.items['1000003']!.id);
    expect((await loanOf('1000003'))?.returnedAt).toBeInstanceOf(Date);
    expect(await activeLoans()).toEqual([]);

    // Esc: next patron — everything of this visit goes, the field keeps focus
    await page.keyboard.press('Escape');
    await expect.poll(() => patron.count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('main').textContent()).toContain(
      '返却する資料のバーコードを読み取ってください。',
    );
    expect(await focusedId(page)).toBe('counter-scan');
    await page.context().close();
  });

  it('lets a librarian override a refusal after confirming, renew a loan and print a receipt', async () => {
    const page = await freshPage();
    // window.print opens nothing in a headless browser; count the calls instead
    await page.addInitScript('window.__printed = 0; window.print = () => { window.__printed += 1; };');
    await openCounter(page, 'librarian');

    await scan(page, lib.cards.carol!);
    const patron = page.getByRole('complementary', { name: /利用者/ });
    await expect.poll(() => patron.locator('.patron-name').textContent()).toBe('利用者 carol');

    await scan(page, '1000001');
    await scan(page, '1000007');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('貸出できない資料です(禁帯出)');
    await alert.getByRole('button', { name: '貸出を強行' }).click();
    const dialog = page.getByRole('dialog', { name: '貸出の強行' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('「貸出できない資料です(禁帯出)」の制限を超えて実行します');
    await dialog.getByRole('button', { name: '貸出を強行' }).click();

    const lent = page.getByRole('list', { name: /今回の貸出/ });
    await expect.poll(() => lent.locator('li.feed-done').count()).toBe(2);
    expect(await lent.getByRole('listitem').first().textContent()).toContain('書名 dictionary');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect((await activeLoans()).map((r) => r.barcode).sort()).toEqual(['1000001', '1000007']);
    await expect.poll(() => focusedId(page)).toBe('counter-scan');

    // renew from the patron panel: the core counts it, focus goes back to the scan field
    await patron.getByRole('button', { name: '延長: 書名 novel' }).click();
    await expect.poll(async () => (await loanOf('1000001'))?.renewals).toBe(1);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('延長しました: 書名 novel');
    await expect.poll(() => focusedId(page)).toBe('counter-scan');

    // 予約受付: find a title for carol and place her hold, to be picked up at this desk
    await reindexBibSearch(database.db, lib.tenantId);
    const holdForm = patron.getByRole('region', { name: '予約受付' });
    await holdForm.getByLabel('予約する資料(ISBN・書名・資料番号)').fill('branchbook');
    await holdForm.getByRole('button', { name: '探す' }).click();
    await holdForm.getByRole('button', { name: '予約: 書名 branchbook' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toContain('予約しました: 書名 branchbook');
    const placed = await database.db
      .select({ pickup: holds.pickupLocationId, contact: holds.contactMethod })
      .from(holds)
      .where(
        and(
          eq(holds.tenantId, lib.tenantId),
          eq(holds.patronId, lib.patronIds.carol!),
          eq(holds.bibId, lib.bibs.branchbook!),
        ),
      );
    expect(placed).toEqual([{ pickup: lib.mainId, contact: 'phone' }]);
    await page.locator('#counter-scan').focus();

    // F8: the receipt of this visit, previewed in the page and handed to the browser's print
    await page.keyboard.press('F8');
    const receipt = page.getByRole('document', { name: 'レシートの印刷プレビュー' });
    await receipt.waitFor();
    const text = (await receipt.textContent()) ?? '';
    expect(text).toContain('e2e図書館');
    expect(text).toContain('貸出票');
    expect(text).toContain(maskCard(lib.cards.carol!));
    expect(text).not.toContain(lib.cards.carol!);
    expect(text).not.toContain('利用者 carol');
    expect(text.indexOf('1. 書名 novel')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('2. 書名 dictionary');
    const due = (await loanOf('1000007'))!.dueOn;
    expect(text).toContain(eraDate(due));
    expect(text).toContain('2点');
    await expect.poll(() => page.evaluate<number>('window.__printed')).toBe(1);

    // the expired patron is flagged as soon as the card is read; English follows the dictionary
    await page.keyboard.press('Escape');
    await expect.poll(() => receipt.count()).toBe(0);
    await scan(page, lib.cards.expired!);
    await expect.poll(() => patron.locator('.patron-name').textContent()).toBe('利用者 expired');
    expect(await patron.textContent()).toContain('有効期限が切れています');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Item barcode (check out)').waitFor();
    expect(await patron.textContent()).toContain('The registration expired');
    await page.context().close();
  });
});

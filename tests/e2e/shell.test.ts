// tests/e2e — browser tests of the staff client: the core runs in process on a fresh database and serves
// the built web/dist; Debian's Chromium is driven by playwright-core. Skipped when /usr/bin/chromium is absent
// (apt-get install chromium fonts-noto-cjk). Run alone: npx vitest run tests/e2e
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { call, login, makeTenant, PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { CHROMIUM, collectPageErrors, failOnPageErrors, launchChromium, serveOnLoopback } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const BOOK = '南の島の星空';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`tests/e2e skipped: ${CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)`);

describe.skipIf(!haveChromium)('staff client shell (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    await makeTenant(database, 'e2e');
    const app = testApp(database, {
      webRoot,
      publicConfig: () => ({
        defaultTenant: 'e2e',
        demo: true,
        demoLogins: [{ loginId: 'counter', password: PASSWORD, roleJa: 'カウンター' }],
      }),
    });
    // Data the pages show: one record to find, one registered agent (no broker here, so it is offline).
    const admin = await login(app, 'e2e', 'admin');
    const bib = await call(app, admin, 'POST', '/api/bibs', { title: BOOK, publisher: '八重山書房' });
    expect(bib.status).toBe(200);
    const agent = await call(app, admin, 'POST', '/api/agents', {
      code: 'counter-pc',
      nameJa: 'カウンターPC',
    });
    expect(agent.status).toBe(200);

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

  /** A fresh browser profile per test: no cookie, no stored language. */
  async function freshPage(viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ viewport, locale: 'ja-JP' });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    return page;
  }

  const navLabels = (page: Page) => page.getByRole('navigation').first().getByRole('link').allTextContents();
  const heading = async (page: Page, name: string) => {
    await page.getByRole('heading', { level: 1, name }).waitFor();
    return page.getByRole('heading', { level: 1 }).textContent();
  };

  async function logInAs(page: Page, loginId: string, password = PASSWORD, workstation = '') {
    await page.goto(`${base}/login`);
    await expect.poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 10_000 }).toBe('e2e');
    await page.getByLabel('ログインID').fill(loginId);
    await page.getByLabel('パスワード').fill(password);
    if (workstation) await page.getByLabel('端末名(任意)').fill(workstation);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  }

  it('sends a visitor to a Japanese login page, prefilled with the library code and the demo logins', async () => {
    const page = await freshPage();
    await page.goto(base);
    await page.waitForURL(`${base}/login`);
    expect(await heading(page, '職員ログイン')).toBe('職員ログイン');
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await expect.poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 10_000 }).toBe('e2e');
    expect(await page.getByRole('button', { name: 'ログイン', exact: true }).isVisible()).toBe(true);
    const demo = page.getByRole('region', { name: 'デモ用ログイン' });
    expect(await demo.textContent()).toContain('カウンター(counter)');
    // the demo button fills in the ID
    await demo.getByRole('button').first().click();
    expect(await page.getByLabel('ログインID').inputValue()).toBe('counter');
    await page.context().close();
  });

  it('shows the Japanese error message for a wrong password and stays on the login page', async () => {
    const page = await freshPage();
    await logInAs(page, 'librarian', 'not the password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('IDまたはパスワードが違います');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByLabel('パスワード').inputValue()).toBe('');
    await page.context().close();
  });

  it('logs the admin in to the dashboard, switches to English and back out to the login page', async () => {
    const page = await freshPage();
    await logInAs(page, 'admin', PASSWORD, 'カウンター1');
    await page.waitForURL(`${base}/`);
    expect(await heading(page, 'ダッシュボード')).toBe('ダッシュボード');
    const header = page.getByRole('banner');
    expect(await header.locator('.staff-name').textContent()).toBe('admin');
    expect(await header.locator('.workstation').textContent()).toBe('カウンター1');
    expect(await header.textContent()).toContain('e2e図書館');
    expect(await page.getByRole('main').textContent()).toContain('ようこそ、adminさん');
    expect(await navLabels(page)).toEqual([
      'ダッシュボード',
      '貸出・返却',
      '資料検索',
      '受入',
      '新規書誌',
      '利用者',
      '予約',
      '統計',
      '端末',
      '操作ログ',
      '設定',
      'オフライン貸出',
      '蔵書点検',
    ]);

    await page.getByRole('button', { name: 'English' }).click();
    await heading(page, 'Dashboard');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await navLabels(page)).toEqual([
      'Dashboard',
      'Circulation',
      'Catalogue search',
      'Receiving',
      'New record',
      'Patrons',
      'Holds',
      'Statistics',
      'Devices',
      'Operation log',
      'Settings',
      'Offline lending',
      'Stock-take',
    ]);
    expect(await header.textContent()).toContain('e2e library');
    // the choice survives a reload
    await page.reload();
    expect(await heading(page, 'Dashboard')).toBe('Dashboard');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    expect(await heading(page, 'Staff login')).toBe('Staff login');
    // the session is gone on the server too: the dashboard sends us back to login
    await page.goto(base);
    await page.waitForURL(`${base}/login`);
    await page.context().close();
  });

  it('hides 操作ログ from counter staff and refuses the page when opened directly; fits a phone screen', async () => {
    const page = await freshPage({ width: 375, height: 740 });
    await logInAs(page, 'counter');
    await heading(page, 'ダッシュボード');
    const labels = await navLabels(page);
    expect(labels).toContain('貸出・返却');
    expect(labels).toContain('資料検索');
    expect(labels).not.toContain('操作ログ');
    expect(labels).not.toContain('統計');
    expect(labels).not.toContain('受入');
    expect(labels).not.toContain('新規書誌');
    // nothing wider than the phone: no sideways scrolling of the whole page (the tests' tsconfig has no DOM lib)
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);

    await page.goto(`${base}/oplog`);
    await page.getByText('この画面を表示する権限がありません。').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).count()).toBe(0);
    await page.context().close();
  });

  it('finds a record through 資料検索 and shows it in the results table', async () => {
    const page = await freshPage();
    await logInAs(page, 'librarian');
    await heading(page, 'ダッシュボード');
    await page.getByRole('navigation').first().getByRole('link', { name: '資料検索' }).click();
    await heading(page, '資料検索');
    await page.getByLabel('検索語(書名・著者名・ISBN など)').fill('星空');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    const table = page.getByRole('table');
    await table.waitFor();
    expect(await page.getByRole('status').textContent()).toBe('1 件');
    expect(await table.getByRole('row').nth(1).textContent()).toContain(BOOK);
    expect(await table.textContent()).toContain('八重山書房');
    expect(new URL(page.url()).searchParams.get('q')).toBe('星空');
    await page.context().close();
  });

  it('lists the agents under 端末 and shows why a ping to an unreachable agent failed', async () => {
    const page = await freshPage();
    await logInAs(page, 'it');
    await heading(page, 'ダッシュボード');
    await page.getByRole('navigation').first().getByRole('link', { name: '端末' }).click();
    await heading(page, '端末');
    const row = page.getByRole('row', { name: /カウンターPC/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('counter-pc');
    await row.getByRole('button', { name: '疎通確認: カウンターPC' }).click();
    await expect
      .poll(() => row.locator('output').textContent(), { timeout: 10_000 })
      .toBe('端末のエージェントに接続できません');
    await page.context().close();
  });
});

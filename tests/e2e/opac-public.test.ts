// tests/e2e — the WebOPAC as the public sees it: served by the public service (cloud/src/public/, its
// own port, CSP, cookies and service-worker scope) in front of the core, as deployed
// (cloud/test/support/public-fixture.ts startSplit: the catalogue read as the public role, patron
// operations forwarded to the core with the service credential). Chromium on a phone screen
// searches, opens a record, logs in and sees the loans in My Library, with no page error and no
// Content-Security-Policy refusal. The stable addresses (/opac/search?title=…, /opac/bib/<id>) are
// read with JavaScript off, as a crawler reads them (the public service's HTML), and with it on (the
// app replaces that HTML). Skipped when /usr/bin/chromium is absent.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import {
  makeCirculatingLibrary,
  publicRoleFor,
  startSplit,
} from '../../cloud/test/support/public-fixture.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import {
  axeViolations,
  collectPageErrors,
  failOnPageErrors,
  haveChromium,
  launchChromium,
} from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const TENANT = 'opacpub';

describe.skipIf(!haveChromium)('WebOPAC through the public service (Chromium, phone viewport)', () => {
  let database: Database;
  let lib: Awaited<ReturnType<typeof makeCirculatingLibrary>>;
  let pub: Awaited<ReturnType<typeof publicRoleFor>>;
  let split: Awaited<ReturnType<typeof startSplit>>;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    lib = await makeCirculatingLibrary(database, TENANT);
    pub = await publicRoleFor(database);
    split = await startSplit(database, pub.reader, { tenant: TENANT, webRoot });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await split?.close();
    await pub?.reader.close();
    await database?.close();
    await pub?.drop();
  });

  const pageErrors = failOnPageErrors();

  it('searches, opens a record, logs in and sees My Library loans, within the public CSP', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'ja-JP',
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    const base = split.base;
    expect(base).not.toBe(split.coreBase);

    const first = await page.goto(`${base}/opac`);
    // the public service's own page headers, not the core's
    expect(first?.headers()['content-security-policy']).toBeTruthy();
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();

    await page.getByLabel('キーワード(書名・著者名など)').fill('novel');
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    // alice has one of its two copies
    await page.getByRole('link', { name: '書名 novel' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 novel' }).waitFor();
    expect(page.url()).toBe(`${base}/opac/bib/${lib.bibs.novel}`);
    const holdings = page.getByRole('region', { name: '所蔵(本がある場所)' });
    await expect.poll(() => holdings.textContent()).toContain('貸出中');
    expect(await page.content()).not.toContain('利用者 alice');

    await page
      .getByRole('navigation', { name: 'メニュー' })
      .getByRole('link', { name: 'マイページ' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'マイページにログイン' }).waitFor();
    await page.getByLabel('利用者カードの番号').fill(lib.cards.alice!);
    await page.getByLabel('パスワード').fill(lib.password);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'マイページ' }).waitFor();

    const loans = page.getByRole('region', { name: '借りている本' });
    await expect.poll(() => loans.locator('li').count()).toBe(1);
    expect(await loans.textContent()).toContain('書名 novel');
    expect(await loans.textContent()).toMatch(/返す日: 令和\d+年\d+月\d+日\(.\)/);
    const holds = page.getByRole('region', { name: '予約している本' });
    await expect.poll(() => holds.textContent()).toContain('書名 popular');

    // the session cookie is the public service's own, HttpOnly, on its host only
    const cookies = await context.cookies(base);
    expect(cookies.length).toBeGreaterThan(0);
    expect(cookies.every((c) => c.httpOnly && c.domain === '127.0.0.1')).toBe(true);
    // the service worker is registered by the public service's page, under its /opac scope
    expect(await page.evaluate<string>('navigator.serviceWorker.ready.then((r) => r.scope)')).toBe(
      `${base}/opac`,
    );
    await context.close();
  });

  it('answers the stable addresses with HTML a reader without JavaScript can follow', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ja-JP' });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    const base = split.base;
    await page.goto(`${base}/opac/search?title=novel`);
    expect(await page.title()).toContain('書名「novel」');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('1件 見つかりました');
    await page.getByRole('link', { name: '書名 novel' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 novel' }).waitFor();
    expect(page.url()).toBe(`${base}/opac/bib/${lib.bibs.novel}`);
    expect(await page.title()).toMatch(/^書名 novel — /);
    // one copy out (alice's loan), one on the shelf
    const table = page.getByRole('table', { name: /所蔵 2冊/ });
    expect(await table.getByRole('columnheader').allTextContents()).toEqual([
      '場所',
      '書架',
      '請求記号',
      '状態',
    ]);
    expect((await table.getByRole('row').allTextContents()).slice(1).map((r) => r.trim())).toEqual(
      expect.arrayContaining([expect.stringMatching(/貸出中$/), expect.stringMatching(/貸出可$/)]),
    );
    expect(await page.content()).not.toContain('利用者 alice');
    // back to the search form, which searches on the same stable address
    await page.getByRole('link', { name: 'ほかの本をさがす' }).click();
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    await page.getByLabel('書名', { exact: true }).fill('popular');
    await page.getByRole('button', { name: 'さがす' }).click();
    await page.waitForURL(/\/opac\/search\?/);
    await page.getByRole('link', { name: '書名 popular' }).waitFor();
    expect(await page.getByRole('listitem').first().textContent()).toContain('貸出中 (0/1) 予約2件');
    await context.close();

    // axe-core over the plain pages (it needs JavaScript itself: the app's script is kept from loading)
    const checked = await browser.newContext({ locale: 'ja-JP' });
    await checked.route(/\/assets\/.*\.js$/, (r) => r.abort());
    const plain = await checked.newPage();
    for (const path of [`/opac/search?title=novel`, `/opac/bib/${lib.bibs.novel}`]) {
      await plain.goto(`${base}${path}`);
      expect(await plain.locator('[data-server-rendered]').count(), path).toBe(1);
      expect(await axeViolations(plain), path).toEqual([]);
    }
    await checked.close();
  });

  it('starts the WebOPAC on those addresses when JavaScript runs: the app replaces the plain HTML', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    const base = split.base;
    await page.goto(`${base}/opac/search?title=novel`);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    expect(await page.locator('[data-server-rendered]').count()).toBe(0);
    // the app's own search form (its 'くわしく さがす' part open, as the address has a title)
    expect(await page.getByLabel('書名(本のなまえ)').inputValue()).toBe('novel');
    await page.getByRole('link', { name: '書名 novel' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 novel' }).waitFor();
    const holdings = page.getByRole('region', { name: '所蔵(本がある場所)' });
    await expect.poll(() => holdings.textContent()).toContain('貸出中');

    // a record's address opened straight from outside: the app's page, not the plain one
    await page.goto(`${base}/opac/bib/${lib.bibs.popular}`);
    await page.getByRole('heading', { level: 1, name: '書名 popular' }).waitFor();
    await page.getByRole('button', { name: '予約する' }).waitFor();
    expect(await page.locator('[data-server-rendered]').count()).toBe(0);
    expect(await page.locator('h1').count()).toBe(1);
    await context.close();
  });
});

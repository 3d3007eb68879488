// tests/e2e — WebOPAC, My Library and the kiosk (館内OPAC) in Chromium on a phone-sized screen, against
// the in-process core and the small library of cloud/test/support/library-fixture.ts; axe-core checks
// each page for WCAG 2.x A/AA violations. Skipped when /usr/bin/chromium is absent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { bibRecords, mailOutbox, patronSessions, patrons, tenants } from '../../cloud/src/db/schema/index.ts';
import { hashPassword } from '../../cloud/src/domain/auth/passwords.ts';
import { reindexBibSearch } from '../../cloud/src/domain/catalog/reindex-search.ts';
import { lendThenHold, makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { login, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { readNw7Bars } from '../../web/src/staff/counter/nw7-bars.ts';
import {
  axeViolations,
  collectPageErrors,
  failOnPageErrors,
  haveChromium,
  launchChromium,
  launchChromiumProfile,
  serveOnLoopback,
} from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const TENANT = 'opace2e';
const PHONE = { width: 390, height: 844 };
const PASSWORDS = { alice: 'alice-opac-pass', bob: 'bob-opac-pass' } as const;

describe.skipIf(!haveChromium)('WebOPAC, My Library and kiosk (Chromium, phone viewport)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let lib: Awaited<ReturnType<typeof makeLibrary>>;
  let base = '';

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    lib = await makeLibrary(database, TENANT);
    // two records with a year, for the decade facet (the others have none)
    for (const [key, pubYear] of [
      ['branchbook', 2015],
      ['novel', 2003],
    ] as const)
      await database.db.update(bibRecords).set({ pubYear }).where(eq(bibRecords.id, lib.bibs[key]!));
    await reindexBibSearch(database.db, lib.tenantId);
    for (const key of ['alice', 'bob'] as const)
      await database.db
        .update(patrons)
        .set({ passwordHash: await hashPassword(PASSWORDS[key]) })
        .where(eq(patrons.id, lib.patronIds[key]!));
    await database.db
      .update(tenants)
      .set({
        settings: {
          kiosks: {
            k1: { nameJa: '1階OPAC', idleSeconds: 5, agentCode: 'kiosk-pc', printerDeviceId: 'receipt-1' },
          },
        },
      })
      .where(eq(tenants.id, lib.tenantId));
    const app = testApp(database, { webRoot, publicConfig: () => ({ defaultTenant: TENANT, demo: false }) });
    // at the counter: alice borrows two books, bob one; carol waits for the one alice has
    const counter = await login(app, TENANT, 'counter');
    await lendThenHold(
      app,
      counter,
      lib,
      [
        ['alice', '1000001'],
        ['alice', '1000003'],
        ['bob', '1000004'],
      ],
      'carol',
    );
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

  async function phone(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: PHONE,
      locale: 'ja-JP',
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    return { context, page };
  }

  /** A standing touch kiosk: a portrait full-HD screen. */
  async function kiosk(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 1080, height: 1920 },
      locale: 'ja-JP',
      hasTouch: true,
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    return { context, page };
  }

  /**
   * The Japanese left on the page, outside what is data (titles 書名 …, names 利用者 …, addresses)
   * and outside elements marked lang="ja" (the 日本語 button): visible text, labels, titles and the
   * page title.
   */
  const japaneseLeft = (page: Page) =>
    page.evaluate<string[]>(`(() => {
      const JP = /[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}]/u;
      const DATA = /書名 \\w+|利用者 \\w+/g;
      const untranslated = (v) => JP.test(v.replace(DATA, ''));
      const inJapanese = (el) => el.closest('[lang]')?.getAttribute('lang') === 'ja';
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        const text = n.textContent.trim();
        if (el && text && untranslated(text) && !inJapanese(el) && !el.closest('script, style, noscript')) out.push(text);
      }
      for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]'))
        for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
          const v = el.getAttribute(a);
          if (v && untranslated(v) && !inJapanese(el)) out.push(a + '=' + v);
        }
      if (untranslated(document.title)) out.push('title=' + document.title);
      return out;
    })()`);

  it('a patron searches, opens a record, logs in when asked to reserve, and sees the queue in My Library', async () => {
    const { context, page } = await phone();
    await page.goto(`${base}/opac`);
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('キーワード(書名・著者名など)').fill('branchbook');
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    expect(new URL(page.url()).searchParams.get('q')).toBe('branchbook');
    const hit = page.locator('.hit').first();
    expect(await hit.textContent()).toContain('貸出中');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: '書名 branchbook' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 branchbook' }).waitFor();
    expect(page.url()).toBe(`${base}/opac/bib/${lib.bibs.branchbook}`);
    await expect.poll(() => page.title()).toBe(`書名 branchbook — ${TENANT}図書館`);
    const holdings = page.getByRole('region', { name: '所蔵(本がある場所)' });
    await expect.poll(() => holdings.textContent()).toContain('分館');
    expect(await holdings.textContent()).toContain('貸出中');
    // who has it and until when is not the public's business
    expect(await page.content()).not.toContain('利用者 bob');
    expect(await axeViolations(page)).toEqual([]);
    // 200% zoom on a small phone is a 320 px wide layout: nothing may need sideways scrolling
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    await page.setViewportSize(PHONE);

    await page.getByRole('button', { name: '予約する' }).click();
    await page.getByRole('heading', { level: 1, name: 'マイページにログイン' }).waitFor();
    await page.getByLabel('利用者カードの番号').fill(lib.cards.alice!);
    await page.getByLabel('パスワード').fill(PASSWORDS.alice);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();

    const form = page.getByRole('form', { name: '予約する' });
    await form.waitFor();
    await form.getByLabel('受け取る場所').selectOption({ label: '本館' });
    await form.getByLabel('連絡しない(マイページで見る)').check();
    await form.getByRole('button', { name: '予約を申し込む' }).click();
    await expect.poll(() => page.locator('.notice-live').textContent()).toBe('予約しました。1人待ちです。');

    await page
      .getByRole('navigation', { name: 'メニュー' })
      .getByRole('link', { name: 'マイページ' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'マイページ' }).waitFor();
    const holdsSection = page.getByRole('region', { name: '予約している本' });
    await expect.poll(() => holdsSection.textContent()).toContain('書名 branchbook');
    expect(await holdsSection.textContent()).toContain('1人待ち');
    expect(await holdsSection.textContent()).toContain('受け取る場所: 本館');

    // the other public pages, each checked by axe
    for (const [path, heading] of [
      ['/opac/new', '新しく入った本'],
      ['/opac/popular', '人気の本'],
      ['/opac/calendar', '開館日と開館時間'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      expect(await axeViolations(page), path).toEqual([]);
    }
    await expect.poll(() => page.getByRole('cell').first().textContent()).toMatch(/^(開館|休館|\d\d:\d\d〜)/);

    // a link from outside (カーリル, 横断検索) with separate fields opens the same search
    await page.goto(`${base}/opac/search?title=branchbook&author=`);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    expect(await page.getByLabel('書名(本のなまえ)').inputValue()).toBe('branchbook');
    await context.close();
  });

  it('narrows by the year facet, by keyboard, with the choice in a stable address', async () => {
    const { context, page } = await phone();
    await page.goto(`${base}/opac/search?q=${encodeURIComponent('書名')}`);
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('12件 見つかりました');
    const facets = page.getByRole('region', { name: 'しぼりこみ' });
    await facets.getByRole('heading', { level: 3, name: '出版年' }).waitFor();
    /** the facet button holding the focus ("decade:2010"), as its data-facet names it */
    const focusedFacet = () => page.evaluate<string | undefined>('document.activeElement?.dataset.facet');
    expect(await facets.getByRole('button', { name: '2000年代 (1)' }).count()).toBe(1);
    // Tab from the search field to the facet, press it with Enter
    await page.getByLabel('キーワード(書名・著者名など)').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if ((await focusedFacet()) === 'decade:2010') break;
    }
    expect(await focusedFacet()).toBe('decade:2010');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    expect(new URL(page.url()).searchParams.get('decade')).toBe('2010');
    expect(await page.locator('.hit-title').allTextContents()).toEqual(['書名 branchbook']);
    // the focus stays on the pressed button, now shown pressed
    await expect.poll(focusedFacet).toBe('decade:2010');
    expect(await facets.getByRole('button', { name: '2010年代 (1)' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await axeViolations(page)).toEqual([]);
    // the address alone gives the same results; pressing again lets the decade go
    await page.goto(page.url());
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    await facets.getByRole('button', { name: '2010年代 (1)', pressed: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('12件 見つかりました');
    expect(new URL(page.url()).searchParams.get('decade')).toBeNull();
    await context.close();
  });

  it('My Library shows due dates in both calendars, renews, and says why a held book cannot be renewed', async () => {
    const { context, page } = await phone();
    await page.goto(`${base}/opac/my`);
    await page.getByRole('heading', { level: 1, name: 'マイページにログイン' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // a wrong password is said in words, in the alert region
    await page.getByLabel('利用者カードの番号').fill(lib.cards.alice!);
    await page.getByLabel('パスワード').fill('not-the-password');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/.+/);
    await page.getByLabel('利用者カードの番号').fill(lib.cards.alice!);
    await page.getByLabel('パスワード').fill(PASSWORDS.alice);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'マイページ' }).waitFor();

    const loansSection = page.getByRole('region', { name: '借りている本' });
    await expect.poll(() => loansSection.locator('li').count()).toBe(2);
    const text = (await loansSection.textContent()) ?? '';
    expect(text).toMatch(/返す日: 令和\d+年\d+月\d+日\(.\)/);
    expect(text).toMatch(/\(20\d\d年\d+月\d+日\)/);
    expect(await axeViolations(page)).toEqual([]);

    // carol waits for 書名 popular: renewing it is refused with the reason
    await loansSection.getByRole('button', { name: /^延長する\s*: 書名 popular$/ }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('延長できません: 予約が入っているため延長できません');
    // nobody waits for 書名 novel
    await loansSection.getByRole('button', { name: /^延長する\s*: 書名 novel$/ }).click();
    await expect
      .poll(() => page.locator('.notice-live').textContent())
      .toMatch(/^延長しました。新しい返す日は 令和/);
    expect(await page.locator('.problem-live').textContent()).toBe('');

    // the digital card: the whole card number as an NW-7 barcode for the counter's reader
    await page.getByRole('link', { name: '利用カードを表示' }).click();
    const barcode = page.getByRole('img', { name: `利用者カード番号 ${lib.cards.alice} のバーコード` });
    await barcode.waitFor();
    // what a counter reader would see: the bars decode to the whole card number
    const bars = await barcode
      .locator('rect[fill="#000"]')
      .evaluateAll((rs) =>
        rs.map((r) => ({ x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')) })),
      );
    expect(readNw7Bars({ bars, width: 0 })).toBe(`A${lib.cards.alice}A`);
    expect(await axeViolations(page)).toEqual([]);

    // installable: a manifest and a service worker, which keeps only the build's static files
    const manifest = await page.evaluate<{ start_url: string; display: string }>(
      `fetch('/opac.webmanifest').then((r) => r.json())`,
    );
    expect(manifest).toMatchObject({ start_url: '/opac', display: 'standalone' });
    expect(await page.evaluate<string>('navigator.serviceWorker.ready.then((r) => r.scope)')).toBe(
      `${base}/opac`,
    );
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'デジタル利用カード' }).waitFor();
    const cachedPaths = () =>
      page.evaluate<string[]>(`(async () => {
        const out = [];
        for (const k of await caches.keys())
          for (const r of await (await caches.open(k)).keys()) out.push(new URL(r.url).pathname);
        return out;
      })()`);
    await expect.poll(async () => (await cachedPaths()).length).toBeGreaterThan(0);
    const cached = await cachedPaths();
    expect(cached.filter((p) => !p.startsWith('/assets/'))).toEqual([]);

    // English on the same pages
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Digital library card' }).waitFor();
    await context.close();
  });

  it('Chrome finds the OPAC installable: manifest, PNG icons, secure origin', async () => {
    // an on-the-record profile: in Playwright's usual contexts Chrome never offers installing at all
    const profile = mkdtempSync(join(tmpdir(), 'bunko-opac-install-'));
    const context = await launchChromiumProfile(profile, { viewport: PHONE, locale: 'ja-JP' });
    try {
      const page = await context.newPage();
      collectPageErrors(page, pageErrors);
      await page.goto(`${base}/opac`);
      await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
      const cdp = await context.newCDPSession(page);
      const manifest = await cdp.send('Page.getAppManifest');
      expect(manifest.url).toBe(`${base}/opac.webmanifest`);
      expect(manifest.errors).toEqual([]);
      // what Chrome checks before it offers to install: the manifest's fields, 192 and 512 px
      // icons that load, a secure origin (loopback counts as one)
      await expect
        .poll(async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors)
        .toEqual([]);
      await cdp.detach();
      // PNG icons of the two sizes Android and older Chrome look for (SVG alone is not enough there),
      // each loading at the size it claims, one of them maskable
      const icons = await page.evaluate<
        { sizes: string; purpose: string; w: number; h: number }[]
      >(`(async () => {
        const m = await (await fetch('/opac.webmanifest')).json();
        const out = [];
        for (const icon of m.icons.filter((i) => i.type === 'image/png')) {
          const img = new Image();
          img.src = icon.src;
          await img.decode();
          out.push({ sizes: icon.sizes, purpose: icon.purpose, w: img.naturalWidth, h: img.naturalHeight });
        }
        return out;
      })()`);
      expect(icons).toEqual([
        { sizes: '192x192', purpose: 'any', w: 192, h: 192 },
        { sizes: '512x512', purpose: 'any', w: 512, h: 512 },
        { sizes: '512x512', purpose: 'maskable', w: 512, h: 512 },
      ]);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('the kiosk types with the kana keyboard and, left alone, forgets the patron completely', async () => {
    const { context, page } = await kiosk();
    await page.goto(`${base}/opac?kiosk=k1`);
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    const keyboard = page.getByRole('complementary', { name: '館内OPAC' });
    await page.getByLabel('キーワード(書名・著者名など)').focus();
    await keyboard.getByRole('button', { name: 'カタカナ' }).click();
    for (const ch of ['シ', 'ョ', 'メ', 'イ'])
      await keyboard.getByRole('button', { name: ch, exact: true }).click();
    expect(await page.getByLabel('キーワード(書名・著者名など)').inputValue()).toBe('ショメイ');
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('件 見つかりました');
    expect(await axeViolations(page)).toEqual([]);

    // the record, with a location-slip button for each copy; this kiosk's agent is not running
    await page.getByRole('link', { name: '書名 novel' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 novel' }).waitFor();
    await page.getByRole('button', { name: '所在票を印刷' }).first().click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('端末');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '検索結果にもどる' }).click();
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('件 見つかりました');

    // a way out of the OPAC is refused
    await page.evaluate(`(() => {
      const a = document.createElement('a');
      a.href = 'https://example.com/';
      a.textContent = 'out';
      document.querySelector('main').append(a);
      a.click();
    })()`);
    expect(new URL(page.url()).origin).toBe(base);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('図書館の外のページ');

    // a patron logs in at the kiosk and leaves without logging out
    await page.goto(`${base}/opac/login?kiosk=k1`);
    await page.getByLabel('利用者カードの番号').fill(lib.cards.bob!);
    await page.getByLabel('パスワード').fill(PASSWORDS.bob);
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'マイページ' }).waitFor();
    await expect
      .poll(() => page.getByRole('region', { name: '借りている本' }).textContent())
      .toContain('書名 branchbook');
    await page.evaluate(`sessionStorage.setItem('scratch', 'bob was here')`);
    expect((await context.cookies()).map((c) => c.name)).toContain('bunko_patron');

    // nobody touches the screen: after the idle seconds everything is gone and the start page is back
    await expect.poll(() => page.url(), { timeout: 30_000, interval: 500 }).toBe(`${base}/opac?kiosk=k1`);
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    expect(await page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([
      0,
      0,
      '',
    ]);
    expect(await context.cookies()).toEqual([]);
    expect(await page.content()).not.toContain('利用者 bob');
    const live = await database.db
      .select({ id: patronSessions.id })
      .from(patronSessions)
      .where(and(eq(patronSessions.patronId, lib.patronIds.bob!), isNull(patronSessions.revokedAt)));
    expect(live).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
  it('My Library settings on a phone: pause a hold, favourites, reading history, alerts, e-mail, password reset', async () => {
    await database.db
      .update(patrons)
      .set({ passwordHash: await hashPassword('carol-opac-pass'), readingHistoryOptIn: false })
      .where(eq(patrons.id, lib.patronIds.carol!));
    const { context, page } = await phone();
    await page.goto(`${base}/opac/my`);
    await page.getByRole('heading', { level: 1, name: 'マイページにログイン' }).waitFor();
    await page.getByLabel('利用者カードの番号').fill(lib.cards.carol!);
    await page.getByLabel('パスワード').fill('carol-opac-pass');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'マイページ' }).waitFor();

    // carol waits for 書名 popular (alice has it): pause the hold, keep the place, resume it
    const holdsSection = page.getByRole('region', { name: '予約している本' });
    await expect.poll(() => holdsSection.textContent()).toContain('1人待ち');
    const until = new Date(Date.now() + 10 * 86_400_000).toLocaleDateString('sv-SE', {
      timeZone: 'Asia/Tokyo',
    });
    await holdsSection.getByLabel('この日まで止める').fill(until);
    await holdsSection.getByRole('button', { name: /^一時停止する\s*: 書名 popular$/ }).click();
    await expect.poll(() => page.locator('.notice-live').textContent()).toContain(`${until} まで止めました`);
    await expect.poll(() => holdsSection.textContent()).toContain(`${until} まで一時停止中`);
    expect(await holdsSection.textContent()).toContain('1人待ち');
    // the focus moves to the control that replaced the pressed one
    await expect
      .poll(() => page.evaluate('document.activeElement?.textContent'))
      .toBe('一時停止をやめる: 書名 popular');
    expect(await axeViolations(page)).toEqual([]);
    await holdsSection.getByRole('button', { name: /^一時停止をやめる\s*: 書名 popular$/ }).click();
    await expect.poll(() => page.locator('.notice-live').textContent()).toBe('予約を また 進めます。');
    await holdsSection.getByRole('group', { name: /予約を一時停止する/ }).waitFor();

    // collect it at the branch instead: 受け取る場所・連絡方法を変える, folded away in the hold's card
    expect(await holdsSection.textContent()).toContain('受け取る場所: 本館');
    await holdsSection.getByText('受け取る場所・連絡方法を変える').click();
    await holdsSection.getByLabel('受け取る場所', { exact: true }).selectOption({ label: '分館' });
    await holdsSection.getByRole('button', { name: /^変更する\s*: 書名 popular$/ }).click();
    await expect.poll(() => page.locator('.notice-live').textContent()).toBe('予約を変更しました。');
    await expect.poll(() => holdsSection.textContent()).toContain('受け取る場所: 分館');
    expect(await holdsSection.textContent()).toContain('1人待ち');

    // お気に入りに追加 on the record page, then the title is on the list in マイ本棚
    await holdsSection.getByRole('link', { name: '書名 popular' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 popular' }).waitFor();
    await page.getByRole('button', { name: 'お気に入りに追加' }).click();
    await expect
      .poll(() => page.locator('.add-to-shelf [role=status]').textContent())
      .toBe('「お気に入り」に入れました。');
    expect(await axeViolations(page)).toEqual([]);
    await page
      .getByRole('navigation', { name: 'メニュー' })
      .getByRole('link', { name: 'マイページ' })
      .click();
    await page.getByRole('link', { name: 'マイ本棚(お気に入り)' }).click();
    await page.getByRole('heading', { level: 1, name: 'マイ本棚(お気に入り)' }).waitFor();
    const favourites = page.getByRole('region', { name: 'お気に入り', exact: true });
    await expect.poll(() => favourites.getByRole('link').allTextContents()).toEqual(['書名 popular']);
    expect(await axeViolations(page)).toEqual([]);

    // reading history: off by default, opted in here (stored on the patron)
    await page.getByRole('link', { name: 'マイページにもどる' }).click();
    await page.getByRole('link', { name: '読書記録' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('読書記録は残していません。');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '読書記録を残す' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toBe('読書記録を残すようにしました。');
    await expect.poll(() => page.locator('main').textContent()).toContain('読書記録を残しています。');
    const [afterOptIn] = await database.db
      .select({ optIn: patrons.readingHistoryOptIn })
      .from(patrons)
      .where(eq(patrons.id, lib.patronIds.carol!));
    expect(afterOptIn?.optIn).toBe(true);

    // a new-arrival alert by keywords: added, listed, deleted
    await page.getByRole('link', { name: 'マイページにもどる' }).click();
    await page.getByRole('link', { name: '新着お知らせ' }).click();
    await page.getByRole('heading', { level: 1, name: '新着お知らせ' }).waitFor();
    await expect.poll(() => page.locator('main').textContent()).toContain('登録している条件は ありません。');
    await page.getByLabel('キーワードまたは分類番号').fill('沖縄 歴史');
    await page.getByRole('button', { name: '登録する' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toBe('お知らせを登録しました。');
    await expect
      .poll(() => page.locator('.alert-rule').allTextContents())
      .toEqual([expect.stringContaining('キーワード: 沖縄 歴史')]);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: /^消す\s*: 沖縄 歴史$/ }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toBe('お知らせを消しました。');
    await expect.poll(() => page.locator('.alert-rule').count()).toBe(0);
    // its button went with it: the focus is back at the start of the page, not lost
    expect(await page.evaluate('document.activeElement?.id')).toBe('main');

    // a new e-mail address and e-mail notices: the address is 確認待ち until the mailed link is opened
    await page.getByRole('link', { name: 'マイページにもどる' }).click();
    await page.getByRole('link', { name: '連絡先とお知らせ' }).click();
    await page.getByRole('heading', { level: 1, name: '連絡先とお知らせ' }).waitFor();
    const [beforeContact] = await database.db
      .select({ email: patrons.email })
      .from(patrons)
      .where(eq(patrons.id, lib.patronIds.carol!));
    await page.getByLabel('メールアドレス').fill('carol.new@example.jp');
    await page.getByLabel(/メールでお知らせを受け取る/).check();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '保存する' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toBe('carol.new@example.jp に確認のメールを送りました。メールのリンクを開くと 変更が終わります。');
    const pending = page.getByRole('region', { name: '確認待ち' });
    await expect.poll(() => pending.textContent()).toContain('carol.new@example.jp');
    expect(await axeViolations(page)).toEqual([]);
    const [afterContact] = await database.db
      .select({ email: patrons.email, notices: patrons.emailNotices })
      .from(patrons)
      .where(eq(patrons.id, lib.patronIds.carol!));
    expect(afterContact).toEqual({ email: beforeContact!.email, notices: true });
    // the mail to the new address, read from the outbox: its link confirms the address
    const [confirmMail] = await database.db
      .select({ body: mailOutbox.body })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.patronId, lib.patronIds.carol!), eq(mailOutbox.kind, 'emailChangeConfirm')));
    const confirmLink = /https?:\/\/\S+?(\/opac\/my\/email-confirm#token=[A-Za-z0-9_-]+)/.exec(
      confirmMail!.body,
    )?.[1];
    expect(confirmLink, confirmMail!.body).toBeDefined();
    await page.goto(`${base}${confirmLink}`);
    await page.getByRole('heading', { level: 1, name: 'メールアドレスの確認' }).waitFor();
    await expect.poll(() => page.url()).toBe(`${base}/opac/my/email-confirm`);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'このアドレスにする' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toBe('メールアドレスを変えました。これからは 新しいアドレスに お知らせが届きます。');
    const [confirmed] = await database.db
      .select({ email: patrons.email })
      .from(patrons)
      .where(eq(patrons.id, lib.patronIds.carol!));
    expect(confirmed?.email).toBe('carol.new@example.jp');
    await page.getByRole('link', { name: '連絡先とお知らせ' }).click();
    await page.getByRole('heading', { level: 1, name: '連絡先とお知らせ' }).waitFor();
    await expect.poll(() => page.getByLabel('メールアドレス').inputValue()).toBe('carol.new@example.jp');
    expect(await page.getByRole('region', { name: '確認待ち' }).count()).toBe(0);

    // forgotten password: the login page links to the request; the mailed link opens the reset page
    await page.getByRole('link', { name: 'マイページにもどる' }).click();
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.goto(`${base}/opac/login`);
    await page.getByRole('link', { name: 'パスワードを忘れた' }).click();
    await page.getByRole('heading', { level: 1, name: 'パスワードを忘れたとき' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('利用者カードの番号').fill(lib.cards.carol!);
    await page.getByLabel('メールアドレス').fill('carol.new@example.jp');
    await page.getByRole('button', { name: 'メールを送る' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('受け付けました。');
    const mails = await database.db
      .select({ to: mailOutbox.toAddress, body: mailOutbox.body })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.patronId, lib.patronIds.carol!), eq(mailOutbox.kind, 'passwordReset')));
    expect(mails.map((m) => m.to)).toEqual(['carol.new@example.jp']);
    const link = /https?:\/\/\S+?(\/opac\/my\/password-reset#token=[A-Za-z0-9_-]+)/.exec(mails[0]!.body)?.[1];
    expect(link, mails[0]!.body).toBeDefined();
    await page.goto(`${base}${link}`);
    await page.getByRole('heading', { level: 1, name: '新しいパスワードを決める' }).waitFor();
    await expect.poll(() => page.url()).toBe(`${base}/opac/my/password-reset`);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('新しいパスワード(8文字以上)').fill('carol-reset-pass-9');
    await page.getByRole('button', { name: '決める' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toBe('パスワードを変えました。新しいパスワードでログインしてください。');
    await page.getByRole('link', { name: 'ログインする' }).click();
    await page.getByLabel('利用者カードの番号').fill(lib.cards.carol!);
    await page.getByLabel('パスワード').fill('carol-reset-pass-9');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'マイページ' }).waitFor();
    await context.close();
  });
  it('My Library in English: every page translated, none failing WCAG A/AA', async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      locale: 'en-GB',
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    await page.goto(`${base}/opac/my`);
    await page.getByRole('heading', { level: 1, name: 'マイページにログイン' }).waitFor();
    // the visitor switches the language with the switch in the header
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in to My Library' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Library card number').fill(lib.cards.alice!);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORDS.alice);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();

    // loans and holds (a hold of alice's own, placed with her session, so the hold card is there)
    await page.getByRole('heading', { level: 1, name: 'My Library', exact: true }).waitFor();
    const placed = await page.evaluate<number>(`fetch('/api/my/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(${JSON.stringify({ bibId: lib.bibs.extra8, pickupLocationId: lib.mainId, contactMethod: 'none' })}),
    }).then((r) => r.status)`);
    expect(placed).toBe(200);
    await page.reload();
    const holdsSection = page.getByRole('region', { name: 'My holds' });
    await expect.poll(() => holdsSection.textContent()).toContain('書名 extra8');
    await expect.poll(() => page.getByRole('region', { name: 'Books I have' }).locator('li').count()).toBe(2);
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // the digital card
    await page.goto(`${base}/opac/my/card`);
    await page.getByRole('heading', { level: 1, name: 'Digital library card' }).waitFor();
    await page.locator('main svg').first().waitFor();
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // contact: a new address awaiting its confirmation
    await page.goto(`${base}/opac/my/contact`);
    await page.getByRole('heading', { level: 1, name: 'Contact and notices' }).waitFor();
    await page.getByLabel('E-mail address').fill('alice.english@example.jp');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('region', { name: 'Awaiting confirmation' }).waitFor();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toBe('A confirmation mail was sent to alice.english@example.jp. Open its link to finish the change.');
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Cancel the change' }).click();
    await expect
      .poll(() => page.getByRole('status').last().textContent())
      .toBe('The e-mail address change was cancelled.');

    // bookshelf with a list of its own
    await page.goto(`${base}/opac/my/bookshelf`);
    await page.getByRole('heading', { level: 1, name: 'My bookshelf (favourites)' }).waitFor();
    await page.getByLabel('Name of a new list').fill('Holiday reading');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('region', { name: 'Holiday reading' }).waitFor();
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // new-arrival alerts with one saved
    await page.goto(`${base}/opac/my/alerts`);
    await page.getByRole('heading', { level: 1, name: 'New-arrival alerts' }).waitFor();
    await page.getByLabel('Keywords or class number').fill('history');
    await page.getByRole('button', { name: 'Add alert' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toBe('Alert added.');
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // reading history and the password change
    for (const [path, heading] of [
      ['/opac/my/history', 'Reading history'],
      ['/opac/my/password', 'Change password'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expect.poll(() => page.locator('main').textContent()).not.toContain('Loading');
      expect(await japaneseLeft(page), path).toEqual([]);
      expect(await axeViolations(page), path).toEqual([]);
    }
    await context.close();
  });

  it('the public OPAC in English: search, record, new arrivals, popular, calendar translated, none failing WCAG A/AA', async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      locale: 'en-GB',
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    await page.goto(`${base}/opac`);
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Search books' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // results with their facets
    await page.getByLabel('Keywords (title, author, …)').fill('branchbook');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1 found');
    await page.getByText('Narrow down').first().waitFor();
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    // the record with its holdings
    await page.getByRole('link', { name: '書名 branchbook' }).click();
    await page.getByRole('heading', { level: 1, name: '書名 branchbook' }).waitFor();
    const holdings = page.getByRole('region', { name: 'Copies' });
    await expect.poll(() => holdings.textContent()).toContain('Branch');
    expect(await japaneseLeft(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);

    for (const [path, heading] of [
      ['/opac/new', 'New arrivals'],
      ['/opac/popular', 'Popular books'],
      ['/opac/calendar', 'Opening days and hours'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await expect.poll(() => page.locator('main').textContent()).not.toContain('Loading');
      expect(await japaneseLeft(page), path).toEqual([]);
      expect(await axeViolations(page), path).toEqual([]);
    }
    await expect.poll(() => page.getByRole('cell').first().textContent()).toMatch(/^(Open|Closed|\d\d:\d\d)/);
    await context.close();
  });

  it('the OPAC with the keyboard only: skip link, search, a result, its record, the hold button, the login form', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ja-JP' });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    type Stop = { tag: string; id: string; name: string; visible: boolean };
    /** The focused element, named as a person would see it, and whether its focus ring shows. */
    const focused = () =>
      page.evaluate<Stop>(`(() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
        const label = el.labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent ?? '';
        return { tag: el.tagName.toLowerCase(), id: el.id, name: label.trim(), visible: ring };
      })()`);
    /** Tab (forwards) until `wanted` holds, each stop showing its focus; fails after `limit` stops. */
    const tabTo = async (wanted: (s: Stop) => boolean, limit = 40): Promise<Stop> => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        const stop = await focused();
        expect(stop.visible, `focus ring on ${stop.tag} "${stop.name}"`).toBe(true);
        if (wanted(stop)) return stop;
      }
      throw new Error('never reached by Tab');
    };

    await page.goto(`${base}/opac`);
    await page.getByRole('heading', { level: 1, name: '本をさがす' }).waitFor();
    // the first stop is the skip link; it takes the focus past the header to the content
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tag: 'a', name: '本文へ移動', visible: true });
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused()).id).toBe('main');
    // the next stop is the search field: type, submit with Enter
    expect(await tabTo(() => true, 1)).toMatchObject({ tag: 'input', name: 'キーワード(書名・著者名など)' });
    await page.keyboard.type('branchbook');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1件 見つかりました');
    // on to the result and into it
    await tabTo((s) => s.tag === 'a' && s.name === '書名 branchbook');
    // Shift+Tab goes back the way it came and Tab returns: no trap
    await page.keyboard.press('Shift+Tab');
    expect((await focused()).visible).toBe(true);
    await tabTo((s) => s.tag === 'a' && s.name === '書名 branchbook', 1);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '書名 branchbook' }).waitFor();
    expect(page.url()).toBe(`${base}/opac/bib/${lib.bibs.branchbook}`);
    // the hold button, pressed with Space: the login form, its first field next
    await tabTo((s) => s.tag === 'button' && s.name === '予約する');
    await page.keyboard.press('Space');
    await page.getByRole('heading', { level: 1, name: 'マイページにログイン' }).waitFor();
    expect(await tabTo((s) => s.tag === 'input')).toMatchObject({ name: '利用者カードの番号' });
    await page.keyboard.type(lib.cards.bob!);
    expect(await tabTo(() => true, 1)).toMatchObject({ tag: 'input', name: 'パスワード' });
    await page.keyboard.type(PASSWORDS.bob);
    await page.keyboard.press('Enter');
    // logged in: back at the hold form, its submit button reachable by Tab
    const form = page.getByRole('form', { name: '予約する' });
    await form.waitFor();
    await tabTo((s) => s.tag === 'button' && s.name === '予約を申し込む');
    await context.close();
  });
});

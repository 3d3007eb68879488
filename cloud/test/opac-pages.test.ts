import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, items } from '../src/db/schema/index.ts';
import { reindexBibSearch } from '../src/domain/catalog/reindex-search.ts';
import { checkoutItem } from '../src/domain/circulation/checkout.ts';
import { placeHold } from '../src/domain/circulation/place-hold.ts';
import { createPublicApp } from '../src/public/app.ts';
import { opacPageRoutes } from '../src/public/opac-pages.ts';
import { makeCirculatingLibrary, publicRoleFor, startSplit } from './support/public-fixture.ts';
import { silentLogger } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * The OPAC's stable search and record addresses answered by the public service as plain HTML, for
 * cross-search services and カーリル that read pages without running JavaScript: over HTTP, as the
 * public role, inside the web app's shell.
 */

let database: Database;
let lib: Awaited<ReturnType<typeof makeCirculatingLibrary>>;
let pub: Awaited<ReturnType<typeof publicRoleFor>>;
let split: Awaited<ReturnType<typeof startSplit>>;
let webRoot: string;
let okinawa: string;
let evil: string;

const EVIL_TITLE = `<script>alert("x")</script> & 'q' $& $' $\` end`;
const EVIL_AUTHOR = '<img src=x onerror=alert(1)>';
const SHELL = `<!doctype html>
<html lang="ja">
  <head>
    <meta charset="UTF-8" />
    <meta name="description" content="図書館の本をさがす・予約する / Search and reserve library books" />
    <title>蔵書検索 WebOPAC</title>
    <script type="module" crossorigin src="/assets/opac-abc123.js"></script>
  </head>
  <body>
    <div id="root"></div>
    <noscript>このページを使うには JavaScript を有効にしてください</noscript>
  </body>
</html>
`;

const page = async (path: string) => {
  const res = await split.fetch(path);
  return { res, status: res.status, text: await res.text() };
};
/** What the app's root element holds. */
const rootOf = (text: string) => text.slice(text.indexOf('<div id="root">'), text.lastIndexOf('</body>'));

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeCirculatingLibrary(database, 'pagelib');
  const [bib] = await database.db
    .insert(bibRecords)
    .values({
      tenantId: lib.tenantId,
      title: '沖縄の海と島',
      titleReading: 'オキナワノウミトシマ',
      authors: [{ name: '比嘉 太郎', reading: 'ヒガ タロウ' }],
      publisher: '琉球書房',
      pubYear: 2020,
      isbn: '9784000000002',
      ndc: '291.99',
    })
    .returning();
  okinawa = bib!.id;
  await database.db.insert(items).values([
    {
      tenantId: lib.tenantId,
      bibId: okinawa,
      barcode: '1000100',
      locationId: lib.mainId,
      shelf: '郷土資料',
      callNumber: '291.9/ヒ',
    },
    {
      tenantId: lib.tenantId,
      bibId: okinawa,
      barcode: '1000101',
      locationId: lib.branchId,
      shelf: '一般',
      callNumber: '291.9/ヒ/2',
    },
  ]);
  const [bad] = await database.db
    .insert(bibRecords)
    .values({
      tenantId: lib.tenantId,
      title: EVIL_TITLE,
      titleReading: 'アクイ',
      authors: [{ name: EVIL_AUTHOR }],
      publisher: '"><b>pub</b>',
      summary: '</dd></dl><iframe src="//evil.example"></iframe>',
    })
    .returning();
  evil = bad!.id;
  await database.db.insert(items).values({
    tenantId: lib.tenantId,
    bibId: evil,
    barcode: '1000102',
    locationId: lib.mainId,
    callNumber: '<i>913</i>',
  });
  await reindexBibSearch(database.db, lib.tenantId);
  pub = await publicRoleFor(database);
  webRoot = mkdtempSync(join(tmpdir(), 'bunko-opac-pages-'));
  writeFileSync(join(webRoot, 'opac.html'), SHELL);
  split = await startSplit(database, pub.reader, { tenant: 'pagelib', webRoot });
});

afterAll(async () => {
  await split?.close();
  await pub?.reader.close();
  await database?.close();
  await pub?.drop();
  rmSync(webRoot, { recursive: true, force: true });
});

describe('the stable search address as HTML', () => {
  it.each([
    ['ISBN', '/opac/search?isbn=978-4-00-000000-2'],
    ['title', `/opac/search?title=${encodeURIComponent('沖縄の海')}`],
    ['author', `/opac/search?author=${encodeURIComponent('比嘉')}`],
  ])('by %s: the results with links to the record pages, inside the shell', async (_by, path) => {
    const { res, status, text } = await page(path);
    expect(status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(text).toContain('<html lang="ja">');
    const root = rootOf(text);
    expect(root).toContain('<h1 id="search-heading">本をさがす</h1>');
    expect(root).toContain('1件 見つかりました(1〜1件目)');
    expect(root).toMatch(
      new RegExp(
        `<h3><a href="/opac/bib/${okinawa}">沖縄の海と島</a></h3>\\s*<p>比嘉 太郎 / 琉球書房 / 2020 / ISBN 9784000000002</p>`,
      ),
    );
    expect(root).toContain('貸出可 (2/2)');
    // the web app still starts on the same address: its script kept, the noscript notice gone
    expect(text.match(/<script/g)).toHaveLength(1);
    expect(text).toContain('<script type="module" crossorigin src="/assets/opac-abc123.js"></script>');
    expect(text).not.toContain('<noscript>');
    expect(text.match(/<title>/g)).toHaveLength(1);
    expect(text.match(/name="description"/g)).toHaveLength(1);
    expect(text).toContain(`<link rel="canonical" href="${split.base}${path.split('?')[0]}?`);
  });

  it('keeps the words asked in the form, pages through many results and says when nothing is found', async () => {
    const many = await page(`/opac/search?q=${encodeURIComponent('書名')}&offset=10`);
    expect(many.status).toBe(200);
    expect(many.text).toContain('<ol start="11">');
    expect(many.text).toContain(`<a rel="prev" href="/opac/search?q=${encodeURIComponent('書名')}">前へ</a>`);
    expect(many.text).toContain(`<input id="static-q" name="q" type="search" value="書名">`);

    const none = await page(`/opac/search?title=${encodeURIComponent('存在しない本のなまえ')}`);
    expect(none.status).toBe(200);
    expect(none.text).toContain('見つかりませんでした。');
    expect(none.text).not.toContain('<ol');

    // a query the search language cannot read: the form again, with the reason
    const bad = await page(`/opac/search?q=${encodeURIComponent('"沖縄')}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(
      /<p role="alert">検索のことばを読み取れませんでした: 引用符 &quot; が閉じていません/,
    );
    expect(bad.text).toContain('value="&quot;沖縄"');

    // the 出版年 facet's decade narrows the page as it does the app (沖縄の海と島 is of 2020)
    const in2020s = await page(`/opac/search?q=${encodeURIComponent('沖縄')}&decade=2020`);
    expect(in2020s.text).toContain('沖縄の海と島');
    const in2010s = await page(`/opac/search?q=${encodeURIComponent('沖縄')}&decade=2010`);
    expect(in2010s.text).not.toContain('沖縄の海と島');
    expect(in2010s.text).toContain('見つかりませんでした。');

    // the start page and an empty search: the form alone
    for (const path of ['/opac', '/opac/search']) {
      const form = await page(path);
      expect(form.status).toBe(200);
      expect(form.text).toContain('<form method="get" action="/opac/search" role="search"');
      expect(form.text).not.toContain('検索結果');
    }
  });

  it('keeps the library a request names in its links; an unknown library is a 404 page', async () => {
    const named = await page('/opac/search?isbn=9784000000002&tenant=pagelib');
    expect(named.text).toContain(`href="/opac/bib/${okinawa}?tenant=pagelib"`);
    expect(named.text).toContain('<input type="hidden" name="tenant" value="pagelib">');
    const unknown = await page('/opac/search?q=x&tenant=nosuchlib');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('<h1>見つかりません</h1>');
  });
});

describe('the stable record address as HTML', () => {
  it('shows the record, its holdings table and the hold count, with title, description and canonical link', async () => {
    const { status, text } = await page(`/opac/bib/${okinawa}`);
    expect(status).toBe(200);
    expect(text).toContain('<title>沖縄の海と島 — ');
    expect(text).toMatch(
      /<meta name="description" content="比嘉 太郎 \/ 琉球書房 \/ 2020 \/ ISBN 9784000000002 \/ 貸出可 \(2\/2\)">/,
    );
    expect(text).toContain(`<link rel="canonical" href="${split.base}/opac/bib/${okinawa}">`);
    const root = rootOf(text);
    expect(root).toContain('<h1 id="bib-title" itemprop="name">沖縄の海と島</h1>');
    expect(root).toContain('<dt>著者</dt><dd itemprop="author">比嘉 太郎</dd>');
    expect(root).toContain(
      '<th scope="col">場所</th><th scope="col">書架</th><th scope="col">請求記号</th><th scope="col">状態</th>',
    );
    expect(root).toContain(
      '<td>本館</td><td>郷土資料</td><td>291.9/ヒ</td><td class="status-available">貸出可</td>',
    );
    expect(root).toContain(
      '<td>分館</td><td>一般</td><td>291.9/ヒ/2</td><td class="status-available">貸出可</td>',
    );
    expect(root).toContain('<p>予約0件</p>');
  });

  it('is always current: a checkout and a hold show on the next request', async () => {
    await checkoutItem(lib.ctx, {
      patron: { patronId: lib.patronIds.bob! },
      itemBarcode: '1000100',
      locationId: lib.mainId,
    });
    let root = rootOf((await page(`/opac/bib/${okinawa}`)).text);
    expect(root).toContain(
      '<td>本館</td><td>郷土資料</td><td>291.9/ヒ</td><td class="status-onLoan">貸出中</td>',
    );
    expect(root).toContain('貸出可 (1/2)');
    await placeHold(lib.ctx, {
      patronId: lib.patronIds.carol!,
      bibId: okinawa,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    root = rootOf((await page(`/opac/bib/${okinawa}`)).text);
    expect(root).toContain('<p>予約1件</p>');
    expect(root).toContain('貸出可 (1/2) 予約1件');
    const results = rootOf((await page('/opac/search?isbn=9784000000002')).text);
    expect(results).toContain('貸出可 (1/2) 予約1件');
    // whose loan and whose hold stay unsaid
    for (const p of lib.personal) expect(root.includes(p), p).toBe(false);
  });

  it('answers an unknown record, a malformed id and an unknown library with a 404 page in Japanese', async () => {
    for (const path of [
      `/opac/bib/${randomUUID()}`,
      '/opac/bib/not-an-id',
      `/opac/bib/${okinawa}?tenant=nosuchlib`,
    ]) {
      const { res, status, text } = await page(path);
      expect(status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(text, path).toContain('<html lang="ja">');
      expect(text, path).toContain('<h1>見つかりません</h1>');
      expect(text, path).toContain(
        '<script type="module" crossorigin src="/assets/opac-abc123.js"></script>',
      );
    }
  });
});

describe('escaping', () => {
  it('prints a record full of markup as text, in the body and in the head', async () => {
    const { text } = await page(`/opac/bib/${evil}`);
    expect(text).not.toContain('<script>alert');
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<iframe');
    expect(text).not.toContain('<b>pub');
    expect(text).not.toContain('<i>913');
    const escaped =
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; $&amp; $&#39; $` end';
    expect(text).toContain(`<title>${escaped} — `);
    expect(text).toContain(`<h1 id="bib-title" itemprop="name">${escaped}</h1>`);
    expect(text).toContain(
      '<meta name="description" content="&lt;img src=x onerror=alert(1)&gt; / &quot;&gt;&lt;b&gt;pub&lt;/b&gt;',
    );
    expect(text).toContain('<td>&lt;i&gt;913&lt;/i&gt;</td>');
    // `$&` and `$'` in the title did not splice the shell into itself
    expect(text.match(/<div id="root">/g)).toHaveLength(1);
    expect(text.match(/<\/html>/g)).toHaveLength(1);
    expect(text.match(/<script/g)).toHaveLength(1);

    const results = await page(`/opac/search?q=${encodeURIComponent('alert')}`);
    expect(results.text).toContain(`<a href="/opac/bib/${evil}">${escaped}</a>`);
    expect(results.text).not.toContain('<script>alert');
  });

  it('echoes what was asked as text: in the form, the page title and the canonical link', async () => {
    const asked = `"><script>alert(1)</script>`;
    const { status, text } = await page(
      `/opac/search?title=${encodeURIComponent(asked)}&author=${encodeURIComponent("' onmouseover='x")}`,
    );
    expect(status).toBeLessThan(500);
    expect(text).not.toContain('<script>alert(1)');
    expect(text).not.toContain("' onmouseover");
    expect(text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(text).toContain('value="&#39; onmouseover=&#39;x"');
    expect(text.match(/<script/g)).toHaveLength(1);
  });
});

describe('the sitemap', () => {
  const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);

  it('lists every record page of the library', async () => {
    const { res, status, text } = await page('/sitemap.xml');
    expect(status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(text).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    const pages = locs(text);
    const ids = [...Object.values(lib.bibs), okinawa, evil];
    expect(pages.sort()).toEqual(ids.map((id) => `${split.base}/opac/bib/${id}`).sort());
    expect(text).toMatch(/<lastmod>\d{4}-\d{2}-\d{2}T[\d:.]+Z<\/lastmod>/);
    expect((await page('/sitemap.xml?tenant=nosuchlib')).status).toBe(404);
  });

  it('splits a large catalogue into parts under an index, each record in exactly one part', async () => {
    const routes = opacPageRoutes({
      db: pub.reader.db,
      defaultTenant: () => 'pagelib',
      publicUrl: 'https://opac.example.jp/',
      sitemapUrls: 5,
    });
    const index = await (await routes.request('/sitemap.xml')).text();
    expect(index).toContain('<sitemapindex');
    const parts = locs(index);
    const n = Object.keys(lib.bibs).length + 2;
    expect(parts).toEqual(
      Array.from({ length: Math.ceil(n / 5) }, (_, i) => `https://opac.example.jp/sitemap.xml?part=${i + 1}`),
    );
    const seen: string[] = [];
    for (const part of parts) {
      const text = await (await routes.request(new URL(part).pathname + new URL(part).search)).text();
      const here = locs(text);
      expect(here.length).toBeLessThanOrEqual(5);
      seen.push(...here);
    }
    expect(seen).toHaveLength(n);
    expect(new Set(seen).size).toBe(n);
    expect(seen.every((u) => u.startsWith('https://opac.example.jp/opac/bib/'))).toBe(true);
    expect((await routes.request(`/sitemap.xml?part=${parts.length + 1}`)).status).toBe(404);
  });
});

describe('without an OPAC build', () => {
  it('renders the pages into a small document of their own', async () => {
    const bare = createPublicApp({
      config: { secure: false },
      reader: pub.reader,
      logger: silentLogger,
      coreUrl: split.coreBase,
      serviceToken: split.serviceToken,
      defaultTenant: 'pagelib',
    });
    const res = await bare.request(`/opac/bib/${okinawa}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('<html lang="ja">');
    expect(text).toContain('<h1 id="bib-title" itemprop="name">沖縄の海と島</h1>');
    expect(text).not.toContain('<script');
    expect((await bare.request('/opac/bib/not-an-id')).status).toBe(404);
  });
});

import { and, asc, count, eq, gt } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Db } from '../db/client.ts';
import { bibRecords } from '../db/schema/index.ts';
import { availabilityLine, SEARCH_EXACT_LIMIT } from '../domain/catalog/search-bibs.ts';
import { AppError } from '../domain/errors.ts';
import { STATUS_JA } from '../domain/opac/kiosk.ts';
import {
  type OpacSearchInput,
  opacBib,
  opacCtx,
  opacSearch,
  resolvePublicTenant,
} from '../domain/opac/opac.ts';
import type { AppEnv } from '../http/env.ts';

/**
 * The OPAC's stable addresses as plain HTML for readers without JavaScript (カーリル, prefectural
 * cross-search services, other crawlers): /opac/search?q=…&title=…&author=…&isbn=… lists the
 * matching records with links to /opac/bib/<id>, which shows the record and a table of its copies
 * (location, shelf, call number, state now) and the hold count. The HTML is put inside the web app's
 * root element of opac.html, so a browser with JavaScript starts the WebOPAC on the same address and
 * the app replaces it (web/src/opac/main.tsx). Catalogue reads only, through the catalogue reader;
 * never cached, so the states are always those of the moment. /sitemap.xml lists every record page.
 */

const PAGE = 20;
const FIELDS = ['q', 'title', 'author', 'isbn', 'ndc'] as const;
const FIELD_LABEL: Record<(typeof FIELDS)[number], string> = {
  q: 'キーワード',
  title: '書名',
  author: '著者名',
  isbn: 'ISBN',
  ndc: '分類(NDC)',
};
const SORTS = ['relevance', 'newest', 'reading'] as const;
const AVAILABILITIES = ['available', 'onLoan', 'none'] as const;
/** Addresses in one sitemap file (the protocol's limit); more records get a sitemap index. */
export const SITEMAP_URLS = 50_000;
const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The document these pages go into when no OPAC build is there. */
const BARE_SHELL = `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>蔵書検索</title>
</head>
<body>
<div id="root"></div>
</body>
</html>
`;

/** What hono/html's tagged template gives: escaped text (a promise only if a part was one). */
type Html = ReturnType<typeof html>;

type Page = {
  status: 200 | 400 | 404;
  title: string;
  description?: string;
  canonical?: string;
  body: Html;
};

/** Put a page into the shell: its title, description and canonical link in the head, its body in the app's root. */
async function fill(shell: string, page: Page): Promise<string> {
  const head = (
    await html`<title>${page.title}</title>${
      page.description ? html`\n<meta name="description" content="${page.description}">` : ''
    }${page.canonical ? html`\n<link rel="canonical" href="${page.canonical}">` : ''}`
  ).toString();
  const body = (await page.body).toString();
  // function replacements: a `$&` or `$'` in a title stays text
  return shell
    .replace(/<meta name="description"[^>]*>\s*/i, () => '')
    .replace(/<title>[^<]*<\/title>/i, () => head)
    .replace(/<noscript>[\s\S]*?<\/noscript>\s*/i, () => '')
    .replace(/<div id="root"><\/div>/, () => `<div id="root">${body}</div>`);
}

const clip = (s: string | undefined, n: number) => (s ?? '').trim().slice(0, n);

export function opacPageRoutes(deps: {
  db: Db;
  /** the web app's opac.html; without it a bare document */
  shell?: string;
  defaultTenant: () => string | null;
  /** BUNKO_PUBLIC_URL: the base of canonical links; else the request's own origin */
  publicUrl?: string | undefined;
  now?: () => Date;
  /** addresses a sitemap file holds (tests set a small one) */
  sitemapUrls?: number;
}) {
  const perFile = deps.sitemapUrls ?? SITEMAP_URLS;
  const shell = deps.shell?.includes('<div id="root"></div>') ? deps.shell : BARE_SHELL;
  const baseOf = (url: string) => (deps.publicUrl ?? new URL(url).origin).replace(/\/+$/, '');

  const send = async (c: Context<AppEnv>, page: Page) =>
    c.html(await fill(shell, page), page.status, { 'cache-control': 'no-store' });

  /** Links on a page keep the library the request named (?tenant=CODE). */
  const withTenant = (path: string, params: URLSearchParams, tenant: string | undefined) => {
    if (tenant) params.set('tenant', tenant);
    const qs = params.toString();
    return qs ? `${path}?${qs}` : path;
  };

  const chrome = (
    library: string,
    tenant: string | undefined,
    main: Html,
  ) => html`<div class="opac-static" data-server-rendered>
<header><p><a href="${withTenant('/opac', new URLSearchParams(), tenant)}">${library} 蔵書検索</a></p></header>
<main id="main">
${main}
</main>
</div>`;

  const notFound = (what: string, library = '図書館', tenant?: string): Page => ({
    status: 404,
    title: `見つかりません — ${library}`,
    body: chrome(
      library,
      tenant,
      html`<h1>見つかりません</h1>
<p>${what}は見つかりませんでした。</p>
<p><a href="${withTenant('/opac', new URLSearchParams(), tenant)}">蔵書検索へ</a></p>`,
    ),
  });

  /** The library asked for (?tenant=CODE, else the default); null when there is none such. */
  const libraryOf = (code: string | undefined) =>
    resolvePublicTenant(deps.db, code, deps.defaultTenant()).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'notFound') return null;
      throw err;
    });

  const searchPage = async (c: Context<AppEnv>) => {
    const q = c.req.query();
    const tenantCode = clip(q.tenant, 64) || undefined;
    const tenant = await libraryOf(tenantCode);
    if (!tenant) return send(c, notFound('図書館'));
    const fields: Record<(typeof FIELDS)[number], string> = {
      q: clip(q.q, 200),
      title: clip(q.title, 200),
      author: clip(q.author, 200),
      isbn: clip(q.isbn, 20),
      ndc: clip(q.ndc, 20),
    };
    const sort = (SORTS as readonly string[]).includes(q.sort ?? '')
      ? (q.sort as OpacSearchInput['sort'])
      : 'relevance';
    const offset = Math.min(Math.max(Math.trunc(Number(q.offset)) || 0, 0), 10_000);
    const filters = {
      ...((AVAILABILITIES as readonly string[]).includes(q.availability ?? '')
        ? { availability: q.availability as (typeof AVAILABILITIES)[number] }
        : {}),
      ...(clip(q.location, 40) ? { location: clip(q.location, 40) } : {}),
      ...(clip(q.materialType, 40) ? { materialType: clip(q.materialType, 40) } : {}),
      // the 出版年 facet's decade (2010 = 2010–2019), as the app's address carries it
      ...(/^[12][0-9]{2}0$/.test(q.decade ?? '') ? { decade: Number(q.decade) } : {}),
    };
    // the address of this search (and of its other pages), only what was asked
    const searchParams = (at: number) => {
      const p = new URLSearchParams();
      for (const f of FIELDS) if (fields[f]) p.set(f, fields[f]);
      for (const [k, v] of Object.entries(filters)) p.set(k, String(v));
      if (sort !== 'relevance') p.set('sort', sort);
      if (at > 0) p.set('offset', String(at));
      return p;
    };
    const asked = FIELDS.some((f) => fields[f]);
    const form = html`<form method="get" action="/opac/search" role="search" aria-labelledby="search-heading">
${tenantCode ? html`<input type="hidden" name="tenant" value="${tenantCode}">` : ''}
${FIELDS.map(
  (f) => html`<p><label for="static-${f}">${FIELD_LABEL[f]}</label>
<input id="static-${f}" name="${f}" type="${f === 'q' ? 'search' : 'text'}" value="${fields[f]}"></p>
`,
)}<p><button type="submit">さがす</button></p>
</form>`;
    const library = tenant.nameJa;
    if (!asked) {
      return send(c, {
        status: 200,
        title: `本をさがす — ${library}`,
        description: `${library}の蔵書検索(書名・著者名・ISBNでさがせます)`,
        canonical: `${baseOf(c.req.url)}${withTenant('/opac/search', new URLSearchParams(), tenantCode)}`,
        body: chrome(library, tenantCode, html`<h1 id="search-heading">本をさがす</h1>\n${form}`),
      });
    }

    const ctx = opacCtx(deps.db, tenant.id, c.get('requestId'), deps.now);
    let result: Awaited<ReturnType<typeof opacSearch>>;
    try {
      result = await opacSearch(ctx, { ...fields, ...filters, sort, limit: PAGE, offset, facets: false });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'validation')) throw err;
      return send(c, {
        status: 400,
        title: `本をさがす — ${library}`,
        body: chrome(
          library,
          tenantCode,
          html`<h1 id="search-heading">本をさがす</h1>
${form}
<p role="alert">検索のことばを読み取れませんでした: ${err.detail ?? err.message}</p>`,
        ),
      });
    }
    const asText = FIELDS.filter((f) => fields[f])
      .map((f) => `${FIELD_LABEL[f]}「${fields[f]}」`)
      .join(' ');
    const total =
      result.total >= SEARCH_EXACT_LIMIT
        ? `${SEARCH_EXACT_LIMIT.toLocaleString('ja-JP')}件以上`
        : `${result.total}件`;
    const first = offset + 1;
    const last = offset + result.items.length;
    const pageLink = (at: number, rel: 'prev' | 'next', label: string) =>
      html`<a rel="${rel}" href="${withTenant('/opac/search', searchParams(at), tenantCode)}">${label}</a>`;
    const list = result.items.map(
      (b) => html`<li>
<h3><a href="${withTenant(`/opac/bib/${b.id}`, new URLSearchParams(), tenantCode)}">${b.title}</a></h3>
<p>${[b.authors.join('、'), b.publisher, b.pubYear ? String(b.pubYear) : '', b.isbn ? `ISBN ${b.isbn}` : '']
        .filter(Boolean)
        .join(' / ')}</p>
<p class="avail avail-${b.availability}">${availabilityLine(b)}</p>
</li>
`,
    );
    return send(c, {
      status: 200,
      title: `${asText} の検索結果 — ${library}`,
      description: `${library}の蔵書検索: ${asText} ${total}`,
      canonical: `${baseOf(c.req.url)}${withTenant('/opac/search', searchParams(offset), tenantCode)}`,
      body: chrome(
        library,
        tenantCode,
        html`<h1 id="search-heading">本をさがす</h1>
${form}
<section aria-labelledby="results-heading">
<h2 id="results-heading">検索結果</h2>
<p role="status">${result.items.length ? `${total} 見つかりました(${first}〜${last}件目)` : '見つかりませんでした。'}</p>
${result.items.length ? html`<ol start="${first}">\n${list}</ol>` : ''}
${
  offset > 0 || last < result.total
    ? html`<nav aria-label="ページ">${offset > 0 ? pageLink(Math.max(0, offset - PAGE), 'prev', '前へ') : ''} ${
        last < result.total ? pageLink(last, 'next', '次へ') : ''
      }</nav>`
    : ''
}
</section>`,
      ),
    });
  };

  /**
   * The record pages for search engines: one urlset, or beyond `perFile` an index of parts
   * (?part=N, records in id order). The library is ?tenant=CODE, else the default.
   */
  const sitemap = async (c: Context<AppEnv>) => {
    const tenantCode = clip(c.req.query('tenant'), 64) || undefined;
    const tenant = await libraryOf(tenantCode);
    if (!tenant) return c.text('unknown library', 404);
    const base = baseOf(c.req.url);
    const part = Number(c.req.query('part') ?? 0);
    const mine = eq(bibRecords.tenantId, tenant.id);
    const [{ n } = { n: 0 }] = await deps.db.select({ n: count() }).from(bibRecords).where(mine);
    const parts = Math.ceil(n / perFile);
    const headers = { 'content-type': 'application/xml; charset=utf-8' };
    if (parts > 1 && !(Number.isInteger(part) && part >= 1 && part <= parts)) {
      if (c.req.query('part') !== undefined) return c.text('no such part', 404);
      const list = Array.from({ length: parts }, (_, i) => {
        const p = new URLSearchParams({ part: String(i + 1) });
        return html`<sitemap><loc>${base}${withTenant('/sitemap.xml', p, tenantCode)}</loc></sitemap>`;
      });
      return c.body(
        (
          await html`<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="${SITEMAP_NS}">${list}</sitemapindex>\n`
        ).toString(),
        200,
        headers,
      );
    }
    // the part's first record: after the last id of the parts before it
    let after: string | null = null;
    if (parts > 1 && part > 1) {
      const [edge] = await deps.db
        .select({ id: bibRecords.id })
        .from(bibRecords)
        .where(mine)
        .orderBy(asc(bibRecords.id))
        .offset((part - 1) * perFile - 1)
        .limit(1);
      after = edge?.id ?? null;
    }
    const rows = await deps.db
      .select({ id: bibRecords.id, updatedAt: bibRecords.updatedAt })
      .from(bibRecords)
      .where(after ? and(mine, gt(bibRecords.id, after)) : mine)
      .orderBy(asc(bibRecords.id))
      .limit(perFile);
    const urls = rows.map(
      (r) =>
        html`<url><loc>${base}${withTenant(`/opac/bib/${r.id}`, new URLSearchParams(), tenantCode)}</loc><lastmod>${new Date(r.updatedAt).toISOString()}</lastmod></url>\n`,
    );
    return c.body(
      (
        await html`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="${SITEMAP_NS}">\n${urls}</urlset>\n`
      ).toString(),
      200,
      headers,
    );
  };

  return new Hono<AppEnv>()
    .get('/sitemap.xml', sitemap)
    .get('/opac', searchPage)
    .get('/opac/search', searchPage)
    .get('/opac/bib/:id', async (c) => {
      const tenantCode = clip(c.req.query('tenant'), 64) || undefined;
      const tenant = await libraryOf(tenantCode);
      if (!tenant) return send(c, notFound('図書館'));
      const id = c.req.param('id');
      const library = tenant.nameJa;
      if (!ID.test(id)) return send(c, notFound('この資料', library, tenantCode));
      let b: Awaited<ReturnType<typeof opacBib>>;
      try {
        b = await opacBib(opacCtx(deps.db, tenant.id, c.get('requestId'), deps.now), id);
      } catch (err) {
        if (err instanceof AppError && err.code === 'notFound')
          return send(c, notFound('この資料', library, tenantCode));
        throw err;
      }
      const statuses = b.holdings.map((h) => h.status);
      const availability = statuses.includes('available')
        ? 'available'
        : statuses.some((s) => s === 'onLoan' || s === 'onHoldShelf' || s === 'inTransit')
          ? 'onLoan'
          : 'none';
      const line = availabilityLine({
        availability,
        availableCount: b.availableCount,
        itemCount: b.holdings.length,
        holdCount: b.holdCount,
      });
      const authors = b.authors.map((a) => a.name).join('、');
      const field = (label: string, value: string | number | null | undefined, prop?: string) =>
        value === null || value === undefined || value === ''
          ? ''
          : html`<dt>${label}</dt><dd${prop ? html` itemprop="${prop}"` : ''}>${String(value)}</dd>\n`;
      const rows = b.holdings.map(
        (h) => html`<tr>
<td>${h.locationJa}</td><td>${h.shelf || '—'}</td><td>${h.callNumber || '—'}</td><td class="status-${h.status}">${STATUS_JA[h.status] ?? h.status}</td>
</tr>
`,
      );
      return send(c, {
        status: 200,
        title: `${b.title} — ${library}`,
        description: [
          authors,
          b.publisher,
          b.pubYear ? String(b.pubYear) : '',
          b.isbn ? `ISBN ${b.isbn}` : '',
          line,
        ]
          .filter(Boolean)
          .join(' / ')
          .slice(0, 300),
        canonical: `${baseOf(c.req.url)}${withTenant(`/opac/bib/${b.id}`, new URLSearchParams(), tenantCode)}`,
        body: chrome(
          library,
          tenantCode,
          html`<article aria-labelledby="bib-title" itemscope itemtype="https://schema.org/Book">
<h1 id="bib-title" itemprop="name">${b.title}</h1>
<p class="avail avail-${availability}">${line}</p>
<dl>
${field('著者', authors, 'author')}${field('出版者', b.publisher, 'publisher')}${field('出版年', b.pubYear, 'datePublished')}${field(
  'シリーズ',
  b.seriesTitle ? `${b.seriesTitle} ${b.volume ?? ''}`.trim() : '',
)}${field('ISBN', b.isbn, 'isbn')}${field('分類(NDC)', b.ndc)}${field('件名', b.subjects.join('、'), 'about')}${field(
  '内容',
  b.summary,
  'description',
)}</dl>
<section aria-labelledby="holdings-heading">
<h2 id="holdings-heading">所蔵</h2>
${
  b.holdings.length
    ? html`<table>
<caption>所蔵 ${b.holdings.length}冊(貸出可 ${b.availableCount}冊)</caption>
<thead><tr><th scope="col">場所</th><th scope="col">書架</th><th scope="col">請求記号</th><th scope="col">状態</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`
    : html`<p>所蔵はありません。</p>`
}
<p>予約${b.holdCount}件</p>
</section>
<p><a href="${withTenant('/opac/search', new URLSearchParams(), tenantCode)}">ほかの本をさがす</a></p>
</article>`,
        ),
      });
    });
}

import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, calendarDays, calendars, items, patrons } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { reindexBibSearch } from '../src/domain/catalog/reindex-search.ts';
import { opacQuery } from '../src/domain/opac/opac.ts';
import { lendThenHold, makeLibrary } from './support/library-fixture.ts';
import { login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let app: ReturnType<typeof testApp>;
let counter: string;

type Json = Record<string, unknown>;
const get = async (path: string) => {
  const res = await app.request(path);
  return { status: res.status, text: await res.clone().text(), body: (await res.json()) as Json };
};

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'opaclib');
  // a record with real bibliographic data, a shelf and a call number, bought 10 days ago
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
  await database.db.insert(items).values({
    tenantId: lib.tenantId,
    bibId: bib!.id,
    barcode: '1000100',
    locationId: lib.mainId,
    shelf: '郷土資料',
    callNumber: '291.9/ヒ',
    acquiredOn: addDays(lib.today, -10),
  });
  lib.bibs.okinawa = bib!.id;
  // an old record: acquired long ago, so not a new arrival
  await database.db
    .update(items)
    .set({ acquiredOn: addDays(lib.today, -400) })
    .where(eq(items.barcode, '1000007'));
  await reindexBibSearch(database.db, lib.tenantId);
  await database.db
    .update(calendars)
    .set({ hours: { weekday: ['09:00', '19:00'], weekend: ['09:00', '17:00'] } })
    .where(eq(calendars.id, lib.calendarId));
  await database.db.insert(calendarDays).values({
    tenantId: lib.tenantId,
    calendarId: lib.calendarId,
    day: addDays(lib.today, 2),
    kind: 'closed',
    reasonJa: '資料整理日',
  });

  app = testApp(database, { publicConfig: () => ({ defaultTenant: 'opaclib', demo: false }) });
  counter = await login(app, 'opaclib', 'counter');
  // loans and holds by named patrons, so the privacy check below has something to find
  await lendThenHold(
    app,
    counter,
    lib,
    [
      ['alice', '1000003'],
      ['alice', '1000001'],
      ['bob', '1000002'],
    ],
    'carol',
  );
});

afterAll(async () => {
  await database?.close();
});

describe('OPAC search (public)', () => {
  it('builds one query from the separate boxes of a form or an outside link', () => {
    expect(opacQuery({ title: '沖縄 の海', author: '比嘉', isbn: '978-4-00-000000-2', ndc: '291' })).toBe(
      'title:"沖縄 の海" author:"比嘉" isbn:978-4-00-000000-2 ndc:291',
    );
    expect(opacQuery({ q: '海', title: 'a"b' })).toBe('海 title:"a b"');
  });

  it('finds by ISBN, title and author from plain query parameters, without a session', async () => {
    const byIsbn = await get('/api/opac/search?isbn=978-4-00-000000-2');
    expect(byIsbn.status).toBe(200);
    expect((byIsbn.body.items as Json[]).map((i) => i.title)).toEqual(['沖縄の海と島']);
    const byBoth = await get(`/api/opac/search?title=${encodeURIComponent('おきなわ')}&author=比嘉`);
    expect((byBoth.body.items as Json[]).map((i) => i.id)).toEqual([lib.bibs.okinawa]);
    const none = await get(
      `/api/opac/search?title=${encodeURIComponent('沖縄')}&author=${encodeURIComponent('存在しない')}`,
    );
    expect(none.body.total).toBe(0);
  });

  it('gives facets, availability and hold counts, and pages', async () => {
    const r = await get('/api/opac/search?q=書名&limit=5&sort=reading');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(12);
    expect((r.body.items as Json[]).length).toBe(5);
    const facets = r.body.facets as Record<string, { value: string; count: number }[]>;
    expect(facets.availability!.find((f) => f.value === 'onLoan')?.count).toBe(2);
    const popular = await get('/api/opac/search?q=popular');
    const hit = (popular.body.items as Json[])[0]!;
    expect(hit).toMatchObject({ availability: 'onLoan', holdCount: 1, availableCount: 0 });
    const page2 = await get('/api/opac/search?q=書名&limit=5&offset=5&sort=reading');
    expect((page2.body.items as Json[])[0]!.id).not.toBe((r.body.items as Json[])[0]!.id);
  });

  it('answers bad input with a problem naming the field', async () => {
    const r = await get('/api/opac/search?ndc=abc');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('ndc');
    const unknown = await get('/api/opac/search?tenant=nosuch&q=x');
    expect(unknown.status).toBe(404);
  });
});

describe('OPAC detail, new arrivals, popular, calendar', () => {
  it('shows each copy with location, shelf, call number and state; a loan is only 貸出中', async () => {
    const r = await get(`/api/opac/bibs/${lib.bibs.novel}`);
    expect(r.status).toBe(200);
    const holdings = r.body.holdings as Json[];
    expect(holdings.map((h) => h.status)).toEqual(['onLoan', 'onLoan']);
    expect(holdings[0]).toMatchObject({ locationJa: '本館' });
    expect(Object.keys(holdings[0]!).sort()).toEqual(
      ['callNumber', 'itemId', 'locationEn', 'locationId', 'locationJa', 'shelf', 'status'].sort(),
    );
    const ok = await get(`/api/opac/bibs/${lib.bibs.okinawa}`);
    expect(ok.body).toMatchObject({ title: '沖縄の海と島', availableCount: 1, holdCount: 0 });
    expect((ok.body.holdings as Json[])[0]).toMatchObject({ shelf: '郷土資料', callNumber: '291.9/ヒ' });
    expect((await get('/api/opac/bibs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('lists new arrivals of the last 90 days, by NDC class', async () => {
    const all = await get('/api/opac/new');
    const ids = (all.body.items as Json[]).map((i) => i.id);
    expect(ids).toContain(lib.bibs.okinawa);
    expect(ids).not.toContain(lib.bibs.dictionary);
    const geo = await get('/api/opac/new?ndc=2');
    expect((geo.body.items as Json[]).map((i) => i.id)).toEqual([lib.bibs.okinawa]);
    const lit = await get('/api/opac/new?ndc=9');
    expect((lit.body.items as Json[]).map((i) => i.id)).not.toContain(lib.bibs.okinawa);
  });

  it('ranks the most loaned and the most reserved titles', async () => {
    const loaned = await get('/api/opac/popular?kind=loaned');
    expect(loaned.status, loaned.text).toBe(200);
    expect((loaned.body.items as Json[]).map((i) => [i.id, i.count])).toEqual(
      expect.arrayContaining([
        [lib.bibs.novel, 2],
        [lib.bibs.popular, 1],
      ]),
    );
    expect((loaned.body.items as Json[])[0]!.id).toBe(lib.bibs.novel);
    const reserved = await get('/api/opac/popular?kind=reserved');
    expect((reserved.body.items as Json[]).map((i) => [i.id, i.count])).toEqual([[lib.bibs.popular, 1]]);
  });

  it('gives opening hours day by day and the reason for a closure', async () => {
    const r = await get(`/api/opac/calendar?from=${lib.today}&days=7`);
    expect(r.status).toBe(200);
    const main = (r.body.locations as Json[]).find((l) => l.code === 'main')!;
    const days = main.days as Json[];
    expect(days).toHaveLength(7);
    expect(days[2]).toMatchObject({ open: false, closedReasonJa: '資料整理日', opens: null });
    expect(days[0]).toMatchObject({ open: true });
    expect(days[0]!.opens).toMatch(/^09:00$/);
    expect(String(days[0]!.dayEra)).toMatch(/^令和/);
    const locs = await get('/api/opac/locations');
    expect((locs.body.locations as Json[]).map((l) => l.code)).toEqual(['branch', 'main']);
  });
});

describe('no personal data on the public side', () => {
  it('no OPAC response carries a name, card number, patron id, loan or hold id, or due date', async () => {
    const people = await database.db
      .select({ id: patrons.id, name: patrons.name, reading: patrons.nameReading })
      .from(patrons)
      .where(eq(patrons.tenantId, lib.tenantId));
    const loanRows = (await database.db.execute(
      `select id::text, due_on::text as due from loans where tenant_id = '${lib.tenantId}'`,
    )) as unknown;
    const loanList = (Array.isArray(loanRows) ? loanRows : (loanRows as { rows: Json[] }).rows) as {
      id: string;
      due: string;
    }[];
    const holdRows = (await database.db.execute(
      `select id::text from holds where tenant_id = '${lib.tenantId}'`,
    )) as unknown;
    const holdList = (Array.isArray(holdRows) ? holdRows : (holdRows as { rows: Json[] }).rows) as {
      id: string;
    }[];
    expect(loanList.length).toBe(3);
    expect(holdList.length).toBe(1);
    const forbidden = [
      ...people.flatMap((p) => [p.id, p.name, p.reading]),
      ...Object.values(lib.cards),
      ...loanList.map((l) => l.id),
      ...holdList.map((h) => h.id),
    ];
    const openapi = (await get('/api/openapi.json')).body as { paths: Record<string, Record<string, Json>> };
    const publicPaths = Object.entries(openapi.paths).filter(([p]) => p.startsWith('/api/opac/'));
    expect(publicPaths.length).toBeGreaterThanOrEqual(6);
    const responses = [
      '/api/opac/search?q=書名&limit=50',
      '/api/opac/search?q=popular',
      ...Object.values(lib.bibs).map((id) => `/api/opac/bibs/${id}`),
      '/api/opac/new?days=365&limit=100',
      '/api/opac/popular?kind=loaned',
      '/api/opac/popular?kind=reserved',
      '/api/opac/locations',
      '/api/opac/calendar?days=62',
    ];
    for (const path of responses) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      for (const f of forbidden) expect(r.text.includes(f), `${path} contains ${f}`).toBe(false);
      // the calendar is made of dates; elsewhere a loan's due date would say when someone must return it
      if (!path.includes('calendar'))
        for (const l of loanList) expect(r.text.includes(l.due), `${path} contains ${l.due}`).toBe(false);
      expect(r.text, path).not.toMatch(/patron|borrower|cardNumber|dueOn|loanId|holdId/i);
    }
  });
});

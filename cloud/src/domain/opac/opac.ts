import { eraDate, westernDate } from '@bunko/protocols';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { bibRecords, calendars, holds, items, locations, tenants } from '../../db/schema/index.ts';
import { addDays, type Day, eachDay, todayInTokyo } from '../calendar/dates.ts';
import { loadCalendar } from '../calendar/load-calendar.ts';
import { type SearchInput, searchBibs } from '../catalog/search-bibs.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * The public catalogue (WebOPAC, kiosks, outside links such as カーリル): reads of the catalogue,
 * holdings and availability counts only. Nothing here reads a patron, a loan's patron or a hold's
 * patron; loans and holds are only ever counted. Every function takes a public context made by
 * `opacCtx`, which acts for the library itself but is used for catalogue reads alone.
 */

/** The library a public request is for: ?tenant=CODE, else the installation's default library. */
export async function resolvePublicTenant(db: Db, code: string | undefined, fallback: string | null) {
  const wanted = code || fallback;
  if (!wanted) throw new AppError('notFound', 'library');
  const [t] = await db
    .select({ id: tenants.id, code: tenants.code, nameJa: tenants.nameJa, nameEn: tenants.nameEn })
    .from(tenants)
    .where(eq(tenants.code, wanted));
  if (!t) throw new AppError('notFound', `library ${wanted}`);
  return t;
}

const CATALOG_READ_ONLY = new Set(['catalog.read'] as const);

/**
 * The context of a public request: no session, and a principal holding `catalog.read` alone, so a
 * domain verb that needs anything more (patrons, circulation, settings) refuses it. It never
 * writes the operation log as staff (its id is not a staff id); see `anonymousCtx` for that.
 */
export const opacCtx = (
  db: Db,
  tenantId: string,
  requestId: string,
  now: () => Date = () => new Date(),
): Ctx => ({
  db,
  tenantId,
  staff: { id: '', loginId: 'opac', displayName: 'WebOPAC', permissions: CATALOG_READ_ONLY, sessionId: '' },
  workstation: null,
  requestId,
  now,
});

/** The same request as an anonymous actor, for the operation log (actor_kind 'anonymous'). */
export const anonymousCtx = (ctx: Ctx): Ctx => ({ ...ctx, staff: null, patron: null, system: false });

export type OpacSearchInput = {
  q?: string;
  title?: string;
  author?: string;
  publisher?: string;
  subject?: string;
  isbn?: string;
  ndc?: string;
  sort: 'relevance' | 'newest' | 'reading';
  limit: number;
  offset: number;
  materialType?: string;
  location?: string;
  availability?: 'available' | 'onLoan' | 'none';
  decade?: number;
  yearFrom?: number;
  yearTo?: number;
  /** false: no facet counts (the HTML result pages show none); default true */
  facets?: boolean;
};

/** Quote a field value for the query language, so spaces and operators in it are plain text. */
const quoted = (field: string, value: string) => `${field}:"${value.replace(/"/g, ' ').trim()}"`;

/** The separate boxes of the search form (and of an outside link) as one query of the query language. */
export function opacQuery(input: Omit<OpacSearchInput, 'sort' | 'limit' | 'offset' | 'facets'>): string {
  const parts: string[] = [];
  if (input.q?.trim()) parts.push(input.q.trim());
  for (const field of ['title', 'author', 'publisher', 'subject'] as const) {
    const v = input[field]?.trim();
    if (v) parts.push(quoted(field, v));
  }
  if (input.isbn?.trim()) parts.push(`isbn:${input.isbn.replace(/[^0-9Xx-]/g, '')}`);
  if (input.ndc?.trim()) parts.push(`ndc:${input.ndc.replace(/[^0-9.]/g, '')}`);
  return parts.join(' ');
}

export async function opacSearch(ctx: Ctx, input: OpacSearchInput) {
  const search: SearchInput = {
    q: opacQuery(input),
    limit: input.limit,
    offset: input.offset,
    sort: input.sort,
    facets: input.facets ?? true,
    ...(input.materialType ? { materialType: input.materialType } : {}),
    ...(input.location ? { location: input.location } : {}),
    ...(input.availability ? { availability: input.availability } : {}),
    ...(input.decade !== undefined ? { decade: input.decade } : {}),
    ...(input.yearFrom !== undefined ? { yearFrom: input.yearFrom } : {}),
    ...(input.yearTo !== undefined ? { yearTo: input.yearTo } : {}),
  };
  const r = await searchBibs(ctx, search);
  return {
    total: r.total,
    items: r.items.map((b) => ({
      id: b.id,
      title: b.title,
      authors: b.authors.map((a) => a.name),
      publisher: b.publisher,
      pubYear: b.pubYear,
      isbn: b.isbn,
      ndc: b.ndc,
      seriesTitle: b.seriesTitle,
      volume: b.volume,
      materialType: b.materialType,
      itemCount: b.itemCount,
      availableCount: b.availableCount,
      holdCount: b.holdCount,
      availability: b.availability,
    })),
    facets: r.facets,
  };
}

const ACTIVE_HOLD = ['requested', 'preparing', 'inTransit', 'available'] as const;

/** 資料の詳細: the record and each copy's place and state. A copy on loan shows 貸出中, never whose. */
export async function opacBib(ctx: Ctx, bibId: string) {
  const [bib] = await ctx.db
    .select({
      id: bibRecords.id,
      title: bibRecords.title,
      titleReading: bibRecords.titleReading,
      authors: bibRecords.authors,
      responsibility: bibRecords.responsibility,
      edition: bibRecords.edition,
      publisher: bibRecords.publisher,
      pubPlace: bibRecords.pubPlace,
      pubDate: bibRecords.pubDate,
      pubYear: bibRecords.pubYear,
      extent: bibRecords.extent,
      isbn: bibRecords.isbn,
      ndc: bibRecords.ndc,
      seriesTitle: bibRecords.seriesTitle,
      volume: bibRecords.volume,
      language: bibRecords.language,
      subjects: bibRecords.subjects,
      summary: bibRecords.summary,
    })
    .from(bibRecords)
    .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, bibId)));
  if (!bib) throw new AppError('notFound');
  const copies = await ctx.db
    .select({
      itemId: items.id,
      locationId: items.locationId,
      locationJa: locations.nameJa,
      locationEn: locations.nameEn,
      shelf: items.shelf,
      callNumber: items.callNumber,
      status: items.status,
    })
    .from(items)
    .innerJoin(locations, eq(locations.id, items.locationId))
    .where(and(eq(items.tenantId, ctx.tenantId), eq(items.bibId, bibId), sql`${items.status} <> 'withdrawn'`))
    .orderBy(asc(locations.code), asc(items.barcode));
  const [h] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(holds)
    .where(and(eq(holds.tenantId, ctx.tenantId), eq(holds.bibId, bibId), inArray(holds.status, ACTIVE_HOLD)));
  return {
    ...bib,
    authors: bib.authors.map((a) => ({ name: a.name, role: a.role ?? null })),
    subjects: bib.subjects.map((s) => s.term),
    holdCount: h?.n ?? 0,
    availableCount: copies.filter((c) => c.status === 'available').length,
    holdings: copies,
  };
}

const NDC_CLASS = /^[0-9]$/;

/** 新着資料: records whose first copy arrived in the last `days` days (acquisition date, else when catalogued). */
export async function opacNewArrivals(ctx: Ctx, input: { days: number; ndcClass?: string; limit: number }) {
  const today = todayInTokyo(ctx.now());
  const since = addDays(today, -input.days);
  const arrived = sql<string>`coalesce(min(${items.acquiredOn})::text, to_char(${bibRecords.createdAt} at time zone 'Asia/Tokyo', 'YYYY-MM-DD'))`;
  const conds = [eq(bibRecords.tenantId, ctx.tenantId), sql`${items.status} <> 'withdrawn'`];
  if (input.ndcClass && NDC_CLASS.test(input.ndcClass))
    conds.push(sql`left(${bibRecords.ndc}, 1) = ${input.ndcClass}`);
  const rows = await ctx.db
    .select({
      id: bibRecords.id,
      title: bibRecords.title,
      authors: bibRecords.authors,
      publisher: bibRecords.publisher,
      pubYear: bibRecords.pubYear,
      ndc: bibRecords.ndc,
      arrivedOn: arrived,
      availableCount: sql<number>`count(*) filter (where ${items.status} = 'available')::int`,
    })
    .from(bibRecords)
    .innerJoin(items, and(eq(items.tenantId, bibRecords.tenantId), eq(items.bibId, bibRecords.id)))
    .where(and(...conds))
    .groupBy(bibRecords.id)
    .having(sql`${arrived} >= ${since}`)
    .orderBy(sql`${arrived} desc`, asc(bibRecords.titleReading), asc(bibRecords.id))
    .limit(input.limit);
  return {
    since,
    items: rows.map((r) => ({ ...r, authors: r.authors.map((a) => a.name) })),
  };
}

/**
 * ベストリーダー / よく予約されている本: counts per record only. Loans are counted from the loan rows
 * (whose patron link is erased on return) over the last `days` days; holds are the active queue.
 */
export async function opacPopular(
  ctx: Ctx,
  input: { kind: 'loaned' | 'reserved'; days: number; limit: number },
) {
  const since = new Date(ctx.now().getTime() - input.days * 86_400_000).toISOString();
  // one grouped pass over the period's loans (or the live queue), then the top records joined
  const counted =
    input.kind === 'loaned'
      ? sql`select i.bib_id, count(*)::int as n from loans l join items i on i.id = l.item_id
          where l.tenant_id = ${ctx.tenantId} and l.loaned_at >= ${since} group by i.bib_id`
      : sql`select h.bib_id, count(*)::int as n from holds h
          where h.tenant_id = ${ctx.tenantId} and h.status in ('requested', 'preparing', 'inTransit', 'available')
          group by h.bib_id`;
  const top = ctx.db
    .$with('top')
    .as(
      ctx.db
        .select({ bibId: sql<string>`c.bib_id`.as('bib_id'), n: sql<number>`c.n`.as('n') })
        .from(sql`(${counted}) c`),
    );
  const rows = await ctx.db
    .with(top)
    .select({
      id: bibRecords.id,
      title: bibRecords.title,
      authors: bibRecords.authors,
      publisher: bibRecords.publisher,
      pubYear: bibRecords.pubYear,
      ndc: bibRecords.ndc,
      count: top.n,
    })
    .from(top)
    .innerJoin(bibRecords, and(eq(bibRecords.id, top.bibId), eq(bibRecords.tenantId, ctx.tenantId)))
    .orderBy(sql`${top.n} desc`, asc(bibRecords.titleReading), asc(bibRecords.id))
    .limit(input.limit);
  return { kind: input.kind, items: rows.map((r) => ({ ...r, authors: r.authors.map((a) => a.name) })) };
}

/** Service points a patron can pick a hold up at, and every location's name (for facets and holdings). */
export async function opacLocations(ctx: Ctx) {
  const rows = await ctx.db
    .select({
      id: locations.id,
      code: locations.code,
      nameJa: locations.nameJa,
      nameEn: locations.nameEn,
      kind: locations.kind,
      isPickupPoint: locations.isPickupPoint,
    })
    .from(locations)
    .where(eq(locations.tenantId, ctx.tenantId))
    .orderBy(asc(locations.code));
  return rows;
}

/** 開館カレンダー: each location with its own calendar, day by day, with hours or the reason it is closed. */
export async function opacCalendar(ctx: Ctx, input: { from?: Day; days: number }) {
  const from = input.from ?? todayInTokyo(ctx.now());
  const to = addDays(from, input.days - 1);
  const rows = await ctx.db
    .select({
      locationId: locations.id,
      code: locations.code,
      nameJa: locations.nameJa,
      nameEn: locations.nameEn,
      kind: locations.kind,
      calendarId: locations.calendarId,
      hours: calendars.hours,
    })
    .from(locations)
    .innerJoin(calendars, eq(calendars.id, locations.calendarId))
    .where(and(eq(locations.tenantId, ctx.tenantId), inArray(locations.kind, ['library', 'branch'])))
    .orderBy(asc(locations.code));
  const result = [];
  for (const r of rows) {
    const cal = await loadCalendar(ctx.db, ctx.tenantId, r.calendarId!, from, to);
    result.push({
      locationId: r.locationId,
      code: r.code,
      nameJa: r.nameJa,
      nameEn: r.nameEn,
      regularHours: Object.entries(r.hours).map(([key, [opens, closes]]) => ({ key, opens, closes })),
      days: eachDay(from, to).map((day) => {
        const s = cal.status(day);
        const hours = cal.hoursOn(day);
        return {
          day,
          dayEra: eraDate(day),
          dayWestern: westernDate(day),
          open: s.open,
          opens: hours?.[0] ?? null,
          closes: hours?.[1] ?? null,
          closedReasonJa: s.closedReasonJa,
        };
      }),
    });
  }
  return { from, to, locations: result };
}

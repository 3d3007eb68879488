import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { bibRecords, holds, items, locations, materialTypes } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { parseQuery, type QueryNode, type TextTerm } from './query-parser.ts';
import {
  FIELD_CODE,
  queryGrams,
  READING_BUCKETS,
  readingBucket,
  readingBucketToken,
  YEAR_BUCKET_MAX,
  YEAR_BUCKET_MIN,
  yearBucket,
} from './search-text.ts';

export type SearchSort = 'relevance' | 'newest' | 'reading';
export type Availability = 'available' | 'onLoan' | 'none';
export type SearchInput = {
  q: string;
  limit: number;
  offset: number;
  sort?: SearchSort;
  /** facet filters: material type code, location code, availability */
  materialType?: string;
  location?: string;
  availability?: Availability;
  /** NDC class or prefix ("9", "91", "913.6"), as the ndc facet's values */
  ndc?: string;
  /** publication year: a decade (2010 → 2010–2019, the decade facet's values) and/or a range, inclusive */
  decade?: number;
  yearFrom?: number;
  yearTo?: number;
  facets?: boolean;
};
/** A facet value, its count and its label (Japanese; `labelEn` where the name has an English form). */
export type Facet = { value: string; label: string; labelEn?: string; count: number };
export type Facets = Record<'materialType' | 'location' | 'availability' | 'decade' | 'ndc', Facet[]>;

const G = bibRecords.searchGrams;
const textArray = (values: readonly string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);
const ALL_FIELDS = Object.values(FIELD_CODE);

/**
 * A compiled conjunction: grams the record must all contain (one GIN probe for the whole AND) plus
 * conditions checked on the candidates.
 */
type Part = { grams: string[]; conds: SQL[] };

const partSql = (p: Part): SQL => {
  const all = [...(p.grams.length ? [sql`${G} @> ${textArray([...new Set(p.grams)])}`] : []), ...p.conds];
  if (all.length === 0) return sql`true`;
  return all.length === 1 ? all[0]! : and(...all)!;
};

function textPart(term: TextTerm): Part {
  const code = term.field === 'any' ? null : FIELD_CODE[term.field];
  if (term.match === 'exact') {
    if (code) return { grams: [`${code}=${term.text}`], conds: [] };
    return { grams: [], conds: [sql`${G} && ${textArray(ALL_FIELDS.map((c) => `${c}=${term.text}`))}`] };
  }
  const grams = queryGrams(term.text, code ? `${code}:` : '');
  // Uni- and bigrams are exact; longer terms are checked against the stored normalised values.
  if (term.match === 'contains' && [...term.text].length <= 2) return { grams, conds: [] };
  const pattern = `${code ?? '_'}=${term.match === 'prefix' ? '' : '%'}${escapeLike(term.text)}%`;
  return { grams, conds: [sql`exists (select 1 from unnest(${G}) as g(v) where g.v like ${pattern})`] };
}

function compile(node: QueryNode): Part {
  switch (node.kind) {
    case 'text':
      return textPart(node);
    case 'isbn':
      return { grams: [`i:${node.isbn13}`], conds: [] };
    case 'ndc':
      return { grams: [`n:${node.prefix}`], conds: [] };
    case 'year':
      return yearPart(node);
    case 'and': {
      const parts = node.children.map(compile);
      return { grams: parts.flatMap((p) => p.grams), conds: parts.flatMap((p) => p.conds) };
    }
    case 'or':
      return { grams: [], conds: [sql`(${sql.join(node.children.map(compile).map(partSql), sql` or `)})`] };
    case 'not':
      return { grams: [], conds: [sql`not (${partSql(compile(node.child))})`] };
  }
}

type YearSpan = { from: number | null; to: number | null };

/**
 * Published from … to (inclusive, either end open): the records whose year bucket is in the span
 * (one GIN probe over the "~y…" tokens, intersected with the query's grams in the same index scan),
 * checked against pub_year where the buckets are wider than the span (years clamped at 1800 / 2100).
 */
function yearPart({ from, to }: YearSpan): Part {
  if (from !== null && to !== null && from > to) return { grams: [], conds: [sql`false`] };
  const clamp = (y: number) => Math.min(Math.max(y, YEAR_BUCKET_MIN), YEAR_BUCKET_MAX);
  const lo = clamp(from ?? YEAR_BUCKET_MIN);
  const hi = clamp(to ?? YEAR_BUCKET_MAX);
  const tokens = Array.from({ length: hi - lo + 1 }, (_, i) => yearBucket(lo + i));
  const conds: SQL[] = [sql`${G} && ${textArray(tokens)}`];
  // only the end buckets hold more than their year: elsewhere the tokens alone are exact
  if (from !== null && (from <= YEAR_BUCKET_MIN || from > YEAR_BUCKET_MAX))
    conds.push(sql`${bibRecords.pubYear} >= ${from}`);
  if (to !== null && (to >= YEAR_BUCKET_MAX || to < YEAR_BUCKET_MIN))
    conds.push(sql`${bibRecords.pubYear} <= ${to}`);
  return { grams: [], conds };
}

/** The text terms that make a record relevant (not those under NOT). */
function positiveTerms(node: QueryNode | null): TextTerm[] {
  if (!node) return [];
  if (node.kind === 'text') return [node];
  if (node.kind === 'and' || node.kind === 'or') return node.children.flatMap(positiveTerms);
  return [];
}

/** Title hits weigh most, then authors, then anything else; a title equal to the term most of all. */
function relevance(terms: TextTerm[]): SQL {
  if (terms.length === 0) return sql`0`;
  return sql.join(
    terms.map((t) => {
      const has = (code: string) => sql`${G} @> ${textArray(queryGrams(t.text, `${code}:`))}`;
      return sql`(case when ${has('t')} then 4 when ${has('a')} then 2 else 1 end + case when ${G} @> ${textArray([`t=${t.text}`])} then 8 else 0 end)`;
    }),
    sql` + `,
  );
}

/** The WHERE clause a search runs with (for EXPLAIN in tests and benchmarks). */
export const searchWhere = (ctx: Ctx, input: SearchInput) => whereOf(ctx, parseQuery(input.q), input);

/**
 * The years the filters admit — the decade and the range intersected — or null when neither is set.
 * Callers other than the routes (which validate first) get the same validation errors.
 */
export function yearSpanOf(input: Pick<SearchInput, 'decade' | 'yearFrom' | 'yearTo'>): YearSpan | null {
  const { decade, yearFrom, yearTo } = input;
  if (decade === undefined && yearFrom === undefined && yearTo === undefined) return null;
  if (decade !== undefined && (!Number.isInteger(decade) || decade % 10 !== 0))
    throw new AppError('validation', 'decade: 10年単位の年(例 2010) / a decade such as 2010', [
      { path: 'decade', message: '10年単位の年(例 2010)で指定してください / a decade such as 2010' },
    ]);
  if (yearFrom !== undefined && yearTo !== undefined && yearFrom > yearTo)
    throw new AppError('validation', `yearTo: ${yearTo} < yearFrom ${yearFrom}`, [
      {
        path: 'yearTo',
        message: `出版年の範囲が逆です(${yearFrom}〜${yearTo}) / the year range runs backwards`,
      },
    ]);
  const from = Math.max(yearFrom ?? -Infinity, decade ?? -Infinity);
  const to = Math.min(yearTo ?? Infinity, decade === undefined ? Infinity : decade + 9);
  return { from: Number.isFinite(from) ? from : null, to: Number.isFinite(to) ? to : null };
}

/** The whole filter of a search: tenant, query, facet filters. */
function whereOf(ctx: Ctx, tree: QueryNode | null, input: SearchInput): SQL {
  const conds: SQL[] = [eq(bibRecords.tenantId, ctx.tenantId)];
  // the query, the NDC class and the years as one conjunction: one probe of the GIN index
  const parts = [
    ...(tree ? [compile(tree)] : []),
    ...(input.ndc ? [{ grams: [`n:${input.ndc}`], conds: [] }] : []),
  ];
  const years = yearSpanOf(input);
  if (years) parts.push(yearPart(years));
  if (parts.length)
    conds.push(partSql({ grams: parts.flatMap((p) => p.grams), conds: parts.flatMap((p) => p.conds) }));
  if (input.materialType)
    conds.push(
      sql`${bibRecords.materialTypeId} in (select m.id from material_types m where m.tenant_id = ${ctx.tenantId} and m.code = ${input.materialType})`,
    );
  if (input.location)
    conds.push(
      sql`exists (select 1 from items i join locations l on l.id = i.location_id where i.tenant_id = ${ctx.tenantId} and i.bib_id = ${bibRecords.id} and i.status <> 'withdrawn' and l.code = ${input.location})`,
    );
  if (input.availability)
    conds.push(sql`${availabilityOf(sql`${bibRecords.id}`, ctx.tenantId)} = ${input.availability}`);
  return and(...conds)!;
}

/** 貸出可 when a copy is on the shelf, 貸出中 when every usable copy is out (or held / in transit). */
const availabilityOf = (bibId: SQL, tenantId: string) => sql<Availability>`(case
  when exists (select 1 from items i where i.tenant_id = ${tenantId} and i.bib_id = ${bibId} and i.status = 'available') then 'available'
  when exists (select 1 from items i where i.tenant_id = ${tenantId} and i.bib_id = ${bibId} and i.status in ('onLoan', 'onHoldShelf', 'inTransit')) then 'onLoan'
  else 'none' end)`;

/**
 * The reading's prefix the sort indexes hold (bib_records_tenant_reading / _newest). Ordering by it
 * first and then by the whole reading is the same order as by the whole reading, and lets the
 * database walk the index.
 */
const READING_KEY_CHARS = 200;
const READING_KEY = sql`left(${bibRecords.titleReading}, ${sql.raw(String(READING_KEY_CHARS))}) collate "C"`;

const RELEVANCE_ORDER = (score: SQL) => [
  sql`${score} desc`,
  sql`char_length(${bibRecords.title})`,
  sql`${bibRecords.titleReading} collate "C"`,
  sql`${bibRecords.id}`,
];

/**
 * Newest and 五十音順 as the database sorts them. With `walk` the order leads with the sort indexes'
 * keys, so the database may walk bib_records_tenant_newest / _reading and stop at the page: right
 * when only the buckets filter (the empty query, no facet filter), never with a query — its hits
 * may all lie far along the index (八重 in ヤエヤマ…), and a planner that takes them for spread
 * evenly walks to them row by row (3 s measured). Without it the same order is spelled so that no
 * index yields it: the run's hits come through the GIN index and are sorted.
 */
const SORTED: Record<'newest' | 'reading', (walk: boolean) => SQL[]> = {
  newest: (walk) => [
    walk ? sql`${bibRecords.pubYear} desc nulls last` : sql`(${bibRecords.pubYear} + 0) desc nulls last`,
    ...(walk ? [READING_KEY] : []),
    sql`${bibRecords.titleReading} collate "C"`,
    sql`${bibRecords.id}`,
  ],
  reading: (walk) => [
    ...(walk ? [READING_KEY] : []),
    sql`${bibRecords.titleReading} collate "C"`,
    sql`${bibRecords.title} collate "C"`,
    sql`${bibRecords.id}`,
  ],
};

/**
 * Every sort bucket of an order (search-text.ts: each record is in exactly one of each kind), first
 * to last: years from the latest down and then "no year"; readings in code-point order.
 */
const BUCKETS: Record<'newest' | 'reading', string[]> = {
  newest: [
    ...Array.from({ length: YEAR_BUCKET_MAX - YEAR_BUCKET_MIN + 1 }, (_, i) =>
      yearBucket(YEAR_BUCKET_MAX - i),
    ),
    yearBucket(null),
  ],
  reading: Array.from({ length: READING_BUCKETS }, (_, i) => readingBucketToken(i)),
};

/** The first code point of a reading in this bucket (search-text.ts readingBucket; 0 is ""). */
export function readingBucketStart(bucket: number): number {
  if (bucket <= 8) return Math.max(1, (bucket - 1) << 4); // no text holds U+0000
  if (bucket === 9) return 0x80;
  if (bucket <= 201) return 0x3040 + bucket - 10;
  return bucket === 202 ? 0x3100 : 0x10000;
}

/**
 * What the buckets first … last (indexes into BUCKETS) hold, on the columns the sort indexes have.
 * The tokens alone choose the rows; this also confines a walk of bib_records_tenant_reading /
 * _newest, should the planner prefer one, to those buckets' stretch of the index.
 */
function bucketRange(sort: 'newest' | 'reading', first: number, last: number): SQL | undefined {
  if (sort === 'reading') {
    const from =
      first > 0 ? sql`${READING_KEY} >= ${String.fromCodePoint(readingBucketStart(first))}` : undefined;
    const to =
      last + 1 < READING_BUCKETS
        ? sql`${READING_KEY} < ${String.fromCodePoint(readingBucketStart(last + 1))}`
        : undefined;
    return and(from, to);
  }
  const year = (i: number) => YEAR_BUCKET_MAX - i;
  const none = BUCKETS.newest.length - 1; // "no year", the last
  if (first === none) return sql`${bibRecords.pubYear} is null`;
  const upTo = first > 0 ? sql`${bibRecords.pubYear} <= ${year(first)}` : undefined;
  if (last === none) return upTo ? sql`(${upTo} or ${bibRecords.pubYear} is null)` : undefined;
  const from = year(last) > YEAR_BUCKET_MIN ? sql`${bibRecords.pubYear} >= ${year(last)}` : undefined;
  return and(upTo, from ?? sql`${bibRecords.pubYear} is not null`);
}

/**
 * The first `need` hits of a large hit set in newest or reading order, found bucket by bucket: the
 * index gives the hits in a run of buckets (the query's grams and the buckets' tokens together), the
 * database orders just those, and the runs go on, each twice as long as the last, until the page
 * is full. Every hit of an earlier bucket comes before every hit of a later one, so the ids are
 * exactly the first of the whole order; only the hits in the buckets read are fetched.
 *
 * The probe's hits bound the search: when it holds `need` of them, the first `need` of the whole
 * order come no later than its need-th (in that one's bucket or before, and for readings at or
 * before its reading key). Readings then take one run up to there: the probe is a fair sample of
 * readings, so the run holds about need × hits / probe hits. Years are not (the index yields old
 * records first), so they go by runs, which end at that bucket at the latest.
 */
async function firstInOrder(
  ctx: Ctx,
  where: SQL,
  sort: 'newest' | 'reading',
  need: number,
  probe: readonly Candidate[],
  walk: boolean,
  years: YearSpan | null,
) {
  const buckets = BUCKETS[sort];
  // a year filter confines newest to its years' buckets (no "no year"): the runs start at its latest
  const [start, stop] =
    sort === 'newest' && years
      ? [
          buckets.indexOf(yearBucket(years.to ?? YEAR_BUCKET_MAX)),
          buckets.indexOf(yearBucket(years.from ?? YEAR_BUCKET_MIN)) + 1,
        ]
      : [0, buckets.length];
  const bound = probe.length >= need ? [...probe].sort(JS_ORDER[sort])[need - 1]! : null;
  const end = bound
    ? buckets.indexOf(
        sort === 'newest' ? yearBucket(bound.year) : readingBucketToken(readingBucket(bound.reading)),
      ) + 1
    : stop;
  const cap =
    bound && sort === 'reading'
      ? sql`${READING_KEY} <= ${[...bound.reading].slice(0, READING_KEY_CHARS).join('')}`
      : undefined;
  // the years after next year hold nothing but misprints: the first run takes them all at once
  let run =
    sort === 'newest'
      ? Math.max(1, YEAR_BUCKET_MAX - (ctx.now().getUTCFullYear() + 1) - start)
      : bound
        ? end
        : 1;
  let next = 1;
  const ids: string[] = [];
  for (let at = start; ids.length < need && at < end; at += run, run = next, next *= 2) {
    const last = Math.min(at + run, end) - 1;
    const rows = await ctx.db
      .select({ id: bibRecords.id })
      .from(bibRecords)
      .where(
        and(
          where,
          sql`${G} && ${textArray(buckets.slice(at, last + 1))}`,
          bucketRange(sort, at, last),
          last === end - 1 ? cap : undefined,
        ),
      )
      .orderBy(...SORTED[sort](walk))
      .limit(need - ids.length);
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/**
 * How many hits a search counts and facets exactly. Up to this many, total and facets are exact;
 * beyond it the total is reported as "at least SEARCH_EXACT_LIMIT" (1,000件以上) and the facets are
 * counted over the hits found first, so a two-character query over half a million records costs a
 * bounded amount of work however common the word is.
 */
export const SEARCH_EXACT_LIMIT = 1000;

/** how many hits with every word in the title a large hit set's relevance ranking considers */
const TITLE_POOL = 300;

const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/** What ranking and facets need of a hit: small columns only (search_grams stays unread). */
const CANDIDATE = {
  id: bibRecords.id,
  title: bibRecords.title,
  reading: bibRecords.titleReading,
  year: bibRecords.pubYear,
  ndc: bibRecords.ndc,
  type: materialTypes.code,
  typeName: materialTypes.nameJa,
  typeNameEn: materialTypes.nameEn,
};
type Candidate = {
  id: string;
  title: string;
  reading: string;
  year: number | null;
  ndc: string | null;
  type: string | null;
  typeName: string | null;
  typeNameEn: string | null;
};

/** Up to `limit` records matching `where`, in whatever order the index yields them. */
const candidates = (db: DbOrTx, where: SQL, limit: number): Promise<Candidate[]> =>
  db
    .select(CANDIDATE)
    .from(bibRecords)
    .leftJoin(materialTypes, eq(materialTypes.id, bibRecords.materialTypeId))
    .where(where)
    .limit(limit);

/** The database's collate "C" order (code points) for JS strings: surrogates sort above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

const byReading = (a: Candidate, b: Candidate) =>
  compareCodePoints(a.reading, b.reading) ||
  compareCodePoints(a.title, b.title) ||
  compareCodePoints(a.id, b.id);
/** SORTED.newest and SORTED.reading, in JS, for hit sets already in hand */
const JS_ORDER: Record<'newest' | 'reading', (a: Candidate, b: Candidate) => number> = {
  newest: (a, b) =>
    (a.year === null ? 1 : 0) - (b.year === null ? 1 : 0) ||
    (b.year ?? 0) - (a.year ?? 0) ||
    compareCodePoints(a.reading, b.reading) ||
    compareCodePoints(a.id, b.id),
  reading: byReading,
};

/**
 * The relevance order of a large hit set, from a bounded pool: records whose title is exactly a
 * search word first, then those with every word in their title, then the rest of the probe's sample;
 * within each, shorter titles first, then reading order (as RELEVANCE_ORDER breaks ties).
 */
async function rankLargeHitSet(ctx: Ctx, where: SQL, terms: TextTerm[], sample: Candidate[]) {
  const titleTerms = terms.filter((t) => t.field === 'any' || t.field === 'title');
  const [exact, inTitle] = titleTerms.length
    ? await Promise.all([
        candidates(
          ctx.db,
          and(where, sql`${G} && ${textArray(titleTerms.map((t) => `t=${t.text}`))}`)!,
          SEARCH_EXACT_LIMIT,
        ),
        candidates(
          ctx.db,
          and(
            where,
            sql`${G} @> ${textArray([...new Set(titleTerms.flatMap((t) => queryGrams(t.text, 't:')))])}`,
          )!,
          TITLE_POOL,
        ),
      ])
    : [[], []];
  const tier = new Map<string, { c: Candidate; tier: number; length: number }>();
  for (const [list, rank] of [
    [exact, 2],
    [inTitle, 1],
    [sample, 0],
  ] as const)
    for (const c of list) if (!tier.has(c.id)) tier.set(c.id, { c, tier: rank, length: [...c.title].length });
  return [...tier.values()]
    .sort((a, b) => b.tier - a.tier || a.length - b.length || byReading(a.c, b.c))
    .map((x) => x.c.id);
}

/**
 * 資料検索: the query language of query-parser.ts over the n-gram index.
 *
 * The work is bounded whatever the hit count: one probe reads up to SEARCH_EXACT_LIMIT + 1 hits.
 * - Up to the limit: the page, the total and the facets are exact, computed over those hits.
 * - Beyond it: the total is the limit with totalExact false (「1,000件以上」); "newest" and
 *   "reading" pages are read bucket by bucket in that order (firstInOrder; exact order); "relevance"
 *   ranks a bounded pool (exact title matches, hits with every word in the title, the probe's
 *   sample) and pages within it; facets are counted over the probe's hits (facetsExact false).
 * Availability (貸出可 / 貸出中 / 予約n件) is read live from items and holds for the page's records
 * only, so staff and OPAC always see the current state.
 */
export async function searchBibs(ctx: Ctx, input: SearchInput) {
  requirePermission(ctx, 'catalog.read');
  const tree = parseQuery(input.q);
  const where = whereOf(ctx, tree, input);
  const terms = positiveTerms(tree);
  const sort: SearchSort =
    input.sort === 'relevance' && terms.length === 0 ? 'reading' : (input.sort ?? 'relevance');

  const probe = await candidates(ctx.db, where, SEARCH_EXACT_LIMIT + 1);
  const exact = probe.length <= SEARCH_EXACT_LIMIT;
  const hits = exact ? probe : probe.slice(0, SEARCH_EXACT_LIMIT);
  const window = (ids: string[]) => ({ ids: ids.slice(input.offset, input.offset + input.limit) });
  const inProbe = () =>
    and(
      eq(bibRecords.tenantId, ctx.tenantId),
      sql`${bibRecords.id} = any(${uuidArray(probe.map((c) => c.id))})`,
    )!;
  // nothing but the tenant (and the sort buckets) filters: walking a sort index meets a hit every row
  const years = yearSpanOf(input);
  const onlyBuckets =
    tree === null &&
    !input.materialType &&
    !input.location &&
    !input.availability &&
    !input.ndc &&
    years === null;
  const pageSpec = async (): Promise<PageSpec> => {
    if (probe.length === 0) return { ids: [] };
    if (sort !== 'relevance' && exact) return window([...probe].sort(JS_ORDER[sort]).map((c) => c.id));
    if (sort !== 'relevance')
      return window(
        await firstInOrder(ctx, where, sort, input.offset + input.limit, probe, onlyBuckets, years),
      );
    if (exact) return { where: inProbe(), order: RELEVANCE_ORDER(relevance(terms)), ...input };
    return window(await rankLargeHitSet(ctx, where, terms, hits));
  };
  // the facets need only the probe's hits: counted while the page is found (another connection on
  // PostgreSQL)
  const [page, facets] = await Promise.all([
    pageSpec().then((spec) => pageRows(ctx, spec)),
    (input.facets ?? true) ? facetsOver(ctx, hits) : null,
  ]);
  return {
    /** exact when totalExact, else a lower bound (SEARCH_EXACT_LIMIT: 「1,000件以上」) */
    total: exact ? probe.length : SEARCH_EXACT_LIMIT,
    totalExact: exact,
    items: page,
    facets,
    /** whether the facet counts cover every hit (else the first SEARCH_EXACT_LIMIT found) */
    facetsExact: exact,
  };
}

/** A page: these ids in this order, or the database's order of a filter. */
type PageSpec = { ids: string[] } | { where: SQL; order: SQL[]; limit: number; offset: number };

/** The page's records with their copies and holds as they are now, in the page's order. */
async function pageRows(ctx: Ctx, spec: PageSpec) {
  if ('ids' in spec && spec.ids.length === 0) return [];
  const copies = (cond: SQL) =>
    sql<number>`(select count(*)::int from ${items} i where i.tenant_id = ${ctx.tenantId} and i.bib_id = ${bibRecords.id} and ${cond})`;
  const query = ctx.db
    .select({
      id: bibRecords.id,
      title: bibRecords.title,
      titleReading: bibRecords.titleReading,
      authors: bibRecords.authors,
      publisher: bibRecords.publisher,
      pubYear: bibRecords.pubYear,
      isbn: bibRecords.isbn,
      ndc: bibRecords.ndc,
      seriesTitle: bibRecords.seriesTitle,
      volume: bibRecords.volume,
      materialType: materialTypes.code,
      itemCount: copies(sql`i.status <> 'withdrawn'`),
      availableCount: copies(sql`i.status = 'available'`),
      onLoanCount: copies(sql`i.status = 'onLoan'`),
      availability: availabilityOf(sql`${bibRecords.id}`, ctx.tenantId),
      holdCount: sql<number>`(select count(*)::int from ${holds} h where h.tenant_id = ${ctx.tenantId} and h.bib_id = ${bibRecords.id} and h.status in ('requested', 'preparing', 'inTransit', 'available'))`,
    })
    .from(bibRecords)
    .leftJoin(materialTypes, eq(materialTypes.id, bibRecords.materialTypeId))
    .$dynamic();
  if (!('ids' in spec))
    return query
      .where(spec.where)
      .orderBy(...spec.order)
      .limit(spec.limit)
      .offset(spec.offset);
  const rows = await query.where(
    and(eq(bibRecords.tenantId, ctx.tenantId), sql`${bibRecords.id} = any(${uuidArray(spec.ids)})`),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return spec.ids.flatMap((id) => byId.get(id) ?? []);
}

const NDC_CLASSES = ['総記', '哲学', '歴史', '社会科学', '自然科学', '技術', '産業', '芸術', '言語', '文学'];
const NDC_CLASSES_EN = [
  'General works',
  'Philosophy',
  'History',
  'Social sciences',
  'Natural sciences',
  'Technology',
  'Industry',
  'Arts',
  'Language',
  'Literature',
];
export const AVAILABILITY_LABEL: Record<Availability, string> = {
  available: '貸出可',
  onLoan: '貸出中',
  none: '利用不可',
};

/** One line for outside readers (OpenSearch, the OPAC's HTML pages): 貸出中 (0/1) 予約2件. */
export const availabilityLine = (b: {
  availability: Availability;
  availableCount: number;
  itemCount: number;
  holdCount: number;
}) =>
  `${AVAILABILITY_LABEL[b.availability]} (${b.availableCount}/${b.itemCount})${b.holdCount ? ` 予約${b.holdCount}件` : ''}`;
const AVAILABILITY_ORDER: Availability[] = ['available', 'onLoan', 'none'];

/** Count values into facets (value → count), labelled. */
function tally(
  values: Iterable<string>,
  label: (value: string) => string,
  labelEn?: (value: string) => string | undefined,
): Facet[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, count]) => {
    const en = labelEn?.(value);
    return en ? { value, label: label(value), labelEn: en, count } : { value, label: label(value), count };
  });
}

/**
 * The facet counts over these hits (the whole hit set, or the bounded sample of a large one): the
 * record's own fields from the hits in hand, locations and availability from one read of their copies.
 */
async function facetsOver(ctx: Ctx, hits: Candidate[]): Promise<Facets> {
  const copyRows = hits.length
    ? await ctx.db
        .select({
          bibId: items.bibId,
          status: items.status,
          place: locations.code,
          placeName: locations.nameJa,
          placeNameEn: locations.nameEn,
        })
        .from(items)
        .innerJoin(locations, eq(locations.id, items.locationId))
        .where(
          and(
            eq(items.tenantId, ctx.tenantId),
            sql`${items.bibId} = any(${uuidArray(hits.map((h) => h.id))})`,
            sql`${items.status} <> 'withdrawn'`,
          ),
        )
    : [];
  const state = new Map<string, Availability>();
  const atPlace = new Map<string, { name: string; nameEn: string | null; bibs: Set<string> }>();
  for (const c of copyRows) {
    const now = state.get(c.bibId);
    if (c.status === 'available') state.set(c.bibId, 'available');
    else if (now !== 'available' && ['onLoan', 'onHoldShelf', 'inTransit'].includes(c.status))
      state.set(c.bibId, 'onLoan');
    else if (!now) state.set(c.bibId, 'none');
    const place = atPlace.get(c.place) ?? {
      name: c.placeName,
      nameEn: c.placeNameEn,
      bibs: new Set<string>(),
    };
    place.bibs.add(c.bibId);
    atPlace.set(c.place, place);
  }
  const typeNames = new Map(hits.map((h) => [h.type ?? '', h.typeName ?? '']));
  const typeNamesEn = new Map(hits.map((h) => [h.type ?? '', h.typeNameEn ?? '']));
  const byCount = (a: Facet, b: Facet) => b.count - a.count || a.value.localeCompare(b.value);
  return {
    materialType: tally(
      hits.map((h) => h.type ?? ''),
      (v) => typeNames.get(v) || '未設定',
      (v) => typeNamesEn.get(v) || undefined,
    ).sort(byCount),
    location: [...atPlace]
      .map(([value, p]) =>
        p.name && p.nameEn
          ? { value, label: p.name, labelEn: p.nameEn, count: p.bibs.size }
          : { value, label: p.name || '未設定', count: p.bibs.size },
      )
      .sort(byCount),
    availability: tally(
      hits.map((h) => state.get(h.id) ?? 'none'),
      (v) => AVAILABILITY_LABEL[v as Availability] ?? v,
    ).sort(
      (a, b) =>
        AVAILABILITY_ORDER.indexOf(a.value as Availability) -
        AVAILABILITY_ORDER.indexOf(b.value as Availability),
    ),
    decade: tally(
      hits.map((h) => (h.year === null ? '' : String(Math.floor(h.year / 10) * 10))),
      (v) => (v ? `${v}年代` : '出版年不明'),
      (v) => (v ? `${v}s` : 'Year unknown'),
    ).sort((a, b) => b.value.localeCompare(a.value)),
    ndc: tally(
      hits.map((h) => h.ndc?.slice(0, 1) ?? ''),
      (v) => (v ? `${v} ${NDC_CLASSES[Number(v)] ?? ''}`.trim() : '分類なし'),
      (v) => (v ? `${v} ${NDC_CLASSES_EN[Number(v)] ?? ''}`.trim() : undefined),
    ).sort((a, b) => (a.value || '~').localeCompare(b.value || '~')),
  };
}

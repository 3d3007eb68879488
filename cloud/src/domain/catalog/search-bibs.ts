import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { bibRecords, holds, items, materialTypes } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { parseQuery, type QueryNode, type TextTerm } from './query-parser.ts';
import { FIELD_CODE, queryGrams } from './search-text.ts';

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
  facets?: boolean;
};
export type Facet = { value: string; label: string; count: number };
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
    case 'year': {
      const conds: SQL[] = [];
      if (node.from !== null) conds.push(sql`${bibRecords.pubYear} >= ${node.from}`);
      if (node.to !== null) conds.push(sql`${bibRecords.pubYear} <= ${node.to}`);
      return { grams: [], conds };
    }
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

const itemStat = (cond: SQL) =>
  sql<number>`(select count(*)::int from ${items} i where i.tenant_id = ${bibRecords.tenantId} and i.bib_id = ${bibRecords.id} and ${cond})`;

/** The WHERE clause a search runs with (for EXPLAIN in tests and benchmarks). */
export const searchWhere = (ctx: Ctx, input: SearchInput) => whereOf(ctx, parseQuery(input.q), input);

/** The whole filter of a search: tenant, query, facet filters. */
function whereOf(ctx: Ctx, tree: QueryNode | null, input: SearchInput): SQL {
  const conds: SQL[] = [eq(bibRecords.tenantId, ctx.tenantId)];
  if (tree) conds.push(partSql(compile(tree)));
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

const ORDER: Record<SearchSort, (score: SQL) => SQL[]> = {
  relevance: (score) => [
    sql`${score} desc`,
    sql`char_length(${bibRecords.title})`,
    sql`${bibRecords.titleReading} collate "C"`,
    sql`${bibRecords.id}`,
  ],
  newest: () => [
    sql`${bibRecords.pubYear} desc nulls last`,
    sql`${bibRecords.titleReading} collate "C"`,
    sql`${bibRecords.id}`,
  ],
  reading: () => [
    sql`${bibRecords.titleReading} collate "C"`,
    sql`${bibRecords.title} collate "C"`,
    sql`${bibRecords.id}`,
  ],
};

/**
 * 資料検索: the query language of query-parser.ts over the n-gram index, with facets over the whole
 * hit set and availability counted live from items and holds (staff and OPAC see the same state).
 */
export async function searchBibs(ctx: Ctx, input: SearchInput) {
  requirePermission(ctx, 'catalog.read');
  const tree = parseQuery(input.q);
  const where = whereOf(ctx, tree, input);
  const terms = positiveTerms(tree);
  const sort: SearchSort =
    input.sort === 'relevance' && terms.length === 0 ? 'reading' : (input.sort ?? 'relevance');
  const score = relevance(terms);
  const page = ctx.db
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
      itemCount: itemStat(sql`i.status <> 'withdrawn'`),
      availableCount: itemStat(sql`i.status = 'available'`),
      onLoanCount: itemStat(sql`i.status = 'onLoan'`),
      availability: availabilityOf(sql`${bibRecords.id}`, ctx.tenantId),
      holdCount: sql<number>`(select count(*)::int from ${holds} h where h.tenant_id = ${bibRecords.tenantId} and h.bib_id = ${bibRecords.id} and h.status in ('requested', 'preparing', 'inTransit', 'available'))`,
    })
    .from(bibRecords)
    .leftJoin(materialTypes, eq(materialTypes.id, bibRecords.materialTypeId))
    .where(where)
    .orderBy(...ORDER[sort](score))
    .limit(input.limit)
    .offset(input.offset);
  const [rows, summary] = await Promise.all([
    page,
    summarize(ctx.db, ctx.tenantId, where, input.facets ?? true),
  ]);
  return {
    total: summary.total,
    items: rows,
    facets: summary.facets,
  };
}

const NDC_CLASSES = ['総記', '哲学', '歴史', '社会科学', '自然科学', '技術', '産業', '芸術', '言語', '文学'];
const AVAILABILITY_LABEL: Record<string, string> = {
  available: '貸出可',
  onLoan: '貸出中',
  none: '利用不可',
};

type FacetRow = { facet: string; value: string; label: string; n: number };

/** The total and the facet counts, all from one pass over the hit set. */
async function summarize(db: DbOrTx, tenantId: string, where: SQL, withFacets: boolean) {
  if (!withFacets) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(bibRecords).where(where);
    return { total: row?.n ?? 0, facets: null };
  }
  const result = (await db.execute(sql`
    with hits as (
      select ${bibRecords.id} as id, ${bibRecords.materialTypeId} as mt, ${bibRecords.pubYear} as y, ${bibRecords.ndc} as ndc
      from ${bibRecords} where ${where}
    ),
    copies as (
      select i.bib_id, i.location_id, i.status from items i join hits h on h.id = i.bib_id
      where i.tenant_id = ${tenantId} and i.status <> 'withdrawn'
    ),
    state as (
      select h.id, case when bool_or(c.status = 'available') then 'available'
        when bool_or(c.status in ('onLoan', 'onHoldShelf', 'inTransit')) then 'onLoan' else 'none' end as a
      from hits h left join copies c on c.bib_id = h.id group by h.id
    )
    select 'total' as facet, '' as value, '' as label, count(*)::int as n from hits
    union all
    select 'materialType', coalesce(m.code, ''), coalesce(m.name_ja, ''), count(*)::int
      from hits h left join material_types m on m.id = h.mt group by m.code, m.name_ja
    union all
    select 'decade', coalesce((h.y / 10 * 10)::text, ''), '', count(*)::int from hits h group by h.y / 10
    union all
    select 'ndc', coalesce(left(h.ndc, 1), ''), '', count(*)::int from hits h group by left(h.ndc, 1)
    union all
    select 'location', l.code, l.name_ja, count(distinct c.bib_id)::int
      from copies c join locations l on l.id = c.location_id group by l.code, l.name_ja
    union all
    select 'availability', s.a, '', count(*)::int from state s group by s.a
  `)) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: FacetRow[] }).rows) as FacetRow[];
  const facets: Facets = { materialType: [], location: [], availability: [], decade: [], ndc: [] };
  let total = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (r.facet === 'total') total = n;
    else {
      const label =
        r.facet === 'decade'
          ? r.value
            ? `${r.value}年代`
            : '出版年不明'
          : r.facet === 'ndc'
            ? r.value
              ? `${r.value} ${NDC_CLASSES[Number(r.value)] ?? ''}`.trim()
              : '分類なし'
            : r.facet === 'availability'
              ? (AVAILABILITY_LABEL[r.value] ?? r.value)
              : r.label || '未設定';
      facets[r.facet as keyof Facets].push({ value: r.value, label, count: n });
    }
  }
  const byCount = (a: Facet, b: Facet) => b.count - a.count || a.value.localeCompare(b.value);
  facets.materialType.sort(byCount);
  facets.location.sort(byCount);
  facets.decade.sort((a, b) => b.value.localeCompare(a.value));
  facets.ndc.sort((a, b) => (a.value || '~').localeCompare(b.value || '~'));
  const order = ['available', 'onLoan', 'none'];
  facets.availability.sort((a, b) => order.indexOf(a.value) - order.indexOf(b.value));
  return { total, facets };
}

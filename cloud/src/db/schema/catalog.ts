import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn, updatedAt } from './common.ts';
import { locations } from './tenancy.ts';

export const materialTypes = pgTable(
  'material_types',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    code: text('code').notNull(),
    nameJa: text('name_ja').notNull(),
    nameEn: text('name_en').notNull(),
    isAv: boolean('is_av').notNull().default(false),
    loanable: boolean('loanable').notNull().default(true),
  },
  (t) => [uniqueIndex('material_types_tenant_code').on(t.tenantId, t.code)],
);

export type Author = { name: string; reading?: string; role?: string };
/** A title other than the main one: parallel (並列タイトル), alternative/variant, or a contents title. */
export type OtherTitle = { kind: 'parallel' | 'alternative' | 'contents'; title: string; reading?: string };
/** A subject heading; scheme as MARC $2 names it (ndlsh, lcsh, bsh, …). */
export type Subject = { term: string; reading?: string; scheme?: string };

/** A bibliographic record (書誌). */
export const bibRecords = pgTable(
  'bib_records',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    title: text('title').notNull(),
    titleReading: text('title_reading').notNull().default(''),
    authors: jsonb('authors').$type<Author[]>().notNull().default([]),
    /** 245 $c as printed: 萩野正昭 著 */
    responsibility: text('responsibility').notNull().default(''),
    otherTitles: jsonb('other_titles').$type<OtherTitle[]>().notNull().default([]),
    edition: text('edition').notNull().default(''),
    publisher: text('publisher').notNull().default(''),
    pubPlace: text('pub_place').notNull().default(''),
    /** the publication date as printed (2019.2, [2018], 昭和45) */
    pubDate: text('pub_date').notNull().default(''),
    pubYear: integer('pub_year'),
    /** physical description as printed: 301p ; 19cm */
    extent: text('extent').notNull().default(''),
    /** ISBN-13 without hyphens (the form every ISBN is matched in) */
    isbn: text('isbn'),
    /** ISBN-10 when the record's ISBN has one (978 range) */
    isbn10: text('isbn10'),
    ndc: text('ndc'),
    materialTypeId: uuid('material_type_id').references(() => materialTypes.id),
    seriesTitle: text('series_title'),
    volume: text('volume'),
    language: text('language').notNull().default('jpn'),
    subjects: jsonb('subjects').$type<Subject[]>().notNull().default([]),
    notes: jsonb('notes').$type<string[]>().notNull().default([]),
    /** content summary (内容紹介) */
    summary: text('summary').notNull().default(''),
    /** TRC MARC record number (TRC番号); also sourceIds.TRC */
    trcNumber: text('trc_number'),
    /** JP number (全国書誌番号, 015 $2 jnb) */
    jpNumber: text('jp_number'),
    /** control numbers by issuing agency: { JTNDL: '029455884', 'JP-ToTOH': '33876043' } */
    sourceIds: jsonb('source_ids').$type<Record<string, string>>().notNull().default({}),
    /** normalised uni/bigrams for Japanese search (filled by the catalogue domain) */
    searchGrams: text('search_grams').array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('bib_records_tenant_isbn').on(t.tenantId, t.isbn),
    // A MARC import matches on these; unique, so two imports at once cannot make two records of one.
    uniqueIndex('bib_records_tenant_trc').on(t.tenantId, t.trcNumber).where(sql`trc_number is not null`),
    uniqueIndex('bib_records_tenant_jp').on(t.tenantId, t.jpNumber).where(sql`jp_number is not null`),
    // With a pending list (fastupdate): a bulk write (MARC import, demo, reindex) lets its ~100
    // entries a record pile up there and merges them sorted at the end of its transaction, several
    // times cheaper than one index insertion each. Our connections keep it at 64 kB otherwise
    // (openDatabase), so a search never scans a long one — PGlite has no autovacuum to clean it.
    // The library comes first (btree_gin): with several libraries in one database, GIN intersects
    // the library's entry with the query's grams inside one index scan, where a grams-only index
    // handed every library's hits to a filter or a BitmapAnd with a B-tree over the whole library
    // (two characters: p95 24 → 50 ms). The grams' posting lists are still shared by the libraries.
    index('bib_records_tenant_grams').using('gin', t.tenantId, t.searchGrams).with({ fastupdate: true }),
    // MARC import matches records by any source's id: source_ids @> {"org": "id"}
    // …led by the library like the grams: TRC numbers are the same in every library that buys TRC
    // MARC, so a probe by source id alone would meet each of them in every library of the database
    index('bib_records_tenant_source_ids').using('gin', t.tenantId, sql`${t.sourceIds} jsonb_path_ops`),
    // Newest and 五十音順 (search-bibs.ts): the whole catalogue is walked in order and the walk stops
    // at the page; with a query they bound each run of sort buckets to its stretch. The reading key
    // is a prefix (an index entry must stay under 2.7 kB); ties on it are ordered by the full
    // reading after the walk (incremental sort).
    index('bib_records_tenant_reading').on(t.tenantId, sql`left(${t.titleReading}, 200) collate "C"`),
    index('bib_records_tenant_newest').on(
      t.tenantId,
      sql`${t.pubYear} desc nulls last`,
      sql`left(${t.titleReading}, 200) collate "C"`,
    ),
  ],
);

/** A copy on the shelf (所蔵). */
export const items = pgTable(
  'items',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    bibId: uuid('bib_id')
      .notNull()
      .references(() => bibRecords.id),
    barcode: text('barcode').notNull(),
    locationId: uuid('location_id')
      .notNull()
      .references(() => locations.id),
    shelf: text('shelf').notNull().default(''),
    callNumber: text('call_number').notNull().default(''),
    materialTypeId: uuid('material_type_id').references(() => materialTypes.id),
    status: text('status', {
      enum: ['available', 'onLoan', 'onHoldShelf', 'inTransit', 'missing', 'repair', 'withdrawn'],
    })
      .notNull()
      .default('available'),
    /** where an item in transit (回送中) is headed: its home, or a hold's pickup location */
    inTransitTo: uuid('in_transit_to'),
    acquiredOn: date('acquired_on'),
    price: integer('price'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('items_tenant_barcode').on(t.tenantId, t.barcode),
    index('items_tenant_bib').on(t.tenantId, t.bibId),
  ],
);

/**
 * The MARC pool (MARCプール) for copy cataloguing: records delivered by TRC (or another source),
 * held apart from the catalogue until a librarian adopts one on receiving the book.
 */
export const marcPoolRecords = pgTable(
  'marc_pool_records',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    /** the source's id of the record: "TRC:12345678", "JTNDL:029455884" … */
    sourceKey: text('source_key').notNull(),
    /** ISBN-13 */
    isbn: text('isbn'),
    /** the barcodes the supplier put on the copies it delivered (装備済みバーコード) */
    barcodes: text('barcodes').array().notNull().default(sql`'{}'::text[]`),
    /** the mapped bibliographic fields (BibFields) */
    bib: jsonb('bib').$type<Record<string, unknown>>().notNull(),
    loadedAt: createdAt(),
    /** the catalogue record it became */
    adoptedBibId: uuid('adopted_bib_id'),
  },
  (t) => [
    uniqueIndex('marc_pool_tenant_source').on(t.tenantId, t.sourceKey),
    index('marc_pool_tenant_isbn').on(t.tenantId, t.isbn),
    index('marc_pool_barcodes').using('gin', t.barcodes),
  ],
);

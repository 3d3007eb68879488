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

/** A bibliographic record (書誌). */
export const bibRecords = pgTable(
  'bib_records',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    title: text('title').notNull(),
    titleReading: text('title_reading').notNull().default(''),
    authors: jsonb('authors').$type<Author[]>().notNull().default([]),
    publisher: text('publisher').notNull().default(''),
    pubYear: integer('pub_year'),
    isbn: text('isbn'),
    ndc: text('ndc'),
    materialTypeId: uuid('material_type_id').references(() => materialTypes.id),
    seriesTitle: text('series_title'),
    volume: text('volume'),
    language: text('language').notNull().default('jpn'),
    sourceIds: jsonb('source_ids').$type<Record<string, string>>().notNull().default({}),
    /** normalised uni/bigrams for Japanese search (filled by the catalogue domain) */
    searchGrams: text('search_grams').array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('bib_records_tenant_isbn').on(t.tenantId, t.isbn),
    index('bib_records_grams').using('gin', t.searchGrams),
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

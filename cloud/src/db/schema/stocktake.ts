import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';

/**
 * A stock-take (蔵書点検) session: the scope checked (locations, and optionally shelves within
 * them), open while handhelds deliver batches, closed when its results are applied to the items.
 * One session is open per library at a time: every batch that arrives belongs to it.
 */
export const stocktakeSessions = pgTable(
  'stocktake_sessions',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    nameJa: text('name_ja').notNull(),
    /** the locations checked (items.location_id) */
    locationIds: uuid('location_ids').array().notNull(),
    /** the shelves checked within them (items.shelf); empty = every shelf */
    shelves: text('shelves').array().notNull().default(sql`'{}'::text[]`),
    status: text('status', { enum: ['open', 'closed'] })
      .notNull()
      .default('open'),
    openedBy: uuid('opened_by'),
    openedAt: createdAt(),
    closedBy: uuid('closed_by'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** counts of each result list when closed */
    summary: jsonb('summary').$type<Record<string, number>>(),
  },
  (t) => [
    uniqueIndex('stocktake_sessions_one_open').on(t.tenantId).where(sql`status = 'open'`),
    index('stocktake_sessions_tenant').on(t.tenantId, t.openedAt),
  ],
);

/**
 * What one docking of a handheld delivered (a drop-folder file, a cradle transfer, or a CSV
 * uploaded from the staff page). The id is the SHA-256 of the normalised content: the same data
 * delivered again is the same batch and is counted once.
 */
export const stocktakeBatches = pgTable(
  'stocktake_batches',
  {
    tenantId: tenantColumn(),
    id: text('id').notNull(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => stocktakeSessions.id),
    source: text('source', { enum: ['agent', 'upload'] }).notNull(),
    agentId: uuid('agent_id'),
    deviceKey: text('device_key'),
    terminalId: text('terminal_id').notNull(),
    /** file name, or 'serial' */
    origin: text('origin').notNull(),
    scanCount: integer('scan_count').notNull(),
    rejectedCount: integer('rejected_count').notNull().default(0),
    /** lines the reader could not take: [{ line, reason }] (never their content) */
    rejectedLines: jsonb('rejected_lines').$type<{ line: number; reason: string }[]>().notNull().default([]),
    collectedAt: timestamp('collected_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('stocktake_batches_session').on(t.tenantId, t.sessionId),
  ],
);

/**
 * The tenant key of the two bulk tables below, without a foreign key: their rows (hundreds of
 * thousands per stock-take) are written only from a batch or a session that itself references
 * the tenant, and a per-row foreign-key trigger would cost more than the insert.
 */
const bulkTenantColumn = () => uuid('tenant_id').notNull();

/**
 * One scan of a session. `barcode` is the label read through the library's barcode settings
 * (null when the settings refuse it; `invalid_reason` says why), `raw` as the terminal sent it.
 */
export const stocktakeScans = pgTable(
  'stocktake_scans',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    tenantId: bulkTenantColumn(),
    sessionId: uuid('session_id').notNull(),
    batchId: text('batch_id').notNull(),
    raw: text('raw').notNull(),
    barcode: text('barcode'),
    invalidReason: text('invalid_reason'),
    shelfTag: text('shelf_tag').notNull().default(''),
    scannedAt: timestamp('scanned_at', { withTimezone: true }),
  },
  (t) => [index('stocktake_scans_session_barcode').on(t.tenantId, t.sessionId, t.barcode)],
);

/** The lists a reconciliation produces, replaced by each reconciliation of the session. */
export const STOCKTAKE_LISTS = [
  'missing',
  'found',
  'misshelved',
  'onLoanOrHold',
  'duplicate',
  'unknown',
] as const;
export type StocktakeList = (typeof STOCKTAKE_LISTS)[number];

export const stocktakeResults = pgTable(
  'stocktake_results',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    tenantId: bulkTenantColumn(),
    sessionId: uuid('session_id').notNull(),
    list: text('list', { enum: STOCKTAKE_LISTS }).notNull(),
    itemId: uuid('item_id'),
    barcode: text('barcode').notNull(),
    /** list-specific: the item's status, where it was scanned, the shelf tags, why unknown */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('stocktake_results_list').on(t.tenantId, t.sessionId, t.list, t.barcode)],
);

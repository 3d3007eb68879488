import { sql } from 'drizzle-orm';
import { date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bibRecords, items } from './catalog.ts';
import { createdAt, idColumn, tenantColumn } from './common.ts';
import { patrons } from './patrons.ts';
import { locations } from './tenancy.ts';

/**
 * A loan. patron_id is erased (set null) on return unless the patron opted in to reading history,
 * so the patron–item link does not outlive the loan.
 */
export const loans = pgTable(
  'loans',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    patronId: uuid('patron_id').references(() => patrons.id),
    locationId: uuid('location_id')
      .notNull()
      .references(() => locations.id),
    loanedAt: timestamp('loaned_at', { withTimezone: true }).notNull().defaultNow(),
    dueOn: date('due_on').notNull(),
    returnedAt: timestamp('returned_at', { withTimezone: true }),
    returnLocationId: uuid('return_location_id'),
    renewals: integer('renewals').notNull().default(0),
    /** a retried checkout with the same key never makes a second loan */
    idempotencyKey: text('idempotency_key'),
  },
  (t) => [
    uniqueIndex('loans_one_active_per_item').on(t.tenantId, t.itemId).where(sql`${t.returnedAt} is null`),
    uniqueIndex('loans_idempotency').on(t.tenantId, t.idempotencyKey),
    index('loans_patron_active').on(t.tenantId, t.patronId).where(sql`${t.returnedAt} is null`),
    index('loans_due').on(t.tenantId, t.dueOn),
  ],
);

/** A hold (予約): title-level (bib), item-level, or volume-level. */
export const holds = pgTable(
  'holds',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    bibId: uuid('bib_id')
      .notNull()
      .references(() => bibRecords.id),
    itemId: uuid('item_id').references(() => items.id),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    pickupLocationId: uuid('pickup_location_id')
      .notNull()
      .references(() => locations.id),
    level: text('level', { enum: ['title', 'item', 'volume'] })
      .notNull()
      .default('title'),
    status: text('status', {
      enum: ['requested', 'preparing', 'inTransit', 'available', 'fulfilled', 'cancelled', 'expired'],
    })
      .notNull()
      .default('requested'),
    contactMethod: text('contact_method', { enum: ['email', 'phone', 'none'] })
      .notNull()
      .default('none'),
    /** volume-level holds: which volume of the series/set */
    volume: text('volume'),
    placedAt: createdAt(),
    trappedAt: timestamp('trapped_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    notNeededAfter: date('not_needed_after'),
    pickupBy: date('pickup_by'),
    suspendedUntil: date('suspended_until'),
    /**
     * 取置連絡: when the patron was told the copy is ready (the mail queued, or staff marked 連絡済み
     * after phoning), and how; cleared when the hold goes back to the queue. Set once per trap, so a
     * retried return never mails twice.
     */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    notifiedVia: text('notified_via', { enum: ['email', 'staff'] }),
  },
  (t) => [
    index('holds_queue').on(t.tenantId, t.bibId, t.status, t.placedAt),
    index('holds_patron').on(t.tenantId, t.patronId, t.status),
    // an item is trapped for at most one hold at a time
    uniqueIndex('holds_one_trap_per_item')
      .on(t.tenantId, t.itemId)
      .where(sql`${t.status} in ('inTransit', 'available')`),
  ],
);

/** Anonymised circulation events for statistics: no patron id, ever. */
export const circulationEvents = pgTable(
  'circulation_events',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    kind: text('kind', { enum: ['checkout', 'return', 'renew'] }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    locationId: uuid('location_id'),
    materialTypeCode: text('material_type_code'),
    patronCategoryCode: text('patron_category_code'),
    ageBand: text('age_band'),
    ndcClass: text('ndc_class'),
  },
  (t) => [index('circulation_events_at').on(t.tenantId, t.at)],
);

export { bibRecords, items, locations, patrons };

/**
 * リクエスト: a patron asks for a title the library does not own. When the library buys it (or
 * borrows it from another library), the request becomes a hold on the new record.
 */
export const purchaseRequests = pgTable(
  'purchase_requests',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    title: text('title').notNull(),
    author: text('author').notNull().default(''),
    publisher: text('publisher').notNull().default(''),
    isbn: text('isbn'),
    noteJa: text('note_ja').notNull().default(''),
    pickupLocationId: uuid('pickup_location_id')
      .notNull()
      .references(() => locations.id),
    contactMethod: text('contact_method', { enum: ['email', 'phone', 'none'] })
      .notNull()
      .default('none'),
    status: text('status', {
      enum: ['requested', 'ordered', 'interLibrary', 'fulfilled', 'declined', 'withdrawn'],
    })
      .notNull()
      .default('requested'),
    /** the record bought for it; its hold is then `holdId` */
    bibId: uuid('bib_id').references(() => bibRecords.id),
    holdId: uuid('hold_id'),
    decisionNoteJa: text('decision_note_ja'),
    createdAt: createdAt(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [index('purchase_requests_status').on(t.tenantId, t.status, t.createdAt)],
);

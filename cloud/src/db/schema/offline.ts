import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn } from './common.ts';
import { agents } from './devices.ts';

/**
 * Offline bookmobile sessions: the operations one agent recorded between two replays. The id is
 * made by the agent, so a session re-sent after a lost acknowledgement lands on the same row.
 */
export const offlineSessions = pgTable(
  'offline_sessions',
  {
    tenantId: tenantColumn(),
    id: uuid('id').notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    firstOpAt: timestamp('first_op_at', { withTimezone: true }).notNull(),
    lastOpAt: timestamp('last_op_at', { withTimezone: true }).notNull(),
    /** the laptop's clock minus the core's when the last batch came in (Evergreen keeps the same delta) */
    clockSkewSeconds: integer('clock_skew_seconds').notNull().default(0),
    receivedAt: createdAt(),
    lastReplayAt: timestamp('last_replay_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('offline_sessions_recent').on(t.tenantId, t.lastOpAt),
  ],
);

/**
 * One replayed operation and how it was settled, written in the same transaction as its effect:
 * a second replay of the id finds this row and changes nothing. The patron's card and id are kept
 * only while a conflict is open (staff need them to sort it out) and erased when it is resolved;
 * an operation settled without conflict never stores them.
 */
export const offlineOperations = pgTable(
  'offline_operations',
  {
    tenantId: tenantColumn(),
    id: uuid('id').notNull(),
    sessionId: uuid('session_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: ['checkout', 'return'] }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    locationId: uuid('location_id').notNull(),
    itemBarcode: text('item_barcode').notNull(),
    itemId: uuid('item_id'),
    patronBarcode: text('patron_barcode'),
    patronId: uuid('patron_id'),
    dueOn: date('due_on'),
    outcome: text('outcome', { enum: ['applied', 'noop', 'notApplied'] }).notNull(),
    loanId: uuid('loan_id'),
    /** codes staff must look at; empty = nothing to resolve */
    conflicts: text('conflicts').array().notNull().default(sql`'{}'::text[]`),
    /** codes for information only (a return of an item not on loan, a limit passed) */
    notes: text('notes').array().notNull().default(sql`'{}'::text[]`),
    /** the laptop's own flags (item not in the package, overdue warning passed) */
    flags: jsonb('flags').$type<string[]>().notNull().default([]),
    appliedAt: createdAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by'),
    resolutionNote: text('resolution_note'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('offline_operations_session').on(t.tenantId, t.sessionId, t.seq),
    index('offline_operations_open')
      .on(t.tenantId, t.at)
      .where(sql`${t.resolvedAt} is null and cardinality(${t.conflicts}) > 0`),
  ],
);

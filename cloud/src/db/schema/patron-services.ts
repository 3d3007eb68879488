import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bibRecords } from './catalog.ts';
import { createdAt, idColumn, tenantColumn } from './common.ts';
import { patrons } from './patrons.ts';

/**
 * Staff notes on a patron (メモ); an `alert` is shown at the counter whenever the patron's card is
 * scanned (e.g. 「保護者の同伴が必要」). Personal data by nature: never copied to logs.
 */
export const patronNotes = pgTable(
  'patron_notes',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    kind: text('kind', { enum: ['note', 'alert'] })
      .notNull()
      .default('note'),
    text: text('text').notNull(),
    createdByStaffId: uuid('created_by_staff_id'),
    createdAt: createdAt(),
    /** an alert no longer shown (notes are never deleted, only closed) */
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [index('patron_notes_patron').on(t.tenantId, t.patronId)],
);

/** A password-reset token sent by e-mail: only its SHA-256 is kept; single use; expires. */
export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('password_reset_tokens_patron').on(t.tenantId, t.patronId, t.createdAt)],
);

/**
 * メールアドレス変更の確認: a new address waits here until the patron opens the link mailed to it.
 * Only the token's SHA-256 is kept; it works once, before it expires; a newer request or a cancel
 * ends the older one (`endedAs`). Notices keep going to the current address meanwhile.
 */
export const emailChangeRequests = pgTable(
  'email_change_requests',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    newEmail: text('new_email').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** when it stopped being pending, and how */
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endedAs: text('ended_as', { enum: ['confirmed', 'replaced', 'cancelled'] }),
  },
  (t) => [index('email_change_requests_patron').on(t.tenantId, t.patronId, t.createdAt)],
);

/**
 * Outgoing mail (送信待ち): written in the same transaction as the action that causes it, then sent
 * by the mail worker with retries, so a mail is never lost to a crash or an SMTP outage.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id').references(() => patrons.id),
    /** what the mail is for: passwordReset, newArrivals, … */
    kind: text('kind').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** the SMTP reply code or error code of the last failure, never the message text */
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('mail_outbox_pending').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`)],
);

/** My bookshelf (お気に入り): a patron's named lists of titles. */
export const bookshelfLists = pgTable(
  'bookshelf_lists',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('bookshelf_lists_name').on(t.tenantId, t.patronId, t.name)],
);

export const bookshelfEntries = pgTable(
  'bookshelf_entries',
  {
    tenantId: tenantColumn(),
    listId: uuid('list_id')
      .notNull()
      .references(() => bookshelfLists.id, { onDelete: 'cascade' }),
    bibId: uuid('bib_id')
      .notNull()
      .references(() => bibRecords.id),
    addedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.bibId] })],
);

/**
 * 新着資料お知らせ: a saved search by keyword or NDC class. The daily job mails the patron the new
 * titles registered since the alert last ran.
 */
export const newArrivalAlerts = pgTable(
  'new_arrival_alerts',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    kind: text('kind', { enum: ['keyword', 'ndc'] }).notNull(),
    /** the search words, or an NDC class prefix such as 913 or 4 */
    query: text('query').notNull(),
    createdAt: createdAt(),
    /** new titles registered after this moment are the next mail's */
    checkedUntil: timestamp('checked_until', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('new_arrival_alerts_patron').on(t.tenantId, t.patronId)],
);

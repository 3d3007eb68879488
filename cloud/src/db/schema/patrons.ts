import {
  type AnyPgColumn,
  boolean,
  date,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn, updatedAt } from './common.ts';

export const patronCategories = pgTable(
  'patron_categories',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    code: text('code').notNull(),
    nameJa: text('name_ja').notNull(),
    nameEn: text('name_en').notNull(),
  },
  (t) => [uniqueIndex('patron_categories_tenant_code').on(t.tenantId, t.code)],
);

/** A registered patron (利用者). Personal fields never go to logs. */
export const patrons = pgTable(
  'patrons',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => patronCategories.id),
    name: text('name').notNull(),
    nameReading: text('name_reading').notNull(),
    birthDate: date('birth_date'),
    postalCode: text('postal_code'),
    address: text('address'),
    phone: text('phone'),
    email: text('email'),
    /** 石垣市 resident, or 竹富町 / 与那国町 (広域利用), worker, student … */
    residency: text('residency').notNull().default('resident'),
    status: text('status', { enum: ['active', 'suspended', 'expired', 'deleted'] })
      .notNull()
      .default('active'),
    expiresOn: date('expires_on').notNull(),
    readingHistoryOptIn: boolean('reading_history_opt_in').notNull().default(false),
    /**
     * My Library password: `$argon2id$…`, or a hash carried over from a migrated system
     * (`sha256$<salt>$<hex>`, see domain/patron-auth/passwords.ts), re-hashed on first login.
     */
    passwordHash: text('password_hash'),
    /** wrong passwords in a row; reset by a successful login */
    passwordFailures: integer('password_failures').notNull().default(0),
    /** after too many wrong passwords: no login (even with the right one) before this time */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    /** a staff-issued temporary password: only a password change is allowed until it is replaced */
    passwordMustChange: boolean('password_must_change').notNull().default(false),
    homeLocationId: uuid('home_location_id'),
    /** a child's guardian (保護者), itself a registered patron */
    guardianId: uuid('guardian_id').references((): AnyPgColumn => patrons.id),
    /** 利用停止: why and until when (inclusive; null = until lifted by staff) */
    suspensionReason: text('suspension_reason'),
    suspendedUntil: date('suspended_until'),
    /** e-mail notices (hold ready, overdue, new-arrival alerts) when an address is registered */
    emailNotices: boolean('email_notices').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('patrons_tenant_reading').on(t.tenantId, t.nameReading),
    index('patrons_tenant_birth').on(t.tenantId, t.birthDate),
    index('patrons_guardian').on(t.tenantId, t.guardianId),
  ],
);

/** Library cards; a reissued card blocks the old barcode but keeps it so a stray scan says why. */
export const patronCards = pgTable(
  'patron_cards',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    barcode: text('barcode').notNull(),
    status: text('status', { enum: ['active', 'lost', 'replaced'] })
      .notNull()
      .default('active'),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    /** when the card stopped being valid (reissue or loss report) */
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('patron_cards_tenant_barcode').on(t.tenantId, t.barcode),
    index('patron_cards_patron').on(t.tenantId, t.patronId),
  ],
);

/** My Library sessions: the cookie holds a random token, the table only its SHA-256. */
export const patronSessions = pgTable(
  'patron_sessions',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    tokenHash: text('token_hash').notNull().unique(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    /** the card the patron logged in with: blocking it ends the session */
    cardId: uuid('card_id')
      .notNull()
      .references(() => patronCards.id),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** absolute end; the idle limit is counted from last_seen_at */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('patron_sessions_patron').on(t.tenantId, t.patronId)],
);

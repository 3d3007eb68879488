import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';

export const roles = pgTable(
  'roles',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    code: text('code').notNull(),
    nameJa: text('name_ja').notNull(),
    nameEn: text('name_en').notNull(),
    permissions: text('permissions').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [uniqueIndex('roles_tenant_code').on(t.tenantId, t.code)],
);

export const staffUsers = pgTable(
  'staff_users',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    loginId: text('login_id').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('staff_users_tenant_login').on(t.tenantId, t.loginId)],
);

export const staffUserRoles = pgTable(
  'staff_user_roles',
  {
    tenantId: tenantColumn(),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staffUsers.id),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.staffId, t.roleId] })],
);

/** Server-side sessions: the cookie holds a random token, the table only its SHA-256. */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    tokenHash: text('token_hash').notNull().unique(),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staffUsers.id),
    workstation: text('workstation'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('staff_sessions_staff').on(t.tenantId, t.staffId)],
);

/**
 * The append-only operation log (操作ログ): who, what, which record, when, from which workstation.
 * A trigger (see migrations) refuses UPDATE and DELETE. Details never carry personal data.
 */
export const operationLog = pgTable(
  'operation_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    tenantId: tenantColumn(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    staffId: uuid('staff_id'),
    staffLoginId: text('staff_login_id'),
    /** who acted: 'staff', 'patron' (My Library), 'system' (scheduled jobs) or 'anonymous' (a failed login) */
    actorKind: text('actor_kind', { enum: ['staff', 'patron', 'system', 'anonymous'] }),
    /** the acting patron, for actor_kind 'patron' (an id only, never personal data) */
    actorPatronId: uuid('actor_patron_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    workstation: text('workstation'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('operation_log_tenant_at').on(t.tenantId, t.at)],
);

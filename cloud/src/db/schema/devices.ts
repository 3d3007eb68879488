import { bigint, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';
import { staffSessions } from './staff.ts';

/** An edge agent on a staff PC, the NAS or the bookmobile laptop. It logs in to MQTT with its own secret. */
export const agents = pgTable(
  'agents',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    code: text('code').notNull(),
    nameJa: text('name_ja').notNull(),
    locationId: uuid('location_id'),
    /** argon2id hash of the agent's MQTT password */
    secretHash: text('secret_hash').notNull(),
    status: text('status', { enum: ['online', 'offline', 'unknown'] })
      .notNull()
      .default('unknown'),
    info: jsonb('info').$type<Record<string, unknown>>(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('agents_tenant_code').on(t.tenantId, t.code)],
);

/** A device an agent fronts, as last reported by the agent. */
export const devices = pgTable(
  'devices',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    deviceKey: text('device_key').notNull(),
    kind: text('kind').notNull(),
    profile: text('profile').notNull(),
    transport: text('transport').notNull(),
    status: text('status').notNull(),
    detail: text('detail'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('devices_agent_key').on(t.tenantId, t.agentId, t.deviceKey),
    index('devices_agent').on(t.tenantId, t.agentId),
  ],
);

/**
 * A staff browser session fed by a desk's barcode reader (スキャナー接続). Kept in the database so a
 * core restart keeps the desk paired; it goes with the session (logout, expiry) and with unpairing.
 * One reader feeds one session and a session has one reader. `from_seq` is the seq of the pairing
 * code's own scan: the reader's scans up to it never reach the session.
 */
export const scanPairings = pgTable(
  'scan_pairings',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => staffSessions.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    deviceKey: text('device_key').notNull(),
    fromSeq: bigint('from_seq', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
    /** the session's own expiry: the pairing is gone with it */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('scan_pairings_session').on(t.tenantId, t.sessionId),
    uniqueIndex('scan_pairings_reader').on(t.tenantId, t.agentId, t.deviceKey),
  ],
);

import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';

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

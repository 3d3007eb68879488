import { sql } from 'drizzle-orm';
import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';

/** Every tenant-owned table starts with these: an id and the tenant key (the future shard key). */
export const idColumn = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
export const tenantColumn = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id);
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

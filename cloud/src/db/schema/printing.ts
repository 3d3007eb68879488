import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './common.ts';
import { agents } from './devices.ts';

/**
 * A print job the core sent to an agent. Its id is the agent's jobId (the agent prints an id at
 * most once). The state follows the agent's answer and job events; an end state (done, failed,
 * expired) is never left. No document content is kept — it may name a patron.
 */
export const printJobs = pgTable(
  'print_jobs',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    deviceKey: text('device_key').notNull(),
    /** the document's title (checkout-receipt, overdue-letter …), never its content */
    document: text('document').notNull(),
    state: text('state', { enum: ['queued', 'printing', 'done', 'failed', 'expired'] })
      .notNull()
      .default('queued'),
    /** why it waits or failed: an agent error code and message, or a page printer's state reasons */
    reason: text('reason'),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    /** after this the agent refuses to print it (expired) */
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('print_jobs_tenant_created').on(t.tenantId, t.createdAt),
    index('print_jobs_agent').on(t.tenantId, t.agentId, t.createdAt),
  ],
);

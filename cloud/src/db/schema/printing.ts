import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './common.ts';
import { agents } from './devices.ts';

/**
 * A print job the core sent to an agent. Its id is the agent's jobId (the agent prints an id at
 * most once). The state follows the agent's answer and job events; an end state (done, failed,
 * expired) is never left. The document's content may name a patron: it is kept only while the job
 * waits to be sent (`queued`, at most until notAfter) and erased when the job leaves `queued`.
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
    /**
     * the document as sent to the agent, kept while the job is `queued` so that it can be sent again
     * when its agent comes back online; null once the job has left `queued`
     */
    payload: jsonb('payload'),
    /** a core process is sending the job until then (the claim that makes one sender send it) */
    sendingUntil: timestamp('sending_until', { withTimezone: true }),
  },
  (t) => [
    index('print_jobs_tenant_created').on(t.tenantId, t.createdAt),
    index('print_jobs_agent').on(t.tenantId, t.agentId, t.createdAt),
  ],
);

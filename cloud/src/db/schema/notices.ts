import { date, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';
import { patrons } from './patrons.ts';

/**
 * An overdue notice (督促) produced by the daily job: data that the mail and print paths consume.
 * One row per patron, stage and overdue spell (the spell is named by its oldest overdue loan), so
 * running the job twice on a day, or on two servers at once, never makes a second notice.
 */
export const overdueNotices = pgTable(
  'overdue_notices',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronId: uuid('patron_id')
      .notNull()
      .references(() => patrons.id),
    stage: integer('stage').notNull(),
    channel: text('channel', { enum: ['email', 'postcard', 'letter'] }).notNull(),
    noticeDay: date('notice_day').notNull(),
    /** the oldest overdue loan when the notice was made: names the overdue spell */
    spellLoanId: uuid('spell_loan_id').notNull(),
    loanIds: uuid('loan_ids').array().notNull(),
    itemCount: integer('item_count').notNull(),
    oldestDueOn: date('oldest_due_on').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'printed', 'cancelled'] })
      .notNull()
      .default('pending'),
    createdAt: createdAt(),
  },
  (t) => [unique('overdue_notices_once').on(t.tenantId, t.patronId, t.stage, t.spellLoanId)],
);

/** A scheduled job's run for one tenant and day: the unique key makes each daily job run once. */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    job: text('job').notNull(),
    day: date('day').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
  },
  (t) => [unique('job_runs_once').on(t.tenantId, t.job, t.day)],
);

import { sql } from 'drizzle-orm';
import {
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';

export type MarcImportCounts = {
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
};

/**
 * A MARC import running in the background (取込): queued when the file is uploaded, run by whichever
 * core process claims it (one at a time per library), its progress committed with each batch of
 * records so that a job whose process died resumes after its last committed batch.
 */
export const marcImportJobs = pgTable(
  'marc_import_jobs',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    status: text('status', { enum: ['queued', 'running', 'done', 'failed'] })
      .notNull()
      .default('queued'),
    fileName: text('file_name').notNull(),
    fileSize: integer('file_size').notNull(),
    /** records the file seems to hold (record terminators or <record> elements): the progress bar's end */
    expected: integer('expected'),
    format: text('format', { enum: ['iso2709', 'marcxml'] }).notNull(),
    mapping: text('mapping').notNull(),
    /** the file's character set as the operator named it (ISO 2709 only); null: the records tell it */
    encoding: text('encoding'),
    /** who started it: the import acts (and is logged) as this staff member */
    startedBy: uuid('started_by').notNull(),
    startedByLogin: text('started_by_login').notNull(),
    workstation: text('workstation'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** progress as shown: ahead of `committed` while a batch is being written */
    processed: integer('processed').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    /** the records rejected so far, committed with their batch: [{ position, offset, reason }] */
    rejections: jsonb('rejections')
      .$type<{ position: number; offset: number; reason: string }[]>()
      .notNull()
      .default([]),
    /** the file's records up to this position are in the catalogue, counted in `committed` */
    resumeAfter: integer('resume_after').notNull().default(0),
    committed: jsonb('committed')
      .$type<MarcImportCounts>()
      .notNull()
      .default({ processed: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 }),
    /** why a failed job stopped */
    error: text('error'),
    /** how many times a process took the job up (a resume after a crash is one more) */
    attempts: integer('attempts').notNull().default(0),
    /** the process running it, and until when its claim holds unless renewed */
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('marc_import_jobs_one_running').on(t.tenantId).where(sql`status = 'running'`),
    index('marc_import_jobs_tenant').on(t.tenantId, t.createdAt),
    index('marc_import_jobs_waiting').on(t.status).where(sql`status in ('queued', 'running')`),
  ],
);

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/** The uploaded file of a job, kept until the job ends (in the database: every core process reads it). */
export const marcImportFiles = pgTable('marc_import_files', {
  jobId: uuid('job_id')
    .primaryKey()
    .references(() => marcImportJobs.id, { onDelete: 'cascade' }),
  tenantId: tenantColumn(),
  bytes: bytea('bytes').notNull(),
});

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { resultRows } from '../../db/result-rows.ts';
import {
  bibRecords,
  type MarcImportCounts,
  marcImportFiles,
  marcImportJobs,
  operationLog,
  staffUsers,
} from '../../db/schema/index.ts';
import { tenantSettings } from '../admin/tenant-settings.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { loggableError } from '../loggable-error.ts';
import { recordOperation } from '../oplog/record.ts';
import { isKnownEncoding } from './charset.ts';
import { type ImportCounts, type ImportThrough, importMarc, type MarcFormat } from './import-marc.ts';
import { mappingForImport } from './mapping.ts';

type JobRow = typeof marcImportJobs.$inferSelect;

/** A job as staff see it (no lease bookkeeping, no file). */
function jobView(row: JobRow, startedByName: string | null) {
  return {
    id: row.id,
    status: row.status,
    fileName: row.fileName,
    fileSize: row.fileSize,
    expected: row.expected,
    format: row.format,
    mapping: row.mapping,
    encoding: row.encoding,
    startedBy: { id: row.startedBy, loginId: row.startedByLogin, displayName: startedByName },
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    processed: row.processed,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    rejected: row.rejected,
    error: row.error,
  };
}
export type MarcImportJob = ReturnType<typeof jobView>;

/** A job whose file names no mapping: the first record decides, as `importMarc` does. */
export const AUTO_MAPPING = 'auto';

/** Whether the mapping exists for this library, before a file is queued under it. */
async function checkMapping(ctx: Ctx, name: string) {
  if (name !== AUTO_MAPPING) mappingForImport(name, await tenantSettings(ctx.db, ctx.tenantId));
}

/**
 * The character set a job reads its file in, checked before the file is queued: a name iconv-lite
 * knows, or 'leader' / 'unimarc' (see charset.ts); null when none is given. MARCXML declares its own.
 */
function checkEncoding(encoding: string | undefined, format: MarcFormat): string | null {
  const name = encoding?.trim();
  if (!name) return null;
  if (format === 'marcxml')
    throw new AppError(
      'validation',
      'an encoding is given for ISO 2709 files only: a MARCXML file declares its own in its XML declaration',
    );
  if (!isKnownEncoding(name))
    throw new AppError(
      'validation',
      `unknown encoding "${name}" (e.g. utf-8, cp866, windows-1251, shift_jis, euc-jp; or leader for Ldr/09)`,
    );
  return name;
}

/**
 * 取込: queue a MARC file for import in the background and return the job at once. The file is kept
 * in the database until the job ends, so whichever core process runs it can read it. `encoding`
 * names the file's character set when its records cannot tell it (as `bunko marc import --encoding`).
 */
export async function startMarcImport(
  ctx: Ctx,
  input: {
    bytes: Uint8Array;
    fileName: string;
    format: MarcFormat;
    mapping?: string | undefined;
    encoding?: string | undefined;
  },
): Promise<MarcImportJob> {
  const staff = requirePermission(ctx, 'catalog.write');
  if (!staff) throw new AppError('forbidden', 'an import job is started by a member of staff');
  if (input.bytes.byteLength === 0) throw new AppError('validation', 'the file is empty');
  const encoding = checkEncoding(input.encoding, input.format);
  const mapping = input.mapping ?? AUTO_MAPPING;
  await checkMapping(ctx, mapping);
  return inTx(ctx, async (tx) => {
    const [job] = await tx
      .insert(marcImportJobs)
      .values({
        tenantId: ctx.tenantId,
        fileName: input.fileName,
        fileSize: input.bytes.byteLength,
        expected: recordsIn(input.bytes, input.format),
        format: input.format,
        mapping,
        encoding,
        startedBy: staff.id,
        startedByLogin: staff.loginId,
        workstation: ctx.workstation,
      })
      .returning();
    await tx.insert(marcImportFiles).values({ jobId: job!.id, tenantId: ctx.tenantId, bytes: input.bytes });
    await recordOperation(tx, ctx, {
      action: 'marc.importJob.start',
      targetType: 'marcImport',
      targetId: job!.id,
      details: { format: input.format, mapping, encoding, fileSize: input.bytes.byteLength },
    });
    return jobView(job!, staff.displayName);
  });
}

/**
 * How many records a file seems to hold, for the progress bar: ISO 2709 record terminators (and a
 * last record without one), or MARCXML <record> elements. The import's own count is the real one.
 * Counting bytes holds whatever the file's character set: no ASCII-compatible encoding (single-byte
 * Cyrillic, Shift_JIS, EUC-JP, UTF-8) has 0x1D inside a character.
 */
export function recordsIn(bytes: Uint8Array, format: MarcFormat): number {
  if (format === 'marcxml')
    return (
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        .toString('latin1')
        .match(/<(?:[\w.-]+:)?record[\s>]/g)?.length ?? 0
    );
  let n = 0;
  let last = -1;
  for (let i = 0; i < bytes.byteLength; i++)
    if (bytes[i] === 0x1d) {
      n++;
      last = i;
    }
  const tail = bytes.subarray(last + 1);
  return tail.some((b) => b > 0x20) ? n + 1 : n;
}

const jobsWithStarter = (ctx: Ctx) =>
  ctx.db
    .select({ job: marcImportJobs, name: staffUsers.displayName })
    .from(marcImportJobs)
    .leftJoin(staffUsers, eq(staffUsers.id, marcImportJobs.startedBy));

/** The library's recent import jobs, newest first. */
export async function listMarcImports(ctx: Ctx, limit = 20): Promise<MarcImportJob[]> {
  requirePermission(ctx, 'catalog.write');
  const rows = await jobsWithStarter(ctx)
    .where(eq(marcImportJobs.tenantId, ctx.tenantId))
    .orderBy(desc(marcImportJobs.createdAt), desc(marcImportJobs.id))
    .limit(limit);
  return rows.map((r) => jobView(r.job, r.name));
}

/** How many of the records a job wrote getMarcImport names (the first ones, in file order). */
const RECORDS_SHOWN = 20;

/** One job: its progress, the records rejected (position, byte offset, reason) and the first records it wrote. */
export async function getMarcImport(ctx: Ctx, id: string) {
  requirePermission(ctx, 'catalog.write');
  const [row] = await jobsWithStarter(ctx).where(
    and(eq(marcImportJobs.tenantId, ctx.tenantId), eq(marcImportJobs.id, id)),
  );
  if (!row) throw new AppError('notFound', 'no such import job');
  const { job } = row;
  // the job's writes are logged under its request id, within the time it ran
  const written = job.startedAt
    ? await ctx.db
        .select({ id: operationLog.targetId, action: operationLog.action })
        .from(operationLog)
        .where(
          and(
            eq(operationLog.tenantId, ctx.tenantId),
            gte(operationLog.at, job.startedAt),
            eq(operationLog.requestId, jobRequestId(job.id)),
            inArray(operationLog.action, ['bib.create', 'bib.update']),
          ),
        )
        .orderBy(asc(operationLog.seq))
        .limit(RECORDS_SHOWN)
    : [];
  const ids = written.map((w) => w.id!);
  const titles = new Map(
    ids.length === 0
      ? []
      : (
          await ctx.db
            .select({ id: bibRecords.id, title: bibRecords.title })
            .from(bibRecords)
            .where(and(eq(bibRecords.tenantId, ctx.tenantId), inArray(bibRecords.id, ids)))
        ).map((b) => [b.id, b.title]),
  );
  return {
    ...jobView(job, row.name),
    rejections: job.rejections,
    // a record deleted since is left out
    records: written.flatMap((w) =>
      titles.has(w.id!)
        ? [
            {
              id: w.id!,
              title: titles.get(w.id!)!,
              outcome: w.action === 'bib.create' ? ('created' as const) : ('updated' as const),
            },
          ]
        : [],
    ),
  };
}

const jobRequestId = (id: string) => `marc-import:${id}`;

/** The context a job runs in: the staff member who started it, allowed to import only. */
function jobCtx(db: Db, job: JobRow): Ctx {
  return {
    db,
    tenantId: job.tenantId,
    staff: {
      id: job.startedBy,
      loginId: job.startedByLogin,
      displayName: job.startedByLogin,
      permissions: new Set(['catalog.write']),
      sessionId: jobRequestId(job.id),
    },
    workstation: job.workstation,
    requestId: jobRequestId(job.id),
    now: () => new Date(),
  };
}

const addCounts = (a: MarcImportCounts, b: ImportCounts): MarcImportCounts => ({
  processed: a.processed + b.processed,
  created: a.created + b.created,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged,
  rejected: a.rejected + b.rejected,
});

/** The shown counts never go back: a late progress write must not undo a batch's commit. */
const showCounts = (c: MarcImportCounts) => ({
  processed: sql`greatest(${marcImportJobs.processed}, ${c.processed})`,
  created: sql`greatest(${marcImportJobs.created}, ${c.created})`,
  updated: sql`greatest(${marcImportJobs.updated}, ${c.updated})`,
  unchanged: sql`greatest(${marcImportJobs.unchanged}, ${c.unchanged})`,
  rejected: sql`greatest(${marcImportJobs.rejected}, ${c.rejected})`,
});

/** The job stopped without an outcome: its process is stopping, or another one took it over. */
class Interrupted extends Error {}

export type MarcImportRunnerOptions = {
  /** a claim not renewed for this long is taken to be from a dead process (default 60 s) */
  leaseMs?: number;
  /** look for queued jobs (of other processes) and dead claims this often; 0: only when kicked */
  pollMs?: number;
  /** jobs this process runs at once, of different libraries (default 2) */
  concurrency?: number;
  /** records per transaction (default: importMarc's) */
  batchSize?: number;
  /** how often the shown progress is written, in records (default 100) */
  progressEvery?: number;
  /** a job taken up more often than this (its process died each time) fails instead (default 3) */
  maxAttempts?: number;
  /** sees each batch of a job as it commits (tests) */
  onBatch?: (jobId: string, through: number) => void;
};

/**
 * Runs queued MARC import jobs in the background. Several core processes may each run one: a job is
 * claimed with a lease (a unique index lets one job per library run at a time), renewed while it
 * runs; its counts and rejections are written in each batch's own transaction, so a job whose
 * process died resumes after the last batch committed — with the same counts it would have had.
 */
export class MarcImportRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, Promise<void>>();
  private readonly stopping = new Map<string, 'release' | 'abandon'>();
  private filling: Promise<void> | null = null;
  private refill = false;
  private halted = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly o: Required<Omit<MarcImportRunnerOptions, 'onBatch' | 'batchSize'>> &
    Pick<MarcImportRunnerOptions, 'onBatch' | 'batchSize'>;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: MarcImportRunnerOptions = {},
  ) {
    this.o = {
      leaseMs: 60_000,
      pollMs: 0,
      concurrency: 2,
      progressEvery: 100,
      maxAttempts: 3,
      ...options,
    };
  }

  /** Start polling and renewing leases; returns this. */
  start(): this {
    const renew = setInterval(() => void this.renew(), Math.max(1000, this.o.leaseMs / 3));
    renew.unref();
    this.timers.push(renew);
    if (this.o.pollMs > 0) {
      const poll = setInterval(() => this.kick(), this.o.pollMs);
      poll.unref();
      this.timers.push(poll);
    }
    this.kick();
    return this;
  }

  /** Look for work now (after a job was queued). */
  kick(): void {
    if (this.halted) return;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = (async () => {
      do {
        this.refill = false;
        await this.fill();
      } while (this.refill && !this.halted);
    })().finally(() => {
      this.filling = null;
    });
  }

  /** Run until no job this process can claim is left (tests and the command line). */
  async drain(): Promise<void> {
    for (;;) {
      this.kick();
      await this.filling;
      if (this.active.size === 0) return;
      await Promise.allSettled([...this.active.values()]);
    }
  }

  /** Stop: running jobs stop before their next batch commits and are left for another process or a restart. */
  async stop(): Promise<void> {
    await this.halt('release');
  }

  /** Stop as if the process had died (tests): running jobs keep their claim until it runs out. */
  async crash(): Promise<void> {
    await this.halt('abandon');
  }

  private async halt(how: 'release' | 'abandon') {
    this.halted = true;
    for (const t of this.timers) clearInterval(t);
    for (const id of this.active.keys()) this.stopping.set(id, how);
    await this.filling;
    await Promise.allSettled([...this.active.values()]);
  }

  private async fill() {
    while (!this.halted && this.active.size < this.o.concurrency) {
      let job: JobRow | null;
      try {
        job = await this.claim();
      } catch (err) {
        this.logger.error({ err: loggableError(err) }, 'marc import: claiming a job failed');
        return;
      }
      if (!job) return;
      const id = job.id;
      const run = this.run(job)
        .catch((err) => this.logger.error({ jobId: id, err: loggableError(err) }, 'marc import job failed'))
        .finally(() => {
          this.active.delete(id);
          this.stopping.delete(id);
          this.kick();
        });
      this.active.set(id, run);
    }
  }

  /**
   * Take the next job: a running one whose claim ran out (its process died), else the oldest queued
   * job of a library with none running. Its shown counts go back to what was committed.
   */
  private async claim(): Promise<JobRow | null> {
    try {
      return await this.db.transaction(async (tx) => {
        const [next] = resultRows<{ id: string }>(
          await tx.execute(sql`
            select j.id from marc_import_jobs j
            where (j.status = 'running' and j.lease_until < now())
               or (j.status = 'queued' and not exists (
                    select 1 from marc_import_jobs r where r.tenant_id = j.tenant_id and r.status = 'running'))
            order by (j.status = 'running') desc, j.created_at, j.id
            limit 1
            for update of j skip locked`),
        );
        if (!next) return null;
        const committed = (k: keyof MarcImportCounts) => sql`(${marcImportJobs.committed}->>${k})::int`;
        const [job] = await tx
          .update(marcImportJobs)
          .set({
            status: 'running',
            leaseOwner: this.owner,
            leaseUntil: sql`now() + make_interval(secs => ${this.o.leaseMs / 1000})`,
            startedAt: sql`coalesce(${marcImportJobs.startedAt}, now())`,
            attempts: sql`${marcImportJobs.attempts} + 1`,
            processed: committed('processed'),
            created: committed('created'),
            updated: committed('updated'),
            unchanged: committed('unchanged'),
            rejected: committed('rejected'),
          })
          .where(eq(marcImportJobs.id, next.id))
          .returning();
        return job ?? null;
      });
    } catch (err) {
      // another process started a job of the same library at the same moment: the unique index refused ours
      if ((err as { cause?: { code?: string } }).cause?.code === '23505') return null;
      throw err;
    }
  }

  /** Renew the claims of this process's running jobs; a job whose claim was lost stops. */
  private async renew() {
    if (this.active.size === 0) return;
    try {
      const kept = await this.db
        .update(marcImportJobs)
        .set({ leaseUntil: sql`now() + make_interval(secs => ${this.o.leaseMs / 1000})` })
        .where(and(eq(marcImportJobs.leaseOwner, this.owner), eq(marcImportJobs.status, 'running')))
        .returning({ id: marcImportJobs.id });
      const ids = new Set(kept.map((k) => k.id));
      for (const id of this.active.keys()) if (!ids.has(id)) this.stopping.set(id, 'abandon');
    } catch (err) {
      this.logger.warn({ err: loggableError(err) }, 'marc import: renewing claims failed');
    }
  }

  private mine(id: string) {
    return and(
      eq(marcImportJobs.id, id),
      eq(marcImportJobs.leaseOwner, this.owner),
      eq(marcImportJobs.status, 'running'),
    );
  }

  private async run(job: JobRow) {
    if (job.attempts > this.o.maxAttempts) {
      await this.finish(job, {
        error: `the import was interrupted ${job.attempts - 1} times (the core stopped while it ran); not tried again`,
      });
      return;
    }
    const [file] = await this.db
      .select({ bytes: marcImportFiles.bytes })
      .from(marcImportFiles)
      .where(eq(marcImportFiles.jobId, job.id));
    if (!file) {
      await this.finish(job, { error: 'the uploaded file is no longer there' });
      return;
    }
    const base = job.committed;
    let through = job.resumeAfter;
    const shown = latestWriter<MarcImportCounts>(async (c) => {
      await this.db.update(marcImportJobs).set(showCounts(c)).where(this.mine(job.id));
    });
    this.logger.info(
      { jobId: job.id, tenantId: job.tenantId, resumeAfter: through, attempt: job.attempts },
      'marc import job running',
    );
    try {
      const report = await importMarc(jobCtx(this.db, job), {
        source: chunks(file.bytes),
        format: job.format,
        ...(job.mapping === AUTO_MAPPING ? {} : { mapping: job.mapping }),
        ...(job.encoding === null ? {} : { encoding: job.encoding }),
        resumeAfter: through,
        progressEvery: this.o.progressEvery,
        ...(this.o.batchSize ? { batchSize: this.o.batchSize } : {}),
        onProgress: (c) => shown.push(addCounts(base, c)),
        onBatch: async (tx, done: ImportThrough) => {
          if (this.stopping.has(job.id)) throw new Interrupted();
          const totals = addCounts(base, done);
          const fresh = done.rejections.filter((r) => r.position > through);
          const [kept] = await tx
            .update(marcImportJobs)
            .set({
              ...showCounts(totals),
              resumeAfter: done.through,
              committed: totals,
              rejections: sql`${marcImportJobs.rejections} || ${JSON.stringify(fresh)}::jsonb`,
            })
            .where(this.mine(job.id))
            .returning({ id: marcImportJobs.id });
          if (!kept) throw new Interrupted(); // another process took the job over
          through = done.through;
          this.o.onBatch?.(job.id, done.through);
        },
      });
      await shown.settle();
      await this.finish(job, {
        totals: addCounts(base, report),
        fresh: report.rejections.filter((r) => r.position > through),
      });
    } catch (err) {
      await shown.settle();
      if (err instanceof Interrupted || this.stopping.has(job.id)) {
        if (this.stopping.get(job.id) !== 'abandon')
          await this.db
            .update(marcImportJobs)
            .set({ leaseUntil: sql`now()` })
            .where(this.mine(job.id))
            .catch(() => {});
        this.logger.info({ jobId: job.id, resumeAfter: through }, 'marc import job interrupted');
        return;
      }
      await this.finish(job, { error: failureReason(err) });
      throw err;
    }
  }

  /** Close a job: done with its totals, or failed with the reason; the file goes, both logged. */
  private async finish(
    job: JobRow,
    end: { totals: MarcImportCounts; fresh: ImportThrough['rejections'] } | { error: string },
  ) {
    const ctx = jobCtx(this.db, job);
    await inTx(ctx, async (tx) => {
      const [closed] = await tx
        .update(marcImportJobs)
        .set({
          status: 'error' in end ? 'failed' : 'done',
          finishedAt: sql`now()`,
          leaseOwner: null,
          leaseUntil: null,
          ...('error' in end
            ? { error: end.error }
            : {
                ...end.totals,
                committed: end.totals,
                rejections: sql`${marcImportJobs.rejections} || ${JSON.stringify(end.fresh)}::jsonb`,
              }),
        })
        .where(this.mine(job.id))
        .returning();
      if (!closed) return;
      await tx.delete(marcImportFiles).where(eq(marcImportFiles.jobId, job.id));
      await recordOperation(tx, ctx, {
        action: 'marc.importJob.finish',
        targetType: 'marcImport',
        targetId: job.id,
        details: {
          status: closed.status,
          processed: closed.processed,
          created: closed.created,
          updated: closed.updated,
          unchanged: closed.unchanged,
          rejected: closed.rejected,
          attempts: closed.attempts,
        },
      });
    });
    this.logger.info(
      { jobId: job.id, ...('error' in end ? { failed: true } : end.totals) },
      'marc import job ended',
    );
  }
}

/** What a failed job tells staff: the core's own message, or the database's first line. */
function failureReason(err: unknown): string {
  if (err instanceof AppError) return err.message;
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return `the import stopped: ${message.split('\n')[0]!.slice(0, 300)}`;
}

/** The stored file in pieces, as a reader gets a stream. */
function* chunks(bytes: Uint8Array, size = 256 * 1024): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}

/** Writes the latest value pushed, one write at a time; values pushed meanwhile collapse into the last. */
function latestWriter<T>(write: (v: T) => Promise<void>) {
  let pending: T | undefined;
  let running: Promise<void> | null = null;
  const loop = async () => {
    while (pending !== undefined) {
      const v = pending;
      pending = undefined;
      await write(v).catch(() => {});
    }
    running = null;
  };
  return {
    push(v: T) {
      pending = v;
      running ??= loop();
    },
    async settle() {
      while (running) await running;
    },
  };
}

import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { jobRuns, tenants } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { expireDueHolds } from '../circulation/cancel-hold.ts';
import { produceOverdueNotices } from '../circulation/overdues.ts';
import { type Ctx, requirePermission, systemCtx } from '../context.ts';
import { loggableError } from '../loggable-error.ts';
import { purgeMarcPool } from '../marc/pool-settings.ts';
import { dailyPatronWork } from './patron-daily.ts';

/** The library's daily work: expire holds left on the shelf, then produce overdue notices. */
export async function dailyCirculationWork(ctx: Ctx) {
  requirePermission(ctx, 'circulation.notices');
  const expired = await expireDueHolds(ctx);
  const notices = await produceOverdueNotices(ctx);
  return { expiredHolds: expired.length, notices };
}

/** A claim older than this with no finish is taken to be from a crashed run and is taken over. */
const STALE_MINUTES = 60;

/**
 * Claim today's run for a tenant. The unique (tenant, job, day) row makes the claim: one server
 * wins, a finished run is never repeated, and a run that crashed is retried after a while. Every
 * step is idempotent, so a retried run finishes the work without doing any of it twice.
 */
export async function claim(db: Db, tenantId: string, job: string, day: string) {
  const rows = await db
    .insert(jobRuns)
    .values({ tenantId, job, day })
    .onConflictDoUpdate({
      target: [jobRuns.tenantId, jobRuns.job, jobRuns.day],
      set: { startedAt: sql`now()`, error: null },
      setWhere: and(
        isNull(jobRuns.finishedAt),
        lt(jobRuns.startedAt, sql`now() - make_interval(mins => ${STALE_MINUTES})`),
      ),
    })
    .returning({ id: jobRuns.id });
  return rows[0]?.id ?? null;
}

/** Run the daily work for every tenant whose run for today has not happened yet. */
export async function runDueDailyJobs(db: Db, logger: Logger, now: () => Date = () => new Date()) {
  const all = await db.select({ id: tenants.id }).from(tenants);
  const ran: string[] = [];
  for (const t of all) {
    const day = todayInTokyo(now());
    const runId = await claim(db, t.id, 'daily-circulation', day);
    if (!runId) continue;
    try {
      const result = await dailyCirculationWork(systemCtx(db, t.id, 'daily-circulation', now));
      await db.update(jobRuns).set({ finishedAt: sql`now()`, result }).where(eq(jobRuns.id, runId));
      logger.info({ tenantId: t.id, ...result.notices, expiredHolds: result.expiredHolds }, 'daily job done');
      ran.push(t.id);
    } catch (err) {
      // leave the claim unfinished with the error: it is retried once it is stale
      await db
        .update(jobRuns)
        .set({ error: JSON.stringify(loggableError(err)).slice(0, 2000) })
        .where(eq(jobRuns.id, runId));
      logger.error({ tenantId: t.id, day, err: loggableError(err) }, 'daily job failed');
    }
    await runClaimed(db, logger, t.id, day, 'daily-patrons', now, dailyPatronWork);
    await runClaimed(db, logger, t.id, day, 'daily-catalog', now, dailyCatalogWork);
  }
  return ran;
}

/** The catalogue side: MARC pool records nobody adopted go once past the library's retention. */
export async function dailyCatalogWork(ctx: Ctx) {
  return purgeMarcPool(ctx);
}

/** One more daily job (patron, catalogue side) under its own claim, so one failing leaves the others run. */
async function runClaimed(
  db: Db,
  logger: Logger,
  tenantId: string,
  day: string,
  job: string,
  now: () => Date,
  work: (ctx: Ctx) => Promise<Record<string, unknown>>,
) {
  const runId = await claim(db, tenantId, job, day);
  if (!runId) return;
  try {
    const result = await work(systemCtx(db, tenantId, job, now));
    await db.update(jobRuns).set({ finishedAt: sql`now()`, result }).where(eq(jobRuns.id, runId));
    logger.info({ tenantId, job, ...result }, 'daily job done');
  } catch (err) {
    await db
      .update(jobRuns)
      .set({ error: JSON.stringify(loggableError(err)).slice(0, 2000) })
      .where(eq(jobRuns.id, runId));
    logger.error({ tenantId, day, job, err: loggableError(err) }, 'daily job failed');
  }
}

/** Checks every few minutes whether a tenant's day has turned; returns a stop function. */
export function startScheduler(db: Db, logger: Logger, everyMs = 5 * 60_000) {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = runDueDailyJobs(db, logger)
      .catch((err) => logger.error({ err: loggableError(err) }, 'scheduler tick failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

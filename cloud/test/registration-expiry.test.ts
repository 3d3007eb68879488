import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { jobRuns, mailOutbox, operationLog, patrons } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { systemCtx } from '../src/domain/context.ts';
import { runDueDailyJobs } from '../src/domain/jobs/daily.ts';
import {
  EXPIRY_REMINDER_DAYS,
  markExpiredRegistrations,
  sendExpiryReminders,
} from '../src/domain/patrons/registration-expiry.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * The daily job that marks registrations past their 有効期限 as expired (per tenant, logged as the
 * system, idempotent), the reminder mail before expiry, and the staff list filtered by status.
 */

let database: Database;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let other: Awaited<ReturnType<typeof makeLibrary>>;
let app: ReturnType<typeof testApp>;
let staff: string;

const statusOf = async (id: string) =>
  (await database.db.select({ s: patrons.status }).from(patrons).where(eq(patrons.id, id)))[0]!.s;

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'expiry');
  other = await makeLibrary(database, 'expiry2');
  app = testApp(database);
  staff = await login(app, 'expiry', 'librarian');
  // the suspended patron's registration ran out too: the suspension stays what staff see
  await database.db
    .update(patrons)
    .set({ expiresOn: addDays(lib.today, -30) })
    .where(eq(patrons.id, lib.patronIds.suspended!));
});
afterAll(async () => {
  await database?.close();
});

describe('registrations past their expiry', () => {
  it('the staff list finds an expired registration before the job has marked it', async () => {
    const res = await call(app, staff, 'GET', '/api/patrons?status=expired');
    expect(res.status).toBe(200);
    const { patrons: list } = (await res.json()) as { patrons: { id: string; status: string }[] };
    expect(list.map((p) => p.id)).toEqual([lib.patronIds.expired]);
    expect(list[0]!.status).toBe('active');
  });

  it('are marked expired by the daily job for their own tenant only, logged as the system, once', async () => {
    const ctx = systemCtx(database.db, lib.tenantId, 'test');
    expect(await markExpiredRegistrations(ctx)).toBe(1);
    expect(await statusOf(lib.patronIds.expired!)).toBe('expired');
    expect(await statusOf(lib.patronIds.suspended!)).toBe('suspended');
    expect(await statusOf(lib.patronIds.alice!)).toBe('active');
    // the other library's expired patron is its own job's business
    expect(await statusOf(other.patronIds.expired!)).toBe('active');
    // idempotent: a second run finds nothing
    expect(await markExpiredRegistrations(ctx)).toBe(0);
    const log = await database.db
      .select({
        action: operationLog.action,
        actor: operationLog.actorKind,
        login: operationLog.staffLoginId,
        details: operationLog.details,
      })
      .from(operationLog)
      .where(
        and(eq(operationLog.tenantId, lib.tenantId), eq(operationLog.action, 'patron.registrationExpired')),
      );
    expect(log).toEqual([
      {
        action: 'patron.registrationExpired',
        actor: 'system',
        login: 'system',
        details: { expiresOn: addDays(lib.today, -1) },
      },
    ]);
  });

  it('runs in the scheduled daily work of every tenant, with the count in the run result', async () => {
    await runDueDailyJobs(database.db, silentLogger, () => new Date(Date.now() + 60_000));
    expect(await statusOf(other.patronIds.expired!)).toBe('expired');
    const [run] = await database.db
      .select({ result: jobRuns.result })
      .from(jobRuns)
      .where(and(eq(jobRuns.tenantId, other.tenantId), eq(jobRuns.job, 'daily-patrons')));
    expect(run!.result).toMatchObject({ registrationsExpired: 1 });
    const [mine] = await database.db
      .select({ result: jobRuns.result })
      .from(jobRuns)
      .where(and(eq(jobRuns.tenantId, lib.tenantId), eq(jobRuns.job, 'daily-patrons')));
    expect(mine!.result).toMatchObject({ registrationsExpired: 0 });
  });

  it('the staff list filters by status, alone or with a search text, and needs one of them', async () => {
    const get = async (query: string) => {
      const res = await call(app, staff, 'GET', `/api/patrons?${query}`);
      return {
        status: res.status,
        body: (await res.json()) as { patrons: { id: string; status: string }[] },
      };
    };
    const expired = await get('status=expired');
    expect(expired.body.patrons).toEqual([
      expect.objectContaining({ id: lib.patronIds.expired, status: 'expired' }),
    ]);
    const suspended = await get('status=suspended');
    expect(suspended.body.patrons.map((p) => p.id)).toEqual([lib.patronIds.suspended]);
    const active = await get('status=active');
    expect(active.body.patrons.map((p) => p.id).sort()).toEqual(
      [lib.patronIds.alice, lib.patronIds.bob, lib.patronIds.carol].sort(),
    );
    const none = await get(`status=expired&q=${encodeURIComponent(lib.cards.alice!)}`);
    expect(none.body.patrons).toEqual([]);
    expect((await get('')).status).toBe(400);
    expect((await get('status=deleted')).status).toBe(400);
    const counter = await login(app, 'expiry', 'counter');
    expect((await call(app, counter, 'GET', '/api/patrons?status=expired')).status).toBe(200);
  });

  it('renewing an expired registration makes it active again', async () => {
    const res = await call(app, staff, 'POST', `/api/patrons/${lib.patronIds.expired}/renew`);
    expect(res.status).toBe(200);
    expect(await statusOf(lib.patronIds.expired!)).toBe('active');
  });
});

describe('reminders before expiry', () => {
  it(`mail patrons whose registration ends within ${EXPIRY_REMINDER_DAYS} days, with notices on, once`, async () => {
    const soon = addDays(lib.today, 10);
    await database.db
      .update(patrons)
      .set({ expiresOn: soon, email: 'alice.expiry@example.jp', emailNotices: true })
      .where(eq(patrons.id, lib.patronIds.alice!));
    await database.db
      .update(patrons)
      .set({ expiresOn: soon, email: 'bob.expiry@example.jp', emailNotices: false })
      .where(eq(patrons.id, lib.patronIds.bob!));
    // carol expires within the period but has no address
    await database.db
      .update(patrons)
      .set({ expiresOn: soon, email: null })
      .where(eq(patrons.id, lib.patronIds.carol!));
    const ctx = systemCtx(database.db, lib.tenantId, 'test');
    expect(await sendExpiryReminders(ctx)).toBe(1);
    const mails = await database.db
      .select()
      .from(mailOutbox)
      .where(and(eq(mailOutbox.tenantId, lib.tenantId), eq(mailOutbox.kind, 'registrationReminder')));
    expect(mails.map((m) => m.toAddress)).toEqual(['alice.expiry@example.jp']);
    expect(mails[0]!.subject).toBe('【expiry図書館】利用者登録の有効期限が近づいています');
    expect(mails[0]!.body).toContain(soon);
    // the next days send nothing more for this period
    const tomorrow = systemCtx(database.db, lib.tenantId, 'test', () => new Date(Date.now() + 86_400_000));
    expect(await sendExpiryReminders(tomorrow)).toBe(0);
    const log = await database.db
      .select({ details: operationLog.details })
      .from(operationLog)
      .where(
        and(eq(operationLog.tenantId, lib.tenantId), eq(operationLog.action, 'patron.expiryReminderMailed')),
      );
    expect(log).toHaveLength(1);
    expect(JSON.stringify(log)).not.toContain('example.jp');
  });
});

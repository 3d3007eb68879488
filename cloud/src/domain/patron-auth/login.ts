import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { patronCards, patronCategories, patronSessions, patrons, tenants } from '../../db/schema/index.ts';
import { newSessionToken, tokenHash } from '../auth/sessions.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { canonicalScan } from '../circulation/circulation-context.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { hashPassword, verifyPatronPassword } from './passwords.ts';
import { PATRON_ABSOLUTE_MS } from './sessions.ts';

/** Wrong passwords in a row before the account is locked, and for how long. */
export const PATRON_MAX_FAILURES = 5;
export const PATRON_LOCK_MS = 15 * 60_000;

export type PatronLoginInput = { tenant: string; cardNumber: string; password: string };
export type PatronLoginDeps = { db: Db; now: () => Date; requestId: string };

const anonymousCtx = (deps: PatronLoginDeps, tenantId: string): Ctx => ({
  db: deps.db,
  tenantId,
  staff: null,
  workstation: null,
  requestId: deps.requestId,
  now: deps.now,
});

/**
 * My Library login: library code, card number (read like a scan, so the printed number with or
 * without start/stop characters works) and password. Unknown cards and wrong passwords get the same
 * answer. Wrong passwords count on the account: after 5 in a row it is locked for 15 minutes, even
 * for the right password. Only after the right password does the patron learn that the card is
 * blocked or the registration suspended or expired. A legacy hash is replaced by argon2id here.
 */
export async function patronLogin(deps: PatronLoginDeps, input: PatronLoginInput) {
  const now = deps.now();
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.code, input.tenant)).limit(1);
  const barcode = tenant ? await canonicalScan(deps.db, tenant.id, 'patronCard', input.cardNumber) : null;
  const [found] =
    tenant && barcode
      ? await deps.db
          .select({ card: patronCards, patron: patrons })
          .from(patronCards)
          .innerJoin(patrons, eq(patrons.id, patronCards.patronId))
          .where(and(eq(patronCards.tenantId, tenant.id), eq(patronCards.barcode, barcode)))
          .limit(1)
      : [];
  const patron = found && found.patron.status !== 'deleted' ? found.patron : undefined;

  if (patron?.lockedUntil && patron.lockedUntil > now) {
    const wait = Math.ceil((patron.lockedUntil.getTime() - now.getTime()) / 1000);
    throw new AppError('accountLocked', undefined, undefined, { 'retry-after': String(wait) });
  }
  const check = await verifyPatronPassword(patron?.passwordHash, input.password);
  if (!tenant || !found || !patron || !check.ok) {
    if (tenant && patron) await countFailure(deps, tenant.id, patron.id, now);
    throw new AppError('invalidCredentials');
  }

  if (found.card.status !== 'active') throw new AppError('cardNotActive');
  if (patron.status === 'suspended') throw new AppError('patronSuspended');
  if (patron.status === 'expired' || patron.expiresOn < todayInTokyo(now))
    throw new AppError('patronExpired');

  const rehash = check.needsRehash ? await hashPassword(input.password) : null;
  const token = newSessionToken();
  const expiresAt = new Date(now.getTime() + PATRON_ABSOLUTE_MS);
  await deps.db.transaction(async (tx) => {
    await tx
      .update(patrons)
      .set({ passwordFailures: 0, lockedUntil: null, ...(rehash ? { passwordHash: rehash } : {}) })
      .where(eq(patrons.id, patron.id));
    const [session] = await tx
      .insert(patronSessions)
      .values({
        tenantId: tenant.id,
        tokenHash: tokenHash(token),
        patronId: patron.id,
        cardId: found.card.id,
        createdAt: now,
        lastSeenAt: now,
        expiresAt,
      })
      .returning({ id: patronSessions.id });
    const ctx: Ctx = {
      ...anonymousCtx(deps, tenant.id),
      patron: {
        id: patron.id,
        cardId: found.card.id,
        sessionId: session!.id,
        mustChangePassword: patron.passwordMustChange,
      },
    };
    await recordOperation(tx, ctx, {
      action: 'patron.login',
      targetType: 'patron',
      targetId: patron.id,
      details: rehash ? { rehashed: true } : {},
    });
  });
  const [category] = await deps.db
    .select({ code: patronCategories.code })
    .from(patronCategories)
    .where(eq(patronCategories.id, patron.categoryId));
  return {
    token,
    expiresAt,
    body: {
      tenant: { code: tenant.code, nameJa: tenant.nameJa, nameEn: tenant.nameEn },
      category: category?.code ?? '',
      mustChangePassword: patron.passwordMustChange,
      expiresAt: expiresAt.toISOString(),
    },
  };
}

/** One more wrong password on the account; the fifth in a row locks it (and says so). */
async function countFailure(deps: PatronLoginDeps, tenantId: string, patronId: string, now: Date) {
  const locked = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(patrons)
      .set({ passwordFailures: sql`${patrons.passwordFailures} + 1` })
      .where(eq(patrons.id, patronId))
      .returning({ failures: patrons.passwordFailures });
    const lock = (row?.failures ?? 0) >= PATRON_MAX_FAILURES;
    if (lock) {
      await tx
        .update(patrons)
        .set({ passwordFailures: 0, lockedUntil: new Date(now.getTime() + PATRON_LOCK_MS) })
        .where(eq(patrons.id, patronId));
    }
    await recordOperation(tx, anonymousCtx(deps, tenantId), {
      action: 'patron.loginFailed',
      targetType: 'patron',
      targetId: patronId,
      details: lock ? { locked: true } : {},
    });
    return lock;
  });
  if (locked) {
    throw new AppError('accountLocked', undefined, undefined, {
      'retry-after': String(Math.ceil(PATRON_LOCK_MS / 1000)),
    });
  }
}

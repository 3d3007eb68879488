import { and, eq, isNull, ne } from 'drizzle-orm';
import { patronCards, patronSessions, patrons } from '../../db/schema/index.ts';
import { type Ctx, inTx, type PatronPrincipal, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { hashPassword, passwordProblem, temporaryPassword, verifyPatronPassword } from './passwords.ts';

/**
 * The patron acting in a My Library context. While a staff-issued temporary password is in force
 * only the password change, the profile and logout are allowed (`allowMustChange`).
 */
export function requirePatron(ctx: Ctx, opts: { allowMustChange?: boolean } = {}): PatronPrincipal {
  if (!ctx.patron || ctx.staff) throw new AppError('unauthenticated');
  if (ctx.patron.mustChangePassword && !opts.allowMustChange) throw new AppError('passwordChangeRequired');
  return ctx.patron;
}

/** End this My Library session server-side. */
export async function patronLogout(ctx: Ctx): Promise<void> {
  const patron = requirePatron(ctx, { allowMustChange: true });
  await inTx(ctx, async (tx) => {
    await tx
      .update(patronSessions)
      .set({ revokedAt: ctx.now() })
      .where(and(eq(patronSessions.tenantId, ctx.tenantId), eq(patronSessions.id, patron.sessionId)));
    await recordOperation(tx, ctx, {
      action: 'patron.logout',
      targetType: 'patron',
      targetId: patron.id,
    });
  });
}

/**
 * Staff issue a temporary password (first login, or a forgotten one): random, shown once, never
 * stored in the clear; the patron must change it at the next login. Unlocks the account and ends
 * the patron's open sessions.
 */
export async function issuePatronPassword(ctx: Ctx, patronId: string) {
  requirePermission(ctx, 'patrons.write');
  const password = temporaryPassword();
  const hash = await hashPassword(password);
  await inTx(ctx, async (tx) => {
    const [p] = await tx
      .update(patrons)
      .set({
        passwordHash: hash,
        passwordMustChange: true,
        passwordFailures: 0,
        lockedUntil: null,
        updatedAt: ctx.now(),
      })
      .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, patronId), ne(patrons.status, 'deleted')))
      .returning({ id: patrons.id });
    if (!p) throw new AppError('notFound');
    await tx
      .update(patronSessions)
      .set({ revokedAt: ctx.now() })
      .where(
        and(
          eq(patronSessions.tenantId, ctx.tenantId),
          eq(patronSessions.patronId, patronId),
          isNull(patronSessions.revokedAt),
        ),
      );
    await recordOperation(tx, ctx, {
      action: 'patron.issuePassword',
      targetType: 'patron',
      targetId: patronId,
    });
  });
  return { patronId, temporaryPassword: password, mustChangePassword: true as const };
}

/**
 * The patron replaces their password (also the way out of a temporary one): the current password,
 * then a new one of at least 8 characters that is neither the card number nor the birth date.
 * Other open sessions of the patron end.
 */
export async function changeMyPassword(ctx: Ctx, input: { currentPassword: string; newPassword: string }) {
  const me = requirePatron(ctx, { allowMustChange: true });
  const [p] = await ctx.db
    .select({ hash: patrons.passwordHash, birthDate: patrons.birthDate })
    .from(patrons)
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, me.id)));
  if (!p) throw new AppError('unauthenticated');
  if (!(await verifyPatronPassword(p.hash, input.currentPassword)).ok)
    throw new AppError('invalidCredentials');
  const cards = await ctx.db
    .select({ barcode: patronCards.barcode })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.patronId, me.id)));
  const problem =
    input.newPassword === input.currentPassword
      ? 'must differ from the current password'
      : passwordProblem(input.newPassword, {
          cardNumbers: cards.map((c) => c.barcode),
          birthDate: p.birthDate,
        });
  if (problem) throw new AppError('passwordRejected', problem, [{ path: 'newPassword', message: problem }]);
  const hash = await hashPassword(input.newPassword);
  await inTx(ctx, async (tx) => {
    await tx
      .update(patrons)
      .set({ passwordHash: hash, passwordMustChange: false, passwordFailures: 0, updatedAt: ctx.now() })
      .where(eq(patrons.id, me.id));
    await tx
      .update(patronSessions)
      .set({ revokedAt: ctx.now() })
      .where(
        and(
          eq(patronSessions.tenantId, ctx.tenantId),
          eq(patronSessions.patronId, me.id),
          ne(patronSessions.id, me.sessionId),
          isNull(patronSessions.revokedAt),
        ),
      );
    await recordOperation(tx, ctx, {
      action: 'patron.changePassword',
      targetType: 'patron',
      targetId: me.id,
    });
  });
  return { ok: true as const };
}

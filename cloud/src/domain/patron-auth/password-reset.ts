import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { passwordResetTokens, patronCards, patronSessions, patrons, tenants } from '../../db/schema/index.ts';
import { newSessionToken, tokenHash } from '../auth/sessions.ts';
import { canonicalScan } from '../circulation/circulation-context.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { recordOperation } from '../oplog/record.ts';
import { hashPassword, passwordProblem } from './passwords.ts';

/** A reset link works once, within this time. */
export const RESET_TOKEN_MINUTES = 30;
/** At most this many reset mails per patron per hour; more requests are answered alike but send nothing. */
export const RESET_MAILS_PER_HOUR = 3;

export type ResetDeps = { db: Db; now: () => Date; requestId: string; publicUrl: string };

const actorCtx = (deps: ResetDeps, tenantId: string, patronId?: string): Ctx => ({
  db: deps.db,
  tenantId,
  staff: null,
  workstation: null,
  requestId: deps.requestId,
  now: deps.now,
  ...(patronId ? { patron: { id: patronId, cardId: '', sessionId: '', mustChangePassword: false } } : {}),
});

/**
 * パスワードを忘れた: card number + the e-mail address registered for it. When both match an active
 * registration, a single-use link (its token kept only as SHA-256) goes into the mail outbox; the
 * answer is the same whether or not anything matched, so the form reveals nothing about anyone.
 */
export async function requestPasswordReset(
  deps: ResetDeps,
  input: { tenant: string; cardNumber: string; email: string },
): Promise<{ ok: true }> {
  const now = deps.now();
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.code, input.tenant)).limit(1);
  if (!tenant) return { ok: true };
  let barcode: string;
  try {
    barcode = await canonicalScan(deps.db, tenant.id, 'patronCard', input.cardNumber);
  } catch {
    return { ok: true };
  }
  const [found] = await deps.db
    .select({ patron: patrons, card: patronCards })
    .from(patronCards)
    .innerJoin(patrons, eq(patrons.id, patronCards.patronId))
    .where(
      and(
        eq(patronCards.tenantId, tenant.id),
        eq(patronCards.barcode, barcode),
        eq(patronCards.status, 'active'),
        eq(patrons.status, 'active'),
      ),
    )
    .limit(1);
  const registered = found?.patron.email?.trim().toLowerCase();
  if (!found || !registered || registered !== input.email.trim().toLowerCase()) return { ok: true };
  const patron = found.patron;
  const token = newSessionToken();
  await deps.db.transaction(async (tx) => {
    // one request at a time per patron, so the hourly count holds under concurrent requests
    await tx.select({ id: patrons.id }).from(patrons).where(eq(patrons.id, patron.id)).for('update');
    const [recent] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(passwordResetTokens)
      .where(
        and(
          eq(passwordResetTokens.patronId, patron.id),
          gt(passwordResetTokens.createdAt, new Date(now.getTime() - 3600_000)),
        ),
      );
    if ((recent?.n ?? 0) >= RESET_MAILS_PER_HOUR) return;
    // only the newest link works
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.patronId, patron.id), isNull(passwordResetTokens.usedAt)));
    await tx.insert(passwordResetTokens).values({
      tenantId: tenant.id,
      patronId: patron.id,
      tokenHash: tokenHash(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + RESET_TOKEN_MINUTES * 60_000),
    });
    await enqueueMail(tx, {
      tenantId: tenant.id,
      patronId: patron.id,
      kind: 'passwordReset',
      at: now,
      to: patron.email!,
      subject: `【${tenant.nameJa}】パスワード再設定のご案内`,
      body: resetMailBody({
        library: tenant.nameJa,
        cardLast4: found.card.barcode.slice(-4),
        url: `${deps.publicUrl.replace(/\/?$/, '/')}opac/my/password-reset#token=${token}`,
      }),
    });
    await recordOperation(tx, actorCtx(deps, tenant.id), {
      action: 'patron.passwordResetRequested',
      targetType: 'patron',
      targetId: patron.id,
    });
  });
  return { ok: true };
}

function resetMailBody(m: { library: string; cardLast4: string; url: string }): string {
  return [
    `${m.library}のマイページのパスワード再設定のお申し込みを受け付けました。`,
    `(利用者カード番号の下4桁: ${m.cardLast4})`,
    '',
    `次のリンクを開き、${RESET_TOKEN_MINUTES}分以内に新しいパスワードを設定してください。`,
    'このリンクは一度だけ使えます。',
    m.url,
    '',
    'お申し込みに心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。',
    '※このメールは送信専用です。ご返信いただいてもお答えできません。',
  ].join('\n');
}

/**
 * Set a new password with the link's token: valid once, before it expires, for an active
 * registration. The account is unlocked, a temporary password is replaced, open sessions end.
 */
export async function confirmPasswordReset(deps: ResetDeps, input: { token: string; newPassword: string }) {
  const now = deps.now();
  const [row] = await deps.db
    .select({ token: passwordResetTokens, birthDate: patrons.birthDate, status: patrons.status })
    .from(passwordResetTokens)
    .innerJoin(patrons, eq(patrons.id, passwordResetTokens.patronId))
    .where(
      and(
        eq(passwordResetTokens.tokenHash, tokenHash(input.token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, now),
      ),
    );
  if (row?.status !== 'active') throw new AppError('resetTokenInvalid');
  const { tenantId, patronId } = row.token;
  const cards = await deps.db
    .select({ barcode: patronCards.barcode })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, tenantId), eq(patronCards.patronId, patronId)));
  const problem = passwordProblem(input.newPassword, {
    cardNumbers: cards.map((c) => c.barcode),
    birthDate: row.birthDate,
  });
  if (problem) throw new AppError('passwordRejected', problem, [{ path: 'newPassword', message: problem }]);
  const hash = await hashPassword(input.newPassword);
  await deps.db.transaction(async (tx) => {
    // single use even when two tabs send the link at once: only one update finds it unused
    const [claimed] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.id, row.token.id), isNull(passwordResetTokens.usedAt)))
      .returning({ id: passwordResetTokens.id });
    if (!claimed) throw new AppError('resetTokenInvalid');
    await tx
      .update(patrons)
      .set({
        passwordHash: hash,
        passwordMustChange: false,
        passwordFailures: 0,
        lockedUntil: null,
        updatedAt: now,
      })
      .where(eq(patrons.id, patronId));
    await tx
      .update(patronSessions)
      .set({ revokedAt: now })
      .where(and(eq(patronSessions.patronId, patronId), isNull(patronSessions.revokedAt)));
    await recordOperation(tx, actorCtx(deps, tenantId, patronId), {
      action: 'patron.passwordReset',
      targetType: 'patron',
      targetId: patronId,
    });
  });
  return { ok: true as const };
}

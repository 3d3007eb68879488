import { and, eq, gt, isNotNull, lt, lte, notExists, sql } from 'drizzle-orm';
import { mailOutbox, patrons, tenants } from '../../db/schema/index.ts';
import { addDays, todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { recordOperations } from '../oplog/record.ts';

/** The reminder mail goes this many days before the registration's last day. */
export const EXPIRY_REMINDER_DAYS = 14;

/**
 * Daily: active registrations whose 有効期限 has passed become 'expired' (the counter and My Library
 * already refuse them by date; the status lets staff list them and says why at a glance). Logged as
 * the system, one entry per patron. Idempotent: a second run the same day finds none. Suspended
 * patrons stay suspended; once the suspension ends, the next run marks them.
 */
export async function markExpiredRegistrations(ctx: Ctx) {
  requirePermission(ctx, 'patrons.write');
  const today = todayInTokyo(ctx.now());
  return inTx(ctx, async (tx) => {
    const expired = await tx
      .update(patrons)
      .set({ status: 'expired', updatedAt: ctx.now() })
      .where(
        and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.status, 'active'), lt(patrons.expiresOn, today)),
      )
      .returning({ id: patrons.id, expiresOn: patrons.expiresOn });
    await recordOperations(
      tx,
      ctx,
      expired.map((p) => ({
        action: 'patron.registrationExpired',
        targetType: 'patron',
        targetId: p.id,
        details: { expiresOn: p.expiresOn },
      })),
    );
    return expired.length;
  });
}

/**
 * Daily: a reminder mail to active patrons whose registration ends within EXPIRY_REMINDER_DAYS,
 * who have an address and e-mail notices on — once per registration period (none when a reminder
 * went out in the last EXPIRY_REMINDER_DAYS + 1 days, so a missed day still sends it, never twice).
 */
export async function sendExpiryReminders(ctx: Ctx) {
  requirePermission(ctx, 'patrons.write');
  const now = ctx.now();
  const today = todayInTokyo(now);
  const since = new Date(now.getTime() - (EXPIRY_REMINDER_DAYS + 1) * 86_400_000);
  return inTx(ctx, async (tx) => {
    const due = await tx
      .select({ id: patrons.id, email: patrons.email, expiresOn: patrons.expiresOn })
      .from(patrons)
      .where(
        and(
          eq(patrons.tenantId, ctx.tenantId),
          eq(patrons.status, 'active'),
          eq(patrons.emailNotices, true),
          isNotNull(patrons.email),
          sql`${patrons.expiresOn} >= ${today}`,
          lte(patrons.expiresOn, addDays(today, EXPIRY_REMINDER_DAYS)),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(mailOutbox)
              .where(
                and(
                  eq(mailOutbox.tenantId, ctx.tenantId),
                  eq(mailOutbox.patronId, patrons.id),
                  eq(mailOutbox.kind, 'registrationReminder'),
                  gt(mailOutbox.createdAt, since),
                ),
              ),
          ),
        ),
      );
    if (due.length === 0) return 0;
    const [tenant] = await tx
      .select({ nameJa: tenants.nameJa })
      .from(tenants)
      .where(eq(tenants.id, ctx.tenantId));
    const library = tenant?.nameJa ?? '図書館';
    for (const p of due) {
      await enqueueMail(tx, {
        tenantId: ctx.tenantId,
        patronId: p.id,
        kind: 'registrationReminder',
        at: now,
        to: p.email!,
        subject: `【${library}】利用者登録の有効期限が近づいています`,
        body: [
          `${library}の利用者登録の有効期限は ${p.expiresOn} です。`,
          '引き続きご利用になるときは、期限までに(過ぎてからでも)利用者カードと本人確認書類をお持ちのうえ、カウンターで更新の手続きをしてください。',
          '',
          'メールでのお知らせは、マイページの「連絡先とお知らせ」で止められます。',
          '※このメールは送信専用です。ご返信いただいてもお答えできません。',
        ].join('\n'),
      });
    }
    await recordOperations(
      tx,
      ctx,
      due.map((p) => ({ action: 'patron.expiryReminderMailed', targetType: 'patron', targetId: p.id })),
    );
    return due.length;
  });
}

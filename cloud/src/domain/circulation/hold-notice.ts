import { eraDate, westernDate } from '@bunko/protocols';
import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { bibRecords, holds, locations, patrons, tenants } from '../../db/schema/index.ts';
import { allInOrder, type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { recordOperation } from '../oplog/record.ts';

/** 2026-12-09 → 令和8年12月9日(水)(2026年12月9日(水)), as the other notices print a date. */
const bothDates = (day: string) => `${eraDate(day)}(${westernDate(day)})`;

/**
 * A hold has just become 利用可能 (its copy is on the pickup shelf): in the caller's transaction,
 * queue 「予約資料のご用意ができました」 when the hold asks for e-mail and the patron has an address
 * with notices on. Otherwise the hold waits in holdsToPhone for staff. Once per trap: a hold already
 * told (notified_at set) is left alone, so a retried or repeated arrival never mails twice.
 */
export async function announceAvailableHold(tx: Tx, tenantId: string, holdId: string, now: Date) {
  const [h] = await tx
    .select({
      notifiedAt: holds.notifiedAt,
      contactMethod: holds.contactMethod,
      pickupBy: holds.pickupBy,
      patronId: holds.patronId,
      email: patrons.email,
      emailNotices: patrons.emailNotices,
      title: bibRecords.title,
      pickupJa: locations.nameJa,
      libraryJa: tenants.nameJa,
    })
    .from(holds)
    .innerJoin(patrons, eq(patrons.id, holds.patronId))
    .innerJoin(bibRecords, eq(bibRecords.id, holds.bibId))
    .innerJoin(locations, eq(locations.id, holds.pickupLocationId))
    .innerJoin(tenants, eq(tenants.id, holds.tenantId))
    .where(and(eq(holds.tenantId, tenantId), eq(holds.id, holdId), eq(holds.status, 'available')));
  if (!h || h.notifiedAt || h.contactMethod !== 'email' || !h.email || !h.emailNotices) return false;
  const library = h.libraryJa || '図書館';
  // sent together: one round trip
  await allInOrder([
    tx
      .update(holds)
      .set({ notifiedAt: now, notifiedVia: 'email' })
      .where(and(eq(holds.id, holdId), isNull(holds.notifiedAt))),
    enqueueMail(tx, {
      tenantId,
      patronId: h.patronId,
      kind: 'holdAvailable',
      at: now,
      to: h.email,
      subject: `【${library}】予約資料のご用意ができました`,
      body: [
        'ご予約の資料をご用意しました。',
        '',
        `資料名: ${h.title}`,
        `受取場所: ${h.pickupJa}`,
        ...(h.pickupBy ? [`お取り置き期限: ${bothDates(h.pickupBy)}`] : []),
        '',
        '期限を過ぎると予約は取り消され、次にお待ちの方へ回ります。受け取りには利用者カードをお持ちください。',
        '',
        'メールでのお知らせは、マイページの「連絡先とお知らせ」で止められます。',
        '※このメールは送信専用です。ご返信いただいてもお答えできません。',
      ].join('\n'),
    }),
  ]);
  return true;
}

/**
 * 連絡リスト: holds on the pickup shelf whose patron has not been told yet — phone contact, or
 * e-mail without an address or with notices off. Staff phone them and mark each 連絡済み.
 */
export async function holdsToPhone(ctx: Ctx, locationId?: string) {
  requirePermission(ctx, 'holds.manage');
  return ctx.db
    .select({
      holdId: holds.id,
      title: bibRecords.title,
      pickupLocationId: holds.pickupLocationId,
      pickupLocationJa: locations.nameJa,
      pickupBy: holds.pickupBy,
      contactMethod: holds.contactMethod,
      patronId: patrons.id,
      patronName: patrons.name,
      phone: patrons.phone,
    })
    .from(holds)
    .innerJoin(patrons, eq(patrons.id, holds.patronId))
    .innerJoin(bibRecords, eq(bibRecords.id, holds.bibId))
    .innerJoin(locations, eq(locations.id, holds.pickupLocationId))
    .where(
      and(
        eq(holds.tenantId, ctx.tenantId),
        eq(holds.status, 'available'),
        isNull(holds.notifiedAt),
        ne(holds.contactMethod, 'none'),
        locationId ? eq(holds.pickupLocationId, locationId) : undefined,
      ),
    )
    .orderBy(asc(holds.pickupBy), asc(holds.trappedAt), asc(holds.id));
}

/** 連絡済み: staff told the patron (by phone) that the copy is ready. Logged, without patron data. */
export async function markHoldContacted(ctx: Ctx, holdId: string) {
  requirePermission(ctx, 'holds.manage');
  return inTx(ctx, async (tx) => {
    const [hold] = await tx
      .select({ status: holds.status, notifiedAt: holds.notifiedAt })
      .from(holds)
      .where(and(eq(holds.tenantId, ctx.tenantId), eq(holds.id, holdId)))
      .for('update');
    if (!hold) throw new AppError('notFound');
    if (hold.status !== 'available') throw new AppError('conflict', 'the hold is not on the pickup shelf');
    if (hold.notifiedAt) return { holdId, notifiedAt: hold.notifiedAt.toISOString(), already: true };
    const now = ctx.now();
    await tx.update(holds).set({ notifiedAt: now, notifiedVia: 'staff' }).where(eq(holds.id, holdId));
    await recordOperation(tx, ctx, { action: 'hold.contacted', targetType: 'hold', targetId: holdId });
    return { holdId, notifiedAt: now.toISOString(), already: false };
  });
}

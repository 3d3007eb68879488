import { and, asc, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import { bibRecords, items, loans, overdueNotices, patrons, tenants } from '../../db/schema/index.ts';
import { daysBetween, todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { recordOperation } from '../oplog/record.ts';

/**
 * 督促 stages: how many days overdue a patron's oldest loan must be, and how the library reaches
 * them. No fines (Library Act Art. 17): the sanction is the block on new loans the loan rules
 * apply while anything is overdue. Postcards never carry titles: anyone can read a postcard.
 */
export const OverdueSettings = z.object({
  stages: z
    .array(
      z.object({
        afterDays: z.number().int().min(1).max(365),
        channel: z.enum(['email', 'postcard', 'letter']),
        /** for e-mail: what to send a patron with no address */
        fallback: z.enum(['postcard', 'letter']).optional(),
      }),
    )
    .min(1)
    .max(5)
    .refine((s) => s.every((x, i) => i === 0 || x.afterDays > s[i - 1]!.afterDays), {
      message: 'stages must be in increasing order of days',
    }),
});
export type OverdueSettings = z.infer<typeof OverdueSettings>;

export const DEFAULT_OVERDUE_SETTINGS: OverdueSettings = {
  stages: [
    { afterDays: 1, channel: 'email', fallback: 'postcard' },
    { afterDays: 14, channel: 'postcard' },
    { afterDays: 30, channel: 'letter' },
  ],
};

async function overdueSettings(ctx: Ctx): Promise<OverdueSettings> {
  const [t] = await ctx.db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const parsed = OverdueSettings.safeParse(t?.settings?.overdue);
  return parsed.success ? parsed.data : DEFAULT_OVERDUE_SETTINGS;
}

/**
 * The daily 督促 run: for every patron with overdue loans, the highest stage their oldest overdue
 * loan has reached gets a notice, unless this spell already has one at that stage. Safe to run
 * again the same day, and on two servers at once (the unique key decides).
 */
export async function produceOverdueNotices(ctx: Ctx) {
  requirePermission(ctx, 'circulation.notices');
  const today = todayInTokyo(ctx.now());
  const { stages } = await overdueSettings(ctx);
  const overdue = await ctx.db
    .select({
      loanId: loans.id,
      patronId: loans.patronId,
      dueOn: loans.dueOn,
      email: patrons.email,
    })
    .from(loans)
    .innerJoin(patrons, eq(patrons.id, loans.patronId))
    .where(and(eq(loans.tenantId, ctx.tenantId), isNull(loans.returnedAt), lt(loans.dueOn, today)))
    .orderBy(asc(loans.patronId), asc(loans.dueOn), asc(loans.id));

  const byPatron = new Map<string, typeof overdue>();
  for (const l of overdue) {
    if (!l.patronId) continue;
    byPatron.set(l.patronId, [...(byPatron.get(l.patronId) ?? []), l]);
  }
  let created = 0;
  const byChannel: Record<string, number> = {};
  for (const [patronId, list] of byPatron) {
    const oldest = list[0]!;
    const days = daysBetween(oldest.dueOn, today);
    const stageIndex = stages.findLastIndex((s) => days >= s.afterDays);
    if (stageIndex < 0) continue;
    const stage = stages[stageIndex]!;
    const channel =
      stage.channel === 'email' && !oldest.email ? (stage.fallback ?? 'postcard') : stage.channel;
    const inserted = await inTx(ctx, async (tx) => {
      const rows = await tx
        .insert(overdueNotices)
        .values({
          tenantId: ctx.tenantId,
          patronId,
          stage: stageIndex + 1,
          channel,
          noticeDay: today,
          spellLoanId: oldest.loanId,
          loanIds: list.map((l) => l.loanId),
          itemCount: list.length,
          oldestDueOn: oldest.dueOn,
        })
        .onConflictDoNothing()
        .returning({ id: overdueNotices.id });
      if (rows[0]) {
        await recordOperation(tx, ctx, {
          action: 'overdue.notice',
          targetType: 'overdueNotice',
          targetId: rows[0].id,
          details: { stage: stageIndex + 1, channel, items: list.length },
        });
      }
      return rows.length;
    });
    created += inserted;
    if (inserted) byChannel[channel] = (byChannel[channel] ?? 0) + 1;
  }
  return { day: today, overduePatrons: byPatron.size, overdueLoans: overdue.length, created, byChannel };
}

export type NoticeFilter = {
  status?: 'pending' | 'sent' | 'printed' | 'cancelled';
  channel?: 'email' | 'postcard' | 'letter';
  day?: string;
};

/**
 * Notices with what each channel may show. The postcard list carries the address and the number
 * of items, never titles; a sealed letter lists the titles (they are still on loan, so the
 * patron–item link still exists).
 */
export async function listOverdueNotices(ctx: Ctx, filter: NoticeFilter) {
  requirePermission(ctx, 'circulation.notices');
  const rows = await ctx.db
    .select({
      id: overdueNotices.id,
      stage: overdueNotices.stage,
      channel: overdueNotices.channel,
      noticeDay: overdueNotices.noticeDay,
      status: overdueNotices.status,
      itemCount: overdueNotices.itemCount,
      oldestDueOn: overdueNotices.oldestDueOn,
      loanIds: overdueNotices.loanIds,
      patronId: patrons.id,
      name: patrons.name,
      postalCode: patrons.postalCode,
      address: patrons.address,
      email: patrons.email,
    })
    .from(overdueNotices)
    .innerJoin(patrons, eq(patrons.id, overdueNotices.patronId))
    .where(
      and(
        eq(overdueNotices.tenantId, ctx.tenantId),
        filter.status ? eq(overdueNotices.status, filter.status) : undefined,
        filter.channel ? eq(overdueNotices.channel, filter.channel) : undefined,
        filter.day ? eq(overdueNotices.noticeDay, filter.day) : undefined,
      ),
    )
    .orderBy(desc(overdueNotices.noticeDay), asc(overdueNotices.channel), asc(patrons.nameReading));
  const letterLoans = rows.filter((r) => r.channel === 'letter').flatMap((r) => r.loanIds);
  const titles = new Map<string, string>();
  if (letterLoans.length) {
    const found = await ctx.db
      .select({ loanId: loans.id, title: bibRecords.title })
      .from(loans)
      .innerJoin(items, eq(items.id, loans.itemId))
      .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
      .where(and(eq(loans.tenantId, ctx.tenantId), inArray(loans.id, letterLoans)));
    for (const r of found) titles.set(r.loanId, r.title);
  }
  return rows.map(({ loanIds, email, ...r }) => ({
    ...r,
    email: r.channel === 'email' ? email : null,
    daysOverdue: daysBetween(r.oldestDueOn, todayInTokyo(ctx.now())),
    titles:
      r.channel === 'letter'
        ? loanIds.map((id) => titles.get(id)).filter((t): t is string => Boolean(t))
        : [],
  }));
}

/** Mark notices as sent (mail handed over) or printed; every change is logged. */
export async function markNotices(ctx: Ctx, ids: string[], status: 'sent' | 'printed' | 'cancelled') {
  requirePermission(ctx, 'circulation.notices');
  return inTx(ctx, async (tx) => {
    const rows = await tx
      .update(overdueNotices)
      .set({ status })
      .where(and(eq(overdueNotices.tenantId, ctx.tenantId), inArray(overdueNotices.id, ids)))
      .returning({ id: overdueNotices.id });
    await recordOperation(tx, ctx, {
      action: `overdue.${status}`,
      targetType: 'overdueNotice',
      details: { count: rows.length },
    });
    return { updated: rows.length };
  });
}

import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { bibRecords, items, loans, patrons } from '../../db/schema/index.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { requirePatron } from '../patron-auth/account.ts';

/**
 * 読書記録 (reading history). It exists only for a patron who opted in: a return keeps the
 * patron–loan link then, and erases it otherwise. Opting out erases what was kept; the patron can
 * also erase one entry or all of it at any time. Nothing of it goes to the operation log beyond
 * counts (no titles, no item ids).
 */
export async function myReadingHistory(ctx: Ctx, page: { limit: number; offset: number }) {
  const me = requirePatron(ctx);
  const [p] = await ctx.db
    .select({ optIn: patrons.readingHistoryOptIn })
    .from(patrons)
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, me.id)));
  if (!p) throw new AppError('unauthenticated');
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, { action: 'patron.viewReadingHistory', targetType: 'patron', targetId: me.id }),
  );
  if (!p.optIn) return { optedIn: false, entries: [] };
  const entries = await ctx.db
    .select({
      loanId: loans.id,
      bibId: bibRecords.id,
      title: bibRecords.title,
      loanedAt: loans.loanedAt,
      returnedAt: loans.returnedAt,
    })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.patronId, me.id), isNotNull(loans.returnedAt)))
    .orderBy(desc(loans.returnedAt), desc(loans.id))
    .limit(page.limit)
    .offset(page.offset);
  return {
    optedIn: true,
    entries: entries.map((e) => ({
      ...e,
      loanedAt: e.loanedAt.toISOString(),
      returnedAt: e.returnedAt!.toISOString(),
    })),
  };
}

/** Erase returned loans' link to me: all of them, or one. */
async function eraseHistory(ctx: Ctx, patronId: string, loanId?: string) {
  return inTx(ctx, async (tx) => {
    const erased = await tx
      .update(loans)
      .set({ patronId: null })
      .where(
        and(
          eq(loans.tenantId, ctx.tenantId),
          eq(loans.patronId, patronId),
          isNotNull(loans.returnedAt),
          loanId ? eq(loans.id, loanId) : undefined,
        ),
      )
      .returning({ id: loans.id });
    await recordOperation(tx, ctx, {
      action: 'patron.eraseReadingHistory',
      targetType: 'patron',
      targetId: patronId,
      details: { erased: erased.length, single: Boolean(loanId) },
    });
    return erased.length;
  });
}

/** Opt in to or out of the reading history; opting out erases what was kept. */
export async function setMyReadingHistory(ctx: Ctx, input: { optIn: boolean }) {
  const me = requirePatron(ctx);
  await inTx(ctx, async (tx) => {
    await tx
      .update(patrons)
      .set({ readingHistoryOptIn: input.optIn, updatedAt: ctx.now() })
      .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, me.id)));
    await recordOperation(tx, ctx, {
      action: 'patron.readingHistoryOptIn',
      targetType: 'patron',
      targetId: me.id,
      details: { optIn: input.optIn },
    });
  });
  const erased = input.optIn ? 0 : await eraseHistory(ctx, me.id);
  return { optedIn: input.optIn, erased };
}

/** Erase my whole reading history (I stay opted in). */
export async function deleteMyReadingHistory(ctx: Ctx) {
  const me = requirePatron(ctx);
  return { erased: await eraseHistory(ctx, me.id) };
}

/** Erase one entry of my reading history (another patron's entry is simply not found). */
export async function deleteMyReadingHistoryEntry(ctx: Ctx, loanId: string) {
  const me = requirePatron(ctx);
  const erased = await eraseHistory(ctx, me.id, loanId);
  if (erased === 0) throw new AppError('notFound');
  return { erased };
}

import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { holds, loans } from '../../db/schema/index.ts';
import { todayInTokyo as todayIn } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveRule } from '../rules/resolve-rule.ts';
import {
  hasOverdue,
  locationChain,
  lockItemByBarcode,
  lockItemById,
  lockPatron,
  tenantRules,
} from './circulation-context.ts';
import { dueDateAt } from './due-date.ts';
import { Refusals } from './refusals.ts';
import { recordCirculationEvent } from './statistics-event.ts';

export type RenewInput = { loanId: string } | { itemBarcode: string };
export type RenewOptions = { override?: boolean; locationId?: string; byPatronId?: string };

/**
 * Extend a loan from today by the rule's renewal period. Refused, with the reason, when someone is
 * waiting for the title, when the patron has anything overdue, when the type is not renewable, or
 * past the renewal limit. Patrons renewing their own loans (later) pass byPatronId.
 */
export async function renewLoan(ctx: Ctx, input: RenewInput, opts: RenewOptions = {}) {
  if (!opts.byPatronId) requirePermission(ctx, 'circulation.renew');
  return inTx(ctx, async (tx) => {
    const itemId =
      'itemBarcode' in input
        ? (await lockItemByBarcode(tx, ctx.tenantId, input.itemBarcode)).id
        : await itemOfLoan(tx, ctx.tenantId, input.loanId);
    const [loan] = await tx
      .select()
      .from(loans)
      .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.itemId, itemId), isNull(loans.returnedAt)))
      .for('update');
    if (!loan?.patronId) throw new AppError('notOnLoan');
    if (opts.byPatronId && loan.patronId !== opts.byPatronId) throw new AppError('notFound');
    const patron = await lockPatron(tx, ctx.tenantId, loan.patronId);
    const full = await lockItemById(tx, ctx.tenantId, itemId);
    const today = todayIn(ctx.now());
    const chain = await locationChain(tx, ctx.tenantId, opts.locationId ?? loan.locationId);
    const rule = resolveRule(await tenantRules(tx, ctx.tenantId), {
      patronCategoryId: patron.categoryId,
      materialTypeId: full.materialTypeId,
      locationChain: chain.map((l) => l.id),
    });
    if (!rule) throw new AppError('noLoanRule');
    const [waiting] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(holds)
      .where(
        and(
          eq(holds.tenantId, ctx.tenantId),
          eq(holds.bibId, full.bibId),
          inArray(holds.status, ['requested', 'preparing']),
        ),
      );
    const overridden = new Refusals()
      .add('renewalNotAllowed', rule.maxRenewals === 0 || !rule.loanable)
      .add('renewalLimit', rule.maxRenewals > 0 && loan.renewals >= rule.maxRenewals)
      .add('renewalHeld', (waiting?.n ?? 0) > 0)
      .add('renewalOverdue', await hasOverdue(tx, ctx.tenantId, patron.id, today))
      .settle(ctx, opts.override === true && !opts.byPatronId);
    const dueOn = await dueDateAt(tx, ctx.tenantId, chain, today, rule.renewalDays);
    await tx
      .update(loans)
      .set({ dueOn, renewals: loan.renewals + 1 })
      .where(eq(loans.id, loan.id));
    await recordCirculationEvent(tx, ctx, 'renew', {
      locationId: loan.locationId,
      item: full,
      patron,
      today,
    });
    await recordOperation(tx, ctx, {
      action: opts.byPatronId ? 'loan.renewByPatron' : 'loan.renew',
      targetType: 'loan',
      targetId: loan.id,
      details: { itemId, ...(overridden.length ? { overridden } : {}) },
    });
    return { loanId: loan.id, itemId, title: full.title, dueOn, renewals: loan.renewals + 1, overridden };
  });
}

async function itemOfLoan(tx: Tx, tenantId: string, loanId: string) {
  const [l] = await tx
    .select({ itemId: loans.itemId })
    .from(loans)
    .where(and(eq(loans.tenantId, tenantId), eq(loans.id, loanId)));
  if (!l) throw new AppError('notFound');
  return l.itemId;
}

import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { holds, items, loans } from '../../db/schema/index.ts';
import { todayInTokyo as todayIn } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveOverallRule, resolveRule, resolveTypeRule } from '../rules/resolve-rule.ts';
import {
  activeLoanCounts,
  locationChain,
  lockItemByBarcode,
  lockPatron,
  lockPatronByCard,
  tenantRules,
} from './circulation-context.ts';
import { dueDateAt } from './due-date.ts';
import { Refusals } from './refusals.ts';
import { recordCirculationEvent } from './statistics-event.ts';

export type CheckoutInput = {
  patron: { cardBarcode: string } | { patronId: string };
  itemBarcode: string;
  locationId: string;
  /** a retried request with the same key returns the first result instead of lending twice */
  idempotencyKey?: string;
  override?: boolean;
};

export type CheckoutResult = {
  loanId: string;
  itemId: string;
  itemBarcode: string;
  title: string;
  dueOn: string;
  overridden: string[];
  /** true when this answer repeats an earlier request with the same idempotency key */
  replayed: boolean;
};

/** A unique violation of one named constraint, as PGlite and postgres.js report it (wrapped by Drizzle). */
function violates(err: unknown, constraint: string): boolean {
  const e = (err as { cause?: Record<string, unknown> })?.cause ?? (err as Record<string, unknown>);
  return e?.code === '23505' && (e.constraint_name ?? e.constraint) === constraint;
}

export async function checkoutItem(ctx: Ctx, input: CheckoutInput): Promise<CheckoutResult> {
  requirePermission(ctx, 'circulation.checkout');
  try {
    return await inTx(ctx, (tx) => lend(tx, ctx, input));
  } catch (err) {
    // The same key came in twice at once (a retry racing the original): the loser answers with
    // the winner's loan. A key reused for another item is refused by replayed().
    if (input.idempotencyKey && violates(err, 'loans_idempotency')) {
      const replay = await inTx(ctx, (tx) => replayed(tx, ctx, input));
      if (replay) return replay;
    }
    throw err;
  }
}

async function lend(tx: Tx, ctx: Ctx, input: CheckoutInput): Promise<CheckoutResult> {
  {
    const patron =
      'cardBarcode' in input.patron
        ? await lockPatronByCard(tx, ctx.tenantId, input.patron.cardBarcode)
        : await lockPatron(tx, ctx.tenantId, input.patron.patronId);
    const item = await lockItemByBarcode(tx, ctx.tenantId, input.itemBarcode);
    const chain = await locationChain(tx, ctx.tenantId, input.locationId);
    const today = todayIn(ctx.now());
    const rules = await tenantRules(tx, ctx.tenantId);
    const q = {
      patronCategoryId: patron.categoryId,
      materialTypeId: item.materialTypeId,
      locationChain: chain.map((l) => l.id),
    };
    const rule = resolveRule(rules, q);
    const overall = resolveOverallRule(rules, q);
    if (!rule || !overall) throw new AppError('noLoanRule');
    const typeRule = resolveTypeRule(rules, q);
    const counts = await activeLoanCounts(tx, ctx.tenantId, patron.id, today, overall.overdueBlockDays);

    // A hold trapped for this item decides who may take it.
    const [trap] = await tx
      .select({ id: holds.id, patronId: holds.patronId })
      .from(holds)
      .where(
        and(
          eq(holds.tenantId, ctx.tenantId),
          eq(holds.itemId, item.id),
          inArray(holds.status, ['inTransit', 'available']),
        ),
      );

    if (item.status === 'onLoan') {
      // a retry of a checkout that went through (its answer was lost): the same loan again
      const replay = input.idempotencyKey ? await replayed(tx, ctx, input) : null;
      if (replay) return replay;
      throw new AppError('itemOnLoan');
    }
    const refusals = new Refusals()
      .add('itemNotAvailable', ['missing', 'repair', 'withdrawn'].includes(item.status))
      .add('patronSuspended', patron.status === 'suspended' || patron.status === 'deleted')
      .add('patronExpired', patron.status === 'expired' || patron.expiresOn < today)
      .add('patronHasOverdues', counts.blockingOverdues > 0)
      .add('loanLimitReached', counts.total >= overall.maxItems)
      .add(
        'typeLimitReached',
        typeRule !== null && (counts.byType.get(item.materialTypeId) ?? 0) >= typeRule.maxItems,
      )
      .add('itemNotLoanable', !rule.loanable || !item.typeLoanable)
      .add('itemHeldForOther', trap !== undefined && trap.patronId !== patron.id);
    const overridden = refusals.settle(ctx, input.override === true);

    const dueOn = await dueDateAt(tx, ctx.tenantId, chain, today, rule.loanDays);
    const [loan] = await tx
      .insert(loans)
      .values({
        tenantId: ctx.tenantId,
        itemId: item.id,
        patronId: patron.id,
        locationId: input.locationId,
        loanedAt: ctx.now(),
        dueOn,
        idempotencyKey: input.idempotencyKey ?? null,
      })
      .returning({ id: loans.id });
    await tx
      .update(items)
      .set({ status: 'onLoan', inTransitTo: null, updatedAt: ctx.now() })
      .where(eq(items.id, item.id));
    if (trap) {
      // the held item goes to whoever takes it; a hold for someone else that was overridden goes back to the queue
      await tx
        .update(holds)
        .set(
          trap.patronId === patron.id
            ? { status: 'fulfilled', closedAt: ctx.now() }
            : { status: 'requested', itemId: null, trappedAt: null, pickupBy: null },
        )
        .where(eq(holds.id, trap.id));
    }
    await recordCirculationEvent(tx, ctx, 'checkout', { locationId: input.locationId, item, patron, today });
    // The log names the loan and item, never the patron: the link must not outlive the loan.
    await recordOperation(tx, ctx, {
      action: 'loan.checkout',
      targetType: 'loan',
      targetId: loan!.id,
      details: { itemId: item.id, ...(overridden.length ? { overridden } : {}) },
    });
    return {
      loanId: loan!.id,
      itemId: item.id,
      itemBarcode: item.barcode,
      title: item.title,
      dueOn,
      overridden,
      replayed: false,
    };
  }
}

async function replayed(tx: Tx, ctx: Ctx, input: CheckoutInput): Promise<CheckoutResult | null> {
  const [prior] = await tx
    .select({ id: loans.id, itemId: loans.itemId, dueOn: loans.dueOn, barcode: items.barcode })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.idempotencyKey, input.idempotencyKey!)));
  if (!prior) return null;
  const item = await lockItemByBarcode(tx, ctx.tenantId, input.itemBarcode);
  if (item.id !== prior.itemId) throw new AppError('idempotencyMismatch');
  return {
    loanId: prior.id,
    itemId: prior.itemId,
    itemBarcode: prior.barcode,
    title: item.title,
    dueOn: prior.dueOn,
    overridden: [],
    replayed: true,
  };
}

import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { holds, items, loans, patronCards } from '../../db/schema/index.ts';
import { todayInTokyo as todayIn } from '../calendar/dates.ts';
import { allInOrder, type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveOverallRule, resolveRule, resolveTypeRule } from '../rules/resolve-rule.ts';
import {
  countLoans,
  knownChain,
  lockItemByBarcode,
  lockItemByCanonical,
  lockPatron,
  lockPatronByCanonicalCard,
  openLoansOf,
  scanWith,
} from './circulation-context.ts';
import { dueDateIn } from './due-date.ts';
import { Refusals } from './refusals.ts';
import { recordCirculationEvent } from './statistics-event.ts';
import { calendarFor, withTenantReference } from './tenant-reference.ts';

export type CheckoutInput = {
  patron: { cardBarcode: string } | { patronId: string };
  itemBarcode: string;
  locationId: string;
  /** a retried request with the same key returns the first result instead of lending twice */
  idempotencyKey?: string;
  override?: boolean;
  /**
   * Offline replay (the book already left with the patron): every refusal is returned in
   * `overridden` instead of stopping the loan, and the due date given to the patron is kept.
   */
  recordAnyway?: { dueOn?: string };
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

/**
 * One checkout in four round trips: BEGIN; the reference-data check, the patron, the item, the
 * patron's open loans and any hold trapped for the item (pipelined); all writes (pipelined);
 * COMMIT. Rules, locations and calendars come from the tenant's kept reference data
 * (see tenant-reference.ts).
 */
export async function lend(tx: Tx, ctx: Ctx, input: CheckoutInput): Promise<CheckoutResult> {
  const today = todayIn(ctx.now());
  const {
    ref,
    value: [patron, item, openLoans, [trap]],
  } = await withTenantReference(tx, ctx.tenantId, today, async (ref) => {
    // Sent together, in this order: the patron is locked (and a bad card is the reason given before
    // a bad item), then the item; the loan count and the trapped hold read after those locks.
    const card =
      'cardBarcode' in input.patron
        ? scanWith(ref.barcodeSettings, 'patronCard', input.patron.cardBarcode)
        : null;
    const patronP = card
      ? lockPatronByCanonicalCard(tx, ctx.tenantId, card)
      : lockPatron(tx, ctx.tenantId, (input.patron as { patronId: string }).patronId);
    const barcode = scanWith(ref.barcodeSettings, 'itemLabel', input.itemBarcode);
    const itemP = lockItemByCanonical(tx, ctx.tenantId, barcode);
    const holder = card
      ? sql`${loans.patronId} = (select ${patronCards.patronId} from ${patronCards} where ${patronCards.tenantId} = ${ctx.tenantId} and ${patronCards.barcode} = ${card})`
      : eq(loans.patronId, (input.patron as { patronId: string }).patronId);
    return allInOrder([
      patronP,
      itemP,
      openLoansOf(tx, ctx.tenantId, holder),
      // A hold trapped for this item decides who may take it.
      tx
        .select({ id: holds.id, patronId: holds.patronId })
        .from(holds)
        .where(
          and(
            eq(holds.tenantId, ctx.tenantId),
            eq(
              holds.itemId,
              sql`(select ${items.id} from ${items} where ${items.tenantId} = ${ctx.tenantId} and ${items.barcode} = ${barcode})`,
            ),
            inArray(holds.status, ['inTransit', 'available']),
          ),
        ),
    ]);
  });
  const chain = knownChain(ref.locations, input.locationId);
  const q = {
    patronCategoryId: patron.categoryId,
    materialTypeId: item.materialTypeId,
    locationChain: chain.map((l) => l.id),
  };
  const rule = resolveRule(ref.rules, q);
  const overall = resolveOverallRule(ref.rules, q);
  if (!rule || !overall) throw new AppError('noLoanRule');
  const typeRule = resolveTypeRule(ref.rules, q);
  const counts = countLoans(openLoans, today, overall.overdueBlockDays);

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
  const overridden = input.recordAnyway ? refusals.list() : refusals.settle(ctx, input.override === true);

  const dueOn = input.recordAnyway?.dueOn ?? dueDateIn(calendarFor(ref, chain), chain, today, rule.loanDays);
  const loanId = randomUUID();
  // Sent together; the loan goes first, so a duplicate idempotency key is the error reported.
  await allInOrder([
    tx.insert(loans).values({
      id: loanId,
      tenantId: ctx.tenantId,
      itemId: item.id,
      patronId: patron.id,
      locationId: input.locationId,
      loanedAt: ctx.now(),
      dueOn,
      idempotencyKey: input.idempotencyKey ?? null,
    }),
    tx
      .update(items)
      .set({ status: 'onLoan', inTransitTo: null, updatedAt: ctx.now() })
      .where(eq(items.id, item.id)),
    // the held item goes to whoever takes it; a hold for someone else that was overridden goes back to the queue
    trap &&
      tx
        .update(holds)
        .set(
          trap.patronId === patron.id
            ? { status: 'fulfilled', closedAt: ctx.now() }
            : {
                status: 'requested',
                itemId: null,
                trappedAt: null,
                pickupBy: null,
                notifiedAt: null,
                notifiedVia: null,
              },
        )
        .where(eq(holds.id, trap.id)),
    recordCirculationEvent(tx, ctx, 'checkout', { locationId: input.locationId, item, patron, today }),
    // The log names the loan and item, never the patron: the link must not outlive the loan.
    recordOperation(tx, ctx, {
      action: 'loan.checkout',
      targetType: 'loan',
      targetId: loanId,
      details: { itemId: item.id, ...(overridden.length ? { overridden } : {}) },
    }),
  ]);
  return {
    loanId,
    itemId: item.id,
    itemBarcode: item.barcode,
    title: item.title,
    dueOn,
    overridden,
    replayed: false,
  };
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

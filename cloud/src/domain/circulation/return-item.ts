import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { items, loans, patrons } from '../../db/schema/index.ts';
import { todayInTokyo as todayIn } from '../calendar/dates.ts';
import { allInOrder, type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveRule } from '../rules/resolve-rule.ts';
import { knownChain, lockItemByCanonical, lockPatronWhere, scanWith } from './circulation-context.ts';
import { pickupDeadlineIn } from './due-date.ts';
import { recordCirculationEvent } from './statistics-event.ts';
import { calendarFor, withTenantReference } from './tenant-reference.ts';
import { holdQueueQueries, settleTrap, type TrapFacts, type TrapResult } from './trap-hold.ts';

export type ReturnInput = {
  itemBarcode: string;
  locationId: string;
  /** book drop (ブックポスト) returns may be dated to the morning they were found */
  effectiveDate?: string;
};

export type ReturnResult = {
  itemId: string;
  itemBarcode: string;
  title: string;
  wasOnLoan: boolean;
  wasOverdue: boolean;
  /** the item is wanted by a hold: put it on the hold shelf or send it on (say so loudly) */
  hold: TrapResult | null;
  /** the item belongs elsewhere: send it home (回送) */
  routeTo: { locationId: string; nameJa: string } | null;
};

/**
 * One return in four round trips: BEGIN; the reference-data check, the item, its open loan, the
 * loan's patron and the hold queue (pipelined, locked in that order); the writes (pipelined; a
 * trapped hold is written first); COMMIT.
 */
export async function returnItem(ctx: Ctx, input: ReturnInput): Promise<ReturnResult> {
  requirePermission(ctx, 'circulation.return');
  return inTx(ctx, (tx) => giveBack(tx, ctx, input));
}

/** The return inside the caller's transaction (the offline replay runs several steps in one). */
export async function giveBack(tx: Tx, ctx: Ctx, input: ReturnInput): Promise<ReturnResult> {
  {
    const today = todayIn(ctx.now());
    const {
      ref,
      value: [item, [loan], patron, inTransit, next],
    } = await withTenantReference(tx, ctx.tenantId, today, async (ref) => {
      const barcode = scanWith(ref.barcodeSettings, 'itemLabel', input.itemBarcode);
      const itemId = sql`(select ${items.id} from ${items} where ${items.tenantId} = ${ctx.tenantId} and ${items.barcode} = ${barcode})`;
      const bibId = sql`(select ${items.bibId} from ${items} where ${items.tenantId} = ${ctx.tenantId} and ${items.barcode} = ${barcode})`;
      const openLoan = and(
        eq(loans.tenantId, ctx.tenantId),
        eq(loans.itemId, itemId),
        isNull(loans.returnedAt),
      );
      // Sent together, in this order: the item is locked, then its open loan, the loan's patron and
      // the hold queue (each read after the locks before it).
      const itemP = lockItemByCanonical(tx, ctx.tenantId, barcode);
      const loanP = Promise.resolve(tx.select().from(loans).where(openLoan).for('update'));
      const patronP = lockPatronWhere(
        tx,
        ctx.tenantId,
        sql`${patrons.id} = (select ${loans.patronId} from ${loans} where ${openLoan})`,
      );
      const [inTransitQ, nextQ] = holdQueueQueries(tx, {
        tenantId: ctx.tenantId,
        today,
        item: { id: itemId, bibId },
      });
      return allInOrder([itemP, loanP, patronP, inTransitQ, nextQ]);
    });
    const effective = input.effectiveDate ?? today;
    if (effective > today)
      throw new AppError('validation', undefined, [
        { path: 'effectiveDate', message: 'cannot be in the future' },
      ]);
    const chain = knownChain(ref.locations, input.locationId);
    const trapFacts: TrapFacts = {
      tenantId: ctx.tenantId,
      item,
      atLocationIds: chain.map((l) => l.id),
      today,
      now: ctx.now(),
      pickupBy: async (pickupLocationId) => {
        const rule = resolveRule(ref.rules, {
          patronCategoryId: patron?.categoryId ?? '',
          materialTypeId: item.materialTypeId,
          locationChain: [pickupLocationId],
        });
        const pickupChain = knownChain(ref.locations, pickupLocationId);
        return pickupDeadlineIn(calendarFor(ref, pickupChain), pickupChain, today, rule?.pickupOpenDays ?? 7);
      },
    };
    if (!loan && !['onLoan', 'available', 'missing', 'inTransit'].includes(item.status)) {
      throw new AppError('notOnLoan');
    }
    // an item already on the hold shelf stays there (its queue rows were only read)
    const hold =
      item.status === 'onHoldShelf' ? null : await settleTrap(tx, trapFacts, inTransit[0], next[0]);

    // Home is the item's own location or, for a station, its bookmobile.
    const belongsHere = chain.some((l) => l.id === item.locationId);
    let routeTo: ReturnResult['routeTo'] = null;
    if (!hold && !belongsHere) {
      const home = ref.locations.get(item.locationId);
      routeTo = home ? { locationId: home.id, nameJa: home.nameJa } : null;
    }
    const status = hold
      ? hold.status === 'available'
        ? 'onHoldShelf'
        : 'inTransit'
      : routeTo
        ? 'inTransit'
        : 'available';
    await allInOrder([
      loan &&
        tx
          .update(loans)
          .set({
            returnedAt: input.effectiveDate ? new Date(`${effective}T09:00:00+09:00`) : ctx.now(),
            returnLocationId: input.locationId,
            // privacy of reading: the patron–item link ends with the loan unless the patron opted in
            patronId: patron?.readingHistoryOptIn ? patron.id : null,
          })
          .where(eq(loans.id, loan.id)),
      tx
        .update(items)
        .set({
          status,
          inTransitTo: hold?.status === 'inTransit' ? hold.pickupLocationId : (routeTo?.locationId ?? null),
          updatedAt: ctx.now(),
        })
        .where(eq(items.id, item.id)),
      loan &&
        recordCirculationEvent(tx, ctx, 'return', { locationId: input.locationId, item, patron, today }),
      recordOperation(tx, ctx, {
        action: 'loan.return',
        targetType: 'item',
        targetId: item.id,
        details: {
          ...(loan ? { loanId: loan.id } : { wasOnLoan: false }),
          ...(hold ? { holdId: hold.holdId } : {}),
          ...(routeTo ? { routed: true } : {}),
        },
      }),
    ]);
    return {
      itemId: item.id,
      itemBarcode: item.barcode,
      title: item.title,
      wasOnLoan: Boolean(loan),
      wasOverdue: Boolean(loan && loan.dueOn < effective),
      hold,
      routeTo,
    };
  }
}

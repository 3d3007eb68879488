import { and, eq, isNull } from 'drizzle-orm';
import { items, loans, locations } from '../../db/schema/index.ts';
import { todayInTokyo as todayIn } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveRule } from '../rules/resolve-rule.ts';
import { locationChain, lockItemByBarcode, lockPatron, tenantRules } from './circulation-context.ts';
import { pickupDeadline } from './due-date.ts';
import { recordCirculationEvent } from './statistics-event.ts';
import { type TrapResult, trapNextHold } from './trap-hold.ts';

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

export async function returnItem(ctx: Ctx, input: ReturnInput): Promise<ReturnResult> {
  requirePermission(ctx, 'circulation.return');
  return inTx(ctx, async (tx) => {
    const item = await lockItemByBarcode(tx, ctx.tenantId, input.itemBarcode);
    const today = todayIn(ctx.now());
    const effective = input.effectiveDate ?? today;
    if (effective > today)
      throw new AppError('validation', undefined, [
        { path: 'effectiveDate', message: 'cannot be in the future' },
      ]);
    const chain = await locationChain(tx, ctx.tenantId, input.locationId);
    const [loan] = await tx
      .select()
      .from(loans)
      .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.itemId, item.id), isNull(loans.returnedAt)))
      .for('update');
    let patron: Awaited<ReturnType<typeof lockPatron>> | null = null;
    if (loan) {
      patron = loan.patronId ? await lockPatron(tx, ctx.tenantId, loan.patronId) : null;
      await tx
        .update(loans)
        .set({
          returnedAt: input.effectiveDate ? new Date(`${effective}T09:00:00+09:00`) : ctx.now(),
          returnLocationId: input.locationId,
          // privacy of reading: the patron–item link ends with the loan unless the patron opted in
          patronId: patron?.readingHistoryOptIn ? patron.id : null,
        })
        .where(eq(loans.id, loan.id));
    } else if (!['onLoan', 'available', 'missing', 'inTransit'].includes(item.status)) {
      throw new AppError('notOnLoan');
    }

    const rules = await tenantRules(tx, ctx.tenantId);
    const hold = ['onHoldShelf'].includes(item.status)
      ? null
      : await trapNextHold(tx, {
          tenantId: ctx.tenantId,
          item,
          atLocationIds: chain.map((l) => l.id),
          today,
          now: ctx.now(),
          pickupBy: async (pickupLocationId) => {
            const rule = resolveRule(rules, {
              patronCategoryId: patron?.categoryId ?? '',
              materialTypeId: item.materialTypeId,
              locationChain: [pickupLocationId],
            });
            return pickupDeadline(tx, ctx.tenantId, pickupLocationId, today, rule?.pickupOpenDays ?? 7);
          },
        });

    // Home is the item's own location or, for a station, its bookmobile.
    const belongsHere = chain.some((l) => l.id === item.locationId);
    let routeTo: ReturnResult['routeTo'] = null;
    if (!hold && !belongsHere) {
      const [home] = await tx
        .select({ id: locations.id, nameJa: locations.nameJa })
        .from(locations)
        .where(eq(locations.id, item.locationId));
      routeTo = home ? { locationId: home.id, nameJa: home.nameJa } : null;
    }
    const status = hold
      ? hold.status === 'available'
        ? 'onHoldShelf'
        : 'inTransit'
      : routeTo
        ? 'inTransit'
        : 'available';
    await tx
      .update(items)
      .set({
        status,
        inTransitTo: hold?.status === 'inTransit' ? hold.pickupLocationId : (routeTo?.locationId ?? null),
        updatedAt: ctx.now(),
      })
      .where(eq(items.id, item.id));
    if (loan)
      await recordCirculationEvent(tx, ctx, 'return', { locationId: input.locationId, item, patron, today });
    await recordOperation(tx, ctx, {
      action: 'loan.return',
      targetType: 'item',
      targetId: item.id,
      details: {
        ...(loan ? { loanId: loan.id } : { wasOnLoan: false }),
        ...(hold ? { holdId: hold.holdId } : {}),
        ...(routeTo ? { routed: true } : {}),
      },
    });
    return {
      itemId: item.id,
      itemBarcode: item.barcode,
      title: item.title,
      wasOnLoan: Boolean(loan),
      wasOverdue: Boolean(loan && loan.dueOn < effective),
      hold,
      routeTo,
    };
  });
}

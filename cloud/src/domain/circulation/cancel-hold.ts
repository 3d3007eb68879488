import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { holds, items } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { pickupDeadline } from './due-date.ts';
import { ACTIVE_HOLD } from './place-hold.ts';
import { trapNextHold } from './trap-hold.ts';

/**
 * Close a hold (cancelled by staff or patron, or expired on the shelf). If it held a copy, the copy
 * passes to the next in the queue, or goes back on the shelf / home.
 */
export async function closeHold(
  tx: Tx,
  ctx: Ctx,
  holdId: string,
  status: 'cancelled' | 'expired',
  byPatronId?: string,
) {
  const [hold] = await tx
    .select()
    .from(holds)
    .where(and(eq(holds.tenantId, ctx.tenantId), eq(holds.id, holdId)))
    .for('update');
  if (!hold || (byPatronId && hold.patronId !== byPatronId)) throw new AppError('notFound');
  if (!(ACTIVE_HOLD as readonly string[]).includes(hold.status)) throw new AppError('holdNotCancellable');
  await tx.update(holds).set({ status, closedAt: ctx.now(), pickupBy: null }).where(eq(holds.id, hold.id));
  let passedTo: string | null = null;
  if (hold.itemId && (hold.status === 'available' || hold.status === 'inTransit')) {
    const [item] = await tx.select().from(items).where(eq(items.id, hold.itemId)).for('update');
    const today = todayInTokyo(ctx.now());
    const at =
      hold.status === 'available' ? hold.pickupLocationId : (item?.inTransitTo ?? hold.pickupLocationId);
    const next = item
      ? await trapNextHold(tx, {
          tenantId: ctx.tenantId,
          item,
          atLocationIds: [at],
          today,
          now: ctx.now(),
          pickupBy: (loc) => pickupDeadline(tx, ctx.tenantId, loc, today, 7),
        })
      : null;
    passedTo = next?.holdId ?? null;
    if (item) {
      const home = item.locationId === at;
      await tx
        .update(items)
        .set(
          next
            ? {
                status: next.status === 'available' ? 'onHoldShelf' : 'inTransit',
                inTransitTo: next.status === 'inTransit' ? next.pickupLocationId : null,
              }
            : { status: home ? 'available' : 'inTransit', inTransitTo: home ? null : item.locationId },
        )
        .where(eq(items.id, item.id));
    }
  }
  await recordOperation(tx, ctx, {
    action: status === 'expired' ? 'hold.expire' : byPatronId ? 'hold.cancelByPatron' : 'hold.cancel',
    targetType: 'hold',
    targetId: hold.id,
    details: passedTo ? { passedTo } : {},
  });
  return { holdId: hold.id, status, passedTo };
}

export async function cancelHold(ctx: Ctx, holdId: string, opts: { byPatronId?: string } = {}) {
  if (!opts.byPatronId) requirePermission(ctx, 'holds.manage');
  return inTx(ctx, (tx) => closeHold(tx, ctx, holdId, 'cancelled', opts.byPatronId));
}

/** The daily job: holds left on the shelf past their pickup deadline expire and pass their copy on. */
export async function expireHolds(ctx: Ctx) {
  requirePermission(ctx, 'holds.manage');
  return expireDueHolds(ctx);
}

/** The work of expireHolds, for callers that checked their own permission (the daily job). */
export async function expireDueHolds(ctx: Ctx) {
  const today = todayInTokyo(ctx.now());
  const due = await ctx.db
    .select({ id: holds.id, pickupBy: holds.pickupBy })
    .from(holds)
    .where(and(eq(holds.tenantId, ctx.tenantId), inArray(holds.status, ['available'])));
  const expired = [];
  for (const h of due.filter((d) => d.pickupBy !== null && d.pickupBy < today)) {
    expired.push(await inTx(ctx, (tx) => closeHold(tx, ctx, h.id, 'expired')));
  }
  return expired;
}

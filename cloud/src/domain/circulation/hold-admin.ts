import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { bibRecords, holds, items, locations } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { ACTIVE_HOLD } from './place-hold.ts';

export type HoldChanges = {
  /** 予約の一時停止: not served before this day (null lifts it) */
  suspendedUntil?: string | null;
  /** 不要日: not wanted after this day (null: always) */
  notNeededAfter?: string | null;
  pickupLocationId?: string;
  contactMethod?: 'email' | 'phone' | 'none';
};

/** Change a waiting hold. A hold already trapped keeps its pickup point: the copy is on its way. */
export async function updateHold(
  ctx: Ctx,
  holdId: string,
  changes: HoldChanges,
  opts: { byPatronId?: string } = {},
) {
  if (!opts.byPatronId) requirePermission(ctx, 'holds.manage');
  return inTx(ctx, async (tx) => {
    const [hold] = await tx
      .select()
      .from(holds)
      .where(and(eq(holds.tenantId, ctx.tenantId), eq(holds.id, holdId)))
      .for('update');
    if (!hold || (opts.byPatronId && hold.patronId !== opts.byPatronId)) throw new AppError('notFound');
    if (!(ACTIVE_HOLD as readonly string[]).includes(hold.status)) throw new AppError('holdNotCancellable');
    const trapped = hold.status === 'available' || hold.status === 'inTransit';
    if (trapped && (changes.pickupLocationId || changes.suspendedUntil)) {
      throw new AppError('conflict', 'the copy is already set aside for this hold');
    }
    if (changes.pickupLocationId) {
      const [loc] = await tx
        .select({ isPickupPoint: locations.isPickupPoint })
        .from(locations)
        .where(and(eq(locations.tenantId, ctx.tenantId), eq(locations.id, changes.pickupLocationId)));
      if (!loc?.isPickupPoint)
        throw new AppError('validation', undefined, [
          { path: 'pickupLocationId', message: 'not a pickup location' },
        ]);
    }
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length === 0) return { holdId, status: hold.status };
    await tx.update(holds).set(set).where(eq(holds.id, holdId));
    await recordOperation(tx, ctx, {
      action: opts.byPatronId ? 'hold.updateByPatron' : 'hold.update',
      targetType: 'hold',
      targetId: holdId,
      details: { fields: Object.keys(set) },
    });
    return { holdId, status: hold.status };
  });
}

/**
 * 準備中リスト (pull list): holds that a copy on the shelf can serve, with where to find it.
 * Staff pull the copies and scan them at the return desk, which traps each for its hold in queue
 * order. No patron data: the list goes round the stacks on paper.
 */
export async function holdPullList(ctx: Ctx, locationId?: string) {
  requirePermission(ctx, 'holds.manage');
  const rows = await ctx.db
    .select({
      bibId: holds.bibId,
      title: bibRecords.title,
      waiting: sql<number>`count(distinct ${holds.id})::int`,
      copies: sql<
        { barcode: string; callNumber: string; shelf: string; locationJa: string }[]
      >`json_agg(distinct jsonb_build_object('barcode', ${items.barcode}, 'callNumber', ${items.callNumber}, 'shelf', ${items.shelf}, 'locationJa', ${locations.nameJa}))`,
    })
    .from(holds)
    .innerJoin(bibRecords, eq(bibRecords.id, holds.bibId))
    .innerJoin(
      items,
      and(eq(items.bibId, holds.bibId), eq(items.tenantId, holds.tenantId), eq(items.status, 'available')),
    )
    .innerJoin(locations, eq(locations.id, items.locationId))
    .where(
      and(
        eq(holds.tenantId, ctx.tenantId),
        inArray(holds.status, ['preparing', 'requested']),
        locationId ? eq(items.locationId, locationId) : undefined,
        sql`(${holds.itemId} is null or ${holds.itemId} = ${items.id})`,
        sql`(${holds.suspendedUntil} is null or ${holds.suspendedUntil} <= current_date)`,
      ),
    )
    .groupBy(holds.bibId, bibRecords.title)
    .orderBy(asc(bibRecords.title));
  return rows;
}

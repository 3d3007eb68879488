import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { bibRecords, holds, items, locations } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveOverallRule } from '../rules/resolve-rule.ts';
import { locationChain, lockPatron, tenantRules } from './circulation-context.ts';
import { Refusals } from './refusals.ts';

export const ACTIVE_HOLD = ['requested', 'preparing', 'inTransit', 'available'] as const;

export type PlaceHoldInput = {
  patronId: string;
  bibId: string;
  /** item-level hold on one copy (e.g. a specific edition on the shelf) */
  itemId?: string;
  volume?: string;
  pickupLocationId: string;
  contactMethod: 'email' | 'phone' | 'none';
  notNeededAfter?: string;
};

/** Place a hold (予約). Staff pass through here; patrons (later) with byPatron = their own id. */
export async function placeHold(
  ctx: Ctx,
  input: PlaceHoldInput,
  opts: { byPatron?: boolean; override?: boolean } = {},
) {
  if (!opts.byPatron) requirePermission(ctx, 'holds.manage');
  return inTx(ctx, async (tx) => {
    const patron = await lockPatron(tx, ctx.tenantId, input.patronId);
    const [bib] = await tx
      .select({ id: bibRecords.id })
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, input.bibId)));
    if (!bib) throw new AppError('notFound', 'bib');
    const [pickup] = await tx
      .select({ id: locations.id, isPickupPoint: locations.isPickupPoint })
      .from(locations)
      .where(and(eq(locations.tenantId, ctx.tenantId), eq(locations.id, input.pickupLocationId)));
    if (!pickup?.isPickupPoint)
      throw new AppError('validation', undefined, [
        { path: 'pickupLocationId', message: 'not a pickup location' },
      ]);
    if (input.itemId) {
      const [it] = await tx
        .select({ id: items.id })
        .from(items)
        .where(
          and(eq(items.tenantId, ctx.tenantId), eq(items.id, input.itemId), eq(items.bibId, input.bibId)),
        );
      if (!it)
        throw new AppError('validation', undefined, [
          { path: 'itemId', message: 'not a copy of this record' },
        ]);
    }
    const today = todayInTokyo(ctx.now());
    const rule = resolveOverallRule(await tenantRules(tx, ctx.tenantId), {
      patronCategoryId: patron.categoryId,
      locationChain: (await locationChain(tx, ctx.tenantId, input.pickupLocationId)).map((l) => l.id),
    });
    if (!rule) throw new AppError('noLoanRule');
    const [counts] = await tx
      .select({
        all: sql<number>`count(*)::int`,
        same: sql<number>`count(*) filter (where ${holds.bibId} = ${input.bibId} and coalesce(${holds.volume}, '') = ${input.volume ?? ''})::int`,
      })
      .from(holds)
      .where(
        and(
          eq(holds.tenantId, ctx.tenantId),
          eq(holds.patronId, patron.id),
          inArray(holds.status, [...ACTIVE_HOLD]),
        ),
      );
    if ((counts?.same ?? 0) > 0) throw new AppError('holdDuplicate');
    const overridden = new Refusals()
      .add('patronSuspended', patron.status === 'suspended' || patron.status === 'deleted')
      .add('patronExpired', patron.status === 'expired' || patron.expiresOn < today)
      .add('holdLimitReached', (counts?.all ?? 0) >= rule.maxHolds)
      .settle(ctx, opts.override === true && !opts.byPatron);
    // With a copy on the shelf the hold goes straight to 準備中: staff pull it (the pull list).
    const [onShelf] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(items)
      .where(
        and(
          eq(items.tenantId, ctx.tenantId),
          eq(items.bibId, input.bibId),
          eq(items.status, 'available'),
          input.itemId ? eq(items.id, input.itemId) : undefined,
        ),
      );
    const [hold] = await tx
      .insert(holds)
      .values({
        tenantId: ctx.tenantId,
        bibId: input.bibId,
        itemId: input.itemId ?? null,
        patronId: patron.id,
        pickupLocationId: input.pickupLocationId,
        level: input.itemId ? 'item' : input.volume ? 'volume' : 'title',
        volume: input.volume ?? null,
        status: (onShelf?.n ?? 0) > 0 ? 'preparing' : 'requested',
        contactMethod: input.contactMethod,
        notNeededAfter: input.notNeededAfter ?? null,
        placedAt: ctx.now(),
      })
      .returning();
    await recordOperation(tx, ctx, {
      action: opts.byPatron ? 'hold.placeByPatron' : 'hold.place',
      targetType: 'hold',
      targetId: hold!.id,
      details: { bibId: input.bibId, ...(overridden.length ? { overridden } : {}) },
    });
    return {
      holdId: hold!.id,
      status: hold!.status,
      queuePosition: await queuePosition(tx, ctx.tenantId, hold!.id),
    };
  });
}

/** n人待ち: how many waiting holds on the same title were placed before this one, plus one (0 if not waiting). */
export async function queuePosition(tx: DbOrTx, tenantId: string, holdId: string) {
  const [me] = await tx
    .select({ bibId: holds.bibId, placedAt: holds.placedAt, status: holds.status })
    .from(holds)
    .where(and(eq(holds.tenantId, tenantId), eq(holds.id, holdId)));
  if (!me || !['requested', 'preparing'].includes(me.status)) return 0;
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(holds)
    .where(
      and(
        eq(holds.tenantId, tenantId),
        eq(holds.bibId, me.bibId),
        inArray(holds.status, ['requested', 'preparing']),
        sql`(${holds.placedAt}, ${holds.id}) <= (${me.placedAt.toISOString()}::timestamptz, ${holdId}::uuid)`,
      ),
    );
  return row?.n ?? 0;
}

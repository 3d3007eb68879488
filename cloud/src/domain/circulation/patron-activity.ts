import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { bibRecords, holds, items, loans, locations, patrons } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { ACTIVE_HOLD, queuePosition } from './place-hold.ts';

async function assertPatron(ctx: Ctx, patronId: string) {
  const [p] = await ctx.db
    .select({ id: patrons.id })
    .from(patrons)
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, patronId)));
  if (!p) throw new AppError('notFound');
}

/** A patron's current loans, oldest due first. */
export async function listPatronLoans(ctx: Ctx, patronId: string, opts: { byPatron?: boolean } = {}) {
  if (!opts.byPatron) requirePermission(ctx, 'patrons.read');
  await assertPatron(ctx, patronId);
  const today = todayInTokyo(ctx.now());
  const rows = await ctx.db
    .select({
      loanId: loans.id,
      itemId: items.id,
      itemBarcode: items.barcode,
      title: bibRecords.title,
      callNumber: items.callNumber,
      loanedAt: loans.loanedAt,
      dueOn: loans.dueOn,
      renewals: loans.renewals,
    })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.patronId, patronId), isNull(loans.returnedAt)))
    .orderBy(asc(loans.dueOn), asc(items.barcode));
  return rows.map((r) => ({ ...r, loanedAt: r.loanedAt.toISOString(), overdue: r.dueOn < today }));
}

/** A patron's active holds with their place in the queue (n人待ち). */
export async function listPatronHolds(ctx: Ctx, patronId: string, opts: { byPatron?: boolean } = {}) {
  if (!opts.byPatron) requirePermission(ctx, 'patrons.read');
  await assertPatron(ctx, patronId);
  const rows = await ctx.db
    .select({
      holdId: holds.id,
      bibId: holds.bibId,
      title: bibRecords.title,
      status: holds.status,
      level: holds.level,
      pickupLocationId: holds.pickupLocationId,
      pickupLocationJa: locations.nameJa,
      pickupLocationEn: locations.nameEn,
      contactMethod: holds.contactMethod,
      placedAt: holds.placedAt,
      pickupBy: holds.pickupBy,
      notNeededAfter: holds.notNeededAfter,
      suspendedUntil: holds.suspendedUntil,
    })
    .from(holds)
    .innerJoin(bibRecords, eq(bibRecords.id, holds.bibId))
    .innerJoin(locations, eq(locations.id, holds.pickupLocationId))
    .where(
      and(
        eq(holds.tenantId, ctx.tenantId),
        eq(holds.patronId, patronId),
        inArray(holds.status, [...ACTIVE_HOLD]),
      ),
    )
    .orderBy(asc(holds.placedAt));
  return Promise.all(
    rows.map(async (r) => ({
      ...r,
      placedAt: r.placedAt.toISOString(),
      queuePosition:
        r.status === 'requested' || r.status === 'preparing'
          ? await queuePosition(ctx.db, ctx.tenantId, r.holdId)
          : 0,
    })),
  );
}

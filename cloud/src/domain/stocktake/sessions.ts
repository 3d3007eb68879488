import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { resultRows } from '../../db/result-rows.ts';
import {
  bibRecords,
  items,
  locations,
  STOCKTAKE_LISTS,
  type StocktakeList,
  stocktakeBatches,
  stocktakeResults,
  stocktakeScans,
  stocktakeSessions,
} from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { reconcileSession, type StocktakeCounts } from './reconcile.ts';

export type OpenSessionInput = { nameJa: string; locationIds: string[]; shelves?: string[] };

/** Open a stock-take with its scope; one at a time per library (`stocktakeAlreadyOpen`). */
export async function openStocktake(ctx: Ctx, input: OpenSessionInput) {
  const staff = requirePermission(ctx, 'inventory.manage');
  const locationIds = [...new Set(input.locationIds)];
  const shelves = [...new Set((input.shelves ?? []).map((s) => s.trim()).filter(Boolean))];
  return ctx.db.transaction(async (tx) => {
    const found = await tx
      .select({ id: locations.id })
      .from(locations)
      .where(and(eq(locations.tenantId, ctx.tenantId), inArray(locations.id, locationIds)));
    if (found.length !== locationIds.length)
      throw new AppError('validation', 'unknown location', [
        { path: 'locationIds', message: 'every location must be one of this library’s' },
      ]);
    const [open] = await tx
      .select({ id: stocktakeSessions.id })
      .from(stocktakeSessions)
      .where(and(eq(stocktakeSessions.tenantId, ctx.tenantId), eq(stocktakeSessions.status, 'open')));
    if (open) throw new AppError('stocktakeAlreadyOpen', `session ${open.id}`);
    const inserted = await tx
      .insert(stocktakeSessions)
      .values({
        tenantId: ctx.tenantId,
        nameJa: input.nameJa,
        locationIds,
        shelves,
        openedBy: staff?.id ?? null,
      })
      .onConflictDoNothing()
      .returning();
    const session = inserted[0];
    if (!session) throw new AppError('stocktakeAlreadyOpen'); // a second opener raced us
    await recordOperation(tx, ctx, {
      action: 'stocktake.open',
      targetType: 'stocktakeSession',
      targetId: session.id,
      details: { locationIds, shelves },
    });
    return sessionView(session);
  });
}

type SessionRow = typeof stocktakeSessions.$inferSelect;
const sessionView = (s: SessionRow) => ({
  id: s.id,
  nameJa: s.nameJa,
  status: s.status,
  locationIds: s.locationIds,
  shelves: s.shelves,
  openedAt: s.openedAt.toISOString(),
  closedAt: s.closedAt?.toISOString() ?? null,
  summary: s.summary ?? null,
});

export async function listStocktakes(ctx: Ctx) {
  requirePermission(ctx, 'inventory.manage');
  const rows = await ctx.db
    .select()
    .from(stocktakeSessions)
    .where(eq(stocktakeSessions.tenantId, ctx.tenantId))
    .orderBy(desc(stocktakeSessions.openedAt))
    .limit(100);
  return rows.map(sessionView);
}

async function loadSession(tx: Ctx['db'] | Tx, tenantId: string, id: string, lock = false) {
  const q = tx
    .select()
    .from(stocktakeSessions)
    .where(and(eq(stocktakeSessions.tenantId, tenantId), eq(stocktakeSessions.id, id)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new AppError('notFound', `stock-take ${id}`);
  return row;
}

/**
 * Progress while batches arrive: batches (newest first, with the lines their reader refused),
 * scans and distinct barcodes, scans per shelf tag, and how much of the scope has been seen.
 */
export async function stocktakeProgress(ctx: Ctx, id: string) {
  requirePermission(ctx, 'inventory.manage');
  const session = await loadSession(ctx.db, ctx.tenantId, id);
  const mine = and(eq(stocktakeScans.tenantId, ctx.tenantId), eq(stocktakeScans.sessionId, id));
  const [batches, [totals], shelfTags, [scope]] = await Promise.all([
    ctx.db
      .select()
      .from(stocktakeBatches)
      .where(and(eq(stocktakeBatches.tenantId, ctx.tenantId), eq(stocktakeBatches.sessionId, id)))
      .orderBy(desc(stocktakeBatches.receivedAt))
      .limit(200),
    ctx.db
      .select({
        scans: count(),
        barcodes: sql<number>`count(distinct ${stocktakeScans.barcode})::int`,
        invalid: sql<number>`count(*) filter (where ${stocktakeScans.barcode} is null)::int`,
      })
      .from(stocktakeScans)
      .where(mine),
    ctx.db
      .select({
        shelfTag: stocktakeScans.shelfTag,
        scans: count(),
        barcodes: sql<number>`count(distinct ${stocktakeScans.barcode})::int`,
      })
      .from(stocktakeScans)
      .where(mine)
      .groupBy(stocktakeScans.shelfTag)
      .orderBy(asc(stocktakeScans.shelfTag)),
    ctx.db
      .execute(sql`
      select count(*)::int as items,
        count(*) filter (where exists (
          select 1 from stocktake_scans s
          where s.tenant_id = ${ctx.tenantId} and s.session_id = ${id} and s.barcode = i.barcode))::int as seen
      from items i, stocktake_sessions ss
      where ss.tenant_id = ${ctx.tenantId} and ss.id = ${id}
        and i.tenant_id = ${ctx.tenantId} and i.status <> 'withdrawn'
        and i.location_id = any(ss.location_ids)
        and (cardinality(ss.shelves) = 0 or i.shelf = any(ss.shelves))
    `)
      .then((r) => resultRows<{ items: number; seen: number }>(r)),
  ]);
  return {
    session: sessionView(session),
    batches: batches.map((b) => ({
      id: b.id,
      source: b.source,
      terminalId: b.terminalId,
      origin: b.origin,
      deviceId: b.deviceKey,
      scanCount: b.scanCount,
      rejectedCount: b.rejectedCount,
      rejectedLines: b.rejectedLines,
      receivedAt: b.receivedAt.toISOString(),
    })),
    scans: Number(totals?.scans ?? 0),
    barcodes: Number(totals?.barcodes ?? 0),
    invalid: Number(totals?.invalid ?? 0),
    shelfTags: shelfTags.map((s) => ({ ...s, scans: Number(s.scans), barcodes: Number(s.barcodes) })),
    scope: { items: Number(scope?.items ?? 0), seen: Number(scope?.seen ?? 0) },
  };
}

/**
 * Reconcile an open session now (the lists are replaced) and return the counts; a closed session
 * answers the counts it was closed with.
 */
export async function reconcileStocktake(ctx: Ctx, id: string): Promise<StocktakeCounts> {
  requirePermission(ctx, 'inventory.manage');
  return ctx.db.transaction(async (tx) => {
    const session = await loadSession(tx, ctx.tenantId, id);
    if (session.status === 'closed') return session.summary as StocktakeCounts;
    const counts = await reconcileSession(tx, ctx.tenantId, id);
    await recordOperation(tx, ctx, {
      action: 'stocktake.reconcile',
      targetType: 'stocktakeSession',
      targetId: id,
      details: counts,
    });
    return counts;
  });
}

/** One page of a result list, with what staff need to find the book. */
export async function listStocktakeResults(
  ctx: Ctx,
  id: string,
  list: StocktakeList,
  page: { offset: number; limit: number },
) {
  requirePermission(ctx, 'inventory.manage');
  await loadSession(ctx.db, ctx.tenantId, id);
  const where = and(
    eq(stocktakeResults.tenantId, ctx.tenantId),
    eq(stocktakeResults.sessionId, id),
    eq(stocktakeResults.list, list),
  );
  const [rows, [total]] = await Promise.all([
    ctx.db
      .select({
        barcode: stocktakeResults.barcode,
        itemId: stocktakeResults.itemId,
        detail: stocktakeResults.detail,
        title: bibRecords.title,
        callNumber: items.callNumber,
        shelf: items.shelf,
        status: items.status,
        locationJa: locations.nameJa,
      })
      .from(stocktakeResults)
      .leftJoin(items, and(eq(items.tenantId, ctx.tenantId), eq(items.id, stocktakeResults.itemId)))
      .leftJoin(bibRecords, and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, items.bibId)))
      .leftJoin(locations, and(eq(locations.tenantId, ctx.tenantId), eq(locations.id, items.locationId)))
      .where(where)
      .orderBy(asc(stocktakeResults.barcode), asc(stocktakeResults.seq))
      .offset(page.offset)
      .limit(page.limit),
    ctx.db.select({ n: count() }).from(stocktakeResults).where(where),
  ]);
  return { list, total: Number(total?.n ?? 0), rows };
}

/**
 * Close the session: reconcile once more and apply, in one transaction — items on the missing
 * list that are still 在架 become 不明 (missing), found items still 不明 go back to 在架 — with an
 * operation-log entry per changed item and one for the close. Batches arriving afterwards find no
 * open session.
 */
export async function closeStocktake(ctx: Ctx, id: string) {
  requirePermission(ctx, 'inventory.manage');
  return ctx.db.transaction(async (tx) => {
    const session = await loadSession(tx, ctx.tenantId, id, true);
    if (session.status === 'closed') throw new AppError('stocktakeClosed');
    const counts = await reconcileSession(tx, ctx.tenantId, id);
    const changed = resultRows<{ missing: number | string; found: number | string }>(
      await tx.execute(sql`
        with to_missing as (
          update items i set status = 'missing', updated_at = now()
          from stocktake_results r
          where r.tenant_id = ${ctx.tenantId} and r.session_id = ${id} and r.list = 'missing'
            and i.tenant_id = ${ctx.tenantId} and i.id = r.item_id and i.status = 'available'
          returning i.id
        ),
        to_available as (
          update items i set status = 'available', updated_at = now()
          from stocktake_results r
          where r.tenant_id = ${ctx.tenantId} and r.session_id = ${id} and r.list = 'found'
            and i.tenant_id = ${ctx.tenantId} and i.id = r.item_id and i.status = 'missing'
          returning i.id
        ),
        logged as (
          insert into operation_log (tenant_id, staff_id, staff_login_id, actor_kind, action, target_type, target_id, workstation, request_id, details)
          select ${ctx.tenantId}, ${ctx.staff?.id ?? null}, ${ctx.staff?.loginId ?? (ctx.system ? 'system' : null)}, ${ctx.system ? 'system' : 'staff'}, a.action, 'item', a.id::text,
            ${ctx.workstation}, ${ctx.requestId}, jsonb_build_object('sessionId', ${id}::text)
          from (
            select id, 'item.stocktakeMissing' as action from to_missing
            union all
            select id, 'item.stocktakeFound' from to_available
          ) a
          returning 1
        )
        select (select count(*) from to_missing) as missing,
               (select count(*) from to_available) as found,
               (select count(*) from logged) as logged
      `),
    )[0];
    const applied = {
      markedMissing: Number(changed?.missing ?? 0),
      markedFound: Number(changed?.found ?? 0),
    };
    const [closed] = await tx
      .update(stocktakeSessions)
      .set({ status: 'closed', closedAt: ctx.now(), closedBy: ctx.staff?.id ?? null, summary: counts })
      .where(and(eq(stocktakeSessions.tenantId, ctx.tenantId), eq(stocktakeSessions.id, id)))
      .returning();
    await recordOperation(tx, ctx, {
      action: 'stocktake.close',
      targetType: 'stocktakeSession',
      targetId: id,
      details: { ...counts, ...applied },
    });
    return { session: sessionView(closed!), counts, ...applied };
  });
}

export { STOCKTAKE_LISTS };

import { and, asc, eq } from 'drizzle-orm';
import { bibRecords, locations, patrons, purchaseRequests } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { placeHold } from './place-hold.ts';

export type PurchaseRequestInput = {
  patronId: string;
  title: string;
  author?: string;
  publisher?: string;
  isbn?: string;
  noteJa?: string;
  pickupLocationId: string;
  contactMethod: 'email' | 'phone' | 'none';
};

/** Record a リクエスト for a title the library does not own. */
export async function createPurchaseRequest(ctx: Ctx, input: PurchaseRequestInput) {
  requirePermission(ctx, 'holds.manage');
  return inTx(ctx, async (tx) => {
    const [p] = await tx
      .select({ id: patrons.id })
      .from(patrons)
      .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, input.patronId)));
    if (!p) throw new AppError('notFound', 'patron');
    const [loc] = await tx
      .select({ id: locations.id, isPickupPoint: locations.isPickupPoint })
      .from(locations)
      .where(and(eq(locations.tenantId, ctx.tenantId), eq(locations.id, input.pickupLocationId)));
    if (!loc?.isPickupPoint)
      throw new AppError('validation', undefined, [
        { path: 'pickupLocationId', message: 'not a pickup location' },
      ]);
    const [row] = await tx
      .insert(purchaseRequests)
      .values({
        tenantId: ctx.tenantId,
        patronId: input.patronId,
        title: input.title,
        author: input.author ?? '',
        publisher: input.publisher ?? '',
        isbn: input.isbn ?? null,
        noteJa: input.noteJa ?? '',
        pickupLocationId: input.pickupLocationId,
        contactMethod: input.contactMethod,
        createdAt: ctx.now(),
      })
      .returning();
    await recordOperation(tx, ctx, {
      action: 'purchaseRequest.create',
      targetType: 'purchaseRequest',
      targetId: row!.id,
    });
    return { id: row!.id, status: row!.status };
  });
}

/** Open requests first, oldest first: the selection committee's list. No patron names. */
export async function listPurchaseRequests(ctx: Ctx, status?: string) {
  requirePermission(ctx, 'holds.manage');
  const rows = await ctx.db
    .select()
    .from(purchaseRequests)
    .where(
      and(
        eq(purchaseRequests.tenantId, ctx.tenantId),
        status ? eq(purchaseRequests.status, status as 'requested') : undefined,
      ),
    )
    .orderBy(asc(purchaseRequests.createdAt));
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    author: r.author,
    publisher: r.publisher,
    isbn: r.isbn,
    noteJa: r.noteJa,
    status: r.status,
    bibId: r.bibId,
    holdId: r.holdId,
    createdAt: r.createdAt.toISOString(),
  }));
}

const NEXT: Record<string, readonly string[]> = {
  requested: ['ordered', 'interLibrary', 'declined', 'withdrawn', 'fulfilled'],
  ordered: ['fulfilled', 'declined', 'withdrawn'],
  interLibrary: ['fulfilled', 'declined', 'withdrawn'],
};

/**
 * Move a request on: 発注 (ordered), 相互貸借 (interLibrary), 謝絶 (declined), 取下げ (withdrawn),
 * or fulfilled with the record it became — which places the patron's hold on it in the same
 * transaction, so the patron is first in the queue for the copy bought for them.
 */
export async function decidePurchaseRequest(
  ctx: Ctx,
  id: string,
  decision: {
    status: 'ordered' | 'interLibrary' | 'declined' | 'withdrawn' | 'fulfilled';
    bibId?: string;
    noteJa?: string;
  },
) {
  requirePermission(ctx, 'holds.manage');
  return inTx(ctx, async (tx) => {
    const [req] = await tx
      .select()
      .from(purchaseRequests)
      .where(and(eq(purchaseRequests.tenantId, ctx.tenantId), eq(purchaseRequests.id, id)))
      .for('update');
    if (!req) throw new AppError('notFound');
    if (!(NEXT[req.status] ?? []).includes(decision.status)) {
      throw new AppError('conflict', `cannot go from ${req.status} to ${decision.status}`);
    }
    let holdId: string | null = null;
    if (decision.status === 'fulfilled') {
      if (!decision.bibId)
        throw new AppError('validation', undefined, [
          { path: 'bibId', message: 'the record that fulfils the request' },
        ]);
      const [bib] = await tx
        .select({ id: bibRecords.id })
        .from(bibRecords)
        .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, decision.bibId)));
      if (!bib) throw new AppError('notFound', 'bib');
      const hold = await placeHold(
        { ...ctx, db: tx as unknown as Ctx['db'] },
        {
          patronId: req.patronId,
          bibId: bib.id,
          pickupLocationId: req.pickupLocationId,
          contactMethod: req.contactMethod,
        },
        { override: ctx.system || ctx.staff?.permissions.has('circulation.override') === true },
      );
      holdId = hold.holdId;
    }
    await tx
      .update(purchaseRequests)
      .set({
        status: decision.status,
        bibId: decision.bibId ?? req.bibId,
        holdId: holdId ?? req.holdId,
        decisionNoteJa: decision.noteJa ?? req.decisionNoteJa,
        decidedAt: ctx.now(),
      })
      .where(eq(purchaseRequests.id, id));
    await recordOperation(tx, ctx, {
      action: `purchaseRequest.${decision.status}`,
      targetType: 'purchaseRequest',
      targetId: id,
      details: holdId ? { holdId } : {},
    });
    return { id, status: decision.status, holdId };
  });
}

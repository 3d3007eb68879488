import { and, eq } from 'drizzle-orm';
import { bibRecords } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { getBib } from './get-bib.ts';
import { refreshBibSearch } from './reindex-search.ts';
import { bibSearchGrams } from './search-text.ts';

export type BibInput = {
  title: string;
  titleReading?: string;
  authors?: { name: string; reading?: string; role?: string }[];
  publisher?: string;
  pubYear?: number | null;
  isbn?: string | null;
  ndc?: string | null;
};

export async function createBib(ctx: Ctx, input: BibInput) {
  requirePermission(ctx, 'catalog.write');
  const id = await inTx(ctx, async (tx) => {
    const [row] = await tx
      .insert(bibRecords)
      .values({ ...input, tenantId: ctx.tenantId, searchGrams: bibSearchGrams(input) })
      .returning({ id: bibRecords.id });
    await recordOperation(tx, ctx, { action: 'bib.create', targetType: 'bib', targetId: row!.id });
    return row!.id;
  });
  return getBib(ctx, id);
}

/** Change the given fields of a record of this tenant; another tenant's id is simply not found. */
export async function updateBib(ctx: Ctx, id: string, patch: Partial<BibInput>) {
  requirePermission(ctx, 'catalog.write');
  await inTx(ctx, async (tx) => {
    const changed = await tx
      .update(bibRecords)
      .set({ ...patch, updatedAt: ctx.now() })
      .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, id)))
      .returning({ id: bibRecords.id });
    if (changed.length === 0) throw new AppError('notFound');
    await refreshBibSearch(tx, ctx.tenantId, [id]);
    await recordOperation(tx, ctx, {
      action: 'bib.update',
      targetType: 'bib',
      targetId: id,
      details: { fields: Object.keys(patch).sort() },
    });
  });
  return getBib(ctx, id);
}

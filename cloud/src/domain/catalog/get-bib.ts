import { and, eq } from 'drizzle-orm';
import { bibRecords, items } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';

export async function getBib(ctx: Ctx, id: string) {
  requirePermission(ctx, 'catalog.read');
  const [bib] = await ctx.db
    .select()
    .from(bibRecords)
    .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, id)));
  if (!bib) throw new AppError('notFound');
  const copies = await ctx.db
    .select({
      id: items.id,
      barcode: items.barcode,
      locationId: items.locationId,
      shelf: items.shelf,
      callNumber: items.callNumber,
      status: items.status,
    })
    .from(items)
    .where(and(eq(items.tenantId, ctx.tenantId), eq(items.bibId, id)))
    .orderBy(items.barcode);
  const { searchGrams: _grams, tenantId: _tenant, ...rest } = bib;
  return {
    ...rest,
    createdAt: bib.createdAt.toISOString(),
    updatedAt: bib.updatedAt.toISOString(),
    items: copies,
  };
}

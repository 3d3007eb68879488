import { and, eq } from 'drizzle-orm';
import { bibRecords, items, materialTypes } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';

export async function getBib(ctx: Ctx, id: string) {
  requirePermission(ctx, 'catalog.read');
  const [row] = await ctx.db
    .select({ bib: bibRecords, materialType: materialTypes.code })
    .from(bibRecords)
    .leftJoin(materialTypes, eq(materialTypes.id, bibRecords.materialTypeId))
    .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, id)));
  if (!row) throw new AppError('notFound');
  const { bib } = row;
  const copies = await ctx.db
    .select({
      id: items.id,
      barcode: items.barcode,
      locationId: items.locationId,
      shelf: items.shelf,
      callNumber: items.callNumber,
      status: items.status,
      materialType: materialTypes.code,
      acquiredOn: items.acquiredOn,
      price: items.price,
    })
    .from(items)
    .leftJoin(materialTypes, eq(materialTypes.id, items.materialTypeId))
    .where(and(eq(items.tenantId, ctx.tenantId), eq(items.bibId, id)))
    .orderBy(items.barcode);
  const { searchGrams: _grams, tenantId: _tenant, materialTypeId: _type, ...rest } = bib;
  return {
    ...rest,
    materialType: row.materialType,
    createdAt: bib.createdAt.toISOString(),
    updatedAt: bib.updatedAt.toISOString(),
    items: copies,
  };
}

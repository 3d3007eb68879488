import { and, eq } from 'drizzle-orm';
import { bibRecords, items } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';

export async function getItemByBarcode(ctx: Ctx, barcode: string) {
  requirePermission(ctx, 'catalog.read');
  const [row] = await ctx.db
    .select({
      id: items.id,
      barcode: items.barcode,
      bibId: items.bibId,
      title: bibRecords.title,
      callNumber: items.callNumber,
      shelf: items.shelf,
      status: items.status,
      locationId: items.locationId,
    })
    .from(items)
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .where(and(eq(items.tenantId, ctx.tenantId), eq(items.barcode, barcode)));
  if (!row) throw new AppError('notFound', `no item with barcode ${barcode}`);
  return row;
}

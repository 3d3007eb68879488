import { asc, eq } from 'drizzle-orm';
import { locations, materialTypes, patronCategories } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

/** Reference lists every logged-in staff member needs (locations, categories, material types). */
export async function listReferenceData(ctx: Ctx) {
  if (!ctx.staff) throw new AppError('unauthenticated');
  const t = ctx.tenantId;
  const [locs, cats, types] = await Promise.all([
    ctx.db
      .select({
        id: locations.id,
        code: locations.code,
        nameJa: locations.nameJa,
        nameEn: locations.nameEn,
        kind: locations.kind,
        parentId: locations.parentId,
      })
      .from(locations)
      .where(eq(locations.tenantId, t))
      .orderBy(asc(locations.code)),
    ctx.db
      .select({
        id: patronCategories.id,
        code: patronCategories.code,
        nameJa: patronCategories.nameJa,
        nameEn: patronCategories.nameEn,
      })
      .from(patronCategories)
      .where(eq(patronCategories.tenantId, t))
      .orderBy(asc(patronCategories.code)),
    ctx.db
      .select({
        id: materialTypes.id,
        code: materialTypes.code,
        nameJa: materialTypes.nameJa,
        nameEn: materialTypes.nameEn,
        isAv: materialTypes.isAv,
      })
      .from(materialTypes)
      .where(eq(materialTypes.tenantId, t))
      .orderBy(asc(materialTypes.code)),
  ]);
  return { locations: locs, patronCategories: cats, materialTypes: types };
}

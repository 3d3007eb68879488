import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { patronCategories } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

/** The four categories every new library starts with (一般・中高生・児童・団体); staff rename or add to them. */
export const DEFAULT_PATRON_CATEGORIES = [
  { code: 'general', nameJa: '一般', nameEn: 'Adult' },
  { code: 'youth', nameJa: '中高生', nameEn: 'Teen' },
  { code: 'child', nameJa: '児童', nameEn: 'Child' },
  { code: 'group', nameJa: '団体', nameEn: 'Group' },
] as const;

const names = {
  nameJa: z.string().trim().min(1).max(40),
  nameEn: z.string().trim().min(1).max(60),
};
export const NewPatronCategory = z.object({ code: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), ...names });
export type NewPatronCategory = z.infer<typeof NewPatronCategory>;
export const PatronCategoryNames = z.object(names);
export type PatronCategoryNames = z.infer<typeof PatronCategoryNames>;

const columns = {
  id: patronCategories.id,
  code: patronCategories.code,
  nameJa: patronCategories.nameJa,
  nameEn: patronCategories.nameEn,
};

export async function listPatronCategories(ctx: Ctx) {
  requirePermission(ctx, 'patrons.read');
  return ctx.db
    .select(columns)
    .from(patronCategories)
    .where(eq(patronCategories.tenantId, ctx.tenantId))
    .orderBy(asc(patronCategories.code));
}

/** Add a category (a library that lends to 高齢者施設, say); the code is unique in the library. Logged. */
export async function addPatronCategory(ctx: Ctx, input: NewPatronCategory) {
  requirePermission(ctx, 'settings.write');
  return inTx(ctx, async (tx) => {
    const [taken] = await tx
      .select({ id: patronCategories.id })
      .from(patronCategories)
      .where(and(eq(patronCategories.tenantId, ctx.tenantId), eq(patronCategories.code, input.code)));
    if (taken) {
      throw new AppError('duplicate', `category code ${input.code} exists`, [
        { path: 'code', message: 'already used' },
      ]);
    }
    const [row] = await tx
      .insert(patronCategories)
      .values({ tenantId: ctx.tenantId, ...input })
      .returning(columns);
    await recordOperation(tx, ctx, {
      action: 'settings.patronCategory.add',
      targetType: 'patronCategory',
      targetId: row!.id,
      details: { code: row!.code },
    });
    return row!;
  });
}

/** Rename a category (its code stays: rules and statistics refer to it). Logged. */
export async function renamePatronCategory(ctx: Ctx, id: string, input: PatronCategoryNames) {
  requirePermission(ctx, 'settings.write');
  return inTx(ctx, async (tx) => {
    const [row] = await tx
      .update(patronCategories)
      .set(input)
      .where(and(eq(patronCategories.tenantId, ctx.tenantId), eq(patronCategories.id, id)))
      .returning(columns);
    if (!row) throw new AppError('notFound', 'no such patron category');
    await recordOperation(tx, ctx, {
      action: 'settings.patronCategory.rename',
      targetType: 'patronCategory',
      targetId: row.id,
      details: { code: row.code },
    });
    return row;
  });
}

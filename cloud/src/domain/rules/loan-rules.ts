import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { loanRules, locations, materialTypes, patronCategories } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

export type LoanRuleInput = {
  patronCategoryId: string | null;
  materialTypeId: string | null;
  locationId: string | null;
  loanable: boolean;
  loanDays: number;
  maxItems: number;
  maxRenewals: number;
  renewalDays: number;
  maxHolds: number;
  pickupOpenDays: number;
  overdueBlockDays: number | null;
  noteJa?: string;
};

const view = (r: typeof loanRules.$inferSelect) => {
  const { tenantId: _t, createdAt: _c, updatedAt, ...rest } = r;
  return { ...rest, updatedAt: updatedAt.toISOString() };
};

export async function listLoanRules(ctx: Ctx) {
  requirePermission(ctx, 'settings.read');
  const rows = await ctx.db.select().from(loanRules).where(eq(loanRules.tenantId, ctx.tenantId));
  return rows.map(view);
}

/** Create or replace the rule for one combination of dimensions (one row per combination). */
export async function saveLoanRule(ctx: Ctx, input: LoanRuleInput) {
  requirePermission(ctx, 'settings.write');
  return inTx(ctx, async (tx) => {
    await assertOwnIds(tx, ctx.tenantId, input);
    const [row] = await tx
      .insert(loanRules)
      .values({ ...input, tenantId: ctx.tenantId })
      .onConflictDoUpdate({
        target: [
          loanRules.tenantId,
          loanRules.patronCategoryId,
          loanRules.materialTypeId,
          loanRules.locationId,
        ],
        set: { ...input, updatedAt: ctx.now() },
      })
      .returning();
    await recordOperation(tx, ctx, {
      action: 'loanRule.save',
      targetType: 'loanRule',
      targetId: row!.id,
      details: { ...input },
    });
    return view(row!);
  });
}

/** Delete a specific rule; the all-any fallback cannot be deleted, only changed. */
export async function deleteLoanRule(ctx: Ctx, id: string) {
  requirePermission(ctx, 'settings.write');
  await inTx(ctx, async (tx) => {
    const [row] = await tx
      .select()
      .from(loanRules)
      .where(and(eq(loanRules.tenantId, ctx.tenantId), eq(loanRules.id, id)));
    if (!row) throw new AppError('notFound');
    if (row.patronCategoryId === null && row.materialTypeId === null && row.locationId === null) {
      throw new AppError('validation', 'the fallback rule cannot be deleted', [
        { path: 'id', message: '既定のルールは削除できません / the fallback rule cannot be deleted' },
      ]);
    }
    await tx.delete(loanRules).where(and(eq(loanRules.tenantId, ctx.tenantId), eq(loanRules.id, id)));
    await recordOperation(tx, ctx, {
      action: 'loanRule.delete',
      targetType: 'loanRule',
      targetId: id,
      details: {},
    });
  });
}

/** The fallback exists? (checkout refuses to guess when a tenant has none) */
export async function hasFallbackRule(ctx: Ctx): Promise<boolean> {
  const rows = await ctx.db
    .select({ id: loanRules.id })
    .from(loanRules)
    .where(
      and(
        eq(loanRules.tenantId, ctx.tenantId),
        isNull(loanRules.patronCategoryId),
        isNull(loanRules.materialTypeId),
        isNull(loanRules.locationId),
      ),
    );
  return rows.length > 0;
}

/** Foreign keys prove a row exists, not that it is this tenant's: check each dimension. */
async function assertOwnIds(tx: Tx, tenantId: string, input: LoanRuleInput) {
  const checks = [
    ['patronCategoryId', patronCategories, input.patronCategoryId],
    ['materialTypeId', materialTypes, input.materialTypeId],
    ['locationId', locations, input.locationId],
  ] as const;
  for (const [path, table, id] of checks) {
    if (!id) continue;
    const found = await tx
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.tenantId, tenantId), eq(table.id, id)));
    if (found.length === 0)
      throw new AppError('validation', undefined, [{ path, message: 'not found in this library' }]);
  }
}

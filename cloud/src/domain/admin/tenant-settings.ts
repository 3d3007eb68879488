import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { tenants } from '../../db/schema/index.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

/** The library's settings document (tenants.settings): one key per kind of setting. */
export async function tenantSettings(db: DbOrTx, tenantId: string): Promise<Record<string, unknown>> {
  const [t] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  return t?.settings ?? {};
}

/**
 * Replace one key of tenants.settings, in one transaction with its operation-log entry. `next` gets
 * the value stored now and the whole (locked) document, may refuse by throwing, and returns the new
 * value (undefined removes the key: back to the built-in default). `details` says what the log
 * keeps, given the values before and after (settings only, never personal data).
 */
export async function updateTenantSetting<T>(
  ctx: Ctx,
  key: string,
  next: (
    current: unknown,
    settings: Record<string, unknown>,
    tx: Tx,
  ) => T | undefined | Promise<T | undefined>,
  log: { action: string; details: (before: unknown, after: T | undefined) => Record<string, unknown> },
): Promise<T | undefined> {
  return inTx(ctx, async (tx) => {
    const [t] = await tx
      .select({ settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, ctx.tenantId))
      .for('update');
    const { [key]: before, ...rest } = t?.settings ?? {};
    const value = await next(before, t?.settings ?? {}, tx);
    await tx
      .update(tenants)
      .set({ settings: value === undefined ? rest : { ...rest, [key]: value } })
      .where(eq(tenants.id, ctx.tenantId));
    await recordOperation(tx, ctx, {
      action: log.action,
      targetType: 'tenant',
      targetId: ctx.tenantId,
      details: log.details(before, value),
    });
    return value;
  });
}

/** A setting as given, checked again in the domain (not only by the route): refused with each field's path. */
export function parseSetting<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'validation',
    undefined,
    parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

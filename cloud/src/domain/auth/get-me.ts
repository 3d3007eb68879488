import { eq } from 'drizzle-orm';
import { tenants } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

export async function getMe(ctx: Ctx) {
  const staff = ctx.staff;
  if (!staff) throw new AppError('unauthenticated');
  const [t] = await ctx.db.select().from(tenants).where(eq(tenants.id, ctx.tenantId));
  if (!t) throw new AppError('unauthenticated');
  return {
    staff: { id: staff.id, loginId: staff.loginId, displayName: staff.displayName },
    tenant: { code: t.code, nameJa: t.nameJa, nameEn: t.nameEn },
    permissions: [...staff.permissions].sort(),
    workstation: ctx.workstation,
  };
}

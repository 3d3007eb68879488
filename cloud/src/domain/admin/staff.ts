import { and, asc, eq, inArray } from 'drizzle-orm';
import { roles, staffUserRoles, staffUsers } from '../../db/schema/index.ts';
import { hashPassword } from '../auth/passwords.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

export async function listRoles(ctx: Ctx) {
  requirePermission(ctx, 'staff.admin');
  return ctx.db
    .select({
      id: roles.id,
      code: roles.code,
      nameJa: roles.nameJa,
      nameEn: roles.nameEn,
      permissions: roles.permissions,
    })
    .from(roles)
    .where(eq(roles.tenantId, ctx.tenantId))
    .orderBy(asc(roles.code));
}

export async function listStaff(ctx: Ctx) {
  requirePermission(ctx, 'staff.admin');
  const users = await ctx.db
    .select({
      id: staffUsers.id,
      loginId: staffUsers.loginId,
      displayName: staffUsers.displayName,
      status: staffUsers.status,
    })
    .from(staffUsers)
    .where(eq(staffUsers.tenantId, ctx.tenantId))
    .orderBy(asc(staffUsers.loginId));
  const links = await ctx.db
    .select({ staffId: staffUserRoles.staffId, code: roles.code })
    .from(staffUserRoles)
    .innerJoin(roles, eq(roles.id, staffUserRoles.roleId))
    .where(eq(staffUserRoles.tenantId, ctx.tenantId));
  return users.map((u) => ({ ...u, roles: links.filter((l) => l.staffId === u.id).map((l) => l.code) }));
}

export type NewStaff = { loginId: string; displayName: string; password: string; roles: string[] };

export async function createStaff(ctx: Ctx, input: NewStaff) {
  requirePermission(ctx, 'staff.admin');
  const passwordHash = await hashPassword(input.password);
  return inTx(ctx, async (tx) => {
    const found = await tx
      .select({ id: roles.id, code: roles.code })
      .from(roles)
      .where(and(eq(roles.tenantId, ctx.tenantId), inArray(roles.code, input.roles)));
    const missing = input.roles.filter((r) => !found.some((f) => f.code === r));
    if (missing.length) {
      throw new AppError('validation', undefined, [
        { path: 'roles', message: `unknown role: ${missing.join(', ')}` },
      ]);
    }
    const [user] = await tx
      .insert(staffUsers)
      .values({
        tenantId: ctx.tenantId,
        loginId: input.loginId,
        displayName: input.displayName,
        passwordHash,
      })
      .returning({ id: staffUsers.id });
    if (found.length) {
      await tx
        .insert(staffUserRoles)
        .values(found.map((r) => ({ tenantId: ctx.tenantId, staffId: user!.id, roleId: r.id })));
    }
    await recordOperation(tx, ctx, {
      action: 'staff.create',
      targetType: 'staff',
      targetId: user!.id,
      details: { loginId: input.loginId, roles: input.roles },
    });
    return {
      id: user!.id,
      loginId: input.loginId,
      displayName: input.displayName,
      status: 'active' as const,
      roles: input.roles,
    };
  });
}

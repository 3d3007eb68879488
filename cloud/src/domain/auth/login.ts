import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { staffSessions, staffUsers, tenants } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { verifyPassword } from './passwords.ts';
import { newSessionToken, permissionsOf, tokenHash } from './sessions.ts';

export type LoginInput = { tenant: string; loginId: string; password: string; workstation?: string };

/**
 * Check the password and open a server-side session. Success and failure both land in the operation
 * log (a failure only when the tenant exists, with the login id typed — never the password).
 */
export async function login(
  deps: { db: Db; now: () => Date; sessionHours: number; requestId: string },
  input: LoginInput,
) {
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.code, input.tenant)).limit(1);
  const [staff] = tenant
    ? await deps.db
        .select()
        .from(staffUsers)
        .where(and(eq(staffUsers.tenantId, tenant.id), eq(staffUsers.loginId, input.loginId)))
        .limit(1)
    : [];
  const ok = await verifyPassword(staff?.status === 'active' ? staff.passwordHash : null, input.password);
  const workstation = input.workstation?.trim() || null;
  if (!tenant || !staff || !ok) {
    if (tenant) {
      const ctx: Ctx = {
        db: deps.db,
        tenantId: tenant.id,
        staff: null,
        workstation,
        requestId: deps.requestId,
        now: deps.now,
      };
      await recordOperation(deps.db, ctx, {
        action: 'auth.loginFailed',
        targetType: 'staff',
        details: { loginId: input.loginId.slice(0, 64) },
      });
    }
    throw new AppError('invalidCredentials');
  }
  const token = newSessionToken();
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.sessionHours * 3600_000);
  const permissions = await permissionsOf(deps.db, tenant.id, staff.id);
  await deps.db.transaction(async (tx) => {
    const [session] = await tx
      .insert(staffSessions)
      .values({ tenantId: tenant.id, tokenHash: tokenHash(token), staffId: staff.id, workstation, expiresAt })
      .returning({ id: staffSessions.id });
    const ctx: Ctx = {
      db: deps.db,
      tenantId: tenant.id,
      staff: {
        id: staff.id,
        loginId: staff.loginId,
        displayName: staff.displayName,
        permissions,
        sessionId: session!.id,
      },
      workstation,
      requestId: deps.requestId,
      now: deps.now,
    };
    await recordOperation(tx, ctx, { action: 'auth.login', targetType: 'staff', targetId: staff.id });
  });
  return {
    token,
    expiresAt,
    body: {
      staff: { id: staff.id, loginId: staff.loginId, displayName: staff.displayName },
      tenant: { code: tenant.code, nameJa: tenant.nameJa, nameEn: tenant.nameEn },
      permissions: [...permissions].sort(),
      workstation,
    },
  };
}

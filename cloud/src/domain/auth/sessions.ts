import { createHash, randomBytes } from 'node:crypto';
import { PERMISSIONS, type Permission } from '@bunko/protocols';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { roles, staffSessions, staffUserRoles, staffUsers, tenants } from '../../db/schema/index.ts';
import type { StaffPrincipal } from '../context.ts';

export const newSessionToken = () => randomBytes(32).toString('base64url');
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

const GRANTABLE = new Set<string>(PERMISSIONS);

/** The union of the permissions of a staff member's roles (unknown strings are ignored). */
export async function permissionsOf(db: Db, tenantId: string, staffId: string): Promise<Set<Permission>> {
  const rows = await db
    .select({ permissions: roles.permissions })
    .from(staffUserRoles)
    .innerJoin(roles, eq(roles.id, staffUserRoles.roleId))
    .where(and(eq(staffUserRoles.tenantId, tenantId), eq(staffUserRoles.staffId, staffId)));
  return grantable(rows.flatMap((r) => r.permissions));
}

function grantable(granted: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const p of granted) if (GRANTABLE.has(p)) out.add(p as Permission);
  return out;
}

export type ResolvedSession = {
  tenantId: string;
  tenantCode: string;
  workstation: string | null;
  staff: StaffPrincipal;
};

/**
 * Look a cookie token up: unexpired, not revoked, staff still active, with the permissions of the
 * staff member's roles — one statement, read on every request (never cached, so a revoked session
 * or a changed role counts at once, on every core process). Touches last_seen.
 */
export async function resolveSession(db: Db, token: string, now: Date): Promise<ResolvedSession | null> {
  const [row] = await db
    .select({
      sessionId: staffSessions.id,
      tenantId: staffSessions.tenantId,
      tenantCode: tenants.code,
      workstation: staffSessions.workstation,
      staffId: staffUsers.id,
      loginId: staffUsers.loginId,
      displayName: staffUsers.displayName,
      lastSeenAt: staffSessions.lastSeenAt,
      permissions: sql<string[]>`coalesce((select array_agg(p) from ${staffUserRoles} sur
        join ${roles} r on r.id = sur.role_id, unnest(r.permissions) p
        where sur.tenant_id = ${staffSessions.tenantId} and sur.staff_id = ${staffUsers.id}), '{}')`,
    })
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.staffId))
    .innerJoin(tenants, eq(tenants.id, staffSessions.tenantId))
    .where(
      and(
        eq(staffSessions.tokenHash, tokenHash(token)),
        isNull(staffSessions.revokedAt),
        gt(staffSessions.expiresAt, now),
        eq(staffUsers.status, 'active'),
      ),
    )
    .limit(1);
  if (!row) return null;
  // Avoid a write per request: only refresh last_seen once a minute.
  if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
    await db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.id, row.sessionId));
  }
  return {
    tenantId: row.tenantId,
    tenantCode: row.tenantCode,
    workstation: row.workstation,
    staff: {
      id: row.staffId,
      loginId: row.loginId,
      displayName: row.displayName,
      sessionId: row.sessionId,
      permissions: grantable(row.permissions),
    },
  };
}

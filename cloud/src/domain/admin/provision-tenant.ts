import { BUILTIN_ROLES } from '@bunko/protocols';
import type { Db } from '../../db/client.ts';
import { patronCategories, roles, staffUserRoles, staffUsers, tenants } from '../../db/schema/index.ts';
import { hashPassword } from '../auth/passwords.ts';
import { DEFAULT_PATRON_CATEGORIES } from '../patrons/patron-categories.ts';

export type TenantSeed = {
  code: string;
  nameJa: string;
  nameEn: string;
  /** the first staff users, each with role codes from BUILTIN_ROLES */
  staff: { loginId: string; displayName: string; password: string; roles: string[] }[];
};

/**
 * Create a library system with the built-in roles, the default patron categories (一般・中高生・児童・団体)
 * and its first staff. Operator-level: run by the
 * installer, the demo and tests, not reachable over HTTP.
 */
export async function provisionTenant(db: Db, seed: TenantSeed) {
  const hashes = await Promise.all(seed.staff.map((s) => hashPassword(s.password)));
  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .insert(tenants)
      .values({ code: seed.code, nameJa: seed.nameJa, nameEn: seed.nameEn })
      .returning();
    const roleRows = await tx
      .insert(roles)
      .values(
        Object.entries(BUILTIN_ROLES).map(([code, r]) => ({
          tenantId: tenant!.id,
          code,
          nameJa: r.nameJa,
          nameEn: r.nameEn,
          permissions: r.permissions,
        })),
      )
      .returning({ id: roles.id, code: roles.code });
    await tx
      .insert(patronCategories)
      .values(DEFAULT_PATRON_CATEGORIES.map((c) => ({ tenantId: tenant!.id, ...c })));
    const staffIds: Record<string, string> = {};
    for (const [i, s] of seed.staff.entries()) {
      const [u] = await tx
        .insert(staffUsers)
        .values({
          tenantId: tenant!.id,
          loginId: s.loginId,
          displayName: s.displayName,
          passwordHash: hashes[i]!,
        })
        .returning({ id: staffUsers.id });
      staffIds[s.loginId] = u!.id;
      const links = roleRows.filter((r) => s.roles.includes(r.code));
      if (links.length) {
        await tx
          .insert(staffUserRoles)
          .values(links.map((r) => ({ tenantId: tenant!.id, staffId: u!.id, roleId: r.id })));
      }
    }
    return { tenant: tenant!, roles: Object.fromEntries(roleRows.map((r) => [r.code, r.id])), staffIds };
  });
}

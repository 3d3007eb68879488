import { z } from 'zod';

/**
 * Every permission a staff route can require. Roles are sets of these; a route names exactly one.
 * 'public', 'session' and 'patron' are not grantable: they mark routes open to anyone / to any
 * logged-in staff / to a patron logged in to My Library (and to no staff session).
 */
export const PERMISSIONS = [
  'catalog.read',
  'catalog.write',
  'items.write',
  'patrons.read',
  'patrons.readFull',
  'patrons.write',
  'circulation.checkout',
  'circulation.return',
  'circulation.renew',
  'circulation.override',
  'holds.manage',
  'circulation.notices',
  'stats.read',
  'oplog.read',
  'staff.admin',
  'settings.read',
  'settings.write',
  'devices.read',
  'devices.operate',
  'devices.admin',
  'inventory.manage',
  /** 開示: export everything held about a patron as a file (logged) */
  'patrons.export',
] as const;

export const Permission = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof Permission>;

/** What a route declares: a grantable permission, or one of the three open levels. */
export type RouteAccess = Permission | 'public' | 'session' | 'patron';

/** The built-in roles a new tenant starts with (staff admins may add their own). */
export const BUILTIN_ROLES: Record<string, { nameJa: string; nameEn: string; permissions: Permission[] }> = {
  admin: { nameJa: 'システム管理者', nameEn: 'Administrator', permissions: [...PERMISSIONS] },
  librarian: {
    nameJa: '司書',
    nameEn: 'Librarian',
    permissions: PERMISSIONS.filter((p) => !['staff.admin', 'oplog.read', 'devices.admin'].includes(p)),
  },
  counter: {
    nameJa: 'カウンター',
    nameEn: 'Counter staff',
    permissions: [
      'catalog.read',
      'patrons.read',
      'circulation.checkout',
      'circulation.return',
      'circulation.renew',
      'holds.manage',
      'devices.read',
      'devices.operate',
      'settings.read',
    ],
  },
  it: {
    nameJa: '情報システム担当',
    nameEn: 'IT operations',
    permissions: [
      'devices.read',
      'devices.operate',
      'devices.admin',
      'oplog.read',
      'settings.read',
      'stats.read',
    ],
  },
};

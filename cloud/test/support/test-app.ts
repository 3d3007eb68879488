import { PERMISSIONS, type Permission } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import { patronCategories, roles, staffUserRoles, staffUsers } from '../../src/db/schema/index.ts';
import { provisionTenant } from '../../src/domain/admin/provision-tenant.ts';
import { hashPassword } from '../../src/domain/auth/passwords.ts';
import type { Ctx } from '../../src/domain/context.ts';
import type { AppDeps } from '../../src/http/env.ts';

export const PASSWORD = 'correct horse battery';

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function testApp(database: Database, extra: Partial<AppDeps> = {}) {
  const config = loadConfig({ BUNKO_DATA_DIR: '/tmp/bunko-test-unused' });
  return createApp({ config, database, logger: silentLogger, ...extra });
}

export type TestTenant = Awaited<ReturnType<typeof provisionTenant>>;

/** A tenant with one staff user per built-in role (login id = role code). */
export function makeTenant(database: Database, code: string) {
  return provisionTenant(database.db, {
    code,
    nameJa: `${code}図書館`,
    nameEn: `${code} library`,
    staff: ['admin', 'librarian', 'counter', 'it'].map((r) => ({
      loginId: r,
      displayName: r,
      password: PASSWORD,
      roles: [r],
    })),
  });
}

/** One of the default patron categories provisionTenant made (general, youth, child, group). */
export async function patronCategory(database: Database, tenantId: string, code: string) {
  const [row] = await database.db
    .select()
    .from(patronCategories)
    .where(and(eq(patronCategories.tenantId, tenantId), eq(patronCategories.code, code)));
  if (!row) throw new Error(`no patron category ${code}`);
  return row;
}

/** Add a staff user whose only role grants exactly `permissions`. */
export async function addStaffWith(
  database: Database,
  tenantId: string,
  loginId: string,
  permissions: readonly Permission[],
) {
  const hash = await hashPassword(PASSWORD);
  const [role] = await database.db
    .insert(roles)
    .values({
      tenantId,
      code: `r-${loginId}`,
      nameJa: loginId,
      nameEn: loginId,
      permissions: [...permissions],
    })
    .returning();
  const [user] = await database.db
    .insert(staffUsers)
    .values({ tenantId, loginId, displayName: loginId, passwordHash: hash })
    .returning();
  await database.db.insert(staffUserRoles).values({ tenantId, staffId: user!.id, roleId: role!.id });
  return user!;
}

export const allExcept = (p: Permission) => PERMISSIONS.filter((x) => x !== p);

type AppLike = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };

/** Log in through the API and return the Cookie header value to send afterwards. */
export async function login(
  app: AppLike,
  tenant: string,
  loginId: string,
  password = PASSWORD,
  workstation?: string,
) {
  const res = await app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, loginId, password, ...(workstation ? { workstation } : {}) }),
  });
  if (res.status !== 200) throw new Error(`login ${loginId} failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0]!;
}

export function call(app: AppLike, cookie: string | null, method: string, path: string, body?: unknown) {
  return app.request(path, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined || method !== 'GET' ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** A domain context acting as the tenant's admin, for tests that call domain verbs directly. */
export function adminCtx(database: Database, tenantId: string, adminId: string): Ctx {
  return {
    db: database.db,
    tenantId,
    staff: {
      id: adminId,
      loginId: 'admin',
      displayName: 'admin',
      sessionId: 'x',
      permissions: new Set(PERMISSIONS),
    },
    workstation: null,
    requestId: 'test',
    now: () => new Date(),
  };
}

/** Log a patron in to My Library and return the Cookie header value (bunko_patron=…). */
export async function patronLogin(app: AppLike, tenant: string, cardNumber: string, password: string) {
  const res = await call(app, null, 'POST', '/api/my/login', { tenant, cardNumber, password });
  if (res.status !== 200) throw new Error(`patron login failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

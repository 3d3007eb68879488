import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import postgres from 'postgres';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import { ensurePublicRole, openCatalogueReader } from '../../src/db/public-role.ts';
import { patrons } from '../../src/db/schema/index.ts';
import { hashPassword } from '../../src/domain/auth/passwords.ts';
import { reindexBibSearch } from '../../src/domain/catalog/reindex-search.ts';
import { checkoutItem } from '../../src/domain/circulation/checkout.ts';
import { placeHold } from '../../src/domain/circulation/place-hold.ts';
import { serveApp } from '../../src/listen.ts';
import { createPublicApp } from '../../src/public/app.ts';
import { makeLibrary } from './library-fixture.ts';
import { adminCtx, silentLogger, testApp } from './test-app.ts';

/**
 * A library in use, for the public/private split: makeLibrary's patrons with e-mail, phone, address
 * and a My Library password, two loans and two holds. `personal` lists every piece of personal data
 * in it, for tests that prove none of it leaves the public service.
 */
export async function makeCirculatingLibrary(database: Database, code: string) {
  const lib = await makeLibrary(database, code);
  await reindexBibSearch(database.db, lib.tenantId);
  const admin = await database.db.query.staffUsers.findFirst({
    where: (s, { and, eq: e }) => and(e(s.tenantId, lib.tenantId), e(s.loginId, 'admin')),
  });
  const ctx = adminCtx(database, lib.tenantId, admin!.id);
  const password = 'patron-pass-123';
  const hash = await hashPassword(password);
  const contacts: Record<string, { email: string; phone: string; address: string }> = {};
  for (const [i, key] of Object.keys(lib.patronIds).entries()) {
    contacts[key] = {
      email: `${key}.${code}@example.jp`,
      phone: `0980-8${i}-12${i}4`,
      address: `沖縄県石垣市登野城${i + 1}丁目`,
    };
    await database.db
      .update(patrons)
      .set({ ...contacts[key], postalCode: '907-0004', passwordHash: hash })
      .where(eq(patrons.id, lib.patronIds[key]!));
  }
  const loans = [
    await checkoutItem(ctx, {
      patron: { patronId: lib.patronIds.alice! },
      itemBarcode: '1000001',
      locationId: lib.mainId,
    }),
    await checkoutItem(ctx, {
      patron: { patronId: lib.patronIds.bob! },
      itemBarcode: '1000003',
      locationId: lib.mainId,
    }),
  ];
  const holds = [
    await placeHold(ctx, {
      patronId: lib.patronIds.carol!,
      bibId: lib.bibs.popular!,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    }),
    await placeHold(ctx, {
      patronId: lib.patronIds.alice!,
      bibId: lib.bibs.popular!,
      pickupLocationId: lib.branchId,
      contactMethod: 'phone',
    }),
  ];
  const personal = [
    ...Object.keys(lib.patronIds).map((k) => `利用者 ${k}`),
    'リヨウシャ',
    '1990-05-05',
    ...Object.values(lib.patronIds),
    ...Object.values(lib.cards),
    ...Object.values(contacts).flatMap((c) => [c.email, c.phone, c.address]),
  ];
  return { ...lib, ctx, password, loans, holds, personal };
}

/** The URL of this test's own PostgreSQL database. */
export async function databaseUrl(database: Database, serverUrl = process.env.DATABASE_URL!) {
  const [{ name }] = (await database.db.execute(sql`select current_database() as name`)) as unknown as [
    { name: string },
  ];
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u;
}

/**
 * The public role for one test file, with a unique name (roles are shared by the whole PostgreSQL
 * server) and the catalogue reader that acts as it: on PostgreSQL it logs in as the role itself,
 * on PGlite every query runs as the role. Close the reader before the database; `drop()` the role
 * after it (its grants live in the dropped database).
 */
export async function publicRoleFor(database: Database) {
  const role = `bunko_public_t_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = process.env.DATABASE_URL;
  if (database.kind === 'postgres' && url) {
    const password = randomBytes(12).toString('hex');
    await ensurePublicRole(database.db, { role, password });
    const u = await databaseUrl(database, url);
    u.username = role;
    u.password = password;
    const reader = openCatalogueReader({ role, publicUrl: u.toString() });
    return {
      role,
      reader,
      async drop() {
        const admin = postgres(url, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop role if exists "${role}"`);
        await admin.end();
      },
    };
  }
  await ensurePublicRole(database.db, { role });
  const reader = openCatalogueReader({ role, core: { database } });
  return { role, reader, drop: async () => {} };
}

/**
 * The split as deployed: the core on one loopback port, the public service on another, reading as
 * the public role and forwarding patron operations to the core over HTTP with a service credential.
 */
export async function startSplit(
  database: Database,
  reader: Database,
  opts: { tenant: string; webRoot?: string; logger?: Logger; coreUrl?: string } = { tenant: '' },
) {
  const serviceToken = randomBytes(24).toString('base64url');
  const config = loadConfig({ HOST: '127.0.0.1', BUNKO_DATA_DIR: '/tmp/bunko-test-unused' });
  const core = testApp(database, { serviceToken });
  const coreServer = await serveApp(core.fetch, { config, port: 0, variable: 'PORT' });
  const publicApp = createPublicApp({
    config,
    reader,
    logger: opts.logger ?? silentLogger,
    coreUrl: opts.coreUrl ?? coreServer.url,
    serviceToken,
    defaultTenant: opts.tenant,
    ...(opts.webRoot ? { webRoot: opts.webRoot } : {}),
  });
  const publicServer = await serveApp(publicApp.fetch, { config, port: 0, variable: 'BUNKO_PUBLIC_PORT' });
  const base = publicServer.url.replace(/\/$/, '');
  return {
    serviceToken,
    core,
    coreBase: coreServer.url.replace(/\/$/, ''),
    publicApp,
    base,
    /** a request to the public service over HTTP */
    fetch: (path: string, init?: RequestInit) => fetch(`${base}${path}`, init),
    async close() {
      for (const s of [publicServer.server, coreServer.server]) {
        (s as unknown as { closeAllConnections(): void }).closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}

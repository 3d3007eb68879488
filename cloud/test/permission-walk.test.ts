import { randomUUID } from 'node:crypto';
import { PERMISSIONS, type Permission } from '@bunko/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { patronCards, patrons } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/domain/auth/passwords.ts';
import {
  addStaffWith,
  allExcept,
  call,
  login,
  makeTenant,
  PASSWORD,
  patronCategory,
  testApp,
} from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

type Operation = { operationId: string; 'x-permission'?: string; method: string; path: string };

/** The routes anyone may call without a session. Adding one here is a security decision. */
const PUBLIC_OPERATIONS = new Set([
  'staffLogin',
  'getPublicConfig',
  'patronLogin',
  'requestPasswordReset',
  'confirmPasswordReset',
  'confirmMyEmailChange',
]);
// WebOPAC and kiosk reads (catalogue only; cloud/test/opac.test.ts proves no personal data in them)
for (const op of ['opacSearch', 'opacBib', 'opacNewArrivals', 'opacPopular', 'opacLocations', 'opacCalendar'])
  PUBLIC_OPERATIONS.add(op);
for (const op of ['opacKiosk', 'printLocationSlip']) PUBLIC_OPERATIONS.add(op);

let database: Database;
let app: ReturnType<typeof testApp>;
let operations: Operation[];
const cookieWithout = new Map<Permission, string>();
const cookieWithOnly = new Map<Permission, string>();
/** a staff session holding every permission, and a My Library (patron) session */
let staffCookie: string;
let patronCookie: string;

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  const { tenant } = await makeTenant(database, 'walk');
  const doc = (await (await app.request('/api/openapi.json')).json()) as {
    paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
  );
  for (const p of PERMISSIONS) {
    const safe = p.replace('.', '-').toLowerCase();
    await addStaffWith(database, tenant.id, `without-${safe}`, allExcept(p));
    await addStaffWith(database, tenant.id, `only-${safe}`, [p]);
    cookieWithout.set(p, await login(app, 'walk', `without-${safe}`));
    cookieWithOnly.set(p, await login(app, 'walk', `only-${safe}`));
  }
  staffCookie = await login(app, 'walk', 'admin');
  const category = await patronCategory(database, tenant.id, 'general');
  const [patron] = await database.db
    .insert(patrons)
    .values({
      tenantId: tenant.id,
      categoryId: category!.id,
      name: '利用者',
      nameReading: 'リヨウシャ',
      expiresOn: '2099-12-31',
      passwordHash: await hashPassword(PASSWORD),
    })
    .returning();
  await database.db
    .insert(patronCards)
    .values({ tenantId: tenant.id, patronId: patron!.id, barcode: '29990001' });
  const res = await call(app, null, 'POST', '/api/my/login', {
    tenant: 'walk',
    cardNumber: '29990001',
    password: PASSWORD,
  });
  expect(res.status).toBe(200);
  patronCookie = res.headers.get('set-cookie')!.split(';')[0]!;
});

afterAll(async () => {
  await database?.close();
});

/** A concrete URL for an OpenAPI path: ids become random UUIDs, other params a harmless word. */
const concrete = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'id' ? randomUUID() : 'x123'));

const request = (op: Operation, cookie: string | null) =>
  call(
    app,
    cookie,
    op.method,
    concrete(op.path),
    ['POST', 'PATCH', 'PUT'].includes(op.method) ? {} : undefined,
  );

describe('every route declares its permission and enforces it', () => {
  it('finds the API operations, each with a declared permission and a unique camelCase operationId', () => {
    expect(operations.length).toBeGreaterThan(10);
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) {
      expect(op.operationId, `${op.method} ${op.path}`).toMatch(/^[a-z][a-zA-Z0-9]+$/);
      const declared = op['x-permission'];
      expect(declared, `${op.operationId} declares no permission`).toBeDefined();
      expect(['public', 'session', 'patron', ...PERMISSIONS]).toContain(declared);
      if (declared === 'public')
        expect(PUBLIC_OPERATIONS.has(op.operationId), `${op.operationId} is public`).toBe(true);
    }
  });

  it('refuses every non-public route without a session (401)', async () => {
    for (const op of operations.filter((o) => o['x-permission'] !== 'public')) {
      const res = await request(op, null);
      expect(res.status, `${op.operationId} without a session`).toBe(401);
      const body = (await res.json()) as { code: string; requestId: string };
      expect(body.code).toBe('unauthenticated');
      expect(body.requestId).toBeTruthy();
    }
  });

  it('refuses each permission route to a session holding every permission but that one (403)', async () => {
    const guarded = operations.filter((o) =>
      (PERMISSIONS as readonly string[]).includes(o['x-permission'] ?? ''),
    );
    expect(guarded.length).toBeGreaterThan(8);
    for (const op of guarded) {
      const perm = op['x-permission'] as Permission;
      const res = await request(op, cookieWithout.get(perm)!);
      expect(res.status, `${op.operationId} without ${perm}`).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('forbidden');
    }
  });

  it('lets a session holding only that permission past the gate', async () => {
    for (const op of operations.filter((o) =>
      (PERMISSIONS as readonly string[]).includes(o['x-permission'] ?? ''),
    )) {
      const perm = op['x-permission'] as Permission;
      const res = await request(op, cookieWithOnly.get(perm)!);
      // Past the gate the request may be invalid or point at nothing, but it is never refused for access.
      expect([401, 403], `${op.operationId} with ${perm}`).not.toContain(res.status);
    }
  });

  it('refuses every patron (My Library) route to a staff session holding every permission (401)', async () => {
    const patronOps = operations.filter((o) => o['x-permission'] === 'patron');
    expect(patronOps.map((o) => o.operationId)).toEqual(
      expect.arrayContaining(['myLoans', 'myHolds', 'renewMyLoan', 'placeMyHold', 'cancelMyHold']),
    );
    for (const op of patronOps) {
      const res = await request(op, staffCookie);
      expect(res.status, `${op.operationId} with a staff session`).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
    }
  });

  it('refuses every staff route to a patron session (401)', async () => {
    for (const op of operations.filter((o) => !['public', 'patron'].includes(o['x-permission'] ?? ''))) {
      const res = await request(op, patronCookie);
      expect(res.status, `${op.operationId} with a patron session`).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
    }
  });

  it('lets a patron session past the gate of every patron route (logout last)', async () => {
    const patronOps = operations
      .filter((o) => o['x-permission'] === 'patron')
      .sort((a, b) => Number(a.operationId === 'patronLogout') - Number(b.operationId === 'patronLogout'));
    for (const op of patronOps) {
      const res = await request(op, patronCookie);
      expect([401, 403], `${op.operationId} with a patron session`).not.toContain(res.status);
    }
  });
});

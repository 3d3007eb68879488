import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import { databaseUrl } from '../../cloud/test/support/public-fixture.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { type GenerateResult, generateTenant } from '../src/generate-tenant.ts';
import { mixedLoadBench, OPERATION_CLASSES, summariseByClass } from '../src/patrons.ts';

// The plumbing of `npm run bench -- --only=patrons`, with a handful of patrons and desks and no think
// time: every request is answered as the library would answer it, and the tenant is left as it was.
// No timings are asserted.

let database: Database;
let tenant: GenerateResult;
const rows = async <T>(q: SQL) => resultRows<T>(await database.db.execute(q));

beforeAll(async () => {
  database = await freshDatabase();
  tenant = await generateTenant(database.db, { seed: 7, scale: 0.001, code: 'bench' });
});

afterAll(async () => {
  await database?.close();
});

describe('patrons under load', () => {
  it('gives generated patrons a shared My Library password', async () => {
    const [r] = await rows<{ with: number; all: number; hashes: number }>(sql`
      select count(*) filter (where password_hash is not null)::int as with, count(*)::int as all,
        count(distinct password_hash)::int as hashes
      from patrons where tenant_id = ${tenant.tenantId} and status <> 'deleted'`);
    expect(r!.with).toBeGreaterThan(0);
    expect(r!.with).toBeLessThan(r!.all);
    expect(r!.hashes).toBe(1);
  });

  it('runs patrons over HTTP through the public service beside desks, and puts the tenant back', async () => {
    const state = () =>
      rows<Record<string, unknown>>(sql`
        select (select count(*)::int from holds where tenant_id = ${tenant.tenantId} and status = 'requested') as open_holds,
          (select count(*)::int from items where tenant_id = ${tenant.tenantId} and status = 'available') as available,
          (select coalesce(sum(renewals), 0)::int from loans where tenant_id = ${tenant.tenantId} and returned_at is null) as renewals,
          (select max(due_on)::text from loans where tenant_id = ${tenant.tenantId} and returned_at is null) as latest_due`);
    const before = await state();

    const r = await mixedLoadBench(database, {
      tenantCode: 'bench',
      tenantId: tenant.tenantId,
      ...(database.kind === 'postgres' ? { databaseUrl: (await databaseUrl(database)).toString() } : {}),
      seed: 7,
      patrons: 4,
      memberShare: 0.5,
      thinkMs: 0,
      desks: 2,
      rounds: 2,
      paceMs: 0,
      baselineSessions: 6,
    });
    expect(r.baseline.errors).toEqual({ n: 0, first: [] });
    expect(r.loaded.errors).toEqual({ n: 0, first: [] });
    expect(r.desks.checkout.n).toBe(4);
    expect(r.desks.return.n).toBe(4);
    const seen = new Set([...r.baseline.samples, ...r.loaded.samples].map((s) => s.cls));
    for (const cls of ['login', 'My Library: loans', 'My Library: holds', 'logout'] as const)
      expect(seen, cls).toContain(cls);
    expect([...seen].some((c) => c.startsWith('search:'))).toBe(true);
    // the CSRF checks and the login limits stay on: nothing was refused as cross-site or too many
    for (const s of [...r.baseline.samples, ...r.loaded.samples])
      expect([403, 423, 429]).not.toContain(s.status);
    const byClass = summariseByClass(r.baseline);
    expect([...byClass.keys()].every((c) => OPERATION_CLASSES.includes(c))).toBe(true);
    expect(await state()).toEqual(before);
  });
});

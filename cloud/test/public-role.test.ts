import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import {
  ensurePublicRole,
  openCatalogueReader,
  PUBLIC_COLUMNS,
  PUBLIC_TABLES,
} from '../src/db/public-role.ts';
import { searchBibs } from '../src/domain/catalog/search-bibs.ts';
import { systemCtx } from '../src/domain/context.ts';
import { databaseUrl, makeCirculatingLibrary, publicRoleFor } from './support/public-fixture.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * The public service's database role reads the catalogue and nothing personal. On PostgreSQL the
 * reader logs in as the role itself (as the public service on its own does); on PGlite every query
 * runs as the role inside the core's database. The grants and the refusals are the database's own.
 */

let database: Database;
let lib: Awaited<ReturnType<typeof makeCirculatingLibrary>>;
let pub: Awaited<ReturnType<typeof publicRoleFor>>;

const dialect = new PgDialect();
type Row = Record<string, unknown>;
const rows = async (q: ReturnType<typeof sql>, db = pub.reader.db): Promise<Row[]> => {
  const r = (await db.execute(q)) as unknown;
  return (Array.isArray(r) ? r : (r as { rows: Row[] }).rows) as Row[];
};
/** The database's refusal (PostgreSQL 42501), or on PGlite possibly the reader's own guard. */
const refused = async (q: ReturnType<typeof sql>) => {
  const err = await pub.reader.db.execute(q).then(
    () => null,
    (e: unknown) => e as Error & { cause?: { code?: string } },
  );
  expect(err, `expected a refusal for: ${dialect.sqlToQuery(q).sql}`).not.toBeNull();
  const code = (err as { code?: string }).code ?? err!.cause?.code;
  const text = `${err!.message} ${err!.cause instanceof Error ? err!.cause.message : ''}`;
  expect(code === '42501' || code === '25006' || /permission denied|read-only/i.test(text)).toBe(true);
};

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeCirculatingLibrary(database, 'publib');
  pub = await publicRoleFor(database);
});

afterAll(async () => {
  await pub?.reader.close();
  await database?.close();
  await pub?.drop();
});

describe('the public role reads the catalogue', () => {
  it('reads records, copies, places, calendars and library names', async () => {
    const [bibs] = await rows(
      sql`select count(*)::int as n from bib_records where tenant_id = ${lib.tenantId}`,
    );
    expect(bibs!.n).toBe(12);
    const [items] = await rows(
      sql`select count(*)::int as n from items where tenant_id = ${lib.tenantId} and status = 'onLoan'`,
    );
    expect(items!.n).toBe(2);
    expect(await rows(sql`select code, name_ja from tenants where id = ${lib.tenantId}`)).toEqual([
      { code: 'publib', name_ja: 'publib図書館' },
    ]);
    for (const t of ['material_types', 'locations', 'calendars', 'calendar_days']) {
      await rows(sql`select * from ${sql.identifier(t)} limit 1`);
    }
  });

  it('sees availability, hold counts and due dates through the views, without patrons', async () => {
    const [popular] = await rows(
      sql`select * from public_bib_availability where tenant_id = ${lib.tenantId} and bib_id = ${lib.bibs.popular}`,
    );
    expect(popular).toMatchObject({
      item_count: 1,
      available_count: 0,
      on_loan_count: 1,
      availability: 'onLoan',
      hold_count: 2,
      loans_last_year: 1,
    });
    expect(Object.keys(popular!).some((k) => k.includes('patron'))).toBe(false);
    const copies = await rows(
      sql`select * from public_item_availability where tenant_id = ${lib.tenantId} and bib_id = ${lib.bibs.novel} order by status`,
    );
    expect(copies.map((c) => [c.status, c.due_on === null ? null : String(c.due_on).slice(0, 10)])).toEqual([
      ['available', null],
      ['onLoan', lib.loans[0]!.dueOn],
    ]);
  });

  it('runs the catalogue search with live availability and hold counts', async () => {
    const ctx = systemCtx(pub.reader.db, lib.tenantId, 'public-test');
    const result = await searchBibs(ctx, { q: '書名', limit: 20, offset: 0, facets: true });
    expect(result.total).toBe(12);
    const popular = result.items.find((b) => b.id === lib.bibs.popular)!;
    expect(popular).toMatchObject({ availability: 'onLoan', holdCount: 2, onLoanCount: 1 });
    expect(result.facets?.availability.map((f) => f.value)).toContain('onLoan');
  });
});

describe('the public role cannot read personal data', () => {
  const personalTables = [
    'patrons',
    'patron_cards',
    'patron_sessions',
    'patron_categories',
    'loans',
    'holds',
    'purchase_requests',
    'overdue_notices',
    'circulation_events',
    'staff_users',
    'staff_sessions',
    'staff_user_roles',
    'roles',
    'operation_log',
    'agents',
    'devices',
    'job_runs',
    'loan_rules',
  ];
  it.each(personalTables)('SELECT * FROM %s is refused', async (table) => {
    await refused(sql`select * from ${sql.identifier(table)} limit 1`);
  });

  it('holds: bib and status only — who placed them and how to reach them are refused', async () => {
    const [n] = await rows(
      sql`select count(*)::int as n from holds where bib_id = ${lib.bibs.popular} and status = 'requested'`,
    );
    expect(n!.n).toBe(2);
    for (const column of [
      'patron_id',
      'contact_method',
      'pickup_location_id',
      'created_at',
      'not_needed_after',
    ]) {
      await refused(sql`select ${sql.identifier(column)} from holds limit 1`);
    }
  });

  it("loans' patron link and the patrons themselves, even joined through the catalogue, are refused", async () => {
    await refused(sql`select patron_id from loans`);
    await refused(sql`select i.barcode, l.patron_id from items i join loans l on l.item_id = i.id`);
    await refused(
      sql`select b.title from bib_records b where exists (select 1 from patrons p where p.name = b.title)`,
    );
    await refused(sql`select settings from tenants`);
  });

  it('cannot write, nor become another role', async () => {
    await refused(sql`insert into bib_records (tenant_id, title) values (${lib.tenantId}, 'x')`);
    await refused(sql`update items set status = 'missing' where tenant_id = ${lib.tenantId}`);
    await refused(sql`delete from calendar_days`);
    await expect(pub.reader.db.execute(sql`set role postgres`)).rejects.toThrow();
    await expect(pub.reader.db.execute(sql`select set_config('role', 'postgres', false)`)).rejects.toThrow();
  });

  it('holds privileges on the allow-list only: every other table and column of the schema is closed', async () => {
    // the core's own connection asks the catalogue, so tables added later are covered too
    const privileges = await rows(
      sql`select c.relname as name,
            has_table_privilege(${pub.role}, c.oid, 'SELECT') as whole,
            has_any_column_privilege(${pub.role}, c.oid, 'SELECT') as some,
            has_any_column_privilege(${pub.role}, c.oid, 'INSERT, UPDATE, REFERENCES') as writes,
            has_table_privilege(${pub.role}, c.oid, 'DELETE, TRUNCATE, TRIGGER') as other
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'v', 'm', 'p', 'f')
          order by 1`,
      database.db,
    );
    expect(privileges.length).toBeGreaterThan(20);
    for (const p of privileges) {
      const name = String(p.name);
      expect({ name, writes: p.writes, other: p.other }).toEqual({ name, writes: false, other: false });
      const expected = (PUBLIC_TABLES as readonly string[]).includes(name)
        ? { whole: true, some: true }
        : name in PUBLIC_COLUMNS
          ? { whole: false, some: true }
          : { whole: false, some: false };
      expect({ name, whole: p.whole, some: p.some }).toEqual({ name, ...expected });
    }
    for (const [table, allowed] of Object.entries(PUBLIC_COLUMNS)) {
      const columns = await rows(
        sql`select column_name as name, has_column_privilege(${pub.role}, ${table}, column_name, 'SELECT') as ok
            from information_schema.columns where table_schema = 'public' and table_name = ${table}`,
        database.db,
      );
      expect(
        columns
          .filter((c) => c.ok)
          .map((c) => c.name)
          .sort(),
      ).toEqual([...allowed].sort());
    }
  });

  it('setting the role up again is idempotent and takes back a grant made by hand', async () => {
    await database.db.execute(sql`grant select on patrons to ${sql.identifier(pub.role)}`);
    await rows(sql`select count(*) from patrons`);
    await ensurePublicRole(database.db, { role: pub.role });
    await refused(sql`select count(*) from patrons`);
    await rows(sql`select count(*) from bib_records`);
  });
});

describe('the public role used from the core process (npm start on PostgreSQL without its own login)', () => {
  it.skipIf(!process.env.DATABASE_URL)(
    "switches the core's own connections to the role: catalogue yes, patrons no",
    async () => {
      const role = `${pub.role}_np`;
      await ensurePublicRole(database.db, { role });
      const reader = openCatalogueReader({
        role,
        core: { database, url: (await databaseUrl(database)).toString() },
      });
      try {
        const [me] = await rows(sql`select current_user as who`, reader.db);
        expect(me!.who).toBe(role);
        await rows(sql`select count(*) from bib_records`, reader.db);
        const err = await reader.db.execute(sql`select * from patrons`).then(
          () => null,
          (e: Error & { cause?: { code?: string } }) => e,
        );
        expect((err as { code?: string })?.code ?? err?.cause?.code).toBe('42501');
        await expect(reader.db.execute(sql`update items set status = 'missing'`)).rejects.toThrow();
      } finally {
        await reader.close();
        await database.db.execute(sql.raw(`drop owned by "${role}"`));
        await database.db.execute(sql.raw(`drop role "${role}"`));
      }
    },
  );
});

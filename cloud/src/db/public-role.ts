import type { PGlite, Transaction } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { type Database, type Db, PLANNING } from './client.ts';
import { resultRows } from './result-rows.ts';
import * as schema from './schema/index.ts';

/**
 * The public OPAC service holds no personal data and must not be able to read any: it reads the
 * database as its own role, which may SELECT the catalogue and nothing else. This file owns that
 * role's grants (an allow-list: a table added later is closed to it until listed here) and the
 * catalogue reader the public app is given instead of the core's database handle.
 */

/** Readable whole: the catalogue, service points, opening calendars, the availability views. */
export const PUBLIC_TABLES = [
  'bib_records',
  'items',
  'material_types',
  'locations',
  'calendars',
  'calendar_days',
  'public_bib_availability',
  'public_item_availability',
] as const;

/** Readable in part: a library's name (not its settings), holds and loans without the patron. */
export const PUBLIC_COLUMNS: Record<string, readonly string[]> = {
  tenants: ['id', 'code', 'name_ja', 'name_en', 'timezone'],
  // search counts a title's waiting holds live (search-bibs.ts): bib and status only, never patron_id
  holds: ['id', 'tenant_id', 'bib_id', 'item_id', 'level', 'status', 'volume'],
  // ベストリーダー counts loans per copy over a period: which copy and when, never who
  loans: ['tenant_id', 'item_id', 'loaned_at'],
};

export const DEFAULT_PUBLIC_ROLE = 'bunko_public';

/** The role named by BUNKO_PUBLIC_DATABASE_URL (its user and password), or the default one. */
export function publicRoleOf(publicUrl: string | undefined): { role: string; password?: string } {
  if (!publicUrl) return { role: DEFAULT_PUBLIC_ROLE };
  const u = new URL(publicUrl);
  const role = decodeURIComponent(u.username) || DEFAULT_PUBLIC_ROLE;
  const password = decodeURIComponent(u.password);
  return password ? { role, password } : { role };
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const ident = (name: string) => {
  if (!ROLE_NAME.test(name)) throw new Error(`not a plain role name: ${name}`);
  return `"${name}"`;
};
const rows = async <T>(result: Promise<unknown>): Promise<T[]> => resultRows<T>(await result);
const literal = (s: string) => {
  if (s.includes('$bunko$')) throw new Error('the public role password may not contain $bunko$');
  return `'${s.replaceAll("'", "''")}'`;
};

/**
 * Create the public role when missing and (re)apply its grants: everything revoked, then SELECT on
 * the allow-list. Idempotent; the core runs it at every start, so a new version's list takes effect.
 * With a password the role may log in (the public service run on its own); without, it is used
 * through SET ROLE by a service in the core's process.
 */
export async function ensurePublicRole(db: Db, opts: { role: string; password?: string }): Promise<void> {
  const role = ident(opts.role);
  await db.transaction(async (tx) => {
    // two cores starting at once must not interleave their grants
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('bunko_public_role'))`);
    const exists =
      (await rows(tx.execute(sql`select 1 from pg_roles where rolname = ${opts.role}`))).length > 0;
    if (!exists) {
      const login = opts.password ? `login password ${literal(opts.password)}` : 'nologin';
      // roles belong to the whole server: a core of another database may create it at the same moment
      await tx.execute(
        sql.raw(
          `do $bunko$ begin create role ${role} ${login} nosuperuser nocreatedb nocreaterole noinherit; exception when duplicate_object then null; end $bunko$`,
        ),
      );
      if (opts.password)
        await tx.execute(sql.raw(`alter role ${role} login password ${literal(opts.password)}`));
    } else if (opts.password) {
      await tx.execute(sql.raw(`alter role ${role} login password ${literal(opts.password)}`));
    }
    if (!opts.password) {
      // used through SET ROLE by the core's own connections, which need to be a member of it
      const [me] = await rows<{ rolsuper: boolean }>(
        tx.execute(sql`select rolsuper from pg_roles where rolname = current_user`),
      );
      if (!me?.rolsuper) await tx.execute(sql.raw(`grant ${role} to current_user`));
    }
    await tx.execute(sql.raw(`revoke all on all tables in schema public from ${role}`));
    await tx.execute(sql.raw(`revoke all on all sequences in schema public from ${role}`));
    await tx.execute(sql.raw(`grant usage on schema public to ${role}`));
    await tx.execute(sql.raw(`grant select on ${PUBLIC_TABLES.join(', ')} to ${role}`));
    for (const [table, columns] of Object.entries(PUBLIC_COLUMNS)) {
      await tx.execute(sql.raw(`grant select (${columns.join(', ')}) on ${table} to ${role}`));
    }
  });
}

/**
 * Statements the embedded reader passes on: reads and the savepoints Drizzle nests transactions
 * with. Anything else (SET, RESET, writes) is refused before it reaches the database.
 */
const READ_STATEMENT = /^\s*(select\b|with\b|\(|savepoint\b|release savepoint\b|rollback to savepoint\b)/i;

function guarded(q: string) {
  if (!READ_STATEMENT.test(q) || /\bset_config\s*\(/i.test(q)) {
    throw new Error('the catalogue reader runs read-only queries only');
  }
}

/**
 * Embedded PGlite is one database in one process: the public app gets a handle whose every query
 * runs in its own read-only transaction as the public role, so the database refuses what the grants
 * do not allow, exactly as on PostgreSQL.
 */
function pgliteReader(pg: PGlite, role: string): Database {
  const enter = `set local role ${ident(role)}; set transaction read only`;
  const scoped = (tx: Transaction) => ({
    query: (q: string, params?: unknown[], options?: object) => {
      guarded(q);
      return tx.query(q, params, options);
    },
  });
  const client = {
    query: (q: string, params?: unknown[], options?: object) => {
      guarded(q);
      return pg.transaction(async (tx) => {
        await tx.exec(enter);
        return tx.query(q, params, options);
      });
    },
    transaction: <T>(fn: (tx: ReturnType<typeof scoped>) => Promise<T>) =>
      pg.transaction(async (tx) => {
        await tx.exec(enter);
        return fn(scoped(tx));
      }),
  };
  const db = drizzlePglite(client as unknown as PGlite, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    // the PGlite instance belongs to the core
    close: async () => {},
  };
}

/**
 * The catalogue reader for the public app.
 * - `publicUrl`: PostgreSQL, logged in as the public role itself (the public service on its own);
 * - `core` on PostgreSQL: the core's server, every connection switched to the public role;
 * - `core` on PGlite: the same database, every query as the public role.
 * Connections are read-only and time-limited on PostgreSQL either way.
 */
export function openCatalogueReader(opts: {
  role: string;
  publicUrl?: string;
  core?: { database: Database; url?: string };
}): Database {
  if (!opts.publicUrl && opts.core?.database.kind === 'pglite') {
    const pg = (opts.core.database.db as unknown as { $client: PGlite }).$client;
    return pgliteReader(pg, opts.role);
  }
  const url = opts.publicUrl ?? opts.core?.url;
  if (!url) throw new Error('the catalogue reader needs BUNKO_PUBLIC_DATABASE_URL or the core database');
  const client = postgres(url, {
    max: 5,
    onnotice: () => {},
    connection: {
      application_name: 'bunko-public',
      ...PLANNING,
      default_transaction_read_only: true,
      statement_timeout: 10_000,
      ...(opts.publicUrl ? {} : { role: ident(opts.role).slice(1, -1) }),
    },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** One type for both drivers: the domain never knows which one it runs on. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type DbOrTx = Db | Tx;

export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** a cheap round trip for /readyz */
  ping(): Promise<void>;
  close(): Promise<void>;
};

/**
 * postgres.js prepares its tagged-template queries, but not `unsafe()` ones — and Drizzle sends
 * everything through `unsafe()`. An unprepared statement with parameters first costs a Parse/Describe
 * round trip of its own, and the connection sends nothing else meanwhile, so statements issued
 * together are not pipelined. Here every statement is a named prepared statement, kept per
 * connection (postgres.js re-prepares it if the schema changed): after its first use on a
 * connection it is one Bind/Execute, and statements sent together share one round trip.
 */
function preparing<T extends postgres.Sql>(sql: T): T {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (query: string, args?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, args as never, { ...options, prepare: true });
      if (prop === 'begin' || prop === 'savepoint')
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.Sql) => unknown;
          return (Reflect.get(target, prop) as (...a: unknown[]) => unknown)(...args, (tx: postgres.Sql) =>
            fn(preparing(tx)),
          );
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * The search index's pending list (bib_records_tenant_grams has fastupdate on) is merged into the index
 * by whoever writes past this size. A bulk writer raises it for its own transaction and merges at
 * the end (flushSearchIndex); everything else keeps it small so that searches never scan much of it.
 */
export const PENDING_LIST_LIMIT = '64kB';

/**
 * How the core's PostgreSQL sessions plan. Custom plans always: statements are prepared (see
 * `preparing`), and a prepared statement's generic plan cannot see which library it is for — with
 * several libraries in one database it estimated a library at 1/n of the catalogue and joined a
 * catalogue search with a scan of the library's whole index (an ISBN search: 0.2 → 32 ms). Planning
 * each execution costs about a millisecond. JIT off: the statements are short, and JIT fired on
 * misestimated ones (a MARC batch's 1,000 source-id look-ups: 80–500 ms of compiling).
 */
export const PLANNING = { plan_cache_mode: 'force_custom_plan', jit: 'off' } as const;

const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Open the database: PostgreSQL when a URL is given, otherwise embedded PGlite in `dataDir/pg`
 * (or in memory when dataDir is 'memory://'). Migrations are applied before anything else runs.
 */
export async function openDatabase(opts: {
  url?: string;
  dataDir?: string;
  /** sees every statement Drizzle sends (the bench counts round trips with it); not BEGIN/COMMIT */
  onQuery?: (query: string) => void;
}): Promise<Database> {
  const logger = opts.onQuery ? { logQuery: (query: string) => opts.onQuery!(query) } : undefined;
  if (opts.url) {
    const sql = preparing(
      postgres(opts.url, {
        max: 10,
        onnotice: () => {},
        connection: { gin_pending_list_limit: PENDING_LIST_LIMIT, ...PLANNING },
      }),
    );
    const db = drizzlePostgres(sql, { schema, ...(logger ? { logger } : {}) }) as unknown as Db;
    await migratePostgres(drizzlePostgres(sql, { schema }), { migrationsFolder });
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await sql`select 1`;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const dir = opts.dataDir ?? 'memory://';
  let pg: PGlite;
  // btree_gin: the catalogue's gram index leads with the library (migration 0022)
  const options = { extensions: { btree_gin } };
  if (dir.startsWith('memory://')) pg = new PGlite(options);
  else {
    const pgDir = join(dir, 'pg');
    mkdirSync(pgDir, { recursive: true });
    pg = new PGlite(pgDir, options);
  }
  await pg.waitReady;
  const raw = drizzlePglite(pg, { schema });
  await migratePglite(raw, { migrationsFolder });
  await pg.exec(`set gin_pending_list_limit = '${PENDING_LIST_LIMIT}'`);
  return {
    db: (logger ? drizzlePglite(pg, { schema, logger }) : raw) as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await pg.query('select 1');
    },
    close: () => pg.close(),
  };
}

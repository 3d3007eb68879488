import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
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

const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Open the database: PostgreSQL when a URL is given, otherwise embedded PGlite in `dataDir/pg`
 * (or in memory when dataDir is 'memory://'). Migrations are applied before anything else runs.
 */
export async function openDatabase(opts: { url?: string; dataDir?: string }): Promise<Database> {
  if (opts.url) {
    const sql = postgres(opts.url, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
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
  if (dir.startsWith('memory://')) pg = new PGlite();
  else {
    const pgDir = join(dir, 'pg');
    mkdirSync(pgDir, { recursive: true });
    pg = new PGlite(pgDir);
  }
  await pg.waitReady;
  const raw = drizzlePglite(pg, { schema });
  await migratePglite(raw, { migrationsFolder });
  return {
    db: raw as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await pg.query('select 1');
    },
    close: () => pg.close(),
  };
}

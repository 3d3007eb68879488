import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client.ts';

/**
 * A fresh database for one test file: in-memory PGlite by default, or — when DATABASE_URL is set —
 * a new PostgreSQL database made for this run and dropped afterwards (others are never touched).
 */
export async function freshDatabase(
  opts: { onQuery?: (query: string) => void } = {},
): Promise<Database & { url?: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ dataDir: 'memory://', ...opts });
  const name = `bunko_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openDatabase({ url: u.toString(), ...opts });
  return {
    ...db,
    url: u.toString(),
    async close() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

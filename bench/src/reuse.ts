/**
 * `npm run bench -- --reuse`: keep the generated five-year tenant between runs. It lives in a
 * database of its own that only the bench creates — PostgreSQL `bunko_bench_scale<scale>` (e.g.
 * `bunko_bench_scale1`), PGlite `<tmpdir>/bunko-bench-scale<scale>` — tagged with a hash of the
 * generator's source, the search index's normalisation, the migrations, the scale and the seed. A
 * database whose tag differs (or that was left half-generated) is dropped and generated again; one
 * without a bench tag is never touched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../cloud/src/db/client.ts';

const here = dirname(fileURLToPath(import.meta.url));
const GENERATOR_SOURCES = ['generate-tenant.ts', 'bulk.ts', 'codes.ts', 'prng.ts', 'words.ts'];
const MIGRATIONS = resolve(here, '../../cloud/drizzle');
/** the generator writes search_grams through these (normalisation, n-grams, sort buckets) */
const INDEX_SOURCES = ['search-text.ts', 'kanji-variants.ts'].map((f) =>
  resolve(here, '../../cloud/src/domain/catalog', f),
);
const PREFIX = 'bunko-bench';
const INCOMPLETE = `${PREFIX} incomplete`;

/** What the data was generated from: the same tag means the same rows (up to the day of generation). */
export function generatorTag(scale: number, seed: number): string {
  const h = createHash('sha256');
  for (const f of GENERATOR_SOURCES) h.update(readFileSync(join(here, f)));
  for (const f of INDEX_SOURCES) h.update(readFileSync(f));
  for (const f of readdirSync(MIGRATIONS)
    .filter((n) => n.endsWith('.sql'))
    .sort())
    h.update(f).update(readFileSync(join(MIGRATIONS, f)));
  return `${PREFIX} generator=${h.digest('hex').slice(0, 16)} scale=${scale} seed=${seed}`;
}

export type Reusable = {
  database: Database;
  label: string;
  /** PostgreSQL: the kept database's URL (the public service's reader connects to it) */
  url?: string;
  /** the tenant is there and current: skip generation */
  reused: boolean;
  /** when the kept tenant was generated (ISO), if reused */
  generatedAt: string | null;
  /** call once generation and analyze are done: the tag makes the next run reuse it */
  markGenerated(): Promise<void>;
  close(): Promise<void>;
};

const scaleName = (scale: number) => {
  const s = String(scale).replace('.', '_');
  if (!/^[0-9_]+$/.test(s)) throw new Error(`BENCH_SCALE ${scale} cannot name a database`);
  return `bunko_bench_scale${s}`;
};

export async function openReusable(
  scale: number,
  seed: number,
  onQuery?: (query: string) => void,
): Promise<Reusable> {
  const tag = generatorTag(scale, seed);
  const name = scaleName(scale);
  const url = process.env.DATABASE_URL;
  if (url) {
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await admin<{ comment: string | null }[]>`
        select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${name}`;
      const comment = row?.comment ?? null;
      let reused = false;
      if (row && !comment?.startsWith(PREFIX))
        throw new Error(
          `database ${name} exists but was not made by the bench (no "${PREFIX}" comment); not touching it`,
        );
      if (row && comment?.startsWith(`${tag} generated=`)) reused = true;
      else {
        if (row) await admin.unsafe(`drop database ${name} with (force)`);
        await admin.unsafe(`create database ${name}`);
        await admin.unsafe(`comment on database ${name} is '${INCOMPLETE}'`);
      }
      const u = new URL(url);
      u.pathname = `/${name}`;
      const database = await openDatabase({ url: u.toString(), ...(onQuery ? { onQuery } : {}) });
      return {
        database,
        label: `PostgreSQL (${u.host}, database ${name}, ${reused ? 'reused' : 'generated and kept'})`,
        url: u.toString(),
        reused,
        generatedAt: reused ? (comment!.split(' generated=')[1] ?? null) : null,
        markGenerated: async () => {
          const admin2 = postgres(url, { max: 1, onnotice: () => {} });
          const value = `${tag} generated=${new Date().toISOString()}`;
          await admin2.unsafe(`comment on database ${name} is '${value.replace(/'/g, "''")}'`);
          await admin2.end();
        },
        close: () => database.close(),
      };
    } finally {
      await admin.end();
    }
  }
  const dir = join(tmpdir(), name.replace(/_/g, '-'));
  const tagFile = join(dir, 'bunko-bench.tag');
  const current = existsSync(tagFile) ? readFileSync(tagFile, 'utf8') : null;
  if (existsSync(dir) && current === null && readdirSync(dir).length > 0)
    throw new Error(`${dir} exists but was not made by the bench (no bunko-bench.tag); not touching it`);
  const reused = current?.startsWith(`${tag} generated=`) ?? false;
  if (!reused) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(tagFile, INCOMPLETE);
  }
  const database = await openDatabase({ dataDir: dir, ...(onQuery ? { onQuery } : {}) });
  return {
    database,
    label: `PGlite (${dir}, ${reused ? 'reused' : 'generated and kept'})`,
    reused,
    generatedAt: reused ? (current!.split(' generated=')[1] ?? null) : null,
    markGenerated: async () => writeFileSync(tagFile, `${tag} generated=${new Date().toISOString()}`),
    close: () => database.close(),
  };
}

/**
 * `npm run bench`: generate one tenant at five-year scale and print what it took, next to
 * baselines measured in the same run. Figures only, no thresholds.
 *
 *   BENCH_SCALE  multiplies FIVE_YEAR_SCALE (default 1; 0.01 for a quick run)
 *   BENCH_SEED   PRNG seed (default 20261125)
 *   DATABASE_URL run on this PostgreSQL server in a database of its own (bunko_bench_<random>),
 *                dropped afterwards; otherwise embedded PGlite in a temporary directory
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, type Db, openDatabase } from '../../cloud/src/db/client.ts';
import { bibRecords, items, locations } from '../../cloud/src/db/schema/index.ts';
import { searchBibs } from '../../cloud/src/domain/catalog/search-bibs.ts';
import { queryGrams } from '../../cloud/src/domain/catalog/search-text.ts';
import { systemCtx } from '../../cloud/src/domain/context.ts';
import { bulkInsert, type Cell } from './bulk.ts';
import { circulationBench, type LatencySummary } from './circulation.ts';
import { itemBarcode } from './codes.ts';
import {
  countTenantRows,
  FIVE_YEAR_SCALE,
  generateTenant,
  ITEM_COLUMNS,
  resultRows,
} from './generate-tenant.ts';
import { Rng } from './prng.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const scale = Number(process.env.BENCH_SCALE ?? '1');
const seed = Number(process.env.BENCH_SEED ?? '20261125');
if (!(scale > 0) || !Number.isFinite(seed)) {
  process.stderr.write('BENCH_SCALE must be a positive number and BENCH_SEED a number\n');
  process.exit(2);
}

const out = (s = '') => process.stdout.write(`${s}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number) => (n < 10 ? `${n.toFixed(2)} ms` : n < 1000 ? `${n.toFixed(1)} ms` : `${fmt(n)} ms`);

function table(head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!)))
      .join('  ')
      .trimEnd();
  out(`  ${line(head)}`);
  out(`  ${width.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of cells.slice(1)) out(`  ${line(r)}`);
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return times;
}

/** the top plan node names of a query, e.g. "Index Scan using items_tenant_barcode" */
async function plan(db: Db, q: ReturnType<typeof sql>): Promise<string> {
  const r = resultRows<Record<string, string>>(await db.execute(sql`explain ${q}`));
  return r
    .map((row) => Object.values(row)[0] ?? '')
    .filter((l) => /Scan/.test(l))
    .map((l) =>
      l
        .trim()
        .replace(/^->\s*/, '')
        .replace(/\s+\(cost.*$/, ''),
    )
    .slice(0, 2)
    .join('; ');
}

// --- database -------------------------------------------------------------------------------

type Opened = { database: Database; label: string; cleanup: () => Promise<void> };

async function openBenchDatabase(suffix = ''): Promise<Opened> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `bunko_bench_${randomBytes(4).toString('hex')}${suffix}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    const database = await openDatabase({ url: u.toString() });
    return {
      database,
      label: `PostgreSQL (${u.host}, database ${name})`,
      cleanup: async () => {
        await database.close().catch(() => {});
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bunko-bench-'));
  const database = await openDatabase({ dataDir: dir });
  return {
    database,
    label: `PGlite (${dir})`,
    cleanup: async () => {
      await database.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- 1. generation --------------------------------------------------------------------------

async function generation(db: Db) {
  out(
    `Generating one tenant at scale ${scale} (scale 1 = ${fmt(FIVE_YEAR_SCALE.items)} items, ${fmt(FIVE_YEAR_SCALE.patrons)} patrons, ${fmt(FIVE_YEAR_SCALE.loans)} loans), seed ${seed} …`,
  );
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  // A bulk load wants the GIN pending list (the schema turns it off for interactive writes): on
  // while loading, then merged into the index once and off again.
  await db.execute(sql`alter index bib_records_grams set (fastupdate = on)`);
  const result = await generateTenant(db, {
    seed,
    scale,
    onProgress: (t, n) => {
      const nowMs = performance.now();
      if (tty && nowMs - lastLine > 250) {
        process.stderr.write(`\r  … ${t}: ${fmt(n)}        `);
        lastLine = nowMs;
      }
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  const tMerge = performance.now();
  await db.execute(sql`select gin_clean_pending_list('bib_records_grams'::regclass)`);
  await db.execute(sql`alter index bib_records_grams set (fastupdate = off)`);
  const mergeMs = performance.now() - tMerge;
  const tAnalyze = performance.now();
  await db.execute(sql`analyze`);
  const analyzeMs = performance.now() - tAnalyze;
  const counts = await countTenantRows(db, result.tenantId);
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);

  out();
  out('Rows (counted in the database, this tenant)');
  table(
    ['table', 'rows'],
    Object.entries(counts).map(([t, n]) => [t, fmt(n)]),
  );
  const [loanMix] = resultRows<{ out: number; overdue: number; kept: number }>(
    await db.execute(sql`select count(*) filter (where returned_at is null)::int as out,
      count(*) filter (where returned_at is null and due_on < current_date)::int as overdue,
      count(*) filter (where returned_at is not null and patron_id is not null)::int as kept
      from loans where tenant_id = ${result.tenantId}`),
  );
  if (loanMix)
    out(
      `  loans still out: ${fmt(loanMix.out)} (${fmt(loanMix.overdue)} overdue); returned loans keeping the patron link (opted in): ${fmt(loanMix.kept)}`,
    );
  out();
  out('Generation time');
  const phaseRows: Record<string, string[]> = {
    tenant: ['tenants', 'staff (argon2id hashing)'],
    reference: ['locations', 'categories', 'material types', 'loan rules'],
    'bibs+items': ['bib_records', 'items'],
    'patrons+cards': ['patrons', 'patron_cards'],
    'loans+events': ['loans', 'circulation_events'],
    holds: ['holds'],
  };
  table(
    ['phase', 'rows', 'time', 'rows/s'],
    [
      ...Object.entries(result.phases).map(([p, t]) => {
        const tables = phaseRows[p] ?? [];
        const n = tables.reduce((a, tb) => a + (result.rows[tb] ?? 0), 0);
        return [p, n ? fmt(n) : '', ms(t), n ? fmt(n / (t / 1000)) : ''];
      }),
      [
        'outside the inserts (PRNG, simulation, GC)',
        '',
        ms(result.ms - Object.values(result.phases).reduce((a, b) => a + b, 0)),
        '',
      ],
      ['total', fmt(total), ms(result.ms), fmt(total / (result.ms / 1000))],
      ['search index merge (after)', '', ms(mergeMs), ''],
      ['analyze (after)', '', ms(analyzeMs), ''],
    ],
  );
  return { tenantId: result.tenantId, items: counts.items ?? 0 };
}

// --- 2. baseline: row-by-row vs batched ------------------------------------------------------

async function insertBaseline(db: Db, tenantId: string) {
  const N = 2000;
  const [loc] = await db
    .select({ id: locations.id })
    .from(locations)
    .where(eq(locations.tenantId, tenantId))
    .limit(1);
  const bibs = await db
    .select({ id: bibRecords.id })
    .from(bibRecords)
    .where(eq(bibRecords.tenantId, tenantId))
    .limit(N);
  const sample = (variant: string) =>
    Array.from({ length: N }, (_, i) => ({
      tenantId,
      bibId: bibs[i % bibs.length]!.id,
      barcode: `BENCH-${variant}-${String(i).padStart(5, '0')}`,
      locationId: loc!.id,
      shelf: '一般開架',
      callNumber: '913.6/ベ',
      status: 'available' as const,
      acquiredOn: '2026-04-01',
      price: 1760,
    }));

  const results: [string, number][] = [];
  const run = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    results.push([label, performance.now() - t]);
  };
  await run('row by row, one INSERT per row (autocommit)', async () => {
    for (const row of sample('a')) await db.insert(items).values(row);
  });
  await run('row by row, one transaction', () =>
    db.transaction(async (tx) => {
      for (const row of sample('b')) await tx.insert(items).values(row);
    }),
  );
  await run('batched: drizzle insert().values(2000 rows)', () =>
    db.transaction(async (tx) => {
      await tx.insert(items).values(sample('c'));
    }),
  );
  await run('batched: insert … select from unnest() (generator)', () =>
    db.transaction(async (tx) => {
      const now = new Date().toISOString();
      const rows: Cell[][] = sample('d').map((r) => [
        randomUUID(),
        r.tenantId,
        r.bibId,
        r.barcode,
        r.locationId,
        r.shelf,
        r.callNumber,
        null,
        r.status,
        r.acquiredOn,
        r.price,
        now,
        now,
      ]);
      await bulkInsert(tx, 'items', ITEM_COLUMNS, rows, 5000);
    }),
  );
  const inserted = resultRows<{ n: number }>(
    await db.execute(
      sql`select count(*)::int as n from items where tenant_id = ${tenantId} and barcode like 'BENCH-%'`,
    ),
  )[0]?.n;
  await db.execute(sql`delete from items where tenant_id = ${tenantId} and barcode like 'BENCH-%'`);

  out();
  out(`Baseline: inserting ${fmt(N)} items (${fmt(Number(inserted))} rows inserted in all, then deleted)`);
  const base = results[0]![1];
  table(
    ['method', 'time', 'rows/s', 'speed-up'],
    results.map(([label, t]) => [label, ms(t), fmt(N / (t / 1000)), `${(base / t).toFixed(1)}×`]),
  );
}

// --- 3. queries ------------------------------------------------------------------------------

async function queries(db: Db, tenantId: string, nItems: number) {
  const rng = new Rng(seed).fork('queries');
  const N = 500;
  const barcodes = Array.from({ length: N }, () => itemBarcode(1 + rng.int(nItems)));
  const lookup = (b: string) =>
    db
      .select({ id: items.id, title: bibRecords.title, status: items.status })
      .from(items)
      .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
      .where(and(eq(items.tenantId, tenantId), eq(items.barcode, b)));
  const scanLookup = (b: string) =>
    db
      .select({ id: items.id, title: bibRecords.title, status: items.status })
      .from(items)
      .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
      .where(and(eq(items.tenantId, tenantId), sql`lower(${items.barcode}) = lower(${b})`));
  // warm up both
  for (const b of barcodes.slice(0, 5)) {
    await lookup(b);
    await scanLookup(b);
  }
  const indexed = await timeEach(N, (i) => lookup(barcodes[i]!));
  const nScan = Math.min(N, 50);
  const scanned = await timeEach(nScan, (i) => scanLookup(barcodes[i]!));
  const found = (await lookup(barcodes[0]!)).length;

  const terms = ['沖縄', '猫', '図書館', 'ヤエヤマ', '料理', '星', '探偵', '宇宙'];
  // the catalogue search itself (n-gram index, verification, live availability; no facets)
  const ctx = systemCtx(db, tenantId, 'bench');
  const gin = (term: string) => searchBibs(ctx, { q: term, limit: 50, offset: 0, facets: false });
  const like = (term: string) =>
    db.execute(
      sql`select id, title from bib_records where tenant_id = ${tenantId} and (title like ${`%${term}%`} or title_reading like ${`%${term}%`}) limit 50`,
    );
  const nTerms = 40;
  for (const t of terms) {
    await gin(t);
    await like(t);
  }
  const ginTimes = await timeEach(nTerms, (i) => gin(terms[i % terms.length]!));
  const likeTimes = await timeEach(nTerms, (i) => like(terms[i % terms.length]!));

  const b0 = barcodes[0]!;
  const plans = {
    indexed: await plan(db, sql`select id from items where tenant_id = ${tenantId} and barcode = ${b0}`),
    scanned: await plan(
      db,
      sql`select id from items where tenant_id = ${tenantId} and lower(barcode) = lower(${b0})`,
    ),
    gin: await plan(
      db,
      sql`select id from bib_records where tenant_id = ${tenantId} and search_grams @> array[${queryGrams('沖縄')[0]!}]::text[]`,
    ),
    like: await plan(
      db,
      sql`select id from bib_records where tenant_id = ${tenantId} and title like '%沖縄%'`,
    ),
  };

  out();
  out(`Queries (${fmt(nItems)} items; every lookup found ${found} row)`);
  table(
    ['query', 'n', 'median', 'p95', "planner's choice"],
    [
      [
        'item by barcode (items_tenant_barcode)',
        N,
        ms(percentile(indexed, 0.5)),
        ms(percentile(indexed, 0.95)),
        plans.indexed,
      ],
      [
        '  baseline: lower(barcode) = lower($1)',
        nScan,
        ms(percentile(scanned, 0.5)),
        ms(percentile(scanned, 0.95)),
        plans.scanned,
      ],
      [
        'catalogue search (searchBibs, n-gram index)',
        nTerms,
        ms(percentile(ginTimes, 0.5)),
        ms(percentile(ginTimes, 0.95)),
        plans.gin,
      ],
      [
        '  baseline: title LIKE %word%',
        nTerms,
        ms(percentile(likeTimes, 0.5)),
        ms(percentile(likeTimes, 0.95)),
        plans.like,
      ],
    ],
  );
  out(
    `  barcode lookup: the index is ${(percentile(scanned, 0.5) / percentile(indexed, 0.5)).toFixed(0)}× faster than the sequential scan (median)`,
  );
}

// --- 4. core start-to-ready ------------------------------------------------------------------

type StartResult = { ok: true; ms: number; reportedMs: number | null } | { ok: false; reason: string };

async function startCore(dataDir: string, databaseUrl: string | undefined): Promise<StartResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BUNKO_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    BUNKO_DEMO: 'auto',
    BUNKO_DEMO_AGENT: 'off',
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.MQTT_URL;
  delete env.BUNKO_SECRET;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cloud/src/main.ts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((res) =>
    child.on('exit', (code) => {
      exited = code;
      res();
    }),
  );
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
  };
  const deadline = t0 + 180_000;
  try {
    while (performance.now() < deadline) {
      if (exited !== undefined) {
        const last = stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
        return { ok: false, reason: `exited with status ${exited}: ${last || '(no output)'}` };
      }
      const m = /ready in (\d+) ms — (https?:\/\/[^\s]+)/.exec(stdout);
      if (m) {
        try {
          const res = await fetch(new URL('readyz', m[2]!));
          if (res.status === 200) return { ok: true, ms: performance.now() - t0, reportedMs: Number(m[1]) };
        } catch {
          // not listening yet
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return { ok: false, reason: 'not ready within 180 s' };
  } finally {
    await stop();
  }
}

async function coreStart() {
  out();
  out('Core start-to-ready (node --import tsx cloud/src/main.ts until /readyz answers 200)');
  const dataDir = mkdtempSync(join(tmpdir(), 'bunko-bench-core-'));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  let dbCleanup: (() => Promise<void>) | undefined;
  let url: string | undefined;
  try {
    if (process.env.DATABASE_URL) {
      const name = `bunko_bench_${randomBytes(4).toString('hex')}_core`;
      const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      const u = new URL(process.env.DATABASE_URL);
      u.pathname = `/${name}`;
      url = u.toString();
      dbCleanup = async () => {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      };
    }
    pending.add(removeDir);
    if (dbCleanup) pending.add(dbCleanup);
    const first = await startCore(dataDir, url);
    if (!first.ok) {
      out(`  skipped: the core did not start (${first.reason})`);
      return;
    }
    const second = await startCore(dataDir, url);
    const rows: (string | number)[][] = [
      [
        'first start (empty database: migrations + demo library)',
        ms(first.ms),
        first.reportedMs === null ? '' : ms(first.reportedMs),
      ],
    ];
    if (second.ok)
      rows.push([
        'second start (existing data)',
        ms(second.ms),
        second.reportedMs === null ? '' : ms(second.reportedMs),
      ]);
    table(['start', 'to /readyz 200', 'core says ready in'], rows);
    if (!second.ok) out(`  second start failed: ${second.reason}`);
  } finally {
    pending.delete(removeDir);
    await removeDir();
    if (dbCleanup) {
      pending.delete(dbCleanup);
      await dbCleanup();
    }
  }
}

// --- 4. the counter: checkout and return with many desks at once ------------------------------

async function counter(database: Database, tenantId: string) {
  const desks = Number(process.env.BENCH_DESKS ?? '20');
  const rounds = Number(process.env.BENCH_ROUNDS ?? '10');
  out();
  out(`Counter: checkout + return through the HTTP app (session, rules, calendar, locks, operation log)`);
  const one = await circulationBench(database, {
    tenantCode: 'bench',
    tenantId,
    desks: 1,
    rounds: desks * rounds,
  });
  const paceMs = Number(process.env.BENCH_PACE_MS ?? '300');
  const paced = await circulationBench(database, { tenantCode: 'bench', tenantId, desks, rounds, paceMs });
  const many = await circulationBench(database, { tenantCode: 'bench', tenantId, desks, rounds });
  const row = (label: string, r: LatencySummary) => [
    label,
    fmt(r.n),
    ms(r.p50),
    ms(r.p99),
    ms(r.max),
    fmt(r.opsPerSec, 1),
  ];
  table(
    ['desks', 'request', 'n', 'p50', 'p99', 'max', 'per s'],
    [
      ['1 (baseline)', ...row('checkout', one.checkout)],
      ['', ...row('return', one.return)],
      [`${desks}, a scan per ${paceMs} ms each`, ...row('checkout', paced.checkout)],
      ['', ...row('return', paced.return)],
      [`${desks}, flat out`, ...row('checkout', many.checkout)],
      ['', ...row('return', many.return)],
    ],
  );
  out(
    `  throughput: ${fmt(one.totalOpsPerSec, 1)} requests/s with 1 desk, ${fmt(many.totalOpsPerSec, 1)} requests/s with ${desks} desks flat out` +
      ` (a scan every ${paceMs} ms at ${desks} desks offers ${fmt((desks * 1000) / paceMs, 1)}/s)`,
  );
  out(
    '  for comparison: FOLIO publishes about 1 s average per checkout; our target is p99 < 25 ms on PostgreSQL',
  );
}

// --- main ------------------------------------------------------------------------------------

/** what to undo if the run is interrupted (Ctrl-C) */
const pending = new Set<() => Promise<void>>();
process.on('SIGINT', () => {
  process.stderr.write('\ninterrupted, cleaning up …\n');
  void Promise.allSettled([...pending].map((f) => f())).then(() => process.exit(130));
});

async function main() {
  const started = performance.now();
  const opened = await openBenchDatabase();
  pending.add(opened.cleanup);
  out(`文庫 Bunko benchmark — ${opened.label}, Node ${process.version}`);
  out();
  try {
    const { tenantId, items: nItems } = await generation(opened.database.db);
    await counter(opened.database, tenantId);
    await queries(opened.database.db, tenantId, nItems);
  } finally {
    pending.delete(opened.cleanup);
    await opened.cleanup();
  }
  // The insert-method comparison runs on a small tenant of its own: right after a multi-GB bulk
  // load, PGlite's first autocommit inserts wait on its own housekeeping, which is not what the
  // comparison is about.
  const small = await openBenchDatabase('_baseline');
  pending.add(small.cleanup);
  try {
    const { tenantId } = await generateTenant(small.database.db, { seed, scale: 0.005, code: 'baseline' });
    await insertBaseline(small.database.db, tenantId);
  } finally {
    pending.delete(small.cleanup);
    await small.cleanup();
  }
  await coreStart();
  out();
  out(`done in ${ms(performance.now() - started)}`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

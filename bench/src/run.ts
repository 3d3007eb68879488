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
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, type Db, openDatabase } from '../../cloud/src/db/client.ts';
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import { bibRecords, items, locations } from '../../cloud/src/db/schema/index.ts';
import { bulkInsert, type Cell } from './bulk.ts';
import { marcBench, searchBench } from './catalog.ts';
import { circulationBench, type LatencySummary } from './circulation.ts';
import { itemBarcode } from './codes.ts';
import { countTenantRows, FIVE_YEAR_SCALE, generateTenant, ITEM_COLUMNS } from './generate-tenant.ts';
import { connectionRetries, mixedLoadBench, OPERATION_CLASSES, summariseByClass } from './patrons.ts';
import { Rng } from './prng.ts';
import { receiptLatencyBench as receiptLatency } from './receipt-latency.ts';
import { openReusable } from './reuse.ts';
import { haveSocat, scanLatencyBench } from './scan-latency.ts';
import { stocktakeBench } from './stocktake.ts';

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

type Opened = { database: Database; label: string; url?: string; cleanup: () => Promise<void> };

/** every statement the app sends through Drizzle, for the counter's SQL/req */
const queryCount = { n: 0 };
const onQuery = () => {
  queryCount.n++;
};

async function openBenchDatabase(suffix = ''): Promise<Opened> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `bunko_bench_${randomBytes(4).toString('hex')}${suffix}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    const database = await openDatabase({ url: u.toString(), onQuery });
    return {
      database,
      label: `PostgreSQL (${u.host}, database ${name})`,
      url: u.toString(),
      cleanup: async () => {
        await database.close().catch(() => {});
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bunko-bench-'));
  const database = await openDatabase({ dataDir: dir, onQuery });
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
  // A bulk load wants a long GIN pending list (our connections keep it at 64 kB, and the load runs
  // on several of them): 64 MB while loading, then merged into the index once and back to 64 kB.
  await db.execute(sql`alter index bib_records_tenant_grams set (gin_pending_list_limit = 65536)`);
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
  await db.execute(sql`select gin_clean_pending_list('bib_records_tenant_grams'::regclass)`);
  await db.execute(sql`alter index bib_records_tenant_grams reset (gin_pending_list_limit)`);
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

  const b0 = barcodes[0]!;
  const plans = {
    indexed: await plan(db, sql`select id from items where tenant_id = ${tenantId} and barcode = ${b0}`),
    scanned: await plan(
      db,
      sql`select id from items where tenant_id = ${tenantId} and lower(barcode) = lower(${b0})`,
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
  const paceMs = Number(process.env.BENCH_PACE_MS ?? '1500');
  out();
  out(`Counter: checkout + return through the HTTP app (session, rules, calendar, locks, operation log)`);
  const common = { tenantCode: 'bench', tenantId, seed, queryCount };
  const one = await circulationBench(database, { ...common, desks: 1, rounds: desks * rounds });
  const paced = await circulationBench(database, { ...common, desks, rounds, paceMs });
  const many = await circulationBench(database, { ...common, desks, rounds });
  const cpu = (r: LatencySummary, whole: number) =>
    r.cpuMs === null ? `(${whole.toFixed(1)} ms)` : `${r.cpuMs.toFixed(1)} ms`;
  const row = (label: string, r: LatencySummary, whole: number) => [
    label,
    fmt(r.n),
    ms(r.p50),
    ms(r.p95),
    ms(r.p99),
    ms(r.max),
    fmt(r.opsPerSec, 1),
    cpu(r, whole),
    r.queries === null ? '' : r.queries.toFixed(1),
  ];
  table(
    ['desks', 'request', 'n', 'p50', 'p95', 'p99', 'max', 'per s', 'CPU/req', 'SQL/req'],
    [
      ['1 (baseline)', ...row('checkout', one.checkout, one.cpuMsPerRequest)],
      ['', ...row('return', one.return, one.cpuMsPerRequest)],
      [
        `${desks}, a scan every ${fmt(paceMs)} ms ± 50%`,
        ...row('checkout', paced.checkout, paced.cpuMsPerRequest),
      ],
      ['', ...row('return', paced.return, paced.cpuMsPerRequest)],
      [`${desks}, flat out`, ...row('checkout', many.checkout, many.cpuMsPerRequest)],
      ['', ...row('return', many.return, many.cpuMsPerRequest)],
    ],
  );
  out(
    `  throughput: ${fmt(one.totalOpsPerSec, 1)} requests/s with 1 desk, ${fmt(many.totalOpsPerSec, 1)} requests/s with ${desks} desks flat out` +
      ` (${desks} desks at a scan every ${fmt(paceMs)} ms offer ${fmt((desks * 1000) / paceMs, 1)}/s)`,
  );
  out(
    '  CPU/req: Node CPU (user + system) per request, this process only (the database server is apart);' +
      ' with one desk per request, with many (in brackets) the whole run over its requests, bench client included.' +
      ' SQL/req: statements per request, BEGIN/COMMIT not counted.',
  );
  out(
    '  for comparison: FOLIO publishes about 1 s average per checkout; our target is p99 < 25 ms on PostgreSQL',
  );
}

// --- patrons on the OPAC and My Library while the desks circulate -----------------------------

async function patronsUnderLoad(opened: Opened, tenantId: string) {
  const patrons = Number(process.env.BENCH_PATRONS ?? '200');
  const thinkMs = Number(process.env.BENCH_THINK_MS ?? '8000');
  const memberShare = Number(process.env.BENCH_MEMBER_SHARE ?? '0.4');
  const desks = Number(process.env.BENCH_DESKS ?? '20');
  const paceMs = Number(process.env.BENCH_PACE_MS ?? '1500');
  const rounds = Number(process.env.BENCH_MIXED_ROUNDS ?? '20');
  const baselineSessions = Number(process.env.BENCH_PATRON_BASELINE ?? '40');
  out();
  out(
    `Patrons under load: ${fmt(patrons)} simulated patrons on the public OPAC service (HTTP, loopback; ${Math.round(memberShare * 100)}% log in to My Library; think time ${fmt(thinkMs)} ms ± 50%)`,
  );
  out(
    `  while ${desks} desks circulate over HTTP to the core (a scan every ${fmt(paceMs)} ms ± 50%, ${rounds} checkout + return pairs each); core and public service wired as npm start`,
  );
  const load0 = loadavg()[0]!;
  const r = await mixedLoadBench(opened.database, {
    tenantCode: 'bench',
    tenantId,
    ...(opened.url ? { databaseUrl: opened.url } : {}),
    seed,
    patrons,
    memberShare,
    thinkMs,
    desks,
    rounds,
    paceMs,
    baselineSessions,
  });
  const base = summariseByClass(r.baseline);
  const loaded = summariseByClass(r.loaded);
  const rows: (string | number)[][] = [];
  for (const cls of OPERATION_CLASSES) {
    const l = loaded.get(cls);
    const b = base.get(cls);
    if (!l && !b) continue;
    rows.push([
      cls,
      l ? fmt(l.n) : '0',
      l ? ms(l.p50) : '',
      l ? ms(l.p95) : '',
      l ? ms(l.p99) : '',
      l ? ms(l.max) : '',
      l ? fmt(l.perSec, 1) : '',
      b ? fmt(b.n) : '0',
      b ? ms(b.p50) : '',
      b ? ms(b.p95) : '',
    ]);
  }
  const d = r.desks;
  const da = r.desksAlone;
  for (const kind of ['checkout', 'return'] as const) {
    const [loaded, alone] = [d[kind], da[kind]];
    rows.push([
      `desk ${kind} (${desks} desks)`,
      fmt(loaded.n),
      ms(loaded.p50),
      ms(loaded.p95),
      ms(loaded.p99),
      ms(loaded.max),
      fmt(loaded.opsPerSec, 1),
      fmt(alone.n),
      ms(alone.p50),
      ms(alone.p95),
    ]);
  }
  table(['operation', 'n', 'p50', 'p95', 'p99', 'max', 'per s', 'alone: n', 'p50', 'p95'], rows);
  const perSec = (run: typeof r.loaded) => run.samples.length / (run.wallMs / 1000);
  out(
    `  patrons: ${fmt(r.loaded.samples.length)} requests in ${ms(r.loaded.wallMs)} = ${fmt(perSec(r.loaded), 1)} requests/s ` +
      `(${fmt(r.loaded.sessions)} sessions, ${r.members} patrons logged in); desks: ${fmt(d.totalOpsPerSec, 1)} requests/s; ` +
      `CPU/req over the whole run ${r.cpuMsPerRequest.toFixed(1)} ms (servers, bench clients${opened.url ? '' : ' and PGlite'} in this process)`,
  );
  out(
    `  machine: ${availableParallelism()} CPUs, load average (1 min) ${load0.toFixed(1)} before the run and ${loadavg()[0]!.toFixed(1)} after (other work on the machine included)`,
  );
  out(
    `  alone (baseline): one patron, no desks, no think time: ${fmt(r.baseline.samples.length)} requests, ${fmt(perSec(r.baseline), 1)} requests/s;` +
      ` the desks alone: the same ${desks} desks at the same pace over HTTP with no patrons, ${Math.max(1, Math.ceil(rounds / 4))} pairs each`,
  );
  if (connectionRetries.n)
    out(
      `  requests sent again after the kept-alive connection they reused was closed under them (as a browser does): ${connectionRetries.n}`,
    );
  out(
    `  refusals the library gives (renewal not allowed, hold limit …) count as answers; unexpected answers (5xx, 429/423, other 4xx): ${r.loaded.errors.n + r.baseline.errors.n}` +
      (r.loaded.errors.first.length + r.baseline.errors.first.length
        ? ` — ${[...r.baseline.errors.first, ...r.loaded.errors.first].slice(0, 5).join('; ')}`
        : ''),
  );
}

// --- checkout to receipt bytes ----------------------------------------------------------------

async function receipts(database: Database, tenantId: string) {
  const rounds = Number(process.env.BENCH_PRINTS ?? '200');
  out();
  out(
    'Checkout to receipt bytes over real sockets: HTTP checkout + receipt request → core → MQTT (aedes, TCP)',
  );
  out('  → edge agent (journal fsync, ESC/POS) → TCP 9100 listener has the whole receipt');
  const r = await receiptLatency(database, { tenantCode: 'bench', tenantId, rounds });
  const row = (label: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return [
      label,
      fmt(s.length),
      ms(percentile(s, 0.5)),
      ms(percentile(s, 0.95)),
      ms(s.at(-1) ?? Number.NaN),
    ];
  };
  table(
    ['measure', 'n', 'p50', 'p95', 'max'],
    [
      row('MQTT round trip core → agent → core (baseline)', r.ping),
      row('HTTP checkout alone (baseline)', r.checkout),
      row('checkout → receipt bytes at the printer', r.receipt),
    ],
  );
  out('  target: checkout-to-receipt-bytes p95 under 300 ms');
}

// --- scan to browser ------------------------------------------------------------------------

async function scanToBrowser(database: Database, tenantId: string) {
  const scans = Number(process.env.BENCH_SCANS ?? '300');
  const paceMs = Number(process.env.BENCH_SCAN_PACE_MS ?? '400');
  const mqttUrl = process.env.MQTT_URL || undefined;
  const brokerName = mqttUrl ? `${mqttUrl}` : 'embedded aedes, TCP';
  out();
  out(
    `Scan to browser over real sockets: serial reader on a socat pty → edge agent → MQTT (${brokerName}) → core ScanHub`,
  );
  out("  → the paired counter session's /api/scans/stream (SSE) read by an HTTP client on loopback");
  if (!haveSocat) {
    out('  skipped: socat is not installed (apt-get install socat)');
    return;
  }
  const r = await scanLatencyBench(database, { tenantCode: 'bench', tenantId, scans, paceMs, seed, mqttUrl });
  const row = (label: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return [
      label,
      fmt(s.length),
      ms(percentile(s, 0.5)),
      ms(percentile(s, 0.95)),
      ms(percentile(s, 0.99)),
      ms(s.at(-1) ?? Number.NaN),
    ];
  };
  table(
    ['measure', 'n', 'p50', 'p95', 'p99', 'max'],
    [
      row('MQTT publish → subscribe, QoS 1, same broker (baseline)', r.mqtt),
      row('pty → agent → broker → event-topic subscriber', r.agent),
      row('pty → … → ScanHub → scan event at the SSE client', r.browser),
    ],
  );
  const inProcess = [
    'agent',
    'core',
    'clients',
    ...(mqttUrl ? [] : ['aedes']),
    ...(process.env.DATABASE_URL ? [] : ['PGlite']),
  ];
  out(
    `  CPU/scan: ${r.cpuMsPerScan.toFixed(2)} ms (this process: ${inProcess.join(', ')}; baseline publishes included);` +
      ` load average ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} on ${availableParallelism()} cores`,
  );
  out(
    `  one scan every ${fmt(paceMs)} ms ± 50% (5 more as warm-up); target: scan-to-browser p95 under 50 ms`,
  );
}

// --- main ------------------------------------------------------------------------------------

/** what to undo if the run is interrupted (Ctrl-C) */
const pending = new Set<() => Promise<void>>();
process.on('SIGINT', () => {
  process.stderr.write('\ninterrupted, cleaning up …\n');
  void Promise.allSettled([...pending].map((f) => f())).then(() => process.exit(130));
});

/**
 * `npm run bench -- --reuse` keeps the generated tenant (see reuse.ts); `--only=counter` runs the
 * counter alone, `--only=search` the catalogue search alone, `--only=marc` the MARC read and import
 * alone (after the generation or its reuse), `--only=scan` the scan-to-browser latency alone,
 * `--only=patrons` the OPAC and My Library patrons beside the desks alone
 */
const args = process.argv.slice(2);
const reuse = args.includes('--reuse');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const ONLY_PARTS = ['counter', 'search', 'marc', 'scan', 'patrons'];
if (only !== undefined && !ONLY_PARTS.includes(only)) {
  process.stderr.write(`--only takes one of ${ONLY_PARTS.join(', ')} (got "${only}")\n`);
  process.exit(2);
}

/** the kept tenant of an earlier run: its id and item count */
async function describeReused(db: Db, generatedAt: string | null) {
  const [t] = resultRows<{ id: string }>(await db.execute(sql`select id from tenants where code = 'bench'`));
  if (!t) throw new Error('the kept bench database has no tenant "bench"; drop it to generate again');
  const [n] = resultRows<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from items where tenant_id = ${t.id}`),
  );
  out(
    `Reusing the tenant generated ${generatedAt ?? '(date unknown)'} at scale ${scale}, seed ${seed}: ${fmt(n?.n ?? 0)} items (generation figures: run without --reuse)`,
  );
  return { tenantId: t.id, items: n?.n ?? 0 };
}

/** `--only=scan`: the scan-to-browser benchmark alone, on a small tenant of its own (no generation) */
async function scanOnly(started: number) {
  const small = await openBenchDatabase('_scan');
  pending.add(small.cleanup);
  out(`文庫 Bunko benchmark — ${small.label}, Node ${process.version}`);
  try {
    const { tenantId } = await generateTenant(small.database.db, { seed, scale: 0.001, code: 'bench' });
    await scanToBrowser(small.database, tenantId);
  } finally {
    pending.delete(small.cleanup);
    await small.cleanup();
  }
  out();
  out(`done in ${ms(performance.now() - started)}`);
}

async function main() {
  const started = performance.now();
  if (only === 'scan') return scanOnly(started);
  const kept = reuse ? await openReusable(scale, seed, onQuery) : null;
  const opened: Opened = kept
    ? {
        database: kept.database,
        label: kept.label,
        ...(kept.url ? { url: kept.url } : {}),
        cleanup: () => kept.close(),
      }
    : await openBenchDatabase();
  pending.add(opened.cleanup);
  out(`文庫 Bunko benchmark — ${opened.label}, Node ${process.version}`);
  out();
  try {
    let tenant: { tenantId: string; items: number };
    if (kept?.reused) tenant = await describeReused(opened.database.db, kept.generatedAt);
    else {
      tenant = await generation(opened.database.db);
      await kept?.markGenerated();
    }
    const kit = { out, table, ms, fmt, percentile, timeEach, plan };
    if (only === 'search') await searchBench(opened.database.db, tenant.tenantId, kit);
    else if (only === 'marc') await marcBench(opened.database.db, tenant.tenantId, kit);
    else if (only !== 'patrons') await counter(opened.database, tenant.tenantId);
    if (only === undefined || only === 'patrons') await patronsUnderLoad(opened, tenant.tenantId);
    if (only === undefined) await receipts(opened.database, tenant.tenantId);
    if (only === undefined) await scanToBrowser(opened.database, tenant.tenantId);
    if (only === undefined) {
      await queries(opened.database.db, tenant.tenantId, tenant.items);
      // last on this tenant: closing the stock-take changes item statuses
      await searchBench(opened.database.db, tenant.tenantId, kit);
      await marcBench(opened.database.db, tenant.tenantId, kit);
      await stocktakeBench(opened.database.db, tenant.tenantId, seed, { out, ms, fmt, table });
    }
  } finally {
    pending.delete(opened.cleanup);
    await opened.cleanup();
  }
  if (only !== undefined) {
    out();
    out(`done in ${ms(performance.now() - started)}`);
    return;
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
  // inspect shows the cause too (a failed fetch says why only there)
  process.stderr.write(`bench failed: ${inspect(err)}\n`);
  process.exit(1);
});

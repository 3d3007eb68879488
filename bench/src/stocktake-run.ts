/**
 * `npm run bench:stocktake`: the stock-take benchmark alone, on a catalogue inserted in bulk
 * (500,000 items × BENCH_SCALE, no loans or patrons to generate first), so the reconciliation
 * figure takes minutes instead of the whole five-year generation. `npm run bench` runs the same
 * measurement on the generated tenant. DATABASE_URL: a database of its own on that server,
 * dropped afterwards; otherwise in-memory PGlite.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { bulkInsert, type Cell } from '../../cloud/src/db/bulk.ts';
import { bibRecords, locations } from '../../cloud/src/db/schema/index.ts';
import { makeTenant } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { itemBarcode } from './codes.ts';
import { ITEM_COLUMNS } from './generate-tenant.ts';
import { Rng } from './prng.ts';
import { stocktakeBench } from './stocktake.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const seed = Number(process.env.BENCH_SEED ?? '20261125');
const out = (s = '') => process.stdout.write(`${s}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 1000 ? `${n.toFixed(1)} ms` : `${fmt(n)} ms`);
function table(head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  for (const r of cells)
    out(`  ${r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ')}`);
}

const STATUSES: [string, number][] = [
  ['available', 940],
  ['onLoan', 35],
  ['missing', 10],
  ['onHoldShelf', 5],
  ['inTransit', 5],
  ['withdrawn', 5],
];
/** a status by its weight in STATUSES (r in 0 … 999) */
function pickStatus(r: number): string {
  let left = r;
  for (const [status, weight] of STATUSES) {
    if (left < weight) return status;
    left -= weight;
  }
  return 'available';
}

const SHELVES = ['一般開架', '児童室', '郷土資料室', '参考図書', '書庫'];

async function main() {
  const database = await freshDatabase();
  try {
    const db = database.db;
    const { tenant } = await makeTenant(database, 'stbench');
    const tenantId = tenant.id;
    const locs = await db
      .insert(locations)
      .values(
        ['main', 'branch', 'mobile'].map((code, i) => ({
          tenantId,
          code,
          nameJa: ['本館', '分館', '移動図書館'][i]!,
          nameEn: code,
          kind: (['library', 'branch', 'bookmobile'] as const)[i]!,
        })),
      )
      .returning({ id: locations.id });
    const bibs = await db
      .insert(bibRecords)
      .values(Array.from({ length: 1000 }, (_, i) => ({ tenantId, title: `書名 ${i}` })))
      .returning({ id: bibRecords.id });
    const rng = new Rng(seed).fork('stocktake-catalogue');
    const n = Math.round(500_000 * scale);
    const now = new Date().toISOString();
    const rows: Cell[][] = [];
    for (let i = 1; i <= n; i++) {
      const status = pickStatus(rng.int(1000));
      rows.push([
        randomUUID(),
        tenantId,
        bibs[i % bibs.length]!.id,
        itemBarcode(i),
        locs[i % 10 === 0 ? 1 : i % 25 === 1 ? 2 : 0]!.id,
        SHELVES[rng.int(SHELVES.length)]!,
        '913.6',
        null,
        status,
        '2020-04-01',
        1500,
        now,
        now,
      ]);
    }
    const t = performance.now();
    await bulkInsert(db, 'items', ITEM_COLUMNS, rows, 10_000);
    await db.execute(sql`analyze items`);
    out(
      `文庫 Bunko stock-take benchmark — ${database.kind}, ${fmt(n)} items inserted in ${ms(performance.now() - t)}`,
    );
    await stocktakeBench(db, tenantId, seed, { out, ms, fmt, table });
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

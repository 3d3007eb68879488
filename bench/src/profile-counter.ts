/**
 * Node CPU and SQL statements per checkout/return, one desk, on the kept bench tenant
 * (`npm run bench -- --reuse` first). For a profile: node --cpu-prof --import tsx bench/src/profile-counter.ts
 */

import { sql } from 'drizzle-orm';
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import { circulationBench } from './circulation.ts';
import { openReusable } from './reuse.ts';

const scale = Number(process.env.BENCH_SCALE ?? '0.01');
const rounds = Number(process.env.BENCH_ROUNDS ?? '200');
const queryCount = { n: 0 };
const queries = new Map<string, number>();
const kept = await openReusable(scale, 20261125, (q) => {
  queryCount.n++;
  if (process.env.SHOW_SQL) queries.set(q, (queries.get(q) ?? 0) + 1);
});
if (!kept.reused) throw new Error('generate first: npm run bench -- --reuse');
const [t] = resultRows<{ id: string }>(
  await kept.database.db.execute(sql`select id from tenants where code = 'bench'`),
);
const common = { tenantCode: 'bench', tenantId: t!.id, queryCount };
await circulationBench(kept.database, { ...common, desks: 1, rounds: 50 }); // warm up (JIT)
queries.clear();
const r = await circulationBench(kept.database, { ...common, desks: 1, rounds });
for (const k of ['checkout', 'return'] as const)
  console.log(k, 'p50', r[k].p50.toFixed(1), 'cpu', r[k].cpuMs?.toFixed(2), 'sql', r[k].queries?.toFixed(1));
if (process.env.SHOW_SQL) for (const [q, n] of queries) console.log(n, q.slice(0, 300));
await kept.close();

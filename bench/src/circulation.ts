/**
 * Checkout and return at the counter, through the real HTTP app (validation, session, permission,
 * rules, calendar, locks, operation log, statistics event) against a generated tenant: many desks
 * at once, each lending an item to a patron and taking it back. Latency per request and throughput.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { createApp } from '../../cloud/src/app.ts';
import { loadConfig } from '../../cloud/src/config.ts';
import type { Database } from '../../cloud/src/db/client.ts';
import { resultRows } from './generate-tenant.ts';

export type LatencySummary = { n: number; p50: number; p99: number; max: number; opsPerSec: number };

export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;

function summarise(times: number[], wallMs: number): LatencySummary {
  const s = [...times].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    max: s.at(-1) ?? Number.NaN,
    opsPerSec: s.length / (wallMs / 1000),
  };
}

type Pair = { card: string; item: string };

/** Patrons who may borrow (active, valid, nothing overdue) and loanable copies nobody is waiting for. */
async function pickPairs(
  database: Database,
  tenantId: string,
  n: number,
): Promise<{ pairs: Pair[]; locationId: string }> {
  const db = database.db;
  const [loc] = resultRows<{ id: string }>(
    await db.execute(
      sql`select id from locations where tenant_id = ${tenantId} and kind = 'library' order by code limit 1`,
    ),
  );
  const cards = resultRows<{ barcode: string }>(
    await db.execute(sql`
      select c.barcode from patron_cards c
      join patrons p on p.id = c.patron_id
      join patron_categories pc on pc.id = p.category_id
      where c.tenant_id = ${tenantId} and c.status = 'active' and p.status = 'active'
        and p.expires_on > current_date + 30 and pc.code <> 'group'
        and not exists (select 1 from loans l where l.tenant_id = ${tenantId} and l.patron_id = p.id and l.returned_at is null)
      order by c.barcode limit ${n}`),
  );
  const copies = resultRows<{ barcode: string }>(
    await db.execute(sql`
      select i.barcode from items i
      join material_types m on m.id = i.material_type_id
      where i.tenant_id = ${tenantId} and i.status = 'available' and m.loanable and not m.is_av
        and not exists (select 1 from holds h where h.tenant_id = ${tenantId} and h.bib_id = i.bib_id
                        and h.status in ('requested','preparing','inTransit','available'))
      order by i.barcode limit ${n}`),
  );
  const count = Math.min(cards.length, copies.length);
  return {
    locationId: loc!.id,
    pairs: Array.from({ length: count }, (_, i) => ({ card: cards[i]!.barcode, item: copies[i]!.barcode })),
  };
}

/**
 * `desks` counters work at once; each does `rounds` checkout+return pairs with its own patrons and
 * items. Returns latency summaries for checkout and return, measured per request.
 */
export async function circulationBench(
  database: Database,
  opts: {
    tenantCode: string;
    tenantId: string;
    desks: number;
    rounds: number;
    /** each desk scans at most once per this many ms (0: as fast as the server answers) */
    paceMs?: number;
    login?: { id: string; password: string };
  },
) {
  const app = createApp({
    config: loadConfig({ BUNKO_DATA_DIR: '/tmp/bunko-bench-unused' }),
    database,
    logger: pino({ level: 'silent' }),
  });
  const { pairs, locationId } = await pickPairs(database, opts.tenantId, opts.desks * opts.rounds);
  const cookies: string[] = [];
  for (let d = 0; d < opts.desks; d++) {
    const res = await app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenant: opts.tenantCode,
        loginId: opts.login?.id ?? 'counter',
        password: opts.login?.password ?? 'bench-counter',
        workstation: `desk-${d + 1}`,
      }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    cookies.push(res.headers.get('set-cookie')!.split(';')[0]!);
  }
  const pace = opts.paceMs ?? 0;
  const post = async (cookie: string, path: string, body: unknown, due: number) => {
    // open loop: a desk scans on its own clock, not when the server has answered
    if (pace && performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
    const t = performance.now();
    const res = await app.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const elapsed = performance.now() - t;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return elapsed;
  };
  const checkout: number[] = [];
  const giveBack: number[] = [];
  const perDesk = Math.floor(pairs.length / opts.desks);
  const started = performance.now();
  await Promise.all(
    cookies.map(async (cookie, d) => {
      // desks start spread over one pace interval, as real counters are not in step
      let due = started + (pace * d) / opts.desks;
      for (let r = 0; r < perDesk; r++) {
        const { card, item } = pairs[d * perDesk + r]!;
        checkout.push(
          await post(
            cookie,
            '/api/circulation/checkout',
            {
              patron: { cardBarcode: card },
              itemBarcode: item,
              locationId,
              idempotencyKey: randomUUID(),
            },
            due,
          ),
        );
        due += pace;
        giveBack.push(await post(cookie, '/api/circulation/return', { itemBarcode: item, locationId }, due));
        due += pace;
      }
    }),
  );
  const wall = performance.now() - started;
  return {
    desks: opts.desks,
    checkout: summarise(checkout, wall),
    return: summarise(giveBack, wall),
    totalOpsPerSec: (checkout.length + giveBack.length) / (wall / 1000),
  };
}

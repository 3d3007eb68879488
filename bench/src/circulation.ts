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
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import { Rng } from './prng.ts';

export type LatencySummary = {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  opsPerSec: number;
  /** Node CPU (user + system) per request, ms; measured per request only with one desk */
  cpuMs: number | null;
  /** SQL statements per request (BEGIN/COMMIT not counted); only with one desk */
  queries: number | null;
};

export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function summarise(times: number[], wallMs: number, cpu: number[], queries: number[]): LatencySummary {
  const s = [...times].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s.at(-1) ?? Number.NaN,
    opsPerSec: s.length / (wallMs / 1000),
    cpuMs: mean(cpu),
    queries: mean(queries),
  };
}

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

type Pair = { card: string; item: string };

/**
 * Patrons who may borrow (active, valid, nothing overdue) and loanable copies of the desk's library
 * nobody is waiting for: lent and taken back, each copy ends as it was.
 */
export async function pickPairs(
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
        -- shelved at this desk's library: returned here it is available again, not in transit home
        and i.location_id = ${loc!.id}
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
    /** each desk scans about once per this many ms (0: as fast as the server answers) */
    paceMs?: number;
    /** each gap between scans is drawn uniformly from paceMs × (1 ± jitter) (default 0.5) */
    jitter?: number;
    seed?: number;
    login?: { id: string; password: string };
    /** counts the SQL statements the app sends (the database's onQuery hook) */
    queryCount?: { n: number };
    /**
     * how a desk's request reaches the core: by default the app in this process without a socket;
     * the patron benchmark sends them over HTTP to the core it serves on a loopback port
     */
    send?: (path: string, init: RequestInit) => Promise<Response>;
    /** called when the desks are logged in and start scanning */
    onStart?: () => void;
  },
) {
  let send = opts.send;
  if (!send) {
    const app = createApp({
      config: loadConfig({ BUNKO_DATA_DIR: '/tmp/bunko-bench-unused' }),
      database,
      logger: pino({ level: 'silent' }),
    });
    send = async (path, init) => app.request(path, init);
  }
  const { pairs, locationId } = await pickPairs(database, opts.tenantId, opts.desks * opts.rounds);
  const cookies: string[] = [];
  for (let d = 0; d < opts.desks; d++) {
    const res = await send('/api/auth/login', {
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
  const jitter = opts.jitter ?? 0.5;
  const rng = new Rng(opts.seed ?? 1).fork(`desks-${opts.desks}`);
  const gap = () => pace * (1 - jitter + 2 * jitter * rng.next());
  // with one desk nothing else runs in between, so CPU and statements can be told per request
  const serial = opts.desks === 1;
  type Sample = { ms: number; cpu: number; queries: number };
  const post = async (cookie: string, path: string, body: unknown, due: number): Promise<Sample> => {
    // open loop: a desk scans on its own clock, not when the server has answered
    if (pace && performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
    const cpu0 = process.cpuUsage();
    const q0 = opts.queryCount?.n ?? 0;
    const t = performance.now();
    const res = await send(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const elapsed = performance.now() - t;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return { ms: elapsed, cpu: cpuMsSince(cpu0), queries: (opts.queryCount?.n ?? 0) - q0 };
  };
  const checkout: Sample[] = [];
  const giveBack: Sample[] = [];
  const perDesk = Math.floor(pairs.length / opts.desks);
  opts.onStart?.();
  const cpuStart = process.cpuUsage();
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
        due += gap();
        giveBack.push(await post(cookie, '/api/circulation/return', { itemBarcode: item, locationId }, due));
        due += gap();
      }
    }),
  );
  const wall = performance.now() - started;
  const requests = checkout.length + giveBack.length;
  const part = (xs: Sample[], k: 'cpu' | 'queries') => (serial ? xs.map((x) => x[k]) : []);
  return {
    desks: opts.desks,
    checkout: summarise(
      checkout.map((x) => x.ms),
      wall,
      part(checkout, 'cpu'),
      part(checkout, 'queries'),
    ),
    return: summarise(
      giveBack.map((x) => x.ms),
      wall,
      part(giveBack, 'cpu'),
      part(giveBack, 'queries'),
    ),
    totalOpsPerSec: requests / (wall / 1000),
    /** Node CPU per request over the whole run (the bench's own client work included) */
    cpuMsPerRequest: cpuMsSince(cpuStart) / requests,
  };
}

/**
 * Patrons on the public OPAC while the desks circulate: the core and the public service served on
 * loopback ports as `npm start` wires them (servePublicBesideCore), then at once `desks` paced
 * counter desks (circulation.ts, over HTTP to the core) and `patrons` simulated patrons with think
 * times, over HTTP to the public service: OPAC searches (one-, two-character and longer words from
 * the generated catalogue), facets, detail pages, new arrivals and popular lists; My Library login,
 * loans, holds, renewal, placing and cancelling a hold. Latency per operation class beside a
 * baseline measured in the same run: the same mix by one patron, no desks, no think time.
 *
 * Security stays as in production: every state-changing request carries the browser's same-origin
 * headers (CSRF), and the login limits (failed logins per account and per address) are the
 * production ones — the simulated patrons always type the right password, so they never count.
 * A 429 or 423 is reported as an error, never retried.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { createApp } from '../../cloud/src/app.ts';
import { loadConfig } from '../../cloud/src/config.ts';
import type { Database } from '../../cloud/src/db/client.ts';
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import { serveApp } from '../../cloud/src/listen.ts';
import { servePublicBesideCore } from '../../cloud/src/public/beside-core.ts';
import { LONG, ONE_CHAR, TWO_CHAR } from './catalog.ts';
import { circulationBench, percentile } from './circulation.ts';
import { BENCH_PATRON_PASSWORD } from './generate-tenant.ts';
import { Rng } from './prng.ts';

/** the operation classes, in the order they are printed */
export const OPERATION_CLASSES = [
  'search: one character',
  'search: two characters',
  'search: longer word',
  'search: with a facet',
  'record detail',
  'new arrivals',
  'popular',
  'locations',
  'login',
  'My Library: profile',
  'My Library: loans',
  'My Library: holds',
  'renew',
  'place hold',
  'cancel hold',
  'logout',
] as const;
export type OperationClass = (typeof OPERATION_CLASSES)[number];

/** Answers a patron can get that are the library's refusal, not a failure (e.g. renewal not allowed). */
const REFUSALS: Partial<Record<OperationClass, readonly number[]>> = {
  renew: [409, 422],
  'place hold': [409, 422],
};

export type Services = {
  coreUrl: string;
  publicUrl: string;
  close(): Promise<void>;
};

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });

/**
 * The core's app and the public service on loopback ports (port 0), wired as `npm start` does it:
 * the public service reads the catalogue as the public role and hands the patron operations to the
 * core's app. Only the bench's database handle is shared (embedded PGlite cannot be opened twice).
 */
export async function startServices(
  database: Database,
  opts: { tenantCode: string; databaseUrl?: string },
): Promise<Services> {
  const config = loadConfig({
    BUNKO_DATA_DIR: '/tmp/bunko-bench-unused',
    HOST: '127.0.0.1',
    PORT: '0',
    BUNKO_PUBLIC_PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: opts.databaseUrl,
  });
  const serviceToken = randomBytes(32).toString('base64url');
  const app = createApp({
    config,
    serviceToken,
    database,
    logger: pino({ level: 'silent' }),
    isReady: () => true,
    publicConfig: () => ({ defaultTenant: opts.tenantCode, demo: false }),
  });
  const core = await serveApp(app.fetch, { config, port: config.PORT, variable: 'PORT' });
  const pub = await servePublicBesideCore({
    config,
    database,
    core: app,
    serviceToken,
    defaultTenant: opts.tenantCode,
  });
  return {
    coreUrl: core.url,
    publicUrl: pub.url,
    close: async () => {
      await closeServer(pub.server);
      await closeServer(core.server);
      await pub.reader.close().catch(() => {});
    },
  };
}

/** What the simulated patrons use: cards with a My Library password, titles to reserve. */
export type PatronFixtures = {
  /** card barcodes of patrons who may log in (active, valid, with a password), those with loans first */
  cards: string[];
  /** titles with no copy on the shelf (patrons reserve what is out); none of the desks' copies */
  holdTitles: string[];
  /** the loans of those patrons as they were, to put back after the run (renewals) */
  restore(): Promise<void>;
};

export async function patronFixtures(
  database: Database,
  tenantId: string,
  n: number,
): Promise<PatronFixtures> {
  const db = database.db;
  const cards = resultRows<{ barcode: string; patron_id: string }>(
    await db.execute(sql`
      select c.barcode, p.id as patron_id from patron_cards c
      join patrons p on p.id = c.patron_id
      join patron_categories pc on pc.id = p.category_id
      where c.tenant_id = ${tenantId} and c.status = 'active' and p.status = 'active'
        and p.password_hash is not null and p.locked_until is null and not p.password_must_change
        and p.expires_on > current_date + 30 and pc.code <> 'group'
      order by exists (select 1 from loans l where l.tenant_id = ${tenantId} and l.patron_id = p.id
                       and l.returned_at is null) desc, c.barcode desc
      limit ${n}`),
  );
  const patronIds = cards.map((c) => c.patron_id);
  const loans = patronIds.length
    ? resultRows<{ id: string; due_on: string; renewals: number }>(
        await db.execute(sql`
          select id, due_on::text as due_on, renewals from loans
          where tenant_id = ${tenantId} and returned_at is null
            and patron_id in (${sql.join(
              patronIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`),
      )
    : [];
  const holdTitles = resultRows<{ id: string }>(
    await db.execute(sql`
      select b.id from bib_records b
      where b.tenant_id = ${tenantId}
        and exists (select 1 from items i where i.tenant_id = ${tenantId} and i.bib_id = b.id and i.status = 'onLoan')
        and not exists (select 1 from items i where i.tenant_id = ${tenantId} and i.bib_id = b.id and i.status = 'available')
      order by md5(b.id::text) limit 500`),
  ).map((r) => r.id);
  return {
    cards: cards.map((c) => c.barcode),
    holdTitles,
    restore: async () => {
      for (const l of loans) {
        await db.execute(
          sql`update loans set due_on = ${l.due_on}::date, renewals = ${l.renewals} where id = ${l.id}::uuid`,
        );
      }
    },
  };
}

type Sample = { cls: OperationClass; ms: number; status: number };

/** requests sent again after a reused connection closed under them (see browserFetch) */
export const connectionRetries = { n: 0 };
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * fetch as a browser does it: a request that failed because the kept-alive connection it reused was
 * closed at that moment by the server (its idle timeout, which a busy event loop can make late) is
 * sent once more on a new connection. Anything else fails.
 */
export async function browserFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (!code || !RETRYABLE.has(code)) throw err;
    connectionRetries.n++;
    return fetch(url, init);
  }
}

export type PatronRun = {
  samples: Sample[];
  wallMs: number;
  /** sessions started (anonymous searches and My Library visits) */
  sessions: number;
  /** unexpected answers (5xx, 429, 423, other 4xx), with the first few for the report */
  errors: { n: number; first: string[] };
};

class Stopped extends Error {}

/**
 * Simulated patrons over HTTP against the public service until `stop()` says so (checked before each
 * request) or each has done `sessions` sessions. Patron i is a My Library user when it has a card
 * (cards[i]); the others search anonymously; a My Library user also searches in some sessions.
 */
export async function runPatrons(opts: {
  publicUrl: string;
  tenantCode: string;
  fixtures: PatronFixtures;
  patrons: number;
  /** share of the patrons who log in to My Library (those with a card) */
  memberShare: number;
  /** mean think time between a patron's requests (each drawn from ±50 %), 0 for none */
  thinkMs: number;
  seed: number;
  label: string;
  /** sessions per patron (default: until stop) */
  sessions?: number;
  stop?: () => boolean;
}): Promise<PatronRun> {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const samples: Sample[] = [];
  const errors = { n: 0, first: [] as string[] };
  let sessions = 0;
  /** when the last timed answer came: the run's length for requests/s (the untimed clean-up after it) */
  let lastAnswer = performance.now();
  const nMembers = Math.min(opts.fixtures.cards.length, Math.round(opts.patrons * opts.memberShare));
  const tenant = encodeURIComponent(opts.tenantCode);
  let pickup: string | undefined;

  const patron = async (i: number) => {
    const rng = new Rng(opts.seed).fork(`${opts.label}-patron-${i}`);
    const card = i < nMembers ? opts.fixtures.cards[i] : undefined;
    let cookie: string | undefined;
    let openHold: string | undefined;
    const think = async () => {
      if (opts.thinkMs > 0) await new Promise((r) => setTimeout(r, opts.thinkMs * (0.5 + rng.next())));
    };
    /** one timed request; a refusal the class allows is answered data, anything else not 2xx an error */
    const call = async (
      cls: OperationClass,
      path: string,
      init: { method?: string; body?: unknown } = {},
    ): Promise<{ status: number; body: Record<string, unknown> } | null> => {
      if (opts.stop?.()) throw new Stopped();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (cookie) headers.cookie = cookie;
      if (init.method && init.method !== 'GET') {
        // what a browser sends with a same-origin fetch: the CSRF checks pass as they would for the page
        headers.origin = origin;
        headers['sec-fetch-site'] = 'same-origin';
        headers['content-type'] = 'application/json';
      }
      const t = performance.now();
      let res: Response;
      try {
        res = await browserFetch(`${base}${path}`, {
          method: init.method ?? 'GET',
          headers,
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        });
      } catch (err) {
        // no answer at all (the connection failed): an error, with its cause
        errors.n++;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        if (errors.first.length < 5)
          errors.first.push(`${cls} ${cause?.code ?? cause?.message ?? String(err)}`);
        return null;
      }
      const text = await res.text();
      const ms = performance.now() - t;
      samples.push({ cls, ms, status: res.status });
      lastAnswer = Math.max(lastAnswer, performance.now());
      const set = res.headers.getSetCookie().find((c) => c.includes('='));
      if (set) {
        const pair = set.split(';')[0]!;
        cookie = pair.endsWith('=') ? undefined : pair;
      }
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      if (res.ok) return { status: res.status, body };
      if (REFUSALS[cls]?.includes(res.status)) return null;
      errors.n++;
      if (errors.first.length < 5)
        errors.first.push(`${cls} ${res.status} ${String(body.code ?? body.title ?? '')}`);
      return null;
    };
    const search = async (cls: OperationClass, q: string, extra = '') =>
      call(cls, `/api/opac/search?tenant=${tenant}&q=${encodeURIComponent(q)}${extra}`);

    const browse = async () => {
      const kind = rng.weighted([
        [0, 25],
        [1, 45],
        [2, 30],
      ] as const);
      const word = rng.pick([ONE_CHAR, TWO_CHAR, LONG][kind]!);
      const cls = (['search: one character', 'search: two characters', 'search: longer word'] as const)[kind];
      const found = await search(cls, word);
      await think();
      const facets = found?.body.facets as Record<string, { value: string }[]> | null | undefined;
      if (facets && rng.chance(0.5)) {
        const facet = rng.pick(['availability', 'materialType', 'ndc', 'location'] as const);
        const values = facets[facet] ?? [];
        const value = values.length ? rng.pick(values).value : '';
        const param = facet === 'ndc' ? (/^\d{1,3}(\.\d*)?$/.test(value) ? value : '') : value;
        if (param) {
          await search('search: with a facet', word, `&${facet}=${encodeURIComponent(param)}`);
          await think();
        }
      }
      const hits = (found?.body.items as { id: string }[] | undefined) ?? [];
      if (hits.length && rng.chance(0.7)) {
        await call('record detail', `/api/opac/bibs/${rng.pick(hits).id}?tenant=${tenant}`);
        await think();
      }
      if (rng.chance(0.25)) {
        if (rng.chance(0.5)) await call('new arrivals', `/api/opac/new?tenant=${tenant}`);
        else
          await call(
            'popular',
            `/api/opac/popular?tenant=${tenant}&kind=${rng.pick(['loaned', 'reserved'])}`,
          );
        await think();
      }
    };

    const myLibrary = async (cardNumber: string) => {
      const login = await call('login', '/api/my/login', {
        method: 'POST',
        body: { tenant: opts.tenantCode, cardNumber, password: BENCH_PATRON_PASSWORD },
      });
      if (!login) return;
      await think();
      await call('My Library: profile', '/api/my/profile');
      const loans = await call('My Library: loans', '/api/my/loans');
      await think();
      const mine = (loans?.body.loans as { loanId: string; overdue: boolean }[] | undefined) ?? [];
      if (mine.length && rng.chance(0.3)) {
        await call('renew', `/api/my/loans/${rng.pick(mine).loanId}/renew`, { method: 'POST' });
        await think();
      }
      await call('My Library: holds', '/api/my/holds');
      await think();
      if (rng.chance(0.5)) await browse();
      if (opts.fixtures.holdTitles.length && rng.chance(0.5)) {
        const bibId = rng.pick(opts.fixtures.holdTitles);
        await call('record detail', `/api/opac/bibs/${bibId}?tenant=${tenant}`);
        await think();
        if (!pickup) {
          const locs = await call('locations', `/api/opac/locations?tenant=${tenant}`);
          const list = (locs?.body.locations as { id: string; isPickupPoint: boolean }[] | undefined) ?? [];
          pickup = list.find((l) => l.isPickupPoint)?.id;
          await think();
        }
        if (pickup) {
          const placed = await call('place hold', '/api/my/holds', {
            method: 'POST',
            body: { bibId, pickupLocationId: pickup, contactMethod: 'none' },
          });
          await think();
          const holdId = placed?.body.holdId as string | undefined;
          if (holdId) {
            openHold = holdId;
            await call('My Library: holds', '/api/my/holds');
            await think();
            // the bench leaves the tenant's holds as they were
            await call('cancel hold', `/api/my/holds/${holdId}/cancel`, { method: 'POST' });
            openHold = undefined;
            await think();
          }
        }
      }
      await call('logout', '/api/my/logout', { method: 'POST' });
      await think();
    };

    try {
      // patrons arrive spread over one think interval
      if (opts.thinkMs > 0) await new Promise((r) => setTimeout(r, rng.next() * opts.thinkMs));
      for (let s = 0; opts.sessions === undefined || s < opts.sessions; s++) {
        if (opts.stop?.()) break;
        sessions++;
        if (card && rng.chance(0.7)) await myLibrary(card);
        else await browse();
      }
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
    }
    // stopped halfway through a session: put back what it changed, untimed
    if (openHold && cookie) {
      await fetch(`${base}/api/my/holds/${openHold}/cancel`, {
        method: 'POST',
        headers: { cookie, origin, 'sec-fetch-site': 'same-origin' },
      }).catch(() => {});
    }
    if (cookie) {
      await fetch(`${base}/api/my/logout`, {
        method: 'POST',
        headers: { cookie, origin, 'sec-fetch-site': 'same-origin' },
      }).catch(() => {});
    }
  };

  const started = performance.now();
  lastAnswer = started;
  await Promise.all(Array.from({ length: opts.patrons }, (_, i) => patron(i)));
  return { samples, wallMs: lastAnswer - started, sessions, errors };
}

export type ClassSummary = { n: number; p50: number; p95: number; p99: number; max: number; perSec: number };

/** p50/p95/p99/max and requests/s per operation class (classes with no sample are left out) */
export function summariseByClass(run: PatronRun): Map<OperationClass, ClassSummary> {
  const out = new Map<OperationClass, ClassSummary>();
  for (const cls of OPERATION_CLASSES) {
    const xs = run.samples
      .filter((s) => s.cls === cls)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    if (!xs.length) continue;
    out.set(cls, {
      n: xs.length,
      p50: percentile(xs, 50),
      p95: percentile(xs, 95),
      p99: percentile(xs, 99),
      max: xs.at(-1)!,
      perSec: xs.length / (run.wallMs / 1000),
    });
  }
  return out;
}

export type MixedLoadResult = {
  baseline: PatronRun;
  loaded: PatronRun;
  desks: Awaited<ReturnType<typeof circulationBench>>;
  /** the same desks at the same pace over HTTP with no patrons (a quarter of the rounds) */
  desksAlone: Awaited<ReturnType<typeof circulationBench>>;
  patrons: number;
  members: number;
  cpuMsPerRequest: number;
};

/**
 * The whole part: fixtures, services, a warm-up, the baseline (one patron, no desks, no think
 * time, `baselineSessions` sessions), then desks and patrons at once until the desks are done.
 */
export async function mixedLoadBench(
  database: Database,
  opts: {
    tenantCode: string;
    tenantId: string;
    databaseUrl?: string;
    seed: number;
    patrons: number;
    memberShare: number;
    thinkMs: number;
    desks: number;
    rounds: number;
    paceMs: number;
    baselineSessions: number;
  },
): Promise<MixedLoadResult> {
  const members = Math.round(opts.patrons * opts.memberShare);
  const fixtures = await patronFixtures(database, opts.tenantId, Math.max(members, 1));
  if (fixtures.cards.length === 0)
    throw new Error('no patron with a My Library password: generate the tenant again');
  const services = await startServices(database, {
    tenantCode: opts.tenantCode,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
  });
  try {
    const common = {
      publicUrl: services.publicUrl,
      tenantCode: opts.tenantCode,
      fixtures,
      memberShare: 1,
      seed: opts.seed,
    };
    // warm-up (not counted): every path once
    await runPatrons({ ...common, patrons: 1, thinkMs: 0, sessions: 4, label: 'warm-up' });
    const baseline = await runPatrons({
      ...common,
      patrons: 1,
      thinkMs: 0,
      sessions: opts.baselineSessions,
      label: 'baseline',
    });
    const coreBase = services.coreUrl.replace(/\/+$/, '');
    const coreOrigin = new URL(coreBase).origin;
    const desksOverHttp = {
      tenantCode: opts.tenantCode,
      tenantId: opts.tenantId,
      desks: opts.desks,
      paceMs: opts.paceMs,
      seed: opts.seed,
      send: (path: string, init: RequestInit) =>
        browserFetch(`${coreBase}${path}`, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), origin: coreOrigin },
        }),
    };
    const desksAlone = await circulationBench(database, {
      ...desksOverHttp,
      rounds: Math.max(1, Math.ceil(opts.rounds / 4)),
    });
    let desksDone = false;
    // the patrons come in once the desks are logged in and scanning
    let desksStarted = () => {};
    const scanning = new Promise<void>((resolve) => {
      desksStarted = resolve;
    });
    let cpu0 = process.cpuUsage();
    const [desks, loaded] = await Promise.all([
      circulationBench(database, {
        ...desksOverHttp,
        rounds: opts.rounds,
        onStart: () => desksStarted(),
      }).finally(() => {
        desksDone = true;
        desksStarted();
      }),
      scanning.then(() => {
        cpu0 = process.cpuUsage();
        return runPatrons({
          ...common,
          patrons: opts.patrons,
          memberShare: opts.memberShare,
          thinkMs: opts.thinkMs,
          label: 'loaded',
          stop: () => desksDone,
        });
      }),
    ]);
    const cpu = process.cpuUsage(cpu0);
    const requests = loaded.samples.length + desks.checkout.n + desks.return.n;
    return {
      baseline,
      loaded,
      desks,
      desksAlone,
      patrons: opts.patrons,
      members: Math.min(members, fixtures.cards.length),
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests,
    };
  } finally {
    await services.close();
    await fixtures.restore();
  }
}

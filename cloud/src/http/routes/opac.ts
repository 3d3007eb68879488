import { z } from '@hono/zod-openapi';
import { FailureLimiter } from '../../domain/auth/rate-limit.ts';
import { AppError } from '../../domain/errors.ts';
import { kioskInfo, printLocationSlip } from '../../domain/opac/kiosk.ts';
import {
  opacBib,
  opacCalendar,
  opacCtx,
  opacLocations,
  opacNewArrivals,
  opacPopular,
  opacSearch,
  resolvePublicTenant,
} from '../../domain/opac/opac.ts';
import type { AppDeps } from '../env.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';
import { Facet, SearchFilterQuery } from './catalog.ts';

/**
 * WebOPAC and kiosk reads (public, no personal data): catalogue, holdings, availability counts,
 * new arrivals, popular titles, opening calendar. The library is ?tenant=CODE, else the default.
 * Search takes plain query parameters so outside services (カーリル, 横断検索) can link to it.
 */

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Tenant = z
  .string()
  .max(64)
  .optional()
  .openapi({ description: '図書館コード (省略時は既定の図書館) / library code, default if omitted' });
const TenantQuery = z.object({ tenant: Tenant });

const Availability = z.enum(['available', 'onLoan', 'none']);
const OpacHit = z
  .object({
    id: z.string(),
    title: z.string(),
    authors: z.array(z.string()),
    publisher: z.string(),
    pubYear: z.number().nullable(),
    isbn: z.string().nullable(),
    ndc: z.string().nullable(),
    seriesTitle: z.string().nullable(),
    volume: z.string().nullable(),
    materialType: z.string().nullable(),
    itemCount: z.number(),
    availableCount: z.number(),
    holdCount: z.number().openapi({ description: '予約n件' }),
    availability: Availability,
  })
  .openapi('OpacHit');
const OpacSearchResult = z
  .object({
    total: z.number(),
    items: z.array(OpacHit),
    facets: z
      .object({
        materialType: z.array(Facet),
        location: z.array(Facet),
        availability: z.array(Facet),
        decade: z.array(Facet),
        ndc: z.array(Facet),
      })
      .nullable(),
  })
  .openapi('OpacSearchResult');
const Holding = z
  .object({
    itemId: z.string(),
    locationId: z.string(),
    locationJa: z.string(),
    locationEn: z.string(),
    shelf: z.string(),
    callNumber: z.string(),
    status: z.string().openapi({
      description: 'available, onLoan (貸出中; no due date, no borrower), onHoldShelf, inTransit, …',
    }),
  })
  .openapi('OpacHolding');
const OpacBib = z
  .object({
    id: z.string(),
    title: z.string(),
    titleReading: z.string(),
    authors: z.array(z.object({ name: z.string(), role: z.string().nullable() })),
    responsibility: z.string(),
    edition: z.string(),
    publisher: z.string(),
    pubPlace: z.string(),
    pubDate: z.string(),
    pubYear: z.number().nullable(),
    extent: z.string(),
    isbn: z.string().nullable(),
    ndc: z.string().nullable(),
    seriesTitle: z.string().nullable(),
    volume: z.string().nullable(),
    language: z.string(),
    subjects: z.array(z.string()),
    summary: z.string(),
    holdCount: z.number(),
    availableCount: z.number(),
    holdings: z.array(Holding),
  })
  .openapi('OpacBib');
const ListedBib = z.object({
  id: z.string(),
  title: z.string(),
  authors: z.array(z.string()),
  publisher: z.string(),
  pubYear: z.number().nullable(),
  ndc: z.string().nullable(),
});

const searchRoute = route('public', {
  method: 'get',
  path: '/opac/search',
  operationId: 'opacSearch',
  tags: ['opac'],
  summary: '蔵書検索(公開) / public catalogue search with facets and availability',
  request: {
    query: z.object({
      tenant: Tenant,
      q: z.string().max(200).optional().openapi({ description: 'キーワード(検索式も可) / keywords' }),
      title: z.string().max(200).optional(),
      author: z.string().max(200).optional(),
      publisher: z.string().max(200).optional(),
      subject: z.string().max(200).optional(),
      isbn: z.string().max(20).optional(),
      ndc: z
        .string()
        .regex(/^\d{1,3}(\.\d*)?$/, 'NDC like 913 or 913.6')
        .optional(),
      sort: z.enum(['relevance', 'newest', 'reading']).default('relevance'),
      limit: z.coerce.number().int().min(1).max(50).default(20),
      offset: z.coerce.number().int().min(0).max(10_000).default(0),
      materialType: z.string().max(40).optional(),
      location: z.string().max(40).optional(),
      availability: Availability.optional(),
      decade: SearchFilterQuery.decade,
      yearFrom: SearchFilterQuery.yearFrom,
      yearTo: SearchFilterQuery.yearTo,
    }),
  },
  responses: { 200: json(OpacSearchResult, 'Matching records'), ...standardErrors },
});
const bibRoute = route('public', {
  method: 'get',
  path: '/opac/bibs/{id}',
  operationId: 'opacBib',
  tags: ['opac'],
  summary: '資料の詳細と所蔵(公開) / record with holdings and hold count',
  request: { params: IdParam, query: TenantQuery },
  responses: { 200: json(OpacBib, 'The record'), ...standardErrors },
});
const newRoute = route('public', {
  method: 'get',
  path: '/opac/new',
  operationId: 'opacNewArrivals',
  tags: ['opac'],
  summary: '新着資料 / new arrivals (last 90 days by default), optionally of one NDC class',
  request: {
    query: z.object({
      tenant: Tenant,
      days: z.coerce.number().int().min(1).max(365).default(90),
      ndc: z.string().regex(/^\d$/, 'one NDC class digit, 0–9').optional(),
      limit: z.coerce.number().int().min(1).max(100).default(30),
    }),
  },
  responses: {
    200: json(
      z.object({
        since: z.string(),
        items: z.array(ListedBib.extend({ arrivedOn: z.string(), availableCount: z.number() })),
      }),
      'Newest first',
    ),
    ...standardErrors,
  },
});
const popularRoute = route('public', {
  method: 'get',
  path: '/opac/popular',
  operationId: 'opacPopular',
  tags: ['opac'],
  summary: 'ベストリーダー・予約の多い本 / most loaned (last `days`) or most reserved (now)',
  request: {
    query: z.object({
      tenant: Tenant,
      kind: z.enum(['loaned', 'reserved']).default('loaned'),
      days: z.coerce.number().int().min(1).max(365).default(90),
      limit: z.coerce.number().int().min(1).max(50).default(20),
    }),
  },
  responses: {
    200: json(
      z.object({ kind: z.string(), items: z.array(ListedBib.extend({ count: z.number() })) }),
      'Highest count first',
    ),
    ...standardErrors,
  },
});
const locationsRoute = route('public', {
  method: 'get',
  path: '/opac/locations',
  operationId: 'opacLocations',
  tags: ['opac'],
  summary: '館・受取場所の一覧 / locations and pickup points',
  request: { query: TenantQuery },
  responses: {
    200: json(
      z.object({
        library: z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }),
        locations: z.array(
          z.object({
            id: z.string(),
            code: z.string(),
            nameJa: z.string(),
            nameEn: z.string(),
            kind: z.string(),
            isPickupPoint: z.boolean(),
          }),
        ),
      }),
      'Locations',
    ),
    ...standardErrors,
  },
});
const calendarRoute = route('public', {
  method: 'get',
  path: '/opac/calendar',
  operationId: 'opacCalendar',
  tags: ['opac'],
  summary: '開館日・開館時間 / opening days and hours per library',
  request: {
    query: z.object({
      tenant: Tenant,
      from: Day.optional(),
      days: z.coerce.number().int().min(1).max(62).default(31),
    }),
  },
  responses: {
    200: json(
      z.object({
        from: z.string(),
        to: z.string(),
        locations: z.array(
          z.object({
            locationId: z.string(),
            code: z.string(),
            nameJa: z.string(),
            nameEn: z.string(),
            regularHours: z.array(z.object({ key: z.string(), opens: z.string(), closes: z.string() })),
            days: z.array(
              z.object({
                day: z.string(),
                dayEra: z.string(),
                dayWestern: z.string(),
                open: z.boolean(),
                opens: z.string().nullable(),
                closes: z.string().nullable(),
                closedReasonJa: z.string().nullable(),
              }),
            ),
          }),
        ),
      }),
      'Calendar',
    ),
    ...standardErrors,
  },
});
const KioskId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'a kiosk id: letters, digits, - and _')
  .openapi({ param: { name: 'kioskId', in: 'path' } });
const kioskRoute = route('public', {
  method: 'get',
  path: '/opac/kiosks/{kioskId}',
  operationId: 'opacKiosk',
  tags: ['opac'],
  summary: '館内OPAC端末の設定 / a kiosk: its name, idle reset seconds, whether it prints',
  request: { params: z.object({ kioskId: KioskId }), query: TenantQuery },
  responses: {
    200: json(
      z.object({ kioskId: z.string(), nameJa: z.string(), idleSeconds: z.number(), canPrint: z.boolean() }),
      'Kiosk',
    ),
    ...standardErrors,
  },
});
const slipRoute = route('public', {
  method: 'post',
  path: '/opac/kiosks/{kioskId}/location-slip',
  operationId: 'printLocationSlip',
  tags: ['opac'],
  summary:
    '所在票を印刷 / print a copy’s call number and shelf on the kiosk’s receipt printer (no free text)',
  request: {
    params: z.object({ kioskId: KioskId }),
    query: TenantQuery,
    body: jsonBody(z.object({ itemId: z.uuid() }).strict()),
  },
  responses: {
    200: json(z.object({ jobId: z.string() }), 'Sent to the printer'),
    ...standardErrors,
    429: {
      description: 'Too many slips from this kiosk in a minute (retry-after)',
      content: { 'application/problem+json': { schema: z.object({}).passthrough() } },
    },
    503: {
      description: 'The kiosk’s agent is offline',
      content: { 'application/problem+json': { schema: z.object({}).passthrough() } },
    },
  },
});

/** Location slips per kiosk per minute: enough for a queue of patrons, not for emptying the paper roll. */
export const SLIPS_PER_KIOSK_PER_MINUTE = 6;

export function opacRoutes(deps: AppDeps) {
  const db = deps.database.db;
  const now = deps.now ?? (() => new Date());
  // the kiosk id is in the kiosk's address, so anyone could call this route: keep it to a trickle
  const slips = new FailureLimiter(SLIPS_PER_KIOSK_PER_MINUTE, 60_000);
  const fallback = () => deps.publicConfig?.().defaultTenant ?? null;
  const ctxOf = async (tenant: string | undefined, requestId: string) => {
    const t = await resolvePublicTenant(db, tenant, fallback());
    return { t, ctx: opacCtx(db, t.id, requestId, deps.now) };
  };
  return router()
    .openapi(searchRoute, async (c) => {
      const { tenant, ...input } = c.req.valid('query');
      const { ctx } = await ctxOf(tenant, c.get('requestId'));
      return c.json(await opacSearch(ctx, input), 200);
    })
    .openapi(bibRoute, async (c) => {
      const { ctx } = await ctxOf(c.req.valid('query').tenant, c.get('requestId'));
      return c.json(await opacBib(ctx, c.req.valid('param').id), 200);
    })
    .openapi(newRoute, async (c) => {
      const { tenant, days, ndc, limit } = c.req.valid('query');
      const { ctx } = await ctxOf(tenant, c.get('requestId'));
      return c.json(await opacNewArrivals(ctx, { days, limit, ...(ndc ? { ndcClass: ndc } : {}) }), 200);
    })
    .openapi(popularRoute, async (c) => {
      const { tenant, ...input } = c.req.valid('query');
      const { ctx } = await ctxOf(tenant, c.get('requestId'));
      return c.json(await opacPopular(ctx, input), 200);
    })
    .openapi(locationsRoute, async (c) => {
      const { t, ctx } = await ctxOf(c.req.valid('query').tenant, c.get('requestId'));
      return c.json(
        {
          library: { code: t.code, nameJa: t.nameJa, nameEn: t.nameEn },
          locations: await opacLocations(ctx),
        },
        200,
      );
    })
    .openapi(calendarRoute, async (c) => {
      const { tenant, from, days } = c.req.valid('query');
      const { ctx } = await ctxOf(tenant, c.get('requestId'));
      return c.json(await opacCalendar(ctx, { days, ...(from ? { from } : {}) }), 200);
    })
    .openapi(kioskRoute, async (c) => {
      const { ctx } = await ctxOf(c.req.valid('query').tenant, c.get('requestId'));
      return c.json(await kioskInfo(ctx, c.req.valid('param').kioskId), 200);
    })
    .openapi(slipRoute, async (c) => {
      const { ctx } = await ctxOf(c.req.valid('query').tenant, c.get('requestId'));
      const { kioskId } = c.req.valid('param');
      const key = `${ctx.tenantId}:${kioskId}`;
      const t = now().getTime();
      const wait = slips.retryAfter(key, t);
      if (wait > 0) throw new AppError('rateLimited', undefined, undefined, { 'retry-after': String(wait) });
      slips.fail(key, t);
      return c.json(
        await printLocationSlip(ctx, deps.agents, { kioskId, itemId: c.req.valid('json').itemId }),
        200,
      );
    });
}

import { z } from '@hono/zod-openapi';
import { STOCKTAKE_LISTS } from '../../db/schema/index.ts';
import { AppError } from '../../domain/errors.ts';
import {
  closeStocktake,
  listStocktakeResults,
  listStocktakes,
  openStocktake,
  reconcileStocktake,
  stocktakeProgress,
} from '../../domain/stocktake/sessions.ts';
import { uploadStocktakeFile } from '../../domain/stocktake/upload.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

/** A handheld's file is a few MB at most (tens of thousands of lines). */
const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;

const Session = z
  .object({
    id: z.string(),
    nameJa: z.string(),
    status: z.enum(['open', 'closed']),
    locationIds: z.array(z.string()),
    shelves: z.array(z.string()),
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    summary: z.record(z.string(), z.number()).nullable(),
  })
  .openapi('StocktakeSession');
const List = z.enum(STOCKTAKE_LISTS);
const Counts = z.object(
  Object.fromEntries(STOCKTAKE_LISTS.map((l) => [l, z.number()])) as Record<
    (typeof STOCKTAKE_LISTS)[number],
    z.ZodNumber
  >,
);
const Rejected = z.array(z.object({ line: z.number(), reason: z.string() }));
const tags = ['stocktake'];

const listRoute = route('inventory.manage', {
  method: 'get',
  path: '/stocktakes',
  operationId: 'listStocktakes',
  tags,
  summary: '蔵書点検の一覧 / stock-take sessions, newest first',
  responses: { 200: json(z.object({ sessions: z.array(Session) }), 'Sessions'), ...standardErrors },
});
const openRoute = route('inventory.manage', {
  method: 'post',
  path: '/stocktakes',
  operationId: 'openStocktake',
  tags,
  summary: '蔵書点検の開始 / open a stock-take with its scope (locations, optionally shelves)',
  request: {
    body: jsonBody(
      z.object({
        nameJa: z.string().trim().min(1).max(100),
        locationIds: z.array(z.uuid()).min(1).max(100),
        shelves: z.array(z.string().trim().min(1).max(100)).max(500).default([]),
      }),
    ),
  },
  responses: { 200: json(Session, 'Opened'), ...standardErrors },
});
const progressRoute = route('inventory.manage', {
  method: 'get',
  path: '/stocktakes/{id}',
  operationId: 'getStocktakeProgress',
  tags,
  summary: '蔵書点検の進捗 / batches received, scans per shelf tag, how much of the scope was seen',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        session: Session,
        batches: z.array(
          z.object({
            id: z.string(),
            source: z.enum(['agent', 'upload']),
            terminalId: z.string(),
            origin: z.string(),
            deviceId: z.string().nullable(),
            scanCount: z.number(),
            rejectedCount: z.number(),
            rejectedLines: Rejected,
            receivedAt: z.string(),
          }),
        ),
        scans: z.number(),
        barcodes: z.number(),
        invalid: z.number(),
        shelfTags: z.array(z.object({ shelfTag: z.string(), scans: z.number(), barcodes: z.number() })),
        scope: z.object({ items: z.number(), seen: z.number() }),
      }),
      'Progress',
    ),
    ...standardErrors,
  },
});
const reconcileRoute = route('inventory.manage', {
  method: 'post',
  path: '/stocktakes/{id}/reconcile',
  operationId: 'reconcileStocktake',
  tags,
  summary: '照合 / reconcile the scans against the catalogue now; the result lists are replaced',
  request: { params: IdParam },
  responses: { 200: json(z.object({ counts: Counts }), 'Counts per list'), ...standardErrors },
});
const resultsRoute = route('inventory.manage', {
  method: 'get',
  path: '/stocktakes/{id}/results',
  operationId: 'listStocktakeResults',
  tags,
  summary: '照合結果 / one result list (missing, found, misshelved, on loan or hold, duplicate, unknown)',
  request: {
    params: IdParam,
    query: z.object({
      list: List,
      offset: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: json(
      z.object({
        list: List,
        total: z.number(),
        rows: z.array(
          z.object({
            barcode: z.string(),
            itemId: z.string().nullable(),
            detail: z.record(z.string(), z.unknown()),
            title: z.string().nullable(),
            callNumber: z.string().nullable(),
            shelf: z.string().nullable(),
            status: z.string().nullable(),
            locationJa: z.string().nullable(),
          }),
        ),
      }),
      'Rows',
    ),
    ...standardErrors,
  },
});
const closeRoute = route('inventory.manage', {
  method: 'post',
  path: '/stocktakes/{id}/close',
  operationId: 'closeStocktake',
  tags,
  summary: '蔵書点検の終了 / close: missing items become 不明, found ones 在架, in one transaction',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({ session: Session, counts: Counts, markedMissing: z.number(), markedFound: z.number() }),
      'Closed',
    ),
    ...standardErrors,
  },
});
const uploadRoute = route('inventory.manage', {
  method: 'post',
  path: '/stocktakes/{id}/uploads',
  operationId: 'uploadStocktakeFile',
  tags,
  summary:
    'ハンディ端末ファイルの取込 / upload a handheld file read with a drop-folder profile; the same data twice counts once',
  request: {
    params: IdParam,
    query: z.object({
      profile: z.string().min(1).max(100).default('generic-handheld-csv-cp932'),
      fileName: z.string().min(1).max(255).default('upload.csv'),
      terminalId: z.string().max(64).optional(),
    }),
    body: {
      required: true,
      content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    200: json(
      z.object({
        status: z.enum(['stored', 'duplicate']),
        batchId: z.string(),
        scanCount: z.number(),
        rejectedLines: Rejected,
      }),
      'Counted (or counted before)',
    ),
    ...standardErrors,
  },
});

export const stocktakeRoutes = () =>
  router()
    .openapi(listRoute, async (c) => c.json({ sessions: await listStocktakes(c.get('ctx')) }, 200))
    .openapi(openRoute, async (c) => c.json(await openStocktake(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(progressRoute, async (c) =>
      c.json(await stocktakeProgress(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(reconcileRoute, async (c) =>
      c.json({ counts: await reconcileStocktake(c.get('ctx'), c.req.valid('param').id) }, 200),
    )
    .openapi(resultsRoute, async (c) => {
      const { list, offset, limit } = c.req.valid('query');
      const r = await listStocktakeResults(c.get('ctx'), c.req.valid('param').id, list, { offset, limit });
      return c.json(r, 200);
    })
    .openapi(closeRoute, async (c) =>
      c.json(await closeStocktake(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(uploadRoute, async (c) => {
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > MAX_UPLOAD_BYTES)
        throw new AppError('validation', `file larger than ${MAX_UPLOAD_BYTES} bytes`);
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.byteLength > MAX_UPLOAD_BYTES)
        throw new AppError('validation', `file larger than ${MAX_UPLOAD_BYTES} bytes`);
      const q = c.req.valid('query');
      return c.json(
        await uploadStocktakeFile(c.get('ctx'), c.req.valid('param').id, bytes, {
          profile: q.profile,
          fileName: q.fileName,
          ...(q.terminalId ? { terminalId: q.terminalId } : {}),
        }),
        200,
      );
    });

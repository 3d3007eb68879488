import { OfflinePackage } from '@bunko/protocols';
import { z } from '@hono/zod-openapi';
import { compress } from 'hono/compress';
import { offlinePackage } from '../../domain/offline/build-package.ts';
import {
  getOfflineSession,
  listOfflineConflicts,
  listOfflineSessions,
  resolveOfflineConflict,
} from '../../domain/offline/sessions.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const Operation = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    seq: z.number(),
    kind: z.enum(['checkout', 'return']),
    at: z.string(),
    locationId: z.string(),
    itemBarcode: z.string(),
    itemId: z.string().nullable(),
    patronId: z.string().nullable().openapi({ description: 'kept only while a conflict is open' }),
    dueOn: z.string().nullable(),
    outcome: z.enum(['applied', 'noop', 'notApplied']),
    loanId: z.string().nullable(),
    conflicts: z.array(z.string()),
    notes: z.array(z.string()),
    flags: z.array(z.string()),
    resolvedAt: z.string().nullable(),
    resolutionNote: z.string().nullable(),
  })
  .openapi('OfflineOperation');

const packageRoute = route('circulation.checkout', {
  method: 'get',
  path: '/offline/package',
  operationId: 'getOfflinePackage',
  tags: ['offline'],
  summary: 'オフライン貸出用データ / block list and item list for the offline bookmobile',
  request: {
    query: z.object({
      bookmobileId: z.uuid(),
      haveVersion: z.string().max(80).optional().openapi({ description: 'answer 204 when still current' }),
    }),
  },
  responses: {
    200: json(OfflinePackage, 'The package (gzip when accepted)'),
    204: { description: 'The version held is current' },
    ...standardErrors,
  },
});
const sessionsRoute = route('circulation.checkout', {
  method: 'get',
  path: '/offline/sessions',
  operationId: 'listOfflineSessions',
  tags: ['offline'],
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: {
    200: json(
      z.object({
        sessions: z.array(
          z.object({
            id: z.string(),
            agentId: z.string(),
            agentNameJa: z.string(),
            firstOpAt: z.string(),
            lastOpAt: z.string(),
            lastReplayAt: z.string(),
            clockSkewSeconds: z.number(),
            operations: z.number(),
            applied: z.number(),
            openConflicts: z.number(),
          }),
        ),
      }),
      'Offline sessions, newest first',
    ),
    ...standardErrors,
  },
});
const sessionRoute = route('circulation.checkout', {
  method: 'get',
  path: '/offline/sessions/{id}',
  operationId: 'getOfflineSession',
  tags: ['offline'],
  request: { params: IdParam },
  responses: {
    200: json(z.object({ sessionId: z.string(), operations: z.array(Operation) }), 'Replay results'),
    ...standardErrors,
  },
});
const conflictsRoute = route('circulation.checkout', {
  method: 'get',
  path: '/offline/conflicts',
  operationId: 'listOfflineConflicts',
  tags: ['offline'],
  summary: 'オフライン貸出の要確認一覧 / open conflicts of replayed offline operations',
  responses: { 200: json(z.object({ conflicts: z.array(Operation) }), 'Open conflicts'), ...standardErrors },
});
const resolveRoute = route('circulation.override', {
  method: 'post',
  path: '/offline/operations/{id}/resolve',
  operationId: 'resolveOfflineConflict',
  tags: ['offline'],
  request: { params: IdParam, body: jsonBody(z.object({ note: z.string().trim().min(1).max(500) })) },
  responses: {
    200: json(z.object({ id: z.string(), resolvedAt: z.string() }), 'Resolved'),
    ...standardErrors,
  },
});

export const offlineRoutes = () => {
  const r = router();
  r.use('/offline/package', compress());
  return r
    .openapi(packageRoute, async (c) => {
      const q = c.req.valid('query');
      const pkg = await offlinePackage(c.get('ctx'), q);
      return pkg ? c.json(pkg, 200) : c.body(null, 204);
    })
    .openapi(sessionsRoute, async (c) =>
      c.json({ sessions: await listOfflineSessions(c.get('ctx'), c.req.valid('query')) }, 200),
    )
    .openapi(sessionRoute, async (c) =>
      c.json(await getOfflineSession(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(conflictsRoute, async (c) =>
      c.json({ conflicts: await listOfflineConflicts(c.get('ctx')) }, 200),
    )
    .openapi(resolveRoute, async (c) =>
      c.json(await resolveOfflineConflict(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    );
};

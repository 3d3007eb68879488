import { z } from '@hono/zod-openapi';
import { holdPullList, updateHold } from '../../domain/circulation/hold-admin.ts';
import { holdsToPhone, markHoldContacted } from '../../domain/circulation/hold-notice.ts';
import {
  createPurchaseRequest,
  decidePurchaseRequest,
  listPurchaseRequests,
} from '../../domain/circulation/purchase-requests.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Contact = z.enum(['email', 'phone', 'none']);
const RequestStatus = z.enum(['requested', 'ordered', 'interLibrary', 'fulfilled', 'declined', 'withdrawn']);

const updateRoute = route('holds.manage', {
  method: 'patch',
  path: '/holds/{id}',
  operationId: 'updateHold',
  tags: ['circulation'],
  summary: '予約の変更 / suspend, set "not needed after", change pickup point or contact',
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({
        suspendedUntil: Day.nullable().optional(),
        notNeededAfter: Day.nullable().optional(),
        pickupLocationId: z.uuid().optional(),
        contactMethod: Contact.optional(),
      }),
    ),
  },
  responses: {
    200: json(z.object({ holdId: z.string(), status: z.string() }), 'Updated'),
    ...standardErrors,
  },
});
const toPhoneRoute = route('holds.manage', {
  method: 'get',
  path: '/holds/to-phone',
  operationId: 'holdsToPhone',
  tags: ['circulation'],
  summary: '取置連絡リスト / holds on the pickup shelf whose patron is still to be told (phone, or no mail)',
  request: { query: z.object({ locationId: z.uuid().optional() }) },
  responses: {
    200: json(
      z.object({
        holds: z.array(
          z.object({
            holdId: z.string(),
            title: z.string(),
            pickupLocationId: z.string(),
            pickupLocationJa: z.string(),
            pickupBy: z.string().nullable(),
            contactMethod: Contact,
            patronId: z.string(),
            patronName: z.string(),
            phone: z.string().nullable(),
          }),
        ),
      }),
      'Holds to phone',
    ),
    ...standardErrors,
  },
});
const contactedRoute = route('holds.manage', {
  method: 'post',
  path: '/holds/{id}/contacted',
  operationId: 'markHoldContacted',
  tags: ['circulation'],
  summary: '連絡済み / staff told the patron that the held copy is ready',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({ holdId: z.string(), notifiedAt: z.string(), already: z.boolean() }),
      'Marked as contacted',
    ),
    ...standardErrors,
  },
});
const pullRoute = route('holds.manage', {
  method: 'get',
  path: '/holds/pull-list',
  operationId: 'holdPullList',
  tags: ['circulation'],
  summary: '予約資料の準備リスト / copies on the shelf that waiting holds can take',
  request: { query: z.object({ locationId: z.uuid().optional() }) },
  responses: {
    200: json(
      z.object({
        titles: z.array(
          z.object({
            bibId: z.string(),
            title: z.string(),
            waiting: z.number(),
            copies: z.array(
              z.object({
                barcode: z.string(),
                callNumber: z.string(),
                shelf: z.string(),
                locationJa: z.string(),
              }),
            ),
          }),
        ),
      }),
      'Pull list',
    ),
    ...standardErrors,
  },
});
const createRequestRoute = route('holds.manage', {
  method: 'post',
  path: '/purchase-requests',
  operationId: 'createPurchaseRequest',
  tags: ['circulation'],
  summary: 'リクエスト / a patron asks for a title the library does not own',
  request: {
    body: jsonBody(
      z.object({
        patronId: z.uuid(),
        title: z.string().trim().min(1).max(500),
        author: z.string().max(200).optional(),
        publisher: z.string().max(200).optional(),
        isbn: z.string().max(20).optional(),
        noteJa: z.string().max(1000).optional(),
        pickupLocationId: z.uuid(),
        contactMethod: Contact,
      }),
    ),
  },
  responses: { 200: json(z.object({ id: z.string(), status: z.string() }), 'Recorded'), ...standardErrors },
});
const listRequestsRoute = route('holds.manage', {
  method: 'get',
  path: '/purchase-requests',
  operationId: 'listPurchaseRequests',
  tags: ['circulation'],
  request: { query: z.object({ status: RequestStatus.optional() }) },
  responses: {
    200: json(
      z.object({
        requests: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            author: z.string(),
            publisher: z.string(),
            isbn: z.string().nullable(),
            noteJa: z.string(),
            status: z.string(),
            bibId: z.string().nullable(),
            holdId: z.string().nullable(),
            createdAt: z.string(),
          }),
        ),
      }),
      'Requests',
    ),
    ...standardErrors,
  },
});
const decideRoute = route('holds.manage', {
  method: 'post',
  path: '/purchase-requests/{id}/decide',
  operationId: 'decidePurchaseRequest',
  tags: ['circulation'],
  summary:
    'リクエストの処理 / order, borrow from another library, decline, or fulfil with a record (places the hold)',
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({
        status: z.enum(['ordered', 'interLibrary', 'declined', 'withdrawn', 'fulfilled']),
        bibId: z.uuid().optional(),
        noteJa: z.string().max(1000).optional(),
      }),
    ),
  },
  responses: {
    200: json(z.object({ id: z.string(), status: z.string(), holdId: z.string().nullable() }), 'Decided'),
    ...standardErrors,
  },
});

export const holdRoutes = () =>
  router()
    .openapi(pullRoute, async (c) =>
      c.json({ titles: await holdPullList(c.get('ctx'), c.req.valid('query').locationId) }, 200),
    )
    .openapi(toPhoneRoute, async (c) =>
      c.json({ holds: await holdsToPhone(c.get('ctx'), c.req.valid('query').locationId) }, 200),
    )
    .openapi(contactedRoute, async (c) =>
      c.json(await markHoldContacted(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(updateRoute, async (c) =>
      c.json(await updateHold(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(createRequestRoute, async (c) =>
      c.json(await createPurchaseRequest(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(listRequestsRoute, async (c) =>
      c.json({ requests: await listPurchaseRequests(c.get('ctx'), c.req.valid('query').status) }, 200),
    )
    .openapi(decideRoute, async (c) =>
      c.json(await decidePurchaseRequest(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    );

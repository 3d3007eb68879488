import { z } from '@hono/zod-openapi';
import { issuePatronPassword } from '../../domain/patron-auth/account.ts';
import { findPatronByCard, getPatron } from '../../domain/patrons/get-patron.ts';
import { IdParam, json, route, router, standardErrors } from '../route.ts';

const PatronView = z
  .object({
    id: z.string(),
    name: z.string(),
    nameReading: z.string(),
    category: z.object({ code: z.string(), nameJa: z.string() }),
    status: z.string(),
    expiresOn: z.string(),
    cards: z.array(z.object({ barcode: z.string(), status: z.string() })),
    full: z
      .object({
        birthDate: z.string().nullable(),
        postalCode: z.string().nullable(),
        address: z.string().nullable(),
        phone: z.string().nullable(),
        email: z.string().nullable(),
        residency: z.string(),
        readingHistoryOptIn: z.boolean(),
      })
      .nullable(),
  })
  .openapi('Patron');

const getRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/{id}',
  operationId: 'getPatron',
  tags: ['patrons'],
  summary: '利用者(最小限の表示) / patron, minimal view',
  request: { params: IdParam },
  responses: { 200: json(PatronView, 'The patron, minimal fields'), ...standardErrors },
});
const getFullRoute = route('patrons.readFull', {
  method: 'get',
  path: '/patrons/{id}/full',
  operationId: 'getPatronFull',
  tags: ['patrons'],
  summary: '利用者の全情報(操作ログに記録) / full patron record, logged',
  request: { params: IdParam },
  responses: { 200: json(PatronView, 'The patron with personal details'), ...standardErrors },
});
const byCardRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/by-card/{barcode}',
  operationId: 'findPatronByCard',
  tags: ['patrons'],
  request: { params: z.object({ barcode: z.string().min(1).max(64) }) },
  responses: { 200: json(PatronView, 'The card holder, minimal fields'), ...standardErrors },
});

const issuePasswordRoute = route('patrons.write', {
  method: 'post',
  path: '/patrons/{id}/password',
  operationId: 'issuePatronPassword',
  tags: ['patrons'],
  summary: '仮パスワードの発行 / issue a one-time temporary password (must be changed at first login)',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        patronId: z.string(),
        temporaryPassword: z.string().openapi({ description: 'shown once; only its hash is kept' }),
        mustChangePassword: z.literal(true),
      }),
      'Issued; the account is unlocked and open sessions end',
    ),
    ...standardErrors,
  },
});

export const patronRoutes = () =>
  router()
    .openapi(getRoute, async (c) =>
      c.json(await getPatron(c.get('ctx'), c.req.valid('param').id, { full: false }), 200),
    )
    .openapi(getFullRoute, async (c) =>
      c.json(await getPatron(c.get('ctx'), c.req.valid('param').id, { full: true }), 200),
    )
    .openapi(byCardRoute, async (c) =>
      c.json(await findPatronByCard(c.get('ctx'), c.req.valid('param').barcode), 200),
    )
    .openapi(issuePasswordRoute, async (c) =>
      c.json(await issuePatronPassword(c.get('ctx'), c.req.valid('param').id), 200),
    );

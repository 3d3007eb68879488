import { z } from '@hono/zod-openapi';
import { cancelHold } from '../../domain/circulation/cancel-hold.ts';
import { checkoutItem } from '../../domain/circulation/checkout.ts';
import { listPatronHolds, listPatronLoans } from '../../domain/circulation/patron-activity.ts';
import { placeHold } from '../../domain/circulation/place-hold.ts';
import { renewLoan } from '../../domain/circulation/renew-loan.ts';
import { returnItem } from '../../domain/circulation/return-item.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Barcode = z.string().trim().min(1).max(64);

const CheckoutBody = z
  .object({
    patron: z.union([z.object({ cardBarcode: Barcode }), z.object({ patronId: z.uuid() })]),
    itemBarcode: Barcode,
    locationId: z.uuid(),
    idempotencyKey: z
      .string()
      .min(8)
      .max(100)
      .optional()
      .openapi({ description: 'retries with the same key never lend twice' }),
    override: z
      .boolean()
      .optional()
      .openapi({ description: 'proceed past overridable refusals (needs circulation.override)' }),
  })
  .openapi('CheckoutRequest');
const CheckoutResult = z
  .object({
    loanId: z.string(),
    itemId: z.string(),
    itemBarcode: z.string(),
    title: z.string(),
    dueOn: z.string(),
    overridden: z.array(z.string()),
    replayed: z.boolean(),
  })
  .openapi('CheckoutResult');
const Trap = z.object({
  holdId: z.string(),
  pickupLocationId: z.string(),
  pickupLocationJa: z.string(),
  status: z.enum(['available', 'inTransit']),
  pickupBy: z.string().nullable(),
});
const ReturnResult = z
  .object({
    itemId: z.string(),
    itemBarcode: z.string(),
    title: z.string(),
    wasOnLoan: z.boolean(),
    wasOverdue: z.boolean(),
    hold: Trap.nullable(),
    routeTo: z.object({ locationId: z.string(), nameJa: z.string() }).nullable(),
  })
  .openapi('ReturnResult');

const checkoutRoute = route('circulation.checkout', {
  method: 'post',
  path: '/circulation/checkout',
  operationId: 'checkoutItem',
  tags: ['circulation'],
  summary: '貸出 / check out an item',
  request: { body: jsonBody(CheckoutBody) },
  responses: { 200: json(CheckoutResult, 'Lent'), ...standardErrors },
});
const returnRoute = route('circulation.return', {
  method: 'post',
  path: '/circulation/return',
  operationId: 'returnItem',
  tags: ['circulation'],
  summary: '返却 / return an item (desk, book drop, bookmobile, school)',
  request: {
    body: jsonBody(z.object({ itemBarcode: Barcode, locationId: z.uuid(), effectiveDate: Day.optional() })),
  },
  responses: { 200: json(ReturnResult, 'Returned'), ...standardErrors },
});
const renewRoute = route('circulation.renew', {
  method: 'post',
  path: '/circulation/renew',
  operationId: 'renewLoan',
  tags: ['circulation'],
  summary: '貸出延長 / renew a loan',
  request: {
    body: jsonBody(
      z.object({
        loanId: z.uuid().optional(),
        itemBarcode: Barcode.optional(),
        override: z.boolean().optional(),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({
        loanId: z.string(),
        itemId: z.string(),
        title: z.string(),
        dueOn: z.string(),
        renewals: z.number(),
        overridden: z.array(z.string()),
      }),
      'Renewed',
    ),
    ...standardErrors,
  },
});
const loansRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/{id}/loans',
  operationId: 'listPatronLoans',
  tags: ['circulation'],
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        loans: z.array(
          z.object({
            loanId: z.string(),
            itemId: z.string(),
            itemBarcode: z.string(),
            title: z.string(),
            callNumber: z.string(),
            loanedAt: z.string(),
            dueOn: z.string(),
            renewals: z.number(),
            overdue: z.boolean(),
          }),
        ),
      }),
      'Current loans',
    ),
    ...standardErrors,
  },
});
const HoldRow = z.object({
  holdId: z.string(),
  bibId: z.string(),
  title: z.string(),
  status: z.string(),
  level: z.string(),
  pickupLocationId: z.string(),
  pickupLocationJa: z.string(),
  contactMethod: z.string(),
  placedAt: z.string(),
  pickupBy: z.string().nullable(),
  notNeededAfter: z.string().nullable(),
  suspendedUntil: z.string().nullable(),
  queuePosition: z.number(),
});
const holdsRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/{id}/holds',
  operationId: 'listPatronHolds',
  tags: ['circulation'],
  request: { params: IdParam },
  responses: {
    200: json(z.object({ holds: z.array(HoldRow) }), 'Active holds with queue positions'),
    ...standardErrors,
  },
});
const placeHoldRoute = route('holds.manage', {
  method: 'post',
  path: '/holds',
  operationId: 'placeHold',
  tags: ['circulation'],
  summary: '予約 / place a hold',
  request: {
    body: jsonBody(
      z.object({
        patronId: z.uuid(),
        bibId: z.uuid(),
        itemId: z.uuid().optional(),
        volume: z.string().max(40).optional(),
        pickupLocationId: z.uuid(),
        contactMethod: z.enum(['email', 'phone', 'none']),
        notNeededAfter: Day.optional(),
        override: z.boolean().optional(),
      }),
    ),
  },
  responses: {
    200: json(z.object({ holdId: z.string(), status: z.string(), queuePosition: z.number() }), 'Placed'),
    ...standardErrors,
  },
});
const cancelHoldRoute = route('holds.manage', {
  method: 'post',
  path: '/holds/{id}/cancel',
  operationId: 'cancelHold',
  tags: ['circulation'],
  summary: '予約取消 / cancel a hold (its copy passes to the next in the queue)',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({ holdId: z.string(), status: z.string(), passedTo: z.string().nullable() }),
      'Cancelled',
    ),
    ...standardErrors,
  },
});

export const circulationRoutes = () =>
  router()
    .openapi(checkoutRoute, async (c) => c.json(await checkoutItem(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(returnRoute, async (c) => c.json(await returnItem(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(renewRoute, async (c) => {
      const b = c.req.valid('json');
      const which = b.loanId ? { loanId: b.loanId } : { itemBarcode: b.itemBarcode ?? '' };
      return c.json(await renewLoan(c.get('ctx'), which, { override: b.override === true }), 200);
    })
    .openapi(loansRoute, async (c) =>
      c.json({ loans: await listPatronLoans(c.get('ctx'), c.req.valid('param').id) }, 200),
    )
    .openapi(holdsRoute, async (c) =>
      c.json({ holds: await listPatronHolds(c.get('ctx'), c.req.valid('param').id) }, 200),
    )
    .openapi(placeHoldRoute, async (c) => {
      const { override, ...input } = c.req.valid('json');
      return c.json(await placeHold(c.get('ctx'), input, { override: override === true }), 200);
    })
    .openapi(cancelHoldRoute, async (c) =>
      c.json(await cancelHold(c.get('ctx'), c.req.valid('param').id), 200),
    );

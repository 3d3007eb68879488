import { z } from '@hono/zod-openapi';
import { addClosure, calendarDaysView } from '../../domain/calendar/closures.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const daysRoute = route('settings.read', {
  method: 'get',
  path: '/calendars/{id}/days',
  operationId: 'listCalendarDays',
  tags: ['calendar'],
  summary: '開館カレンダー / each day open or closed, with the reason',
  request: { params: IdParam, query: z.object({ from: Day, to: Day }) },
  responses: {
    200: json(
      z.object({
        days: z.array(
          z.object({
            day: z.string(),
            open: z.boolean(),
            closedReasonJa: z.string().nullable(),
            holiday: z.string().nullable(),
            visits: z.array(z.string()),
          }),
        ),
      }),
      'Days',
    ),
    ...standardErrors,
  },
});
const closureRoute = route('settings.write', {
  method: 'post',
  path: '/calendars/{id}/closures',
  operationId: 'addCalendarClosure',
  tags: ['calendar'],
  summary:
    '臨時休館・特別整理期間の登録 / add a closure; due dates and pickup deadlines inside it move to the next open day',
  request: {
    params: IdParam,
    body: jsonBody(z.object({ from: Day, to: Day, reasonJa: z.string().trim().min(1).max(100) })),
  },
  responses: {
    200: json(
      z.object({ closedDays: z.number(), shiftedLoans: z.number(), shiftedHolds: z.number() }),
      'Closure added',
    ),
    ...standardErrors,
  },
});

export const calendarRoutes = () =>
  router()
    .openapi(daysRoute, async (c) => {
      const { from, to } = c.req.valid('query');
      return c.json({ days: await calendarDaysView(c.get('ctx'), c.req.valid('param').id, from, to) }, 200);
    })
    .openapi(closureRoute, async (c) =>
      c.json(await addClosure(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    );

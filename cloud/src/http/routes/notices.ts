import { z } from '@hono/zod-openapi';
import { listOverdueNotices, markNotices } from '../../domain/circulation/overdues.ts';
import { encodeCsv, toCsvText } from '../../domain/export/csv.ts';
import { dailyCirculationWork } from '../../domain/jobs/daily.ts';
import { json, jsonBody, route, router, standardErrors } from '../route.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Channel = z.enum(['email', 'postcard', 'letter']);
const Status = z.enum(['pending', 'sent', 'printed', 'cancelled']);
const Filter = z.object({ status: Status.optional(), channel: Channel.optional(), day: Day.optional() });

const Notice = z
  .object({
    id: z.string(),
    stage: z.number(),
    channel: Channel,
    noticeDay: z.string(),
    status: Status,
    itemCount: z.number(),
    oldestDueOn: z.string(),
    daysOverdue: z.number(),
    patronId: z.string(),
    name: z.string(),
    postalCode: z.string().nullable(),
    address: z.string().nullable(),
    email: z.string().nullable(),
    titles: z.array(z.string()).openapi({ description: 'only for sealed letters; never on postcards' }),
  })
  .openapi('OverdueNotice');

const runRoute = route('circulation.notices', {
  method: 'post',
  path: '/jobs/daily-circulation/run',
  operationId: 'runDailyCirculation',
  tags: ['circulation'],
  summary: '日次処理の実行 / expire uncollected holds and produce overdue notices now',
  responses: {
    200: json(
      z.object({
        expiredHolds: z.number(),
        notices: z.object({
          day: z.string(),
          overduePatrons: z.number(),
          overdueLoans: z.number(),
          created: z.number(),
          byChannel: z.record(z.string(), z.number()),
        }),
      }),
      'Done',
    ),
    ...standardErrors,
  },
});
const listRoute = route('circulation.notices', {
  method: 'get',
  path: '/overdue-notices',
  operationId: 'listOverdueNotices',
  tags: ['circulation'],
  summary: '督促一覧 / overdue notices',
  request: { query: Filter },
  responses: { 200: json(z.object({ notices: z.array(Notice) }), 'Notices'), ...standardErrors },
});
const markRoute = route('circulation.notices', {
  method: 'post',
  path: '/overdue-notices/mark',
  operationId: 'markOverdueNotices',
  tags: ['circulation'],
  request: {
    body: jsonBody(
      z.object({ ids: z.array(z.uuid()).min(1).max(5000), status: z.enum(['sent', 'printed', 'cancelled']) }),
    ),
  },
  responses: { 200: json(z.object({ updated: z.number() }), 'Updated'), ...standardErrors },
});
const postcardRoute = route('circulation.notices', {
  method: 'get',
  path: '/overdue-notices/postcards.csv',
  operationId: 'exportOverduePostcards',
  tags: ['circulation'],
  summary: '督促はがき宛名リスト (CSV) / postcard address list — no titles',
  request: {
    query: z.object({ day: Day.optional(), encoding: z.enum(['cp932', 'utf8bom']).default('cp932') }),
  },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    ...standardErrors,
  },
});

const POSTCARD_HEADER = ['郵便番号', '住所', '氏名', '督促段階', '冊数', '最も古い返却期限'];

export const noticeRoutes = () =>
  router()
    .openapi(runRoute, async (c) => c.json(await dailyCirculationWork(c.get('ctx')), 200))
    .openapi(listRoute, async (c) =>
      c.json({ notices: await listOverdueNotices(c.get('ctx'), c.req.valid('query')) }, 200),
    )
    .openapi(markRoute, async (c) => {
      const { ids, status } = c.req.valid('json');
      return c.json(await markNotices(c.get('ctx'), ids, status), 200);
    })
    .openapi(postcardRoute, async (c) => {
      const { day, encoding } = c.req.valid('query');
      const notices = await listOverdueNotices(c.get('ctx'), {
        channel: 'postcard',
        status: 'pending',
        ...(day ? { day } : {}),
      });
      const text = toCsvText([
        POSTCARD_HEADER,
        ...notices.map((n) => [n.postalCode, n.address, `${n.name} 様`, n.stage, n.itemCount, n.oldestDueOn]),
      ]);
      const { bytes, replaced } = encodeCsv(text, encoding);
      c.header('content-type', `text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`);
      c.header('content-disposition', `attachment; filename="overdue-postcards-${day ?? 'pending'}.csv"`);
      c.header('x-bunko-replaced-characters', String(replaced));
      return c.body(new Uint8Array(bytes), 200);
    });

import { z } from '@hono/zod-openapi';
import {
  listPrintJobs,
  printCheckoutReceipt,
  printOverdueLetters,
  printPostcardList,
  printReadingRecord,
  printSpineLabels,
  submitPrintJob,
} from '../../domain/printing/print-jobs.ts';
import type { AppDeps } from '../env.ts';
import { json, jsonBody, route, router, standardErrors } from '../route.ts';

const PrintJob = z
  .object({
    id: z.string(),
    agentId: z.string(),
    deviceKey: z.string(),
    document: z.string().openapi({ description: 'the document’s title, e.g. checkout-receipt' }),
    state: z.enum(['queued', 'printing', 'done', 'failed', 'expired']).openapi({
      description:
        '`queued` also while the job waits for its agent to come back online (reason `waitingForAgent: …`): it is sent then, or becomes `expired` at notAfter',
    }),
    reason: z.string().nullable().openapi({
      description:
        '`code: detail` — waitingForAgent, waitingInLine, agentOffline, agentNotBack, noAnswer, agentLost, or the agent’s error code',
    }),
    createdAt: z.string(),
    notAfter: z.string(),
    updatedAt: z.string(),
  })
  .openapi('PrintJob');

const Target = {
  agentId: z.uuid(),
  deviceKey: z.string().min(1).max(64),
};

/** What every print route answers: the job as the agent left it, or a problem. */
const jobAnswer = {
  200: json(PrintJob, 'The job as it stands after the agent answered, or waiting for its agent'),
  ...standardErrors,
};

const submitRoute = route('devices.operate', {
  method: 'post',
  path: '/print-jobs',
  operationId: 'submitPrintJob',
  tags: ['printing'],
  summary: '印刷 / print a document on an agent’s printer',
  request: {
    body: jsonBody(
      z.object({
        ...Target,
        document: z.record(z.string(), z.unknown()).openapi({
          description:
            'a text, receipt/slip/label (`document`) or page (`sheet`) document as in protocols/src/mqtt.ts PrintJobDocument',
        }),
      }),
    ),
  },
  responses: jobAnswer,
});

const receiptRoute = route('circulation.checkout', {
  method: 'post',
  path: '/print-jobs/checkout-receipt',
  operationId: 'printCheckoutReceipt',
  tags: ['printing'],
  summary: '貸出票 / print the receipt for loans just made',
  request: {
    body: jsonBody(z.object({ ...Target, loanIds: z.array(z.uuid()).min(1).max(50) })),
  },
  responses: jobAnswer,
});

const readingRecordRoute = route('circulation.checkout', {
  method: 'post',
  path: '/print-jobs/reading-record',
  operationId: 'printReadingRecord',
  tags: ['printing'],
  summary: '読書記録シール / today’s loans of a patron who asks, on the sticker printer (no name)',
  request: { body: jsonBody(z.object({ ...Target, patronId: z.uuid() })) },
  responses: jobAnswer,
});

const spineLabelsRoute = route('items.write', {
  method: 'post',
  path: '/print-jobs/spine-labels',
  operationId: 'printSpineLabels',
  tags: ['printing'],
  summary: '背ラベル / spine labels with the copies’ call numbers',
  request: { body: jsonBody(z.object({ ...Target, itemIds: z.array(z.uuid()).min(1).max(100) })) },
  responses: jobAnswer,
});

/** the notices of one day (YYYY-MM-DD), or all pending ones */
const NoticePrint = z.object({
  ...Target,
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .optional(),
});

const postcardListRoute = route('circulation.notices', {
  method: 'post',
  path: '/print-jobs/postcard-list',
  operationId: 'printPostcardList',
  tags: ['printing'],
  summary:
    '督促はがき宛名リスト / the pending postcard notices as a PDF list on the office printer (no titles)',
  request: {
    body: jsonBody(NoticePrint),
  },
  responses: jobAnswer,
});

const overdueLettersRoute = route('circulation.notices', {
  method: 'post',
  path: '/print-jobs/overdue-letters',
  operationId: 'printOverdueLetters',
  tags: ['printing'],
  summary: '督促状 / the pending sealed-letter notices, one letter a page, on the office printer',
  request: {
    body: jsonBody(NoticePrint),
  },
  responses: jobAnswer,
});

const listRoute = route('devices.read', {
  method: 'get',
  path: '/print-jobs',
  operationId: 'listPrintJobs',
  tags: ['printing'],
  request: {
    query: z.object({
      agentId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
    }),
  },
  responses: {
    200: json(z.object({ jobs: z.array(PrintJob) }), 'Recent print jobs, newest first'),
    ...standardErrors,
  },
});

export const printingRoutes = (deps: AppDeps) =>
  router()
    .openapi(submitRoute, async (c) =>
      c.json(await submitPrintJob(c.get('ctx'), deps.agents, c.req.valid('json')), 200),
    )
    .openapi(receiptRoute, async (c) =>
      c.json(await printCheckoutReceipt(c.get('ctx'), deps.agents, c.req.valid('json')), 200),
    )
    .openapi(readingRecordRoute, async (c) =>
      c.json(await printReadingRecord(c.get('ctx'), deps.agents, c.req.valid('json')), 200),
    )
    .openapi(spineLabelsRoute, async (c) =>
      c.json(await printSpineLabels(c.get('ctx'), deps.agents, c.req.valid('json')), 200),
    )
    .openapi(postcardListRoute, async (c) =>
      c.json(await printPostcardList(c.get('ctx'), deps.agents, c.req.valid('json')), 200),
    )
    .openapi(overdueLettersRoute, async (c) =>
      c.json(await printOverdueLetters(c.get('ctx'), deps.agents, c.req.valid('json')), 200),
    )
    .openapi(listRoute, async (c) =>
      c.json({ jobs: await listPrintJobs(c.get('ctx'), c.req.valid('query')) }, 200),
    );

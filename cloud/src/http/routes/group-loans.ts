import { z } from '@hono/zod-openapi';
import { exportGroupLoans, importGroupReturns } from '../../domain/circulation/group-loans.ts';
import { AppError } from '../../domain/errors.ts';
import { IdParam, json, route, router, standardErrors } from '../route.ts';

/** Largest returns file accepted: a school returns a few hundred books, not megabytes of rows. */
const MAX_CSV_BYTES = 2 * 1024 * 1024;

const exportRoute = route('patrons.read', {
  method: 'get',
  path: '/patrons/{id}/group-loans.csv',
  operationId: 'exportGroupLoans',
  tags: ['circulation'],
  summary: '団体貸出リスト (CSV) / a group’s current loans for the school library system',
  request: { params: IdParam, query: z.object({ encoding: z.enum(['cp932', 'utf8bom']).optional() }) },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    ...standardErrors,
  },
});
const importRoute = route('circulation.return', {
  method: 'post',
  path: '/patrons/{id}/group-returns',
  operationId: 'importGroupReturns',
  tags: ['circulation'],
  summary: '団体貸出の返却取込 (CSV) / return a group’s items from a CSV file (all or nothing)',
  request: {
    params: IdParam,
    query: z.object({ locationId: z.uuid() }),
    body: { required: true, content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: {
    200: json(
      z.object({
        returned: z.number(),
        trapped: z.array(z.object({ itemBarcode: z.string(), pickupLocationJa: z.string() })),
      }),
      'Returned',
    ),
    ...standardErrors,
  },
});

export const groupLoanRoutes = () =>
  router()
    .openapi(exportRoute, async (c) => {
      const { bytes, replaced, encoding } = await exportGroupLoans(
        c.get('ctx'),
        c.req.valid('param').id,
        c.req.valid('query').encoding,
      );
      c.header('content-type', `text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`);
      c.header('content-disposition', 'attachment; filename="group-loans.csv"');
      c.header('x-bunko-replaced-characters', String(replaced));
      return c.body(new Uint8Array(bytes), 200);
    })
    .openapi(importRoute, async (c) => {
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (body.byteLength > MAX_CSV_BYTES)
        throw new AppError('validation', `CSV larger than ${MAX_CSV_BYTES} bytes`);
      const result = await importGroupReturns(
        c.get('ctx'),
        c.req.valid('param').id,
        body,
        c.req.valid('query').locationId,
      );
      return c.json(result, 200);
    });

import { z } from '@hono/zod-openapi';
import { AppError } from '../../domain/errors.ts';
import { exportMarc } from '../../domain/marc/export-marc.ts';
import { importMarc } from '../../domain/marc/import-marc.ts';
import { json, route, router, standardErrors } from '../route.ts';

/** Largest upload accepted: a weekly TRC delivery is a few MB; bigger files go through the CLI. */
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const Format = z.enum(['iso2709', 'marcxml']);
const Counts = {
  processed: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
};
const ImportReport = z
  .object({
    format: Format,
    mapping: z.string(),
    ...Counts,
    rejections: z.array(z.object({ position: z.number(), offset: z.number(), reason: z.string() })),
    warnings: z.array(z.object({ position: z.number(), message: z.string() })),
  })
  .openapi('MarcImportReport');

const binary = z.string().openapi({ format: 'binary' });

const importRoute = route('catalog.write', {
  method: 'post',
  path: '/marc/import',
  operationId: 'importMarc',
  tags: ['catalog'],
  summary: 'MARC取込 / import MARC records (ISO 2709 or MARCXML); each record applied on its own',
  request: {
    query: z.object({
      format: Format.default('iso2709'),
      mapping: z.string().min(1).max(40).default('marc21'),
    }),
    body: {
      required: true,
      content: { 'application/marc': { schema: binary }, 'application/marcxml+xml': { schema: binary } },
    },
  },
  responses: {
    200: json(ImportReport, 'What was created, updated, unchanged and rejected'),
    ...standardErrors,
  },
});

const exportRoute = route('catalog.read', {
  method: 'get',
  path: '/marc/export',
  operationId: 'exportMarc',
  tags: ['catalog'],
  summary: 'MARC出力 / the whole catalogue as MARC 21 in UTF-8 (ISO 2709 or MARCXML)',
  request: { query: z.object({ format: Format.default('iso2709') }) },
  responses: {
    200: {
      description: 'MARC records',
      content: { 'application/marc': { schema: binary }, 'application/marcxml+xml': { schema: binary } },
    },
    ...standardErrors,
  },
});

/** The request body as a stream of chunks, refused once it grows past the limit. */
async function* limited(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  let seen = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > MAX_IMPORT_BYTES)
      throw new AppError('validation', `file larger than ${MAX_IMPORT_BYTES} bytes: use the bunko CLI`);
    yield chunk;
  }
}

export const marcRoutes = () =>
  router()
    .openapi(importRoute, async (c) => {
      const { format, mapping } = c.req.valid('query');
      const report = await importMarc(c.get('ctx'), { source: limited(c.req.raw.body), format, mapping });
      return c.json(report, 200);
    })
    .openapi(exportRoute, async (c) => {
      const { format } = c.req.valid('query');
      const { records, chunks } = await exportMarc(c.get('ctx'), { format });
      c.header(
        'content-type',
        format === 'marcxml' ? 'application/marcxml+xml; charset=utf-8' : 'application/marc',
      );
      c.header(
        'content-disposition',
        `attachment; filename="catalogue.${format === 'marcxml' ? 'xml' : 'mrc'}"`,
      );
      c.header('x-bunko-records', String(records));
      // stream the file as it is written: a large catalogue never sits in memory whole
      const it = (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await it.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        async cancel() {
          await it.return?.();
        },
      });
      return c.body(body, 200);
    });

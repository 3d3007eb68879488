import { z } from '@hono/zod-openapi';
import { AppError } from '../../domain/errors.ts';
import { exportMarc } from '../../domain/marc/export-marc.ts';
import { getMarcImport, listMarcImports, startMarcImport } from '../../domain/marc/import-jobs.ts';
import { importMarc } from '../../domain/marc/import-marc.ts';
import { adoptFromMarcPool, findInMarcPool, loadMarcPool } from '../../domain/marc/pool.ts';
import type { AppDeps } from '../env.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

/** Largest upload accepted: a weekly TRC delivery is a few MB; bigger files go through the CLI. */
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const Format = z.enum(['iso2709', 'marcxml']);
const binary = z.string().openapi({ format: 'binary' });
const Counts = {
  processed: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
};
const Rejection = z.object({ position: z.number(), offset: z.number(), reason: z.string() });
const ImportOptions = {
  format: Format.default('iso2709'),
  mapping: z.string().min(1).max(40).optional().openapi({
    description:
      'marc21, trc, unimarc or a tenant mapping; without it the first record decides (UNIMARC or MARC 21)',
  }),
};
/** The file's character set, named by the operator (ISO 2709 only): see charset.ts isKnownEncoding. */
const Encoding = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .optional()
  .openapi({
    description:
      "ISO 2709 only: the file's character set when its records cannot tell it — any name iconv-lite knows " +
      '(utf-8, cp866, windows-1251, shift_jis, cp932, euc-jp, …), or leader (Ldr/09 decides) / unimarc ' +
      '(100 $a/26-29 decides). Without it MARC 21 records are read by Ldr/09 (blank: MARC-8, "a": UTF-8) ' +
      'and UNIMARC records by 100 $a/26-29; MARC-8 itself is read only through Ldr/09. A MARCXML file names ' +
      'its encoding in its XML declaration: an import job refuses one given with it. An unknown name is refused (400).',
    param: {
      examples: {
        utf8: {
          value: 'utf-8',
          summary: 'UTF-8 whatever Ldr/09 says (a file converted without updating it)',
        },
        leader: { value: 'leader', summary: 'MARC 21 Ldr/09 decides: blank MARC-8, "a" UTF-8' },
        cp866: { value: 'cp866', summary: 'Cyrillic DOS code page (Russian UNIMARC exports)' },
        windows1251: { value: 'windows-1251', summary: 'Cyrillic Windows code page under a MARC-8 leader' },
        shiftJis: { value: 'shift_jis', summary: 'Shift_JIS (Japanese; cp932 for the Windows variant)' },
        eucJp: { value: 'euc-jp', summary: 'EUC-JP (Japanese)' },
      },
    },
  });
const marcBody = {
  required: true,
  content: { 'application/marc': { schema: binary }, 'application/marcxml+xml': { schema: binary } },
} as const;

const ImportReport = z
  .object({
    format: Format,
    mapping: z.string(),
    ...Counts,
    rejections: z.array(Rejection),
    warnings: z.array(z.object({ position: z.number(), message: z.string() })),
  })
  .openapi('MarcImportReport');

const importRoute = route('catalog.write', {
  method: 'post',
  path: '/marc/import',
  operationId: 'importMarc',
  tags: ['catalog'],
  summary: 'MARC取込 / import MARC records (ISO 2709 or MARCXML); each record applied on its own',
  request: {
    query: z.object({ ...ImportOptions, encoding: Encoding }),
    body: marcBody,
  },
  responses: {
    200: json(ImportReport, 'What was created, updated, unchanged and rejected'),
    ...standardErrors,
  },
});

const ImportJob = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    fileName: z.string(),
    fileSize: z.number(),
    expected: z.number().nullable(),
    format: Format,
    mapping: z.string(),
    encoding: z
      .string()
      .nullable()
      .openapi({ description: 'the character set named when the job was started' }),
    startedBy: z.object({ id: z.string(), loginId: z.string(), displayName: z.string().nullable() }),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    ...Counts,
    error: z.string().nullable(),
  })
  .openapi('MarcImportJob');

const startImportRoute = route('catalog.write', {
  method: 'post',
  path: '/marc/imports',
  operationId: 'startMarcImport',
  tags: ['catalog'],
  summary: 'MARC取込(バックグラウンド) / queue a MARC file for import; the job id comes back at once',
  request: {
    query: z.object({
      ...ImportOptions,
      encoding: Encoding,
      fileName: z.string().trim().min(1).max(200).default('upload.mrc'),
    }),
    body: marcBody,
  },
  responses: {
    202: json(ImportJob, 'The job, queued'),
    ...standardErrors,
  },
});
const getImportRoute = route('catalog.write', {
  method: 'get',
  path: '/marc/imports/{id}',
  operationId: 'getMarcImport',
  tags: ['catalog'],
  summary: 'MARC取込の状況 / a job: progress, rejected records, the first records written',
  request: { params: IdParam },
  responses: {
    200: json(
      ImportJob.extend({
        rejections: z.array(Rejection),
        records: z.array(
          z.object({ id: z.string(), title: z.string(), outcome: z.enum(['created', 'updated']) }),
        ),
      }),
      'The job',
    ),
    ...standardErrors,
  },
});
const listImportsRoute = route('catalog.write', {
  method: 'get',
  path: '/marc/imports',
  operationId: 'listMarcImports',
  tags: ['catalog'],
  summary: 'MARC取込の履歴 / the library’s recent import jobs, newest first',
  responses: { 200: json(z.object({ jobs: z.array(ImportJob) }), 'Recent jobs'), ...standardErrors },
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

const PoolRecord = z
  .object({
    id: z.string(),
    sourceKey: z.string(),
    isbn: z.string().nullable(),
    barcodes: z.array(z.string()),
    title: z.string(),
    titleReading: z.string(),
    authors: z.array(z.object({ name: z.string(), reading: z.string().optional() })),
    publisher: z.string(),
    pubYear: z.number().nullable(),
    loadedAt: z.string(),
    adoptedBibId: z.string().nullable(),
  })
  .openapi('MarcPoolRecord');

const poolLoadRoute = route('catalog.write', {
  method: 'post',
  path: '/marc/pool',
  operationId: 'loadMarcPool',
  tags: ['catalog'],
  summary: 'MARCプール取込 / load a delivery (TRC weekly MARC) into the pool, apart from the catalogue',
  request: {
    query: z.object({
      format: Format.default('iso2709'),
      /** without it: the pool settings' mapping (trc unless the library set another) */
      mapping: z.string().min(1).max(40).optional(),
    }),
    body: marcBody,
  },
  responses: {
    200: json(
      z.object({
        processed: z.number(),
        loaded: z.number(),
        rejected: z.number(),
        rejections: z.array(Rejection),
      }),
      'What was loaded and rejected',
    ),
    ...standardErrors,
  },
});
const poolFindRoute = route('catalog.read', {
  method: 'get',
  path: '/marc/pool',
  operationId: 'findInMarcPool',
  tags: ['catalog'],
  summary: 'MARCプール検索 / pool records by ISBN or by the barcode the supplier put on the copy',
  request: {
    query: z.object({
      isbn: z.string().min(10).max(17).optional(),
      barcode: z.string().min(1).max(64).optional(),
    }),
  },
  responses: { 200: json(z.array(PoolRecord), 'Matching pool records'), ...standardErrors },
});
const poolAdoptRoute = route('catalog.write', {
  method: 'post',
  path: '/marc/pool/{id}/adopt',
  operationId: 'adoptFromMarcPool',
  tags: ['catalog'],
  summary: '受入 / adopt a pool record into the catalogue and add its copies (needs items.write for copies)',
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({
        items: z
          .array(
            z.object({
              barcode: z.string().trim().min(1).max(64).optional(),
              locationId: z.uuid(),
              shelf: z.string().max(100).optional(),
              callNumber: z.string().max(100).optional(),
              materialType: z.string().min(1).max(40).nullable().optional(),
              acquiredOn: z.iso.date().nullable().optional(),
              price: z.number().int().min(0).max(100_000_000).nullable().optional(),
            }),
          )
          .max(50)
          .default([]),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({
        bibId: z.string(),
        outcome: z.enum(['created', 'updated', 'unchanged']),
        itemIds: z.array(z.string()),
        skippedBarcodes: z.array(z.string()),
      }),
      'The catalogue record and the copies added',
    ),
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

/** The whole request body, within the limit. */
async function wholeBody(body: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of limited(body)) parts.push(chunk);
  return Buffer.concat(parts);
}

export const marcRoutes = (deps: Pick<AppDeps, 'marcImports'>) =>
  router()
    .openapi(startImportRoute, async (c) => {
      const { format, mapping, encoding, fileName } = c.req.valid('query');
      const bytes = await wholeBody(c.req.raw.body);
      const job = await startMarcImport(c.get('ctx'), { bytes, fileName, format, mapping, encoding });
      deps.marcImports?.kick();
      return c.json(job, 202);
    })
    .openapi(listImportsRoute, async (c) => c.json({ jobs: await listMarcImports(c.get('ctx')) }, 200))
    .openapi(getImportRoute, async (c) =>
      c.json(await getMarcImport(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(importRoute, async (c) => {
      const { format, mapping, encoding } = c.req.valid('query');
      const report = await importMarc(c.get('ctx'), {
        source: limited(c.req.raw.body),
        format,
        ...(mapping ? { mapping } : {}),
        ...(encoding ? { encoding } : {}),
      });
      return c.json(report, 200);
    })
    .openapi(poolLoadRoute, async (c) => {
      const { format, mapping } = c.req.valid('query');
      return c.json(
        await loadMarcPool(c.get('ctx'), { source: limited(c.req.raw.body), format, mapping }),
        200,
      );
    })
    .openapi(poolFindRoute, async (c) =>
      c.json(await findInMarcPool(c.get('ctx'), c.req.valid('query')), 200),
    )
    .openapi(poolAdoptRoute, async (c) =>
      c.json(await adoptFromMarcPool(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').items), 200),
    )
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

import { z } from '@hono/zod-openapi';
import { getBib } from '../../domain/catalog/get-bib.ts';
import { getItemByBarcode } from '../../domain/catalog/get-item-by-barcode.ts';
import { createBib, updateBib } from '../../domain/catalog/save-bib.ts';
import { searchBibs } from '../../domain/catalog/search-bibs.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';

const Author = z.object({
  name: z.string().min(1).max(200),
  reading: z.string().max(200).optional(),
  role: z.string().max(20).optional(),
});
const BibSummary = z
  .object({
    id: z.string(),
    title: z.string(),
    titleReading: z.string(),
    authors: z.array(Author),
    publisher: z.string(),
    pubYear: z.number().nullable(),
    isbn: z.string().nullable(),
    ndc: z.string().nullable(),
    seriesTitle: z.string().nullable(),
    volume: z.string().nullable(),
    materialType: z.string().nullable(),
    itemCount: z.number(),
    availableCount: z.number(),
    onLoanCount: z.number(),
    holdCount: z.number(),
    availability: z.enum(['available', 'onLoan', 'none']),
  })
  .openapi('BibSummary');
const Facet = z.object({ value: z.string(), label: z.string(), count: z.number() });
const Facets = z
  .object({
    materialType: z.array(Facet),
    location: z.array(Facet),
    availability: z.array(Facet),
    decade: z.array(Facet),
    ndc: z.array(Facet),
  })
  .openapi('SearchFacets');
const Copy = z.object({
  id: z.string(),
  barcode: z.string(),
  locationId: z.string(),
  shelf: z.string(),
  callNumber: z.string(),
  status: z.string(),
});
const Bib = z
  .object({
    id: z.string(),
    title: z.string(),
    titleReading: z.string(),
    authors: z.array(Author),
    publisher: z.string(),
    pubYear: z.number().nullable(),
    isbn: z.string().nullable(),
    ndc: z.string().nullable(),
    seriesTitle: z.string().nullable(),
    volume: z.string().nullable(),
    language: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    items: z.array(Copy),
  })
  .openapi('Bib');
const BibInput = z.object({
  title: z.string().trim().min(1).max(500),
  titleReading: z.string().max(500).optional(),
  authors: z.array(Author).max(50).optional(),
  publisher: z.string().max(200).optional(),
  pubYear: z.number().int().min(1000).max(2100).nullable().optional(),
  isbn: z
    .string()
    .regex(/^(97[89])?\d{9}[\dX]$/, 'ISBN must be 10 or 13 digits without hyphens')
    .nullable()
    .optional(),
  ndc: z
    .string()
    .regex(/^\d{1,3}(\.\d+)?$/, 'NDC must look like 913.6')
    .nullable()
    .optional(),
});

const searchRoute = route('catalog.read', {
  method: 'get',
  path: '/bibs',
  operationId: 'searchBibs',
  tags: ['catalog'],
  summary: '書誌検索 / search bibliographic records',
  request: {
    query: z.object({
      q: z.string().max(200).default('').openapi({
        description:
          'words (AND), OR, -word / NOT, "phrase", title: author: publisher: subject: isbn: ndc: year:2010-2020, word* (前方一致), title:=… (完全一致)',
      }),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      offset: z.coerce.number().int().min(0).max(100_000).default(0),
      sort: z.enum(['relevance', 'newest', 'reading']).default('relevance'),
      materialType: z.string().max(40).optional(),
      location: z.string().max(40).optional(),
      availability: z.enum(['available', 'onLoan', 'none']).optional(),
      facets: z
        .enum(['true', 'false'])
        .default('true')
        .transform((v) => v === 'true'),
    }),
  },
  responses: {
    200: json(
      z.object({ total: z.number(), items: z.array(BibSummary), facets: Facets.nullable() }),
      'Matching records',
    ),
    ...standardErrors,
  },
});
const getRoute = route('catalog.read', {
  method: 'get',
  path: '/bibs/{id}',
  operationId: 'getBib',
  tags: ['catalog'],
  request: { params: IdParam },
  responses: { 200: json(Bib, 'The record with its items'), ...standardErrors },
});
const createRoute_ = route('catalog.write', {
  method: 'post',
  path: '/bibs',
  operationId: 'createBib',
  tags: ['catalog'],
  request: { body: jsonBody(BibInput) },
  responses: { 200: json(Bib, 'Created'), ...standardErrors },
});
const updateRoute = route('catalog.write', {
  method: 'patch',
  path: '/bibs/{id}',
  operationId: 'updateBib',
  tags: ['catalog'],
  request: { params: IdParam, body: jsonBody(BibInput.partial()) },
  responses: { 200: json(Bib, 'Updated'), ...standardErrors },
});
const itemByBarcodeRoute = route('catalog.read', {
  method: 'get',
  path: '/items/by-barcode/{barcode}',
  operationId: 'getItemByBarcode',
  tags: ['catalog'],
  request: { params: z.object({ barcode: z.string().min(1).max(64) }) },
  responses: {
    200: json(
      z.object({
        id: z.string(),
        barcode: z.string(),
        bibId: z.string(),
        title: z.string(),
        callNumber: z.string(),
        shelf: z.string(),
        status: z.string(),
        locationId: z.string(),
      }),
      'The item',
    ),
    ...standardErrors,
  },
});

export const catalogRoutes = () =>
  router()
    .openapi(searchRoute, async (c) => c.json(await searchBibs(c.get('ctx'), c.req.valid('query')), 200))
    .openapi(getRoute, async (c) => c.json(await getBib(c.get('ctx'), c.req.valid('param').id), 200))
    .openapi(createRoute_, async (c) => c.json(await createBib(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(updateRoute, async (c) =>
      c.json(await updateBib(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(itemByBarcodeRoute, async (c) =>
      c.json(await getItemByBarcode(c.get('ctx'), c.req.valid('param').barcode), 200),
    );

import { z } from '@hono/zod-openapi';
import { getBib } from '../../domain/catalog/get-bib.ts';
import { getItemByBarcode } from '../../domain/catalog/get-item-by-barcode.ts';
import {
  addItem,
  previewCallNumber,
  setItemStatus,
  spineLabelFor,
  updateItem,
  withdrawItem,
} from '../../domain/catalog/items.ts';
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
/** A facet value with its count; shared with the public OPAC search. */
export const Facet = z.object({
  value: z.string(),
  label: z.string(),
  labelEn: z.string().optional().openapi({ description: 'English label, where the name has one' }),
  count: z.number(),
});
/**
 * The search filters beyond the facets' codes, shared with the public OPAC search: NDC class or
 * prefix, and the publication year as a decade (the decade facet's values) and/or a range.
 */
export const SearchFilterQuery = {
  ndc: z
    .string()
    .regex(/^\d{1,3}(\.\d+)?$/, {
      error: 'NDC(例 9、913、913.6)で指定してください / an NDC class such as 9 or 913.6',
    })
    .optional(),
  decade: z
    .string()
    .regex(/^\d{0,3}0$/, { error: '10年単位の年(例 2010)で指定してください / a decade such as 2010' })
    .transform(Number)
    .optional()
    .openapi({ description: '出版年代: 2010 = 2010–2019 (the decade facet values)' }),
  yearFrom: z
    .string()
    .regex(/^\d{1,4}$/, { error: '西暦の年(例 2015)で指定してください / a year such as 2015' })
    .transform(Number)
    .optional()
    .openapi({ description: '出版年 from (inclusive)' }),
  yearTo: z
    .string()
    .regex(/^\d{1,4}$/, { error: '西暦の年(例 2015)で指定してください / a year such as 2015' })
    .transform(Number)
    .optional()
    .openapi({ description: '出版年 to (inclusive); not before yearFrom' }),
};
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
  materialType: z.string().nullable(),
  acquiredOn: z.string().nullable(),
  price: z.number().nullable(),
});
const OtherTitle = z.object({
  kind: z.enum(['parallel', 'alternative', 'contents']),
  title: z.string().trim().min(1).max(500),
  reading: z.string().max(500).optional(),
});
const Subject = z.object({
  term: z.string().trim().min(1).max(200),
  reading: z.string().max(200).optional(),
  scheme: z.string().max(20).optional(),
});
const ModelFields = {
  otherTitles: z.array(OtherTitle),
  responsibility: z.string(),
  edition: z.string(),
  pubPlace: z.string(),
  pubDate: z.string(),
  extent: z.string(),
  isbn10: z.string().nullable(),
  subjects: z.array(Subject),
  notes: z.array(z.string()),
  summary: z.string(),
  trcNumber: z.string().nullable(),
  jpNumber: z.string().nullable(),
  sourceIds: z.record(z.string(), z.string()),
  materialType: z.string().nullable(),
};
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
    ...ModelFields,
    createdAt: z.string(),
    updatedAt: z.string(),
    items: z.array(Copy),
  })
  .openapi('Bib');
/** Checked by the domain (save-bib.ts): katakana, hiragana folded, no kanji. */
const ReadingInput = z.string().max(500).openapi({
  description: 'ヨミ: katakana (hiragana is converted to katakana; Latin letters and digits allowed)',
});
const required = (ja: string, en: string) => `${ja}を入力してください / ${en} is required`;
const BibInput = z.object({
  title: z.string().trim().min(1, required('書名', 'a title')).max(500),
  titleReading: ReadingInput.optional(),
  otherTitles: z
    .array(
      OtherTitle.extend({
        title: z.string().trim().min(1, required('タイトル', 'the title')).max(500),
        reading: ReadingInput.optional(),
      }),
    )
    .max(50)
    .optional(),
  authors: z
    .array(
      Author.extend({
        name: z.string().trim().min(1, required('名前', 'a name')).max(200),
        reading: ReadingInput.optional(),
      }),
    )
    .max(50)
    .optional(),
  responsibility: z.string().max(500).optional(),
  edition: z.string().max(200).optional(),
  publisher: z.string().max(200).optional(),
  pubPlace: z.string().max(200).optional(),
  pubDate: z.string().max(50).optional(),
  pubYear: z
    .number({ error: '出版年は西暦の数字(例 2024)で入力してください / a year such as 2024' })
    .int({ error: '出版年は西暦の数字(例 2024)で入力してください / a year such as 2024' })
    .nullable()
    .optional()
    .openapi({ description: 'from 1000 to next year' }),
  extent: z.string().max(200).optional(),
  isbn: z.string().max(40).nullable().optional().openapi({
    description: 'ISBN-10 or -13, hyphens allowed; the check digit is checked; stored as ISBN-13 and ISBN-10',
  }),
  ndc: z
    .string()
    .max(20)
    .nullable()
    .optional()
    .openapi({ description: 'three digits, optionally decimals: 913.6' }),
  materialType: z
    .string()
    .max(40)
    .nullable()
    .optional()
    .openapi({ description: "a code from the library's material types (GET /reference)" }),
  seriesTitle: z.string().max(500).nullable().optional(),
  volume: z.string().max(50).nullable().optional(),
  language: z.string().max(10).optional().openapi({ description: 'ISO 639-2 code: jpn, eng …' }),
  subjects: z
    .array(
      Subject.extend({
        term: z.string().trim().min(1, required('件名', 'a subject term')).max(200),
        reading: ReadingInput.optional(),
      }),
    )
    .max(100)
    .optional(),
  notes: z
    .array(z.string().trim().min(1, required('注記', 'a note')).max(2000))
    .max(50)
    .optional(),
  summary: z.string().max(10_000).optional(),
  trcNumber: z
    .string()
    .regex(/^\d{1,12}$/, 'TRC番号は数字で入力してください / TRC number: digits')
    .nullable()
    .optional(),
  jpNumber: z
    .string()
    .regex(/^\d{1,12}$/, 'JP番号は数字で入力してください / JP number: digits')
    .nullable()
    .optional(),
  sourceIds: z.record(z.string().min(1).max(40), z.string().min(1).max(64)).optional(),
});
const Item = z
  .object({
    id: z.string(),
    bibId: z.string(),
    barcode: z.string(),
    locationId: z.string(),
    shelf: z.string(),
    callNumber: z.string(),
    status: z.string(),
    acquiredOn: z.string().nullable(),
    price: z.number().nullable(),
  })
  .openapi('Item');
const ItemInput = z.object({
  barcode: z.string().trim().min(1).max(64),
  locationId: z.uuid(),
  shelf: z.string().max(100).optional(),
  callNumber: z.string().max(100).optional().openapi({
    description: "omitted: generated by the library's call-number rules (NDC / 著者記号 / 巻冊)",
  }),
  materialType: z.string().min(1).max(40).nullable().optional(),
  acquiredOn: z.iso
    .date({ error: '日付(例 2024-04-01)で入力してください / a date such as 2024-04-01' })
    .nullable()
    .optional(),
  price: z
    .number()
    .int({ error: '円単位の整数で入力してください / whole yen' })
    .min(0, { error: '0以上で入力してください / 0 or more' })
    .max(100_000_000)
    .nullable()
    .optional(),
});
const itemOut = (r: {
  id: string;
  bibId: string;
  barcode: string;
  locationId: string;
  shelf: string;
  callNumber: string;
  status: string;
  acquiredOn: string | null;
  price: number | null;
}) => ({
  id: r.id,
  bibId: r.bibId,
  barcode: r.barcode,
  locationId: r.locationId,
  shelf: r.shelf,
  callNumber: r.callNumber,
  status: r.status,
  acquiredOn: r.acquiredOn,
  price: r.price,
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
      ...SearchFilterQuery,
      facets: z
        .enum(['true', 'false'])
        .default('true')
        .transform((v) => v === 'true'),
    }),
  },
  responses: {
    200: json(
      z.object({
        total: z.number().openapi({ description: 'the hit count; a lower bound when totalExact is false' }),
        totalExact: z.boolean().openapi({
          description: 'false when there are more hits than were counted (show as 「1,000件以上」)',
        }),
        items: z.array(BibSummary),
        facets: Facets.nullable(),
        facetsExact: z.boolean().openapi({
          description: 'false when the facets were counted over the first hits only (a large hit set)',
        }),
      }),
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

const addItemRoute = route('items.write', {
  method: 'post',
  path: '/bibs/{id}/items',
  operationId: 'addItem',
  tags: ['catalog'],
  summary: '所蔵登録 / add a copy to a record',
  request: { params: IdParam, body: jsonBody(ItemInput) },
  responses: { 200: json(Item, 'The new item'), ...standardErrors },
});
const callNumberRoute = route('catalog.read', {
  method: 'get',
  path: '/bibs/{id}/call-number',
  operationId: 'previewCallNumber',
  tags: ['catalog'],
  summary: '請求記号の生成 / the call number the rules give a copy at a location',
  request: {
    params: IdParam,
    query: z.object({ locationId: z.uuid(), materialType: z.string().min(1).max(40).optional() }),
  },
  responses: {
    200: json(
      z.object({ text: z.string(), parts: z.array(z.string()), rule: z.string().nullable() }),
      'The generated call number',
    ),
    ...standardErrors,
  },
});
const updateItemRoute = route('items.write', {
  method: 'patch',
  path: '/items/{id}',
  operationId: 'updateItem',
  tags: ['catalog'],
  summary: '所蔵の修正 / edit a copy (a blank call number is generated again by the rules)',
  request: { params: IdParam, body: jsonBody(ItemInput.partial()) },
  responses: { 200: json(Item, 'Updated'), ...standardErrors },
});
const withdrawRoute = route('items.write', {
  method: 'post',
  path: '/items/{id}/withdraw',
  operationId: 'withdrawItem',
  tags: ['catalog'],
  summary: '除籍 / withdraw a copy',
  request: { params: IdParam, body: jsonBody(z.object({ reason: z.string().trim().min(1).max(200) })) },
  responses: { 200: json(Item, 'Withdrawn'), ...standardErrors },
});
const statusRoute = route('items.write', {
  method: 'post',
  path: '/items/{id}/status',
  operationId: 'setItemStatus',
  tags: ['catalog'],
  summary: '不明・修理・在架に戻す / mark missing, under repair, or back on the shelf',
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({ status: z.enum(['missing', 'repair', 'available']), note: z.string().max(200).optional() }),
    ),
  },
  responses: { 200: json(Item, 'Changed'), ...standardErrors },
});

const spineLabelRoute = route('catalog.read', {
  method: 'get',
  path: '/items/{id}/spine-label',
  operationId: 'spineLabel',
  tags: ['catalog'],
  summary: '背ラベル / the spine label document for the label printer',
  request: { params: IdParam },
  responses: {
    200: json(z.any().openapi('PrintDocument'), 'A print document (kind: document)'),
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
    )
    .openapi(addItemRoute, async (c) =>
      c.json(itemOut(await addItem(c.get('ctx'), c.req.valid('param').id, c.req.valid('json'))), 200),
    )
    .openapi(callNumberRoute, async (c) =>
      c.json(await previewCallNumber(c.get('ctx'), c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .openapi(updateItemRoute, async (c) =>
      c.json(itemOut(await updateItem(c.get('ctx'), c.req.valid('param').id, c.req.valid('json'))), 200),
    )
    .openapi(withdrawRoute, async (c) =>
      c.json(
        itemOut(await withdrawItem(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').reason)),
        200,
      ),
    )
    .openapi(spineLabelRoute, async (c) =>
      c.json(await spineLabelFor(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(statusRoute, async (c) => {
      const body = c.req.valid('json');
      return c.json(
        itemOut(await setItemStatus(c.get('ctx'), c.req.valid('param').id, body.status, body.note)),
        200,
      );
    });

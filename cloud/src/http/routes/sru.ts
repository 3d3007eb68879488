import { and, eq, inArray } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Db } from '../../db/client.ts';
import { bibRecords, tenants } from '../../db/schema/index.ts';
import { CqlError, cqlToQuery } from '../../domain/catalog/cql.ts';
import { availabilityLine, searchBibs } from '../../domain/catalog/search-bibs.ts';
import { systemCtx } from '../../domain/context.ts';
import { AppError } from '../../domain/errors.ts';
import { pickBibFields } from '../../domain/marc/bib-fields.ts';
import { bibToMarc } from '../../domain/marc/bib-to-marc.ts';
import { encodeMarcXmlRecord, MARCXML_NS } from '../../domain/marc/marcxml.ts';
import type { AppDeps, AppEnv } from '../env.ts';

/**
 * Open cross-search interfaces, public and without personal data (bibliographic records and copy
 * counts only): SRU 1.2 searchRetrieve at /sru (Dublin Core or MARCXML records) and OpenSearch 1.1 at
 * /opensearch.xml with Atom results (RSS 2.0 with format=rss), each linking to the record's /opac/bib page. The library is ?tenant=CODE, or the installation's default.
 * Plain routes outside /api: they are not part of the staff API's OpenAPI document.
 */

const SRW = 'http://www.loc.gov/zing/srw/';
const DC_SCHEMA = 'info:srw/schema/1/dc-v1.1';
const MARCXML_SCHEMA = 'info:srw/schema/1/marcxml-v1.1';

/** MARCXML records of these bibs (our MARC 21 writer), by id. */
async function marcXmlRecords(db: Db, tenantId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(bibRecords)
    .where(and(eq(bibRecords.tenantId, tenantId), inArray(bibRecords.id, ids)));
  return new Map(
    rows.map((row) => [
      row.id,
      encodeMarcXmlRecord(
        bibToMarc({ ...pickBibFields(row), id: row.id, createdAt: row.createdAt, updatedAt: row.updatedAt }),
      )
        .trim()
        .replace(/^<record>/, `<record xmlns="${MARCXML_NS}">`),
    ]),
  );
}
const xml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

type Hit = Awaited<ReturnType<typeof searchBibs>>['items'][number];

function dcRecord(b: Hit): string {
  const el = (name: string, v: string | number | null | undefined) =>
    v === null || v === undefined || v === '' ? '' : `<dc:${name}>${xml(String(v))}</dc:${name}>`;
  return [
    '<srw_dc:dc xmlns:srw_dc="info:srw/schema/1/dc-schema" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    el('title', b.title),
    ...b.authors.map((a) => el('creator', a.name)),
    el('publisher', b.publisher),
    el('date', b.pubYear),
    b.isbn ? el('identifier', `ISBN:${b.isbn}`) : '',
    b.ndc ? `<dc:subject>${xml(`NDC:${b.ndc}`)}</dc:subject>` : '',
    el('type', b.materialType),
    '</srw_dc:dc>',
  ].join('');
}

function diagnostic(version: string, n: number, message: string, details?: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<srw:searchRetrieveResponse xmlns:srw="${SRW}"><srw:version>${version}</srw:version><srw:numberOfRecords>0</srw:numberOfRecords><srw:diagnostics><diag:diagnostic xmlns:diag="http://www.loc.gov/zing/srw/diagnostic/"><diag:uri>info:srw/diagnostic/1/${n}</diag:uri>${details ? `<diag:details>${xml(details)}</diag:details>` : ''}<diag:message>${xml(message)}</diag:message></diag:diagnostic></srw:diagnostics></srw:searchRetrieveResponse>`;
}

function explain(base: string) {
  const idx = (set: string, name: string, title: string) =>
    `<index><title>${title}</title><map><name set="${set}">${name}</name></map></index>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<srw:explainResponse xmlns:srw="${SRW}"><srw:version>1.2</srw:version><srw:record><srw:recordSchema>http://explain.z3950.org/dtd/2.0/</srw:recordSchema><srw:recordPacking>xml</srw:recordPacking><srw:recordData><explain xmlns="http://explain.z3950.org/dtd/2.0/"><serverInfo protocol="SRU" version="1.2"><host>${xml(new URL(base).hostname)}</host><port>${xml(new URL(base).port || '80')}</port><database>sru</database></serverInfo><indexInfo><set name="cql" identifier="info:srw/cql-context-set/1/cql-v1.2"/><set name="dc" identifier="info:srw/cql-context-set/1/dc-v1.1"/><set name="bath" identifier="http://zing.z3950.org/cql/bath/2.0/"/>${idx('dc', 'title', '書名')}${idx('dc', 'creator', '著者')}${idx('bath', 'isbn', 'ISBN')}${idx('cql', 'anywhere', 'すべて')}${idx('dc', 'publisher', '出版者')}${idx('dc', 'subject', '件名')}${idx('dc', 'date', '出版年')}</indexInfo><schemaInfo><schema identifier="${DC_SCHEMA}" name="dc"><title>Dublin Core</title></schema><schema identifier="${MARCXML_SCHEMA}" name="marcxml"><title>MARCXML (MARC 21)</title></schema></schemaInfo><configInfo><default type="numberOfRecords">10</default><setting type="maximumRecords">100</setting></configInfo></explain></srw:recordData></srw:record></srw:explainResponse>`;
}

export function openSearchRoutes(deps: AppDeps) {
  const tenantOf = async (code: string | undefined) => {
    const wanted = code || deps.publicConfig?.().defaultTenant;
    if (!wanted) return null;
    const [t] = await deps.database.db
      .select({ id: tenants.id, code: tenants.code, nameJa: tenants.nameJa })
      .from(tenants)
      .where(eq(tenants.code, wanted));
    return t ?? null;
  };
  const ctxFor = (tenantId: string, requestId: string) =>
    systemCtx(deps.database.db, tenantId, `public:${requestId}`, deps.now);
  const xmlResponse = (body: string, type = 'application/xml') =>
    new Response(body, { headers: { 'content-type': `${type}; charset=utf-8` } });

  return new Hono<AppEnv>()
    .get('/sru', async (c) => {
      const p = (k: string) => c.req.query(k);
      const version = p('version') ?? '1.2';
      if (version !== '1.1' && version !== '1.2')
        return xmlResponse(diagnostic('1.2', 5, 'Unsupported version', '1.2'));
      const operation = p('operation') ?? (p('query') ? 'searchRetrieve' : 'explain');
      if (operation === 'explain') return xmlResponse(explain(c.req.url));
      if (operation !== 'searchRetrieve')
        return xmlResponse(diagnostic(version, 4, 'Unsupported operation', operation));
      const tenant = await tenantOf(p('tenant'));
      if (!tenant)
        return xmlResponse(diagnostic(version, 1, 'General system error', 'unknown library (tenant)'));
      const cql = p('query');
      if (!cql) return xmlResponse(diagnostic(version, 7, 'Mandatory parameter not supplied', 'query'));
      const schema = p('recordSchema') ?? 'dc';
      const marcxml = schema === 'marcxml' || schema === MARCXML_SCHEMA;
      if (schema !== 'dc' && schema !== DC_SCHEMA && !marcxml)
        return xmlResponse(diagnostic(version, 66, 'Unknown schema for retrieval', schema));
      const start = Number(p('startRecord') ?? 1);
      const max = Number(p('maximumRecords') ?? 10);
      if (!Number.isInteger(start) || start < 1 || start > 100_000)
        return xmlResponse(diagnostic(version, 6, 'Unsupported parameter value', 'startRecord'));
      if (!Number.isInteger(max) || max < 0 || max > 100)
        return xmlResponse(diagnostic(version, 6, 'Unsupported parameter value', 'maximumRecords'));
      const packing = p('recordPacking') ?? 'xml';
      let result: Awaited<ReturnType<typeof searchBibs>>;
      try {
        result = await searchBibs(ctxFor(tenant.id, c.get('requestId')), {
          q: cqlToQuery(cql),
          limit: Math.max(max, 1),
          offset: start - 1,
          sort: 'relevance',
          facets: false,
        });
      } catch (err) {
        if (err instanceof CqlError)
          return xmlResponse(diagnostic(version, err.diagnostic, err.message, err.details));
        if (err instanceof AppError && err.code === 'validation')
          return xmlResponse(diagnostic(version, 10, 'Query syntax error', err.detail));
        throw err;
      }
      const hits = max === 0 ? [] : result.items;
      const marc = marcxml
        ? await marcXmlRecords(
            deps.database.db,
            tenant.id,
            hits.map((b) => b.id),
          )
        : null;
      const records = hits.map((b, i) => {
        const data = marc ? (marc.get(b.id) ?? '') : dcRecord(b);
        return `<srw:record><srw:recordSchema>${marc ? MARCXML_SCHEMA : DC_SCHEMA}</srw:recordSchema><srw:recordPacking>${packing === 'string' ? 'string' : 'xml'}</srw:recordPacking><srw:recordData>${packing === 'string' ? xml(data) : data}</srw:recordData><srw:recordPosition>${start + i}</srw:recordPosition></srw:record>`;
      });
      const next = start + records.length;
      return xmlResponse(`<?xml version="1.0" encoding="UTF-8"?>
<srw:searchRetrieveResponse xmlns:srw="${SRW}"><srw:version>${version}</srw:version><srw:numberOfRecords>${result.total}</srw:numberOfRecords>${records.length ? `<srw:records>${records.join('')}</srw:records>` : ''}${records.length && next <= result.total ? `<srw:nextRecordPosition>${next}</srw:nextRecordPosition>` : ''}<srw:echoedSearchRetrieveRequest><srw:version>${version}</srw:version><srw:query>${xml(cql)}</srw:query><srw:startRecord>${start}</srw:startRecord><srw:maximumRecords>${max}</srw:maximumRecords><srw:recordPacking>${xml(packing)}</srw:recordPacking><srw:recordSchema>${xml(schema)}</srw:recordSchema></srw:echoedSearchRetrieveRequest></srw:searchRetrieveResponse>`);
    })
    .get('/opensearch.xml', async (c) => {
      const tenant = await tenantOf(c.req.query('tenant'));
      if (!tenant) return c.text('unknown library', 404);
      const base = new URL(c.req.url).origin;
      const tpl = `${base}/opensearch?tenant=${encodeURIComponent(tenant.code)}&amp;q={searchTerms}&amp;page={startPage?}&amp;count={count?}`;
      return xmlResponse(
        `<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/"><ShortName>${xml(tenant.nameJa.slice(0, 16))}</ShortName><Description>${xml(`${tenant.nameJa} 蔵書検索`)}</Description><InputEncoding>UTF-8</InputEncoding><OutputEncoding>UTF-8</OutputEncoding><Language>ja</Language><Url type="application/atom+xml" template="${tpl}"/><Url type="application/rss+xml" template="${tpl}&amp;format=rss"/></OpenSearchDescription>`,
        'application/opensearchdescription+xml',
      );
    })
    .get('/opensearch', async (c) => {
      const tenant = await tenantOf(c.req.query('tenant'));
      if (!tenant) return c.text('unknown library', 404);
      const q = c.req.query('q') ?? '';
      const count = Math.min(Math.max(Number(c.req.query('count')) || 20, 1), 100);
      const page = Math.min(Math.max(Number(c.req.query('page')) || 1, 1), 1000);
      let result: Awaited<ReturnType<typeof searchBibs>>;
      try {
        result = await searchBibs(ctxFor(tenant.id, c.get('requestId')), {
          q,
          limit: count,
          offset: (page - 1) * count,
          sort: 'relevance',
          facets: false,
        });
      } catch (err) {
        if (err instanceof AppError && err.code === 'validation')
          return c.text(err.detail ?? 'bad query', 400);
        throw err;
      }
      const self = new URL(c.req.url);
      const origin = self.origin;
      const now = new Date();
      const hits = result.items.map((b) => ({
        b,
        page: `${origin}/opac/bib/${b.id}`,
        summary: [b.publisher, b.pubYear, b.isbn ? `ISBN ${b.isbn}` : '', availabilityLine(b)]
          .filter(Boolean)
          .join(' / '),
      }));
      const feedTitle = xml(`${tenant.nameJa}: ${q}`);
      const paging = `<opensearch:totalResults>${result.total}</opensearch:totalResults><opensearch:startIndex>${(page - 1) * count + 1}</opensearch:startIndex><opensearch:itemsPerPage>${count}</opensearch:itemsPerPage><opensearch:Query role="request" searchTerms="${xml(q)}"/>`;
      const isbnOf = (b: (typeof hits)[number]['b']) =>
        b.isbn ? `<dc:identifier>ISBN:${b.isbn}</dc:identifier>` : '';
      if (c.req.query('format') === 'rss') {
        // RSS 2.0 for readers that take only RSS; each item links to the record's stable page
        const items = hits.map(
          ({ b, page: href, summary }) =>
            `<item><title>${xml(b.title)}</title><link>${xml(href)}</link><guid isPermaLink="true">${xml(href)}</guid>${b.authors.map((a) => `<dc:creator>${xml(a.name)}</dc:creator>`).join('')}<description>${xml(summary)}</description>${isbnOf(b)}</item>`,
        );
        return xmlResponse(
          `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>${feedTitle}</title><link>${xml(`${origin}/opac/search?q=${encodeURIComponent(q)}`)}</link><description>${xml(`${tenant.nameJa} 蔵書検索`)}</description><language>ja</language><lastBuildDate>${now.toUTCString()}</lastBuildDate><atom:link rel="self" type="application/rss+xml" href="${xml(self.toString())}"/>${paging}${items.join('')}</channel></rss>`,
          'application/rss+xml',
        );
      }
      const entries = hits.map(
        ({ b, page: href, summary }) =>
          `<entry><id>urn:uuid:${b.id}</id><title>${xml(b.title)}</title><link rel="alternate" type="text/html" href="${xml(href)}"/>${b.authors.map((a) => `<author><name>${xml(a.name)}</name></author>`).join('')}<updated>${now.toISOString()}</updated><summary>${xml(summary)}</summary>${isbnOf(b)}</entry>`,
      );
      return xmlResponse(
        `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:dc="http://purl.org/dc/elements/1.1/"><title>${feedTitle}</title><id>${xml(self.toString())}</id><updated>${now.toISOString()}</updated><link rel="self" href="${xml(self.toString())}"/>${paging}${entries.join('')}</feed>`,
        'application/atom+xml',
      );
    });
}

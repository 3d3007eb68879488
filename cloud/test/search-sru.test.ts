import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { call, login, makeTenant, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';
import { requireTool } from './support/tools.ts';

let database: Database;
let app: ReturnType<typeof testApp>;

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database, { publicConfig: () => ({ defaultTenant: 'sru', demo: false }) });
  await makeTenant(database, 'sru');
  const cookie = await login(app, 'sru', 'librarian');
  for (const bib of [
    {
      title: '沖縄の海',
      titleReading: 'オキナワノウミ',
      authors: [{ name: '比嘉 太郎' }],
      publisher: '八重山書房',
      pubYear: 2020,
      isbn: '9784061234567',
      ndc: '291.99',
    },
    { title: '沖縄料理 & おやつ', titleReading: 'オキナワリョウリ', authors: [{ name: '大城 恵子' }] },
    { title: '星の旅', titleReading: 'ホシノタビ', authors: [{ name: '比嘉 花子' }] },
  ]) {
    expect((await call(app, cookie, 'POST', '/api/bibs', bib)).status).toBe(200);
  }
});
afterAll(async () => {
  await database?.close();
});

const get = async (path: string) => {
  const res = await app.request(path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
};

describe('SRU 1.2', () => {
  it('answers searchRetrieve with Dublin Core records, without a session', async () => {
    const r = await get(
      `/sru?operation=searchRetrieve&version=1.2&query=${encodeURIComponent('dc.title=沖縄 and dc.creator=比嘉')}&maximumRecords=5`,
    );
    expect(r.status).toBe(200);
    expect(r.type).toContain('xml');
    expect(r.body).toContain('<srw:numberOfRecords>1</srw:numberOfRecords>');
    expect(r.body).toContain('<dc:title>沖縄の海</dc:title>');
    expect(r.body).toContain('<dc:identifier>ISBN:9784061234567</dc:identifier>');
    expect(r.body).toContain('<srw:recordPosition>1</srw:recordPosition>');
  });

  it('supports or, anywhere, isbn, paging and escapes the records', async () => {
    const q = (cql: string, extra = '') =>
      get(`/sru?operation=searchRetrieve&version=1.2&query=${encodeURIComponent(cql)}${extra}`);
    expect((await q('title=沖縄 or title=星')).body).toContain(
      '<srw:numberOfRecords>3</srw:numberOfRecords>',
    );
    expect((await q('bath.isbn=4061234560')).body).toContain('<dc:title>沖縄の海</dc:title>');
    const paged = await q('cql.anywhere=沖縄', '&maximumRecords=1&startRecord=1');
    expect(paged.body).toContain('<srw:nextRecordPosition>2</srw:nextRecordPosition>');
    expect((await q('おやつ')).body).toContain('沖縄料理 &amp; おやつ');
  });

  it('reports unsupported indexes, bad CQL and unknown schemas as SRU diagnostics', async () => {
    const q = (cql: string, extra = '') =>
      get(`/sru?operation=searchRetrieve&version=1.2&query=${encodeURIComponent(cql)}${extra}`);
    expect((await q('dc.format=x')).body).toContain('info:srw/diagnostic/1/16');
    expect((await q('title="沖縄')).body).toContain('info:srw/diagnostic/1/10');
    expect((await q('title=沖縄', '&recordSchema=mods')).body).toContain('info:srw/diagnostic/1/66');
    expect((await get('/sru')).body).toContain('explainResponse');
  });

  it('returns MARCXML records from our MARC 21 writer when asked for recordSchema=marcxml', async () => {
    const r = await get(
      `/sru?operation=searchRetrieve&version=1.2&recordSchema=marcxml&query=${encodeURIComponent('bath.isbn=9784061234567')}`,
    );
    expect(r.body).toContain('<srw:recordSchema>info:srw/schema/1/marcxml-v1.1</srw:recordSchema>');
    expect(r.body).toContain('<record xmlns="http://www.loc.gov/MARC21/slim">');
    // the title, with its reading in a linked 880 (JAPAN/MARC style)
    expect(r.body).toMatch(
      /<datafield tag="245"[^>]*>\s*<subfield code="6">880-\d\d<\/subfield>\s*<subfield code="a">沖縄の海<\/subfield>/,
    );
    expect(r.body).toMatch(
      /<datafield tag="880"[^>]*>\s*<subfield code="6">245-\d\d\/\$1<\/subfield>\s*<subfield code="a">オキナワノウミ<\/subfield>/,
    );
    expect(r.body).toMatch(/<datafield tag="020"[^>]*>\s*<subfield code="a">9784061234567<\/subfield>/);
    expect((await get('/sru')).body).toContain('marcxml-v1.1');
  });

  it('is read by yaz-client', async () => {
    requireTool('yaz-client', 'yaz');
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    try {
      const child = promisify(execFile)('yaz-client', [], { timeout: 20_000 });
      child.child.stdin!.end(
        `open http://127.0.0.1:${port}/sru\nsru get 1.2\nquerytype cql\nfind dc.title=沖縄\nshow 1\nquit\n`,
      );
      const { stdout } = await child;
      expect(stdout).toMatch(/Number of hits: 2/);
      expect(stdout).toContain('<dc:title>');
      const marc = promisify(execFile)('yaz-client', [], { timeout: 20_000 });
      marc.child.stdin!.end(
        `open http://127.0.0.1:${port}/sru\nsru get 1.2\nquerytype cql\nformat xml\nschema marcxml\nfind dc.title=星\nshow 1\nquit\n`,
      );
      const out = (await marc).stdout;
      expect(out).toMatch(/Number of hits: 1/);
      expect(out).toContain('<subfield code="a">星の旅</subfield>');
    } finally {
      server.close();
    }
  });
});

describe('OpenSearch', () => {
  it('describes itself and returns Atom results with availability', async () => {
    const d = await get('/opensearch.xml');
    expect(d.type).toContain('application/opensearchdescription+xml');
    expect(d.body).toContain('template="http://localhost/opensearch?tenant=sru&amp;q={searchTerms}');
    const r = await get(`/opensearch?q=${encodeURIComponent('沖縄')}`);
    expect(r.type).toContain('application/atom+xml');
    expect(r.body).toContain('<opensearch:totalResults>2</opensearch:totalResults>');
    expect(r.body).toContain('<title>沖縄の海</title>');
    expect(r.body).toContain('利用不可 (0/0)');
    expect(r.body).toMatch(
      /<link rel="alternate" type="text\/html" href="http:\/\/localhost\/opac\/bib\/[0-9a-f-]{36}"\/>/,
    );
  });

  it('answers in RSS 2.0 when asked, each item linking to its record page', async () => {
    const d = await get('/opensearch.xml');
    expect(d.body).toContain('type="application/rss+xml"');
    const r = await get(`/opensearch?q=${encodeURIComponent('沖縄')}&format=rss`);
    expect(r.type).toContain('application/rss+xml');
    expect(r.body).toContain('<rss version="2.0"');
    expect(r.body).toContain('<opensearch:totalResults>2</opensearch:totalResults>');
    expect(r.body).toContain('<title>沖縄の海</title>');
    expect(r.body).toMatch(
      /<item><title>[^<]+<\/title><link>http:\/\/localhost\/opac\/bib\/[0-9a-f-]{36}<\/link>/,
    );
  });

  it('refuses an unknown library', async () => {
    expect((await get('/opensearch?tenant=nowhere&q=x')).status).toBe(404);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { and, asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/bunko.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { bibRecords, operationLog } from '../src/db/schema/index.ts';
import { pickBibFields } from '../src/domain/marc/bib-fields.ts';
import type { ImportReport } from '../src/domain/marc/import-marc.ts';
import { call, login, makeTenant, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';
import { requireTool } from './support/tools.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures/marc', name));
const NDL = 'jp__ndl-japan-marc21-first180.mrc';

let database: Database;
let app: ReturnType<typeof testApp>;
const tenantIds: Record<string, string> = {};
const cookies: Record<string, string> = {};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  for (const code of ['marca', 'marcb', 'marcc', 'marcbad']) {
    tenantIds[code] = (await makeTenant(database, code)).tenant.id;
    cookies[code] = await login(app, code, 'librarian');
  }
});
afterAll(async () => {
  await database?.close();
});

async function importFile(tenant: string, body: Uint8Array, query = '') {
  const res = await app.request(`/api/marc/import${query}`, {
    method: 'POST',
    headers: { cookie: cookies[tenant]!, 'content-type': 'application/marc' },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ImportReport;
}
const bibsOf = async (tenant: string) =>
  (
    await database.db
      .select()
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, tenantIds[tenant]!))
      .orderBy(asc(bibRecords.jpNumber), asc(bibRecords.title))
  ).map(pickBibFields);

describe('MARC import through the staff API', () => {
  it('imports the 180 NDL records, each logged, and a second import changes nothing', async () => {
    const first = await importFile('marca', fixture(NDL));
    expect(first).toMatchObject({ processed: 180, created: 180, updated: 0, unchanged: 0, rejected: 0 });
    const before = await bibsOf('marca');
    const again = await importFile('marca', fixture(NDL));
    expect(again).toMatchObject({ processed: 180, created: 0, updated: 0, unchanged: 180, rejected: 0 });
    expect(await bibsOf('marca')).toEqual(before);
    const [logged] = await database.db
      .select({ n: count() })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, tenantIds.marca!), eq(operationLog.action, 'bib.create')));
    expect(logged!.n).toBe(180);
  });

  it('stores the reading and search grams; the record reads back through getBib', async () => {
    const [row] = await database.db
      .select()
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, tenantIds.marca!), eq(bibRecords.jpNumber, '23173255')));
    expect(row).toMatchObject({
      title: 'これからの本の話をしよう',
      titleReading: 'コレカラ ノ ホン ノ ハナシ オ シヨウ',
    });
    expect(row!.searchGrams.length).toBeGreaterThan(10);
    const res = await call(app, cookies.marca!, 'GET', `/api/bibs/${row!.id}`);
    expect(((await res.json()) as { title: string }).title).toBe('これからの本の話をしよう');
  });

  it('updates a record whose source changed, matched by its JP number, and logs the changed fields', async () => {
    const text = fixture(NDL).toString('latin1').replace('301p ;', '302p ;');
    const report = await importFile('marca', Buffer.from(text, 'latin1'));
    expect(report, JSON.stringify(report).slice(0, 600)).toMatchObject({
      updated: 1,
      unchanged: 179,
      created: 0,
    });
    const [log] = await database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, tenantIds.marca!), eq(operationLog.action, 'bib.update')));
    expect(log!.details).toMatchObject({ source: 'marcImport', fields: ['extent'] });
  });

  it('rejects broken records with position, byte offset and reason, and writes only the good ones', async () => {
    const report = await importFile('marcbad', fixture('bad__pymarc__bad_records.mrc'));
    expect(report).toMatchObject({ processed: 8, created: 2, rejected: 6 });
    expect(report.rejections.map((r) => [r.position, r.offset])).toEqual([
      [2, 127],
      [3, 254],
      [4, 381],
      [5, 509],
      [6, 637],
      [7, 764],
    ]);
    for (const r of report.rejections) expect(r.reason.length).toBeGreaterThan(10);
    const mixed = Buffer.concat([
      fixture('bad__traject__bad_utf_byte.utf8.marc'),
      fixture(NDL).subarray(0, 1288),
    ]);
    const second = await importFile('marcbad', mixed);
    expect(second).toMatchObject({ processed: 2, created: 1, rejected: 1 });
    expect(second.rejections[0]).toMatchObject({
      position: 1,
      offset: 0,
      reason: expect.stringMatching(/not valid UTF-8/),
    });
    const saved = await bibsOf('marcbad');
    expect(saved).toHaveLength(3);
    for (const b of saved) expect(b.title).not.toBe('');
  });

  it('refuses an unknown mapping before reading anything', async () => {
    const res = await app.request('/api/marc/import?mapping=nope', {
      method: 'POST',
      headers: { cookie: cookies.marcbad!, 'content-type': 'application/marc' },
      body: fixture(NDL),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/unknown MARC mapping "nope"/);
  });
});

describe('MARC export', () => {
  it('exports ISO 2709 that yaz-marcdump reads, and re-importing it gives the same records', async () => {
    const res = await call(app, cookies.marca!, 'GET', '/api/marc/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-bunko-records')).toBe('180');
    const bytes = new Uint8Array(await res.arrayBuffer());
    requireTool('yaz-marcdump', 'yaz');
    const path = join(mkdtempSync(join(tmpdir(), 'bunko-export-')), 'export.mrc');
    writeFileSync(path, bytes);
    const yaz = spawnSync('yaz-marcdump', ['-n', '-v', path]);
    expect(yaz.status).toBe(0);
    expect(yaz.stderr.toString()).toBe('');
    const dump = spawnSync('yaz-marcdump', [path]).stdout.toString();
    expect(dump.match(/^\d{5}nam a22/gm)).toHaveLength(180);
    expect(dump).toContain('これからの本の話をしよう');
    const report = await importFile('marcb', bytes);
    expect(report).toMatchObject({ created: 180, rejected: 0 });
    expect(await bibsOf('marcb')).toEqual(await bibsOf('marca'));
  });

  it('exports MARCXML that re-imports to the same records', async () => {
    const res = await call(app, cookies.marca!, 'GET', '/api/marc/export?format=marcxml');
    const xml = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(xml).subarray(0, 200).toString()).toContain('http://www.loc.gov/MARC21/slim');
    const report = await importFile('marcc', xml, '?format=marcxml');
    expect(report).toMatchObject({ created: 180, rejected: 0 });
    expect(await bibsOf('marcc')).toEqual(await bibsOf('marca'));
  });
});

describe('bunko marc (CLI)', () => {
  it('imports with progress and a report, exits 1 when records were rejected, 2 on usage errors, exports a file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bunko-cli-'));
    const db = await openDatabase({ dataDir });
    await makeTenant(db, 'cli');
    await db.close();
    const run = async (args: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      const chunks: string[] = [];
      const errs: string[] = [];
      out.on('data', (c) => chunks.push(String(c)));
      err.on('data', (c) => errs.push(String(c)));
      const status = await runCli(args, { BUNKO_DATA_DIR: dataDir }, { out, err });
      return { status, out: chunks.join(''), err: errs.join('') };
    };
    const dir = join(import.meta.dirname, 'fixtures/marc');
    const ok = await run(['marc', 'import', join(dir, NDL), '--tenant', 'cli']);
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/created 180, updated 0, unchanged 0, rejected 0/);
    expect(ok.err).toMatch(/180 records: 180 new/);
    const bad = await run(['marc', 'import', join(dir, 'bad__pymarc__bad_records.mrc'), '--tenant', 'cli']);
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/rejected record 2 \(byte 127\): base address/);
    expect((await run(['marc', 'import', join(dir, NDL)])).status).toBe(2);
    expect((await run(['marc', 'import', join(dir, NDL), '--tenant', 'nosuch'])).status).toBe(2);
    const outFile = join(dataDir, 'out.mrc');
    const exported = await run(['marc', 'export', '--tenant', 'cli', '--out', outFile]);
    expect(exported.status).toBe(0);
    expect(exported.err).toMatch(/exported 182 records/);
    expect(readFileSync(outFile).length).toBeGreaterThan(100_000);
    // a record read past a bad field is imported, and the warning says where and what was left out
    const warned = await run([
      'marc',
      'import',
      join(dir, 'bad__pymarc__bad_indicator.dat'),
      '--tenant',
      'cli',
    ]);
    expect(warned.status).toBe(0);
    expect(warned.out).toMatch(/created 1, updated 0, unchanged 0, rejected 0/);
    expect(warned.out).toContain(
      '  warning, record 1: directory entry 1 at byte 24: tag "0 2" is not three letters or digits; the field is left out\n',
    );
    // UNIMARC is recognised by its first record; an unknown --encoding is a usage error
    const unimarc = await run(['marc', 'import', join(dir, 'unimarc__marcjs__bib.mrc'), '--tenant', 'cli']);
    expect(unimarc.status).toBe(0);
    expect(unimarc.out).toMatch(/6 records \(iso2709, mapping unimarc\)/);
    expect(unimarc.out).toMatch(/warning, record 1: 100 \$a\/26-29 names 01 ISO 646/);
    const badEncoding = await run([
      'marc',
      'import',
      join(dir, NDL),
      '--tenant',
      'cli',
      '--encoding',
      'nosuch',
    ]);
    expect(badEncoding.status).toBe(2);
    expect(badEncoding.err).toMatch(/unknown encoding "nosuch"/);
  });
});

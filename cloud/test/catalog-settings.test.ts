import { ean13CheckDigit } from '@bunko/protocols';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, jobRuns, marcPoolRecords, operationLog } from '../src/db/schema/index.ts';
import { AppError } from '../src/domain/errors.ts';
import { runDueDailyJobs } from '../src/domain/jobs/daily.ts';
import type { BibFields } from '../src/domain/marc/bib-fields.ts';
import { bibToMarc } from '../src/domain/marc/bib-to-marc.ts';
import { encodeIso2709 } from '../src/domain/marc/iso2709-writer.ts';
import { saveMarcMappingOverride } from '../src/domain/marc/mapping-settings.ts';
import { encodeMarcXmlRecord, MARCXML_HEAD, MARCXML_TAIL } from '../src/domain/marc/marcxml.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { addStaffWith, adminCtx, call, login, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;
let counter: string;
let cataloguer: string;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in assertions
type Json = Record<string, any>;
const send = async (cookie: string, method: string, path: string, body?: unknown) => {
  const res = await call(app, cookie, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const logged = (action: string) =>
  database.db
    .select()
    .from(operationLog)
    .where(and(eq(operationLog.tenantId, lib.tenantId), eq(operationLog.action, action)))
    .orderBy(operationLog.seq);
const pathsOf = (r: { body: Json }) => (r.body.issues as { path: string }[]).map((i) => i.path);

const isbn = (n: number) => {
  const first12 = `97849010${String(n).padStart(4, '0')}`;
  return first12 + ean13CheckDigit(first12);
};

type Made = { id: string; title: string; varying: string; n: number; barcode: string };
/** A MARC 21 record that also carries a 246 (varying form of title) and the supplier's 852 $p. */
function marcRecordOf(r: Made) {
  const marc = bibToMarc({
    title: r.title,
    titleReading: '',
    responsibility: '',
    otherTitles: [],
    authors: [{ name: '宮良 星子', reading: 'ミヤラ セイコ' }],
    edition: '',
    publisher: '',
    pubPlace: '',
    pubDate: '',
    pubYear: null,
    extent: '',
    isbn: isbn(r.n),
    isbn10: null,
    ndc: '913.6',
    subjects: [],
    seriesTitle: null,
    volume: null,
    language: 'jpn',
    notes: [],
    summary: '',
    trcNumber: r.id,
    jpNumber: null,
    sourceIds: { TRC: r.id },
    id: '00000000-0000-4000-8000-000000000000',
    createdAt: new Date('2026-11-20T00:00:00Z'),
    updatedAt: new Date('2026-11-20T00:00:00Z'),
  } satisfies BibFields & Json);
  marc.fields.push(
    { tag: '246', ind1: '3', ind2: ' ', subfields: [{ code: 'a', value: r.varying }] },
    { tag: '852', ind1: ' ', ind2: ' ', subfields: [{ code: 'p', value: r.barcode }] },
  );
  return marc;
}
const marcFile = (records: Made[]) => Buffer.concat(records.map((r) => encodeIso2709(marcRecordOf(r))));
const upload = async (path: string, body: Buffer) => {
  const res = await app.request(path, {
    method: 'POST',
    headers: { cookie: librarian, 'content-type': 'application/marc' },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Json;
};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'catset');
  librarian = await login(app, 'catset', 'librarian');
  counter = await login(app, 'catset', 'counter');
  await addStaffWith(database, lib.tenantId, 'cataloguer', ['catalog.read', 'catalog.write', 'items.write']);
  cataloguer = await login(app, 'catset', 'cataloguer');
});
afterAll(async () => {
  await database?.close();
});

const KIDS_FIRST = {
  separator: '/',
  rules: [
    { name: '分館', when: { location: ['branch'] }, prefix: 'B', markLength: 2, volume: false },
    { name: '一般', class: 'ndc', classWhenMissing: '0' },
  ],
};

describe('call-number rules (請求記号の規則)', () => {
  it('reads the default with settings.read; refuses without it', async () => {
    const r = await send(counter, 'GET', '/api/catalog-settings/call-numbers');
    expect(r.status).toBe(200);
    expect(r.body.isDefault).toBe(true);
    expect(r.body.settings.rules.map((x: Json) => x.name)).toEqual(['絵本', '一般']);
    expect((await send(cataloguer, 'GET', '/api/catalog-settings/call-numbers')).status).toBe(403);
  });

  it('refuses changes without settings.write, and bad rules with the field paths, changing nothing', async () => {
    expect((await send(counter, 'PUT', '/api/catalog-settings/call-numbers', KIDS_FIRST)).status).toBe(403);
    expect((await send(counter, 'DELETE', '/api/catalog-settings/call-numbers')).status).toBe(403);
    const badNdc = await send(librarian, 'PUT', '/api/catalog-settings/call-numbers', {
      rules: [{ when: { ndc: ['91x'] } }, { mark: 'kanji' }],
    });
    expect(badNdc.status).toBe(400);
    expect(pathsOf(badNdc)).toEqual(['rules.0.when.ndc.0', 'rules.1.mark']);
    const unknown = await send(librarian, 'PUT', '/api/catalog-settings/call-numbers', {
      rules: [{ when: { location: ['kids'] }, prefix: 'K' }, { when: { materialType: ['book', 'cd'] } }, {}],
    });
    expect(unknown.status).toBe(400);
    expect(pathsOf(unknown)).toEqual(['rules.0.when.location.0', 'rules.1.when.materialType.1']);
    expect((await send(librarian, 'PUT', '/api/catalog-settings/call-numbers', { rules: [] })).status).toBe(
      400,
    );
    expect((await send(counter, 'GET', '/api/catalog-settings/call-numbers')).body.isDefault).toBe(true);
    expect(await logged('settings.callNumbers')).toEqual([]);
  });

  it('saves the rules (logged before/after); new copies and the preview follow them', async () => {
    // the default's "picture" rule stays saveable though this library has no such type
    const saved = await send(librarian, 'PUT', '/api/catalog-settings/call-numbers', {
      ...KIDS_FIRST,
      rules: [
        ...KIDS_FIRST.rules.slice(0, 1),
        { when: { materialType: ['picture'] }, class: 'E' },
        KIDS_FIRST.rules[1],
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.isDefault).toBe(false);
    expect(saved.body.settings.rules.map((x: Json) => x.name ?? null)).toEqual(['分館', null, '一般']);
    const [entry] = await logged('settings.callNumbers');
    expect(entry!.details.before).toBe('default');
    expect((entry!.details.after as Json).rules[0]).toMatchObject({ prefix: 'B', markLength: 2 });
    expect(entry!.targetType).toBe('tenant');

    const bib = await send(librarian, 'POST', '/api/bibs', {
      title: '海の歌',
      titleReading: 'ウミ ノ ウタ',
      authors: [{ name: '高橋 清', reading: 'タカハシ キヨシ' }],
      ndc: '913.6',
      volume: '上',
      materialType: 'book',
    });
    const add = (barcode: string, locationId: string) =>
      send(librarian, 'POST', `/api/bibs/${bib.body.id}/items`, { barcode, locationId });
    expect((await add('8100001', lib.branchId)).body.callNumber).toBe('B/913.6/タカ');
    expect((await add('8100002', lib.mainId)).body.callNumber).toBe('913.6/タ/上');

    const preview = (body: Json) => send(counter, 'POST', '/api/catalog-settings/call-numbers/preview', body);
    const values = { ndc: '913.6', authorReading: 'たかはし きよし', materialType: 'book', volume: '上' };
    expect((await preview({ ...values, location: 'branch' })).body).toEqual({
      text: 'B/913.6/タカ',
      parts: ['B', '913.6', 'タカ'],
      rule: '分館',
    });
    expect((await preview(values)).body.text).toBe('913.6/タ/上');
    expect((await preview({ ...values, materialType: 'picture' })).body.text).toBe('E/タ/上');
    // rules not yet saved can be tried too
    const draft = await preview({ ...values, settings: { rules: [{ mark: 'none', volume: false }] } });
    expect(draft.body.text).toBe('913.6');
    expect(pathsOf(await preview({ ndc: 'abc' }))).toEqual(['ndc']);
  });

  it('goes back to the default, logged', async () => {
    const reset = await send(librarian, 'DELETE', '/api/catalog-settings/call-numbers');
    expect(reset.status).toBe(200);
    expect(reset.body.isDefault).toBe(true);
    const [entry] = await logged('settings.callNumbers.reset');
    expect(entry!.details.after).toBe('default');
    expect((entry!.details.before as Json).rules).toHaveLength(3);
    const preview = await send(counter, 'POST', '/api/catalog-settings/call-numbers/preview', {
      ndc: '913.6',
      authorReading: 'タカハシ',
      location: 'branch',
    });
    expect(preview.body.text).toBe('913.6/タ');
  });
});

describe('MARC mapping per library (MARCマッピング)', () => {
  const titleFrom246 = { fields: { title: [{ tag: '246', subfields: 'a' }] } };

  it('lists the shipped mappings with what imports use', async () => {
    const r = await send(counter, 'GET', '/api/catalog-settings/marc-mappings');
    expect(r.status).toBe(200);
    expect(r.body.mappings.map((m: Json) => m.name)).toEqual(['marc21', 'trc', 'unimarc']);
    const trc = r.body.mappings.find((m: Json) => m.name === 'trc');
    expect(trc.override).toBeNull();
    expect(trc.effective.fields.ndc[0]).toEqual({ tag: '677', subfields: 'a' });
    expect(r.body.targets).toContain('title');
  });

  it('validates an override: 3-digit tags, subfield codes, known target fields', async () => {
    const put = (body: unknown, name = 'marc21') =>
      send(librarian, 'PUT', `/api/catalog-settings/marc-mappings/${name}`, body);
    expect(
      (await send(counter, 'PUT', '/api/catalog-settings/marc-mappings/marc21', titleFrom246)).status,
    ).toBe(403);
    const bad = await put({
      fields: {
        title: [{ tag: '24', subfields: 'a' }],
        authors: [{ tag: '700', subfields: 'A$' }],
        ndc: [{ tag: '084', subfields: 'a', when: { subfield: '2', pattern: '(' } }],
      },
    });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad).sort()).toEqual([
      'fields.authors.0.subfields',
      'fields.ndc.0.when.pattern',
      'fields.title.0.tag',
    ]);
    const target = await put({ fields: { titel: [{ tag: '245', subfields: 'a' }] } });
    expect(target.status).toBe(400);
    expect(pathsOf(target)).toEqual(['fields']);
    expect((await put(titleFrom246, 'Bad Name')).status).toBe(400);
    expect(await logged('settings.marcMapping')).toEqual([]);
  });

  it('validates every rule property and the mapping-level ones, storing nothing invalid', async () => {
    const put = (body: unknown) => send(librarian, 'PUT', '/api/catalog-settings/marc-mappings/trc', body);
    const bad = await put({
      encoding: 'klingon-8',
      readingScript: '',
      fields: {
        title: [
          { tag: '251', subfields: 'a', when: { subfield: 'a', pattern: '([' } },
          { tag: '245', positions: [5, 5], ind1: '10', ind2: 'X' },
        ],
        notes: [
          { tag: '500', positions: [-1, 3], label: 'x'.repeat(41), when: { subfield: 'A', pattern: 'a' } },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad).sort()).toEqual([
      'encoding',
      'fields.notes.0.label',
      'fields.notes.0.positions.0',
      'fields.notes.0.when.subfield',
      'fields.title.0.when.pattern',
      'fields.title.1.ind1',
      'fields.title.1.ind2',
      'fields.title.1.positions',
      'readingScript',
    ]);
    const issue = (path: string) => (bad.body.issues as Json[]).find((i) => i.path === path)!.message;
    expect(issue('fields.title.0.when.pattern')).toBe('not a valid regular expression');
    expect(issue('fields.title.1.positions')).toMatch(/start comes before the end/);
    // the domain verb refuses the same without the route's validation before it
    const domain = await saveMarcMappingOverride(
      adminCtx(database, lib.tenantId, lib.staffIds.admin!),
      'trc',
      {
        fields: { title: [{ tag: '245', positions: [9, 3] }] },
      },
    ).catch((e: AppError) => e);
    expect(domain).toBeInstanceOf(AppError);
    expect((domain as AppError).issues?.map((i) => i.path)).toEqual(['fields.title.0.positions']);
    const list = await send(counter, 'GET', '/api/catalog-settings/marc-mappings');
    expect(list.body.mappings.find((m: Json) => m.name === 'trc').override).toBeNull();
    expect(await logged('settings.marcMapping')).toEqual([]);
  });

  it('saves an override (logged before/after) that the next import honours; reset goes back', async () => {
    const file = marcFile([
      { id: '27000001', title: '本来の書名', varying: '別の書名', n: 1, barcode: '7100001' },
    ]);
    const saved = await send(librarian, 'PUT', '/api/catalog-settings/marc-mappings/marc21', titleFrom246);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const m = saved.body.mappings.find((x: Json) => x.name === 'marc21');
    expect(m.effective.fields.title).toEqual([{ tag: '246', subfields: 'a' }]);
    expect(m.effective.fields.isbn).toEqual(m.default.fields.isbn); // other fields keep the default
    const [entry] = await logged('settings.marcMapping');
    expect(entry!.details).toEqual({ mapping: 'marc21', before: 'default', after: titleFrom246 });

    const report = await upload('/api/marc/import?mapping=marc21', file);
    expect(report).toMatchObject({ created: 1, rejected: 0 });
    const [imported] = await database.db
      .select({ title: bibRecords.title })
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, lib.tenantId), eq(bibRecords.trcNumber, '27000001')));
    expect(imported!.title).toBe('別の書名');

    const reset = await send(librarian, 'DELETE', '/api/catalog-settings/marc-mappings/marc21');
    expect(reset.status).toBe(200);
    expect(reset.body.mappings.find((x: Json) => x.name === 'marc21').override).toBeNull();
    const [resetEntry] = await logged('settings.marcMapping.reset');
    expect(resetEntry!.details).toEqual({ mapping: 'marc21', before: titleFrom246, after: 'default' });
    expect((await send(librarian, 'DELETE', '/api/catalog-settings/marc-mappings/marc21')).status).toBe(404);
  });

  it('saves the advanced properties; null drops the default reading script or encoding', async () => {
    const override = {
      sourceOrg: 'NDL',
      readingScript: null,
      encoding: 'utf-8',
      fields: {
        notes: [
          {
            tag: '246',
            ind1: '3',
            ind2: ' ',
            subfields: 'a',
            when: { subfield: 'a', pattern: '^別' },
            label: '異なる書名: ',
            separator: ' -- ',
          },
          { tag: '852', subfields: 'p', prefix: '72', each: true },
        ],
        pubYear: [{ tag: '008', positions: [7, 11] }],
      },
    };
    const saved = await send(librarian, 'PUT', '/api/catalog-settings/marc-mappings/marc21', override);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.encodings).toContain('shift_jis');
    const m = saved.body.mappings.find((x: Json) => x.name === 'marc21');
    expect(m.override).toEqual(override);
    expect(m.effective).toMatchObject({ sourceOrg: 'NDL', encoding: 'utf-8', fields: override.fields });
    expect(m.effective).not.toHaveProperty('readingScript');
    expect(m.default.readingScript).toBe('$1');
    const entries = await logged('settings.marcMapping');
    expect(entries.at(-1)!.details).toMatchObject({ mapping: 'marc21', after: override });

    await upload(
      '/api/marc/import?mapping=marc21',
      marcFile([
        { id: '27000002', title: '本来の書名二', varying: '別の書名二', n: 2, barcode: '7200002' },
        { id: '27000003', title: '本来の書名三', varying: '違う書名三', n: 3, barcode: '7100003' },
      ]),
    );
    const imported = await database.db
      .select({ trc: bibRecords.trcNumber, notes: bibRecords.notes })
      .from(bibRecords)
      .where(
        and(eq(bibRecords.tenantId, lib.tenantId), inArray(bibRecords.trcNumber, ['27000002', '27000003'])),
      )
      .orderBy(bibRecords.trcNumber);
    // the 246 note only where $a matches ^別; the 852 $p only where it starts 72, without the prefix
    expect(imported.map((b) => b.notes)).toEqual([['異なる書名: 別の書名二', '00002'], []]);
    expect((await send(librarian, 'DELETE', '/api/catalog-settings/marc-mappings/marc21')).status).toBe(200);
  });

  it('previews a pasted record through the saved or an edited, unsaved mapping; imports and saves nothing', async () => {
    const made = { id: '27000009', title: '本来の書名九', varying: '別の書名九', n: 9, barcode: '7100009' };
    const xml = MARCXML_HEAD + encodeMarcXmlRecord(marcRecordOf(made)) + MARCXML_TAIL;
    const iso = Buffer.from(encodeIso2709(marcRecordOf(made))).toString('utf8');
    const preview = (body: Json, cookie = counter) =>
      send(cookie, 'POST', '/api/catalog-settings/marc-mappings/marc21/preview', body);
    const logsBefore = (await logged('settings.marcMapping')).length;

    const saved = await preview({ record: xml });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ rejected: null, warnings: [] });
    expect(saved.body.bib).toMatchObject({ title: '本来の書名九', isbn: isbn(9), trcNumber: '27000009' });

    const titleFrom = (pattern: string) => ({
      fields: { title: [{ tag: '246', subfields: 'a', when: { subfield: 'a', pattern } }] },
    });
    for (const record of [xml, iso]) {
      const edited = await preview({ record, override: titleFrom('^別') });
      expect(edited.status, JSON.stringify(edited.body)).toBe(200);
      expect(edited.body.bib.title).toBe('別の書名九');
      expect(edited.body.bib.authors).toEqual([{ name: '宮良 星子', reading: 'ミヤラ セイコ' }]);
    }
    const rejected = await preview({ record: xml, override: titleFrom('^違') });
    expect(rejected.body).toMatchObject({ bib: null, rejected: 'no title (246)' });
    // two records: the first is mapped, with a warning
    const two = await preview({ record: iso + iso });
    expect(two.body.warnings).toEqual(['only the first record is mapped']);

    const badRegex = await preview({ record: xml, override: titleFrom('(') });
    expect(badRegex.status).toBe(400);
    expect(pathsOf(badRegex)).toEqual(['override.fields.title.0.when.pattern']);
    const garbage = await preview({ record: 'not a MARC record at all' });
    expect(garbage.status).toBe(400);
    expect(pathsOf(garbage)).toEqual(['record']);
    expect(pathsOf(await preview({ record: '<collection></collection>' }))).toEqual(['record']);
    expect((await preview({ record: xml }, cataloguer)).status).toBe(403);

    const [kept] = await database.db
      .select({ id: bibRecords.id })
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, lib.tenantId), eq(bibRecords.trcNumber, '27000009')));
    expect(kept).toBeUndefined();
    const list = await send(counter, 'GET', '/api/catalog-settings/marc-mappings');
    expect(list.body.mappings.find((m: Json) => m.name === 'marc21').override).toBeNull();
    expect(await logged('settings.marcMapping')).toHaveLength(logsBefore);
  });
});

describe('MARC pool settings (MARCプールの設定)', () => {
  it('reads the defaults; validates and logs a change', async () => {
    const r = await send(counter, 'GET', '/api/catalog-settings/marc-pool');
    expect(r.body).toEqual({ barcodeField: '852$p', mapping: 'trc', retentionDays: null });
    const next = { barcodeField: '852$p', mapping: 'marc21', retentionDays: 30 };
    expect((await send(counter, 'PUT', '/api/catalog-settings/marc-pool', next)).status).toBe(403);
    const bad = await send(librarian, 'PUT', '/api/catalog-settings/marc-pool', {
      barcodeField: '852',
      mapping: 'marc21',
      retentionDays: 0,
    });
    expect(bad.status).toBe(400);
    expect(pathsOf(bad).sort()).toEqual(['barcodeField', 'retentionDays']);
    const unknown = await send(librarian, 'PUT', '/api/catalog-settings/marc-pool', {
      ...next,
      mapping: 'nope',
    });
    expect(unknown.status).toBe(400);
    expect(pathsOf(unknown)).toEqual(['mapping']);
    const saved = await send(librarian, 'PUT', '/api/catalog-settings/marc-pool', next);
    expect(saved.status).toBe(200);
    const [entry] = await logged('settings.marcPool');
    expect(entry!.details).toEqual({ before: 'default', after: next });
  });

  it('a load naming no mapping uses the one set, with the library override', async () => {
    await send(librarian, 'PUT', '/api/catalog-settings/marc-mappings/marc21', {
      fields: { title: [{ tag: '246', subfields: 'a' }] },
    });
    const report = await upload(
      '/api/marc/pool',
      marcFile([
        { id: '27000011', title: '原題一', varying: '変題一', n: 11, barcode: '7100011' },
        { id: '27000012', title: '原題二', varying: '変題二', n: 12, barcode: '7100012' },
        { id: '27000013', title: '原題三', varying: '変題三', n: 13, barcode: '7100013' },
      ]),
    );
    expect(report).toMatchObject({ loaded: 3, rejected: 0 });
    const found = await send(librarian, 'GET', '/api/marc/pool?barcode=7100011');
    expect((found.body as unknown as Json[]).map((p) => p.title)).toEqual(['変題一']);
  });

  it('the daily job deletes unadopted records older than the retention, keeping adopted and recent ones', async () => {
    const [adopt] = (await send(librarian, 'GET', '/api/marc/pool?barcode=7100012'))
      .body as unknown as Json[];
    const adopted = await send(librarian, 'POST', `/api/marc/pool/${adopt!.id}/adopt`, { items: [] });
    expect(adopted.status).toBe(200);
    const now = new Date();
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const keys = ['TRC:27000011', 'TRC:27000012', 'TRC:27000013'];
    const pool = and(eq(marcPoolRecords.tenantId, lib.tenantId), inArray(marcPoolRecords.sourceKey, keys));
    await database.db
      .update(marcPoolRecords)
      .set({ loadedAt: daysAgo(31) })
      .where(pool);
    await database.db
      .update(marcPoolRecords)
      .set({ loadedAt: daysAgo(29) })
      .where(and(eq(marcPoolRecords.tenantId, lib.tenantId), eq(marcPoolRecords.sourceKey, 'TRC:27000013')));

    await runDueDailyJobs(database.db, silentLogger, () => now);
    const left = await database.db
      .select({ key: marcPoolRecords.sourceKey })
      .from(marcPoolRecords)
      .where(pool);
    expect(left.map((r) => r.key).sort()).toEqual(['TRC:27000012', 'TRC:27000013']);
    const [entry] = await logged('marcPool.purge');
    expect(entry!.details).toMatchObject({ deleted: 1, retentionDays: 30 });
    expect(entry!.staffLoginId).toBe('system');
    const [run] = await database.db
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.tenantId, lib.tenantId), eq(jobRuns.job, 'daily-catalog')));
    expect(run!.result).toEqual({ poolRecordsDeleted: 1 });
    expect(run!.finishedAt).not.toBeNull();
  });
});

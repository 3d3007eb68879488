import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/client.ts';
import { bibRecords, operationLog } from '../src/db/schema/index.ts';
import { searchBibs } from '../src/domain/catalog/search-bibs.ts';
import { type Ctx, inTx, systemCtx } from '../src/domain/context.ts';
import type { BibFields } from '../src/domain/marc/bib-fields.ts';
import { pickBibFields } from '../src/domain/marc/bib-fields.ts';
import { bibToMarc } from '../src/domain/marc/bib-to-marc.ts';
import { importMarc, saveIncomingBib } from '../src/domain/marc/import-marc.ts';
import { readIso2709Buffer } from '../src/domain/marc/iso2709-reader.ts';
import { encodeIso2709 } from '../src/domain/marc/iso2709-writer.ts';
import { mapToBib } from '../src/domain/marc/map-to-bib.ts';
import { resolveMapping } from '../src/domain/marc/mapping.ts';
import { makeTenant } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * The import writes a batch of records at once (one match query, one insert, one update, one log
 * insert); these files are longer than a batch (1,000 here) and must give exactly what saving the records
 * one by one gives: rows, search index, search results, log, and the same report.
 */
let database: Database & { url?: string };
let statements = 0;
const ctxs: Record<string, Ctx> = {};

beforeAll(async () => {
  database = await freshDatabase({
    onQuery: () => {
      statements++;
    },
  });
  for (const code of ['batcha', 'batchb', 'batchbad', 'batchamb', 'isbna', 'isbnb', 'locka', 'lockb']) {
    const { tenant } = await makeTenant(database, code);
    ctxs[code] = systemCtx(database.db, tenant.id, 'marc-batch-test');
  }
});
afterAll(async () => {
  await database?.close();
});

const WORDS = ['沖縄', '料理', '探偵', '宇宙', '図書館', '猫', '星の', '海辺', 'ヤエヤマ', '歴史', '森'];
const READINGS = [
  'オキナワ',
  'リョウリ',
  'タンテイ',
  'ウチュウ',
  'トショカン',
  'ネコ',
  'ホシ ノ',
  'ウミベ',
  'ヤエヤマ',
  'レキシ',
  'モリ',
];

/** an ISBN-13 with its check digit */
function isbn13(n: number): string {
  const body = `9784${String(n).padStart(8, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body + String((10 - (sum % 10)) % 10);
}

function bibNo(i: number): BibFields {
  const a = i % WORDS.length;
  const b = (i * 7 + 3) % WORDS.length;
  return {
    title: `${WORDS[a]}と${WORDS[b]} 第${i}巻`,
    titleReading: `${READINGS[a]} ト ${READINGS[b]} ダイ${i}カン`,
    responsibility: `著者${i % 13} 著`,
    otherTitles: [],
    authors: [{ name: `著者${i % 13}`, reading: `チョシャ ${i % 13}` }],
    edition: '',
    publisher: ['琉球出版', '八重山書房', '東京図書'][i % 3]!,
    pubPlace: '那覇',
    pubDate: String(1990 + (i % 30)),
    pubYear: 1990 + (i % 30),
    extent: `${100 + i}p ; 19cm`,
    // every 40th record shares its ISBN with the one before (a matching pair inside one batch)
    isbn: isbn13(i % 40 === 1 ? i - 1 : i),
    isbn10: null,
    ndc: String(200 + (i % 700)).padStart(3, '0'),
    subjects: i % 5 === 0 ? [{ term: WORDS[b]!, reading: READINGS[b]!, scheme: 'ndlsh' }] : [],
    seriesTitle: i % 4 === 0 ? `${WORDS[a]}叢書` : null,
    volume: null,
    language: 'jpn',
    notes: [],
    summary: '',
    trcNumber: null,
    jpNumber: i % 3 === 0 ? String(30000000 + i) : null,
    sourceIds: i % 3 === 0 ? { JTNDL: String(30000000 + i) } : {},
  };
}

/** The records as ISO 2709; `noId` leaves out 001/003 (a record with no source id at all). */
function fileOf(bibs: BibFields[], noId = false): Buffer {
  const when = new Date('2026-01-01T00:00:00Z');
  return Buffer.concat(
    bibs.map((b) => {
      const record = bibToMarc({ ...b, id: randomUUID(), createdAt: when, updatedAt: when });
      if (noId) record.fields = record.fields.filter((f) => f.tag !== '001' && f.tag !== '003');
      return encodeIso2709(record);
    }),
  );
}

/** the old way: every record read, mapped and saved by saveIncomingBib in a transaction of its own */
async function oneByOne(ctx: Ctx, file: Buffer) {
  const mapping = resolveMapping('marc21', {});
  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const r of await readIso2709Buffer(file)) {
    if (!r.ok) throw new Error(r.error.reason);
    const { bib } = mapToBib(r.record, mapping);
    const saved = await inTx(ctx, (tx) =>
      saveIncomingBib(tx, ctx, bib, { position: r.position, mapping: 'marc21' }),
    );
    counts[saved.outcome]++;
  }
  return counts;
}

const rowsOf = async (ctx: Ctx) =>
  (
    await database.db
      .select()
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, ctx.tenantId))
      .orderBy(asc(bibRecords.title), asc(bibRecords.isbn))
  )
    .map((r) => ({ ...pickBibFields(r), searchGrams: [...r.searchGrams].sort() }))
    // rows sharing title and ISBN (the ISBN-only repeat of record 0) come in no set order from the
    // database: order them by their whole content
    .map((r) => [JSON.stringify(r), r] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, r]) => r);

const logOf = async (ctx: Ctx) =>
  (
    await database.db
      .select({
        action: operationLog.action,
        details: operationLog.details,
        actor: operationLog.actorKind,
        login: operationLog.staffLoginId,
        request: operationLog.requestId,
        targetType: operationLog.targetType,
      })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, ctx.tenantId), sql`${operationLog.action} like 'bib.%'`))
      .orderBy(asc(operationLog.seq))
  ).map((r) => JSON.stringify([r.action, r.details, r.actor, r.login, r.request, r.targetType]));

/** the titles a search finds, in the order found (relevance, then the search's own tie-breaks) */
const found = async (ctx: Ctx, q: string) => {
  const r = await searchBibs(ctx, { q, limit: 50, offset: 0, sort: 'relevance', facets: false });
  return { total: r.total, titles: r.items.map((i) => (i as { title: string }).title) };
};

// 1,240 records imported several times over: minutes, not seconds, when the machine is busy
describe('MARC import in batches', { timeout: 240_000 }, () => {
  // 1,240 records: two batches; pairs sharing an ISBN inside a batch, and records 1,200… repeat
  // records 0… of the first batch with a changed extent (matched across batches, by JP number or ISBN)
  const bibs = Array.from({ length: 1200 }, (_, i) => bibNo(i));
  for (let i = 0; i < 30; i++) bibs.push({ ...bibNo(i * 3), extent: `${500 + i}p ; 21cm` });
  // …and ten of those once more with only their ISBN: no key shared with the repeat before them,
  // but the same record matched (a chain the batch applies in two rounds)
  for (let i = 0; i < 10; i++)
    bibs.push({ ...bibNo(i * 3), jpNumber: null, sourceIds: {}, extent: `${700 + i}p ; 22cm` });
  const file = fileOf(bibs);
  // two batches whatever the default batch size
  const BATCH = 1000;

  it('gives the same rows, search index, search results and log as saving record by record', async () => {
    const a = ctxs.batcha!;
    const b = ctxs.batchb!;
    const before = statements;
    const report = await importMarc(a, { source: [file], format: 'iso2709', batchSize: BATCH });
    // a few statements a batch and round, not several a record: the related records (ISBN pairs,
    // repeats) went in rounds too, none record by record
    expect(statements - before).toBeLessThan(60);
    const old = await oneByOne(b, file);
    expect(report).toMatchObject({ processed: 1240, rejected: 0, ...old });
    expect(report.updated).toBeGreaterThan(30);
    const rowsA = await rowsOf(a);
    // of the 30 pairs sharing an ISBN, the 20 where one record has a JP number (JTNDL) and the
    // other only its Bunko id are one record; the 10 with two Bunko ids are two records. The
    // ISBN-only repeat of record 0 brings a third Bunko id to pair 0/1: a record of its own
    expect(rowsA).toHaveLength(1200 - 20 + 1);
    expect(rowsA).toEqual(await rowsOf(b));
    expect(await logOf(a)).toEqual(await logOf(b));
    for (const q of ['沖縄', '図書館 猫', 'ヤエヤマ', isbn13(600), 'おきなわ', '第1000巻', '叢書'])
      expect(await found(a, q), q).toEqual(await found(b, q));
  });

  it('changes nothing when the same file comes again', async () => {
    const a = ctxs.batcha!;
    const before = await rowsOf(a);
    const log = await logOf(a);
    const again = await importMarc(a, { source: [file], format: 'iso2709', batchSize: BATCH });
    // the in-file repeats (ISBN pairs across schemes, changed extents) update their record back and forth, as
    // record by record does; everything else is unchanged
    const old = await oneByOne(ctxs.batchb!, file);
    expect(again).toMatchObject({ processed: 1240, rejected: 0, ...old });
    expect(again.created).toBe(0);
    expect(await rowsOf(a)).toEqual(before);
    expect((await logOf(a)).length - log.length).toBe(again.updated);
  });

  it('reports progress through a long file', async () => {
    const seen: number[] = [];
    await importMarc(ctxs.batchb!, {
      source: [file],
      format: 'iso2709',
      progressEvery: 250,
      onProgress: (c) => seen.push(c.processed),
    });
    expect(seen).toEqual([250, 500, 750, 1000, 1240]);
  });

  it('rejects a record the database refuses, with its position, and keeps the rest of its batch', async () => {
    const ctx = ctxs.batchbad!;
    // a real refusal by the database, for two records inside the first batch
    await database.db.execute(sql`
      create function bunko_test_refuse() returns trigger language plpgsql as $$
      begin
        if new.title like '%第7巻' or new.title like '%第777巻' then raise exception 'refused for the test'; end if;
        return new;
      end $$`);
    await database.db.execute(
      sql`create trigger bunko_test_refuse before insert or update on bib_records for each row execute function bunko_test_refuse()`,
    );
    try {
      const part = fileOf(bibs.slice(0, 800));
      const report = await importMarc(ctx, { source: [part], format: 'iso2709' });
      expect(report).toMatchObject({ processed: 800, rejected: 2 });
      expect(report.rejections.map((r) => [r.position, r.reason])).toEqual([
        [8, expect.stringMatching(/could not be saved: .*refused for the test/)],
        [778, expect.stringMatching(/could not be saved: .*refused for the test/)],
      ]);
      const rows = await rowsOf(ctx);
      expect(rows).toHaveLength(report.created);
      expect(rows.some((r) => r.title.endsWith('第7巻') || r.title.endsWith('第777巻'))).toBe(false);
      const log = await logOf(ctx);
      expect(log).toHaveLength(report.created + report.updated);
      expect(log.some((l) => /"position":(8|778)[,}]/.test(l))).toBe(false);
    } finally {
      await database.db.execute(sql`drop trigger bunko_test_refuse on bib_records`);
      await database.db.execute(sql`drop function bunko_test_refuse()`);
    }
  });

  it('rejects a record whose ISBN belongs to several records, and writes the others', async () => {
    const ctx = ctxs.batchamb!;
    const twice = { ...bibNo(5000), sourceIds: {}, jpNumber: null };
    await database.db.insert(bibRecords).values([
      { ...twice, tenantId: ctx.tenantId, title: 'ひとつめ' },
      { ...twice, tenantId: ctx.tenantId, title: 'ふたつめ' },
    ]);
    // a record the library holds under TRC number T9, which the file's fourth record updates
    const [held] = await database.db
      .insert(bibRecords)
      .values({ ...bibNo(6000), tenantId: ctx.tenantId, trcNumber: 'T9', sourceIds: { TRC: 'T9' } })
      .returning({ id: bibRecords.id });
    const incoming = [bibNo(1), { ...twice, title: '三つめ' }, bibNo(2)].map((b) => ({
      ...b,
      sourceIds: {},
      jpNumber: null,
    }));
    // the same ISBN as the rejected record (one chain): applied after it, matched by its TRC number
    const fourth = { ...bibNo(6000), isbn: twice.isbn, trcNumber: 'T9', sourceIds: { TRC: 'T9' } };
    const report = await importMarc(ctx, { source: [fileOf([...incoming, fourth])], format: 'iso2709' });
    expect(report).toMatchObject({ processed: 4, created: 2, updated: 1, rejected: 1 });
    expect(report.rejections).toEqual([
      expect.objectContaining({ position: 2, reason: expect.stringMatching(/several records/) }),
    ]);
    const [after] = await database.db
      .select({ isbn: bibRecords.isbn })
      .from(bibRecords)
      .where(eq(bibRecords.id, held!.id));
    expect(after!.isbn).toBe(twice.isbn);
    // and nothing of the rejected record: the two it could be are as they were
    const same = await database.db
      .select({ title: bibRecords.title })
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.isbn, twice.isbn!)))
      .orderBy(asc(bibRecords.title));
    expect(same.map((r) => r.title).sort()).toEqual([bibNo(6000).title, 'ひとつめ', 'ふたつめ'].sort());
  });
});

describe('libraries apart', () => {
  // PostgreSQL only: PGlite runs one transaction at a time, so no other session can hold a lock
  it.skipIf(!process.env.DATABASE_URL)(
    "never waits for or locks another library's record that a Bunko id in the file names",
    async () => {
      const a = ctxs.locka!;
      const b = ctxs.lockb!;
      const bibs = Array.from({ length: 40 }, (_, i) => ({
        ...bibNo(7000 + i),
        sourceIds: {},
        jpNumber: null,
        isbn: null,
      }));
      const held = await database.db
        .insert(bibRecords)
        .values(bibs.map((bib) => ({ ...bib, tenantId: a.tenantId })))
        .returning({ id: bibRecords.id });
      // library A's export of them: each record names its Bunko id (001, 003 Bunko)
      const when = new Date('2026-01-01T00:00:00Z');
      const file = Buffer.concat(
        bibs.map((bib, i) =>
          encodeIso2709(bibToMarc({ ...bib, id: held[i]!.id, createdAt: when, updatedAt: when })),
        ),
      );
      // library B imports it while another session holds A's rows, under a lock timeout: a
      // statement that waited for them would fail and send the batch record by record
      const url = new URL(database.url!);
      const name = url.pathname.slice(1);
      const holder = postgres(database.url!, { max: 1, onnotice: () => {} });
      await holder.unsafe(`alter database ${name} set lock_timeout = '2s'`);
      let statements = 0;
      const other = await openDatabase({
        url: database.url!,
        onQuery: () => {
          statements++;
        },
      });
      try {
        const report = await holder.begin(async (tx) => {
          await tx`select 1 from bib_records where id = any(${held.map((h) => h.id)}::uuid[]) for update`;
          return importMarc(systemCtx(other.db, b.tenantId, 'lock-test'), {
            source: [file],
            format: 'iso2709',
          });
        });
        expect(report).toMatchObject({ processed: 40, created: 40, rejected: 0 });
        // one batch: a match query, the row look-up, an insert, the log — not a statement or more
        // per record
        expect(statements).toBeLessThan(20);
        const [row] = await database.db
          .select({ n: sql<number>`count(*)::int` })
          .from(bibRecords)
          .where(eq(bibRecords.tenantId, a.tenantId));
        expect(row!.n).toBe(40);
      } finally {
        await holder.unsafe(`alter database ${name} reset lock_timeout`);
        await holder.end();
        await other.close();
      }
    },
  );
});

describe('matching by ISBN', () => {
  const withTrc = (i: number, trc: string, isbn: number): BibFields => ({
    ...bibNo(i),
    isbn: isbn13(isbn),
    trcNumber: trc,
    jpNumber: null,
    sourceIds: { TRC: trc },
  });
  const withJp = (i: number, jp: string, isbn: number): BibFields => ({
    ...bibNo(i),
    isbn: isbn13(isbn),
    jpNumber: jp,
    sourceIds: { JTNDL: jp },
  });

  it('keeps records sharing an ISBN under different TRC or JP numbers apart; a second import changes nothing', async () => {
    // a set and its volumes, or a reprint: one ISBN, each its own TRC (or JP) number
    const file = fileOf([
      withTrc(9001, '10000001', 9001),
      withTrc(9002, '10000002', 9001),
      withTrc(9003, '10000003', 9001),
      withJp(9004, '20000004', 9004),
      withJp(9005, '20000005', 9004),
    ]);
    const a = ctxs.isbna!;
    const b = ctxs.isbnb!;
    const first = await importMarc(a, { source: [file], format: 'iso2709' });
    expect(first).toMatchObject({ processed: 5, created: 5, updated: 0, rejected: 0 });
    expect(await oneByOne(b, file)).toEqual({ created: 5, updated: 0, unchanged: 0 });
    const rows = await rowsOf(a);
    expect(rows.map((r) => r.trcNumber ?? r.jpNumber).sort()).toEqual([
      '10000001',
      '10000002',
      '10000003',
      '20000004',
      '20000005',
    ]);
    expect(rows).toEqual(await rowsOf(b));
    const again = await importMarc(a, { source: [file], format: 'iso2709' });
    expect(again).toMatchObject({ processed: 5, created: 0, updated: 0, unchanged: 5, rejected: 0 });
    expect(await oneByOne(b, file)).toEqual({ created: 0, updated: 0, unchanged: 5 });
    expect(await rowsOf(a)).toEqual(rows);
  });

  it('still matches by ISBN a record with no source id, and one with ids of another scheme', async () => {
    const a = ctxs.isbna!;
    const b = ctxs.isbnb!;
    for (const ctx of [a, b])
      await database.db.insert(bibRecords).values([
        // entered by hand: no ids at all
        { ...bibNo(9100), sourceIds: {}, jpNumber: null, tenantId: ctx.tenantId },
        // from JAPAN/MARC: a JP number, no TRC number
        { ...withJp(9101, '20009101', 9101), tenantId: ctx.tenantId },
      ]);
    // a record without any source id, on the hand-entered one's ISBN
    const bare = fileOf([{ ...bibNo(9100), sourceIds: {}, jpNumber: null, extent: '99p ; 15cm' }], true);
    // the JAPAN/MARC record delivered later as TRC MARC: the same ISBN, a TRC number
    const trc = fileOf([{ ...withTrc(9101, '10009101', 9101), extent: '98p ; 15cm' }]);
    for (const file of [bare, trc]) {
      const report = await importMarc(a, { source: [file], format: 'iso2709' });
      expect(report).toMatchObject({ processed: 1, created: 0, updated: 1, rejected: 0 });
      expect(await oneByOne(b, file)).toEqual({ created: 0, updated: 1, unchanged: 0 });
    }
    const [handEntered] = await database.db
      .select()
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, a.tenantId), eq(bibRecords.isbn, isbn13(9100))));
    expect(handEntered).toMatchObject({ extent: '99p ; 15cm', sourceIds: {} });
    const adopted = await database.db
      .select()
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, a.tenantId), eq(bibRecords.isbn, isbn13(9101))));
    // one record, which keeps its JP number and takes the TRC number
    expect(adopted).toHaveLength(1);
    expect(adopted[0]).toMatchObject({
      extent: '98p ; 15cm',
      jpNumber: '20009101',
      trcNumber: '10009101',
      sourceIds: { JTNDL: '20009101', TRC: '10009101' },
    });
    expect(await rowsOf(a)).toEqual(await rowsOf(b));
  });
});

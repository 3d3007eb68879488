import { ean13CheckDigit, isbn13To10 } from '@bunko/protocols';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, holds, items, materialTypes } from '../src/db/schema/index.ts';
import { reindexBibSearch } from '../src/domain/catalog/reindex-search.ts';
import { SEARCH_EXACT_LIMIT } from '../src/domain/catalog/search-bibs.ts';
import { bibSearchGrams } from '../src/domain/catalog/search-text.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;
let counter: string;

const isbn13 = (n: number) => {
  const first12 = `97849001${String(n).padStart(4, '0')}`;
  return first12 + ean13CheckDigit(first12);
};
const OKINAWA_ISBN = isbn13(1);

type Spec = {
  key: string;
  title: string;
  titleReading: string;
  authors?: { name: string; reading?: string }[];
  publisher?: string;
  pubYear?: number;
  isbn?: string;
  ndc?: string;
  type?: 'book' | 'dvd';
  copies?: ('main' | 'branch')[];
};
const SPECS: Spec[] = [
  {
    key: 'okinawaSea',
    title: '沖縄の海',
    titleReading: 'オキナワノウミ',
    authors: [{ name: '比嘉 太郎', reading: 'ヒガ タロウ' }],
    publisher: '八重山書房',
    pubYear: 2020,
    isbn: OKINAWA_ISBN,
    ndc: '291.99',
    copies: ['main', 'main'],
  },
  {
    key: 'nekoGhost',
    title: 'ねこのおばけ',
    titleReading: 'ネコノオバケ',
    authors: [{ name: '山田 花子', reading: 'ヤマダ ハナコ' }],
    publisher: 'こども館',
    pubYear: 2015,
    ndc: '726.6',
    copies: ['branch'],
  },
  {
    key: 'catLife',
    title: '猫と暮らす',
    titleReading: 'ネコトクラス',
    authors: [{ name: '佐藤 健', reading: 'サトウ ケン' }],
    publisher: '南風舎',
    pubYear: 2018,
    ndc: '645.7',
    copies: ['main'],
  },
  {
    key: 'oldLibrary',
    title: '舊制高校の圖書館',
    titleReading: 'キュウセイ コウコウ ノ トショカン',
    authors: [{ name: '髙橋 清', reading: 'タカハシ キヨシ' }],
    publisher: '東京文芸社',
    pubYear: 1985,
    ndc: '017.4',
    copies: ['main'],
  },
  {
    key: 'computer',
    title: 'コンピューター入門',
    titleReading: 'コンピューター ニュウモン',
    authors: [{ name: '宮城 健', reading: 'ミヤギ ケン' }],
    publisher: '青い海社',
    pubYear: 2001,
    isbn: isbn13To10(isbn13(5))!,
    ndc: '007.6',
    copies: ['main'],
  },
  {
    key: 'sea',
    title: '海',
    titleReading: 'ウミ',
    authors: [{ name: '金城 美咲', reading: 'キンジョウ ミサキ' }],
    publisher: '南風舎',
    pubYear: 2022,
    ndc: '913.6',
    copies: ['main'],
  },
  {
    key: 'okinawaFood',
    title: '沖縄料理',
    titleReading: 'オキナワ リョウリ',
    authors: [{ name: '大城 恵子', reading: 'オオシロ ケイコ' }],
    publisher: '琉球出版',
    pubYear: 2010,
    ndc: '596',
    copies: ['main'],
  },
  {
    // every bigram of 沖縄海 (沖縄, 縄海) but not the word itself: a candidate the check must drop
    key: 'decoy',
    title: '縄海と沖縄',
    titleReading: 'ジョウカイ ト オキナワ',
    publisher: '珊瑚出版',
    pubYear: 1999,
    ndc: '913.6',
    type: 'dvd',
    copies: ['main'],
  },
];
const ids: Record<string, string> = {};
const barcodes: Record<string, string[]> = {};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'srch');
  const db = database.db;
  const types = await db.select().from(materialTypes).where(eq(materialTypes.tenantId, lib.tenantId));
  const typeId = (code: string) => types.find((t) => t.code === code)!.id;
  let n = 0;
  for (const s of SPECS) {
    const { key, copies, type, ...bib } = s;
    const [row] = await db
      .insert(bibRecords)
      .values({
        ...bib,
        tenantId: lib.tenantId,
        materialTypeId: typeId(type ?? 'book'),
        searchGrams: bibSearchGrams({ pubYear: null, ...bib }),
      })
      .returning({ id: bibRecords.id });
    ids[key] = row!.id;
    barcodes[key] = [];
    for (const where of copies ?? []) {
      const barcode = `30000${String(++n).padStart(2, '0')}`;
      barcodes[key].push(barcode);
      await db.insert(items).values({
        tenantId: lib.tenantId,
        bibId: row!.id,
        barcode,
        locationId: where === 'main' ? lib.mainId : lib.branchId,
        materialTypeId: typeId(type ?? 'book'),
      });
    }
  }
  librarian = await login(app, 'srch', 'librarian');
  counter = await login(app, 'srch', 'counter');
});
afterAll(async () => {
  await database?.close();
});

type Summary = {
  id: string;
  title: string;
  pubYear: number | null;
  itemCount: number;
  availableCount: number;
  onLoanCount: number;
  holdCount: number;
  availability: string;
};
type Facet = { value: string; label: string; count: number };
type Result = { total: number; items: Summary[]; facets: Record<string, Facet[]> | null };

async function search(q: string, extra: Record<string, string> = {}): Promise<Result> {
  const params = new URLSearchParams({ q, limit: '50', ...extra });
  const res = await call(app, librarian, 'GET', `/api/bibs?${params}`);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body as Result;
}
const keysOf = (r: Result) =>
  r.items.map((i) => Object.entries(ids).find(([, id]) => id === i.id)?.[0] ?? i.title);
const found = async (q: string, extra?: Record<string, string>) => new Set(keysOf(await search(q, extra)));

describe('searchBibs: Japanese text', () => {
  it('finds one- and two-character words', async () => {
    expect(await found('海')).toEqual(new Set(['okinawaSea', 'sea', 'computer', 'decoy'])); // 青い海社 too
    expect(await found('沖縄')).toEqual(new Set(['okinawaSea', 'okinawaFood', 'decoy']));
    expect(await found('猫')).toEqual(new Set(['catLife']));
  });

  it('folds hiragana/katakana, half width, readings, old kanji and the long-vowel mark', async () => {
    expect(await found('ねこ')).toEqual(new Set(['nekoGhost', 'catLife'])); // 猫と暮らす by its reading ネコ…
    expect(await found('ﾈｺ')).toEqual(await found('ネコ'));
    expect(await found('図書館')).toEqual(new Set(['oldLibrary']));
    expect(await found('旧制')).toEqual(new Set(['oldLibrary']));
    expect(await found('高橋')).toEqual(new Set(['oldLibrary']));
    expect(await found('コンピュータ')).toEqual(new Set(['computer']));
    expect(await found('こんぴゅーたー')).toEqual(new Set(['computer']));
    expect(await found('おきなわのうみ')).toEqual(new Set(['okinawaSea']));
  });

  it('drops candidates that have every bigram but not the word', async () => {
    expect(await found('沖縄海')).toEqual(new Set());
    expect(await found('縄海')).toEqual(new Set(['decoy']));
    expect(await found('オキナワノウミ')).toEqual(new Set(['okinawaSea']));
  });
});

describe('searchBibs: the query language', () => {
  it('combines words with AND, OR and NOT', async () => {
    expect(await found('沖縄 料理')).toEqual(new Set(['okinawaFood']));
    expect(await found('沖縄 -料理')).toEqual(new Set(['okinawaSea', 'decoy']));
    expect(await found('沖縄 NOT 料理')).toEqual(new Set(['okinawaSea', 'decoy']));
    expect(await found('料理 OR 猫')).toEqual(new Set(['okinawaFood', 'catLife']));
    expect(await found('(料理 OR 猫) 沖縄')).toEqual(new Set(['okinawaFood']));
  });

  it('matches a quoted phrase as one piece', async () => {
    expect(await found('"沖縄の海"')).toEqual(new Set(['okinawaSea']));
    expect(await found('沖縄 海')).toEqual(new Set(['okinawaSea', 'decoy']));
  });

  it('searches one field, by prefix (前方一致) or exactly (完全一致)', async () => {
    expect(await found('title:海')).toEqual(new Set(['okinawaSea', 'sea', 'decoy']));
    expect(await found('publisher:海')).toEqual(new Set(['computer']));
    expect(await found('author:ひが')).toEqual(new Set(['okinawaSea']));
    expect(await found('著者:比嘉')).toEqual(new Set(['okinawaSea']));
    expect(await found('author:ケン')).toEqual(new Set(['catLife', 'computer']));
    expect(await found('title:オキナワ*')).toEqual(new Set(['okinawaSea', 'okinawaFood']));
    expect(await found('title:=海')).toEqual(new Set(['sea']));
    expect(await found('title:=沖縄の海')).toEqual(new Set(['okinawaSea']));
  });

  it('finds a record by ISBN-10 or -13 whichever form it carries, and by NDC and year', async () => {
    const okinawa10 = isbn13To10(OKINAWA_ISBN)!;
    expect(
      await found(`isbn:${okinawa10.slice(0, 1)}-${okinawa10.slice(1, 6)}-${okinawa10.slice(6)}`),
    ).toEqual(new Set(['okinawaSea']));
    expect(await found(OKINAWA_ISBN)).toEqual(new Set(['okinawaSea']));
    expect(await found(`isbn:${isbn13(5)}`)).toEqual(new Set(['computer'])); // stored as ISBN-10
    expect(await found('ndc:9')).toEqual(new Set(['sea', 'decoy']));
    expect(await found('ndc:913.6')).toEqual(new Set(['sea', 'decoy']));
    expect(await found('ndc:0')).toEqual(new Set(['oldLibrary', 'computer']));
    expect(await found('year:2015-2020')).toEqual(new Set(['okinawaSea', 'nekoGhost', 'catLife']));
    expect(await found('海 year:-2001')).toEqual(new Set(['computer', 'decoy']));
  });

  it('answers a malformed query with problem details naming the fault', async () => {
    const res = await call(app, librarian, 'GET', `/api/bibs?q=${encodeURIComponent('"沖縄')}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; detail: string; issues: { path: string }[] };
    expect(body.code).toBe('validation');
    expect(body.detail).toContain('引用符');
    expect(body.issues[0]!.path).toBe('q');
  });
});

describe('searchBibs: facets, sorting, availability', () => {
  it('counts facets over the whole hit set, not just the page', async () => {
    const r = await search('沖縄 OR 海', { limit: '1' });
    expect(r.total).toBe(5);
    expect(r.items).toHaveLength(1);
    const f = r.facets!;
    expect(f.materialType).toEqual([
      { value: 'book', label: '図書', labelEn: 'Book', count: 4 },
      { value: 'dvd', label: 'DVD', labelEn: 'DVD', count: 1 },
    ]);
    expect(f.location).toEqual([{ value: 'main', label: '本館', labelEn: 'Main', count: 5 }]);
    expect(f.decade!.map((x) => [x.value, x.count])).toEqual([
      ['2020', 2],
      ['2010', 1],
      ['2000', 1],
      ['1990', 1],
    ]);
    expect(f.ndc).toEqual([
      { value: '0', label: '0 総記', labelEn: '0 General works', count: 1 },
      { value: '2', label: '2 歴史', labelEn: '2 History', count: 1 },
      { value: '5', label: '5 技術', labelEn: '5 Technology', count: 1 },
      { value: '9', label: '9 文学', labelEn: '9 Literature', count: 2 },
    ]);
    expect(f.availability).toEqual([{ value: 'available', label: '貸出可', count: 5 }]);
  });

  it('filters by a facet value', async () => {
    expect(await found('沖縄 OR 海', { materialType: 'dvd' })).toEqual(new Set(['decoy']));
    expect(await found('ネコ', { location: 'branch' })).toEqual(new Set(['nekoGhost']));
  });

  it('sorts by relevance (exact title, then title hits, then others), newest, or reading', async () => {
    const relevance = keysOf(await search('海'));
    expect(relevance[0]).toBe('sea');
    expect(relevance.at(-1)).toBe('computer'); // only its publisher has 海
    expect(keysOf(await search('海', { sort: 'newest' }))).toEqual([
      'sea',
      'okinawaSea',
      'computer',
      'decoy',
    ]);
    expect(keysOf(await search('海', { sort: 'reading' }))).toEqual([
      'sea',
      'okinawaSea',
      'computer',
      'decoy',
    ]);
    const all = await search('', { sort: 'reading' });
    expect(all.total).toBe(SPECS.length + 12); // the fixture's own 12 records have no grams but are listed
  });

  it('shows availability from the items and holds as they are now', async () => {
    const before = (await search('沖縄の海')).items[0]!;
    expect(before).toMatchObject({
      itemCount: 2,
      availableCount: 2,
      onLoanCount: 0,
      holdCount: 0,
      availability: 'available',
    });
    for (const barcode of barcodes.okinawaSea!) {
      const res = await call(app, counter, 'POST', '/api/circulation/checkout', {
        patron: { cardBarcode: lib.cards.alice },
        itemBarcode: barcode,
        locationId: lib.mainId,
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    await database.db.insert(holds).values({
      tenantId: lib.tenantId,
      bibId: ids.okinawaSea!,
      patronId: lib.patronIds.bob!,
      pickupLocationId: lib.mainId,
    });
    const r = await search('沖縄の海');
    expect(r.items[0]).toMatchObject({
      itemCount: 2,
      availableCount: 0,
      onLoanCount: 2,
      holdCount: 1,
      availability: 'onLoan',
    });
    expect(r.facets!.availability).toEqual([{ value: 'onLoan', label: '貸出中', count: 1 }]);
    expect(await found('沖縄', { availability: 'available' })).toEqual(new Set(['okinawaFood', 'decoy']));
  });
});

describe('searchBibs: the year and NDC filters', () => {
  it("narrows by a decade (the decade facet's value) or a range of years, from the index's year tokens", async () => {
    expect(await found('', { decade: '2010' })).toEqual(new Set(['nekoGhost', 'catLife', 'okinawaFood']));
    expect(await found('', { yearFrom: '1999', yearTo: '2010' })).toEqual(
      new Set(['computer', 'decoy', 'okinawaFood']),
    );
    expect(await found('', { yearFrom: '2018' })).toEqual(new Set(['catLife', 'okinawaSea', 'sea']));
    expect(await found('', { yearTo: '1990' })).toEqual(new Set(['oldLibrary']));
    // a decade and a range together: the years both admit
    expect(await found('', { decade: '2010', yearFrom: '2012' })).toEqual(new Set(['nekoGhost', 'catLife']));
    expect(await found('', { decade: '2010', yearTo: '2005' })).toEqual(new Set());
    // the facets count the narrowed hits
    const r = await search('沖縄 OR 海', { decade: '2020' });
    expect(new Set(keysOf(r))).toEqual(new Set(['okinawaSea', 'sea']));
    expect(r.facets!.decade!.map((f) => [f.value, f.label, f.count])).toEqual([['2020', '2020年代', 2]]);
    expect(r.facets!.decade![0]).toMatchObject({ labelEn: '2020s' });
  });

  it('combines with the query language, the other facets and the NDC class', async () => {
    expect(await found('沖縄 OR 海', { decade: '1990', materialType: 'dvd' })).toEqual(new Set(['decoy']));
    expect(await found('沖縄 OR 海', { decade: '1990', materialType: 'book' })).toEqual(new Set());
    expect(await found('ネコ', { decade: '2010', location: 'branch' })).toEqual(new Set(['nekoGhost']));
    expect(await found('', { ndc: '9' })).toEqual(new Set(['sea', 'decoy']));
    expect(await found('', { ndc: '9', decade: '2020' })).toEqual(new Set(['sea']));
    expect(await found('', { ndc: '913.6', yearTo: '2000' })).toEqual(new Set(['decoy']));
    expect(await found('海 -沖縄', { yearFrom: '2000' })).toEqual(new Set(['sea', 'computer']));
    expect(await found('year:2010-2020', { decade: '2010', ndc: '6' })).toEqual(new Set(['catLife']));
  });

  it('keeps each sort order inside the filter', async () => {
    const inOrder = async (q: string, sort: string, extra: Record<string, string>) =>
      keysOf(await search(q, { sort, ...extra }));
    expect(await inOrder('', 'newest', { decade: '2010' })).toEqual(['catLife', 'nekoGhost', 'okinawaFood']);
    expect(await inOrder('', 'reading', { decade: '2010' })).toEqual(['okinawaFood', 'catLife', 'nekoGhost']);
    // relevance with no words is 五十音順
    expect(await inOrder('', 'relevance', { decade: '2010' })).toEqual([
      'okinawaFood',
      'catLife',
      'nekoGhost',
    ]);
    // both in the title by their reading: the shorter title first
    expect(await inOrder('ネコ', 'relevance', { yearFrom: '2010', yearTo: '2019' })).toEqual([
      'catLife',
      'nekoGhost',
    ]);
    expect(await inOrder('海', 'newest', { yearFrom: '1999', yearTo: '2020' })).toEqual([
      'okinawaSea',
      'computer',
      'decoy',
    ]);
    expect(await inOrder('海', 'reading', { yearFrom: '1999', yearTo: '2020' })).toEqual([
      'okinawaSea',
      'computer',
      'decoy',
    ]);
  });

  it('answers a bad year or NDC with a 400 naming the field, staff and OPAC alike', async () => {
    for (const [params, field] of [
      [{ decade: '2015' }, 'decade'],
      [{ decade: 'nineties' }, 'decade'],
      [{ decade: '' }, 'decade'],
      [{ yearFrom: '20x' }, 'yearFrom'],
      [{ yearTo: '12345' }, 'yearTo'],
      [{ yearFrom: '2020', yearTo: '2010' }, 'yearTo'],
      [{ ndc: 'abc' }, 'ndc'],
    ] as const) {
      const qs = new URLSearchParams({ q: '海', ...params });
      for (const res of [
        await call(app, librarian, 'GET', `/api/bibs?${qs}`),
        field === 'ndc' ? null : await app.request(`/api/opac/search?tenant=srch&${qs}`),
      ]) {
        if (!res) continue;
        expect(res.status, JSON.stringify(params)).toBe(400);
        const body = (await res.json()) as { code: string; issues: { path: string; message: string }[] };
        expect(body.code).toBe('validation');
        expect(body.issues.map((i) => i.path)).toEqual([field]);
      }
    }
  });

  it('narrows the public OPAC search by decade too', async () => {
    const res = await app.request(
      `/api/opac/search?tenant=srch&q=${encodeURIComponent('海')}&decade=2000&sort=newest`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { id: string }[]; facets: Record<string, Facet[]> };
    expect(body.items.map((i) => i.id)).toEqual([ids.computer]);
    expect(body.facets.decade!.map((f) => f.value)).toEqual(['2000']);
  });
});

describe('keeping the index current', () => {
  it('indexes records created and changed through the API', async () => {
    const created = await call(app, librarian, 'POST', '/api/bibs', {
      title: '八重山の星空',
      titleReading: 'ヤエヤマ ノ ホシゾラ',
      authors: [{ name: '石垣 花子', reading: 'イシガキ ハナコ' }],
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    expect((await search('星空')).items.map((i) => i.id)).toEqual([id]);
    await call(app, librarian, 'PATCH', `/api/bibs/${id}`, { title: '八重山の夜空' });
    expect((await search('星空')).total).toBe(0);
    expect((await search('夜空')).items.map((i) => i.id)).toEqual([id]);
    expect((await search('author:いしがき')).items.map((i) => i.id)).toEqual([id]);
  });

  it('reindexes a tenant whose records were written without grams', async () => {
    expect((await search('書名')).total).toBe(0); // the fixture wrote 書名 novel … without grams
    const stale = await reindexBibSearch(database.db, lib.tenantId, { onlyStale: true });
    expect(stale).toBe(12);
    expect((await search('書名')).total).toBe(12);
    expect(await reindexBibSearch(database.db, lib.tenantId, { onlyStale: true })).toBe(0);
    const [{ n }] = (await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, lib.tenantId))) as [{ n: number }];
    expect(await reindexBibSearch(database.db, lib.tenantId)).toBe(n);
  });

  it('keeps tenants apart', async () => {
    const other = await makeLibrary(database, 'srch2');
    await reindexBibSearch(database.db, other.tenantId);
    const r = await search('書名');
    expect(r.total).toBe(12);
  });
});

describe('searchBibs: a hit set larger than SEARCH_EXACT_LIMIT', () => {
  let big: Awaited<ReturnType<typeof makeLibrary>>;
  let token: string;
  const n = SEARCH_EXACT_LIMIT + 200;
  const bigIds: Record<string, string> = {};

  beforeAll(async () => {
    big = await makeLibrary(database, 'srchbig');
    const rows = Array.from({ length: n }, (_, i) => {
      const bib = {
        title: `星の本 第${i + 1}巻`,
        titleReading: `ホシ ノ ホン ダイ${String(i + 1).padStart(4, '0')}カン`,
        publisher: '星空社',
        pubYear: 1990 + (i % 20),
        ndc: i % 2 ? '440' : '913.6',
      };
      return { ...bib, tenantId: big.tenantId, searchGrams: bibSearchGrams(bib) };
    });
    // the ones a full ranking must put first, whatever order the index yields hits in
    const special = {
      exactTitle: { title: '星', titleReading: 'ホシ', pubYear: 1980 },
      newest: { title: '星の図鑑', titleReading: 'ホシ ノ ズカン', pubYear: 2025 },
      firstReading: { title: '一番星', titleReading: 'アイバンボシ', pubYear: 1985 },
    };
    await database.db.insert(bibRecords).values(rows);
    for (const [key, bib] of Object.entries(special)) {
      const [row] = await database.db
        .insert(bibRecords)
        .values({ ...bib, tenantId: big.tenantId, searchGrams: bibSearchGrams(bib) })
        .returning({ id: bibRecords.id });
      bigIds[key] = row!.id;
    }
    await database.db.insert(items).values({
      tenantId: big.tenantId,
      bibId: bigIds.exactTitle!,
      barcode: '39990001',
      locationId: big.mainId,
      status: 'onLoan',
    });
    token = await login(app, 'srchbig', 'librarian');
  });

  const bigSearch = async (extra: Record<string, string>) => {
    const res = await call(app, token, 'GET', `/api/bibs?${new URLSearchParams({ limit: '5', ...extra })}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Result & { totalExact: boolean; facetsExact: boolean };
  };

  it('reports a lower bound, counts facets over a bounded sample, and still ranks the best first', async () => {
    const r = await bigSearch({ q: '星' });
    expect(r.total).toBe(SEARCH_EXACT_LIMIT);
    expect(r.totalExact).toBe(false);
    expect(r.facetsExact).toBe(false);
    expect(r.items[0]!.id).toBe(bigIds.exactTitle);
    expect(r.items[0]).toMatchObject({ itemCount: 1, onLoanCount: 1, availability: 'onLoan' });
    const counted = r.facets!.ndc!.reduce((a, f) => a + f.count, 0);
    expect(counted).toBe(SEARCH_EXACT_LIMIT);
  });

  it('gives the true first page in newest and reading order', async () => {
    expect((await bigSearch({ q: '星', sort: 'newest' })).items[0]!.id).toBe(bigIds.newest);
    expect((await bigSearch({ q: '星', sort: 'reading' })).items[0]!.id).toBe(bigIds.firstReading);
    const second = await bigSearch({ q: '星', sort: 'reading', offset: '1' });
    expect(second.items.slice(0, 4).map((i) => i.title)).toEqual([
      '星',
      '星の図鑑',
      '星の本 第1巻',
      '星の本 第2巻',
    ]);
  });

  it('is exact again once a filter narrows the hits', async () => {
    const r = await bigSearch({ q: '星 year:2025' });
    expect(r).toMatchObject({ total: 1, totalExact: true, facetsExact: true });
    expect(r.items.map((i) => i.id)).toEqual([bigIds.newest]);
  });
});

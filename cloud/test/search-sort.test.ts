import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, materialTypes } from '../src/db/schema/index.ts';
import { prng } from '../src/demo/corpus.ts';
import {
  compareCodePoints,
  readingBucketStart,
  SEARCH_EXACT_LIMIT,
  searchBibs,
} from '../src/domain/catalog/search-bibs.ts';
import {
  bibSearchGrams,
  READING_BUCKETS,
  readingBucket,
  yearBucket,
} from '../src/domain/catalog/search-text.ts';
import { systemCtx } from '../src/domain/context.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * Newest and 五十音順 pages of hit sets above SEARCH_EXACT_LIMIT come from the sort buckets
 * (search-text.ts, search-bibs.ts firstInOrder): every page must be exactly the slice of the full
 * order, through ties, missing years and readings, clamped years and readings longer than the
 * indexed prefix.
 */

type Row = {
  id: string;
  title: string;
  reading: string;
  year: number | null;
  type: 'book' | 'dvd';
  star: boolean;
};

const LONG = 'ホシ'.repeat(100);
const READINGS = [
  '',
  ' ',
  '123',
  'Hoshi',
  'hoshi',
  'é',
  'ほし',
  'ア',
  'アイ',
  'ホシ',
  'ホシ',
  'ヴ',
  'ー',
  '本',
  'ﾎｼ',
  '𠮷野',
  LONG,
  `${LONG}ア`,
  `${LONG}イ`,
];
const YEARS = [null, null, -5, 1500, 1799, 1800, 1801, 2099, 2100, 2101, 9999];

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let rows: Row[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'srtd');
  const types = await database.db
    .select()
    .from(materialTypes)
    .where(eq(materialTypes.tenantId, lib.tenantId));
  const typeId = (code: string) => types.find((t) => t.code === code)!.id;
  const r = prng(20261125);
  const n = SEARCH_EXACT_LIMIT + 300;
  const specs = Array.from({ length: n + 150 }, (_, i) => {
    const star = i < n;
    const reading = r.chance(0.4)
      ? r.pick(READINGS)
      : // any hiragana or katakana code point, so neighbours in code-point order meet
        Array.from({ length: r.int(1, 5) }, () => String.fromCodePoint(r.int(0x3041, 0x30ff))).join('');
    const year = r.chance(0.3) ? r.pick(YEARS) : r.int(1940, 2030);
    // few distinct titles, so equal readings often have equal titles too and the id decides
    const title = `${star ? '星' : '月'}の本 ${r.int(1, 4)}`;
    return { title, titleReading: reading, pubYear: year, type: r.chance(0.5) ? 'dvd' : 'book' } as const;
  });
  const inserted = await database.db
    .insert(bibRecords)
    .values(
      specs.map(({ type, ...bib }) => ({
        ...bib,
        tenantId: lib.tenantId,
        materialTypeId: typeId(type),
        searchGrams: bibSearchGrams(bib),
      })),
    )
    .returning({ id: bibRecords.id });
  rows = specs.map((s, i) => ({
    id: inserted[i]!.id,
    title: s.title,
    reading: s.titleReading,
    year: s.pubYear,
    type: s.type,
    star: s.title.startsWith('星'),
  }));
});
afterAll(async () => {
  await database?.close();
});

/** the orders as search-bibs.ts defines them (collate "C": code points; uuids as their hex) */
const ORDER = {
  newest: (a: Row, b: Row) =>
    (a.year === null ? 1 : 0) - (b.year === null ? 1 : 0) ||
    (b.year ?? 0) - (a.year ?? 0) ||
    compareCodePoints(a.reading, b.reading) ||
    compareCodePoints(a.id, b.id),
  reading: (a: Row, b: Row) =>
    compareCodePoints(a.reading, b.reading) ||
    compareCodePoints(a.title, b.title) ||
    compareCodePoints(a.id, b.id),
};
type Sort = keyof typeof ORDER;

const page = async (
  q: string,
  sort: Sort,
  offset: number,
  limit: number,
  extra: { materialType?: string; decade?: number; yearFrom?: number; yearTo?: number } = {},
) => {
  const ctx = systemCtx(database.db, lib.tenantId, 'test');
  return searchBibs(ctx, { q, sort, offset, limit, facets: false, ...extra });
};
const expected = (keep: (r: Row) => boolean, sort: Sort) =>
  rows
    .filter(keep)
    .sort(ORDER[sort])
    .map((r) => r.id);

describe('search order of a large hit set', () => {
  for (const sort of ['newest', 'reading'] as const) {
    it(`gives every page of ${sort} exactly as the full order has it`, async () => {
      const all = expected((r) => r.star, sort);
      expect(all.length).toBeGreaterThan(SEARCH_EXACT_LIMIT);
      for (const [offset, limit] of [
        [0, 20],
        [0, 100],
        [7, 20],
        [20, 20],
        [333, 50],
        [SEARCH_EXACT_LIMIT, 20],
        [all.length - 10, 20],
      ] as const) {
        const r = await page('星', sort, offset, limit);
        expect(r).toMatchObject({ total: SEARCH_EXACT_LIMIT, totalExact: false });
        expect(r.items.map((i) => i.id)).toEqual(all.slice(offset, offset + limit));
      }
    });

    it(`orders ${sort} the same way when the query has no grams to probe (OR, an empty query)`, async () => {
      const either = expected(() => true, sort);
      for (const q of ['星 OR 月', '']) {
        const r = await page(q, sort, 0, 60);
        expect(r.totalExact).toBe(false);
        expect(r.items.map((i) => i.id)).toEqual(either.slice(0, 60));
      }
    });

    it(`agrees with the small hit set's order (${sort}, sorted in hand)`, async () => {
      const dvds = expected((r) => r.star && r.type === 'dvd', sort);
      expect(dvds.length).toBeLessThanOrEqual(SEARCH_EXACT_LIMIT);
      const r = await page('星', sort, 0, 100, { materialType: 'dvd' });
      expect(r).toMatchObject({ total: dvds.length, totalExact: true });
      expect(r.items.map((i) => i.id)).toEqual(dvds.slice(0, 100));
    });
  }

  // the year filter's tokens meet the sort buckets: the clamped end buckets (~y1800 holds -5 and
  // 1500, ~y2100 holds 9999) and "no year" must stay out, newest's runs start at the filter's years
  const inYears = (from: number | null, to: number | null) => (r: Row) =>
    r.year !== null && (from === null || r.year >= from) && (to === null || r.year <= to);
  for (const [label, q, filter, keep, large] of [
    ['1500–2100, every record', '', { yearFrom: 1500, yearTo: 2100 }, inYears(1500, 2100), true],
    ['1500 on, 星', '星', { yearFrom: 1500 }, (r: Row) => r.star && inYears(1500, null)(r), true],
    ['up to 1800, 星', '星', { yearTo: 1800 }, (r: Row) => r.star && inYears(null, 1800)(r), false],
    ['the 2010s, 星', '星', { decade: 2010 }, (r: Row) => r.star && inYears(2010, 2019)(r), false],
    ['2101 on (clamped)', '', { yearFrom: 2101 }, inYears(2101, null), false],
  ] as const)
    for (const sort of ['newest', 'reading'] as const)
      it(`keeps ${sort} exact under a year filter (${label})`, async () => {
        const all = expected(keep, sort);
        expect(all.length > SEARCH_EXACT_LIMIT).toBe(large);
        for (const [offset, limit] of [
          [0, 20],
          [45, 60],
          [Math.max(0, all.length - 10), 20],
        ] as const) {
          const r = await page(q, sort, offset, limit, filter);
          expect(r.totalExact).toBe(!large);
          expect(r.items.map((i) => i.id)).toEqual(all.slice(offset, offset + limit));
        }
      });

  it('moves a record to its new place when an edit changes its year or reading', async () => {
    const token = await login(app, 'srtd', 'librarian');
    const last = expected((r) => r.star, 'reading').at(-1)!;
    const patch = async (body: Record<string, unknown>) => {
      const res = await call(app, token, 'PATCH', `/api/bibs/${last}`, body);
      expect(res.status).toBe(200);
    };
    const row = rows.find((r) => r.id === last)!;
    const firstPages = async () => {
      for (const sort of ['newest', 'reading'] as const)
        expect((await page('星', sort, 0, 50)).items.map((i) => i.id)).toEqual(
          expected((r) => r.star, sort).slice(0, 50),
        );
    };
    // the latest year a record may carry (next year's, for a forthcoming book)
    const latest = new Date().getUTCFullYear() + 1;
    await patch({ pubYear: latest });
    row.year = latest;
    await firstPages();
    await patch({ titleReading: '' });
    row.reading = '';
    await firstPages();
    // the last in reading order before, among the empty readings (the first) now
    expect((await page('星', 'reading', 0, 50)).items.map((i) => i.id)).toContain(last);
  });
});

describe('sort buckets', () => {
  it('never decrease along the order the database sorts by', () => {
    const readings = [...READINGS];
    for (let c = 1; c < 0x3200; c++) if (c < 0xd800 || c > 0xdfff) readings.push(String.fromCodePoint(c));
    readings.push('\u{ffff}', '\u{10000}', '\u{10ffff}', 'アア', 'ア\u{10000}');
    const sorted = readings.sort(compareCodePoints);
    for (let i = 1; i < sorted.length; i++)
      expect(readingBucket(sorted[i]), sorted[i]).toBeGreaterThanOrEqual(readingBucket(sorted[i - 1]));
    expect(readingBucket('')).toBe(0);
    expect(readingBucket(null)).toBe(0);
    expect(readingBucket('\u{10ffff}')).toBe(READING_BUCKETS - 1);
  });

  it('start where search-bibs.ts confines a walk of the sort index', () => {
    for (let b = 1; b < READING_BUCKETS; b++) {
      const start = readingBucketStart(b);
      expect(readingBucket(String.fromCodePoint(start))).toBe(b);
      if (start > 1) expect(readingBucket(String.fromCodePoint(start - 1))).toBe(b - 1);
    }
  });

  it('clamps years at the ends and keeps "no year" apart', () => {
    expect([1500, 1800, 1801, 2100, 2101, 9999].map(yearBucket)).toEqual([
      '~y1800',
      '~y1800',
      '~y1801',
      '~y2100',
      '~y2100',
      '~y2100',
    ]);
    expect(yearBucket(null)).toBe('~y-');
  });
});

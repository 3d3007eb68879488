import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../cloud/src/db/client.ts';
import { resultRows } from '../../cloud/src/db/result-rows.ts';
import {
  calendars,
  loanRules,
  locations,
  materialTypes,
  patronCategories,
} from '../../cloud/src/db/schema/index.ts';
import { provisionTenant } from '../../cloud/src/domain/admin/provision-tenant.ts';
import { bibSearchGrams } from '../../cloud/src/domain/catalog/search-text.ts';
import { ageBand } from '../../cloud/src/domain/circulation/statistics-event.ts';
import { hashPassword } from '../../cloud/src/domain/patron-auth/passwords.ts';
import { DEFAULT_PATRON_CATEGORIES } from '../../cloud/src/domain/patrons/patron-categories.ts';
import { arrayLiteral, bulkInsert, type Cell, type Columns } from './bulk.ts';
import { ean13Check, itemBarcode, patronBarcode } from './codes.ts';
import { Rng } from './prng.ts';
import {
  ADJECTIVES,
  AV_SUBJECTS,
  DISTRICTS,
  FAMILY_NAMES,
  FOREIGN_AUTHORS,
  GIVEN_NAMES,
  LOCAL_PLACES,
  LOCAL_PUBLISHERS,
  LOCAL_SUBJECTS,
  MAGAZINES,
  NOUNS,
  PICTURE_ANIMALS,
  PICTURE_PUBLISHERS,
  PICTURE_THINGS,
  PUBLISHERS,
  SERIES,
  TOPIC_PATTERNS,
  TOPICS,
  toKatakana,
  type Word,
} from './words.ts';

/**
 * Scale 1: a mid-size Japanese city library five years from now, with headroom (DOMAIN.md, FY2024):
 * - items: 303,069 today (275,684 books + 5,243 AV + 22,142 magazine issues) + 5,524 a year
 *   → ≈ 330k in five years; ×1.5 headroom → 500k
 * - patrons: 41,014 registered → 60k
 * - loans: 188,118 a year × 5 years → ≈ 1M (the history the loans table keeps)
 * - open holds: 7,421 holds a year, each waiting a few weeks → ≈ 1.5k open at any time
 */
/**
 * My Library password of every generated patron who has one (about 40% of those not deleted). One
 * argon2id hash is computed per generation and shared, so the accounts cost nothing to make.
 */
export const BENCH_PATRON_PASSWORD = 'bench-patron';
/** the share of (not deleted) patrons registered for My Library */
export const MY_LIBRARY_SHARE = 0.4;

export const FIVE_YEAR_SCALE = { items: 500_000, patrons: 60_000, loans: 1_000_000, openHolds: 1_500 };

export type GenerateOptions = {
  seed: number;
  /** 1 = FIVE_YEAR_SCALE; 0.01 for a quick run */
  scale: number;
  /** tenant code (default "bench") */
  code?: string;
  /** the end of the five years of history (default: now) */
  now?: Date;
  /** rows per INSERT statement (default 5000) */
  batch?: number;
  onProgress?: (table: string, rows: number) => void;
};

export type GenerateResult = {
  tenantId: string;
  /** rows this run inserted, per table */
  rows: Record<string, number>;
  /** milliseconds per phase */
  phases: Record<string, number>;
  ms: number;
};

const DAY = 86_400_000;
const JST = 9 * 3_600_000;

/** ISO date (JST) of an instant */
const jstDate = (ms: number) => new Date(ms + JST).toISOString().slice(0, 10);
/** the instant of 00:00 JST on the JST day containing ms */
const jstMidnight = (ms: number) => Math.floor((ms + JST) / DAY) * DAY - JST;
/** ISO weekday (1 = Monday … 7 = Sunday) of the JST day starting at midnight ms */
const jstWeekday = (midnight: number) => {
  const d = new Date(midnight + JST).getUTCDay();
  return d === 0 ? 7 : d;
};
const isYearEnd = (midnight: number) => {
  const d = new Date(midnight + JST);
  return (d.getUTCMonth() === 11 && d.getUTCDate() >= 29) || (d.getUTCMonth() === 0 && d.getUTCDate() <= 3);
};
const isClosed = (midnight: number) => jstWeekday(midnight) === 1 || isYearEnd(midnight);

/** the first open day on or after the JST day starting at midnight ms */
function openOnOrAfter(midnight: number): number {
  let d = midnight;
  while (isClosed(d)) d += DAY;
  return d;
}

type Person = { name: string; reading: string };

function personName(rng: Rng): Person {
  const f = rng.pick(FAMILY_NAMES);
  const g = rng.pick(GIVEN_NAMES);
  return { name: `${f[0]} ${g[0]}`, reading: `${f[1]} ${g[1]}` };
}

type MaterialCode = 'book' | 'picture' | 'local' | 'magazine' | 'cd' | 'dvd' | 'reference';
const MATERIAL_MIX: readonly (readonly [MaterialCode, number])[] = [
  // books 91% (275,684), magazine issues 7.3% (22,142), AV 1.7% (5,243)
  ['book', 72],
  ['picture', 12],
  ['local', 4],
  ['reference', 3],
  ['magazine', 7.3],
  ['cd', 0.9],
  ['dvd', 0.8],
];
const MATERIAL_CODES: readonly MaterialCode[] = [
  'book',
  'picture',
  'local',
  'magazine',
  'cd',
  'dvd',
  'reference',
];

type BibSpec = {
  title: string;
  titleReading: string;
  authors: { name: string; reading: string; role: string }[];
  publisher: string;
  pubYear: number;
  isbn: string | null;
  ndc: string | null;
  seriesTitle: string | null;
  volume: string | null;
  language: string;
  callClass: string;
  shelf: string;
};

function isbnFor(rng: Rng, publisher: string): string {
  const code = PUBLISHERS.find(([p]) => p === publisher)?.[1] ?? '06';
  const body = `9784${code}${rng.digits(8 - code.length)}`;
  return body + ean13Check(body);
}

/** One bibliographic record of the given material type, acquired in acqYear. */
function makeBib(
  rng: Rng,
  type: MaterialCode,
  acqYear: number,
  acqMonth: number,
  authors: Person[],
): BibSpec {
  const author = () => authors[Math.floor(authors.length * rng.next() ** 1.6)]!;
  let pubYear =
    acqYear -
    rng.weighted([
      [0, 60],
      [1, 25],
      [rng.range(2, 10), 10],
      [rng.range(10, 40), 5],
    ]);
  if (pubYear < 1950) pubYear = 1950;
  const base = {
    pubYear,
    seriesTitle: null as string | null,
    volume: null as string | null,
    language: 'jpn',
  };
  const withIsbn = (publisher: string, p = 1) =>
    pubYear >= 1981 && rng.chance(p) ? isbnFor(rng, publisher) : null;

  switch (type) {
    case 'picture': {
      const a = rng.pick(PICTURE_ANIMALS);
      const t = rng.pick(PICTURE_THINGS);
      const title = rng.chance(0.5) ? `${a}の${t}` : `${a}くんと${t}`;
      const translated = rng.chance(0.2);
      const w = translated ? rng.pick(FOREIGN_AUTHORS) : null;
      const p = author();
      const publisher = rng.pick(PICTURE_PUBLISHERS);
      return {
        ...base,
        title,
        titleReading: toKatakana(title),
        authors: w
          ? [
              { name: w[0], reading: w[1], role: '作' },
              { name: p.name, reading: p.reading, role: '訳' },
            ]
          : [{ ...p, role: '作・絵' }],
        publisher,
        isbn: withIsbn(publisher),
        ndc: 'E',
        callClass: 'E',
        shelf: '児童室',
      };
    }
    case 'local': {
      const [place, placeR] = rng.pick(LOCAL_PLACES);
      const [subj, subjR, ndc] = rng.pick(LOCAL_SUBJECTS);
      const title = rng.chance(0.7) ? `${place}の${subj}` : `${place}${subj}誌`;
      const titleReading = title.endsWith('誌') ? `${placeR}${subjR}シ` : `${placeR}ノ${subjR}`;
      const publisher = rng.pick(LOCAL_PUBLISHERS);
      const editor = rng.chance(0.3);
      const p = author();
      return {
        ...base,
        title,
        titleReading,
        authors: editor
          ? [{ name: `${place}市史編集委員会`, reading: `${placeR}シシヘンシュウイインカイ`, role: '編' }]
          : [{ ...p, role: '著' }],
        publisher,
        isbn: withIsbn(publisher, 0.6),
        ndc,
        callClass: ndc,
        shelf: '郷土資料室',
      };
    }
    case 'magazine': {
      const [m, mr] = rng.pick(MAGAZINES);
      return {
        ...base,
        pubYear: acqYear,
        title: `${m} ${acqYear}年${acqMonth}月号`,
        titleReading: mr,
        authors: [],
        publisher: '',
        isbn: null,
        ndc: null,
        seriesTitle: m,
        volume: `${acqYear}-${String(acqMonth).padStart(2, '0')}`,
        callClass: '雑誌',
        shelf: '雑誌コーナー',
      };
    }
    case 'cd':
    case 'dvd': {
      const [s, sr] = rng.pick(AV_SUBJECTS);
      const n = rng.range(1, 12);
      return {
        ...base,
        title: `${s} ${n}`,
        titleReading: `${sr} ${n}`,
        authors: [],
        publisher: type === 'cd' ? 'キングレコード' : 'NHKエンタープライズ',
        isbn: null,
        ndc: type === 'cd' ? '767.8' : '290.9',
        callClass: type === 'cd' ? 'CD' : 'DVD',
        shelf: 'AVコーナー',
      };
    }
    default: {
      // book or reference: fiction, translated fiction, a series, or non-fiction by topic
      const kind = rng.weighted([
        ['fiction', 38],
        ['translated', 6],
        ['series', 8],
        ['topic', 48],
      ] as const);
      const [publisher] = rng.pick(PUBLISHERS);
      const shelf =
        type === 'reference' ? '参考図書室' : acqYear < 2000 && rng.chance(0.3) ? '書庫' : '一般開架';
      if (kind === 'topic' || type === 'reference') {
        const [t, tr, ndc] = rng.pick(TOPICS);
        const [pre, preR, post, postR] = rng.pick(TOPIC_PATTERNS);
        const title = type === 'reference' ? `${t}大事典` : `${pre}${t}${post}`;
        const titleReading = type === 'reference' ? `${tr}ダイジテン` : `${preR}${tr}${postR}`;
        const p = author();
        return {
          ...base,
          title,
          titleReading,
          authors: [{ ...p, role: type === 'reference' ? '編' : '著' }],
          publisher,
          isbn: withIsbn(publisher),
          ndc,
          callClass: type === 'reference' ? `R${ndc}` : ndc,
          shelf,
        };
      }
      if (kind === 'series') {
        const [s, sr] = rng.pick(SERIES);
        const vol = String(rng.range(1, 40));
        return {
          ...base,
          title: `${s} ${vol}`,
          titleReading: `${sr} ${vol}`,
          authors: [{ ...author(), role: '作' }],
          publisher,
          isbn: withIsbn(publisher),
          ndc: '913.6',
          seriesTitle: s,
          volume: vol,
          callClass: '913',
          shelf: '児童室',
        };
      }
      const [n1, n1r] = rng.pick(NOUNS);
      const [n2, n2r] = rng.pick(NOUNS);
      const [adj, adjR] = rng.pick(ADJECTIVES);
      const pattern = rng.int(5);
      const [title, titleReading] =
        pattern === 0
          ? [`${n1}の${n2}`, `${n1r}ノ${n2r}`]
          : pattern === 1
            ? [`${adj}${n1}`, `${adjR}${n1r}`]
            : pattern === 2
              ? [`${n1}と${n2}`, `${n1r}ト${n2r}`]
              : pattern === 3
                ? [`${n1}の${n2}殺人事件`, `${n1r}ノ${n2r}サツジンジケン`]
                : [`${adj}${n1}の${n2}`, `${adjR}${n1r}ノ${n2r}`];
      if (kind === 'translated') {
        const w = rng.pick(FOREIGN_AUTHORS);
        const t = author();
        return {
          ...base,
          title,
          titleReading,
          authors: [
            { name: w[0], reading: w[1], role: '著' },
            { name: t.name, reading: t.reading, role: '訳' },
          ],
          publisher,
          isbn: withIsbn(publisher),
          ndc: '933.7',
          callClass: '933',
          shelf,
        };
      }
      const essay = rng.chance(0.12);
      return {
        ...base,
        title,
        titleReading,
        authors: [{ ...author(), role: '著' }],
        publisher,
        isbn: withIsbn(publisher),
        ndc: essay ? '914.6' : '913.6',
        callClass: essay ? '914' : '913',
        shelf,
      };
    }
  }
}

const GROUPS: readonly Word[] = [
  ['石垣小学校', 'イシガキショウガッコウ'],
  ['登野城小学校', 'トノシロショウガッコウ'],
  ['大浜小学校', 'オオハマショウガッコウ'],
  ['真喜良小学校', 'マキラショウガッコウ'],
  ['平真小学校', 'ヘイシンショウガッコウ'],
  ['石垣中学校', 'イシガキチュウガッコウ'],
  ['白保公民館', 'シラホコウミンカン'],
  ['川平公民館', 'カビラコウミンカン'],
];

// --- columns (snake_case, as in the migrations) -----------------------------------------------

const BIB_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['title', 'text'],
  ['title_reading', 'text'],
  ['authors', 'jsonb'],
  ['publisher', 'text'],
  ['pub_year', 'int'],
  ['isbn', 'text'],
  ['ndc', 'text'],
  ['material_type_id', 'uuid'],
  ['series_title', 'text'],
  ['volume', 'text'],
  ['language', 'text'],
  ['source_ids', 'jsonb'],
  ['search_grams', 'text[]'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];
export const ITEM_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['bib_id', 'uuid'],
  ['barcode', 'text'],
  ['location_id', 'uuid'],
  ['shelf', 'text'],
  ['call_number', 'text'],
  ['material_type_id', 'uuid'],
  ['status', 'text'],
  ['acquired_on', 'date'],
  ['price', 'int'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];
const PATRON_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['category_id', 'uuid'],
  ['name', 'text'],
  ['name_reading', 'text'],
  ['birth_date', 'date'],
  ['postal_code', 'text'],
  ['address', 'text'],
  ['phone', 'text'],
  ['email', 'text'],
  ['residency', 'text'],
  ['status', 'text'],
  ['expires_on', 'date'],
  ['reading_history_opt_in', 'bool'],
  ['home_location_id', 'uuid'],
  ['password_hash', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];
const CARD_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['patron_id', 'uuid'],
  ['barcode', 'text'],
  ['status', 'text'],
  ['issued_at', 'timestamptz'],
];
const LOAN_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['item_id', 'uuid'],
  ['patron_id', 'uuid'],
  ['location_id', 'uuid'],
  ['loaned_at', 'timestamptz'],
  ['due_on', 'date'],
  ['returned_at', 'timestamptz'],
  ['return_location_id', 'uuid'],
  ['renewals', 'int'],
];
const EVENT_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['kind', 'text'],
  ['at', 'timestamptz'],
  ['location_id', 'uuid'],
  ['material_type_code', 'text'],
  ['patron_category_code', 'text'],
  ['age_band', 'text'],
  ['ndc_class', 'text'],
];
const HOLD_COLUMNS: Columns = [
  ['id', 'uuid'],
  ['tenant_id', 'uuid'],
  ['bib_id', 'uuid'],
  ['patron_id', 'uuid'],
  ['pickup_location_id', 'uuid'],
  ['level', 'text'],
  ['status', 'text'],
  ['contact_method', 'text'],
  ['created_at', 'timestamptz'], // placedAt
  ['not_needed_after', 'date'],
];

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Create one tenant with five years of history at the given scale: reference data, bibliographic
 * records, items, patrons and cards, loans (most returned, patron link erased unless the patron
 * opted in to reading history), anonymised circulation events and open holds. Deterministic for a
 * given seed, scale and `now` (row ids are random UUIDs; every other value comes from the seed).
 */
export async function generateTenant(db: Db, opts: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  const rows: Record<string, number> = {};
  const batch = opts.batch ?? 5000;
  const now = opts.now ? opts.now.getTime() : Date.now();
  const todayMidnight = jstMidnight(now);
  const fiveYearsAgo = todayMidnight - 1826 * DAY;
  const root = new Rng(opts.seed);
  const progress = (table: string, n: number) => {
    rows[table] = (rows[table] ?? 0) + n;
    opts.onProgress?.(table, rows[table]!);
  };
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    phases[name] = (phases[name] ?? 0) + (performance.now() - t);
    return r;
  };

  const target = {
    items: Math.max(20, Math.round(FIVE_YEAR_SCALE.items * opts.scale)),
    patrons: Math.max(10, Math.round(FIVE_YEAR_SCALE.patrons * opts.scale)),
    loans: Math.max(20, Math.round(FIVE_YEAR_SCALE.loans * opts.scale)),
    openHolds: Math.max(2, Math.round(FIVE_YEAR_SCALE.openHolds * opts.scale)),
  };

  // --- tenant, staff and reference data -------------------------------------------------------
  const code = opts.code ?? 'bench';
  const { tenant } = await phase('tenant', () =>
    provisionTenant(db, {
      code,
      nameJa: '南風市立図書館(ベンチマーク)',
      nameEn: 'Haebaru City Library (benchmark)',
      staff: [
        { loginId: 'admin', displayName: '管理 太郎', password: 'bench-admin', roles: ['admin'] },
        { loginId: 'counter', displayName: '窓口 花子', password: 'bench-counter', roles: ['counter'] },
      ],
    }),
  );
  const tenantId = tenant.id;
  rows.tenants = 1;

  const ref = await phase('reference', () =>
    db.transaction(async (tx) => {
      const [cal] = await tx
        .insert(calendars)
        .values({
          tenantId,
          code: 'main',
          nameJa: '本館カレンダー',
          closedWeekdays: [1],
          hours: { weekday: ['10:00', '19:00'], weekend: ['10:00', '17:00'] },
        })
        .returning({ id: calendars.id });
      const [main] = await tx
        .insert(locations)
        .values({
          tenantId,
          code: 'main',
          nameJa: '本館',
          nameEn: 'Main library',
          kind: 'library',
          calendarId: cal!.id,
        })
        .returning({ id: locations.id });
      const [bm] = await tx
        .insert(locations)
        .values({ tenantId, code: 'bm', nameJa: '移動図書館', nameEn: 'Bookmobile', kind: 'bookmobile' })
        .returning({ id: locations.id });
      const others = await tx
        .insert(locations)
        .values([
          {
            tenantId,
            code: 'bm-kabira',
            nameJa: '川平公民館',
            nameEn: 'Kabira',
            kind: 'station',
            parentId: bm!.id,
          },
          {
            tenantId,
            code: 'bm-ibaruma',
            nameJa: '伊原間公民館',
            nameEn: 'Ibaruma',
            kind: 'station',
            parentId: bm!.id,
          },
          {
            tenantId,
            code: 'school',
            nameJa: '学校団体貸出',
            nameEn: 'School group loans',
            kind: 'school',
            parentId: main!.id,
          },
        ])
        .returning({ id: locations.id });
      // provisionTenant made the four default categories (一般・中高生・児童・団体)
      const cats = await tx
        .select({ id: patronCategories.id, code: patronCategories.code })
        .from(patronCategories)
        .where(eq(patronCategories.tenantId, tenantId));
      const order: string[] = DEFAULT_PATRON_CATEGORIES.map((c) => c.code);
      cats.sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
      const types = await tx
        .insert(materialTypes)
        .values([
          { tenantId, code: 'book', nameJa: '図書', nameEn: 'Book' },
          { tenantId, code: 'picture', nameJa: '絵本', nameEn: 'Picture book' },
          { tenantId, code: 'local', nameJa: '郷土資料', nameEn: 'Local studies' },
          { tenantId, code: 'magazine', nameJa: '雑誌', nameEn: 'Magazine' },
          { tenantId, code: 'cd', nameJa: 'CD', nameEn: 'CD', isAv: true },
          { tenantId, code: 'dvd', nameJa: 'DVD', nameEn: 'DVD', isAv: true },
          { tenantId, code: 'reference', nameJa: '参考図書', nameEn: 'Reference', loanable: false },
        ])
        .returning({ id: materialTypes.id, code: materialTypes.code });
      const typeId = Object.fromEntries(types.map((t) => [t.code, t.id])) as Record<MaterialCode, string>;
      await tx.insert(loanRules).values([
        { tenantId, loanDays: 14, maxItems: 10, renewalDays: 14, maxHolds: 10, overdueBlockDays: 15 },
        {
          tenantId,
          materialTypeId: typeId.cd,
          loanDays: 14,
          maxItems: 3,
          maxRenewals: 0,
          renewalDays: 0,
          maxHolds: 3,
        },
        {
          tenantId,
          materialTypeId: typeId.dvd,
          loanDays: 14,
          maxItems: 3,
          maxRenewals: 0,
          renewalDays: 0,
          maxHolds: 3,
        },
        {
          tenantId,
          materialTypeId: typeId.magazine,
          loanDays: 14,
          maxItems: 10,
          maxRenewals: 0,
          renewalDays: 0,
          maxHolds: 10,
        },
        {
          tenantId,
          materialTypeId: typeId.reference,
          loanable: false,
          loanDays: 0,
          maxItems: 0,
          renewalDays: 0,
          maxHolds: 0,
        },
      ]);
      return {
        // loan locations by index: 0 main, 1 bookmobile, 2 川平, 3 伊原間, 4 school
        locs: [main!.id, bm!.id, others[0]!.id, others[1]!.id, others[2]!.id],
        cats: cats.map((c) => c.id),
        catCodes: cats.map((c) => c.code),
        typeId,
      };
    }),
  );
  rows.calendars = 1;
  rows.locations = 5;
  rows.patron_categories = 4;
  rows.material_types = 7;
  rows.loan_rules = 5;

  // --- bibliographic records and items --------------------------------------------------------
  const nItemsMax = target.items;
  const itemId: string[] = [];
  const itemBib = new Int32Array(nItemsMax);
  const itemAcq = new Float64Array(nItemsMax);
  const itemLoanable = new Uint8Array(nItemsMax);
  const itemType = new Uint8Array(nItemsMax);
  const itemNdc: (string | null)[] = [];
  const bibIds: string[] = [];
  {
    const rng = root.fork('bibs');
    const authorRng = root.fork('authors');
    const authors: Person[] = [];
    const nAuthors = Math.max(30, Math.round(target.items / 8));
    for (let i = 0; i < nAuthors; i++) authors.push(personName(authorRng));
    const collectionStart = Date.UTC(1990, 3, 1);
    const acquisitionAt = (f: number) =>
      f < 0.91
        ? collectionStart + (f / 0.91) * (fiveYearsAgo - collectionStart)
        : fiveYearsAgo + ((f - 0.91) / 0.09) * (todayMidnight - DAY - fiveYearsAgo);

    let n = 0;
    while (n < nItemsMax) {
      const bibRows: Cell[][] = [];
      const itemRows: Cell[][] = [];
      while (n < nItemsMax && itemRows.length < batch) {
        const type = rng.weighted(MATERIAL_MIX);
        // magazines arrive as issues during the last five years; the rest follows the barcode order
        const acq = jstMidnight(
          type === 'magazine'
            ? fiveYearsAgo + rng.next() * (todayMidnight - fiveYearsAgo - DAY)
            : acquisitionAt(n / nItemsMax),
        );
        const acqDate = new Date(acq + JST);
        const spec = makeBib(rng, type, acqDate.getUTCFullYear(), acqDate.getUTCMonth() + 1, authors);
        const bibId = randomUUID();
        const bibIdx = bibIds.length;
        bibIds.push(bibId);
        const at = iso(acq + rng.range(9, 18) * 3_600_000);
        bibRows.push([
          bibId,
          tenantId,
          spec.title,
          spec.titleReading,
          spec.authors,
          spec.publisher,
          spec.pubYear,
          spec.isbn,
          spec.ndc,
          ref.typeId[type],
          spec.seriesTitle,
          spec.volume,
          spec.language,
          spec.isbn && rng.chance(0.85) ? { trc: rng.digits(8) } : {},
          bibSearchGrams(spec),
          at,
          at,
        ]);
        const copies =
          type === 'book' || type === 'picture'
            ? rng.weighted([
                [1, 78],
                [2, 15],
                [3, 5],
                [rng.range(4, 6), 2],
              ])
            : 1;
        const mark = spec.authors[0]?.reading.slice(0, 1) ?? spec.titleReading.slice(0, 1);
        const call = [spec.callClass, mark, spec.volume && type !== 'magazine' ? spec.volume : null]
          .filter(Boolean)
          .join('/');
        for (let c = 0; c < copies && n < nItemsMax; c++, n++) {
          const old = acq < fiveYearsAgo;
          const status = rng.weighted([
            ['available', 97.4],
            ['withdrawn', old ? 2 : 0],
            ['missing', 0.4],
            ['repair', 0.2],
          ] as const);
          const onBookmobile = (type === 'book' || type === 'picture') && rng.chance(0.04);
          const price =
            type === 'reference'
              ? rng.range(300, 2000) * 10
              : type === 'cd' || type === 'dvd'
                ? rng.range(200, 500) * 10
                : type === 'magazine'
                  ? rng.range(50, 150) * 10
                  : rng.range(80, 380) * 10;
          const id = randomUUID();
          itemId.push(id);
          itemBib[n] = bibIdx;
          itemAcq[n] = acq + 17 * 3_600_000;
          itemType[n] = MATERIAL_CODES.indexOf(type);
          itemLoanable[n] = status === 'available' && type !== 'reference' ? 1 : 0;
          itemNdc.push(spec.ndc ? spec.ndc.slice(0, 1) : null);
          itemRows.push([
            id,
            tenantId,
            bibId,
            itemBarcode(n + 1),
            onBookmobile ? ref.locs[1] : ref.locs[0],
            onBookmobile ? '移動図書館' : spec.shelf,
            call,
            ref.typeId[type],
            status,
            jstDate(acq),
            price,
            at,
            at,
          ]);
        }
      }
      await phase('bibs+items', () =>
        db.transaction(async (tx) => {
          await bulkInsert(tx, 'bib_records', BIB_COLUMNS, bibRows, batch);
          await bulkInsert(tx, 'items', ITEM_COLUMNS, itemRows, batch);
        }),
      );
      progress('bib_records', bibRows.length);
      progress('items', itemRows.length);
    }
  }
  const nItems = itemId.length;

  // --- patrons and cards ----------------------------------------------------------------------
  const nPatrons = target.patrons;
  const patronId: string[] = [];
  const patronReg = new Float64Array(nPatrons);
  const patronCanBorrow = new Uint8Array(nPatrons);
  const patronOptIn = new Uint8Array(nPatrons);
  const patronCat = new Uint8Array(nPatrons);
  const patronBirth: (string | null)[] = [];
  {
    const rng = root.fork('patrons');
    // a stream of its own, so the patrons' other values stay what they were before passwords came
    const myLibrary = root.fork('my-library');
    const sharedHash = await phase('patrons+cards', () => hashPassword(BENCH_PATRON_PASSWORD));
    const registryStart = Date.UTC(2004, 3, 1);
    let replacedSerial = 9_000_000;
    for (let p = 0; p < nPatrons; ) {
      const patronRows: Cell[][] = [];
      const cardRows: Cell[][] = [];
      for (; p < nPatrons && patronRows.length < batch; p++) {
        const f = p / nPatrons;
        const reg =
          jstMidnight(
            f < 0.7
              ? registryStart + (f / 0.7) * (fiveYearsAgo - registryStart)
              : fiveYearsAgo + ((f - 0.7) / 0.3) * (todayMidnight - DAY - fiveYearsAgo),
          ) +
          rng.range(10, 18) * 3_600_000;
        const regYear = new Date(reg + JST).getUTCFullYear();
        const cat = rng.weighted([
          [0, 68.5],
          [1, 11],
          [2, 20],
          [3, 0.5],
        ] as const);
        const age = cat === 2 ? rng.range(3, 12) : cat === 1 ? rng.range(13, 18) : rng.range(19, 88);
        const birth =
          cat === 3
            ? null
            : `${regYear - age}-${String(rng.range(1, 12)).padStart(2, '0')}-${String(rng.range(1, 28)).padStart(2, '0')}`;
        let name: string;
        let reading: string;
        if (cat === 3) {
          const [g, gr] = rng.pick(GROUPS);
          const [suffix, suffixR] = rng.pick([
            ['学級文庫', 'ガッキュウブンコ'],
            ['読み聞かせの会', 'ヨミキカセノカイ'],
            ['図書委員会', 'トショイインカイ'],
          ] as const);
          name = `${g} ${suffix}`;
          reading = `${gr} ${suffixR}`;
        } else {
          ({ name, reading } = personName(rng));
        }
        const residency = rng.weighted([
          ['resident', 90],
          ['regional', 6],
          ['worker', 2.5],
          ['student', 1.5],
        ] as const);
        let postal: string;
        let address: string;
        if (residency === 'regional') {
          const yonaguni = rng.chance(0.15);
          postal = yonaguni ? '907-1801' : '907-1101';
          address = yonaguni
            ? `沖縄県八重山郡与那国町字与那国${rng.range(1, 999)}番地`
            : `沖縄県八重山郡竹富町字${rng.pick(['竹富', '黒島', '西表', '波照間', '小浜'])}${rng.range(1, 999)}番地`;
        } else {
          const [district, pc] = rng.pick(DISTRICTS);
          postal = pc;
          address = `沖縄県石垣市${district}${rng.range(1, 999)}番地${rng.chance(0.3) ? `${rng.range(1, 30)}` : ''}`;
        }
        const phone = rng.weighted([
          [`0980-${rng.pick(['82', '83', '84', '88'])}-${rng.digits(4)}`, 55],
          [`0${rng.pick(['90', '80', '70'])}-${rng.digits(4)}-${rng.digits(4)}`, 35],
          [null, 10],
        ] as const);
        const email = rng.chance(0.35) ? `patron${p + 1}@example.jp` : null;
        // 62% registered and valid, the rest lapsed, a few deleted or suspended
        const status = rng.weighted([
          ['active', 62],
          ['expired', 35.5],
          ['deleted', 1.5],
          ['suspended', 1],
        ] as const);
        const expires =
          status === 'expired'
            ? Math.min(todayMidnight - DAY, Math.max(reg + DAY, todayMidnight - rng.range(1, 1800) * DAY))
            : todayMidnight + rng.range(30, 3 * 365) * DAY;
        const optIn = status !== 'deleted' && rng.chance(0.08);
        const home = rng.weighted([
          [0, 92],
          [2, 5],
          [3, 3],
        ] as const);
        const id = randomUUID();
        patronId.push(id);
        patronReg[p] = reg;
        patronCanBorrow[p] = status === 'active' || status === 'suspended' ? 1 : 0;
        patronOptIn[p] = optIn ? 1 : 0;
        patronCat[p] = cat;
        patronBirth.push(birth);
        const at = iso(reg);
        patronRows.push([
          id,
          tenantId,
          ref.cats[cat],
          name,
          reading,
          birth,
          postal,
          address,
          phone,
          email,
          residency,
          status,
          jstDate(Math.min(expires, todayMidnight + 3 * 365 * DAY)),
          optIn,
          ref.locs[home],
          status !== 'deleted' && myLibrary.chance(MY_LIBRARY_SHARE) ? sharedHash : null,
          at,
          at,
        ]);
        // 5% were reissued a card once (lost or replaced); the old barcode is kept, blocked
        if (rng.chance(0.05)) {
          const reissue = reg + rng.next() * (now - reg);
          cardRows.push([
            randomUUID(),
            tenantId,
            id,
            patronBarcode(replacedSerial++),
            rng.pick(['lost', 'replaced']),
            at,
          ]);
          cardRows.push([randomUUID(), tenantId, id, patronBarcode(p + 1), 'active', iso(reissue)]);
        } else {
          cardRows.push([randomUUID(), tenantId, id, patronBarcode(p + 1), 'active', at]);
        }
      }
      await phase('patrons+cards', () =>
        db.transaction(async (tx) => {
          await bulkInsert(tx, 'patrons', PATRON_COLUMNS, patronRows, batch);
          await bulkInsert(tx, 'patron_cards', CARD_COLUMNS, cardRows, batch);
        }),
      );
      progress('patrons', patronRows.length);
      progress('patron_cards', cardRows.length);
    }
  }

  // --- five years of loans, simulated in time order --------------------------------------------
  const rng = root.fork('loans');
  const L = target.loans;
  const loanAt = new Float64Array(L);
  {
    // open days of the five years, weighted: weekends and the summer holidays are busier
    const days: number[] = [];
    const cum: number[] = [];
    let total = 0;
    for (let d = fiveYearsAgo; d < todayMidnight; d += DAY) {
      if (isClosed(d)) continue;
      const wd = jstWeekday(d);
      const month = new Date(d + JST).getUTCMonth() + 1;
      total += (wd >= 6 ? 1.5 : 1) * (month === 8 ? 1.3 : 1);
      days.push(d);
      cum.push(total);
    }
    for (let i = 0; i < L; i++) {
      const r = rng.next() * total;
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      const d = days[lo]!;
      const hours = jstWeekday(d) >= 6 ? 7 : 9;
      loanAt[i] = d + 10 * 3_600_000 + rng.next() * hours * 3_600_000;
    }
    loanAt.sort();
  }
  const loanItem = new Int32Array(L).fill(-1);
  const loanPatron = new Int32Array(L);
  const loanReturn = new Float64Array(L); // NaN: still on loan
  const loanLoc = new Uint8Array(L);
  const loanRenewed = new Uint8Array(L);
  {
    const busyUntil = new Float64Array(nItems);
    for (let i = 0; i < nItems; i++) busyUntil[i] = itemLoanable[i] ? itemAcq[i]! : Number.POSITIVE_INFINITY;
    const itemRank = rng.permutation(nItems);
    const patronRank = rng.permutation(nPatrons);
    const activeCount = new Uint8Array(nPatrons);
    for (let l = 0; l < L; l++) {
      const t = loanAt[l]!;
      const days = rng.weighted([
        [rng.range(0, 3), 8],
        [rng.range(4, 14), 62],
        [rng.range(15, 28), 18],
        [rng.range(29, 60), 10],
        [rng.range(61, 180), 2],
      ]);
      const back = t + days * DAY + (rng.next() - 0.5) * 6 * 3_600_000;
      const ret = Math.max(back, t + 600_000);
      const active = ret >= now;
      // popular items and heavy readers: a skewed pick over a shuffled ranking, then the next free one
      let r = Math.floor(nItems * rng.next() ** 2.2);
      let item = -1;
      for (let k = 0; k < nItems; k++, r = r + 1 === nItems ? 0 : r + 1) {
        const cand = itemRank[r]!;
        if (busyUntil[cand]! <= t) {
          item = cand;
          break;
        }
      }
      if (item < 0) continue;
      let q = Math.floor(nPatrons * rng.next() ** 1.5);
      let patron = -1;
      for (let k = 0; k < nPatrons; k++, q = q + 1 === nPatrons ? 0 : q + 1) {
        const cand = patronRank[q]!;
        // a loan still out at `now` needs a patron who may borrow and has fewer than 10 out
        if (patronReg[cand]! <= t && (!active || (patronCanBorrow[cand] && activeCount[cand]! < 10))) {
          patron = cand;
          break;
        }
      }
      if (patron < 0) continue;
      busyUntil[item] = active ? Number.POSITIVE_INFINITY : ret;
      if (active) activeCount[patron] = activeCount[patron]! + 1;
      loanItem[l] = item;
      loanPatron[l] = patron;
      loanReturn[l] = active ? Number.NaN : ret;
      loanLoc[l] =
        patronCat[patron] === 3
          ? 4
          : rng.weighted([
              [0, 90],
              [1, 2],
              [2, 4.5],
              [3, 3.5],
            ] as const);
      const type = MATERIAL_CODES[itemType[item]!]!;
      loanRenewed[l] =
        days > 14 && days <= 42 && type !== 'magazine' && type !== 'cd' && type !== 'dvd' && rng.chance(0.55)
          ? 1
          : 0;
    }
  }

  const activeItems: number[] = [];
  for (let l0 = 0; l0 < L; ) {
    const loanRows: Cell[][] = [];
    const eventRows: Cell[][] = [];
    for (; l0 < L && loanRows.length < batch; l0++) {
      const item = loanItem[l0]!;
      if (item < 0) continue;
      const patron = loanPatron[l0]!;
      const t = loanAt[l0]!;
      const ret = loanReturn[l0]!;
      const returned = !Number.isNaN(ret);
      const renewed = loanRenewed[l0]!;
      const loc = ref.locs[loanLoc[l0]!];
      const due = openOnOrAfter(jstMidnight(t) + (14 + 14 * renewed) * DAY);
      const retLoc = returned ? ref.locs[rng.chance(0.9) ? 0 : loanLoc[l0]!] : null;
      if (!returned) activeItems.push(item);
      loanRows.push([
        randomUUID(),
        tenantId,
        itemId[item],
        // privacy (図書館の自由に関する宣言 §3): the link is erased on return unless opted in
        !returned || patronOptIn[patron] ? patronId[patron] : null,
        loc,
        iso(t),
        jstDate(due),
        returned ? iso(ret) : null,
        retLoc,
        renewed,
      ]);
      const typeCode = MATERIAL_CODES[itemType[item]!]!;
      const catCode = ref.catCodes[patronCat[patron]!]!;
      const ndc = itemNdc[item]!;
      const birth = patronBirth[patron]!;
      const event = (kind: string, at: number, location: string) =>
        eventRows.push([
          randomUUID(),
          tenantId,
          kind,
          iso(at),
          location,
          typeCode,
          catCode,
          ageBand(birth, jstDate(at)),
          ndc,
        ]);
      event('checkout', t, loc!);
      if (renewed) {
        const at = t + 13 * DAY + rng.next() * DAY;
        if (at < now && (!returned || at < ret)) event('renew', at, loc!);
      }
      if (returned) event('return', ret, retLoc!);
    }
    await phase('loans+events', () =>
      db.transaction(async (tx) => {
        await bulkInsert(tx, 'loans', LOAN_COLUMNS, loanRows, batch);
        await bulkInsert(tx, 'circulation_events', EVENT_COLUMNS, eventRows, batch);
      }),
    );
    progress('loans', loanRows.length);
    progress('circulation_events', eventRows.length);
  }

  // items still on loan
  await phase('loans+events', () =>
    db.transaction(async (tx) => {
      for (let i = 0; i < activeItems.length; i += batch) {
        const ids = activeItems.slice(i, i + batch).map((n) => itemId[n]!);
        await tx.execute(
          sql`update items set status = 'onLoan' where tenant_id = ${tenantId} and id = any(${arrayLiteral(ids)}::text::uuid[])`,
        );
      }
    }),
  );

  // --- open holds: titles now on loan, queued by other patrons ---------------------------------
  {
    const hrng = root.fork('holds');
    const holdRows: Cell[][] = [];
    const borrowers: number[] = [];
    for (let p = 0; p < nPatrons; p++) if (patronCanBorrow[p] && patronCat[p] !== 3) borrowers.push(p);
    const n = Math.min(target.openHolds, activeItems.length * 2);
    for (let h = 0; h < n && borrowers.length; h++) {
      const item = activeItems[hrng.int(activeItems.length)]!;
      const placed = now - hrng.next() * 40 * DAY;
      holdRows.push([
        randomUUID(),
        tenantId,
        bibIds[itemBib[item]!],
        patronId[hrng.pick(borrowers)],
        ref.locs[
          hrng.weighted([
            [0, 85],
            [2, 8],
            [3, 7],
          ] as const)
        ],
        'title',
        'requested',
        hrng.weighted([
          ['email', 45],
          ['phone', 40],
          ['none', 15],
        ] as const),
        iso(placed),
        hrng.chance(0.2) ? jstDate(now + hrng.range(30, 120) * DAY) : null,
      ]);
    }
    await phase('holds', () =>
      db.transaction((tx) => bulkInsert(tx, 'holds', HOLD_COLUMNS, holdRows, batch)),
    );
    progress('holds', holdRows.length);
  }

  return { tenantId, rows, phases, ms: performance.now() - started };
}

/** Rows of one tenant per table, counted in the database. */
export async function countTenantRows(db: Db, tenantId: string): Promise<Record<string, number>> {
  const tables = [
    'bib_records',
    'items',
    'patrons',
    'patron_cards',
    'loans',
    'circulation_events',
    'holds',
    'locations',
    'material_types',
    'patron_categories',
    'loan_rules',
    'staff_users',
    'roles',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await db.execute(
      sql`select count(*)::int as n from ${sql.raw(`"${t}"`)} where tenant_id = ${tenantId}`,
    );
    out[t] = Number(resultRows<{ n: number }>(r)[0]?.n ?? 0);
  }
  return out;
}

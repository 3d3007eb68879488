import { isDeepStrictEqual } from 'node:util';
import { parseIsbn } from '@bunko/protocols';
import { and, eq, ne, or } from 'drizzle-orm';
import { iso6392 } from 'iso-639-2';
import type { Tx } from '../../db/client.ts';
import {
  type Author,
  bibRecords,
  materialTypes,
  type OtherTitle,
  type Subject,
} from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError, IssueList } from '../errors.ts';
import { foldToKatakana } from '../kana.ts';
import { recordOperation } from '../oplog/record.ts';
import { getBib } from './get-bib.ts';
import { refreshBibSearch } from './reindex-search.ts';

/** Every field of the bibliographic model a cataloguer edits (書誌). */
export type BibInput = {
  title: string;
  titleReading?: string;
  otherTitles?: OtherTitle[];
  authors?: Author[];
  /** 責任表示 as printed: 萩野正昭 著 */
  responsibility?: string;
  edition?: string;
  publisher?: string;
  pubPlace?: string;
  pubDate?: string;
  pubYear?: number | null;
  extent?: string;
  /** ISBN-10 or -13, hyphens allowed; stored as ISBN-13 (and its ISBN-10) */
  isbn?: string | null;
  ndc?: string | null;
  /** material type code (book, picture, dvd …) */
  materialType?: string | null;
  seriesTitle?: string | null;
  volume?: string | null;
  /** ISO 639-2 code: jpn, eng … */
  language?: string;
  subjects?: Subject[];
  notes?: string[];
  summary?: string;
  trcNumber?: string | null;
  jpNumber?: string | null;
  sourceIds?: Record<string, string>;
};

/** ISO 639-2 codes, bibliographic (jpn, chi) and terminologic (zho) alike; MARC 008 uses the former. */
const LANGUAGES = new Set(iso6392.flatMap((l) => [l.iso6392B, l.iso6392T ?? l.iso6392B]));

/** The messages a cataloguer sees beside a field: Japanese / English. */
const BIB_MESSAGES = {
  reading:
    'ヨミはカタカナで入力してください(ひらがなはカタカナに直します。漢字は使えません) / a reading in katakana (hiragana is converted; no kanji)',
  isbnCheck: 'ISBNのチェックデジットが合いません / the ISBN check digit is wrong',
  isbn: 'ISBNは10桁か13桁(978・979で始まる)で入力してください / an ISBN-10 or ISBN-13 (978/979…)',
  ndc: 'NDCは3桁の数字(例 913.6)で入力してください / an NDC class of three digits, such as 913.6',
  language:
    'ISO 639-2 の3文字の言語コード(例 jpn, eng)で入力してください / a three-letter ISO 639-2 code such as jpn',
  year: (max: number) => `出版年は1000〜${max}の西暦で入力してください / a year from 1000 to ${max}`,
  materialType: (code: string) =>
    `この図書館の資料種別にありません: ${code} / not one of this library's material types: ${code}`,
} as const;

/** Readings may hold katakana, Latin letters, digits and signs; no kanji, and hiragana is folded. */
const NOT_A_READING = /[\p{Script=Han}\p{Script=Hiragana}]/u;

/** A reading folded to katakana, or an issue at its path. */
function reading(issues: IssueList, path: string, raw: string): string {
  const kana = foldToKatakana(raw);
  issues.add(path, BIB_MESSAGES.reading, NOT_A_READING.test(kana));
  return kana;
}

/** Each entry with its reading folded (and dropped when empty). */
function withReadings<T extends { reading?: string }>(issues: IssueList, path: string, list: T[]): T[] {
  return list.map((entry, i) => {
    const { reading: raw, ...rest } = entry;
    const kana = raw === undefined ? '' : reading(issues, `${path}.${i}.reading`, raw);
    return (kana ? { ...rest, reading: kana } : rest) as T;
  });
}

type Columns = Partial<typeof bibRecords.$inferInsert>;

/**
 * The column values of the given input fields: readings folded to katakana, the ISBN as ISBN-13 with
 * its ISBN-10, the material type's id. Every refused field is reported at once, nothing is written.
 */
async function columnsOf(tx: Tx, ctx: Ctx, input: Partial<BibInput>): Promise<Columns> {
  const {
    isbn,
    materialType,
    titleReading,
    authors,
    otherTitles,
    subjects,
    ndc,
    language,
    pubYear,
    ...rest
  } = input;
  const out: Columns = { ...rest };
  const issues = new IssueList();
  if (titleReading !== undefined) out.titleReading = reading(issues, 'titleReading', titleReading);
  if (authors) out.authors = withReadings(issues, 'authors', authors);
  if (otherTitles) out.otherTitles = withReadings(issues, 'otherTitles', otherTitles);
  if (subjects) out.subjects = withReadings(issues, 'subjects', subjects);
  if (isbn !== undefined) {
    const typed = isbn?.trim() ?? '';
    const parsed = typed ? parseIsbn(typed) : null;
    if (parsed && !parsed.ok)
      issues.add('isbn', parsed.reason === 'badCheckDigit' ? BIB_MESSAGES.isbnCheck : BIB_MESSAGES.isbn);
    out.isbn = parsed?.ok ? parsed.isbn13 : null;
    out.isbn10 = parsed?.ok ? parsed.isbn10 : null;
  }
  if (ndc !== undefined) {
    const code = ndc?.normalize('NFKC').trim() ?? '';
    issues.add('ndc', BIB_MESSAGES.ndc, code !== '' && !/^\d{3}(\.\d+)?$/.test(code));
    out.ndc = code || null;
  }
  if (language !== undefined) {
    const code = language.normalize('NFKC').trim().toLowerCase();
    issues.add('language', BIB_MESSAGES.language, !LANGUAGES.has(code));
    out.language = code;
  }
  if (pubYear !== undefined) {
    // a forthcoming book may carry next year
    const max = ctx.now().getUTCFullYear() + 1;
    issues.add('pubYear', BIB_MESSAGES.year(max), pubYear !== null && (pubYear < 1000 || pubYear > max));
    out.pubYear = pubYear;
  }
  if (materialType !== undefined) {
    if (materialType === null || materialType === '') out.materialTypeId = null;
    else {
      const [row] = await tx
        .select({ id: materialTypes.id })
        .from(materialTypes)
        .where(and(eq(materialTypes.tenantId, ctx.tenantId), eq(materialTypes.code, materialType)));
      issues.add('materialType', BIB_MESSAGES.materialType(materialType), !row);
      out.materialTypeId = row?.id ?? null;
    }
  }
  issues.throwIfAny();
  return out;
}

/** The model's field a column belongs to (the ISBN-10 goes with the ISBN). */
const FIELD_OF: Record<string, string> = { materialTypeId: 'materialType', isbn10: 'isbn' };
const fieldNames = (columns: string[]) => [...new Set(columns.map((c) => FIELD_OF[c] ?? c))].sort();
const isEmpty = (v: unknown) =>
  v === null ||
  v === '' ||
  (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && !Object.keys(v!).length);

/** TRC and JP numbers identify one record per tenant (MARC import matches on them). */
async function assertSourceIdsFree(tx: Tx, tenantId: string, v: Partial<BibInput>, exceptId?: string) {
  const conds = [
    v.trcNumber ? eq(bibRecords.trcNumber, v.trcNumber) : undefined,
    v.jpNumber ? eq(bibRecords.jpNumber, v.jpNumber) : undefined,
  ].filter((c) => c !== undefined);
  if (conds.length === 0) return;
  const [other] = await tx
    .select({ id: bibRecords.id, trc: bibRecords.trcNumber })
    .from(bibRecords)
    .where(
      and(
        eq(bibRecords.tenantId, tenantId),
        or(...conds),
        exceptId ? ne(bibRecords.id, exceptId) : undefined,
      ),
    )
    .limit(1);
  if (other) {
    const path = other.trc && other.trc === v.trcNumber ? 'trcNumber' : 'jpNumber';
    throw new AppError('duplicate', `another record (${other.id}) has this ${path}`, [
      { path, message: `already on record ${other.id}` },
    ]);
  }
}

export async function createBib(ctx: Ctx, input: BibInput) {
  requirePermission(ctx, 'catalog.write');
  const id = await inTx(ctx, async (tx) => {
    const values = await columnsOf(tx, ctx, input);
    await assertSourceIdsFree(tx, ctx.tenantId, input);
    const [row] = await tx
      .insert(bibRecords)
      .values({ ...values, title: input.title, tenantId: ctx.tenantId })
      .returning({ id: bibRecords.id });
    await refreshBibSearch(tx, ctx.tenantId, [row!.id]);
    await recordOperation(tx, ctx, {
      action: 'bib.create',
      targetType: 'bib',
      targetId: row!.id,
      details: {
        fields: fieldNames(Object.keys(values).filter((k) => !isEmpty(values[k as keyof Columns]))),
      },
    });
    return row!.id;
  });
  return getBib(ctx, id);
}

/**
 * Change the given fields of a record of this tenant; another tenant's id is simply not found. The
 * operation log names the fields whose value changed; a save that changes nothing writes nothing.
 */
export async function updateBib(ctx: Ctx, id: string, patch: Partial<BibInput>) {
  requirePermission(ctx, 'catalog.write');
  await inTx(ctx, async (tx) => {
    const [before] = await tx
      .select()
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, id)))
      .for('update');
    if (!before) throw new AppError('notFound');
    const values = await columnsOf(tx, ctx, patch);
    await assertSourceIdsFree(tx, ctx.tenantId, patch, id);
    const changed = (Object.keys(values) as (keyof Columns)[]).filter(
      (k) => !isDeepStrictEqual(values[k] ?? null, before[k as keyof typeof before] ?? null),
    );
    if (changed.length === 0) return;
    await tx
      .update(bibRecords)
      .set({ ...Object.fromEntries(changed.map((k) => [k, values[k]])), updatedAt: ctx.now() })
      .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, id)));
    await refreshBibSearch(tx, ctx.tenantId, [id]);
    await recordOperation(tx, ctx, {
      action: 'bib.update',
      targetType: 'bib',
      targetId: id,
      details: { fields: fieldNames(changed) },
    });
  });
  return getBib(ctx, id);
}

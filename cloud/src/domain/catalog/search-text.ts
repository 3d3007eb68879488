import { isbn10To13 } from '@bunko/protocols';
import { KANJI_VARIANTS } from './kanji-variants.ts';

/**
 * Japanese search text: one normalisation applied to records and queries alike, and the n-grams the
 * GIN index on bib_records.search_grams is built from.
 *
 * What lands in search_grams (a text[]):
 * - keyword grams, unprefixed: every unigram and bigram of every searchable value ("沖", "沖縄");
 * - field grams, prefixed: "t:" title/reading/series, "a:" authors and their readings,
 *   "p:" publisher, "s:" subjects ("t:沖縄");
 * - "i:" + ISBN-13, "n:" + each NDC prefix ("n:9", "n:91", "n:913", "n:913.6");
 * - the normalised values themselves, "t=沖縄ノ海", used to verify matches of three or more
 *   characters (bigrams alone give false positives) and for exact / prefix (前方一致) matching;
 * - a version marker, so records indexed by an older normalisation can be found and reindexed;
 * - two sort buckets, "~y2019" (publication year) and "~r12" (where the title reading falls in
 *   五十音順), so the first page of a large hit set in newest or reading order is found bucket by
 *   bucket in the index (search-bibs.ts) instead of by sorting every hit.
 * Normalised text never contains ":", "=" or "~" (punctuation and symbols are removed), so these
 * kinds cannot collide.
 */

export const SEARCH_INDEX_VERSION = '~v2';

/** Years below / above these share the end buckets (order within a bucket is the database's sort). */
export const YEAR_BUCKET_MIN = 1800;
export const YEAR_BUCKET_MAX = 2100;

/** The sort bucket of a publication year: one per year, the ends clamped, "~y-" for none. */
export function yearBucket(year: number | null | undefined): string {
  if (year === null || year === undefined) return '~y-';
  return `~y${Math.min(Math.max(Math.trunc(year), YEAR_BUCKET_MIN), YEAR_BUCKET_MAX)}`;
}

/** how many reading buckets there are: readingBucket returns 0 … READING_BUCKETS - 1 */
export const READING_BUCKETS = 204;

/**
 * The sort bucket of a title reading, by its first code point, never decreasing in the order the
 * database sorts readings (collate "C", code points): 0 for an empty reading, 1–8 for ASCII in
 * sixteens, 9 for the rest below the kana, 10–201 one per hiragana and katakana code point
 * (U+3040–U+30FF), 202 for the rest of the BMP, 203 above it.
 */
export function readingBucket(reading: string | null | undefined): number {
  const c = reading ? reading.codePointAt(0)! : -1;
  if (c < 0) return 0;
  if (c < 0x80) return 1 + (c >> 4);
  if (c < 0x3040) return 9;
  if (c <= 0x30ff) return 10 + (c - 0x3040);
  return c <= 0xffff ? 202 : 203;
}

export const readingBucketToken = (bucket: number) => `~r${bucket}`;

export type SearchField = 'title' | 'author' | 'publisher' | 'subject';
export const FIELD_CODE: Record<SearchField, string> = {
  title: 't',
  author: 'a',
  publisher: 'p',
  subject: 's',
};

/** small kana → full size (readings are often written with full-size kana: キヤノン / キャノン) */
const SMALL_KANA: Record<string, string> = {
  ァ: 'ア',
  ィ: 'イ',
  ゥ: 'ウ',
  ェ: 'エ',
  ォ: 'オ',
  ッ: 'ツ',
  ャ: 'ヤ',
  ュ: 'ユ',
  ョ: 'ヨ',
  ヮ: 'ワ',
  ヵ: 'カ',
  ヶ: 'ケ',
  ㇰ: 'ク',
  ㇱ: 'シ',
  ㇲ: 'ス',
  ㇳ: 'ト',
  ㇴ: 'ヌ',
  ㇵ: 'ハ',
  ㇶ: 'ヒ',
  ㇷ: 'フ',
  ㇸ: 'ヘ',
  ㇹ: 'ホ',
  ㇺ: 'ム',
  ㇻ: 'ラ',
  ㇼ: 'リ',
  ㇽ: 'ル',
  ㇾ: 'レ',
  ㇿ: 'ロ',
  // obsolete kana in old readings
  ヰ: 'イ',
  ヱ: 'エ',
};

/**
 * Removed: punctuation, separators, controls, symbols (so "・", "、", "〜", "-" and spaces do not
 * matter), and the long-vowel mark ー (コンピューター = コンピュータ; readings often drop it or
 * write it as a hyphen). "+" and "#" stay so "C++" and "C#" are not just "c".
 */
const DROP = /[\p{P}\p{Z}\p{C}\p{S}ー]/u;
const KEEP = new Set(['+', '#']);

function foldChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  // hiragana → katakana (ぁ..ゖ, and the iteration marks ゝゞ)
  if ((code >= 0x3041 && code <= 0x3096) || code === 0x309d || code === 0x309e)
    ch = String.fromCodePoint(code + 0x60);
  return SMALL_KANA[ch] ?? KANJI_VARIANTS.get(ch) ?? ch;
}

/** each character's folded form, learnt as characters are met (the per-character tests are the cost) */
const FOLDED = new Map<string, string>();
const COMBINING_MARK = /[\u3099\u309a]/;

/**
 * The form records and queries are compared in: NFKC (full/half width, ｶﾀｶﾅ), lower case,
 * hiragana → katakana, small kana → full size, old/variant kanji → common forms (國 → 国),
 * and no spaces, punctuation, symbols or long-vowel marks.
 */
export function normalizeForSearch(text: string): string {
  let nfkc = text.normalize('NFKC');
  // a spacing ゛/゜ becomes " ゙" under NFKC: join it to its kana again
  if (COMBINING_MARK.test(nfkc)) nfkc = nfkc.replace(/\s*([\u3099\u309a])/g, '$1').normalize('NFC');
  nfkc = nfkc.toLowerCase();
  let out = '';
  for (const ch of nfkc) {
    let folded = FOLDED.get(ch);
    if (folded === undefined) {
      folded = KEEP.has(ch) ? ch : DROP.test(ch) ? '' : foldChar(ch);
      if (FOLDED.size < 50_000) FOLDED.set(ch, folded);
    }
    out += folded;
  }
  // stray combining marks (a dakuten with nothing to join) carry no meaning on their own
  return COMBINING_MARK.test(out) ? out.replace(/[\u3099\u309a]/g, '') : out;
}

/** Unigrams and bigrams of already-normalised text, by code point (so 𠮷 is one character). */
export function ngrams(normalized: string): string[] {
  const chars = [...normalized];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    out.push(chars[i]!);
    if (i + 1 < chars.length) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/**
 * The grams a query term must all be present for: its single character, or its bigrams (enough to
 * find every record containing it; terms of three or more characters are then verified).
 */
export function queryGrams(normalized: string, prefix = ''): string[] {
  const chars = [...normalized];
  if (chars.length === 1) return [prefix + chars[0]];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(prefix + chars[i]! + chars[i + 1]!);
  return [...out];
}

/** Unigrams and bigrams of `text` after normalisation, prefixed by field ("t:" …, '' for keyword). */
export function gramsOf(text: string, prefix = ''): string[] {
  return ngrams(normalizeForSearch(text)).map((g) => prefix + g);
}

/** ISBN as stored in the index: ISBN-13 digits, whatever form the record carries; null if not an ISBN. */
export function isbnKey(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const code = raw.normalize('NFKC').replace(/[-\s]/g, '').toUpperCase();
  if (/^97[89]\d{10}$/.test(code)) return code;
  if (/^\d{9}[\dX]$/.test(code)) return isbn10To13(code);
  return null;
}

/** NDC as indexed: "913.6" → ["9", "91", "913", "913.6"], so ndc:91 is a prefix search via the index. */
export function ndcKeys(raw: string | null | undefined): string[] {
  const ndc = (raw ?? '').normalize('NFKC').trim();
  if (!/^\d{1,3}(\.\d+)?$/.test(ndc)) return [];
  const out: string[] = [];
  for (let i = 1; i <= ndc.length; i++) if (ndc[i - 1] !== '.') out.push(ndc.slice(0, i));
  return out;
}

/** What the index is built from; later catalogue fields (subjects, other titles) are optional. */
export type SearchableBib = {
  title: string;
  /** required (with the year) so no caller leaves a record in the wrong sort bucket */
  titleReading: string | null | undefined;
  pubYear: number | null | undefined;
  otherTitles?: readonly (string | null | undefined | { title: string; reading?: string | null })[] | null;
  seriesTitle?: string | null;
  seriesReading?: string | null;
  authors?: readonly { name: string; reading?: string | null }[] | null;
  publisher?: string | null;
  subjects?: readonly (string | null | undefined | { term: string; reading?: string | null })[] | null;
  isbn?: string | null;
  ndc?: string | null;
};

/** Values longer than this are cut in their "=" element (GIN keys must stay well under 2.7 kB). */
const MAX_VALUE_CHARS = 300;

/** The search_grams array of a bibliographic record. */
export function bibSearchGrams(bib: SearchableBib): string[] {
  const values: Record<string, (string | null | undefined)[]> = {
    t: [
      bib.title,
      bib.titleReading,
      bib.seriesTitle,
      bib.seriesReading,
      ...(bib.otherTitles ?? []).flatMap((o) => (o && typeof o === 'object' ? [o.title, o.reading] : [o])),
    ],
    a: (bib.authors ?? []).flatMap((a) => [a.name, a.reading]),
    p: [bib.publisher],
    s: (bib.subjects ?? []).flatMap((o) => (o && typeof o === 'object' ? [o.term, o.reading] : [o])),
  };
  const texts = new Set<string>();
  const fieldGrams = new Set<string>();
  const keyword = new Set<string>();
  for (const [code, list] of Object.entries(values)) {
    for (const raw of list) {
      if (!raw) continue;
      const norm = normalizeForSearch(raw);
      if (!norm) continue;
      const chars = [...norm];
      texts.add(
        `${code}=${chars.length > MAX_VALUE_CHARS ? chars.slice(0, MAX_VALUE_CHARS).join('') : norm}`,
      );
      // ngrams(norm), inlined: this runs for every value of every record a MARC import reads
      const prefix = `${code}:`;
      for (let i = 0; i < chars.length; i++) {
        const uni = chars[i]!;
        keyword.add(uni);
        fieldGrams.add(prefix + uni);
        if (i + 1 < chars.length) {
          const bi = uni + chars[i + 1]!;
          keyword.add(bi);
          fieldGrams.add(prefix + bi);
        }
      }
    }
  }
  const isbn = isbnKey(bib.isbn);
  return [
    SEARCH_INDEX_VERSION,
    yearBucket(bib.pubYear),
    readingBucketToken(readingBucket(bib.titleReading)),
    ...texts,
    ...(isbn ? [`i:${isbn}`] : []),
    ...ndcKeys(bib.ndc).map((n) => `n:${n}`),
    ...fieldGrams,
    ...keyword,
  ];
}

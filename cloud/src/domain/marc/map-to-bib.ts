import { parseIsbn } from '@bunko/protocols';
import type { Author, OtherTitle, Subject } from '../../db/schema/catalog.ts';
import type { BibFields } from './bib-fields.ts';
import type { Mapping, MappingRule, MappingTarget } from './mapping.ts';
import { type DataField, type Field, isControlField, type MarcRecord } from './record.ts';

type Extracted = { value: string; reading?: string; role?: string; scheme?: string };

/** ISBD punctuation a cataloguer ends an element with (" /", " :", " ;", ",", "."), not part of the value. */
export const trimIsbd = (s: string) => s.replace(/[\s/:;,=.]+$/u, '').replace(/^[\s:;,=]+/u, '');

const KANA_READING = /^[\p{Script=Katakana}ー・\s\p{P}\p{S}0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+$/u;
const HAS_KATAKANA = /\p{Script=Katakana}/u;
const HAS_CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const isReading = (s: string) => KANA_READING.test(s) && HAS_KATAKANA.test(s);

const SCHEME_BY_IND2: Record<string, string> = {
  '0': 'lcsh',
  '1': 'lcshac',
  '2': 'mesh',
  '3': 'nal',
  '5': 'cash',
  '6': 'rvm',
};

/**
 * The fields linked to `field` by $6 (880-01 ↔ 245-01/$1) whose script code is `script`, or that
 * carry no script code at all (many libraries write just 245-01).
 */
function linked880(byTag: FieldsByTag, field: DataField, script: string | undefined): DataField[] {
  const link = field.subfields.find((s) => s.code === '6')?.value;
  const m = link && /^880-(\d{2})/.exec(link);
  if (!m) return [];
  return (byTag.get('880') ?? []).filter((f): f is DataField => {
    if (isControlField(f)) return false;
    const six = f.subfields.find((s) => s.code === '6')?.value ?? '';
    const [head, sc] = six.split('/');
    return head === `${field.tag}-${m[1]}` && (script === undefined || sc === undefined || sc === script);
  });
}

/**
 * The non-sorting marks UNIMARC (ISO 6630) puts around a leading article ("\x88L'\x89altra …"),
 * NSB/NSE and the SOS/ST pair some systems use instead: control characters, not text.
 */
const NON_SORTING = /[\u0088\u0089\u0098\u009c]/gu;
const textOf = (value: string) => value.replace(NON_SORTING, '');

function joinSubfields(field: DataField, codes: string, separator?: string): string {
  const parts = field.subfields.filter((s) => codes.includes(s.code)).map((s) => textOf(s.value));
  if (separator !== undefined) return parts.map(trimIsbd).filter(Boolean).join(separator);
  return trimIsbd(parts.join(' ').replace(/\s+/g, ' ').trim());
}

/** A record's fields by tag, in record order: every rule reads only its own tag's fields. */
type FieldsByTag = Map<string, Field[]>;
function fieldsByTag(record: MarcRecord): FieldsByTag {
  const byTag: FieldsByTag = new Map();
  for (const f of record.fields) {
    const list = byTag.get(f.tag);
    if (list) list.push(f);
    else byTag.set(f.tag, [f]);
  }
  return byTag;
}

/** each rule's `when` pattern, compiled once */
const WHEN = new WeakMap<MappingRule, RegExp>();
const whenPattern = (rule: MappingRule & { when: { pattern: string } }) => {
  let re = WHEN.get(rule);
  if (!re) {
    re = new RegExp(rule.when.pattern);
    WHEN.set(rule, re);
  }
  return re;
};

function extract(byTag: FieldsByTag, rule: MappingRule, mapping: Mapping): Extracted[] {
  const out: Extracted[] = [];
  for (const f of byTag.get(rule.tag) ?? []) {
    if (isControlField(f)) {
      const v = rule.positions ? f.value.slice(rule.positions[0], rule.positions[1]) : f.value;
      if (v.trim()) out.push({ value: v.trim() });
      continue;
    }
    if (rule.ind1 !== undefined && f.ind1 !== rule.ind1) continue;
    if (rule.ind2 !== undefined && f.ind2 !== rule.ind2) continue;
    if (rule.when) {
      const re = whenPattern(rule as MappingRule & { when: { pattern: string } });
      if (!f.subfields.some((s) => s.code === rule.when!.subfield && re.test(s.value))) continue;
    }
    const codes = rule.subfields ?? 'a';
    const listed = f.subfields.filter((s) => codes.includes(s.code));
    const values = rule.positions
      ? listed.map((s) => s.value.slice(rule.positions![0], rule.positions![1]).trim())
      : rule.each
        ? listed.map((s) => trimIsbd(textOf(s.value)))
        : [joinSubfields(f, codes, rule.separator)];
    for (let value of values) {
      if (rule.prefix !== undefined) {
        if (!value.startsWith(rule.prefix)) continue;
        value = value.slice(rule.prefix.length).trim();
      }
      let reading = rule.readingSubfields ? joinSubfields(f, rule.readingSubfields) : '';
      if (!rule.each && !rule.readingSubfields && mapping.readingScript !== undefined) {
        for (const alt of linked880(byTag, f, mapping.readingScript)) {
          const v = joinSubfields(alt, codes, rule.separator);
          // a romanised heading with its vernacular form in 880 (as US libraries catalogue): use the
          // vernacular, which is its own reading when written in katakana only (エコノミスト)
          if (HAS_CJK.test(v) && !HAS_CJK.test(value)) {
            value = v;
            if (isReading(v)) reading = v;
          } else if (isReading(v) && v !== value) reading = v;
        }
      }
      const e: Extracted = { value: value && rule.label ? rule.label + value : value };
      if (reading) e.reading = reading;
      if (rule.roleSubfields) {
        const role = joinSubfields(f, rule.roleSubfields);
        if (role) e.role = role;
      }
      const scheme = f.subfields.find((s) => s.code === '2')?.value ?? SCHEME_BY_IND2[f.ind2];
      if (scheme) e.scheme = scheme;
      if (value) out.push(e);
    }
  }
  return out;
}

export class MappingRejection extends Error {}

/**
 * Turn a MARC record into bibliographic fields with a mapping table. Returns warnings for what was
 * present but unusable (an invalid ISBN); throws MappingRejection when the record cannot become a
 * bib at all (no title).
 */
export function mapToBib(record: MarcRecord, mapping: Mapping): { bib: BibFields; warnings: string[] } {
  const warnings: string[] = [];
  const byTag = fieldsByTag(record);
  const all = (target: MappingTarget) =>
    (mapping.fields[target] ?? []).flatMap((r) => extract(byTag, r, mapping));
  /** the first value of the first rule that yields one (all(target)[0], without reading the rest) */
  const first = (target: MappingTarget) => {
    for (const r of mapping.fields[target] ?? []) {
      const [value] = extract(byTag, r, mapping);
      if (value) return value;
    }
    return undefined;
  };
  const text = (target: MappingTarget) => first(target)?.value ?? '';

  const title = first('title');
  if (!title)
    throw new MappingRejection(
      `no title (${(mapping.fields.title ?? []).map((r) => r.tag).join(' or ') || 'no title rule'})`,
    );

  const otherTitles: OtherTitle[] = [];
  const seen = new Set([title.value]);
  const addTitles = (kind: OtherTitle['kind'], list: Extracted[]) => {
    for (const t of list) {
      if (seen.has(t.value)) continue;
      seen.add(t.value);
      otherTitles.push(t.reading ? { kind, title: t.value, reading: t.reading } : { kind, title: t.value });
    }
  };
  addTitles('parallel', all('parallelTitles'));
  addTitles('alternative', all('alternativeTitles'));
  addTitles('contents', all('contentsTitles'));

  const authors: Author[] = all('authors').map((a) => ({
    name: a.value,
    ...(a.reading ? { reading: a.reading } : {}),
    ...(a.role ? { role: a.role } : {}),
  }));
  const subjects: Subject[] = [];
  for (const s of all('subjects')) {
    if (subjects.some((x) => x.term === s.value && x.scheme === s.scheme)) continue;
    subjects.push({
      term: s.value,
      ...(s.reading ? { reading: s.reading } : {}),
      ...(s.scheme ? { scheme: s.scheme } : {}),
    });
  }

  let isbn: string | null = null;
  let isbn10: string | null = null;
  for (const raw of all('isbn')) {
    const candidate = /[0-9][0-9Xx-]{8,16}/.exec(raw.value)?.[0];
    const parsed = candidate ? parseIsbn(candidate) : null;
    if (parsed?.ok) {
      isbn = parsed.isbn13;
      isbn10 = parsed.isbn10;
      break;
    }
    warnings.push(`ISBN "${raw.value}" is not valid; not stored`);
  }

  const pubDate = text('pubDate');
  const yearText = text('pubYear');
  const pubYear = /^[0-9]{4}$/.test(yearText)
    ? Number(yearText)
    : /(?:^|\D)([12][0-9]{3})(?:\D|$)/.exec(pubDate)
      ? Number(/(?:^|\D)([12][0-9]{3})(?:\D|$)/.exec(pubDate)![1])
      : null;
  const language =
    all('language')
      .map((l) => l.value.toLowerCase())
      .find((l) => /^[a-z]{3}$/.test(l)) ?? 'jpn';

  const sourceIds: Record<string, string> = {};
  const recordId = text('recordId');
  if (recordId) sourceIds[text('recordOrg') || mapping.sourceOrg] = recordId;
  for (const o of all('otherIds')) {
    const m = /^\(([^)]+)\)\s*(\S.*)$/.exec(o.value);
    if (m && !(m[1]! in sourceIds)) sourceIds[m[1]!] = m[2]!.trim();
  }
  const trcNumber = text('trcNumber') || sourceIds.TRC || null;
  if (trcNumber) sourceIds.TRC = trcNumber;

  const ndc = text('ndc') || null;
  const series = first('seriesTitle');
  const bib: BibFields = {
    title: title.value,
    titleReading: title.reading ?? '',
    responsibility: text('responsibility'),
    otherTitles,
    authors,
    edition: text('edition'),
    publisher: text('publisher'),
    pubPlace: text('pubPlace'),
    pubDate,
    pubYear: pubYear && pubYear >= 1000 && pubYear <= 2100 ? pubYear : null,
    extent: text('extent'),
    isbn,
    isbn10,
    ndc,
    subjects,
    seriesTitle: series?.value || null,
    volume: text('volume') || null,
    language,
    notes: all('notes').map((n) => n.value),
    summary: text('summary'),
    trcNumber,
    jpNumber: text('jpNumber') || null,
    sourceIds,
  };
  return { bib, warnings };
}

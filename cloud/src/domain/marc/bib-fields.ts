import type { Author, OtherTitle, Subject } from '../../db/schema/catalog.ts';

/** The bibliographic fields MARC maps to and from: a bib record without ids, tenant or timestamps. */
export type BibFields = {
  title: string;
  titleReading: string;
  responsibility: string;
  otherTitles: OtherTitle[];
  authors: Author[];
  edition: string;
  publisher: string;
  pubPlace: string;
  pubDate: string;
  pubYear: number | null;
  extent: string;
  isbn: string | null;
  isbn10: string | null;
  ndc: string | null;
  subjects: Subject[];
  seriesTitle: string | null;
  volume: string | null;
  language: string;
  notes: string[];
  summary: string;
  trcNumber: string | null;
  jpNumber: string | null;
  sourceIds: Record<string, string>;
};

export const BIB_FIELD_NAMES = [
  'title',
  'titleReading',
  'responsibility',
  'otherTitles',
  'authors',
  'edition',
  'publisher',
  'pubPlace',
  'pubDate',
  'pubYear',
  'extent',
  'isbn',
  'isbn10',
  'ndc',
  'subjects',
  'seriesTitle',
  'volume',
  'language',
  'notes',
  'summary',
  'trcNumber',
  'jpNumber',
  'sourceIds',
] as const satisfies readonly (keyof BibFields)[];

/** Only the BibFields of a wider row, in one fixed order (for comparing and for tests). */
export function pickBibFields(row: BibFields): BibFields {
  return Object.fromEntries(BIB_FIELD_NAMES.map((k) => [k, row[k]])) as BibFields;
}

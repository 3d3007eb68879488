import { z } from 'zod';
import { AppError } from '../errors.ts';
import { isKnownEncoding } from './charset.ts';
import marc21 from './mappings/marc21.json' with { type: 'json' };
import trc from './mappings/trc.json' with { type: 'json' };
import unimarc from './mappings/unimarc.json' with { type: 'json' };

/** Where a value comes from: one tag, optionally narrowed by indicators or a subfield's content. */
export const MappingRule = z.object({
  tag: z.string().regex(/^[0-9A-Za-z]{3}$/),
  /** subfield codes to take, in the order they appear in the field; absent for control fields */
  subfields: z.string().optional(),
  /** [start, end) character positions of a control field (008/35-37 → [35, 38]) or of the joined subfields (100 $a/9-12) */
  positions: z
    .tuple([z.number().int().min(0), z.number().int().min(1)])
    .refine(([start, end]) => start < end, 'the start comes before the end: [start, end)')
    .optional(),
  ind1: z.string().length(1).optional(),
  ind2: z.string().length(1).optional(),
  when: z.object({ subfield: z.string().length(1), pattern: z.string() }).optional(),
  /** put before each value: "ISSN " for 011 $a kept as a note */
  label: z.string().optional(),
  /** keep only values starting with this, without it: "(TRC)" */
  prefix: z.string().optional(),
  /** every listed subfield is a value of its own (653 $a $a) instead of one joined value */
  each: z.boolean().optional(),
  /** joins the subfields (and is trimmed of ISBD punctuation around): "--" for subject subdivisions */
  separator: z.string().optional(),
  /** the reading (ヨミ) is in these subfields of the same field (TRC style) */
  readingSubfields: z.string().optional(),
  roleSubfields: z.string().optional(),
});
export type MappingRule = z.infer<typeof MappingRule>;

export const MAPPING_TARGETS = [
  'title',
  'responsibility',
  'parallelTitles',
  'alternativeTitles',
  'contentsTitles',
  'authors',
  'edition',
  'publisher',
  'pubPlace',
  'pubDate',
  'pubYear',
  'extent',
  'isbn',
  'ndc',
  'subjects',
  'seriesTitle',
  'volume',
  'language',
  'notes',
  'summary',
  'jpNumber',
  'trcNumber',
  'recordId',
  'recordOrg',
  'otherIds',
] as const;
export type MappingTarget = (typeof MAPPING_TARGETS)[number];

export const Mapping = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  /** the key of sourceIds for 001 when the record has no 003 */
  sourceOrg: z.string().min(1).default('local'),
  /** script identification ($6 …/$1) of the 880 fields that carry vernacular text or readings */
  readingScript: z.string().optional(),
  /** where the character set comes from: Ldr/09 (default), "unimarc" (100 $a/26-29) or an encoding name ("cp866") */
  encoding: z.string().refine(isKnownEncoding, 'not an encoding iconv-lite knows').optional(),
  fields: z.partialRecord(z.enum(MAPPING_TARGETS), z.array(MappingRule)),
});
export type Mapping = z.infer<typeof Mapping>;

/** The mappings shipped with Bunko; a library overrides them in tenants.settings.marcMapping. */
export const DEFAULT_MAPPINGS: Record<string, Mapping> = {
  marc21: Mapping.parse(marc21),
  trc: Mapping.parse(trc),
  unimarc: Mapping.parse(unimarc),
};

/**
 * The mapping to import with: the default of that name with the tenant's override laid over it,
 * field by field (`{ trc: { fields: { title: [...] } } }` replaces only the title rules), or a
 * mapping the tenant defined entirely; `readingScript: null` or `encoding: null` there removes the
 * default's. Throws with the offending path when the override is invalid.
 */
export function resolveMapping(name: string, tenantSettings: Record<string, unknown>): Mapping {
  const overrides = (tenantSettings.marcMapping ?? {}) as Record<string, unknown>;
  const base = DEFAULT_MAPPINGS[name];
  const own = overrides[name] as Partial<Mapping> | undefined;
  if (!base && !own)
    throw new UnknownMappingError(name, [
      ...new Set([...Object.keys(DEFAULT_MAPPINGS), ...Object.keys(overrides)]),
    ]);
  const merged: Record<string, unknown> = {
    ...(base ?? { name, description: '', sourceOrg: 'local', fields: {} }),
    ...(own ?? {}),
    name,
    fields: { ...(base?.fields ?? {}), ...(own?.fields ?? {}) },
  };
  // null in the override drops the default's value: no 880 readings, the encoding detected
  for (const key of ['readingScript', 'encoding']) if (merged[key] === null) delete merged[key];
  const parsed = Mapping.safeParse(merged);
  if (!parsed.success)
    throw new InvalidMappingError(
      name,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  return parsed.data;
}

export class UnknownMappingError extends Error {
  constructor(
    readonly mapping: string,
    readonly known: string[],
  ) {
    super(`unknown MARC mapping "${mapping}" (known: ${known.join(', ')})`);
  }
}
export class InvalidMappingError extends Error {
  constructor(
    readonly mapping: string,
    readonly issues: string[],
  ) {
    super(`MARC mapping "${mapping}" in tenants.settings.marcMapping is invalid: ${issues.join('; ')}`);
  }
}

/** resolveMapping for an import or a pool load: an unknown or invalid mapping is the caller's input error. */
export function mappingForImport(name: string, tenantSettings: Record<string, unknown>): Mapping {
  try {
    return resolveMapping(name, tenantSettings);
  } catch (e) {
    if (e instanceof UnknownMappingError || e instanceof InvalidMappingError)
      throw new AppError('validation', e.message);
    throw e;
  }
}

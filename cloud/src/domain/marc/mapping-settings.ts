import { z } from 'zod';
import { parseSetting, tenantSettings, updateTenantSetting } from '../admin/tenant-settings.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import type { BibFields } from './bib-fields.ts';
import { isKnownEncoding } from './charset.ts';
import { readIso2709 } from './iso2709-reader.ts';
import { MappingRejection, mapToBib } from './map-to-bib.ts';
import {
  DEFAULT_MAPPINGS,
  InvalidMappingError,
  MAPPING_TARGETS,
  type Mapping,
  MappingRule,
  mappingForImport,
  resolveMapping,
} from './mapping.ts';
import { readMarcXml } from './marcxml.ts';

/**
 * MARCマッピング per library: the shipped mappings (marc21, trc) and the library's overrides in
 * tenants.settings.marcMapping, laid over them field by field — the importer and the pool load
 * resolve the same way (resolveMapping), so what staff set here is what the next import uses.
 */

export const MAPPING_NAME = /^[a-z][a-z0-9-]{0,31}$/;
export const MappingName = z.string().regex(MAPPING_NAME, 'a mapping name such as trc');

const SUBFIELD_CODES = /^[a-z0-9]+$/;
const codes = (what: string) =>
  z.string().regex(SUBFIELD_CODES, `${what}: subfield codes, each a lowercase letter or a digit`);
const indicator = z
  .string()
  .regex(/^[0-9a-z ]$/, 'one indicator: a digit, a lowercase letter or a blank (" ")');
const short = z.string().max(40);

/**
 * The encodings the settings page offers (the mapping takes any name iconv-lite knows): how MARC 21
 * (Ldr/09) and UNIMARC (100 $a/26-29) say it, then whole-file encodings Japanese libraries meet.
 */
export const MAPPING_ENCODINGS = [
  'leader',
  'unimarc',
  'utf-8',
  'shift_jis',
  'cp932',
  'euc-jp',
  'iso-8859-1',
  'windows-1252',
  'cp866',
  'windows-1251',
  'koi8-r',
] as const;

/** A rule as staff may set it: stricter than what the shipped files may hold (a 3-digit tag). */
export const MappingRuleInput = MappingRule.extend({
  tag: z.string().regex(/^\d{3}$/, 'a tag is 3 digits'),
  subfields: codes('subfields').optional(),
  readingSubfields: codes('readingSubfields').optional(),
  roleSubfields: codes('roleSubfields').optional(),
  ind1: indicator.optional(),
  ind2: indicator.optional(),
  label: short.optional(),
  prefix: short.optional(),
  separator: short.optional(),
  when: z
    .object({
      subfield: z.string().regex(/^[a-z0-9]$/, 'a subfield code: a lowercase letter or a digit'),
      pattern: z
        .string()
        .max(200)
        .refine((p) => {
          try {
            new RegExp(p);
            return true;
          } catch {
            return false;
          }
        }, 'not a valid regular expression'),
    })
    .strict()
    .optional(),
}).strict();

export const MarcMappingOverride = z
  .object({
    description: z.string().max(500).optional(),
    sourceOrg: z.string().min(1).max(40).optional(),
    /** null: no 880 readings even where the default reads them */
    readingScript: z.string().min(1).max(10).nullable().optional(),
    /** null: detected (Ldr/09, or 100 $a/26-29 for a UNIMARC layout) even where the default names one */
    encoding: z
      .string()
      .max(40)
      .refine(isKnownEncoding, 'not an encoding Bunko reads (e.g. leader, unimarc, utf-8, shift_jis)')
      .nullable()
      .optional(),
    /** per target field: the rules that replace the default's for that field */
    fields: z.partialRecord(z.enum(MAPPING_TARGETS), z.array(MappingRuleInput).max(20)).default({}),
  })
  .strict();
export type MarcMappingOverride = z.infer<typeof MarcMappingOverride>;

const overridesIn = (settings: Record<string, unknown>) =>
  (settings.marcMapping ?? {}) as Record<string, unknown>;

/** Each mapping: the shipped default, the library's override and what an import would use. */
export async function listMarcMappings(ctx: Ctx) {
  requirePermission(ctx, 'settings.read');
  return mappingsView(ctx);
}

/** What a change answers with (settings.write alone may change them: no read check here). */
async function mappingsView(ctx: Ctx) {
  const settings = await tenantSettings(ctx.db, ctx.tenantId);
  const overrides = overridesIn(settings);
  const names = [...new Set([...Object.keys(DEFAULT_MAPPINGS), ...Object.keys(overrides)])];
  return {
    targets: [...MAPPING_TARGETS],
    encodings: [...MAPPING_ENCODINGS],
    mappings: names.map((name) => {
      let effective = null;
      let problem: string | null = null;
      try {
        effective = resolveMapping(name, settings);
      } catch (e) {
        problem = (e as Error).message;
      }
      return {
        name,
        default: DEFAULT_MAPPINGS[name] ?? null,
        override: (overrides[name] as MarcMappingOverride | undefined) ?? null,
        effective,
        problem,
      };
    }),
  };
}

const logDetails = (name: string) => (before: unknown, after: unknown) => ({
  mapping: name,
  before: (before as Record<string, unknown> | undefined)?.[name] ?? 'default',
  after: (after as Record<string, unknown> | undefined)?.[name] ?? 'default',
});

/** Set the library's override of one mapping (replacing its earlier one); validated, logged. */
export async function saveMarcMappingOverride(ctx: Ctx, name: string, override: MarcMappingOverride) {
  requirePermission(ctx, 'settings.write');
  const own = parseSetting(MarcMappingOverride, override);
  await updateTenantSetting(
    ctx,
    'marcMapping',
    (current, settings) => {
      const next = { ...((current as Record<string, unknown>) ?? {}), [name]: own };
      withOverride(name, settings, own);
      return next;
    },
    { action: 'settings.marcMapping', details: logDetails(name) },
  );
  return mappingsView(ctx);
}

/** The mapping an import would use were `own` the library's override of it; refused as the caller's input when invalid. */
function withOverride(name: string, settings: Record<string, unknown>, own: MarcMappingOverride): Mapping {
  try {
    return resolveMapping(name, { ...settings, marcMapping: { ...overridesIn(settings), [name]: own } });
  } catch (e) {
    if (e instanceof InvalidMappingError)
      throw new AppError(
        'validation',
        e.message,
        e.issues.map((message) => ({ path: 'fields', message })),
      );
    throw e;
  }
}

export const MarcMappingPreviewInput = z
  .object({
    /** the override as edited, not yet saved; absent: the library's saved one */
    override: MarcMappingOverride.optional(),
    /** one record as MARCXML, or as ISO 2709 text (its bytes read as UTF-8); only the first is mapped */
    record: z.string().min(1, 'paste a MARC record (MARCXML or ISO 2709)').max(200_000),
  })
  .strict();
export type MarcMappingPreviewInput = z.infer<typeof MarcMappingPreviewInput>;

export type MarcMappingPreview = {
  /** what the record becomes; null when the mapping rejects it (`rejected` says why) */
  bib: BibFields | null;
  rejected: string | null;
  /** the reader's and the mapping's warnings (an invalid ISBN …) */
  warnings: string[];
};

/**
 * 試し: map one record through the mapping (with an edited override laid over it, if given) without
 * importing anything; the record's own faults are the caller's input errors, at `record`.
 */
export async function previewMarcMapping(
  ctx: Ctx,
  name: string,
  input: MarcMappingPreviewInput,
): Promise<MarcMappingPreview> {
  requirePermission(ctx, 'settings.read');
  const { override, record } = parseSetting(MarcMappingPreviewInput, input);
  const settings = await tenantSettings(ctx.db, ctx.tenantId);
  const mapping = override ? withOverride(name, settings, override) : mappingForImport(name, settings);
  const bytes = new TextEncoder().encode(record.trim());
  // pasted text is already decoded: ISO 2709 is read as UTF-8 whatever the mapping's encoding
  const reader = record.trimStart().startsWith('<')
    ? readMarcXml([bytes])
    : readIso2709([bytes], { encoding: 'utf-8' });
  const first = await reader.next();
  const more = first.done ? false : !(await reader.next()).done;
  await reader.return(undefined);
  const refuse = (message: string) => new AppError('validation', message, [{ path: 'record', message }]);
  if (first.done) throw refuse('no MARC record found in it');
  const read = first.value;
  if (!read.ok) throw refuse(read.error.reason);
  const warnings = [...read.warnings, ...(more ? ['only the first record is mapped'] : [])];
  try {
    const mapped = mapToBib(read.record, mapping);
    return { bib: mapped.bib, rejected: null, warnings: [...warnings, ...mapped.warnings] };
  } catch (e) {
    if (e instanceof MappingRejection) return { bib: null, rejected: e.message, warnings };
    throw e;
  }
}

/** Drop the library's override: the mapping is the shipped default again. */
export async function resetMarcMapping(ctx: Ctx, name: string) {
  requirePermission(ctx, 'settings.write');
  await updateTenantSetting(
    ctx,
    'marcMapping',
    (current) => {
      const { [name]: dropped, ...rest } = (current as Record<string, unknown>) ?? {};
      if (dropped === undefined) throw new AppError('notFound', `no override of the mapping ${name}`);
      return Object.keys(rest).length ? rest : undefined;
    },
    { action: 'settings.marcMapping.reset', details: logDetails(name) },
  );
  return mappingsView(ctx);
}

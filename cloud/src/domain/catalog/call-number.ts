import { z } from 'zod';

/**
 * 請求記号 (call numbers) from per-tenant rules held as data in tenants.settings.callNumbers.
 *
 * A call number has up to four parts, printed one per line on the spine label:
 *   prefix (別置記号: K for the children's room, L for local materials …), class (分類記号: the NDC
 *   class, or a fixed mark such as E for picture books), author mark (著者記号: the first kana of
 *   the first author's reading, or of the title reading when there is no author) and volume (巻冊記号).
 *
 * The first rule whose conditions all hold decides; a rule without conditions matches everything.
 */

const Code = z.string().min(1).max(40);
export const CallNumberRule = z
  .object({
    /** for people reading the settings: 絵本, 児童書, 郷土資料 … */
    name: z.string().max(100).optional(),
    when: z
      .object({
        materialType: z.array(Code).max(50).optional(),
        location: z.array(Code).max(50).optional(),
        /** NDC classes and their subdivisions: "913" matches 913, 913.6 … */
        ndc: z
          .array(z.string().regex(/^\d{1,3}(\.\d+)?$/, 'an NDC class such as 9, 91, 913 or 913.6'))
          .max(50)
          .optional(),
      })
      .strict()
      .default({}),
    prefix: z.string().max(10).default(''),
    /** "ndc": the record's NDC class; any other text: that mark (E for picture books) */
    class: z.string().min(1).max(20).default('ndc'),
    /** NDC digits after the point to keep (913.68 with 1 → 913.6); null keeps them all */
    ndcDecimals: z.number().int().min(0).max(6).nullable().default(null),
    /** written when the record has no NDC class */
    classWhenMissing: z.string().max(20).default(''),
    /** how the author mark is made; "none" leaves it out */
    mark: z.enum(['authorKana', 'titleKana', 'none']).default('authorKana'),
    /** characters of the reading in the mark (1: 913.6/タ; 2: 913.6/タカ) */
    markLength: z.number().int().min(1).max(4).default(1),
    /** write the mark in hiragana instead of katakana */
    markHiragana: z.boolean().default(false),
    /** ガ → カ: some libraries file voiced and plain kana together */
    markPlainKana: z.boolean().default(false),
    /** add the record's volume (巻次) as the last part */
    volume: z.boolean().default(true),
  })
  .strict();
export type CallNumberRule = z.infer<typeof CallNumberRule>;

export const CallNumberSettings = z
  .object({
    rules: z.array(CallNumberRule).min(1).max(100),
    /** how the parts are joined into one line (lists, the OPAC); the label prints one part a line */
    separator: z.string().max(3).default('/'),
  })
  .strict();
export type CallNumberSettings = z.infer<typeof CallNumberSettings>;

/** The documented default: picture books "E", everything else NDC / first kana / volume. */
export const DEFAULT_CALL_NUMBER_SETTINGS: CallNumberSettings = CallNumberSettings.parse({
  rules: [
    { name: '絵本', when: { materialType: ['picture'] }, class: 'E' },
    { name: '一般', class: 'ndc', classWhenMissing: '0' },
  ],
});

export type CallNumberSource = {
  ndc?: string | null;
  authors?: readonly { name: string; reading?: string }[];
  titleReading?: string;
  title?: string;
  volume?: string | null;
  materialType?: string | null;
  location?: string | null;
};
export type CallNumber = { parts: string[]; text: string; rule: string | null };

const VOICED: Record<string, string> = Object.fromEntries(
  [...'ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴ'].map((ch) => [
    ch,
    ch === 'ヴ' ? 'ウ' : ch.normalize('NFD')[0]!,
  ]),
);
const SMALL: Record<string, string> = Object.fromEntries(
  [...'ァィゥェォッャュョヮヵヶ'].map((ch, i) => [ch, 'アイウエオツヤユヨワカケ'[i]!]),
);

/** The reading's first kana, folded to full-size katakana (ねこ → ネ, ｷﾑﾗ → キ); '' if it has none. */
export function kanaMark(
  reading: string,
  length: number,
  opts: { hiragana?: boolean; plain?: boolean } = {},
) {
  let out = '';
  for (const raw of reading.normalize('NFKC')) {
    const code = raw.codePointAt(0)!;
    let ch = code >= 0x3041 && code <= 0x3096 ? String.fromCodePoint(code + 0x60) : raw;
    if (!/^[\u30a1-\u30fa]$/.test(ch)) {
      if (out || /[\p{L}\p{N}]/u.test(raw)) break; // a mark is made from the reading's leading kana only
      continue; // leading spaces and punctuation
    }
    ch = SMALL[ch] ?? ch;
    if (opts.plain) ch = VOICED[ch] ?? ch;
    out += ch;
    if ([...out].length >= length) break;
  }
  if (opts.hiragana) out = [...out].map((c) => String.fromCodePoint(c.codePointAt(0)! - 0x60)).join('');
  return out;
}

const ndcMatches = (ndc: string | null | undefined, prefixes: readonly string[]) =>
  !!ndc && prefixes.some((p) => ndc.startsWith(p));

function matches(rule: CallNumberRule, src: CallNumberSource): boolean {
  const w = rule.when;
  if (w.materialType && !(src.materialType && w.materialType.includes(src.materialType))) return false;
  if (w.location && !(src.location && w.location.includes(src.location))) return false;
  if (w.ndc && !ndcMatches(src.ndc, w.ndc)) return false;
  return true;
}

function classOf(rule: CallNumberRule, ndc: string | null | undefined): string {
  if (rule.class !== 'ndc') return rule.class;
  if (!ndc) return rule.classWhenMissing;
  if (rule.ndcDecimals === null || !ndc.includes('.')) return ndc;
  const [whole, frac] = ndc.split('.') as [string, string];
  const kept = frac.slice(0, rule.ndcDecimals);
  return kept ? `${whole}.${kept}` : whole;
}

/** The call number the tenant's rules give for a record (and the item's location). */
export function callNumberFor(settings: CallNumberSettings, src: CallNumberSource): CallNumber {
  const rule = settings.rules.find((r) => matches(r, src));
  if (!rule) return { parts: [], text: '', rule: null };
  const author = src.authors?.find((a) => a.reading?.trim())?.reading ?? '';
  const reading =
    rule.mark === 'authorKana'
      ? author || src.titleReading || ''
      : rule.mark === 'titleKana'
        ? (src.titleReading ?? '')
        : '';
  const mark = reading
    ? kanaMark(reading, rule.markLength, { hiragana: rule.markHiragana, plain: rule.markPlainKana })
    : '';
  const parts = [
    rule.prefix,
    classOf(rule, src.ndc),
    mark,
    rule.volume ? (src.volume ?? '').trim() : '',
  ].filter((p) => p !== '');
  return { parts, text: parts.join(settings.separator), rule: rule.name ?? null };
}

/** The tenant's settings, or the default when none are stored; stored settings that fail to parse are an error. */
export function callNumberSettingsFrom(tenantSettings: Record<string, unknown>): CallNumberSettings {
  const raw = tenantSettings.callNumbers;
  if (raw === undefined) return DEFAULT_CALL_NUMBER_SETTINGS;
  return CallNumberSettings.parse(raw);
}

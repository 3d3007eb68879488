import iconv from 'iconv-lite';

/** Turns a field's bytes into text; `where` names the field in the reason when it cannot. */
export type Decode = (b: Uint8Array, where: string) => string;

/**
 * How the reader learns a record's character set: `leader` (MARC 21: Ldr/09, the default),
 * `unimarc` (UNIMARC: 100 $a/26-29), or the name of an encoding the whole file is in (`cp866`,
 * `utf-8`, any name iconv-lite knows), given by the operator or the mapping.
 */
export const isKnownEncoding = (name: string) =>
  name === 'leader' || name === 'unimarc' || iconv.encodingExists(name);

/** UNIMARC 100 $a/26-27 and 28-29: the character sets (G0, G1) a record says it is written in. */
const UNIMARC_SETS: Record<string, string> = {
  '01': 'ISO 646 (ASCII)',
  '02': 'ISO registration #37 (basic Cyrillic)',
  '03': 'ISO 5426 (extended Latin)',
  '04': 'ISO DIS 5428 (Greek)',
  '05': 'ISO 6438 (African)',
  '06': 'ISO 10586 (Georgian)',
  '07': 'ISO 8957 table 1 (Hebrew)',
  '08': 'ISO 8957 table 2 (Hebrew)',
  '10': 'ISO 5426-2 (Latin, minor languages)',
  '11': 'ISO 5428:1984 (Greek)',
  '50': 'ISO 10646 (Unicode, UTF-8)',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SUBFIELD = 0x1f;
const isAscii = (b: Uint8Array) => b.every((x) => x < 0x80);
const isUtf8 = (b: Uint8Array) => {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
};
const ascii = (b: Uint8Array) => String.fromCharCode(...b);

/** The tags of a framed record's directory and each field's bytes (without its terminator). */
function rawFields(bytes: Uint8Array, base: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (let i = 24; i + 12 <= base - 1; i += 12) {
    const entry = ascii(bytes.subarray(i, i + 12));
    const start = base + Number(entry.slice(7, 12));
    const length = Number(entry.slice(3, 7));
    const tag = entry.slice(0, 3);
    if (!out.has(tag) && Number.isFinite(start) && Number.isFinite(length))
      out.set(tag, bytes.subarray(start, Math.max(start, start + length - 1)));
  }
  return out;
}

/** Whether the record's directory has an entry for tag 245 (compared as bytes, nothing allocated). */
function hasTag245(bytes: Uint8Array, base: number): boolean {
  for (let i = 24; i + 12 <= base - 1; i += 12)
    if (bytes[i] === 0x32 && bytes[i + 1] === 0x34 && bytes[i + 2] === 0x35) return true;
  return false;
}

/** A UNIMARC record has the coded data field 100 and the title field 200, and no MARC 21 title 245. */
export function looksUnimarcLayout(tags: { has(tag: string): boolean }) {
  return tags.has('100') && tags.has('200') && !tags.has('245');
}

/** UNIMARC 100 $a/26-29 of a framed record, '' when the record has no 100 $a that long. */
function unimarcCharsets(fields: Map<string, Uint8Array>): string {
  const f100 = fields.get('100');
  if (!f100) return '';
  const start = f100.indexOf(SUBFIELD);
  if (start < 0 || f100[start + 1] !== 0x61) return '';
  let end = f100.indexOf(SUBFIELD, start + 2);
  if (end < 0) end = f100.length;
  const a = f100.subarray(start + 2, end);
  return a.length >= 30 && isAscii(a.subarray(26, 30)) ? ascii(a.subarray(26, 30)) : '';
}

const describe = (sets: string) =>
  [sets.slice(0, 2), sets.slice(2, 4)]
    .filter((s) => s.trim())
    .map((s) => `${s} ${UNIMARC_SETS[s] ?? '(unknown code)'}`)
    .join(' + ');

const utf8Decoder =
  (said: string, fail: (reason: string) => never): Decode =>
  (b, where) => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(`${where} is not valid UTF-8 although ${said}`);
    }
  };

/**
 * The decoder for a record when the operator or the mapping names the encoding, or when the record
 * is laid out as UNIMARC; null when MARC 21's Ldr/09 decides. A UNIMARC record is read in the set its
 * 100 $a/26-29 names; one whose bytes are valid UTF-8 although 100 names an older set or none (a
 * file converted without updating 100, common) is read as UTF-8 with a warning; one whose set cannot
 * be known is rejected with `fail`, never guessed.
 */
export function chosenDecoder(
  encoding: string | undefined,
  bytes: Uint8Array,
  base: number,
  warnings: string[],
  fail: (reason: string) => never,
): Decode | null {
  if (encoding === 'leader') return null;
  if (encoding !== undefined && encoding !== 'unimarc') {
    if (/^utf-?8$/i.test(encoding)) return utf8Decoder(`the file is read as ${encoding}`, fail);
    return (b) => iconv.decode(Buffer.from(b), encoding);
  }
  // a MARC 21 record (it has a 245) is settled by its leader: no need to frame its fields here
  if (encoding === undefined && hasTag245(bytes, base)) return null;
  const fields = rawFields(bytes, base);
  if (encoding === undefined && !looksUnimarcLayout(fields)) return null;
  const data = bytes.subarray(base, bytes.length - 1);
  if (isAscii(data)) return (b) => ascii(b);
  const sets = unimarcCharsets(fields);
  if (sets.startsWith('50')) return utf8Decoder('100 $a/26-27 is "50" (UTF-8)', fail);
  if (isUtf8(data)) {
    warnings.push(
      sets.trim()
        ? `100 $a/26-29 names ${describe(sets)}, but the data is UTF-8 (converted without updating 100); read as UTF-8`
        : 'no character set in 100 $a/26-29; the data is valid UTF-8, read as UTF-8',
    );
    return (b) => utf8.decode(b);
  }
  return fail(
    sets.trim()
      ? `100 $a/26-29 names ${describe(sets)}, which Bunko does not read, and the data is not UTF-8; convert the file to UTF-8 or give its encoding (e.g. --encoding cp866)`
      : `the character set is not known (100 $a/26-29 is blank or missing) and the data is not UTF-8; give the file's encoding (e.g. --encoding cp866)`,
  );
}

/** A MARC record as read from ISO 2709 or MARCXML, already decoded to Unicode strings. */
export type Subfield = { code: string; value: string };
export type ControlField = { tag: string; value: string };
export type DataField = { tag: string; ind1: string; ind2: string; subfields: Subfield[] };
export type Field = ControlField | DataField;
export type MarcRecord = { leader: string; fields: Field[] };

export const isControlField = (f: Field): f is ControlField => 'value' in f;
/** MARC 21: tags 001–009 are control fields (no indicators, no subfields). */
export const isControlTag = (tag: string) => tag.startsWith('00');

export const controlValue = (r: MarcRecord, tag: string): string | undefined => {
  const f = r.fields.find((x) => x.tag === tag);
  return f && isControlField(f) ? f.value : undefined;
};

export const dataFields = (r: MarcRecord, tag: string): DataField[] =>
  r.fields.filter((f): f is DataField => f.tag === tag && !isControlField(f));

/** A record the reader could not accept: which one (1-based), where it starts, and why. */
export class MarcRecordError extends Error {
  constructor(
    readonly position: number,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`record ${position} (byte ${offset}): ${reason}`);
    this.name = 'MarcRecordError';
  }
}

/** What a reader yields for each record in the input: the record, or why it was rejected. */
export type ReadResult =
  | { ok: true; position: number; offset: number; record: MarcRecord; warnings: string[] }
  | { ok: false; position: number; offset: number; error: MarcRecordError };

/** A valid tag: three ASCII letters or digits (MARC 21 uses digits; some systems letters). */
export const TAG_RE = /^[0-9A-Za-z]{3}$/;
/** A subfield code or indicator: one printable ASCII character. */
export const CODE_RE = /^[\x21-\x7e]$/;
export const INDICATOR_RE = /^[\x20-\x7e]$/;

/** How to read: `encoding` says where the character set comes from (see charset.ts); default Ldr/09. */
export type ReadOptions = { encoding?: string };

/**
 * What is odd about a record that was read whole, for the import report: tags that are not three
 * digits (kept, but no mapping reads them). Fields out of tag order are no warning: pymarc, ruby-marc and
 * yaz read them as they come, and LC's own records put 906 before 010.
 */
export function recordWarnings(fields: Field[]): string[] {
  const warnings: string[] = [];
  const odd = fields.map((f) => f.tag).filter((t) => !/^[0-9]{3}$/.test(t));
  if (odd.length > 0)
    warnings.push(`tags that are not three digits (kept, not mapped): ${[...new Set(odd)].join(' ')}`);
  return warnings;
}

/** Bytes to read records from: a Node Readable, a web ReadableStream, or chunks in memory. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  yield* source;
}

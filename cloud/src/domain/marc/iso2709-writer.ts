import { isControlField, type MarcRecord, TAG_RE } from './record.ts';

const FT = '\x1e';
const RT = 0x1d;
const SF = '\x1f';

/**
 * Encode one record as MARC 21 ISO 2709 in UTF-8. Every length and offset counts bytes of the
 * UTF-8 encoding (a kanji is three bytes), and Ldr/09 is set to "a" to say so. With `encode`, the
 * text goes through it instead (another character set) and Ldr/09 is kept as the record has it.
 */
export function encodeIso2709(
  record: MarcRecord,
  options: { encode?: (text: string) => Uint8Array } = {},
): Buffer {
  const { encode } = options;
  const bodies: Buffer[] = [];
  let directory = '';
  let at = 0;
  for (const f of record.fields) {
    if (!TAG_RE.test(f.tag)) throw new RangeError(`tag "${f.tag}" is not three letters or digits`);
    const text = isControlField(f)
      ? f.value + FT
      : `${f.ind1 || ' '}${f.ind2 || ' '}${f.subfields.map((s) => SF + s.code + s.value).join('')}${FT}`;
    const inner = text.slice(0, -1);
    if (
      inner.includes('\x1d') ||
      inner.includes(FT) ||
      (isControlField(f) ? inner.includes(SF) : f.subfields.some((s) => s.value.includes(SF)))
    )
      throw new RangeError(`field ${f.tag} contains a MARC delimiter character`);
    const body = encode ? Buffer.from(encode(text)) : Buffer.from(text, 'utf8');
    if (body.length > 9999)
      throw new RangeError(`field ${f.tag} is ${body.length} bytes; ISO 2709 allows 9999`);
    directory += f.tag + String(body.length).padStart(4, '0') + String(at).padStart(5, '0');
    bodies.push(body);
    at += body.length;
  }
  directory += FT;
  const base = 24 + directory.length;
  const length = base + at + 1;
  if (length > 99999) throw new RangeError(`record is ${length} bytes; ISO 2709 allows 99999`);
  const src = (record.leader || '').padEnd(24, ' ').slice(0, 24);
  const leader = `${String(length).padStart(5, '0')}${src.slice(5, 9)}${encode ? src[9] : 'a'}22${String(base).padStart(5, '0')}${src.slice(17, 20)}4500`;
  return Buffer.concat([Buffer.from(leader + directory, 'ascii'), ...bodies, Buffer.from([RT])]);
}

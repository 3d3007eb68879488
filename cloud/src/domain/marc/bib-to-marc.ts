import type { BibFields } from './bib-fields.ts';
import type { DataField, Field, MarcRecord, Subfield } from './record.ts';

/** The organisation code written to 003 for records that came from no other source. */
export const BUNKO_ORG = 'Bunko';

const sf = (code: string, value: string | null | undefined): Subfield[] => (value ? [{ code, value }] : []);

const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);

/**
 * A bib as MARC 21 (the form JAPAN/MARC uses): readings go to 880 fields linked by $6 with script
 * code $1, so that importing the export with the marc21 mapping gives the same bib back.
 */
export function bibToMarc(bib: BibFields & { id: string; createdAt: Date; updatedAt: Date }): MarcRecord {
  const fields: Field[] = [];
  const readings: DataField[] = [];
  let link = 0;
  /** a data field, with its reading in a linked 880 when there is one */
  const data = (tag: string, ind1: string, ind2: string, subfields: Subfield[], reading?: Subfield[]) => {
    if (subfields.length === 0) return;
    if (reading && reading.length > 0 && link < 99) {
      link++;
      const n = String(link).padStart(2, '0');
      fields.push({ tag, ind1, ind2, subfields: [{ code: '6', value: `880-${n}` }, ...subfields] });
      readings.push({
        tag: '880',
        ind1,
        ind2,
        subfields: [{ code: '6', value: `${tag}-${n}/$1` }, ...reading],
      });
    } else fields.push({ tag, ind1, ind2, subfields });
  };

  const ids = Object.entries(bib.sourceIds);
  const [org, id] = ids[0] ?? [BUNKO_ORG, bib.id];
  fields.push({ tag: '001', value: id });
  fields.push({ tag: '003', value: org });
  fields.push({ tag: '005', value: `${stamp(bib.updatedAt)}.0` });
  const entered = stamp(bib.createdAt).slice(2, 8);
  const year = bib.pubYear ? String(bib.pubYear) : '    ';
  const f008 = `${entered}${bib.pubYear ? 's' : 'n'}${year}    xx ${' '.repeat(17)}${(bib.language || 'und').padEnd(3).slice(0, 3)} d`;
  fields.push({ tag: '008', value: f008 });
  data('015', ' ', ' ', [...sf('a', bib.jpNumber), ...(bib.jpNumber ? sf('2', 'jnb') : [])]);
  if (bib.isbn) data('020', ' ', ' ', sf('a', bib.isbn));
  if (bib.isbn10) data('020', ' ', ' ', sf('a', bib.isbn10));
  for (const [o, v] of ids.slice(1)) data('035', ' ', ' ', sf('a', `(${o})${v}`));
  if (bib.ndc) data('084', ' ', ' ', [...sf('a', bib.ndc), ...sf('2', 'njb')]);
  data('245', '0', '0', [...sf('a', bib.title), ...sf('c', bib.responsibility)], sf('a', bib.titleReading));
  for (const t of bib.otherTitles.filter((x) => x.kind === 'parallel'))
    data('246', '3', '1', sf('a', t.title), sf('a', t.reading));
  data('250', ' ', ' ', sf('a', bib.edition));
  data('260', ' ', ' ', [...sf('a', bib.pubPlace), ...sf('b', bib.publisher), ...sf('c', bib.pubDate)]);
  data('300', ' ', ' ', sf('a', bib.extent));
  data('490', '0', ' ', [...sf('a', bib.seriesTitle), ...sf('v', bib.volume)]);
  for (const n of bib.notes) data('500', ' ', ' ', sf('a', n));
  const contents = bib.otherTitles.filter((x) => x.kind === 'contents');
  for (const t of contents) data('505', '0', '0', sf('t', t.title), sf('t', t.reading));
  data('520', ' ', ' ', sf('a', bib.summary));
  for (const s of bib.subjects) {
    const [head, ...subdivisions] = s.term.split('--');
    const body = [...sf('a', head), ...subdivisions.flatMap((x) => sf('x', x)), ...sf('2', s.scheme)];
    const reading = s.reading
      ? (() => {
          const [rh, ...rs] = s.reading.split('--');
          return [...sf('a', rh), ...rs.flatMap((x) => sf('x', x))];
        })()
      : undefined;
    data('650', ' ', s.scheme ? '7' : '4', body, reading);
  }
  for (const a of bib.authors)
    data(
      '700',
      a.name.includes(',') ? '1' : '0',
      ' ',
      [...sf('a', a.name), ...sf('e', a.role)],
      sf('a', a.reading),
    );
  for (const t of bib.otherTitles.filter((x) => x.kind === 'alternative'))
    data('740', '0', ' ', sf('a', t.title), sf('a', t.reading));
  fields.push(...readings);
  return { leader: '00000nam a2200000 i 4500', fields };
}

import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { bibToMarc } from '../src/domain/marc/bib-to-marc.ts';
import { decodeIso2709Record, readIso2709, readIso2709Buffer } from '../src/domain/marc/iso2709-reader.ts';
import { encodeIso2709 } from '../src/domain/marc/iso2709-writer.ts';
import { mapToBib } from '../src/domain/marc/map-to-bib.ts';
import { DEFAULT_MAPPINGS, resolveMapping } from '../src/domain/marc/mapping.ts';
import { encodeMarcXmlRecord, MARCXML_HEAD, MARCXML_TAIL, readMarcXml } from '../src/domain/marc/marcxml.ts';
import type { MarcRecord, ReadResult } from '../src/domain/marc/record.ts';
import { requireTool } from './support/tools.ts';

const dir = join(import.meta.dirname, 'fixtures/marc');
const file = (name: string) => join(dir, name);
const NDL = file('jp__ndl-japan-marc21-first180.mrc');
const marc21 = DEFAULT_MAPPINGS.marc21!;

async function readAll(gen: AsyncIterable<ReadResult>) {
  const out: ReadResult[] = [];
  for await (const r of gen) out.push(r);
  return out;
}
const records = (rs: ReadResult[]) => rs.flatMap((r) => (r.ok ? [r.record] : []));
const errors = (rs: ReadResult[]) => rs.flatMap((r) => (r.ok ? [] : [r.error]));

describe('ISO 2709 reader', () => {
  it('reads the 180 NDL JAPAN/MARC records from a stream in small chunks', async () => {
    const rs = await readAll(readIso2709(createReadStream(NDL, { highWaterMark: 997 })));
    expect(rs).toHaveLength(180);
    expect(errors(rs)).toEqual([]);
    // byte-accurate: each record starts where the previous one ended
    const bytes = readFileSync(NDL);
    for (const r of rs)
      expect(bytes[r.offset + Number(bytes.subarray(r.offset, r.offset + 5).toString()) - 1]).toBe(0x1d);
  });

  it('slices valid UTF-8 fields straight from the bytes to what subfield-by-subfield decoding gives', async () => {
    // the fast path (whole data area valid UTF-8) against the decoder an explicit encoding uses
    for (const name of [
      'jp__ndl-japan-marc21-first180.mrc',
      'jp__yaz__marccol1.u8.marc',
      'jp__marc-to-argot__vern_names02.mrc',
      'bad__pymarc__utf8_invalid.mrc',
      'marc21__yaz__marccol5.u8.marc',
      'marc21__pymarc__regression45.dat',
    ]) {
      const fast = await readAll(readIso2709(createReadStream(file(name))));
      const slow = await readAll(readIso2709(createReadStream(file(name)), { encoding: 'utf-8' }));
      expect(records(fast).length, name).toBeGreaterThan(0);
      expect(records(fast), name).toEqual(records(slow));
      expect(
        fast.map((r) => (r.ok ? r.warnings : [])),
        name,
      ).toEqual(slow.map((r) => (r.ok ? r.warnings : [])));
    }
    // a subfield code that is not a letter or digit is kept with the same warning either way
    const odd: MarcRecord = {
      leader: '00000nam a2200000 i 4500',
      fields: [{ tag: '245', ind1: '1', ind2: '0', subfields: [{ code: '&', value: '猫の本' }] }],
    };
    const [r] = await readIso2709Buffer(encodeIso2709(odd));
    expect(r!.ok && r!.record.fields).toEqual(odd.fields);
    expect(r!.ok && r!.warnings.join()).toContain('subfield code "&" is not a letter or digit (kept)');
  });

  it('maps the first NDL record: title, its katakana reading from 880 $6 245-01/$1, ids, ISBN, NDC', async () => {
    const [first] = records(await readIso2709Buffer(readFileSync(NDL)));
    const { bib } = mapToBib(first!, marc21);
    expect(bib.title).toBe('これからの本の話をしよう');
    expect(bib.titleReading).toBe('コレカラ ノ ホン ノ ハナシ オ シヨウ');
    expect(bib.responsibility).toBe('萩野正昭 著');
    expect(bib.authors).toEqual([{ name: '萩野, 正昭', reading: 'ハギノ, マサアキ' }]);
    expect(bib.publisher).toBe('晶文社');
    expect(bib.pubPlace).toBe('東京');
    expect(bib.pubDate).toBe('2019.2');
    expect(bib.pubYear).toBe(2019);
    expect(bib.extent).toBe('301p ; 19cm');
    expect(bib.isbn).toBe('9784794970756');
    expect(bib.isbn10).toBe('4794970757');
    expect(bib.ndc).toBe('023');
    expect(bib.jpNumber).toBe('23173255');
    expect(bib.sourceIds).toEqual({ JTNDL: '029455884', 'JP-ToTOH': '33876043' });
    expect(bib.subjects).toEqual([
      { term: '電子書籍', reading: 'デンシ ショセキ', scheme: 'ndlsh' },
      { term: '電子出版', reading: 'デンシシュッパン', scheme: 'ndlsh' },
    ]);
    expect(bib.language).toBe('jpn');
  });

  it('every NDL record has a title, and a katakana reading unless the record has none', async () => {
    const withoutReading: number[] = [];
    for (const [i, r] of records(await readIso2709Buffer(readFileSync(NDL))).entries()) {
      const { bib } = mapToBib(r, marc21);
      expect(bib.title.length).toBeGreaterThan(0);
      if (bib.titleReading)
        expect(bib.titleReading).toMatch(/^[\p{Script=Katakana}ー・\s\p{P}\p{S}0-9A-Za-z]+$/u);
      else withoutReading.push(i + 1);
    }
    // 57 links 245 to an 880 that is missing; 115 is Korean, read in hangul, not katakana
    expect(withoutReading).toEqual([57, 115]);
  });

  it('takes the vernacular title from 880 when 245 is romanised (US library practice)', async () => {
    const [rec] = records(await readIso2709Buffer(readFileSync(file('jp__marc-to-argot__vern_title1.mrc'))));
    const { bib } = mapToBib(rec!, marc21);
    expect(bib.title).toMatch(/[\p{Script=Han}\p{Script=Hiragana}]/u);
  });

  it('rejects each broken record of pymarc bad_records.mrc with its position and byte offset, and reads the good ones', async () => {
    const rs = await readIso2709Buffer(readFileSync(file('bad__pymarc__bad_records.mrc')));
    expect(rs.map((r) => r.ok)).toEqual([true, false, false, false, false, false, false, true]);
    const reasons = errors(rs).map((e) => [e.position, e.offset, e.message]);
    expect(reasons[0]).toEqual([
      2,
      127,
      expect.stringMatching(/base address of data 99937 is at or beyond the record length/),
    ]);
    expect(reasons[1]![2]).toMatch(/base address of data 0 is inside the leader/);
    expect(reasons[2]![2]).toMatch(/not a multiple of 12/);
    expect(reasons[3]![2]).toMatch(/directory holds a byte that is not ASCII/);
    expect(reasons[4]![2]).toMatch(/base address of data "f0037".*not a number/);
    expect(reasons[5]![2]).toMatch(/no fields/);
  });

  it.each([
    ['bad__pymarc__1251.dat', /bytes that MARC-8 does not define .*another character set/],
    ['bad__pymarc__bad_subfield_code.dat', /not the record terminator.*record length 755 is wrong/],
    ['bad__ruby-marc__utf8_with_bad_bytes.marc', /field 245 .* not valid UTF-8/],
    ['bad__ruby-marc__marc_with_bad_utf8.utf8.marc', /record length 1161 is wrong/],
    ['bad__traject__bad_utf_byte.utf8.marc', /field 300 .* not valid UTF-8/],
    ['bad__yaz__marc8.marc', /unknown character coding "\^" in Ldr\/09/],
    ['bad__pymarc__bad_marc8_escape.dat', /field 222 .* not valid MARC-8 .* ESC t is not a MARC-8/],
  ])('rejects %s with a reason naming the record and byte', async (name, reason) => {
    const rs = await readIso2709Buffer(readFileSync(file(name)));
    const errs = errors(rs);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.message).toMatch(/^record \d+ \(byte \d+\): /);
    expect(errs[0]!.message).toMatch(reason);
  });
});

describe('ISO 2709 reader: a bad field does not lose a sound record', () => {
  const one = async (name: string) => {
    const [r] = await readIso2709Buffer(readFileSync(file(name)));
    if (!r?.ok) throw new Error(`rejected: ${r?.error.message}`);
    return r;
  };
  it('pymarc bad_indicator.dat: the field with tag "0 2" is left out, the rest read (pymarc reads 245 $a)', async () => {
    const r = await one('bad__pymarc__bad_indicator.dat');
    expect(r.warnings).toEqual([
      'directory entry 1 at byte 24: tag "0 2" is not three letters or digits; the field is left out',
    ]);
    expect(r.record.fields.find((f) => f.tag === '245')).toMatchObject({
      subfields: [{ code: 'a', value: 'Aristocrats of color :' }, { code: 'b' }, { code: 'c' }],
    });
    expect(mapToBib(r.record, marc21).bib.title).toBe('Aristocrats of color : the Black elite, 1880-1920');
  });
  it('pymarc utf8_invalid.mrc: a subfield whose code is not ASCII is left out with a warning naming it', async () => {
    const r = await one('bad__pymarc__utf8_invalid.mrc');
    expect(r.warnings).toEqual([
      'field 260 at byte 474: subfield code "\uFFFD" is not an ASCII letter or digit; the subfield "\uFFFDbAssociation of Teacher Educators]" is left out',
    ]);
    expect(r.record.fields.find((f) => f.tag === '260')).toMatchObject({
      subfields: [
        { code: 'a', value: '[Washington, D.C.:' },
        { code: 'c', value: '1994.' },
      ],
    });
  });
  it('pymarc regression45.dat: a stray byte after the indicators is left out (pymarc reads 752 $a $b $d)', async () => {
    const r = await one('marc21__pymarc__regression45.dat');
    expect(r.warnings).toEqual([
      'field 752 at byte 3314: "  \\" stands where two indicators belong; indicators read as "  ", "\\" left out',
    ]);
    expect(r.record.fields.find((f) => f.tag === '752')).toEqual({
      tag: '752',
      ind1: ' ',
      ind2: ' ',
      subfields: [
        { code: 'a', value: 'Russian Federation' },
        { code: 'b', value: 'Kostroma Oblast' },
        { code: 'd', value: 'Kostroma' },
      ],
    });
  });
  it('yaz marc0.marc: an indicator that is a UTF-8 letter is read as blank', async () => {
    const r = await one('marc21__yaz__marc0.marc');
    expect(r.warnings).toEqual([
      'field 092 at byte 37: " á" stands where two indicators belong; indicators read as "  "',
    ]);
  });
  it('reads pymarc 1251.dat (Windows-1251 under a MARC-8 leader) when told its encoding', async () => {
    const rs = await readAll(
      readIso2709([readFileSync(file('bad__pymarc__1251.dat'))], { encoding: 'cp1251' }),
    );
    expect(errors(rs)).toEqual([]);
    expect(records(rs).map((r) => mapToBib(r, marc21).bib.title)).toContainEqual(
      expect.stringMatching(/^Мио, мой Мио!/),
    );
  });
  it('invalid UTF-8 still rejects the record: the text itself would be wrong', async () => {
    const [r] = await readIso2709Buffer(readFileSync(file('bad__traject__bad_utf_byte.utf8.marc')));
    expect(r?.ok).toBe(false);
  });
});

describe('UNIMARC', () => {
  const unimarc = DEFAULT_MAPPINGS.unimarc!;
  it('maps BnF records (marcjs bib.mrc): 200, 700, 210, 101, 001; 100 says ISO 5426 but the data is UTF-8', async () => {
    const rs = await readIso2709Buffer(readFileSync(file('unimarc__marcjs__bib.mrc')));
    expect(errors(rs)).toEqual([]);
    expect(rs[0]!.ok && rs[0]!.warnings).toEqual([
      '100 $a/26-29 names 01 ISO 646 (ASCII) + 03 ISO 5426 (extended Latin), but the data is UTF-8 (converted without updating 100); read as UTF-8',
    ]);
    const { bib } = mapToBib(records(rs)[1]!, unimarc);
    expect(bib).toMatchObject({
      title: expect.stringMatching(/^John Fell : the University press and the/),
      authors: [{ name: 'Morison, Stanley, 1889-1967', role: '070' }],
      publisher: 'Clarendon press',
      pubPlace: 'Oxford',
      pubDate: '1967',
      pubYear: 1967,
      language: 'eng',
      sourceIds: { local: 'FRBNF331056970000005' },
    });
  });
  it('maps the pymarc UNIMARC record (100 $a/26-29 "50": UTF-8): responsibility, ISBN, extent, series', async () => {
    const [r] = await readIso2709Buffer(readFileSync(file('unimarc__pymarc__testunimarc.dat')));
    if (!r?.ok) throw new Error('rejected');
    expect(r.warnings).toEqual([]);
    const { bib } = mapToBib(r.record, unimarc);
    expect(bib).toMatchObject({
      title: "L'altra faccia della spirale",
      responsibility: 'Isaac Asimov ; traduzione di Cesare Scaglia ; introduzione di Fruttero & Lucentini',
      isbn: '9788804406822',
      publisher: 'A. Mondadori',
      pubPlace: 'Milano',
      pubYear: 1996,
      extent: 'V, 201 p ; 20 cm',
      volume: '641',
      language: 'ita',
    });
    expect(bib.authors[0]).toEqual({ name: 'Asimov, Isaac', role: '070' });
  });
  it('maps a Sciences Po serial (periouni): ISSN kept as a note, subject with subdivisions', async () => {
    const rs = records(await readIso2709Buffer(readFileSync(file('unimarc__xbib-marc__periouni.mrc'))));
    const { bib } = mapToBib(rs[1]!, unimarc);
    expect(bib).toMatchObject({
      title: '20 century British history',
      publisher: 'Oxford University Press',
      notes: ['ISSN 0955-2359'],
      subjects: [{ term: 'Grande-Bretagne--20e siècle--Périodiques' }],
    });
  });
  it('reads the BnF MARCXML (marcjs bib.xml) to the same bibs as its ISO 2709 twin', async () => {
    const fromXml = records(await readAll(readMarcXml([readFileSync(file('unimarc__marcjs__bib.xml'))])));
    const fromIso = records(await readIso2709Buffer(readFileSync(file('unimarc__marcjs__bib.mrc'))));
    expect(fromXml.map((r) => mapToBib(r, unimarc).bib)).toEqual(
      fromIso.map((r) => mapToBib(r, unimarc).bib),
    );
  });

  // A UNIMARC record written in CP866 (the Cyrillic DOS code page): the 001 and the title of the
  // ruby-marc cp866 files, in a well-formed record (those files are not: see marc-real-data.test.ts)
  const cp866Record = (charsets: string) => {
    const text = encodeIso2709({
      leader: '00000nam0 22000001i 450 ',
      fields: [
        { tag: '001', value: 'Никитенко Е. А.' },
        {
          tag: '100',
          ind1: ' ',
          ind2: ' ',
          subfields: [{ code: 'a', value: `20070101d2005    m  y0rusy${charsets}    ca` }],
        },
        { tag: '101', ind1: '0', ind2: ' ', subfields: [{ code: 'a', value: 'rus' }] },
        {
          tag: '200',
          ind1: '1',
          ind2: ' ',
          subfields: [{ code: 'a', value: 'Автоматизация проектирования' }],
        },
      ],
    });
    // the same record with each field's text in CP866: re-encode, then fix the lengths
    const { record } = decodeIso2709Record(text);
    return encodeIso2709(record, { encode: (s) => iconv.encode(s, 'cp866') });
  };
  it('reads a CP866 record when told the encoding; without it, rejects it with the reason, never guesses', async () => {
    const bytes = cp866Record('    ');
    const [unknown] = await readIso2709Buffer(bytes);
    expect(unknown!.ok).toBe(false);
    expect(!unknown!.ok && unknown!.error.reason).toMatch(
      /character set is not known \(100 \$a\/26-29 is blank or missing\) and the data is not UTF-8; give the file's encoding \(e\.g\. --encoding cp866\)/,
    );
    const [told] = await readAll(readIso2709([bytes], { encoding: 'cp866' }));
    if (!told?.ok) throw new Error('rejected');
    expect(told.record.fields[0]).toEqual({ tag: '001', value: 'Никитенко Е. А.' });
    expect(mapToBib(told.record, unimarc).bib).toMatchObject({
      title: 'Автоматизация проектирования',
      language: 'rus',
    });
  });
  it('rejects a record whose 100 names a set Bunko does not read and whose bytes are not UTF-8', async () => {
    const [r] = await readIso2709Buffer(cp866Record('02  '));
    expect(!r!.ok && r!.error.reason).toMatch(
      /100 \$a\/26-29 names 02 ISO registration #37 \(basic Cyrillic\), which Bunko does not read/,
    );
  });
  it('the real CP866 files decode as CP866 but are rejected for their lengths', async () => {
    const rs = await readAll(
      readIso2709([readFileSync(file('unimarc__ruby-marc__cp866_multirecord.marc'))], { encoding: 'cp866' }),
    );
    expect(errors(rs).map((e) => e.reason)).toEqual([
      'byte 1166 is not the record terminator (0x1D): the record length 1167 is wrong',
      "the file ends after 1166 of the record's 1167 bytes (truncated file?)",
    ]);
  });
});

describe('ISO 2709 writer', () => {
  it('writes records that read back identically, lengths counted in UTF-8 bytes, Ldr/09 "a"', async () => {
    const original = records(await readIso2709Buffer(readFileSync(NDL)));
    const out = Buffer.concat(original.map((r) => encodeIso2709(r)));
    const again = records(await readIso2709Buffer(out));
    expect(again).toHaveLength(180);
    for (const [i, r] of again.entries()) {
      expect(r.fields).toEqual(original[i]!.fields);
      expect(r.leader[9]).toBe('a');
    }
    const one = encodeIso2709(original[0]!);
    expect(Number(one.subarray(0, 5).toString())).toBe(one.length);
  });

  it('writes what yaz-marcdump reads without complaint', () => {
    requireTool('yaz-marcdump', 'yaz');
    const rec: MarcRecord = {
      leader: '00000nam a2200000 i 4500',
      fields: [
        { tag: '001', value: 'x1' },
        { tag: '245', ind1: '0', ind2: '0', subfields: [{ code: 'a', value: '沖縄の海と𠮷野家' }] },
      ],
    };
    const path = join(mkdtempSync(join(tmpdir(), 'bunko-marc-')), 'one.mrc');
    writeFileSync(path, encodeIso2709(rec));
    const res = spawnSync('yaz-marcdump', ['-i', 'marc', '-o', 'line', path]);
    expect(res.status).toBe(0);
    expect(res.stderr.toString()).toBe('');
    expect(res.stdout.toString()).toContain('沖縄の海と𠮷野家');
  });

  it('refuses a field value holding a MARC delimiter instead of writing a broken record', () => {
    const rec: MarcRecord = {
      leader: '',
      fields: [{ tag: '245', ind1: '0', ind2: '0', subfields: [{ code: 'a', value: 'a\x1eb' }] }],
    };
    expect(() => encodeIso2709(rec)).toThrow(/delimiter/);
  });
});

describe('MARCXML', () => {
  it('reads namespaced (marc: prefix) and un-namespaced collections', async () => {
    const ns = records(
      await readAll(readMarcXml(createReadStream(file('marc21__pymarc__batch.xml'), { highWaterMark: 512 }))),
    );
    expect(ns).toHaveLength(2);
    const plain = records(
      await readAll(readMarcXml([readFileSync(file('jp__bibdata__99100026953506421.mrx'))])),
    );
    expect(plain).toHaveLength(1);
  });

  it('takes the vernacular title from a linked 880 when the 245 is romanised (as US libraries catalogue)', async () => {
    // one record has a kanji title in its 880, the other one written in katakana only
    const kanji = records(
      await readAll(readMarcXml([readFileSync(file('jp__bibdata__99100026953506421.mrx'))])),
    );
    expect(mapToBib(kanji[0]!, marc21).bib.title).toContain('雑誌「国教」と九州真宗');
    const kana = records(
      await readAll(readMarcXml([readFileSync(file('jp__bibdata__9931192963506421.mrx'))])),
    );
    const { bib } = mapToBib(kana[0]!, marc21);
    expect(bib.title).toMatch(/^エコノミスト/);
    expect(bib.titleReading).toMatch(/^エコノミスト/);
  });

  it('round-trips ISO 2709 → MARCXML → the same fields, entities and all', async () => {
    const original = records(await readIso2709Buffer(readFileSync(NDL)));
    const xml = MARCXML_HEAD + original.map(encodeMarcXmlRecord).join('') + MARCXML_TAIL;
    const back = records(await readAll(readMarcXml([Buffer.from(xml)])));
    expect(back.map((r) => r.fields)).toEqual(original.map((r) => r.fields));
    const tricky: MarcRecord = {
      leader: '00000nam a2200000 i 4500',
      fields: [{ tag: '245', ind1: '0', ind2: '0', subfields: [{ code: 'a', value: 'A & B <C> "D"' }] }],
    };
    const [r] = records(
      await readAll(readMarcXml([Buffer.from(MARCXML_HEAD + encodeMarcXmlRecord(tricky) + MARCXML_TAIL)])),
    );
    expect(r!.fields).toEqual(tricky.fields);
  });

  it.each([
    ['bad__pymarc__bad_tag.xml', /leader " {6}Z {3}22 4500" is 17 characters, not 24/],
    ['bad__ruby-marc__no-leading-zero.xml', /datafield tag "42" read as "042"/],
  ])('reads %s past its bad leader or tag, with a warning (as ruby-marc does)', async (name, warning) => {
    const [r] = await readAll(readMarcXml([readFileSync(file(name))]));
    if (!r?.ok) throw new Error('rejected');
    expect(r.warnings).toContainEqual(expect.stringMatching(warning));
    expect(r.record.leader).toHaveLength(24);
    // ruby-marc: record['042'].to_s == "042 zz $a dc "
    expect(r.record.fields.find((f) => f.tag === '042')).toEqual({
      tag: '042',
      ind1: 'z',
      ind2: 'z',
      subfields: [{ code: 'a', value: 'dc' }],
    });
  });
});

describe('bib → MARC 21 → bib', () => {
  it('gives back the same bib for every NDL record', async () => {
    for (const rec of records(await readIso2709Buffer(readFileSync(NDL)))) {
      const { bib } = mapToBib(rec, marc21);
      const now = new Date();
      const written = encodeIso2709(bibToMarc({ ...bib, id: 'x', createdAt: now, updatedAt: now }));
      const [back] = records(await readIso2709Buffer(written));
      expect(mapToBib(back!, marc21).bib).toEqual(bib);
    }
  });
});

describe('mappings as data', () => {
  it('a tenant override replaces only the rules it names', () => {
    const m = resolveMapping('marc21', {
      marcMapping: { marc21: { fields: { summary: [{ tag: '500', subfields: 'a' }] } } },
    });
    expect(m.fields.summary).toEqual([{ tag: '500', subfields: 'a' }]);
    expect(m.fields.title).toEqual(DEFAULT_MAPPINGS.marc21!.fields.title);
  });
  it('names what is wrong in an invalid override, and unknown mappings', () => {
    expect(() =>
      resolveMapping('trc', { marcMapping: { trc: { fields: { title: [{ tag: '24' }] } } } }),
    ).toThrow(/fields\.title\.0\.tag/);
    expect(() => resolveMapping('nope', {})).toThrow(/unknown MARC mapping "nope"/);
  });
  it('the TRC default reads a TRC-style record (title with reading in the same field)', () => {
    const rec: MarcRecord = {
      leader: '00000nam a2200000   4500',
      fields: [
        { tag: '001', value: '19012345' },
        { tag: '010', ind1: ' ', ind2: ' ', subfields: [{ code: 'a', value: '4-7949-7075-7' }] },
        {
          tag: '251',
          ind1: ' ',
          ind2: ' ',
          subfields: [
            { code: 'a', value: '猫の本' },
            { code: 'd', value: 'ネコ ノ ホン' },
          ],
        },
      ],
    };
    const { bib } = mapToBib(rec, DEFAULT_MAPPINGS.trc!);
    expect(bib).toMatchObject({
      title: '猫の本',
      titleReading: 'ネコ ノ ホン',
      trcNumber: '19012345',
      isbn: '9784794970756',
    });
    expect(bib.sourceIds).toEqual({ TRC: '19012345' });
  });
});

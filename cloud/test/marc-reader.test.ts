import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bibToMarc } from '../src/domain/marc/bib-to-marc.ts';
import { readIso2709, readIso2709Buffer } from '../src/domain/marc/iso2709-reader.ts';
import { encodeIso2709 } from '../src/domain/marc/iso2709-writer.ts';
import { mapToBib } from '../src/domain/marc/map-to-bib.ts';
import { DEFAULT_MAPPINGS, resolveMapping } from '../src/domain/marc/mapping.ts';
import { encodeMarcXmlRecord, MARCXML_HEAD, MARCXML_TAIL, readMarcXml } from '../src/domain/marc/marcxml.ts';
import type { MarcRecord, ReadResult } from '../src/domain/marc/record.ts';

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
const hasYaz = spawnSync('yaz-marcdump', ['-V']).status !== null;

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
    expect(reasons[4]![2]).toMatch(/base address of data "f0037".*not a number/);
    expect(reasons[5]![2]).toMatch(/no fields/);
  });

  it.each([
    ['bad__pymarc__utf8_invalid.mrc', /subfield code .* not a printable ASCII/],
    ['bad__pymarc__1251.dat', /MARC-8 is not supported/],
    ['bad__pymarc__bad_indicator.dat', /tag "0 2" is not three letters or digits/],
    ['bad__pymarc__bad_subfield_code.dat', /not the record terminator.*record length 755 is wrong/],
    ['bad__ruby-marc__utf8_with_bad_bytes.marc', /field 245 .* not valid UTF-8/],
    ['bad__ruby-marc__marc_with_bad_utf8.utf8.marc', /record length 1161 is wrong/],
    ['bad__traject__bad_utf_byte.utf8.marc', /field 300 .* not valid UTF-8/],
    ['bad__yaz__marc8.marc', /unknown character coding "\^" in Ldr\/09/],
    ['marc21__pymarc__marc8.dat', /field 240 .* MARC-8 is not supported/],
  ])('rejects %s with a reason naming the record and byte', async (name, reason) => {
    const rs = await readIso2709Buffer(readFileSync(file(name)));
    const errs = errors(rs);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.message).toMatch(/^record \d+ \(byte \d+\): /);
    expect(errs[0]!.message).toMatch(reason);
  });
});

describe('ISO 2709 writer', () => {
  it('writes records that read back identically, lengths counted in UTF-8 bytes, Ldr/09 "a"', async () => {
    const original = records(await readIso2709Buffer(readFileSync(NDL)));
    const out = Buffer.concat(original.map(encodeIso2709));
    const again = records(await readIso2709Buffer(out));
    expect(again).toHaveLength(180);
    for (const [i, r] of again.entries()) {
      expect(r.fields).toEqual(original[i]!.fields);
      expect(r.leader[9]).toBe('a');
    }
    const one = encodeIso2709(original[0]!);
    expect(Number(one.subarray(0, 5).toString())).toBe(one.length);
  });

  it.skipIf(!hasYaz)('writes what yaz-marcdump reads without complaint', () => {
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
    expect(mapToBib(plain[0]!, marc21).bib.title.length).toBeGreaterThan(0);
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
    ['bad__pymarc__bad_tag.xml', /leader .* not 24 ASCII characters/],
    ['bad__ruby-marc__no-leading-zero.xml', /tag "42" is not three letters or digits/],
  ])('rejects %s with a reason', async (name, reason) => {
    const errs = errors(await readAll(readMarcXml([readFileSync(file(name))])));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toMatch(reason);
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

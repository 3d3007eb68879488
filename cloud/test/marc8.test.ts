import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIso2709Buffer } from '../src/domain/marc/iso2709-reader.ts';
import { encodeIso2709 } from '../src/domain/marc/iso2709-writer.ts';
import { mapToBib } from '../src/domain/marc/map-to-bib.ts';
import { DEFAULT_MAPPINGS } from '../src/domain/marc/mapping.ts';
import { decodeMarc8, Marc8Error, marc8Dropped, marc8InitialState } from '../src/domain/marc/marc8.ts';
import { readMarcXml } from '../src/domain/marc/marcxml.ts';
import {
  type DataField,
  isControlField,
  type MarcRecord,
  type ReadResult,
} from '../src/domain/marc/record.ts';
import { requireTool } from './support/tools.ts';

const file = (name: string) => join(import.meta.dirname, 'fixtures/marc', name);
const m8 = (s: string) => decodeMarc8(Buffer.from(s, 'latin1'));
const marc8Error = (s: string) => {
  try {
    m8(s);
  } catch (e) {
    if (e instanceof Marc8Error) return e;
    throw e;
  }
  throw new Error(`decoded without error: ${JSON.stringify(s)}`);
};
const lines = (b: Buffer) => {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, start)) {
    out.push(b.subarray(start, i));
    start = i + 1;
  }
  if (start < b.length) out.push(b.subarray(start));
  return out;
};
const okRecords = (rs: ReadResult[]) => rs.flatMap((r) => (r.ok ? [r.record] : []));
const field = (r: MarcRecord, tag: string, linked?: string) =>
  r.fields.find(
    (f): f is DataField =>
      f.tag === tag && !isControlField(f) && (!linked || f.subfields[0]?.value.startsWith(linked) === true),
  );
const text = (f: DataField | undefined) => f?.subfields.map((s) => `$${s.code}${s.value}`).join('');

describe('MARC-8 decoder', () => {
  it("decodes all 1,515 of pymarc's test lines to the UTF-8 it expects", () => {
    const marc8 = lines(readFileSync(file('marc8-vectors__pymarc__test_marc8.txt')));
    const utf8 = lines(readFileSync(file('marc8-vectors__pymarc__test_utf8.txt'))).map((b) => b.toString());
    expect(marc8).toHaveLength(1515);
    expect(utf8).toHaveLength(1515);
    const wrong = marc8.flatMap((line, i) => {
      const got = decodeMarc8(line);
      return got === utf8[i] ? [] : [{ line: i + 1, got, expected: utf8[i] }];
    });
    expect(wrong).toEqual([]);
  });

  it('moves ANSEL diacritics after their letter and composes (NFC)', () => {
    expect(m8('caf\xe2e cr\xe1eme br\xe3ul\xe2ee')).toBe('café crème brûlée');
    expect(m8('\xf2\xe3a')).toBe('ậ'); // two marks on one letter: dot below, circumflex
    expect(m8('\xe2')).toBe('\u0301'); // a mark with no letter is kept
    expect(m8('Stra\xc7e \xc8')).toBe('Straße €'); // LC's 2004 additions
  });

  it('switches G0 and G1 by escape sequences: Cyrillic, Hebrew as G1, Greek, sub/superscripts, EACC', () => {
    expect(m8('\x1b(Nmoskwa\x1b(B!')).toBe('МОСКВА!');
    expect(m8('\x1b)2\xf9\xec\xe5\xed')).toBe('שלום'); // Basic Hebrew in G1: high bytes
    expect(m8('\x1b(S\x61\x62\x1b(B')).toBe('αβ');
    expect(m8('H\x1bb2\x1bsO x\x1bp2\x1bs')).toBe('H₂O x²');
    expect(m8('\x1b$1!0d !0d\x1b(B')).toBe('人 人'); // a lone space stays one byte
    expect(m8('\x1b$1i$Ki$[\x1b(B')).toBe('にほ'); // three bytes a character: hiragana
  });

  it('carries the designated sets from one subfield to the next when given the same state', () => {
    const state = marc8InitialState();
    expect(decodeMarc8(Buffer.from('\x1b$1!0d', 'latin1'), state)).toBe('人');
    expect(decodeMarc8(Buffer.from('!0d\x1b(B.', 'latin1'), state)).toBe('人.');
  });

  it('turns character references into characters and drops control bytes, noting them', () => {
    expect(m8('a&#x200F;b &#x1F600;')).toBe('a\u200fb 😀');
    const state = marc8InitialState();
    expect(decodeMarc8(Buffer.from('a\x0cb\x1ac', 'latin1'), state)).toBe('abc');
    expect(marc8Dropped(state)).toBe('0x0C 0x1A');
  });

  it('refuses a bad escape sequence and an EACC character cut short, naming the byte; leaves out a code no set defines', () => {
    expect(marc8Error('La Soci\xe2et\x1bt,')).toMatchObject({
      index: 10,
      reason: 'escape sequence ESC t is not a MARC-8 character set designation',
    });
    expect(marc8Error('ab\x1b(Z').reason).toBe('escape sequence ESC ( Z names no MARC-8 character set');
    expect(marc8Error('ab\x1b$').reason).toMatch(/ends inside the escape sequence/);
    expect(marc8Error('ab\x1b').reason).toMatch(/ends with an escape character/);
    expect(marc8Error('\x1b(1').reason).toMatch(/East Asian \(EACC\) is a multibyte set/);
    // a single code ANSEL does not define is left out and noted, not an error (as yaz reads it)
    const state = marc8InitialState();
    expect(decodeMarc8(Buffer.from('x\xafy', 'latin1'), state)).toBe('xy');
    expect([...state.undefinedCodes]).toEqual([0xaf]);
    expect(marc8Error('\x1b$1!0d!0')).toMatchObject({
      index: 6,
      reason: expect.stringMatching(/cut short: 2 of its 3/),
    });
    expect(marc8Error('\x1b$1~~~').reason).toBe('0x7E 0x7E 0x7E is not a character of East Asian (EACC)');
  });
});

describe('ISO 2709 reader, MARC-8 records (Ldr/09 blank)', () => {
  it('reads the ten records of xbib IRMARC8.bin: Japanese, Chinese, Korean, Arabic, Hebrew, Cyrillic', async () => {
    const rs = await readIso2709Buffer(readFileSync(file('jp__xbib-marc__IRMARC8.bin')));
    expect(rs.map((r) => r.ok)).toEqual(Array(10).fill(true));
    const recs = okRecords(rs);
    const titles = recs.map((r) => mapToBib(r, DEFAULT_MAPPINGS.marc21!).bib.title);
    expect(titles[0]).toBe('アーツ・アンド・クラフツと日本 = The arts & crafts movement and Japan');
    expect(titles[2]).toBe('福禄寿喜大观');
    expect(text(field(recs[1]!, '880', '245'))).toContain('Baekje=백제금동대향로 /');
    expect(text(field(recs[3]!, '880', '245'))).toContain('لقاءات وشهادات أدبية');
    expect(text(field(recs[7]!, '880', '240'))).toContain('אחים להתנגדות ולהצלה');
    expect(text(field(recs[9]!, '880', '245'))).toContain('Еврейская поэзия');
    expect(text(field(recs[0]!, '880', '700'))).toBe('$6700-03/$1$a藤田治彦,$d1951-');
    // the strings are Unicode now: Ldr/09 says so, and the writer's output reads back the same
    for (const r of recs) expect(r.leader[9]).toBe('a');
    const again = okRecords(await readIso2709Buffer(Buffer.concat(recs.map((r) => encodeIso2709(r)))));
    expect(again.map((r) => r.fields)).toEqual(recs.map((r) => r.fields));
  });

  it('reads ANSEL diacritics in pymarc marc8.dat and every diacritic of yaz marc7', async () => {
    const [rec] = okRecords(await readIso2709Buffer(readFileSync(file('marc21__pymarc__marc8.dat'))));
    expect(field(rec!, '240')!.subfields[0]!.value).toBe('De la solitude à la communauté.');
    const [voyager] = okRecords(await readIso2709Buffer(readFileSync(file('marc21__yaz__marc7.marc'))));
    expect(voyager!.fields.map((f) => ('subfields' in f ? text(f) : '')).join('\n')).toContain(
      'Umlaut (ö);  Hacek (ǒ)',
    );
  });

  it('rejects a bad escape sequence with the field, the byte and the reason; one undefined code is a warning, many a rejection', async () => {
    const [bad] = await readIso2709Buffer(readFileSync(file('bad__pymarc__bad_marc8_escape.dat')));
    expect(bad!.ok).toBe(false);
    expect(!bad!.ok && bad!.error.message).toBe(
      'record 1 (byte 0): field 222 at byte 624 $a is not valid MARC-8 (Ldr/09 blank): at byte 647, escape sequence ESC t is not a MARC-8 character set designation',
    );
    // a Danish character-set test (yaz marc10): 38 bytes no MARC-8 set defines — another character set
    const [undefinedCodes] = await readIso2709Buffer(readFileSync(file('marc21__yaz__marc10.marc')));
    expect(!undefinedCodes!.ok && undefinedCodes!.error.message).toMatch(
      /38 bytes that MARC-8 does not define \(0xA0 0xAF/,
    );
    // text in another character set is full of such codes: rejected, with the way to read it
    const cp1251 = await readIso2709Buffer(readFileSync(file('bad__pymarc__1251.dat')));
    expect(cp1251.map((r) => r.ok)).toEqual(Array(6).fill(false));
    expect(!cp1251[0]!.ok && cp1251[0]!.error.message).toMatch(
      /bytes that MARC-8 does not define .*another character set .*--encoding/,
    );
  });

  it('yaz marc12 (Chinese, EACC) is read: a stray subfield delimiter and an undefined code are warnings', async () => {
    const bytes = readFileSync(file('jp__yaz__marc12.marc'));
    const [r] = await readIso2709Buffer(bytes);
    expect(r!.ok).toBe(true);
    expect(r!.ok && r!.warnings.join('\n')).toMatch(/field 880 at byte 1985/);
    expect(r!.ok && r!.warnings).toContain(
      'MARC-8 codes their character set does not define, left out of the text: 0xFD',
    );
    // the record's 880 for 245, decoded on its own
    const start = bytes.indexOf('245-02/$1\x1fa', 0, 'latin1') + 11;
    const end = bytes.indexOf(0x1f, start);
    expect(decodeMarc8(bytes.subarray(start, end))).toBe('车票去哪儿了 /');
  });

  it('reads UTF-8 mislabelled as MARC-8 as UTF-8, with a warning, as before', async () => {
    const ndlFirst = readFileSync(file('jp__ndl-japan-marc21-first180.mrc')).subarray(0, 1288);
    const mislabelled = Buffer.from(ndlFirst);
    mislabelled[9] = 0x20;
    const [r] = await readIso2709Buffer(mislabelled);
    expect(r!.ok && r!.warnings).toEqual(['Ldr/09 says MARC-8 but the data is UTF-8; read as UTF-8']);
    expect(r!.ok && text(field(r!.record, '245'))).toContain('$aこれからの本の話をしよう');
  });

  const NCR = (s: string) =>
    s.replace(/&#x([0-9A-F]{4,6});/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)));
  // LC's table gives the two halves of a ligature or double tilde (U+FE20–FE23, as pymarc expects);
  // yaz writes one double diacritic (U+0361, U+0360) after the first letter and drops the second half.
  const asYaz = (s: string) =>
    s
      .replace(/\ufe20/g, '\u0361')
      .replace(/\ufe22/g, '\u0360')
      .replace(/[\ufe21\ufe23]/g, '');
  it.each([
    'jp__xbib-marc__IRMARC8.bin',
    'marc21__pymarc__marc8.dat',
    'marc21__yaz__marc7.marc',
    'marc21__yaz__marc9.marc',
  ])('decodes every field of %s as yaz-marcdump -f MARC-8 -t UTF-8 does', async (name) => {
    requireTool('yaz-marcdump', 'yaz');
    const ours = okRecords(await readIso2709Buffer(readFileSync(file(name))));
    const xml = execFileSync('yaz-marcdump', ['-f', 'MARC-8', '-t', 'UTF-8', '-o', 'marcxml', file(name)]);
    const theirs: MarcRecord[] = [];
    for await (const r of readMarcXml([xml])) if (r.ok) theirs.push(r.record);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.map((r) => asYaz(JSON.stringify(r.fields)))).toEqual(
      theirs.map((r) => NCR(JSON.stringify(r.fields)).normalize('NFC')),
    );
    const titles = (rs: MarcRecord[]) => rs.map((r) => text(field(r, '245')));
    expect(titles(ours).map((t) => asYaz(t!))).toEqual(titles(theirs).map((t) => NCR(t!).normalize('NFC')));
  });
});

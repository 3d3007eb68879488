import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, operationLog } from '../src/db/schema/index.ts';
import { provisionTenant } from '../src/domain/admin/provision-tenant.ts';
import { systemCtx } from '../src/domain/context.ts';
import { type ImportReport, importMarc } from '../src/domain/marc/import-marc.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * Every MARC file of ../shared/data (copied into fixtures/marc with its manifest, see SOURCES.md
 * there) goes through the importer into a library of its own, and the database is checked after.
 */
const dir = join(import.meta.dirname, 'fixtures/marc');
const [head, ...lines] = readFileSync(join(dir, 'manifest.tsv'), 'utf8').trimEnd().split(/\r?\n/);
const columns = head!.split('\t');
type Row = { fixture: string; records: number; file: string; encoding: string };
const manifest: Row[] = lines.map((line) => {
  const v = Object.fromEntries(line.split('\t').map((x, i) => [columns[i]!, x]));
  return {
    fixture: v.fixture!,
    records: Number.parseInt(v.fixture_records!, 10),
    file: v.file!,
    encoding: v.encoding!,
  };
});

/**
 * Files outside bad/ that cannot become catalogue records, each with the reason given. yaz marc0 is
 * one 092 field (a call number, no title). yaz marc1/marc2 are danMARC2 (three indicators, subfields in 001–009: another format). The two
 * "CP866 UNIMARC" files are a VINITI exchange format in ISO 2709 clothes: their leader says 1,167
 * bytes for records of 1,166, field 021's length overruns, fields have no indicators or subfield
 * codes and there is no 200 title (ruby-marc reads them only because it splits on 0x1D; yaz reads
 * 0 of 1 and 1 of 2). Their text does decode as CP866: see the UNIMARC tests in marc-reader.test.ts.
 * yaz marc10/marc11 are a Danish library's character-set test ("Tegnsæt-test"): 38 and 15 bytes
 * that no MARC-8 set defines (danMARC codes), which yaz drops silently; one or two such bytes in a
 * record are left out with a warning (yaz marc12), this many mean another character set.
 */
const NOT_IMPORTABLE: Record<string, RegExp> = {
  'marc21__yaz__marc0.marc': /no title \(245\)/,
  'marc21__yaz__marc1.marc': /indicator count 3 \(Ldr\/10\)/,
  'marc21__yaz__marc2.marc': /indicator count 3 \(Ldr\/10\)/,
  'unimarc__ruby-marc__cp866_unimarc.marc': /the record's 1167 bytes/,
  'unimarc__ruby-marc__cp866_multirecord.marc': /record length 1167 is wrong|the record's 1167 bytes/,
  'marc21__yaz__marc10.marc': /38 bytes that MARC-8 does not define .*another character set/,
  'marc21__yaz__marc11.marc': /15 bytes that MARC-8 does not define .*another character set/,
};

type Expect = {
  /** positions imported (the others rejected) */
  imported: number[];
  /** reason of each rejected record, by position */
  reasons?: Record<number, RegExp>;
  /** a warning the report must carry (a record imported with something read past) */
  warning?: RegExp;
  /** title of the first imported record */
  title?: RegExp;
};

/**
 * What each file of bad/ should give, decided from what pymarc, ruby-marc, traject and yaz expect of
 * it in their own tests: structural damage rejects the record; a bad tag, indicator or subfield code
 * is read past with a warning; a sound record (random tag order, an odd leader in XML) imports.
 */
const BAD: Record<string, Expect> = {
  'bad__pymarc__bad_records.mrc': {
    // pymarc test_reader.py, test_permissive_mode: ok, 5 exceptions, NoFieldsFound, ok
    imported: [1, 8],
    reasons: {
      2: /base address of data 99937 is at or beyond the record length/,
      3: /base address of data 0 is inside the leader/,
      4: /directory is 13 bytes long, not a multiple of 12/,
      5: /directory holds a byte that is not ASCII/,
      6: /base address of data "f0037" .* is not a number/,
      7: /the record has no fields/,
    },
    title: /^The pragmatic programmer/,
  },
  'bad__pymarc__alphatag.dat': { imported: [1], warning: /not three digits .*CAT/ },
  'bad__pymarc__bad_indicator.dat': {
    // pymarc reads it (245 $a "Aristocrats of color :"); its first directory entry has tag "0 2"
    imported: [1],
    warning: /tag "0 2" is not three letters or digits; the field is left out/,
    title: /^Aristocrats of color/,
  },
  'bad__pymarc__bad_subfield_code.dat': { imported: [], reasons: { 1: /record length 755 is wrong/ } },
  'bad__pymarc__bad_tag.xml': { imported: [1], warning: /tag "42" read as "042"/, title: /^The Untamed/ },
  'bad__pymarc__utf8_errors.dat': { imported: [1], title: /Imperial military middle school/ },
  'bad__pymarc__utf8_invalid.mrc': {
    imported: [1],
    warning: /field 260 .*subfield code "\uFFFD" is not an ASCII letter or digit/,
    title: /^The coming revolution in teacher licensure/,
  },
  'bad__ruby-marc__escaped_character_reference.marc8.marc': {
    imported: [],
    reasons: { 1: /no title \(245/ },
  },
  'bad__ruby-marc__marc8_accented_chars.marc': {
    imported: [],
    reasons: { 1: /field 100 .* not valid UTF-8/ },
  },
  'bad__ruby-marc__marc_with_bad_utf8.utf8.marc': {
    imported: [],
    reasons: { 1: /record length 1161 is wrong/ },
  },
  'bad__ruby-marc__messed_up_leader.xml': { imported: [1], title: /^Applied ecotoxicology/ },
  'bad__ruby-marc__no-leading-zero.xml': { imported: [1], warning: /tag "42" read as "042"/ },
  'bad__ruby-marc__non-numeric.dat': { imported: [1], warning: /not three digits .*ISB/ },
  'bad__ruby-marc__non-numeric.xml': { imported: [1], warning: /not three digits .*ISB/ },
  'bad__ruby-marc__random_tag_order.dat': { imported: [1], title: /^Blonde on blonde/ },
  'bad__ruby-marc__random_tag_order2.dat': { imported: [1] },
  'bad__ruby-marc__utf8_with_bad_bytes.marc': {
    imported: [],
    reasons: { 1: /field 245 .* not valid UTF-8/ },
  },
  'bad__traject__bad_utf_byte.utf8.marc': { imported: [], reasons: { 1: /field 300 .* not valid UTF-8/ } },
  'bad__traject__emptyish_record.marc': { imported: [1], title: /^Collection la philosophie en effet/ },
  'bad__yaz__marc4.marc': { imported: [], reasons: { 1: /record length 914 is wrong/ } },
  'bad__yaz__marc8.marc': { imported: [], reasons: { 1: /unknown character coding "\^" in Ldr\/09/ } },
  // Windows-1251 under a MARC-8 leader: every record full of bytes MARC-8 does not define
  'bad__pymarc__1251.dat': {
    imported: [],
    reasons: Object.fromEntries(
      [1, 2, 3, 4, 5, 6].map((n) => [n, /bytes that MARC-8 does not define .*--encoding cp1251/]),
    ),
  },
  'bad__pymarc__bad_marc8_escape.dat': {
    imported: [],
    reasons: { 1: /field 222 .* escape sequence ESC t is not a MARC-8 character set designation/ },
  },
  'bad__traject__bad_subfield_code.marc': {
    imported: [1],
    warning: /field 260 .*subfield code .* is not an ASCII letter or digit; the subfield .* is left out/,
  },
};

let database: Database;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.close();
});

let libraries = 0;
/** Import one fixture into a library of its own; the rows and log entries it wrote come back too. */
async function importFixture(row: Row) {
  const { tenant } = await provisionTenant(database.db, {
    code: `real${++libraries}`,
    nameJa: `実データ${libraries}`,
    nameEn: `real data ${libraries}`,
    staff: [],
  });
  const ctx = systemCtx(database.db, tenant.id, 'test:real-data');
  const report: ImportReport = await importMarc(ctx, {
    source: [readFileSync(join(dir, row.fixture))],
    format: /\.(xml|mrx)$/.test(row.fixture) ? 'marcxml' : 'iso2709',
  });
  const rows = await database.db.select().from(bibRecords).where(eq(bibRecords.tenantId, tenant.id));
  const created = await database.db
    .select({ details: operationLog.details })
    .from(operationLog)
    .where(and(eq(operationLog.tenantId, tenant.id), eq(operationLog.action, 'bib.create')));
  const positions = created.map((c) => (c.details as { position: number }).position).sort((a, b) => a - b);
  return { report, rows, positions };
}

/** What holds for every file: each rejection names its record and why, and left no row behind. */
function checkRejections(r: Awaited<ReturnType<typeof importFixture>>) {
  const { report, rows, positions } = r;
  for (const x of report.rejections) {
    expect(x.position).toBeGreaterThan(0);
    expect(x.reason.length).toBeGreaterThan(10);
    expect(positions).not.toContain(x.position);
  }
  for (const w of report.warnings) expect(w.position).toBeGreaterThan(0);
  expect(report.processed).toBe(report.created + report.updated + report.unchanged + report.rejected);
  // one row per record created, and each logged with its position: nothing of a rejected record
  expect(rows).toHaveLength(report.created);
  expect(positions).toHaveLength(report.created);
  for (const b of rows) expect(b.title.trim().length).toBeGreaterThan(0);
}

const good = manifest.filter((r) => !r.file.startsWith('bad/'));
const bad = manifest.filter((r) => r.file.startsWith('bad/'));

describe('real records from ../shared/data (fixtures/marc/manifest.tsv)', () => {
  it('has every MARC file of the shared manifest, and an expectation for every bad/ file', () => {
    expect(manifest.length).toBe(78);
    for (const r of manifest) expect(readFileSync(join(dir, r.fixture)).length).toBeGreaterThan(0);
    expect(bad.map((r) => r.fixture).sort()).toEqual(Object.keys(BAD).sort());
  });

  for (const row of good) {
    const notImportable = NOT_IMPORTABLE[row.fixture];
    if (notImportable) {
      it(`${row.fixture}: rejected whole, with the reason (${notImportable.source})`, async () => {
        const r = await importFixture(row);
        checkRejections(r);
        expect(r.report.created).toBe(0);
        expect(r.report.rejected).toBeGreaterThan(0);
        for (const x of r.report.rejections) expect(x.reason).toMatch(notImportable);
      });
      continue;
    }
    it(`${row.fixture}: imports all ${row.records} records (${row.encoding})`, async () => {
      const r = await importFixture(row);
      expect(r.report.rejections).toEqual([]);
      expect(r.report.processed).toBe(row.records);
      // a file may hold the same record twice (same id): it is then updated or unchanged, not lost
      expect(r.report.created + r.report.updated + r.report.unchanged).toBe(row.records);
      expect(r.report.mapping).toBe(row.file.startsWith('unimarc/') ? 'unimarc' : 'marc21');
      checkRejections(r);
    });
  }

  for (const row of bad) {
    const e = BAD[row.fixture];
    it(`${row.fixture}: ${e ? `imports ${JSON.stringify(e.imported)} of ${row.records}` : 'rejects or warns'}`, async () => {
      const r = await importFixture(row);
      checkRejections(r);
      expect(r.report.processed).toBe(row.records);
      if (!e) {
        // MARC-8 dependent: only that the file does not pass silently
        expect(r.report.rejected + r.report.warnings.length).toBeGreaterThan(0);
        return;
      }
      expect(r.positions).toEqual(e.imported);
      const rejected = r.report.rejections.map((x) => x.position);
      expect(rejected).toEqual(
        Array.from({ length: row.records }, (_, i) => i + 1).filter((p) => !e.imported.includes(p)),
      );
      for (const [p, reason] of Object.entries(e.reasons ?? {}))
        expect(r.report.rejections.find((x) => x.position === Number(p))?.reason).toMatch(reason);
      if (e.warning)
        expect(r.report.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(e.warning));
      if (e.title) expect(r.rows.map((b) => b.title)).toContainEqual(expect.stringMatching(e.title));
    });
  }
});

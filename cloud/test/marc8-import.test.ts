import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords } from '../src/db/schema/index.ts';
import { pickBibFields } from '../src/domain/marc/bib-fields.ts';
import type { ImportReport } from '../src/domain/marc/import-marc.ts';
import { readIso2709Buffer } from '../src/domain/marc/iso2709-reader.ts';
import { call, login, makeTenant, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';
import { requireTool } from './support/tools.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures/marc', name));
const IRMARC8 = 'jp__xbib-marc__IRMARC8.bin';

let database: Database;
let app: ReturnType<typeof testApp>;
const tenantIds: Record<string, string> = {};
const cookies: Record<string, string> = {};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  for (const code of ['m8a', 'm8b']) {
    tenantIds[code] = (await makeTenant(database, code)).tenant.id;
    cookies[code] = await login(app, code, 'librarian');
  }
});
afterAll(async () => {
  await database?.close();
});

async function importFile(tenant: string, body: Uint8Array) {
  const res = await app.request('/api/marc/import', {
    method: 'POST',
    headers: { cookie: cookies[tenant]!, 'content-type': 'application/marc' },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ImportReport;
}
const bibsOf = async (tenant: string) =>
  (
    await database.db
      .select()
      .from(bibRecords)
      .where(eq(bibRecords.tenantId, tenantIds[tenant]!))
      .orderBy(asc(bibRecords.title))
  ).map(pickBibFields);

describe('MARC import of MARC-8 records (Ldr/09 blank)', () => {
  it('creates the ten IRMARC8 records with their Japanese, Chinese and Latin titles', async () => {
    const report = await importFile('m8a', fixture(IRMARC8));
    expect(report).toMatchObject({ processed: 10, created: 10, rejected: 0 });
    const bibs = await bibsOf('m8a');
    const byIsbn = (isbn: string) => bibs.find((b) => b.isbn === isbn);
    expect(byIsbn('9784784212071')).toMatchObject({
      title: 'アーツ・アンド・クラフツと日本 = The arts & crafts movement and Japan',
      publisher: '思文閣出版',
      language: 'jpn',
    });
    expect(byIsbn('9787501018437')).toMatchObject({ title: '福禄寿喜大观', publisher: '文物出版社' });
    expect(bibs.map((b) => b.title)).toContain('Liqāʼāt wa-shahādāt adabīyah');
    for (const b of bibs) expect(b.title).toBe(b.title.normalize('NFC'));
  });

  it('imports the good record and rejects the bad escape sequence with position, offset and field', async () => {
    const good = fixture('marc21__pymarc__marc8.dat');
    const report = await importFile(
      'm8b',
      Buffer.concat([good, fixture('bad__pymarc__bad_marc8_escape.dat')]),
    );
    expect(report).toMatchObject({ processed: 2, created: 1, rejected: 1 });
    expect(report.rejections).toEqual([
      {
        position: 2,
        offset: good.length,
        reason: `field 222 at byte ${good.length + 624} $a is not valid MARC-8 (Ldr/09 blank): at byte ${good.length + 647}, escape sequence ESC t is not a MARC-8 character set designation`,
      },
    ]);
    const [bib] = await bibsOf('m8b');
    expect(bib).toMatchObject({ title: 'Escape from loneliness', publisher: 'Westminster Press' });
  });

  it('exports them as UTF-8 (Ldr/09 "a") that yaz-marcdump reads and that re-imports to the same records', async () => {
    const res = await call(app, cookies.m8a!, 'GET', '/api/marc/export');
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const records = await readIso2709Buffer(bytes);
    expect(records).toHaveLength(10);
    for (const r of records) expect(r.ok && r.record.leader[9]).toBe('a');
    requireTool('yaz-marcdump', 'yaz');
    const path = join(mkdtempSync(join(tmpdir(), 'bunko-marc8-')), 'export.mrc');
    writeFileSync(path, bytes);
    const yaz = spawnSync('yaz-marcdump', ['-n', '-v', path]);
    expect(yaz.stderr.toString()).toBe('');
    expect(spawnSync('yaz-marcdump', [path]).stdout.toString()).toContain('アーツ・アンド・クラフツと日本');
    const before = await bibsOf('m8a');
    const again = await importFile('m8a', bytes);
    expect(again).toMatchObject({ processed: 10, created: 0, rejected: 0 });
    expect(await bibsOf('m8a')).toEqual(before);
  });
});

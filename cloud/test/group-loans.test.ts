import { and, eq, isNull } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { loanRules, loans, patronCards, patrons } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, patronCategory, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let counter: string;
let groupId: string;
const BOX = ['1000001', '1000002', '1000003', '1000008'];

const activeGroupLoans = () =>
  database.db
    .select()
    .from(loans)
    .where(and(eq(loans.patronId, groupId), isNull(loans.returnedAt)));

const upload = (csv: Uint8Array) =>
  app.request(`/api/patrons/${groupId}/group-returns?locationId=${lib.mainId}`, {
    method: 'POST',
    headers: { cookie: counter, 'content-type': 'text/csv' },
    body: csv,
  });

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'grp');
  counter = await login(app, 'grp', 'counter');
  const cat = await patronCategory(database, lib.tenantId, 'group');
  await database.db.insert(loanRules).values({
    tenantId: lib.tenantId,
    patronCategoryId: cat!.id,
    loanDays: 30,
    maxItems: 100,
    maxRenewals: 0,
    renewalDays: 30,
    maxHolds: 0,
    overdueBlockDays: null,
  });
  const [school] = await database.db
    .insert(patrons)
    .values({
      tenantId: lib.tenantId,
      categoryId: cat!.id,
      name: '石垣小学校',
      nameReading: 'イシガキショウガッコウ',
      expiresOn: addDays(lib.today, 365),
    })
    .returning();
  groupId = school!.id;
  await database.db
    .insert(patronCards)
    .values({ tenantId: lib.tenantId, patronId: groupId, barcode: '29000001' });
  for (const itemBarcode of BOX) {
    const res = await call(app, counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: '29000001' },
      itemBarcode,
      locationId: lib.mainId,
    });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await database?.close();
});

describe('group loans (団体貸出)', () => {
  it('lends for the group period', async () => {
    const rows = await activeGroupLoans();
    expect(rows).toHaveLength(4);
    expect(rows[0]!.dueOn).toBe(addDays(lib.today, 30));
  });

  it('exports the group’s loans as CP932 CSV in the default layout', async () => {
    const res = await call(app, counter, 'GET', `/api/patrons/${groupId}/group-loans.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('Shift_JIS');
    const lines = iconv
      .decode(Buffer.from(await res.arrayBuffer()), 'cp932')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('資料番号,書名,書名ヨミ,著者,出版者,ISBN,分類,請求記号,貸出日,返却期限');
    expect(lines).toHaveLength(5);
    expect(lines.some((l) => l.startsWith('1000003,書名 popular,ショメイ'))).toBe(true);
  });

  it('refuses a non-group patron', async () => {
    const res = await call(app, counter, 'GET', `/api/patrons/${lib.patronIds.alice}/group-loans.csv`);
    expect(res.status).toBe(400);
  });

  it('rejects a returns file with bad rows, naming each, and returns nothing', async () => {
    const csv = iconv.encode('資料番号,書名\r\n1000001,a\r\n9999999,b\r\n1000001,c\r\n', 'cp932');
    const res = await upload(csv);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: { path: string; message: string }[] };
    expect(body.issues.map((i) => i.path)).toEqual(['row 3', 'row 4']);
    expect(body.issues[0]!.message).toContain('9999999');
    expect(await activeGroupLoans()).toHaveLength(4);
  });

  it('rejects a file without the barcode column', async () => {
    const res = await upload(new TextEncoder().encode('code,title\n1000001,a\n'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain('資料番号');
  });

  it('returns every listed item in one go from a CP932 file', async () => {
    const csv = iconv.encode(
      '資料番号,書名\r\n1000001,書名 novel\r\n1000002,書名 novel\r\n1000003,"書名, popular"\r\n',
      'cp932',
    );
    const res = await upload(csv);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ returned: 3 });
    const left = await activeGroupLoans();
    expect(left).toHaveLength(1);
  });

  it('reads UTF-8 with a BOM too', async () => {
    const res = await upload(
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('資料番号\n1000008\n')]),
    );
    expect(res.status).toBe(200);
    expect(await activeGroupLoans()).toHaveLength(0);
  });
});

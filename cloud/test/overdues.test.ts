import { and, eq } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { holds, items, jobRuns, loans, overdueNotices, patrons } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { runDueDailyJobs } from '../src/domain/jobs/daily.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;

/** Put an item on loan to a patron, due `dueIn` days from today (negative: overdue). */
async function lend(patron: string, barcode: string, dueIn: number) {
  await database.db.insert(loans).values({
    tenantId: lib.tenantId,
    itemId: lib.items[barcode]!.id,
    patronId: lib.patronIds[patron]!,
    locationId: lib.mainId,
    dueOn: addDays(lib.today, dueIn),
  });
  await database.db.update(items).set({ status: 'onLoan' }).where(eq(items.id, lib.items[barcode]!.id));
}

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'odue');
  librarian = await login(app, 'odue', 'librarian');
  // alice has e-mail and one loan 3 days over; bob (no e-mail, a name CP932 cannot hold) 20 days;
  // carol 40 days with two items; nobody else is overdue
  await database.db
    .update(patrons)
    .set({ email: 'alice@example.jp', postalCode: '907-0004', address: '沖縄県石垣市登野城1番地' })
    .where(eq(patrons.id, lib.patronIds.alice!));
  await database.db
    .update(patrons)
    .set({ name: '𠮷田 ボブ', postalCode: '907-0022', address: '沖縄県石垣市大川2番地' })
    .where(eq(patrons.id, lib.patronIds.bob!));
  await database.db
    .update(patrons)
    .set({ email: null, postalCode: '907-0021', address: '沖縄県石垣市石垣3番地' })
    .where(eq(patrons.id, lib.patronIds.carol!));
  await lend('alice', '1000001', -3);
  await lend('alice', '1000008', 5);
  await lend('bob', '1000002', -20);
  await lend('carol', '1000003', -40);
  await lend('carol', '1000009', -35);
});
afterAll(async () => {
  await database?.close();
});

const notices = () =>
  database.db.select().from(overdueNotices).where(eq(overdueNotices.tenantId, lib.tenantId));

describe('overdue notices (督促)', () => {
  it('the daily job makes one notice per overdue patron at the stage reached', async () => {
    const res = await call(app, librarian, 'POST', '/api/jobs/daily-circulation/run');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { notices: { created: number; overduePatrons: number } };
    expect(body.notices.overduePatrons).toBe(3);
    expect(body.notices.created).toBe(3);
    const rows = await notices();
    const of = (p: string) => rows.find((r) => r.patronId === lib.patronIds[p]);
    expect(of('alice')).toMatchObject({ stage: 1, channel: 'email', itemCount: 1 });
    expect(of('bob')).toMatchObject({ stage: 2, channel: 'postcard', itemCount: 1 });
    expect(of('carol')).toMatchObject({ stage: 3, channel: 'letter', itemCount: 2 });
  });

  it('running again the same day makes nothing new', async () => {
    const res = await call(app, librarian, 'POST', '/api/jobs/daily-circulation/run');
    const body = (await res.json()) as { notices: { created: number } };
    expect(body.notices.created).toBe(0);
    expect(await notices()).toHaveLength(3);
  });

  it('lists notices with titles only on sealed letters', async () => {
    const res = await call(app, librarian, 'GET', '/api/overdue-notices');
    const body = (await res.json()) as {
      notices: { channel: string; titles: string[]; email: string | null }[];
    };
    const letter = body.notices.find((n) => n.channel === 'letter')!;
    expect(letter.titles.sort()).toEqual(['書名 extra9', '書名 popular']);
    for (const n of body.notices.filter((x) => x.channel !== 'letter')) expect(n.titles).toEqual([]);
    expect(body.notices.find((n) => n.channel === 'email')!.email).toBe('alice@example.jp');
  });

  it('exports the postcard list as CP932 CSV without titles, marking characters CP932 lacks', async () => {
    const res = await call(app, librarian, 'GET', '/api/overdue-notices/postcards.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('Shift_JIS');
    expect(res.headers.get('x-bunko-replaced-characters')).toBe('1');
    const text = iconv.decode(Buffer.from(await res.arrayBuffer()), 'cp932');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('郵便番号,住所,氏名,督促段階,冊数,最も古い返却期限');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(`907-0022,沖縄県石垣市大川2番地,〓田 ボブ 様,2,1,${addDays(lib.today, -20)}`);
    expect(text).not.toContain('書名');
  });

  it('UTF-8 with BOM keeps every character', async () => {
    const res = await call(app, librarian, 'GET', '/api/overdue-notices/postcards.csv?encoding=utf8bom');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toContain('𠮷田 ボブ 様');
  });

  it('marking notices is permission-checked and logged', async () => {
    const counter = await login(app, 'odue', 'counter');
    const ids = (await notices()).map((n) => n.id);
    const denied = await call(app, counter, 'POST', '/api/overdue-notices/mark', { ids, status: 'printed' });
    expect(denied.status).toBe(403);
    const ok = await call(app, librarian, 'POST', '/api/overdue-notices/mark', { ids, status: 'printed' });
    expect(await ok.json()).toEqual({ updated: 3 });
  });
});

describe('the scheduled daily run', () => {
  it('runs once per tenant and day even when two servers tick at once', async () => {
    const [a, b] = await Promise.all([
      runDueDailyJobs(database.db, silentLogger),
      runDueDailyJobs(database.db, silentLogger),
    ]);
    expect([...a, ...b].filter((t) => t === lib.tenantId)).toHaveLength(1);
    expect(await runDueDailyJobs(database.db, silentLogger)).not.toContain(lib.tenantId);
    const runs = await database.db
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.tenantId, lib.tenantId), eq(jobRuns.job, 'daily-circulation')));
    expect(runs).toHaveLength(1);
    expect(runs[0]!.finishedAt).not.toBeNull();
  });

  it('expires a hold left on the shelf past its pickup date and passes the copy on', async () => {
    const bibId = lib.bibs.branchbook!;
    const itemId = lib.items['1000004']!.id;
    const [first] = await database.db
      .insert(holds)
      .values({
        tenantId: lib.tenantId,
        bibId,
        itemId,
        patronId: lib.patronIds.alice!,
        pickupLocationId: lib.mainId,
        status: 'available',
        trappedAt: new Date(),
        pickupBy: addDays(lib.today, -1),
      })
      .returning();
    const [second] = await database.db
      .insert(holds)
      .values({
        tenantId: lib.tenantId,
        bibId,
        patronId: lib.patronIds.bob!,
        pickupLocationId: lib.mainId,
        placedAt: new Date(Date.now() + 1000),
      })
      .returning();
    await database.db.update(items).set({ status: 'onHoldShelf' }).where(eq(items.id, itemId));
    const res = await call(app, librarian, 'POST', '/api/jobs/daily-circulation/run');
    expect(((await res.json()) as { expiredHolds: number }).expiredHolds).toBe(1);
    const [a] = await database.db.select().from(holds).where(eq(holds.id, first!.id));
    const [b] = await database.db
      .select()
      .from(holds)
      .where(and(eq(holds.id, second!.id)));
    expect(a!.status).toBe('expired');
    expect(b!.itemId).toBe(itemId);
    expect(['available', 'inTransit']).toContain(b!.status);
  });
});

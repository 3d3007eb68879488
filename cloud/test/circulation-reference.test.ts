/**
 * The tenant reference data (rules, locations, calendars, barcode settings) that checkout and return
 * keep in memory: read once, then only checked — and any change in the database, by this process,
 * another core process or a direct write, counts at the very next scan.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { calendars, loanRules, locations } from '../src/db/schema/index.ts';
import { addDays, isoWeekday } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let counter: string;
const statements: string[] = [];

const lendAndReturn = async (item: string, patron = 'alice') => {
  const out = await call(app, counter, 'POST', '/api/circulation/checkout', {
    patron: { cardBarcode: lib.cards[patron] },
    itemBarcode: item,
    locationId: lib.mainId,
  });
  const body = (await out.json()) as { dueOn: string; code?: string };
  expect(out.status, JSON.stringify(body)).toBe(200);
  const back = await call(app, counter, 'POST', '/api/circulation/return', {
    itemBarcode: item,
    locationId: lib.mainId,
  });
  expect(back.status).toBe(200);
  return body.dueOn;
};
/** the base rule: no type, no category, no location */
const baseRule = () =>
  and(eq(loanRules.tenantId, lib.tenantId), eq(loanRules.loanDays, loanDays), eq(loanRules.maxItems, 5));
let loanDays = 14;

beforeAll(async () => {
  database = await freshDatabase({ onQuery: (q) => statements.push(q) });
  app = testApp(database);
  lib = await makeLibrary(database, 'refdata');
  counter = await login(app, 'refdata', 'counter');
});
afterAll(async () => {
  await database?.close();
});
beforeEach(() => {
  statements.length = 0;
});

describe('reference data kept per tenant', () => {
  it('is read once; later scans only check it, in the same round trip as their lookups', async () => {
    await lendAndReturn('1000001');
    statements.length = 0;
    for (const item of ['1000001', '1000002', '1000003']) await lendAndReturn(item);
    const readsOf = (table: string) => statements.filter((s) => s.includes(`from "${table}"`)).length;
    expect(readsOf('loan_rules')).toBe(0);
    expect(readsOf('locations')).toBe(0);
    expect(readsOf('calendars')).toBe(0);
    expect(readsOf('calendar_days')).toBe(0);
    // every checkout and return checks the row versions instead
    expect(statements.filter((s) => s.includes('xmin')).length).toBe(6);
  });

  it('a loan rule changed directly in the database counts at the next checkout', async () => {
    expect(await lendAndReturn('1000001')).toBe(addDays(lib.today, 14));
    await database.db.update(loanRules).set({ loanDays: 21 }).where(baseRule());
    loanDays = 21;
    expect(await lendAndReturn('1000001')).toBe(addDays(lib.today, 21));
    await database.db.update(loanRules).set({ loanDays: 14 }).where(baseRule());
    loanDays = 14;
    expect(await lendAndReturn('1000001')).toBe(addDays(lib.today, 14));
  });

  it('a rule deleted and inserted again in one transaction (same count) is still noticed', async () => {
    expect(await lendAndReturn('1000002')).toBe(addDays(lib.today, 14));
    await database.db.transaction(async (tx) => {
      const [old] = await tx.delete(loanRules).where(baseRule()).returning();
      const { id: _id, ...rest } = old!;
      await tx.insert(loanRules).values({ ...rest, loanDays: 10 });
    });
    loanDays = 10;
    expect(await lendAndReturn('1000002')).toBe(addDays(lib.today, 10));
  });

  it('a weekly closed day added to the calendar moves the next due date', async () => {
    const due = addDays(lib.today, loanDays);
    await database.db
      .update(calendars)
      .set({ closedWeekdays: [isoWeekday(due)] })
      .where(eq(calendars.id, lib.calendarId));
    expect(await lendAndReturn('1000003')).toBe(addDays(due, 1));
    await database.db.update(calendars).set({ closedWeekdays: [] }).where(eq(calendars.id, lib.calendarId));
    expect(await lendAndReturn('1000003')).toBe(due);
  });

  it('a location taken off its calendar lends by plain arithmetic at once', async () => {
    const due = addDays(lib.today, loanDays);
    await database.db
      .update(calendars)
      .set({ closedWeekdays: [isoWeekday(due)] })
      .where(eq(calendars.id, lib.calendarId));
    await database.db.update(locations).set({ calendarId: null }).where(eq(locations.id, lib.mainId));
    expect(await lendAndReturn('1000008')).toBe(due);
    await database.db
      .update(locations)
      .set({ calendarId: lib.calendarId })
      .where(eq(locations.id, lib.mainId));
    expect(await lendAndReturn('1000008')).toBe(addDays(due, 1));
    await database.db.update(calendars).set({ closedWeekdays: [] }).where(eq(calendars.id, lib.calendarId));
  });
});

describe('lookups sent together', () => {
  it('two desks lending to one patron at once: the loan count is read after the patron lock, so the limit holds', async () => {
    const lend = (item: string) =>
      call(app, counter, 'POST', '/api/circulation/checkout', {
        patron: { cardBarcode: lib.cards.bob },
        itemBarcode: item,
        locationId: lib.mainId,
      });
    for (const item of ['1000009', '1000010', '1000011', '1000012'])
      expect((await lend(item)).status).toBe(200);
    // the fifth and sixth at once: the limit is 5
    const both = await Promise.all([lend('1000013'), lend('1000014')]);
    const bodies = (await Promise.all(both.map((r) => r.json()))) as { code?: string }[];
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(bodies.map((b) => b.code ?? 'lent').sort()).toEqual(['lent', 'loanLimitReached']);
    for (const item of ['1000009', '1000010', '1000011', '1000012', '1000013', '1000014'])
      await call(app, counter, 'POST', '/api/circulation/return', {
        itemBarcode: item,
        locationId: lib.mainId,
      });
  });

  it('a bad card is the reason given even when the item is unknown too', async () => {
    const res = await call(app, counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: '29999999' },
      itemBarcode: '1999999',
      locationId: lib.mainId,
    });
    expect(((await res.json()) as { code: string }).code).toBe('cardNotFound');
  });
});

describe('a hold picked up elsewhere', () => {
  it('a copy returned at the main library goes to the branch (回送中), arrives there and waits on the shelf', async () => {
    const give = async (locationId: string) => {
      const res = await call(app, counter, 'POST', '/api/circulation/return', {
        itemBarcode: '1000004',
        locationId,
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body as {
        hold: { status: string; pickupBy: string | null } | null;
        routeTo: unknown;
      };
    };
    const lent = await call(app, counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: lib.cards.alice },
      itemBarcode: '1000004',
      locationId: lib.mainId,
    });
    expect(lent.status).toBe(200);
    const placed = await call(app, counter, 'POST', '/api/holds', {
      patronId: lib.patronIds.carol,
      bibId: lib.bibs.branchbook,
      pickupLocationId: lib.branchId,
      contactMethod: 'none',
    });
    expect(placed.status).toBe(200);
    // returned at the main library: trapped for carol, sent to the branch
    expect((await give(lib.mainId)).hold).toMatchObject({ status: 'inTransit', pickupBy: null });
    // checked in at the branch: on the hold shelf until the pickup deadline (7 open days)
    expect((await give(lib.branchId)).hold).toMatchObject({
      status: 'available',
      pickupBy: addDays(lib.today, 7),
    });
    // scanned again on the shelf: not on loan, and nothing is trapped twice
    const again = await call(app, counter, 'POST', '/api/circulation/return', {
      itemBarcode: '1000004',
      locationId: lib.branchId,
    });
    expect(((await again.json()) as { code: string }).code).toBe('notOnLoan');
    const carolTakes = await call(app, counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: lib.cards.carol },
      itemBarcode: '1000004',
      locationId: lib.branchId,
    });
    expect(carolTakes.status).toBe(200);
    await give(lib.branchId);
  });
});

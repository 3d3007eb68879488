import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import {
  calendarDays,
  circulationEvents,
  holds,
  items,
  loans,
  operationLog,
  tenants,
} from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let counter: string;
let admin: string;

type Json = Record<string, unknown> & { code?: string };
const post = async (cookie: string, path: string, body: unknown) => {
  const res = await call(app, cookie, 'POST', path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const checkout = (
  patron: string,
  itemBarcode: string,
  extra: Record<string, unknown> = {},
  cookie = counter,
) =>
  post(cookie, '/api/circulation/checkout', {
    patron: { cardBarcode: lib.cards[patron] },
    itemBarcode,
    locationId: lib.mainId,
    ...extra,
  });
const giveBack = (itemBarcode: string, locationId = lib.mainId, extra: Record<string, unknown> = {}) =>
  post(counter, '/api/circulation/return', { itemBarcode, locationId, ...extra });
const activeLoan = async (barcode: string) => {
  const [l] = await database.db
    .select()
    .from(loans)
    .where(and(eq(loans.itemId, lib.items[barcode]!.id), isNull(loans.returnedAt)));
  return l;
};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'circ');
  counter = await login(app, 'circ', 'counter');
  admin = await login(app, 'circ', 'admin');
});
afterAll(async () => {
  await database?.close();
});

describe('checkout and return', () => {
  it('lends an item with a due date from the rules and logs it without the patron', async () => {
    const res = await checkout('alice', '1000001');
    expect(res.status).toBe(200);
    expect(res.body.dueOn).toBe(addDays(lib.today, 14));
    expect(res.body.title).toBe('書名 novel');
    const [log] = await database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, lib.tenantId), eq(operationLog.action, 'loan.checkout')));
    expect(log).toBeDefined();
    expect(JSON.stringify(log)).not.toContain(lib.patronIds.alice);
  });

  it('refuses the same item to a second patron while it is on loan', async () => {
    const res = await checkout('bob', '1000001');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('itemOnLoan');
  });

  it('return ends the loan and erases the patron link when the patron has not opted in', async () => {
    const loanBefore = await activeLoan('1000001');
    const res = await giveBack('1000001');
    expect(res.status).toBe(200);
    expect(res.body.wasOnLoan).toBe(true);
    expect(res.body.hold).toBeNull();
    const [after] = await database.db.select().from(loans).where(eq(loans.id, loanBefore!.id));
    expect(after!.returnedAt).not.toBeNull();
    expect(after!.patronId).toBeNull();
    const [item] = await database.db.select().from(items).where(eq(items.id, lib.items['1000001']!.id));
    expect(item!.status).toBe('available');
  });

  it('keeps the link for a patron who opted in to reading history', async () => {
    expect((await checkout('carol', '1000002')).status).toBe(200);
    const loan = await activeLoan('1000002');
    expect((await giveBack('1000002')).status).toBe(200);
    const [after] = await database.db.select().from(loans).where(eq(loans.id, loan!.id));
    expect(after!.patronId).toBe(lib.patronIds.carol);
  });

  it('records anonymised statistics events with no patron id', async () => {
    const events = await database.db
      .select()
      .from(circulationEvents)
      .where(eq(circulationEvents.tenantId, lib.tenantId));
    expect(events.filter((e) => e.kind === 'checkout').length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.kind === 'return').length).toBeGreaterThanOrEqual(2);
    const e = events.find((x) => x.kind === 'checkout')!;
    expect(e.materialTypeCode).toBe('book');
    expect(e.patronCategoryCode).toBe('general');
    expect(e.ndcClass).toBeTruthy();
    expect(e.ageBand).toBeTruthy();
    expect(Object.keys(e)).not.toContain('patronId');
  });

  it('an unknown item or card is a clear 404, not a match to something else', async () => {
    expect((await checkout('alice', '9999999')).body.code).toBe('itemNotFound');
    const res = await post(counter, '/api/circulation/checkout', {
      patron: { cardBarcode: '2999999' },
      itemBarcode: '1000003',
      locationId: lib.mainId,
    });
    expect(res.body.code).toBe('cardNotFound');
  });

  it('refuses expired and suspended patrons and reference books, with the reason', async () => {
    expect((await checkout('expired', '1000003')).body.code).toBe('patronExpired');
    expect((await checkout('suspended', '1000003')).body.code).toBe('patronSuspended');
    const ref = await checkout('alice', '1000007');
    expect(ref.body.code).toBe('itemNotLoanable');
  });

  it('lets a staff member with circulation.override lend past an overridable refusal, and logs it', async () => {
    const denied = await checkout('expired', '1000003', { override: true });
    expect(denied.status).toBe(403); // the counter role has no override permission
    const res = await checkout('expired', '1000003', { override: true }, admin);
    expect(res.status).toBe(200);
    expect(res.body.overridden).toEqual(['patronExpired']);
    expect((await giveBack('1000003')).status).toBe(200);
  });

  it('applies the per-type limit (1 DVD) and the overall limit', async () => {
    expect((await checkout('bob', '1000005')).status).toBe(200);
    const second = await checkout('bob', '1000006');
    expect(second.body.code).toBe('typeLimitReached');
    for (const b of ['1000008', '1000009', '1000010', '1000011'])
      expect((await checkout('bob', b)).status).toBe(200);
    expect((await checkout('bob', '1000012')).body.code).toBe('loanLimitReached');
    for (const b of ['1000005', '1000008', '1000009', '1000010', '1000011']) await giveBack(b);
  });

  it('blocks new loans while the patron has an overdue item (no fines)', async () => {
    expect((await checkout('bob', '1000008')).status).toBe(200);
    const loan = await activeLoan('1000008');
    await database.db
      .update(loans)
      .set({ dueOn: addDays(lib.today, -3) })
      .where(eq(loans.id, loan!.id));
    expect((await checkout('bob', '1000009')).body.code).toBe('patronHasOverdues');
    const back = await giveBack('1000008');
    expect(back.body.wasOverdue).toBe(true);
    expect((await checkout('bob', '1000009')).status).toBe(200);
    await giveBack('1000009');
  });

  it('a book-drop return takes its effective date; a future date is refused', async () => {
    expect((await checkout('alice', '1000010')).status).toBe(200);
    const loan = await activeLoan('1000010');
    const future = await giveBack('1000010', lib.mainId, { effectiveDate: addDays(lib.today, 1) });
    expect(future.status).toBe(400);
    expect(future.body.code).toBe('validation');
    const res = await giveBack('1000010', lib.mainId, { effectiveDate: addDays(lib.today, -1) });
    expect(res.status).toBe(200);
    const [after] = await database.db.select().from(loans).where(eq(loans.id, loan!.id));
    expect(after!.returnedAt!.toISOString().slice(0, 10)).toBe(addDays(lib.today, -1));
  });

  it('routes an item returned at another location back home (回送)', async () => {
    expect((await checkout('alice', '1000004')).status).toBe(200);
    const res = await giveBack('1000004', lib.mainId);
    expect(res.body.routeTo).toMatchObject({ locationId: lib.branchId, nameJa: '分館' });
    const [item] = await database.db.select().from(items).where(eq(items.id, lib.items['1000004']!.id));
    expect(item!.status).toBe('inTransit');
    expect(item!.inTransitTo).toBe(lib.branchId);
    // arriving at the branch puts it back on the shelf
    const home = await giveBack('1000004', lib.branchId);
    expect(home.body.routeTo).toBeNull();
    const [again] = await database.db.select().from(items).where(eq(items.id, lib.items['1000004']!.id));
    expect(again!.status).toBe('available');
  });
});

describe('due dates follow the calendar', () => {
  it('moves a due date that falls on a closed day to the next open day', async () => {
    const due = addDays(lib.today, 14);
    await database.db.insert(calendarDays).values([
      {
        tenantId: lib.tenantId,
        calendarId: lib.calendarId,
        day: due,
        kind: 'closed',
        reasonJa: '特別整理期間',
      },
      {
        tenantId: lib.tenantId,
        calendarId: lib.calendarId,
        day: addDays(due, 1),
        kind: 'closed',
        reasonJa: '特別整理期間',
      },
    ]);
    const res = await checkout('alice', '1000011');
    expect(res.body.dueOn).toBe(addDays(due, 2));
    await giveBack('1000011');
  });
});

describe('idempotency and concurrency', () => {
  it('a retried checkout with the same key returns the first loan instead of lending twice', async () => {
    const key = 'desk1-0001-retry';
    const first = await checkout('alice', '1000012', { idempotencyKey: key });
    const again = await checkout('alice', '1000012', { idempotencyKey: key });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.loanId).toBe(first.body.loanId);
    expect(again.body.replayed).toBe(true);
    const all = await database.db.select().from(loans).where(eq(loans.itemId, lib.items['1000012']!.id));
    expect(all.filter((l) => l.returnedAt === null)).toHaveLength(1);
    // the same key for a different item is a client bug, not a replay
    const misuse = await checkout('alice', '1000013', { idempotencyKey: key });
    expect(misuse.body.code).toBe('idempotencyMismatch');
    await giveBack('1000012');
  });

  it('the same request sent twice at once (a retry racing the original) makes one loan', async () => {
    const key = 'desk2-race-0001';
    const [a, b] = await Promise.all([
      checkout('carol', '1000012', { idempotencyKey: key }),
      checkout('carol', '1000012', { idempotencyKey: key }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.loanId).toBe(b.body.loanId);
    expect([a.body.replayed, b.body.replayed].sort()).toEqual([false, true]);
    await giveBack('1000012');
  });

  it('two desks lending the same item at once: exactly one wins', async () => {
    const [a, b] = await Promise.all([checkout('alice', '1000013'), checkout('carol', '1000013')]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const active = await database.db
      .select()
      .from(loans)
      .where(and(eq(loans.itemId, lib.items['1000013']!.id), isNull(loans.returnedAt)));
    expect(active).toHaveLength(1);
    await giveBack('1000013');
  });
});

describe('renewals', () => {
  it('renews from today by the rule, then refuses past the renewal limit', async () => {
    expect((await checkout('alice', '1000014')).status).toBe(200);
    const r1 = await post(counter, '/api/circulation/renew', { itemBarcode: '1000014' });
    expect(r1.status).toBe(200);
    expect(r1.body.renewals).toBe(1);
    // today+14 and +15 were closed by the calendar test above, so the renewal lands on +16
    expect(r1.body.dueOn).toBe(addDays(lib.today, 16));
    const r2 = await post(counter, '/api/circulation/renew', { itemBarcode: '1000014' });
    expect(r2.body.code).toBe('renewalLimit');
  });

  it('refuses a renewal when someone else holds the title', async () => {
    expect((await checkout('alice', '1000003')).status).toBe(200);
    const hold = await post(counter, '/api/holds', {
      patronId: lib.patronIds.bob,
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'phone',
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    const r = await post(counter, '/api/circulation/renew', { itemBarcode: '1000003' });
    expect(r.body.code).toBe('renewalHeld');
  });
});

describe('holds', () => {
  it('traps a returned copy for the first in the queue and says so', async () => {
    // bob's hold on "popular" (lent to alice) is first; carol queues behind
    const carol = await post(counter, '/api/holds', {
      patronId: lib.patronIds.carol,
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(carol.body.queuePosition).toBe(2);
    const dup = await post(counter, '/api/holds', {
      patronId: lib.patronIds.carol,
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(dup.body.code).toBe('holdDuplicate');

    const back = await giveBack('1000003');
    expect(back.body.hold).toMatchObject({ status: 'available', pickupLocationJa: '本館' });
    expect(back.body.hold).toHaveProperty('pickupBy', addDays(lib.today, 7));
    const [item] = await database.db.select().from(items).where(eq(items.id, lib.items['1000003']!.id));
    expect(item!.status).toBe('onHoldShelf');

    // only bob may take it now
    expect((await checkout('carol', '1000003')).body.code).toBe('itemHeldForOther');
    expect((await checkout('bob', '1000003')).status).toBe(200);
    const bobHolds = await database.db.select().from(holds).where(eq(holds.patronId, lib.patronIds.bob!));
    expect(bobHolds[0]!.status).toBe('fulfilled');
  });

  it('cancelling a trapped hold passes the copy to the next in the queue', async () => {
    const alice = await post(counter, '/api/holds', {
      patronId: lib.patronIds.alice,
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'none',
    });
    expect(alice.status).toBe(200);
    await giveBack('1000003'); // bob returns: carol (first remaining) gets it
    const carolHold = (
      await database.db.select().from(holds).where(eq(holds.patronId, lib.patronIds.carol!))
    )[0]!;
    expect(carolHold.status).toBe('available');
    const cancelled = await post(counter, `/api/holds/${carolHold.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.passedTo).toBe(alice.body.holdId);
    const [aliceHold] = await database.db
      .select()
      .from(holds)
      .where(eq(holds.id, String(alice.body.holdId)));
    expect(aliceHold!.status).toBe('available');
    expect(aliceHold!.itemId).toBe(lib.items['1000003']!.id);
  });

  it('lists a patron’s loans and holds with queue positions', async () => {
    const res = await call(app, counter, 'GET', `/api/patrons/${lib.patronIds.alice}/holds`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { holds: { status: string; queuePosition: number }[] };
    expect(body.holds.some((h) => h.status === 'available')).toBe(true);
    const loansRes = await call(app, counter, 'GET', `/api/patrons/${lib.patronIds.alice}/loans`);
    const lb = (await loansRes.json()) as { loans: { itemBarcode: string }[] };
    expect(lb.loans.map((l) => l.itemBarcode)).toContain('1000014');
  });
});

describe('scans as differently configured readers send them', () => {
  it('finds the same item with or without start/stop and check digit; refuses a misread', async () => {
    const { completeNw7, Nw7Settings } = await import('@bunko/protocols');
    const itemLabel = Nw7Settings.parse({
      length: 8,
      checkDigit: 'mod10w21',
      checkDigitTransmitted: 'either',
      prefixes: ['3'],
    });
    const patronCard = Nw7Settings.parse({ length: 8, checkDigit: 'none', prefixes: ['2'] });
    await database.db
      .update(tenants)
      .set({ settings: { barcodes: { itemLabel, patronCard } } })
      .where(eq(tenants.id, lib.tenantId));
    const canonical = completeNw7('3000001', itemLabel);
    await database.db.insert(items).values({
      tenantId: lib.tenantId,
      bibId: lib.bibs.extra8!,
      barcode: canonical,
      locationId: lib.mainId,
    });
    const lent = await checkout('bob', `A${canonical}A`);
    expect(lent.status).toBe(200);
    expect(lent.body.itemBarcode).toBe(canonical);
    // a reader that drops the check digit returns the same copy
    const back = await giveBack(canonical.slice(0, -1));
    expect(back.status).toBe(200);
    expect(back.body.wasOnLoan).toBe(true);
    // one wrong digit: refused with the reason, never matched to another item
    const wrong = `${canonical.slice(0, 6)}${(Number(canonical[6]) + 1) % 10}${canonical.slice(7)}`;
    const misread = await checkout('bob', wrong);
    expect(misread.status).toBe(422);
    expect(misread.body.code).toBe('badScan');
    expect(String(misread.body.detail)).toMatch(/チェック/);
    // the counter's card lookup reads scans the same way
    const byCard = await call(app, counter, 'GET', `/api/patrons/by-card/A${lib.cards.bob}A`);
    expect(byCard.status).toBe(200);
    expect(((await byCard.json()) as { id: string }).id).toBe(lib.patronIds.bob);
    const unknown = await call(app, counter, 'GET', '/api/patrons/by-card/29999999');
    expect(((await unknown.json()) as { code: string }).code).toBe('cardNotFound');
    await database.db.update(tenants).set({ settings: {} }).where(eq(tenants.id, lib.tenantId));
  });
});

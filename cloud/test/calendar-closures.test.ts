import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { holds, items, loans, operationLog } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let admin: string;

async function lend(barcode: string, dueIn: number) {
  const [l] = await database.db
    .insert(loans)
    .values({
      tenantId: lib.tenantId,
      itemId: lib.items[barcode]!.id,
      patronId: lib.patronIds.alice!,
      locationId: lib.mainId,
      dueOn: addDays(lib.today, dueIn),
    })
    .returning();
  return l!.id;
}

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'clos');
  admin = await login(app, 'clos', 'admin');
});
afterAll(async () => {
  await database?.close();
});

describe('a closure added after loans were made (特別整理期間)', () => {
  it('moves due dates and pickup deadlines inside it to the next open day, logging each loan', async () => {
    const inside = await lend('1000001', 11);
    const lastDay = await lend('1000002', 13);
    const outside = await lend('1000003', 14);
    const [h] = await database.db
      .insert(holds)
      .values({
        tenantId: lib.tenantId,
        bibId: lib.bibs.extra8!,
        itemId: lib.items['1000008']!.id,
        patronId: lib.patronIds.bob!,
        pickupLocationId: lib.mainId,
        status: 'available',
        pickupBy: addDays(lib.today, 12),
      })
      .returning();
    await database.db
      .update(items)
      .set({ status: 'onHoldShelf' })
      .where(eq(items.id, lib.items['1000008']!.id));

    const res = await call(app, admin, 'POST', `/api/calendars/${lib.calendarId}/closures`, {
      from: addDays(lib.today, 10),
      to: addDays(lib.today, 13),
      reasonJa: '特別整理期間',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ closedDays: 4, shiftedLoans: 2, shiftedHolds: 1 });
    const due = async (id: string) =>
      (await database.db.select().from(loans).where(eq(loans.id, id)))[0]!.dueOn;
    expect(await due(inside)).toBe(addDays(lib.today, 14));
    expect(await due(lastDay)).toBe(addDays(lib.today, 14));
    expect(await due(outside)).toBe(addDays(lib.today, 14));
    const [after] = await database.db.select().from(holds).where(eq(holds.id, h!.id));
    expect(after!.pickupBy).toBe(addDays(lib.today, 14));
    const shifts = await database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'loan.dueShift'));
    expect(shifts.map((s) => s.targetId).sort()).toEqual([inside, lastDay].sort());
  });

  it('shows the days as closed with the reason', async () => {
    const from = addDays(lib.today, 9);
    const res = await call(
      app,
      admin,
      'GET',
      `/api/calendars/${lib.calendarId}/days?from=${from}&to=${addDays(lib.today, 14)}`,
    );
    const body = (await res.json()) as {
      days: { day: string; open: boolean; closedReasonJa: string | null }[];
    };
    expect(body.days.map((d) => d.open)).toEqual([true, false, false, false, false, true]);
    expect(body.days[1]!.closedReasonJa).toBe('特別整理期間');
  });

  it('refuses a backwards range and needs settings.write', async () => {
    const bad = await call(app, admin, 'POST', `/api/calendars/${lib.calendarId}/closures`, {
      from: addDays(lib.today, 5),
      to: addDays(lib.today, 4),
      reasonJa: 'x',
    });
    expect(bad.status).toBe(400);
    const counter = await login(app, 'clos', 'counter');
    const denied = await call(app, counter, 'POST', `/api/calendars/${lib.calendarId}/closures`, {
      from: addDays(lib.today, 5),
      to: addDays(lib.today, 5),
      reasonJa: '台風',
    });
    expect(denied.status).toBe(403);
  });
});

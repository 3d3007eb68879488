import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, holds, operationLog } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let counter: string;

type Json = Record<string, unknown> & { code?: string };
const send = async (method: string, path: string, body?: unknown) => {
  const res = await call(app, counter, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const hold = (patron: string, bib: string) =>
  send('POST', '/api/holds', {
    patronId: lib.patronIds[patron],
    bibId: lib.bibs[bib],
    pickupLocationId: lib.mainId,
    contactMethod: 'phone',
  });

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'hadm');
  counter = await login(app, 'hadm', 'counter');
});
afterAll(async () => {
  await database?.close();
});

describe('hold suspension and "not needed after"', () => {
  it('a suspended hold is passed over, keeping its place for later', async () => {
    // "popular" is lent to carol; alice then bob queue for it
    expect(
      (
        await send('POST', '/api/circulation/checkout', {
          patron: { cardBarcode: lib.cards.carol },
          itemBarcode: '1000003',
          locationId: lib.mainId,
        })
      ).status,
    ).toBe(200);
    const a = await hold('alice', 'popular');
    const b = await hold('bob', 'popular');
    expect([a.body.queuePosition, b.body.queuePosition]).toEqual([1, 2]);
    const suspended = await send('PATCH', `/api/holds/${a.body.holdId}`, {
      suspendedUntil: addDays(lib.today, 10),
    });
    expect(suspended.status).toBe(200);
    const back = await send('POST', '/api/circulation/return', {
      itemBarcode: '1000003',
      locationId: lib.mainId,
    });
    expect(back.body.hold).toMatchObject({ holdId: b.body.holdId, status: 'available' });
    const [aliceHold] = await database.db
      .select()
      .from(holds)
      .where(eq(holds.id, String(a.body.holdId)));
    expect(aliceHold!.status).toBe('requested');
  });

  it('a trapped hold cannot be suspended or moved; the change is logged otherwise', async () => {
    const [bobHold] = await database.db.select().from(holds).where(eq(holds.patronId, lib.patronIds.bob!));
    const res = await send('PATCH', `/api/holds/${bobHold!.id}`, { pickupLocationId: lib.branchId });
    expect(res.status).toBe(409);
    const logs = await database.db.select().from(operationLog).where(eq(operationLog.action, 'hold.update'));
    expect(logs).toHaveLength(1);
  });

  it('a hold past its "not needed after" date is not served', async () => {
    expect(
      (
        await send('POST', '/api/circulation/checkout', {
          patron: { cardBarcode: lib.cards.carol },
          itemBarcode: '1000004',
          locationId: lib.branchId,
        })
      ).status,
    ).toBe(200);
    const h = await hold('alice', 'branchbook');
    await database.db
      .update(holds)
      .set({ notNeededAfter: addDays(lib.today, -1) })
      .where(eq(holds.id, String(h.body.holdId)));
    const back = await send('POST', '/api/circulation/return', {
      itemBarcode: '1000004',
      locationId: lib.branchId,
    });
    expect(back.body.hold).toBeNull();
  });
});

describe('pull list (準備中)', () => {
  it('lists titles whose waiting holds a shelf copy can serve, with where to find it', async () => {
    const h = await hold('carol', 'novel');
    expect(h.body.status).toBe('preparing');
    const res = await send('GET', '/api/holds/pull-list');
    const titles = res.body.titles as { title: string; waiting: number; copies: { barcode: string }[] }[];
    const novel = titles.find((t) => t.title === '書名 novel')!;
    expect(novel.waiting).toBe(1);
    expect(novel.copies.map((c) => c.barcode).sort()).toEqual(['1000001', '1000002']);
    // scanning a pulled copy at the desk traps it for the hold
    const scanned = await send('POST', '/api/circulation/return', {
      itemBarcode: '1000001',
      locationId: lib.mainId,
    });
    expect(scanned.body.hold).toMatchObject({ holdId: h.body.holdId, status: 'available' });
  });
});

describe('purchase requests (リクエスト)', () => {
  it('goes requested → ordered → fulfilled, and the fulfilment places the patron’s hold', async () => {
    const created = await send('POST', '/api/purchase-requests', {
      patronId: lib.patronIds.bob,
      title: '石垣島の星空',
      author: '宮良 健',
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(created.status).toBe(200);
    const id = String(created.body.id);
    expect((await send('POST', `/api/purchase-requests/${id}/decide`, { status: 'ordered' })).status).toBe(
      200,
    );
    const noBib = await send('POST', `/api/purchase-requests/${id}/decide`, { status: 'fulfilled' });
    expect(noBib.status).toBe(400);
    const [bib] = await database.db
      .insert(bibRecords)
      .values({ tenantId: lib.tenantId, title: '石垣島の星空', titleReading: 'イシガキジマノホシゾラ' })
      .returning();
    const done = await send('POST', `/api/purchase-requests/${id}/decide`, {
      status: 'fulfilled',
      bibId: bib!.id,
    });
    expect(done.status).toBe(200);
    const [h] = await database.db
      .select()
      .from(holds)
      .where(eq(holds.id, String(done.body.holdId)));
    expect(h).toMatchObject({
      patronId: lib.patronIds.bob,
      bibId: bib!.id,
      status: 'requested',
      contactMethod: 'email',
    });
    const again = await send('POST', `/api/purchase-requests/${id}/decide`, { status: 'declined' });
    expect(again.status).toBe(409);
    const list = await send('GET', '/api/purchase-requests?status=fulfilled');
    expect((list.body.requests as { id: string }[]).map((r) => r.id)).toEqual([id]);
  });
});

describe('hold queue under concurrency', () => {
  it('two copies returned at once trap the first two holds, one each, and skip nobody', async () => {
    for (const [card, barcode] of [
      [lib.cards.carol, '1000005'],
      [lib.cards.expired, '1000006'],
    ] as const) {
      const res = await call(app, await login(app, 'hadm', 'admin'), 'POST', '/api/circulation/checkout', {
        patron: { cardBarcode: card },
        itemBarcode: barcode,
        locationId: lib.mainId,
        override: true,
      });
      expect(res.status).toBe(200);
    }
    const queue: string[] = [];
    for (const p of ['alice', 'bob', 'suspended']) {
      const [h] = await database.db
        .insert(holds)
        .values({
          tenantId: lib.tenantId,
          bibId: lib.bibs.film!,
          patronId: lib.patronIds[p]!,
          pickupLocationId: lib.mainId,
          placedAt: new Date(Date.now() + queue.length * 1000),
        })
        .returning();
      queue.push(h!.id);
    }
    const [r1, r2] = await Promise.all(
      ['1000005', '1000006'].map((itemBarcode) =>
        send('POST', '/api/circulation/return', { itemBarcode, locationId: lib.mainId }),
      ),
    );
    const trapped = [r1!.body.hold, r2!.body.hold].map((h) => (h as { holdId: string }).holdId).sort();
    expect(trapped).toEqual([queue[0], queue[1]].sort());
    const rows = await database.db.select().from(holds).where(eq(holds.bibId, lib.bibs.film!));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(queue[0]!)!.itemId).not.toBe(byId.get(queue[1]!)!.itemId);
    expect(byId.get(queue[2]!)!.status).toBe('requested');
  });
});

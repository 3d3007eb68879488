import type { Database } from '../../src/db/client.ts';
import {
  bibRecords,
  calendars,
  items,
  loanRules,
  locations,
  materialTypes,
  patronCards,
  patrons,
} from '../../src/db/schema/index.ts';
import { addDays, todayInTokyo } from '../../src/domain/calendar/dates.ts';
import { call, makeTenant, patronCategory } from './test-app.ts';

/**
 * A small library for circulation tests: a main library open every day (so due dates are plain
 * arithmetic unless a test adds closures), a branch, categories, types, rules, patrons and copies.
 */
export async function makeLibrary(database: Database, code: string) {
  const { tenant, staffIds } = await makeTenant(database, code);
  const tenantId = tenant.id;
  const db = database.db;
  const today = todayInTokyo(new Date());
  const [cal] = await db
    .insert(calendars)
    .values({ tenantId, code: 'main', nameJa: '本館', closedWeekdays: [], closedOnNationalHolidays: false })
    .returning();
  const [main, branch] = await db
    .insert(locations)
    .values([
      { tenantId, code: 'main', nameJa: '本館', nameEn: 'Main', kind: 'library', calendarId: cal!.id },
      { tenantId, code: 'branch', nameJa: '分館', nameEn: 'Branch', kind: 'branch', calendarId: cal!.id },
    ])
    .returning();
  const general = await patronCategory(database, tenantId, 'general');
  const child = await patronCategory(database, tenantId, 'child');
  const [book, dvd, reference] = await db
    .insert(materialTypes)
    .values([
      { tenantId, code: 'book', nameJa: '図書', nameEn: 'Book' },
      { tenantId, code: 'dvd', nameJa: 'DVD', nameEn: 'DVD', isAv: true },
      { tenantId, code: 'reference', nameJa: '参考図書', nameEn: 'Reference', loanable: false },
    ])
    .returning();
  const base = {
    tenantId,
    loanDays: 14,
    maxItems: 5,
    maxRenewals: 1,
    renewalDays: 14,
    maxHolds: 3,
    pickupOpenDays: 7,
    overdueBlockDays: 1,
  };
  await db
    .insert(loanRules)
    .values([
      base,
      { ...base, materialTypeId: dvd!.id, maxItems: 1, loanDays: 7, renewalDays: 7 },
      { ...base, materialTypeId: reference!.id, loanable: false },
    ]);

  const patronSpecs = [
    { key: 'alice', optIn: false, expiresOn: addDays(today, 365), status: 'active' as const },
    { key: 'bob', optIn: false, expiresOn: addDays(today, 365), status: 'active' as const },
    { key: 'carol', optIn: true, expiresOn: addDays(today, 365), status: 'active' as const },
    { key: 'expired', optIn: false, expiresOn: addDays(today, -1), status: 'active' as const },
    { key: 'suspended', optIn: false, expiresOn: addDays(today, 365), status: 'suspended' as const },
  ];
  const patronIds: Record<string, string> = {};
  const cards: Record<string, string> = {};
  for (const [i, p] of patronSpecs.entries()) {
    const [row] = await db
      .insert(patrons)
      .values({
        tenantId,
        categoryId: general!.id,
        name: `利用者 ${p.key}`,
        nameReading: 'リヨウシャ',
        birthDate: '1990-05-05',
        expiresOn: p.expiresOn,
        status: p.status,
        readingHistoryOptIn: p.optIn,
      })
      .returning();
    patronIds[p.key] = row!.id;
    cards[p.key] = `2000000${i}`;
    await db.insert(patronCards).values({ tenantId, patronId: row!.id, barcode: cards[p.key]! });
  }

  const bibs: Record<string, string> = {};
  const barcodes: Record<string, { id: string; bibId: string }> = {};
  const addBib = async (key: string, typeId: string, copies: { barcode: string; locationId: string }[]) => {
    const [bib] = await db
      .insert(bibRecords)
      .values({
        tenantId,
        title: `書名 ${key}`,
        titleReading: 'ショメイ',
        ndc: '913.6',
        materialTypeId: typeId,
      })
      .returning();
    bibs[key] = bib!.id;
    for (const c of copies) {
      const [it] = await db
        .insert(items)
        .values({
          tenantId,
          bibId: bib!.id,
          barcode: c.barcode,
          locationId: c.locationId,
          materialTypeId: typeId,
        })
        .returning();
      barcodes[c.barcode] = { id: it!.id, bibId: bib!.id };
    }
  };
  await addBib('novel', book!.id, [
    { barcode: '1000001', locationId: main!.id },
    { barcode: '1000002', locationId: main!.id },
  ]);
  await addBib('popular', book!.id, [{ barcode: '1000003', locationId: main!.id }]);
  await addBib('branchbook', book!.id, [{ barcode: '1000004', locationId: branch!.id }]);
  await addBib('film', dvd!.id, [
    { barcode: '1000005', locationId: main!.id },
    { barcode: '1000006', locationId: main!.id },
  ]);
  await addBib('dictionary', reference!.id, [{ barcode: '1000007', locationId: main!.id }]);
  for (let n = 8; n <= 14; n++)
    await addBib(`extra${n}`, book!.id, [
      { barcode: `10000${String(n).padStart(2, '0')}`, locationId: main!.id },
    ]);

  return {
    tenant,
    tenantId,
    staffIds,
    today,
    calendarId: cal!.id,
    mainId: main!.id,
    branchId: branch!.id,
    categories: { general: general!.id, child: child!.id },
    patronIds,
    cards,
    bibs,
    items: barcodes,
  };
}

/**
 * At the counter of the main library: each [patron, item barcode] checked out, then `holder`
 * waits for the popular title (so the patron side has loans and a hold to show, or to hide).
 */
export async function lendThenHold(
  app: Parameters<typeof call>[0],
  cookie: string,
  lib: Awaited<ReturnType<typeof makeLibrary>>,
  loans: readonly (readonly [string, string])[],
  holder: string,
) {
  for (const [card, item] of loans) {
    const res = await call(app, cookie, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: lib.cards[card] },
      itemBarcode: item,
      locationId: lib.mainId,
    });
    if (res.status !== 200) throw new Error(`checkout ${card}/${item}: ${res.status} ${await res.text()}`);
  }
  const hold = await call(app, cookie, 'POST', '/api/holds', {
    patronId: lib.patronIds[holder],
    bibId: lib.bibs.popular,
    pickupLocationId: lib.mainId,
    contactMethod: 'none',
  });
  if (hold.status !== 200) throw new Error(`hold: ${hold.status} ${await hold.text()}`);
}

import { and, eq } from 'drizzle-orm';
import type { Database } from '../../src/db/client.ts';
import {
  bibRecords,
  calendarDays,
  calendars,
  items,
  locations,
  materialTypes,
} from '../../src/db/schema/index.ts';
import { addDays } from '../../src/domain/calendar/dates.ts';
import type { makeLibrary } from './library-fixture.ts';

export const STATION_JA = '川平公民館';

/**
 * A bookmobile with one station (川平公民館) visited today and every 14 days after, on its own
 * calendar, and three copies of its own (barcodes 3000001…3000003), added to a `makeLibrary` library.
 */
export async function addBookmobile(database: Database, lib: Awaited<ReturnType<typeof makeLibrary>>) {
  const db = database.db;
  const { tenantId, today } = lib;
  const [cal] = await db
    .insert(calendars)
    .values({
      tenantId,
      code: 'bookmobile',
      nameJa: '移動図書館',
      closedWeekdays: [],
      closedOnNationalHolidays: false,
    })
    .returning();
  const [bookmobile] = await db
    .insert(locations)
    .values({
      tenantId,
      code: 'bm',
      nameJa: '移動図書館',
      nameEn: 'Bookmobile',
      kind: 'bookmobile',
      calendarId: cal!.id,
    })
    .returning();
  const [station] = await db
    .insert(locations)
    .values({
      tenantId,
      code: 'bm-kabira',
      nameJa: STATION_JA,
      nameEn: 'Kabira',
      kind: 'station',
      parentId: bookmobile!.id,
    })
    .returning();
  const visits = [0, 14, 28, 42, 56].map((n) => addDays(today, n));
  await db.insert(calendarDays).values(
    visits.map((day) => ({
      tenantId,
      calendarId: cal!.id,
      day,
      kind: 'visit' as const,
      reasonJa: STATION_JA,
    })),
  );
  const [book] = await db
    .select()
    .from(materialTypes)
    .where(and(eq(materialTypes.tenantId, tenantId), eq(materialTypes.code, 'book')));
  const [bib] = await db
    .insert(bibRecords)
    .values({
      tenantId,
      title: '星砂の島',
      titleReading: 'ホシズナノシマ',
      ndc: '913.6',
      materialTypeId: book!.id,
    })
    .returning();
  const barcodes = ['3000001', '3000002', '3000003'];
  const ids: Record<string, string> = {};
  for (const barcode of barcodes) {
    const [it] = await db
      .insert(items)
      .values({ tenantId, bibId: bib!.id, barcode, locationId: bookmobile!.id, materialTypeId: book!.id })
      .returning();
    ids[barcode] = it!.id;
  }
  return { bookmobileId: bookmobile!.id, stationId: station!.id, visits, items: ids, title: '星砂の島' };
}

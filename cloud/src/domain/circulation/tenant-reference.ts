/**
 * A library's reference data as the counter needs it on every scan — barcode settings, loan rules,
 * locations, opening calendars with their exception days — kept in memory per tenant, so a
 * checkout does not read it all again.
 *
 * The copy is never trusted blindly: every use sends a fingerprint query in the same round trip as
 * the request's first lookups (the queries are pipelined), and a changed fingerprint reloads the
 * copy and repeats the lookups. The fingerprint is the count and the sum of the row versions
 * (`xmin`, the id of the transaction that wrote the row) of the tenant's rows in each of those
 * tables: any insert, update or delete — by this process, another core process, a migration
 * script or a test writing the table directly — changes it (a write gives its rows a newer
 * transaction id; a delete changes the count). So several core processes stay correct without a
 * time-to-live or a notification channel, and the schema needs no version column.
 */
import { BarcodeSettings } from '@bunko/protocols';
import { and, asc, between, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { resultRows } from '../../db/result-rows.ts';
import { calendarDays, calendars, loanRules, locations, tenants } from '../../db/schema/index.ts';
import { addDays, type Day } from '../calendar/dates.ts';
import { LibraryCalendar } from '../calendar/library-calendar.ts';
import { AppError } from '../errors.ts';
import type { RuleRow } from '../rules/resolve-rule.ts';

/** How far ahead exception days are read: the longest loan plus the longest closure we expect. */
export const HORIZON_DAYS = 400;

export type LocationLink = {
  id: string;
  parentId: string | null;
  kind: string;
  calendarId: string | null;
  nameJa: string;
};

export type TenantReference = {
  tenantId: string;
  /** calendar exception days are loaded for [from, from + HORIZON_DAYS] */
  from: Day;
  fingerprint: string;
  /** the tenant's `settings.barcodes`, unparsed (null when absent) */
  barcodes: unknown;
  /** parsed barcode settings, or null when the tenant has none (or they are invalid) */
  barcodeSettings: BarcodeSettings | null;
  rules: RuleRow[];
  locations: Map<string, LocationLink>;
  /** by calendar id, exceptions loaded for the span above */
  calendars: Map<string, LibraryCalendar>;
};

/** A few hundred tenants at most per process; the map only bounds a long-running test process. */
const MAX_TENANTS = 500;
const cache = new Map<string, TenantReference>();

const versionSum = (table: string, where: ReturnType<typeof sql>) =>
  sql`(select count(*)::text || '.' || coalesce(sum(xmin::text::bigint), 0)::text from ${sql.raw(table)} where ${where})`;

/** One cheap statement: the row versions of everything the copy was built from. */
function fingerprintQuery(tx: Tx, tenantId: string, from: Day) {
  return tx.execute<{ fp: string }>(sql`select concat_ws('/',
    ${versionSum('tenants', sql`id = ${tenantId}`)},
    ${versionSum('loan_rules', sql`tenant_id = ${tenantId}`)},
    ${versionSum('locations', sql`tenant_id = ${tenantId}`)},
    ${versionSum('calendars', sql`tenant_id = ${tenantId}`)},
    ${versionSum('calendar_days', sql`tenant_id = ${tenantId} and day >= ${from}`)}) as fp`);
}

/** The tenant's locations as the chain and calendar lookups need them. */
export function tenantLocations(tx: DbOrTx, tenantId: string) {
  return tx
    .select({
      id: locations.id,
      parentId: locations.parentId,
      kind: locations.kind,
      calendarId: locations.calendarId,
      nameJa: locations.nameJa,
    })
    .from(locations)
    .where(eq(locations.tenantId, tenantId));
}

/** postgres.js answers with the rows, PGlite with { rows } */
function firstRow<T>(result: unknown): T | undefined {
  return resultRows<T>(result)[0];
}

async function load(tx: Tx, tenantId: string, from: Day): Promise<TenantReference> {
  const to = addDays(from, HORIZON_DAYS);
  // The fingerprint goes first: a write landing between it and the reads makes the next use
  // reload once more; the other order could keep stale rows under a current fingerprint.
  const [fp, tenantRows, rules, locs, cals, days] = await Promise.all([
    fingerprintQuery(tx, tenantId, from),
    tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId)),
    tx.select().from(loanRules).where(eq(loanRules.tenantId, tenantId)),
    tenantLocations(tx, tenantId),
    tx
      .select({
        id: calendars.id,
        closedWeekdays: calendars.closedWeekdays,
        closedOnNationalHolidays: calendars.closedOnNationalHolidays,
        hours: calendars.hours,
      })
      .from(calendars)
      .where(eq(calendars.tenantId, tenantId)),
    tx
      .select({
        calendarId: calendarDays.calendarId,
        day: calendarDays.day,
        kind: calendarDays.kind,
        reasonJa: calendarDays.reasonJa,
        opensAt: calendarDays.opensAt,
        closesAt: calendarDays.closesAt,
      })
      .from(calendarDays)
      .where(and(eq(calendarDays.tenantId, tenantId), between(calendarDays.day, from, to)))
      .orderBy(asc(calendarDays.day), asc(calendarDays.kind)),
  ]);
  const barcodes = (tenantRows[0]?.settings as { barcodes?: unknown } | undefined)?.barcodes ?? null;
  const parsed = BarcodeSettings.safeParse(barcodes);
  const calendarMap = new Map<string, LibraryCalendar>();
  for (const { id, ...settings } of cals) {
    calendarMap.set(
      id,
      new LibraryCalendar({
        settings,
        days: days.filter((d) => d.calendarId === id),
        loaded: { from, to },
      }),
    );
  }
  const ref: TenantReference = {
    tenantId,
    from,
    fingerprint: firstRow<{ fp: string }>(fp)!.fp,
    barcodes,
    barcodeSettings: parsed.success ? parsed.data : null,
    rules,
    locations: new Map(locs.map((l) => [l.id, l])),
    calendars: calendarMap,
  };
  cache.delete(tenantId);
  if (cache.size >= MAX_TENANTS) cache.delete(cache.keys().next().value!);
  cache.set(tenantId, ref);
  return ref;
}

/**
 * Run `lookups` with the tenant's reference data, checking in the same round trip that the kept
 * copy is current. If it is not, the copy is reloaded and `lookups` runs again with it (so a scan
 * normalised with old barcode settings is looked up again). `lookups` may only read and lock rows.
 */
export async function withTenantReference<T>(
  tx: Tx,
  tenantId: string,
  today: Day,
  lookups: (ref: TenantReference) => Promise<T>,
): Promise<{ ref: TenantReference; value: T }> {
  const kept = cache.get(tenantId);
  if (kept && kept.from === today) {
    const [fp, value] = await Promise.allSettled([fingerprintQuery(tx, tenantId, today), lookups(kept)]);
    if (fp.status === 'rejected') throw fp.reason;
    if (firstRow<{ fp: string }>(fp.value)?.fp === kept.fingerprint) {
      if (value.status === 'rejected') throw value.reason;
      return { ref: kept, value: value.value };
    }
  }
  const ref = await load(tx, tenantId, today);
  return { ref, value: await lookups(ref) };
}

/** The location and its parents, nearest first (a station, then its bookmobile); null if unknown. */
export function chainIn(all: ReadonlyMap<string, LocationLink>, locationId: string): LocationLink[] {
  const chain: LocationLink[] = [];
  for (
    let at = all.get(locationId);
    at && chain.length < 5;
    at = at.parentId ? all.get(at.parentId) : undefined
  ) {
    chain.push(at);
  }
  return chain;
}

/** The calendar that governs a location chain: the nearest location that has one. */
export function calendarFor(ref: TenantReference, chain: readonly LocationLink[]): LibraryCalendar | null {
  const calendarId = chain.find((l) => l.calendarId)?.calendarId;
  if (!calendarId) return null;
  const calendar = ref.calendars.get(calendarId);
  if (!calendar) throw new AppError('notFound', `calendar ${calendarId}`);
  return calendar;
}

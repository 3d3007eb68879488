import type { DbOrTx } from '../../db/client.ts';
import { nthVisitAfter, stationDueDate } from '../calendar/bookmobile.ts';
import { addDays, type Day } from '../calendar/dates.ts';
import type { LibraryCalendar } from '../calendar/library-calendar.ts';
import { loadCalendar } from '../calendar/load-calendar.ts';
import { locationChain } from './circulation-context.ts';
import { HORIZON_DAYS } from './tenant-reference.ts';

type ChainLink = { id: string; kind: string; calendarId: string | null; nameJa: string };

async function calendarOf(db: DbOrTx, tenantId: string, chain: readonly ChainLink[], from: Day) {
  const calendarId = chain.find((l) => l.calendarId)?.calendarId;
  if (!calendarId) return null;
  return loadCalendar(db, tenantId, calendarId, from, addDays(from, HORIZON_DAYS));
}

/**
 * The due date of a loan made at a location: loan date + n days moved to the next open day; at a
 * bookmobile station, the first visit at least n days ahead. A location with no calendar is
 * treated as always open.
 */
export async function dueDateAt(
  db: DbOrTx,
  tenantId: string,
  chain: readonly ChainLink[],
  today: Day,
  loanDays: number,
): Promise<Day> {
  return dueDateIn(await calendarOf(db, tenantId, chain, today), chain, today, loanDays);
}

/** dueDateAt with the chain's calendar at hand (loaded from `today` on; null: always open) */
export function dueDateIn(
  calendar: LibraryCalendar | null,
  chain: readonly ChainLink[],
  today: Day,
  loanDays: number,
): Day {
  if (!calendar) return addDays(today, loanDays);
  const here = chain[0]!;
  if (here.kind === 'station')
    return stationDueDate(today, calendar.visitsOf(here.nameJa), loanDays, here.nameJa);
  return calendar.dueDate(today, loanDays);
}

/** 取置期限: n open days at the pickup location; at a station, until its next visit. */
export async function pickupDeadline(
  db: DbOrTx,
  tenantId: string,
  locationId: string,
  today: Day,
  openDays: number,
): Promise<Day> {
  const chain = await locationChain(db, tenantId, locationId);
  return pickupDeadlineIn(await calendarOf(db, tenantId, chain, today), chain, today, openDays);
}

/** pickupDeadline with the chain and its calendar at hand */
export function pickupDeadlineIn(
  calendar: LibraryCalendar | null,
  chain: readonly ChainLink[],
  today: Day,
  openDays: number,
): Day {
  if (!calendar) return addDays(today, openDays);
  const here = chain[0]!;
  if (here.kind === 'station') return nthVisitAfter(today, calendar.visitsOf(here.nameJa), 1, here.nameJa);
  return calendar.addOpenDays(today, openDays);
}

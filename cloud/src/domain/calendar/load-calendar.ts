/**
 * Read one calendar and its exception days for a span into a LibraryCalendar. Always filtered by
 * tenant: a calendar id from another library is "not found", never someone else's closures.
 */
import { and, asc, between, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { calendarDays, calendars } from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { assertDay, type Day } from './dates.ts';
import type { HolidayCalendar } from './holidays.ts';
import { LibraryCalendar } from './library-calendar.ts';

export async function loadCalendar(
  db: DbOrTx,
  tenantId: string,
  calendarId: string,
  fromDay: Day,
  toDay: Day,
  opts: { holidays?: HolidayCalendar } = {},
): Promise<LibraryCalendar> {
  if (assertDay(fromDay) > assertDay(toDay))
    throw new RangeError(`fromDay ${fromDay} is after toDay ${toDay}`);
  const [row] = await db
    .select({
      closedWeekdays: calendars.closedWeekdays,
      closedOnNationalHolidays: calendars.closedOnNationalHolidays,
      hours: calendars.hours,
    })
    .from(calendars)
    .where(and(eq(calendars.tenantId, tenantId), eq(calendars.id, calendarId)));
  if (!row) throw new AppError('notFound', `calendar ${calendarId}`);
  const days = await db
    .select({
      day: calendarDays.day,
      kind: calendarDays.kind,
      reasonJa: calendarDays.reasonJa,
      opensAt: calendarDays.opensAt,
      closesAt: calendarDays.closesAt,
    })
    .from(calendarDays)
    .where(
      and(
        eq(calendarDays.tenantId, tenantId),
        eq(calendarDays.calendarId, calendarId),
        between(calendarDays.day, fromDay, toDay),
      ),
    )
    .orderBy(asc(calendarDays.day), asc(calendarDays.kind));
  return new LibraryCalendar({
    settings: row,
    days,
    loaded: { from: fromDay, to: toDay },
    ...(opts.holidays ? { holidays: opts.holidays } : {}),
  });
}

/** Opening calendars, national holidays, due dates and bookmobile visits (issue 3, item 3). */
export { firstOnOrAfter, nthVisitAfter, stationDueDate } from './bookmobile.ts';
export {
  addDays,
  assertDay,
  type Day,
  dayInTimeZone,
  daysBetween,
  eachDay,
  isoWeekday,
  todayInTokyo,
} from './dates.ts';
export { CalendarError, type CalendarFailure } from './errors.ts';
export { decodeCabinetOfficeCsv, parseCabinetOfficeCsv } from './holiday-csv.ts';
export {
  createHolidayCalendar,
  HOLIDAY_PACKAGE_VERSION,
  HolidayCalendar,
  type HolidayEntry,
  type HolidayKind,
  type HolidaySupplement,
  type NationalHoliday,
  nationalHolidays,
} from './holidays.ts';
export {
  type CalendarException,
  type CalendarSettings,
  type DayStatus,
  LibraryCalendar,
  type LibraryCalendarInit,
} from './library-calendar.ts';
export { loadCalendar } from './load-calendar.ts';
export { expandRecurring, type RecurringRule } from './recurring.ts';
export { type DueDateShift, type DueLoan, retroactiveDueDateShifts } from './retroactive.ts';

/**
 * Calendar days as plain `YYYY-MM-DD` strings in the library's own time zone.
 *
 * Why strings: a `Date` is an instant, and turning it into a day depends on the process time zone —
 * a server in UTC would date a 23:30 JST loan on the previous day. Strings compare and sort
 * correctly, match PostgreSQL `date` columns as Drizzle returns them, and never shift. Arithmetic
 * goes through UTC midnights only, where no daylight saving or offset can move the day.
 */
import { CalendarError } from './errors.ts';

export type Day = string;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 (UTC), after checking that the string is a real calendar day. */
export function dayNumber(day: Day): number {
  const m = DAY_PATTERN.exec(day);
  if (!m) throw new CalendarError('invalidDay', `日付の形式が正しくありません: ${day}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a rolled date is a typo, not a day.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new CalendarError('invalidDay', `存在しない日付です: ${day}`);
  }
  return ms / MS_PER_DAY;
}

export function fromDayNumber(n: number): Day {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

export function assertDay(day: Day): Day {
  dayNumber(day);
  return day;
}

export function addDays(day: Day, n: number): Day {
  return fromDayNumber(dayNumber(day) + n);
}

/** b − a in days (positive when b is later). */
export function daysBetween(a: Day, b: Day): number {
  return dayNumber(b) - dayNumber(a);
}

/** ISO weekday: 1 = Monday … 7 = Sunday, as stored in calendars.closed_weekdays. */
export function isoWeekday(day: Day): number {
  const dow = new Date(dayNumber(day) * MS_PER_DAY).getUTCDay();
  return dow === 0 ? 7 : dow;
}

export function yearOf(day: Day): number {
  return Number(day.slice(0, 4));
}

/** Every day from `from` to `to`, both included. */
export function eachDay(from: Day, to: Day): Day[] {
  const out: Day[] = [];
  for (let n = dayNumber(from), end = dayNumber(to); n <= end; n++) out.push(fromDayNumber(n));
  return out;
}

/** The calendar day of an instant in a time zone (IANA name, e.g. the tenant's `timezone`). */
/** Building an Intl.DateTimeFormat costs far more than using one: one per time zone, kept. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export function dayInTimeZone(now: Date, timeZone: string): Day {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  // en-CA formats as YYYY-MM-DD; formatToParts keeps us independent of that locale detail.
  const parts = format.formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Today at the library: Japanese libraries date loans by Japan time, whatever the server's zone. */
export function todayInTokyo(now: Date): Day {
  return dayInTimeZone(now, 'Asia/Tokyo');
}

export const WEEKDAY_JA = ['', '月', '火', '水', '木', '金', '土', '日'] as const;

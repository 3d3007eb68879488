/**
 * Recurring closures and visits as rules, expanded into dated exception rows. Libraries think in
 * rules (慰霊の日 every 6/23, 年末年始 12/29–1/3, 資料整理日 the last Friday, 川平 the 2nd
 * Wednesday); the calendar and the database work with dated rows so a single occurrence can be
 * moved or cancelled by staff. Staff screens and the demo expand a year of rules at a time.
 */
import { type Day, eachDay, isoWeekday } from './dates.ts';
import type { CalendarException } from './library-calendar.ts';

export type RecurringRule =
  /** the same month/day every year, e.g. 慰霊の日 6/23 */
  | { every: 'year'; month: number; day: number; kind?: 'closed'; reasonJa: string }
  /** a span every year, which may wrap the new year, e.g. 年末年始 12/29–1/3 */
  | { every: 'yearSpan'; from: [number, number]; to: [number, number]; kind?: 'closed'; reasonJa: string }
  /** the nth ISO weekday of each month (nth -1 = the last), e.g. 資料整理日 = last Friday */
  | {
      every: 'month';
      weekday: number;
      nth: 1 | 2 | 3 | 4 | 5 | -1;
      kind?: 'closed' | 'visit';
      reasonJa: string;
    };

/** Every exception the rules produce from `from` to `to`, both included, sorted by day. */
export function expandRecurring(rules: readonly RecurringRule[], from: Day, to: Day): CalendarException[] {
  const out: CalendarException[] = [];
  for (const day of eachDay(from, to)) {
    for (const rule of rules) {
      if (matches(rule, day)) out.push({ day, kind: rule.kind ?? 'closed', reasonJa: rule.reasonJa });
    }
  }
  return out;
}

function matches(rule: RecurringRule, day: Day): boolean {
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  const md = month * 100 + date;
  switch (rule.every) {
    case 'year':
      return month === rule.month && date === rule.day;
    case 'yearSpan': {
      const a = rule.from[0] * 100 + rule.from[1];
      const b = rule.to[0] * 100 + rule.to[1];
      return a <= b ? md >= a && md <= b : md >= a || md <= b;
    }
    case 'month': {
      if (isoWeekday(day) !== rule.weekday) return false;
      if (rule.nth > 0) return Math.ceil(date / 7) === rule.nth;
      return date + 7 > daysInMonth(day);
    }
  }
}

function daysInMonth(day: Day): number {
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)), 0)).getUTCDate();
}

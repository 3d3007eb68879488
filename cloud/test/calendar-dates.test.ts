import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayInTimeZone,
  daysBetween,
  eachDay,
  isoWeekday,
  todayInTokyo,
} from '../src/domain/calendar/dates.ts';
import { CalendarError } from '../src/domain/calendar/errors.ts';
import { expandRecurring } from '../src/domain/calendar/recurring.ts';

describe('day strings', () => {
  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-11-25', '2026-12-09')).toBe(14);
    expect(eachDay('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('uses ISO weekdays (1 = Monday … 7 = Sunday) as calendars.closed_weekdays does', () => {
    expect(isoWeekday('2026-11-23')).toBe(1);
    expect(isoWeekday('2026-11-29')).toBe(7);
  });

  it('rejects malformed and impossible days instead of rolling them over', () => {
    for (const bad of ['2026-2-3', '2026-02-30', '2026/02/03', '', '2026-13-01']) {
      expect(() => addDays(bad, 1)).toThrow(CalendarError);
    }
  });
});

describe('today at the library', () => {
  it('dates a loan at 23:30 JST on that Japanese day, not the UTC one', () => {
    expect(todayInTokyo(new Date('2026-11-25T23:30:00+09:00'))).toBe('2026-11-25');
    expect(todayInTokyo(new Date('2026-11-25T14:30:00Z'))).toBe('2026-11-25');
  });

  it('moves to the next day at midnight Japan time, while UTC is still on the previous day', () => {
    expect(todayInTokyo(new Date('2026-11-25T15:00:00Z'))).toBe('2026-11-26');
    expect(todayInTokyo(new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01');
  });

  it('takes any tenant time zone', () => {
    expect(dayInTimeZone(new Date('2026-11-25T15:00:00Z'), 'UTC')).toBe('2026-11-25');
  });
});

describe('recurring rules', () => {
  it('expands 慰霊の日, 年末年始 across the new year, and the last Friday', () => {
    const rows = expandRecurring(
      [
        { every: 'year', month: 6, day: 23, reasonJa: '慰霊の日' },
        { every: 'yearSpan', from: [12, 29], to: [1, 3], reasonJa: '年末年始' },
        { every: 'month', weekday: 5, nth: -1, reasonJa: '資料整理日' },
      ],
      '2026-06-01',
      '2027-01-31',
    );
    const by = (r: string) => rows.filter((x) => x.reasonJa === r).map((x) => x.day);
    expect(by('慰霊の日')).toEqual(['2026-06-23']);
    expect(by('年末年始')).toEqual(eachDay('2026-12-29', '2027-01-03'));
    expect(by('資料整理日')).toEqual([
      '2026-06-26',
      '2026-07-31',
      '2026-08-28',
      '2026-09-25',
      '2026-10-30',
      '2026-11-27',
      '2026-12-25',
      '2027-01-29',
    ]);
  });

  it('expands nth-weekday visits', () => {
    const rows = expandRecurring(
      [{ every: 'month', weekday: 3, nth: 2, kind: 'visit', reasonJa: '川平公民館' }],
      '2026-01-01',
      '2026-03-31',
    );
    expect(rows).toEqual([
      { day: '2026-01-14', kind: 'visit', reasonJa: '川平公民館' },
      { day: '2026-02-11', kind: 'visit', reasonJa: '川平公民館' },
      { day: '2026-03-11', kind: 'visit', reasonJa: '川平公民館' },
    ]);
  });
});

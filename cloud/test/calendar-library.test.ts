import { describe, expect, it } from 'vitest';
import {
  addDays,
  CalendarError,
  eachDay,
  LibraryCalendar,
  nthVisitAfter,
  retroactiveDueDateShifts,
  stationDueDate,
} from '../src/domain/calendar/index.ts';

/** Ishigaki-like: closed Mondays and national holidays, 慰霊の日, 年末年始, a 資料整理日. */
const ishigaki = new LibraryCalendar({
  settings: { closedWeekdays: [1], closedOnNationalHolidays: true },
  days: [
    { day: '2026-06-23', kind: 'closed', reasonJa: '慰霊の日' },
    ...['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03'].map((day) => ({
      day,
      kind: 'closed' as const,
      reasonJa: '年末年始',
    })),
    { day: '2026-11-27', kind: 'closed', reasonJa: '資料整理日' },
  ],
});

describe('opening days', () => {
  it('is closed on Mondays, holidays, 振替休日 and tenant days, with the reason', () => {
    expect(ishigaki.closedReason('2026-11-23')).toMatch(/勤労感謝の日|月曜/); // a Monday holiday
    expect(ishigaki.isOpen('2026-11-24')).toBe(true);
    expect(ishigaki.closedReason('2026-06-23')).toBe('慰霊の日');
    expect(ishigaki.closedReason('2026-11-27')).toBe('資料整理日');
    // 2026-05-06 (Wed) is 振替休日 for Constitution Day falling on Sunday 5/3
    expect(ishigaki.isOpen('2026-05-06')).toBe(false);
    // 2026-09-22 (Tue) sits between 敬老の日 and 秋分の日: 国民の休日
    expect(ishigaki.isOpen('2026-09-22')).toBe(false);
  });

  it('a due date never lands on a closed day', () => {
    for (const loanDay of eachDay('2026-01-01', '2026-12-15')) {
      const due = ishigaki.dueDate(loanDay, 14);
      expect(ishigaki.isOpen(due), `${loanDay} → ${due}`).toBe(true);
      expect(due >= addDays(loanDay, 14)).toBe(true);
    }
  });

  it('carries a due date over the year-end closure to the first open day of January', () => {
    // 2026-12-15 + 14 = 12-29, closed until 01-03; 01-04 is a Monday, 01-11 is 成人の日 (Monday)
    expect(ishigaki.dueDate('2026-12-15', 14)).toBe('2027-01-05');
  });

  it('慰霊の日 on a Sunday, then a Monday: a due date on it moves to Tuesday', () => {
    // 2030-06-23 is a Sunday; 06-24 is a Monday (closed every week)
    const cal = new LibraryCalendar({
      settings: { closedWeekdays: [1], closedOnNationalHolidays: true },
      days: [{ day: '2030-06-23', kind: 'closed', reasonJa: '慰霊の日' }],
    });
    expect(cal.closedReason('2030-06-23')).toBe('慰霊の日');
    expect(cal.dueDate('2030-06-09', 14)).toBe('2030-06-25');
  });

  it('counts pickup windows in open days', () => {
    // from Fri 11-20: Sat 21, Sun 22, (Mon 23 holiday), Tue 24, Wed 25, Thu 26, (Fri 27 整理日), Sat 28, Sun 29
    expect(ishigaki.addOpenDays('2026-11-20', 7)).toBe('2026-11-29');
  });
});

describe('bookmobile stations', () => {
  const visits = ['2026-12-09', '2026-12-23', '2027-01-13', '2027-01-27'];

  it('an item lent at a station is due on a visit at least the loan period ahead', () => {
    expect(stationDueDate('2026-12-09', visits, 14)).toBe('2026-12-23');
    expect(stationDueDate('2026-12-10', visits, 14)).toBe('2027-01-13');
  });

  it('says so clearly when no visit is scheduled far enough ahead', () => {
    expect(() => stationDueDate('2027-01-20', visits, 14, '川平公民館')).toThrow(CalendarError);
    expect(() => stationDueDate('2027-01-20', visits, 14, '川平公民館')).toThrow(/川平公民館/);
  });

  it('a hold waits at a station until its next visit', () => {
    expect(nthVisitAfter('2026-12-09', visits, 1)).toBe('2026-12-23');
  });
});

describe('a closure added after the loans were made', () => {
  it('moves every due date that now falls on a closed day, and only those', () => {
    const withStockTake = ishigaki.withExceptions(
      eachDay('2026-12-01', '2026-12-07').map((day) => ({
        day,
        kind: 'closed' as const,
        reasonJa: '特別整理期間',
      })),
    );
    const shifts = retroactiveDueDateShifts(
      [
        { id: 'a', dueOn: '2026-12-02' },
        { id: 'b', dueOn: '2026-12-06' },
        { id: 'c', dueOn: '2026-12-09' },
      ],
      withStockTake,
    );
    expect(shifts).toEqual([
      { id: 'a', from: '2026-12-02', to: '2026-12-08', reasonJa: '特別整理期間' },
      { id: 'b', from: '2026-12-06', to: '2026-12-08', reasonJa: '特別整理期間' },
    ]);
  });
});

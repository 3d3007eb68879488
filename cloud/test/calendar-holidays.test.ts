import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eachDay } from '../src/domain/calendar/dates.ts';
import { CalendarError } from '../src/domain/calendar/errors.ts';
import { parseCabinetOfficeCsv } from '../src/domain/calendar/holiday-csv.ts';
import { createHolidayCalendar, nationalHolidays } from '../src/domain/calendar/holidays.ts';

/** The Cabinet Office's own list (Shift_JIS), the oracle: see fixtures/holidays/SOURCES.md. */
const oracleBytes = readFileSync(new URL('./fixtures/holidays/holidays-jp__syukujitsu.csv', import.meta.url));
const oracle = new Map(parseCabinetOfficeCsv(oracleBytes).map((h) => [h.day, h.nameJa]));

describe('national holidays against the Cabinet Office list', () => {
  it('reads the Shift_JIS file', () => {
    expect(oracle.get('2026-09-22')).toBe('休日');
    expect(oracle.get('2019-05-01')).toBe('休日（祝日扱い）');
    expect(oracle.size).toBe(1067);
  });

  it('agrees on every day 2016–2027, both ways', () => {
    const wrong: string[] = [];
    for (const day of eachDay('2016-01-01', '2027-12-31')) {
      if (oracle.has(day) !== nationalHolidays.isHoliday(day)) wrong.push(day);
    }
    expect(wrong).toEqual([]);
  });

  it('agrees on every name since 1970 (the CSV calls substitutes and citizens’ holidays 休日)', () => {
    const wrong: string[] = [];
    for (const [day, name] of oracle) {
      if (day < '1970') continue;
      const h = nationalHolidays.holidayOn(day);
      const ok = name === '休日' ? h?.kind === 'substitute' || h?.kind === 'citizens' : h?.nameJa === name;
      if (!ok) wrong.push(`${day} ${name} ${h?.nameJa}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('holiday kinds and labels', () => {
  it('names 振替休日 and 国民の休日 as a patron reads them', () => {
    expect(nationalHolidays.holidayOn('2026-09-21')).toMatchObject({ kind: 'national', labelJa: '敬老の日' });
    expect(nationalHolidays.holidayOn('2026-09-22')).toMatchObject({
      kind: 'citizens',
      labelJa: '国民の休日',
    });
    expect(nationalHolidays.holidayOn('2026-09-23')).toMatchObject({ kind: 'national', labelJa: '秋分の日' });
    expect(nationalHolidays.holidayOn('2025-05-06')).toMatchObject({
      kind: 'substitute',
      labelJa: '振替休日',
    });
    expect(nationalHolidays.holidayOn('2026-06-23')).toBeNull(); // 慰霊の日 is Okinawa's, not national
  });

  it('classifies the CSV’s bare 休日 the same way as the package does', () => {
    const fromCsv = createHolidayCalendar({
      base: {},
      supplement: { source: 'syukujitsu.csv', holidays: parseCabinetOfficeCsv(oracleBytes) },
    });
    for (const day of ['2019-04-30', '2019-05-02', '2019-05-06', '2026-05-06', '2026-09-22', '2025-11-24']) {
      expect(fromCsv.holidayOn(day)?.kind, day).toBe(nationalHolidays.holidayOn(day)?.kind);
    }
  });
});

describe('coverage and updates without code', () => {
  it('covers the package’s years and refuses to guess beyond them', () => {
    expect(nationalHolidays.firstYear).toBe(1970);
    expect(nationalHolidays.lastYear).toBeGreaterThanOrEqual(2050);
    const after = `${nationalHolidays.lastYear + 1}-05-05`;
    expect(nationalHolidays.covers(after)).toBe(false);
    expect(() => nationalHolidays.holidayOn(after)).toThrow(CalendarError);
    expect(() => nationalHolidays.holidayOn(after)).toThrow(/祝日データは1970年〜/);
    expect(() => nationalHolidays.between('2050-12-01', after)).toThrow(CalendarError);
  });

  it('a supplement extends coverage: the official CSV fills years the data does not have', () => {
    const upTo2024 = Object.fromEntries(
      Object.entries(nationalHolidays.between('2024-01-01', '2024-12-31')).map(([, h]) => [
        h.day,
        { date: h.day, name: h.nameJa, name_en: h.nameEn },
      ]),
    );
    const short = createHolidayCalendar({ base: upTo2024 });
    expect(() => short.holidayOn('2026-09-22')).toThrow(CalendarError);
    const updated = createHolidayCalendar({
      base: upTo2024,
      supplement: { source: '内閣府 syukujitsu.csv', holidays: parseCabinetOfficeCsv(oracleBytes) },
    });
    expect(updated.holidayOn('2026-09-22')?.labelJa).toBe('国民の休日');
    expect(updated.lastYear).toBe(2027);
    expect(() => updated.holidayOn('2028-01-01')).toThrow(/内閣府 syukujitsu.csv/);
  });

  it('a supplement year replaces the package’s year: a new or moved holiday is a data update', () => {
    const y2027 = nationalHolidays
      .between('2027-01-01', '2027-12-31')
      .filter((h) => h.day !== '2027-11-23')
      .map((h) => ({ day: h.day, nameJa: h.nameJa }));
    const law = createHolidayCalendar({
      supplement: {
        source: '令和X年法律第Y号 (test)',
        holidays: [...y2027, { day: '2027-11-24', nameJa: '新しい祝日' }],
      },
    });
    expect(law.holidayOn('2027-11-23')).toBeNull();
    expect(law.holidayOn('2027-11-24')?.labelJa).toBe('新しい祝日');
    expect(law.holidayOn('2026-11-23')?.labelJa).toBe('勤労感謝の日'); // other years untouched
  });

  it('rejects a CSV it cannot read rather than losing holidays', () => {
    expect(() =>
      parseCabinetOfficeCsv('国民の祝日・休日月日,国民の祝日・休日名称\n2026-01-01,元日\n'),
    ).toThrow(/line 2/);
  });
});

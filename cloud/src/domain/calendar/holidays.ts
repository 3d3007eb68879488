/**
 * Japanese national holidays (国民の祝日, 振替休日, 国民の休日) from the maintained
 * `@holiday-jp/holiday_jp` data, never a hand-typed list.
 *
 * Coverage: the package lists 1970 … its last year (2050 in 2.5.1). Years after the Cabinet
 * Office's latest announcement are the package's projection (春分/秋分 are computed; the law may
 * change), refreshed by updating the package. Asking about a year outside the data throws
 * `holidayDataOutOfRange` — a due date must never be computed as if a holiday did not exist.
 *
 * Updates without code: a `HolidaySupplement` (e.g. the Cabinet Office CSV parsed by
 * holiday-csv.ts, or a JSON list from configuration) replaces the package's list for every year it
 * contains and extends coverage to those years — a new holiday, a moved one, or a new era's
 * 天皇誕生日 is a data update.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { addDays, assertDay, type Day, isoWeekday, yearOf } from './dates.ts';
import { CalendarError } from './errors.ts';

/** 祝日 proper, 振替休日 (Art. 3(2): a 祝日 on Sunday moves to the next weekday), 国民の休日 (Art. 3(3)) */
export type HolidayKind = 'national' | 'substitute' | 'citizens';

export type HolidayEntry = { day: Day; nameJa: string; nameEn?: string };

export type NationalHoliday = {
  day: Day;
  /** as the source names it, e.g. こどもの日 振替休日 */
  nameJa: string;
  nameEn: string;
  kind: HolidayKind;
  /** what a patron should read on a closed day: the 祝日名, 振替休日 or 国民の休日 */
  labelJa: string;
};

export type HolidaySupplement = {
  /** where the list comes from, for the operation log and error messages */
  source: string;
  /** complete lists: every year that appears here replaces the package's list for that year */
  holidays: HolidayEntry[];
};

type PackageHoliday = { date: string; name: string; name_en: string };

/** The package's table, keyed by `YYYY-MM-DD` — we never call its Date-based API (time-zone bound). */
const PACKAGE_DATA = holidayJp.holidays as Readonly<Record<string, PackageHoliday>>;
export const HOLIDAY_PACKAGE_VERSION: string = holidayJp.VERSION;

export class HolidayCalendar {
  readonly firstYear: number;
  readonly lastYear: number;
  readonly #byDay: ReadonlyMap<Day, NationalHoliday>;
  readonly #years: ReadonlySet<number>;

  constructor(
    entries: HolidayEntry[],
    years: Iterable<number>,
    readonly source: string,
  ) {
    this.#years = new Set(years);
    const ys = [...this.#years];
    this.firstYear = Math.min(...ys);
    this.lastYear = Math.max(...ys);
    const names = new Map(entries.map((e) => [assertDay(e.day), e]));
    const byDay = new Map<Day, NationalHoliday>();
    for (const e of [...names.values()].sort((a, b) => (a.day < b.day ? -1 : 1))) {
      const kind = classify(e, names);
      byDay.set(e.day, {
        day: e.day,
        nameJa: e.nameJa,
        nameEn: e.nameEn ?? '',
        kind,
        labelJa: label(e, kind),
      });
    }
    this.#byDay = byDay;
  }

  covers(day: Day): boolean {
    return this.#years.has(yearOf(assertDay(day)));
  }

  /** The holiday on that day, or null; throws when the data does not cover the year. */
  holidayOn(day: Day): NationalHoliday | null {
    if (!this.covers(day)) throw this.#outOfRange(day);
    return this.#byDay.get(day) ?? null;
  }

  isHoliday(day: Day): boolean {
    return this.holidayOn(day) !== null;
  }

  /** Holidays from `from` to `to`, both included (both ends must be covered). */
  between(from: Day, to: Day): NationalHoliday[] {
    for (let y = yearOf(assertDay(from)); y <= yearOf(assertDay(to)); y++) {
      if (!this.#years.has(y)) throw this.#outOfRange(`${from}〜${to}`);
    }
    return [...this.#byDay.values()].filter((h) => h.day >= from && h.day <= to);
  }

  #outOfRange(asked: string): CalendarError {
    return new CalendarError(
      'holidayDataOutOfRange',
      `祝日データは${this.firstYear}年〜${this.lastYear}年のみです（${asked}、出典: ${this.source}）。祝日データを更新してください。`,
    );
  }
}

/**
 * Build a holiday calendar from the package (or `base`, for tests) plus an optional supplement.
 * A supplement year replaces the base year wholesale, so removals need no separate syntax.
 */
export function createHolidayCalendar(
  opts: { base?: Readonly<Record<string, PackageHoliday>>; supplement?: HolidaySupplement } = {},
): HolidayCalendar {
  const base = opts.base ?? PACKAGE_DATA;
  const supplementYears = new Set((opts.supplement?.holidays ?? []).map((h) => yearOf(h.day)));
  const entries: HolidayEntry[] = Object.values(base)
    .filter((h) => !supplementYears.has(yearOf(h.date)))
    .map((h) => ({ day: h.date, nameJa: h.name, nameEn: h.name_en }));
  entries.push(...(opts.supplement?.holidays ?? []));
  const years = new Set([...Object.keys(base).map(yearOf), ...supplementYears]);
  const source = [`@holiday-jp/holiday_jp ${opts.base ? '(given)' : HOLIDAY_PACKAGE_VERSION}`];
  if (opts.supplement) source.push(opts.supplement.source);
  return new HolidayCalendar(entries, years, source.join(' + '));
}

/** The deployment's default: the package data as installed. */
export const nationalHolidays: HolidayCalendar = createHolidayCalendar();

/**
 * The package names substitutes "X 振替休日" and citizens' holidays "休日"; the Cabinet Office CSV
 * calls both "休日". A 休日 reached from a Sunday 祝日 through consecutive holidays is a 振替休日.
 */
function classify(e: HolidayEntry, all: ReadonlyMap<Day, HolidayEntry>): HolidayKind {
  if (/振替休日$/.test(e.nameJa)) return 'substitute';
  if (e.nameJa !== '休日' && e.nameJa !== '国民の休日') return 'national';
  for (let d = addDays(e.day, -1); all.has(d); d = addDays(d, -1)) {
    const prev = all.get(d)!;
    if (isoWeekday(d) === 7 && prev.nameJa !== '休日') return 'substitute';
  }
  return 'citizens';
}

function label(e: HolidayEntry, kind: HolidayKind): string {
  if (kind === 'substitute') return '振替休日';
  if (kind === 'citizens') return '国民の休日';
  return e.nameJa;
}

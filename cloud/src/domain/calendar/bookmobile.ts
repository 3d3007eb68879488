/**
 * Bookmobile (移動図書館) stations: an item lent at a station can only come back when the bookmobile
 * returns there, so its due date is one of that station's visit dates, not "loan + n days".
 */
import { addDays, assertDay, type Day } from './dates.ts';
import { CalendarError } from './errors.ts';

/**
 * The first visit of the station on or after loanDate + minDays. With visits every four weeks and
 * minDays = 14 that is the next-but-one visit when the next one is too close (a patron never gets
 * a loan of three days because the bus happens to come back on Friday).
 *
 * `stationVisits` comes from LibraryCalendar.visitsOf(station) and may be in any order.
 */
export function stationDueDate(
  loanDate: Day,
  stationVisits: readonly Day[],
  minDays: number,
  stationNameJa = 'この巡回場所',
): Day {
  if (!Number.isInteger(minDays) || minDays < 0) throw new RangeError(`minDays must be ≥ 0: ${minDays}`);
  const earliest = addDays(assertDay(loanDate), minDays);
  const due = firstOnOrAfter(stationVisits, earliest);
  if (!due) {
    throw new CalendarError(
      'noStationVisit',
      `${stationNameJa}の${earliest}以降の巡回予定が登録されていないため、返却期限を決められません。巡回日程を登録してください。`,
    );
  }
  return due;
}

/**
 * The n-th visit of the station after `day` (n ≥ 1): a hold picked up at a station waits there for
 * n visits, because the station is only "open" while the bus is parked.
 */
export function nthVisitAfter(
  day: Day,
  stationVisits: readonly Day[],
  n: number,
  stationNameJa = 'この巡回場所',
): Day {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be ≥ 1: ${n}`);
  const later = [...stationVisits].filter((v) => v > assertDay(day)).sort();
  const hit = later[n - 1];
  if (!hit) {
    throw new CalendarError(
      'noStationVisit',
      `${stationNameJa}の${day}より後の巡回予定が${n}回分登録されていません。`,
    );
  }
  return hit;
}

/** The earliest visit on or after `day`, or null. */
export function firstOnOrAfter(stationVisits: readonly Day[], day: Day): Day | null {
  let best: Day | null = null;
  for (const v of stationVisits) if (v >= day && (best === null || v < best)) best = assertDay(v);
  return best;
}

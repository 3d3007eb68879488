/**
 * When staff add a closure after loans were made (a 特別整理期間 for the stock-take, a typhoon day),
 * due dates already printed on receipts may now fall on a closed day. They must move to the next
 * open day so no patron becomes overdue because the library was shut. This module only computes
 * the shifts; the caller applies them in one transaction and op-logs each one.
 */
import { firstOnOrAfter } from './bookmobile.ts';
import type { Day } from './dates.ts';
import { CalendarError } from './errors.ts';
import type { LibraryCalendar } from './library-calendar.ts';

export type DueLoan = {
  id: string;
  dueOn: Day;
  /** for a loan made at a bookmobile station: it must move to that station's next visit */
  station?: string | null;
};

export type DueDateShift = {
  id: string;
  from: Day;
  to: Day;
  /** why the old due date is closed, for the operation log and the patron notice */
  reasonJa: string;
};

/** Loans whose due date is now closed, with their new due date; loans still fine are left out. */
export function retroactiveDueDateShifts(
  loans: readonly DueLoan[],
  calendar: LibraryCalendar,
): DueDateShift[] {
  const shifts: DueDateShift[] = [];
  for (const loan of loans) {
    const status = calendar.status(loan.dueOn);
    const stationStillVisited = loan.station ? status.visits.includes(loan.station) : status.open;
    if (stationStillVisited) continue;
    const reasonJa = status.closedReasonJa ?? `${loan.station}の巡回が取りやめになりました`;
    shifts.push({ id: loan.id, from: loan.dueOn, to: newDueOn(loan, calendar), reasonJa });
  }
  return shifts;
}

function newDueOn(loan: DueLoan, calendar: LibraryCalendar): Day {
  if (!loan.station) return calendar.nextOpenOnOrAfter(loan.dueOn);
  const next = firstOnOrAfter(calendar.visitsOf(loan.station), loan.dueOn);
  if (!next) {
    throw new CalendarError(
      'noStationVisit',
      `${loan.station}の${loan.dueOn}以降の巡回予定がないため、返却期限を移せません（貸出 ${loan.id}）。`,
    );
  }
  return next;
}

import type { ErrorCode } from '@bunko/protocols';
import { AppError } from '../errors.ts';

/**
 * Why a calendar question could not be answered. Each is a refusal the counter must show, never a
 * silent guess: a due date computed from missing data would be wrong on the patron's receipt.
 */
export type CalendarFailure =
  /** not a real `YYYY-MM-DD` day */
  | 'invalidDay'
  /** the national-holiday data does not cover the year (update the package or the supplement) */
  | 'holidayDataOutOfRange'
  /** the day lies outside the span whose exception days were loaded from the database */
  | 'outsideLoadedRange'
  /** no open day within the search horizon (e.g. a closure with no end, or a misconfiguration) */
  | 'noOpenDay'
  /** a bookmobile station has no visit scheduled far enough ahead to set a due date */
  | 'noStationVisit';

/** Data gaps are operator problems (internal); the others are answers the request cannot get. */
const CODES: Record<CalendarFailure, ErrorCode> = {
  invalidDay: 'validation',
  holidayDataOutOfRange: 'internal',
  outsideLoadedRange: 'internal',
  noOpenDay: 'validation',
  noStationVisit: 'validation',
};

export class CalendarError extends AppError {
  constructor(
    readonly reason: CalendarFailure,
    /** Japanese, shown to staff as is */
    detailJa: string,
  ) {
    super(CODES[reason], detailJa);
    this.name = 'CalendarError';
  }
}

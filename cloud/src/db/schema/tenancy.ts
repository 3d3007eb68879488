import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  time,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, idColumn, tenantColumn } from './common.ts';

export { tenants } from './tenants.ts';

/** Service points: the main library, the bookmobile and its stations, school and group pick-up points. */
export const locations = pgTable(
  'locations',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    code: text('code').notNull(),
    nameJa: text('name_ja').notNull(),
    nameEn: text('name_en').notNull(),
    kind: text('kind', { enum: ['library', 'branch', 'bookmobile', 'station', 'school', 'group'] }).notNull(),
    parentId: uuid('parent_id'),
    calendarId: uuid('calendar_id'),
    isPickupPoint: boolean('is_pickup_point').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('locations_tenant_code').on(t.tenantId, t.code)],
);

/** An opening calendar: weekly closed days and hours; dated exceptions live in calendar_days. */
export const calendars = pgTable(
  'calendars',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    code: text('code').notNull(),
    nameJa: text('name_ja').notNull(),
    /** ISO weekdays (1 = Monday … 7 = Sunday) on which the library is closed */
    closedWeekdays: integer('closed_weekdays').array().notNull().default(sql`'{}'::int[]`),
    closedOnNationalHolidays: boolean('closed_on_national_holidays').notNull().default(true),
    /** e.g. { "weekday": ["10:00","19:00"], "weekend": ["10:00","17:00"] } */
    hours: jsonb('hours').$type<Record<string, [string, string]>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('calendars_tenant_code').on(t.tenantId, t.code)],
);

/** Dated exceptions: closures (慰霊の日, 年末年始, 資料整理日, 特別整理期間), extra openings, bookmobile visits. */
export const calendarDays = pgTable(
  'calendar_days',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    calendarId: uuid('calendar_id')
      .notNull()
      .references(() => calendars.id),
    day: date('day').notNull(),
    kind: text('kind', { enum: ['closed', 'open', 'visit'] }).notNull(),
    reasonJa: text('reason_ja').notNull().default(''),
    opensAt: time('opens_at'),
    closesAt: time('closes_at'),
  },
  (t) => [
    uniqueIndex('calendar_days_unique').on(t.tenantId, t.calendarId, t.day, t.kind),
    index('calendar_days_day').on(t.tenantId, t.day),
  ],
);

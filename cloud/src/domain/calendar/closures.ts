import { and, between, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { calendarDays, holds, loans, locations } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { addDays, assertDay, type Day, daysBetween, eachDay } from './dates.ts';
import { loadCalendar } from './load-calendar.ts';
import { retroactiveDueDateShifts } from './retroactive.ts';

/** Longest closure staff may add in one go (a stock-take is two weeks; a rebuild is months). */
const MAX_CLOSURE_DAYS = 366;

/**
 * Add a closure (特別整理期間, a typhoon day) and apply its effect at once: every active loan due
 * on a day that is now closed moves to the next open day (at a station: its next visit), and holds
 * waiting on the shelf get their pickup deadline moved the same way. All in one transaction, each
 * moved loan operation-logged, so no patron becomes overdue because the library was shut.
 */
export async function addClosure(
  ctx: Ctx,
  calendarId: string,
  input: { from: Day; to: Day; reasonJa: string },
) {
  requirePermission(ctx, 'settings.write');
  const from = assertDay(input.from);
  const to = assertDay(input.to);
  if (from > to || daysBetween(from, to) >= MAX_CLOSURE_DAYS) {
    throw new AppError('validation', undefined, [
      { path: 'to', message: `must be on or after from, within ${MAX_CLOSURE_DAYS} days` },
    ]);
  }
  return inTx(ctx, async (tx) => {
    const inserted = await tx
      .insert(calendarDays)
      .values(
        eachDay(from, to).map((day) => ({
          tenantId: ctx.tenantId,
          calendarId,
          day,
          kind: 'closed' as const,
          reasonJa: input.reasonJa,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: calendarDays.id });
    const calendar = await loadCalendar(tx, ctx.tenantId, calendarId, from, addDays(to, 400));

    // Loans made at a location that keeps this calendar (its own, or its parent's).
    const parent = alias(locations, 'parent');
    const affected = await tx
      .select({ id: loans.id, dueOn: loans.dueOn, kind: locations.kind, nameJa: locations.nameJa })
      .from(loans)
      .innerJoin(locations, eq(locations.id, loans.locationId))
      .leftJoin(parent, eq(parent.id, locations.parentId))
      .where(
        and(
          eq(loans.tenantId, ctx.tenantId),
          isNull(loans.returnedAt),
          between(loans.dueOn, from, to),
          sql`coalesce(${locations.calendarId}, ${parent.calendarId}) = ${calendarId}`,
        ),
      )
      .for('update', { of: loans });
    const shifts = retroactiveDueDateShifts(
      affected.map((l) => ({ id: l.id, dueOn: l.dueOn, station: l.kind === 'station' ? l.nameJa : null })),
      calendar,
    );
    for (const s of shifts) {
      await tx.update(loans).set({ dueOn: s.to }).where(eq(loans.id, s.id));
      await recordOperation(tx, ctx, {
        action: 'loan.dueShift',
        targetType: 'loan',
        targetId: s.id,
        details: { from: s.from, to: s.to, reasonJa: s.reasonJa },
      });
    }

    const pickupPoints = await tx
      .select({ id: locations.id })
      .from(locations)
      .leftJoin(parent, eq(parent.id, locations.parentId))
      .where(
        and(
          eq(locations.tenantId, ctx.tenantId),
          or(
            eq(locations.calendarId, calendarId),
            and(isNull(locations.calendarId), eq(parent.calendarId, calendarId)),
          ),
        ),
      );
    let shiftedHolds = 0;
    if (pickupPoints.length) {
      const waiting = await tx
        .select({ id: holds.id, pickupBy: holds.pickupBy })
        .from(holds)
        .where(
          and(
            eq(holds.tenantId, ctx.tenantId),
            eq(holds.status, 'available'),
            inArray(
              holds.pickupLocationId,
              pickupPoints.map((p) => p.id),
            ),
            between(holds.pickupBy, from, to),
          ),
        )
        .for('update');
      for (const h of waiting) {
        await tx
          .update(holds)
          .set({ pickupBy: calendar.nextOpenOnOrAfter(h.pickupBy!) })
          .where(eq(holds.id, h.id));
        shiftedHolds++;
      }
    }
    await recordOperation(tx, ctx, {
      action: 'calendar.closure',
      targetType: 'calendar',
      targetId: calendarId,
      details: { from, to, reasonJa: input.reasonJa, shiftedLoans: shifts.length, shiftedHolds },
    });
    return { closedDays: inserted.length, shiftedLoans: shifts.length, shiftedHolds };
  });
}

/** Each day of a span as the calendar sees it: open, or closed with the reason; visits; holidays. */
export async function calendarDaysView(ctx: Ctx, calendarId: string, from: Day, to: Day) {
  requirePermission(ctx, 'settings.read');
  if (daysBetween(assertDay(from), assertDay(to)) > 400)
    throw new AppError('validation', 'at most 400 days at a time');
  const calendar = await loadCalendar(ctx.db, ctx.tenantId, calendarId, from, to);
  return eachDay(from, to).map((day) => {
    const s = calendar.status(day);
    return {
      day,
      open: s.open,
      closedReasonJa: s.closedReasonJa,
      holiday: s.holiday?.labelJa ?? null,
      visits: s.visits,
    };
  });
}

import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import { agents, bibRecords, holds, items, loans, patrons } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

/** Counts for the home screen; figures only, nothing personal. */
export async function dashboard(ctx: Ctx) {
  if (!ctx.staff) throw new AppError('unauthenticated');
  const t = ctx.tenantId;
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]?.n ?? 0;
  const [bibs, itemCount, patronCount, activeLoans, holdCount, agentsOnline, agentsTotal] = await Promise.all(
    [
      n(ctx.db.select({ n: count() }).from(bibRecords).where(eq(bibRecords.tenantId, t))),
      n(ctx.db.select({ n: count() }).from(items).where(eq(items.tenantId, t))),
      n(ctx.db.select({ n: count() }).from(patrons).where(eq(patrons.tenantId, t))),
      n(
        ctx.db
          .select({ n: count() })
          .from(loans)
          .where(and(eq(loans.tenantId, t), isNull(loans.returnedAt))),
      ),
      n(
        ctx.db
          .select({ n: count() })
          .from(holds)
          .where(
            and(
              eq(holds.tenantId, t),
              inArray(holds.status, ['requested', 'preparing', 'inTransit', 'available']),
            ),
          ),
      ),
      n(
        ctx.db
          .select({ n: count() })
          .from(agents)
          .where(and(eq(agents.tenantId, t), eq(agents.status, 'online'))),
      ),
      n(ctx.db.select({ n: count() }).from(agents).where(eq(agents.tenantId, t))),
    ],
  );
  return {
    counts: {
      bibs,
      items: itemCount,
      patrons: patronCount,
      activeLoans,
      holds: holdCount,
      agentsOnline,
      agentsTotal,
    },
  };
}

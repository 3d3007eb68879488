import { and, eq } from 'drizzle-orm';
import { staffSessions } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { unpairSession } from '../scans/scan-hub.ts';

/**
 * Revoke the session server-side: the cookie alone is worth nothing afterwards. A desk reader paired
 * with it is unpaired in the same step.
 */
export async function logout(ctx: Ctx): Promise<void> {
  if (!ctx.staff) throw new AppError('unauthenticated');
  const staff = ctx.staff;
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(staffSessions)
      .set({ revokedAt: ctx.now() })
      .where(and(eq(staffSessions.tenantId, ctx.tenantId), eq(staffSessions.id, staff.sessionId)));
    await unpairSession(tx, ctx, staff.sessionId, 'logout');
    await recordOperation(tx, ctx, { action: 'auth.logout', targetType: 'staff', targetId: staff.id });
  });
}

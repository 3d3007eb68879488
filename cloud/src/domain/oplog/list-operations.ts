import { and, desc, eq, lt } from 'drizzle-orm';
import { operationLog } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';

export async function listOperations(ctx: Ctx, input: { limit: number; before?: number }) {
  requirePermission(ctx, 'oplog.read');
  const rows = await ctx.db
    .select()
    .from(operationLog)
    .where(
      and(
        eq(operationLog.tenantId, ctx.tenantId),
        input.before ? lt(operationLog.seq, input.before) : undefined,
      ),
    )
    .orderBy(desc(operationLog.seq))
    .limit(input.limit);
  return rows.map((r) => ({
    seq: r.seq,
    at: r.at.toISOString(),
    staffLoginId: r.staffLoginId,
    actorKind: r.actorKind,
    actorPatronId: r.actorPatronId,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    workstation: r.workstation,
    details: r.details,
  }));
}

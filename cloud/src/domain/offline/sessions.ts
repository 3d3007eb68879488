import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { agents, offlineOperations, offlineSessions } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

const open = sql`${offlineOperations.resolvedAt} is null and cardinality(${offlineOperations.conflicts}) > 0`;

/** Offline sessions, newest first, with how their operations were settled. */
export async function listOfflineSessions(ctx: Ctx, input: { limit: number }) {
  requirePermission(ctx, 'circulation.checkout');
  const rows = await ctx.db
    .select({
      id: offlineSessions.id,
      agentId: offlineSessions.agentId,
      agentNameJa: agents.nameJa,
      firstOpAt: offlineSessions.firstOpAt,
      lastOpAt: offlineSessions.lastOpAt,
      lastReplayAt: offlineSessions.lastReplayAt,
      clockSkewSeconds: offlineSessions.clockSkewSeconds,
      operations: sql<number>`(select count(*)::int from ${offlineOperations} o where o.tenant_id = ${offlineSessions.tenantId} and o.session_id = ${offlineSessions.id})`,
      applied: sql<number>`(select count(*)::int from ${offlineOperations} o where o.tenant_id = ${offlineSessions.tenantId} and o.session_id = ${offlineSessions.id} and o.outcome = 'applied')`,
      openConflicts: sql<number>`(select count(*)::int from ${offlineOperations} o where o.tenant_id = ${offlineSessions.tenantId} and o.session_id = ${offlineSessions.id} and o.resolved_at is null and cardinality(o.conflicts) > 0)`,
    })
    .from(offlineSessions)
    .innerJoin(agents, eq(agents.id, offlineSessions.agentId))
    .where(eq(offlineSessions.tenantId, ctx.tenantId))
    .orderBy(desc(offlineSessions.lastOpAt))
    .limit(input.limit);
  return rows.map((r) => ({
    ...r,
    firstOpAt: r.firstOpAt.toISOString(),
    lastOpAt: r.lastOpAt.toISOString(),
    lastReplayAt: r.lastReplayAt.toISOString(),
  }));
}

const operationColumns = {
  id: offlineOperations.id,
  sessionId: offlineOperations.sessionId,
  seq: offlineOperations.seq,
  kind: offlineOperations.kind,
  at: offlineOperations.at,
  locationId: offlineOperations.locationId,
  itemBarcode: offlineOperations.itemBarcode,
  itemId: offlineOperations.itemId,
  patronId: offlineOperations.patronId,
  dueOn: offlineOperations.dueOn,
  outcome: offlineOperations.outcome,
  loanId: offlineOperations.loanId,
  conflicts: offlineOperations.conflicts,
  notes: offlineOperations.notes,
  flags: offlineOperations.flags,
  resolvedAt: offlineOperations.resolvedAt,
  resolutionNote: offlineOperations.resolutionNote,
};

type OperationRow = { at: Date; resolvedAt: Date | null };
const present = <T extends OperationRow>(r: T) => ({
  ...r,
  at: r.at.toISOString(),
  resolvedAt: r.resolvedAt?.toISOString() ?? null,
});

/** One session's operations in replay order, with their outcomes, conflicts and notes. */
export async function getOfflineSession(ctx: Ctx, sessionId: string) {
  requirePermission(ctx, 'circulation.checkout');
  const ops = await ctx.db
    .select(operationColumns)
    .from(offlineOperations)
    .where(and(eq(offlineOperations.tenantId, ctx.tenantId), eq(offlineOperations.sessionId, sessionId)))
    .orderBy(asc(offlineOperations.seq));
  if (ops.length === 0) throw new AppError('notFound', `offline session ${sessionId}`);
  return { sessionId, operations: ops.map(present) };
}

/** Conflicts staff have not resolved yet, oldest first, across every session. */
export async function listOfflineConflicts(ctx: Ctx) {
  requirePermission(ctx, 'circulation.checkout');
  const rows = await ctx.db
    .select(operationColumns)
    .from(offlineOperations)
    .where(and(eq(offlineOperations.tenantId, ctx.tenantId), open))
    .orderBy(asc(offlineOperations.at))
    .limit(1000);
  return rows.map(present);
}

/**
 * Staff mark a conflict resolved (after finding the book, or telling the patron) with a note. The
 * patron's card and id, kept while the conflict was open, are erased with it.
 */
export async function resolveOfflineConflict(ctx: Ctx, operationId: string, input: { note: string }) {
  const staff = requirePermission(ctx, 'circulation.override');
  return inTx(ctx, async (tx) => {
    const [row] = await tx
      .update(offlineOperations)
      .set({
        resolvedAt: ctx.now(),
        resolvedBy: staff?.id ?? null,
        resolutionNote: input.note,
        patronBarcode: null,
        patronId: null,
      })
      .where(
        and(
          eq(offlineOperations.tenantId, ctx.tenantId),
          eq(offlineOperations.id, operationId),
          isNull(offlineOperations.resolvedAt),
          sql`cardinality(${offlineOperations.conflicts}) > 0`,
        ),
      )
      .returning({ id: offlineOperations.id, conflicts: offlineOperations.conflicts });
    if (!row) throw new AppError('notFound', `open offline conflict ${operationId}`);
    await recordOperation(tx, ctx, {
      action: 'offline.resolve',
      targetType: 'offlineOperation',
      targetId: row.id,
      details: { conflicts: row.conflicts },
    });
    return { id: row.id, resolvedAt: ctx.now().toISOString() };
  });
}

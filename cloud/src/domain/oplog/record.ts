import type { DbOrTx } from '../../db/client.ts';
import { operationLog } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';

export type OperationEntry = {
  action: string;
  targetType?: string;
  targetId?: string;
  /** never personal data: ids, codes and changed field names only */
  details?: Record<string, unknown>;
};

/** Append to the operation log inside the caller's transaction, so the action and its record commit together. */
export async function recordOperation(tx: DbOrTx, ctx: Ctx, entry: OperationEntry): Promise<void> {
  await tx.insert(operationLog).values({
    tenantId: ctx.tenantId,
    staffId: ctx.staff?.id ?? null,
    staffLoginId: ctx.staff?.loginId ?? (ctx.system ? 'system' : null),
    actorKind: actorKind(ctx),
    actorPatronId: ctx.patron?.id ?? null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    workstation: ctx.workstation,
    requestId: ctx.requestId,
    details: entry.details ?? {},
  });
}

/** Staff and patron never act in one context: a patron context (My Library) has no staff. */
function actorKind(ctx: Ctx) {
  if (ctx.system) return 'system' as const;
  if (ctx.staff) return 'staff' as const;
  if (ctx.patron) return 'patron' as const;
  return 'anonymous' as const;
}

import { sql } from 'drizzle-orm';
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
  await recordOperations(tx, ctx, [entry]);
}

/** Above this many entries, recordOperations sends them as one JSON value. */
const MANY = 50;

/** Append several entries with one insert (a bulk action: each record it wrote has its own entry). */
export async function recordOperations(tx: DbOrTx, ctx: Ctx, entries: OperationEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (entries.length > MANY) {
    // what varies travels as one JSON value rather than eleven parameters an entry
    const varying = JSON.stringify(
      entries.map((e) => ({
        action: e.action,
        target_type: e.targetType ?? null,
        target_id: e.targetId ?? null,
        details: e.details ?? {},
      })),
    );
    await tx.execute(sql`
      insert into operation_log (tenant_id, staff_id, staff_login_id, actor_kind, actor_patron_id,
        action, target_type, target_id, workstation, request_id, details)
      select ${ctx.tenantId}::uuid, ${ctx.staff?.id ?? null}::uuid,
        ${ctx.staff?.loginId ?? (ctx.system ? 'system' : null)}::text, ${actorKind(ctx)}::text,
        ${ctx.patron?.id ?? null}::uuid, e.action, e.target_type, e.target_id,
        ${ctx.workstation}::text, ${ctx.requestId}::text, e.details
      from jsonb_array_elements(${varying}::jsonb) with ordinality as a(entry, n)
      cross join lateral jsonb_to_record(a.entry) as e(action text, target_type text, target_id text, details jsonb)
      order by a.n`);
    return;
  }
  await tx.insert(operationLog).values(
    entries.map((entry) => ({
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
    })),
  );
}

/** Staff and patron never act in one context: a patron context (My Library) has no staff. */
function actorKind(ctx: Ctx) {
  if (ctx.system) return 'system' as const;
  if (ctx.staff) return 'staff' as const;
  if (ctx.patron) return 'patron' as const;
  return 'anonymous' as const;
}

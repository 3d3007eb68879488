import { randomUUID } from 'node:crypto';
import type { AgentRequest, AgentResponse } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AgentPort } from '../../broker/agent-bridge.ts';
import { agents } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

/** the fields an agent named when it refused a config */
const Issues = z.array(z.object({ path: z.string().max(200), message: z.string().max(500) })).max(50);
/** the device profiles a pushed config brought, stored by the agent */
const StoredProfiles = z.array(z.string().max(100)).max(100);

/**
 * IT's remote actions on an agent (devices.admin). Each one is logged with its outcome, refused or
 * not: who asked an agent to change is worth knowing even when the agent said no.
 */
async function remote(
  ctx: Ctx,
  port: AgentPort | undefined,
  agentId: string,
  action: 'agent.configure' | 'agent.restart',
  req: AgentRequest,
): Promise<AgentResponse> {
  requirePermission(ctx, 'devices.admin');
  const [agent] = await ctx.db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, ctx.tenantId), eq(agents.id, agentId)));
  if (!agent) throw new AppError('notFound');
  if (!port) throw new AppError('agentOffline');
  const res = await port.request(ctx.tenantId, agentId, req, 10_000);
  const configHash = typeof res.result?.configHash === 'string' ? res.result.configHash : undefined;
  const profiles = StoredProfiles.safeParse(res.result?.profiles);
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, {
      action,
      targetType: 'agent',
      targetId: agentId,
      details: {
        ok: res.ok,
        ...(configHash ? { configHash } : {}),
        ...(res.ok && profiles.success && profiles.data.length > 0 ? { profiles: profiles.data } : {}),
        ...(res.error ? { error: res.error.code } : {}),
      },
    }),
  );
  if (!res.ok) {
    const issues = Issues.safeParse(res.result?.issues);
    throw new AppError('agentRefused', res.error?.message, issues.success ? issues.data : undefined);
  }
  return res;
}

/**
 * Push a new config (devices, transports, …) to an agent. The agent validates it with its own
 * schema, writes it atomically and restarts to apply it; an invalid one is refused and the old kept.
 * It may carry new device profiles (`profiles`, the firmware-config schema), which the agent keeps in
 * its data directory; their ids are logged. Never logged in full: a config may carry credentials.
 */
export async function pushAgentConfig(
  ctx: Ctx,
  port: AgentPort | undefined,
  agentId: string,
  config: Record<string, unknown>,
) {
  const res = await remote(ctx, port, agentId, 'agent.configure', {
    transaction: randomUUID(),
    action: 'configure',
    config,
  });
  return { configHash: String(res.result?.configHash ?? '') };
}

/** Ask an agent to restart: it answers, stops cleanly and exits for its service manager to start it again. */
export async function restartAgent(ctx: Ctx, port: AgentPort | undefined, agentId: string) {
  await remote(ctx, port, agentId, 'agent.restart', {
    transaction: randomUUID(),
    action: 'restart',
    reason: 'requested by staff',
  });
  return { restarting: true };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { AgentPort } from '../../broker/agent-bridge.ts';
import { agents, devices } from '../../db/schema/index.ts';
import { hashPassword } from '../auth/passwords.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

export async function listAgents(ctx: Ctx, port?: AgentPort) {
  requirePermission(ctx, 'devices.read');
  const rows = await ctx.db
    .select()
    .from(agents)
    .where(eq(agents.tenantId, ctx.tenantId))
    .orderBy(asc(agents.code));
  const devs = await ctx.db
    .select()
    .from(devices)
    .where(eq(devices.tenantId, ctx.tenantId))
    .orderBy(asc(devices.deviceKey));
  return rows.map((a) => ({
    id: a.id,
    code: a.code,
    nameJa: a.nameJa,
    status: a.status,
    lastSeenAt: a.lastSeenAt?.toISOString() ?? null,
    version: typeof a.info?.version === 'string' ? a.info.version : null,
    host: typeof a.info?.host === 'string' ? a.info.host : null,
    configHash: typeof a.info?.configHash === 'string' ? a.info.configHash : null,
    startedAt: typeof a.info?.startedAt === 'string' ? a.info.startedAt : null,
    recentErrors: port?.recentErrors?.(ctx.tenantId, a.id) ?? [],
    devices: devs
      .filter((d) => d.agentId === a.id)
      .map((d) => ({
        deviceKey: d.deviceKey,
        kind: d.kind,
        profile: d.profile,
        status: d.status,
        detail: d.detail,
      })),
  }));
}

/** Register an agent; its MQTT secret is shown once, only its argon2id hash is kept. */
export async function registerAgent(ctx: Ctx, input: { code: string; nameJa: string; locationId?: string }) {
  requirePermission(ctx, 'devices.admin');
  const secret = randomBytes(24).toString('base64url');
  const secretHash = await hashPassword(secret);
  return inTx(ctx, async (tx) => {
    const [row] = await tx
      .insert(agents)
      .values({
        tenantId: ctx.tenantId,
        code: input.code,
        nameJa: input.nameJa,
        locationId: input.locationId ?? null,
        secretHash,
      })
      .returning({ id: agents.id });
    await recordOperation(tx, ctx, {
      action: 'agent.register',
      targetType: 'agent',
      targetId: row!.id,
      details: { code: input.code },
    });
    return {
      id: row!.id,
      code: input.code,
      tenantId: ctx.tenantId,
      mqttUsername: row!.id,
      mqttPassword: secret,
    };
  });
}

/** Round trip to an agent over MQTT; proves the relay browser → core → agent works. */
export async function pingAgent(ctx: Ctx, port: AgentPort | undefined, agentId: string) {
  requirePermission(ctx, 'devices.operate');
  const [agent] = await ctx.db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, ctx.tenantId), eq(agents.id, agentId)));
  if (!agent) throw new AppError('notFound');
  if (!port) throw new AppError('agentOffline');
  const started = performance.now();
  const res = await port.request(ctx.tenantId, agentId, {
    transaction: randomUUID(),
    action: 'ping',
    sentAt: ctx.now().toISOString(),
  });
  if (!res.ok) throw new AppError('agentOffline', res.error?.message);
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, { action: 'agent.ping', targetType: 'agent', targetId: agentId }),
  );
  return { latencyMs: Math.round((performance.now() - started) * 10) / 10 };
}

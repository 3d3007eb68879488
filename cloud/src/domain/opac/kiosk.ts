import { randomUUID } from 'node:crypto';
import { locationSlip } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AgentPort } from '../../broker/agent-bridge.ts';
import { agents, bibRecords, items, locations, tenants } from '../../db/schema/index.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { anonymousCtx } from './opac.ts';

/**
 * 館内OPAC kiosks, configured per library in `tenants.settings.kiosks`:
 *   { "kiosks": { "k1": { "nameJa": "1階OPAC", "agentCode": "kiosk-1", "printerDeviceId": "receipt",
 *                         "idleSeconds": 90 } } }
 * A kiosk id is not a secret (it is in the kiosk's start URL); all it can do is print a location
 * slip of a catalogue copy on the printer set for it — never free text.
 */
export const KioskSettings = z.object({
  nameJa: z.string().min(1).max(100).default('館内OPAC'),
  agentCode: z.string().min(1).max(64).optional(),
  printerDeviceId: z.string().min(1).max(64).optional(),
  idleSeconds: z.number().int().min(5).max(3600).default(90),
});
export type KioskSettings = z.infer<typeof KioskSettings>;

export const DEFAULT_KIOSK_IDLE_SECONDS = 90;

async function kioskSettings(ctx: Ctx, kioskId: string): Promise<KioskSettings> {
  const [t] = await ctx.db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const all = (t?.settings as { kiosks?: Record<string, unknown> } | undefined)?.kiosks ?? {};
  const raw = Object.hasOwn(all, kioskId) ? all[kioskId] : undefined;
  if (raw === undefined) throw new AppError('notFound', `kiosk ${kioskId}`);
  const parsed = KioskSettings.safeParse(raw);
  if (!parsed.success) throw new AppError('notFound', `kiosk ${kioskId} is not configured correctly`);
  return parsed.data;
}

/** What the kiosk page needs: its name, idle reset and whether it can print. */
export async function kioskInfo(ctx: Ctx, kioskId: string) {
  const k = await kioskSettings(ctx, kioskId);
  return {
    kioskId,
    nameJa: k.nameJa,
    idleSeconds: k.idleSeconds,
    canPrint: Boolean(k.agentCode && k.printerDeviceId),
  };
}

/** A copy's state in a word, as the slip and the OPAC's HTML pages print it. */
export const STATUS_JA: Record<string, string> = {
  available: '貸出可',
  onLoan: '貸出中',
  onHoldShelf: '予約取置中',
  inTransit: '回送中',
  missing: '不明',
  repair: '修理中',
  withdrawn: '除籍',
};

/** 所在票を印刷: the copy's title, location, shelf and call number on the kiosk's receipt printer. */
export async function printLocationSlip(
  ctx: Ctx,
  port: AgentPort | undefined,
  input: { kioskId: string; itemId: string },
) {
  const k = await kioskSettings(ctx, input.kioskId);
  if (!k.agentCode || !k.printerDeviceId) throw new AppError('notFound', 'no printer set for this kiosk');
  const [copy] = await ctx.db
    .select({
      title: bibRecords.title,
      locationJa: locations.nameJa,
      shelf: items.shelf,
      callNumber: items.callNumber,
      status: items.status,
    })
    .from(items)
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .innerJoin(locations, eq(locations.id, items.locationId))
    .where(and(eq(items.tenantId, ctx.tenantId), eq(items.id, input.itemId)));
  if (!copy || copy.status === 'withdrawn') throw new AppError('notFound');
  const [agent] = await ctx.db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, ctx.tenantId), eq(agents.code, k.agentCode)));
  if (!agent || !port) throw new AppError('agentOffline');
  const [tenant] = await ctx.db
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const now = ctx.now();
  const jobId = randomUUID();
  const res = await port.request(ctx.tenantId, agent.id, {
    transaction: randomUUID(),
    action: 'print',
    jobId,
    deviceId: k.printerDeviceId,
    // a slip nobody is waiting for any more must not come out later
    notAfter: new Date(now.getTime() + 60_000).toISOString(),
    document: locationSlip({
      libraryNameJa: tenant?.nameJa ?? '',
      title: copy.title,
      locationJa: copy.locationJa,
      shelf: copy.shelf,
      callNumber: copy.callNumber,
      statusJa: STATUS_JA[copy.status] ?? copy.status,
      printedAt: now,
    }),
  });
  if (!res.ok) throw new AppError('agentOffline', res.error?.message);
  const actor = anonymousCtx(ctx);
  await inTx(actor, (tx) =>
    recordOperation(tx, actor, {
      action: 'kiosk.printLocationSlip',
      targetType: 'item',
      targetId: input.itemId,
      details: { kioskId: input.kioskId, jobId },
    }),
  );
  return { jobId };
}

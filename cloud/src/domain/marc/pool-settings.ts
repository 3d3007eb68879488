import { and, eq, isNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import { marcPoolRecords } from '../../db/schema/index.ts';
import { parseSetting, tenantSettings, updateTenantSetting } from '../admin/tenant-settings.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { resolveMapping } from './mapping.ts';
import { MappingName } from './mapping-settings.ts';

/**
 * MARCプールの設定 (tenants.settings.marcPool): where a delivery carries the supplier's barcodes
 * ("tag$code"; TRC's own tag is in its licensed specification, the default is MARC 21's 852 $p),
 * which mapping a load uses when it names none (the weekly TRC delivery: trc), and how many days
 * records nobody adopted are kept (none: kept until delivered again).
 */
export const MarcPoolSettings = z
  .object({
    barcodeField: z
      .string()
      .regex(/^[0-9A-Za-z]{3}\$[\x21-\x7e]$/, 'tag$code: a tag and a subfield code, such as 852$p')
      .default('852$p'),
    mapping: MappingName.default('trc'),
    retentionDays: z.number().int().min(1).max(3650).nullable().default(null),
  })
  .strict();
export type MarcPoolSettings = z.infer<typeof MarcPoolSettings>;

export const DEFAULT_MARC_POOL_SETTINGS = MarcPoolSettings.parse({});

/** The library's pool settings; what does not parse (hand-edited) falls back field by field to the default. */
export function marcPoolSettingsFrom(settings: Record<string, unknown>): MarcPoolSettings {
  const raw = (settings.marcPool ?? {}) as Record<string, unknown>;
  const out = { ...DEFAULT_MARC_POOL_SETTINGS };
  for (const key of Object.keys(out) as (keyof MarcPoolSettings)[]) {
    const one = MarcPoolSettings.shape[key].safeParse(raw[key]);
    if (one.success) Object.assign(out, { [key]: one.data });
  }
  return out;
}

export async function getMarcPoolSettings(ctx: Ctx) {
  requirePermission(ctx, 'settings.read');
  return marcPoolSettingsFrom(await tenantSettings(ctx.db, ctx.tenantId));
}

/** Replace the pool settings; the mapping must be one the library can import with. Logged. */
export async function saveMarcPoolSettings(ctx: Ctx, input: MarcPoolSettings) {
  requirePermission(ctx, 'settings.write');
  const next = parseSetting(MarcPoolSettings, input);
  await updateTenantSetting(
    ctx,
    'marcPool',
    (_current, settings) => {
      try {
        resolveMapping(next.mapping, settings);
      } catch (e) {
        throw new AppError('validation', (e as Error).message, [
          { path: 'mapping', message: 'このマッピングはありません / no such mapping (or it is invalid)' },
        ]);
      }
      return next;
    },
    {
      action: 'settings.marcPool',
      details: (before, after) => ({ before: before ?? 'default', after: after ?? 'default' }),
    },
  );
  return next;
}

/**
 * The daily purge: pool records nobody adopted, loaded (or delivered again) more than retentionDays
 * ago, are deleted; adopted ones stay (they record where the catalogue record came from). Logged
 * as the system with the count.
 */
export async function purgeMarcPool(ctx: Ctx) {
  requirePermission(ctx, 'catalog.write');
  const { retentionDays } = marcPoolSettingsFrom(await tenantSettings(ctx.db, ctx.tenantId));
  if (retentionDays === null) return { poolRecordsDeleted: 0 };
  const before = new Date(ctx.now().getTime() - retentionDays * 86_400_000);
  return inTx(ctx, async (tx) => {
    const deleted = await tx
      .delete(marcPoolRecords)
      .where(
        and(
          eq(marcPoolRecords.tenantId, ctx.tenantId),
          isNull(marcPoolRecords.adoptedBibId),
          lt(marcPoolRecords.loadedAt, before),
        ),
      )
      .returning({ id: marcPoolRecords.id });
    if (deleted.length > 0)
      await recordOperation(tx, ctx, {
        action: 'marcPool.purge',
        details: { deleted: deleted.length, retentionDays, loadedBefore: before.toISOString() },
      });
    return { poolRecordsDeleted: deleted.length };
  });
}

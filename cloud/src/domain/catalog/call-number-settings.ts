import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { locations, materialTypes } from '../../db/schema/index.ts';
import { parseSetting, tenantSettings, updateTenantSetting } from '../admin/tenant-settings.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import {
  CallNumberSettings,
  callNumberFor,
  callNumberSettingsFrom,
  DEFAULT_CALL_NUMBER_SETTINGS,
} from './call-number.ts';

/**
 * 請求記号の規則 as a setting: staff read the rules (settings.read), replace them as a whole list —
 * added, edited, reordered or deleted on the settings page — or go back to the default
 * (settings.write, logged with the rules before and after), and try them on a made-up record.
 */

export async function getCallNumberSettings(ctx: Ctx) {
  requirePermission(ctx, 'settings.read');
  return callNumberView(ctx);
}

/** What a change answers with (settings.write alone may change them: no read check here). */
async function callNumberView(ctx: Ctx) {
  const stored = (await tenantSettings(ctx.db, ctx.tenantId)).callNumbers;
  return {
    settings: stored === undefined ? DEFAULT_CALL_NUMBER_SETTINGS : CallNumberSettings.parse(stored),
    isDefault: stored === undefined,
  };
}

const logDetails = (before: unknown, after: unknown) => ({
  before: before ?? 'default',
  after: after ?? 'default',
});

/** Replace the rules (validated as a whole; material type and location codes must be the library's). */
export async function saveCallNumberSettings(ctx: Ctx, input: CallNumberSettings) {
  requirePermission(ctx, 'settings.write');
  const rules = parseSetting(CallNumberSettings, input);
  await updateTenantSetting(
    ctx,
    'callNumbers',
    async (current, _all, tx) => {
      await checkCodes(tx, ctx.tenantId, rules, current);
      return rules;
    },
    { action: 'settings.callNumbers', details: logDetails },
  );
  return callNumberView(ctx);
}

/** Back to the built-in rules (picture books E, everything else NDC / first kana / volume). */
export async function resetCallNumberSettings(ctx: Ctx) {
  requirePermission(ctx, 'settings.write');
  await updateTenantSetting(ctx, 'callNumbers', () => undefined, {
    action: 'settings.callNumbers.reset',
    details: logDetails,
  });
  return callNumberView(ctx);
}

const CODE = z.string().min(1).max(40);
export const CallNumberPreviewInput = z.object({
  ndc: z
    .string()
    .regex(/^(\d{1,3}(\.\d+)?)?$/, 'an NDC class such as 913.6')
    .optional(),
  authorReading: z.string().max(100).optional(),
  titleReading: z.string().max(200).optional(),
  materialType: CODE.optional(),
  location: CODE.optional(),
  volume: z.string().max(40).optional(),
  /** rules not yet saved, to try before saving; without them the library's rules */
  settings: CallNumberSettings.optional(),
});
export type CallNumberPreviewInput = z.infer<typeof CallNumberPreviewInput>;

/** The call number the rules give a record with these values: the same function item creation uses. */
export async function previewCallNumberRules(ctx: Ctx, input: CallNumberPreviewInput) {
  requirePermission(ctx, 'settings.read');
  const settings = input.settings ?? callNumberSettingsFrom(await tenantSettings(ctx.db, ctx.tenantId));
  const reading = input.authorReading?.trim();
  return callNumberFor(settings, {
    ndc: input.ndc || null,
    authors: reading ? [{ name: reading, reading }] : [],
    titleReading: input.titleReading ?? '',
    volume: input.volume ?? null,
    materialType: input.materialType ?? null,
    location: input.location ?? null,
  });
}

/**
 * A condition naming a material type or location the library does not have is most likely a typo:
 * refused, unless the rules in force already name it (the default's `picture`, a type since removed).
 */
async function checkCodes(tx: Tx, tenantId: string, next: CallNumberSettings, current: unknown) {
  const inForce =
    current === undefined ? DEFAULT_CALL_NUMBER_SETTINGS : CallNumberSettings.safeParse(current).data;
  const [types, locs] = await Promise.all([
    tx.select({ code: materialTypes.code }).from(materialTypes).where(eq(materialTypes.tenantId, tenantId)),
    tx.select({ code: locations.code }).from(locations).where(eq(locations.tenantId, tenantId)),
  ]);
  const known = {
    materialType: new Set([
      ...types.map((t) => t.code),
      ...(inForce?.rules.flatMap((r) => r.when.materialType ?? []) ?? []),
    ]),
    location: new Set([
      ...locs.map((l) => l.code),
      ...(inForce?.rules.flatMap((r) => r.when.location ?? []) ?? []),
    ]),
  };
  const issues: { path: string; message: string }[] = [];
  next.rules.forEach((rule, i) => {
    for (const dim of ['materialType', 'location'] as const)
      rule.when[dim]?.forEach((code, j) => {
        if (!known[dim].has(code))
          issues.push({
            path: `rules.${i}.when.${dim}.${j}`,
            message:
              dim === 'materialType'
                ? `この館にない資料種別です / not a material type of this library: ${code}`
                : `この館にない館・場所です / not a location of this library: ${code}`,
          });
      });
  });
  if (issues.length) throw new AppError('validation', 'unknown codes in the call-number rules', issues);
}

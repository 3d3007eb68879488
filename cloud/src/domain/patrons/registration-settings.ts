import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { tenantSettings, updateTenantSetting } from '../admin/tenant-settings.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * How a library registers patrons, held as data in `tenants.settings.patronRegistration`: the
 * residency kinds it accepts (市内在住・在勤・在学, neighbouring towns under 広域利用 such as 竹富町 and
 * 与那国町), how long a registration lasts, and which categories need a guardian.
 */
export const Residency = z.object({
  code: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  nameJa: z.string().min(1).max(40),
  nameEn: z.string().min(1).max(60),
});
export type Residency = z.infer<typeof Residency>;

export const RegistrationSettings = z.object({
  residencies: z.array(Residency).min(1),
  /** a new or renewed registration is valid this many years */
  validYears: z.number().int().min(1).max(10),
  /** patron category codes whose registration names a guardian (保護者), e.g. 児童 */
  guardianCategories: z.array(z.string()),
  /** categories that register an organisation (団体): no birth date */
  organizationCategories: z.array(z.string()).default([]),
});
export type RegistrationSettings = z.infer<typeof RegistrationSettings>;

/** A library that has not set its own: residents, workers and students of the municipality. */
export const DEFAULT_REGISTRATION: RegistrationSettings = {
  residencies: [
    { code: 'resident', nameJa: '市内在住', nameEn: 'Resident' },
    { code: 'worker', nameJa: '市内在勤', nameEn: 'Works in the city' },
    { code: 'student', nameJa: '市内在学', nameEn: 'Studies in the city' },
  ],
  validYears: 3,
  guardianCategories: ['child'],
  organizationCategories: ['group'],
};

export async function registrationSettings(db: DbOrTx, tenantId: string): Promise<RegistrationSettings> {
  const parsed = RegistrationSettings.safeParse((await tenantSettings(db, tenantId)).patronRegistration);
  return parsed.success ? parsed.data : DEFAULT_REGISTRATION;
}

export async function getRegistrationSettings(ctx: Ctx) {
  requirePermission(ctx, 'patrons.read');
  return registrationSettings(ctx.db, ctx.tenantId);
}

/** Change the registration settings (a library adds a neighbouring town, say); logged. */
export async function saveRegistrationSettings(ctx: Ctx, input: RegistrationSettings) {
  requirePermission(ctx, 'settings.write');
  const codes = input.residencies.map((r) => r.code);
  if (new Set(codes).size !== codes.length) {
    throw new AppError('validation', undefined, [{ path: 'residencies', message: 'codes must be unique' }]);
  }
  await updateTenantSetting(ctx, 'patronRegistration', () => input, {
    action: 'settings.patronRegistration',
    details: () => ({ residencies: codes }),
  });
  return input;
}

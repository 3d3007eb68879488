import { and, eq, ne } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { patronCategories, patrons } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { findDuplicateCandidates } from './duplicates.ts';
import { checkPatronFields, IssueList, katakanaReading } from './patron-validation.ts';
import { registrationSettings } from './registration-settings.ts';

export type PatronChanges = {
  categoryCode?: string;
  name?: string;
  nameReading?: string;
  birthDate?: string | null;
  postalCode?: string | null;
  address?: string | null;
  phone?: string | null;
  email?: string | null;
  residency?: string;
  guardianId?: string | null;
  homeLocationId?: string | null;
  emailNotices?: boolean;
  readingHistoryOptIn?: boolean;
  /** staff saw the possible duplicates the change makes and save it anyway */
  confirmDuplicate?: boolean;
};

/** Lock a patron row for a change (not a deleted one). */
export async function lockPatronRow(tx: Tx, ctx: Ctx, patronId: string) {
  const [row] = await tx
    .select({ patron: patrons, categoryCode: patronCategories.code })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, patronId), ne(patrons.status, 'deleted')))
    .for('update', { of: patrons });
  if (!row) throw new AppError('notFound');
  return row;
}

/** 登録内容の変更: the same rules as registration; the log names the fields changed, never values. */
export async function updatePatron(ctx: Ctx, patronId: string, changes: PatronChanges) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    const { patron, categoryCode } = await lockPatronRow(tx, ctx, patronId);
    const settings = await registrationSettings(tx, ctx.tenantId);
    const issues = new IssueList();
    let reading: string | null = null;
    if (changes.nameReading !== undefined) {
      reading = katakanaReading(changes.nameReading);
      issues.add('nameReading', 'katakana (or hiragana) only', !reading);
    }
    const next = {
      categoryCode: changes.categoryCode ?? categoryCode,
      residency: changes.residency ?? patron.residency,
      birthDate: changes.birthDate !== undefined ? changes.birthDate : patron.birthDate,
      guardianId: changes.guardianId !== undefined ? changes.guardianId : patron.guardianId,
    };
    const category = await checkPatronFields(
      tx,
      ctx.tenantId,
      settings,
      {
        ...next,
        homeLocationId: changes.homeLocationId ?? null,
        selfId: patronId,
        today: todayInTokyo(ctx.now()),
      },
      issues,
    );
    issues.throwIfAny();
    // a new reading, birth date or address may make this registration look like another's: the same
    // check as registration, confirmed by staff (the staff page shows the candidates first)
    const probeChanged = ['nameReading', 'birthDate', 'address'].some(
      (k) => changes[k as keyof PatronChanges] !== undefined,
    );
    if (probeChanged && !changes.confirmDuplicate) {
      const others = await findDuplicateCandidates(
        tx,
        ctx.tenantId,
        {
          nameReading: reading ?? patron.nameReading,
          birthDate: next.birthDate,
          address: changes.address !== undefined ? changes.address : patron.address,
        },
        patronId,
      );
      if (others.length > 0)
        throw new AppError(
          'duplicate',
          `${others.length} registered patron(s) share this name reading, birth date and address`,
          [{ path: 'nameReading', message: 'possible duplicate registration: confirm to save anyway' }],
        );
    }
    const { categoryCode: _c, nameReading: _r, confirmDuplicate: _d, ...rest } = changes;
    const set = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    if (reading) set.nameReading = reading;
    if (changes.categoryCode) set.categoryId = category!.id;
    const fields = Object.keys(changes).filter(
      (k) => k !== 'confirmDuplicate' && changes[k as keyof PatronChanges] !== undefined,
    );
    if (fields.length === 0) return { patronId, fields };
    await tx
      .update(patrons)
      .set({ ...set, updatedAt: ctx.now() })
      .where(eq(patrons.id, patronId));
    await recordOperation(tx, ctx, {
      action: 'patron.update',
      targetType: 'patron',
      targetId: patronId,
      details: { fields },
    });
    return { patronId, fields };
  });
}

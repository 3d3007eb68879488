import { patronCards, patrons } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { recordOperation } from '../oplog/record.ts';
import { findDuplicateCandidates } from './duplicates.ts';
import {
  checkPatronFields,
  expiryFrom,
  IssueList,
  katakanaReading,
  newCardBarcode,
} from './patron-validation.ts';
import { registrationSettings } from './registration-settings.ts';

export type RegisterPatronInput = {
  categoryCode: string;
  name: string;
  nameReading: string;
  birthDate?: string | null;
  postalCode?: string | null;
  address?: string | null;
  phone?: string | null;
  email?: string | null;
  residency: string;
  guardianId?: string | null;
  /** the new card's number as scanned or typed */
  cardBarcode: string;
  homeLocationId?: string | null;
  emailNotices?: boolean;
  readingHistoryOptIn?: boolean;
  /** staff saw the possible duplicates and register anyway */
  confirmDuplicate?: boolean;
};

/**
 * 利用者登録: validate everything (all problems at once), warn of a likely double registration
 * (same reading, birth date and address) unless staff confirmed it, then create the patron and
 * the first card in one transaction. The log names ids, the category and the residency code only.
 */
export async function registerPatron(ctx: Ctx, input: RegisterPatronInput) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    const today = todayInTokyo(ctx.now());
    const settings = await registrationSettings(tx, ctx.tenantId);
    const issues = new IssueList();
    const reading = katakanaReading(input.nameReading);
    issues.add('nameReading', 'katakana (or hiragana) only', !reading);
    const category = await checkPatronFields(
      tx,
      ctx.tenantId,
      settings,
      {
        categoryCode: input.categoryCode,
        residency: input.residency,
        birthDate: input.birthDate ?? null,
        guardianId: input.guardianId ?? null,
        homeLocationId: input.homeLocationId ?? null,
        today,
      },
      issues,
    );
    const barcode = await newCardBarcode(tx, ctx.tenantId, input.cardBarcode, issues);
    issues.throwIfAny();

    const candidates = await findDuplicateCandidates(tx, ctx.tenantId, {
      nameReading: reading!,
      birthDate: input.birthDate ?? null,
      address: input.address ?? null,
    });
    if (candidates.length > 0 && !input.confirmDuplicate) {
      return { status: 'duplicateSuspected' as const, candidates };
    }

    const expiresOn = expiryFrom(today, settings.validYears);
    const [p] = await tx
      .insert(patrons)
      .values({
        tenantId: ctx.tenantId,
        categoryId: category!.id,
        name: input.name,
        nameReading: reading!,
        birthDate: input.birthDate ?? null,
        postalCode: input.postalCode ?? null,
        address: input.address ?? null,
        phone: input.phone ?? null,
        email: input.email ?? null,
        residency: input.residency,
        guardianId: input.guardianId ?? null,
        homeLocationId: input.homeLocationId ?? null,
        emailNotices: input.emailNotices ?? true,
        readingHistoryOptIn: input.readingHistoryOptIn ?? false,
        expiresOn,
      })
      .returning({ id: patrons.id });
    await tx.insert(patronCards).values({ tenantId: ctx.tenantId, patronId: p!.id, barcode: barcode! });
    await recordOperation(tx, ctx, {
      action: 'patron.register',
      targetType: 'patron',
      targetId: p!.id,
      details: {
        category: input.categoryCode,
        residency: input.residency,
        guardianId: input.guardianId ?? null,
        ...(candidates.length ? { confirmedDespiteDuplicates: candidates.map((c) => c.id) } : {}),
      },
    });
    return { status: 'registered' as const, patronId: p!.id, cardBarcode: barcode!, expiresOn };
  });
}

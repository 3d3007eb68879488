import { and, asc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { patronNotes } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { lockPatronRow } from './update-patron.ts';

/** Open alerts (注意事項) shown at the counter whenever the patron is looked up. */
export function openAlerts(db: DbOrTx, tenantId: string, patronId: string) {
  return db
    .select({ id: patronNotes.id, text: patronNotes.text, createdAt: patronNotes.createdAt })
    .from(patronNotes)
    .where(
      and(
        eq(patronNotes.tenantId, tenantId),
        eq(patronNotes.patronId, patronId),
        eq(patronNotes.kind, 'alert'),
        isNull(patronNotes.closedAt),
      ),
    )
    .orderBy(asc(patronNotes.createdAt));
}

/** Every note and alert, open or closed (part of the full record). */
export function allNotes(db: DbOrTx, tenantId: string, patronId: string) {
  return db
    .select({
      id: patronNotes.id,
      kind: patronNotes.kind,
      text: patronNotes.text,
      createdAt: patronNotes.createdAt,
      closedAt: patronNotes.closedAt,
    })
    .from(patronNotes)
    .where(and(eq(patronNotes.tenantId, tenantId), eq(patronNotes.patronId, patronId)))
    .orderBy(asc(patronNotes.createdAt));
}

/** Add a staff note, or an alert the counter sees; the text itself never goes to the log. */
export async function addPatronNote(
  ctx: Ctx,
  patronId: string,
  input: { kind: 'note' | 'alert'; text: string },
) {
  const staff = requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    await lockPatronRow(tx, ctx, patronId);
    const [n] = await tx
      .insert(patronNotes)
      .values({
        tenantId: ctx.tenantId,
        patronId,
        kind: input.kind,
        text: input.text,
        createdByStaffId: staff?.id ?? null,
      })
      .returning({ id: patronNotes.id, createdAt: patronNotes.createdAt });
    await recordOperation(tx, ctx, {
      action: 'patron.addNote',
      targetType: 'patron',
      targetId: patronId,
      details: { noteId: n!.id, kind: input.kind },
    });
    return { id: n!.id, kind: input.kind, createdAt: n!.createdAt };
  });
}

/** Close a note or alert (it stays in the record, no longer shown at the counter). */
export async function closePatronNote(ctx: Ctx, patronId: string, noteId: string) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    const [n] = await tx
      .update(patronNotes)
      .set({ closedAt: ctx.now() })
      .where(
        and(
          eq(patronNotes.tenantId, ctx.tenantId),
          eq(patronNotes.patronId, patronId),
          eq(patronNotes.id, noteId),
          isNull(patronNotes.closedAt),
        ),
      )
      .returning({ id: patronNotes.id });
    if (!n) throw new AppError('notFound');
    await recordOperation(tx, ctx, {
      action: 'patron.closeNote',
      targetType: 'patron',
      targetId: patronId,
      details: { noteId },
    });
    return { id: noteId, closed: true as const };
  });
}

import { and, asc, count, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { bibRecords, bookshelfEntries, bookshelfLists } from '../../db/schema/index.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { requirePatron } from '../patron-auth/account.ts';

/**
 * マイ本棚 (お気に入り): my named lists of titles. A list id of another patron is not found. The
 * log keeps list ids only — which titles a patron keeps is reading data.
 */
export const MAX_LISTS = 20;
export const MAX_ENTRIES = 500;

async function ownList(tx: Tx | Ctx['db'], ctx: Ctx, patronId: string, listId: string) {
  const [list] = await tx
    .select({ id: bookshelfLists.id, name: bookshelfLists.name })
    .from(bookshelfLists)
    .where(
      and(
        eq(bookshelfLists.tenantId, ctx.tenantId),
        eq(bookshelfLists.id, listId),
        eq(bookshelfLists.patronId, patronId),
      ),
    );
  if (!list) throw new AppError('notFound');
  return list;
}

const logList = (tx: Tx, ctx: Ctx, action: string, listId: string) =>
  recordOperation(tx, ctx, { action, targetType: 'bookshelf', targetId: listId });

export async function myBookshelves(ctx: Ctx) {
  const me = requirePatron(ctx);
  const lists = await ctx.db
    .select({ id: bookshelfLists.id, name: bookshelfLists.name, createdAt: bookshelfLists.createdAt })
    .from(bookshelfLists)
    .where(and(eq(bookshelfLists.tenantId, ctx.tenantId), eq(bookshelfLists.patronId, me.id)))
    .orderBy(asc(bookshelfLists.createdAt), asc(bookshelfLists.id));
  const out = [];
  for (const l of lists) {
    const entries = await ctx.db
      .select({ bibId: bibRecords.id, title: bibRecords.title, addedAt: bookshelfEntries.addedAt })
      .from(bookshelfEntries)
      .innerJoin(bibRecords, eq(bibRecords.id, bookshelfEntries.bibId))
      .where(eq(bookshelfEntries.listId, l.id))
      .orderBy(asc(bookshelfEntries.addedAt), asc(bibRecords.id));
    out.push({
      id: l.id,
      name: l.name,
      createdAt: l.createdAt.toISOString(),
      entries: entries.map((e) => ({ ...e, addedAt: e.addedAt.toISOString() })),
    });
  }
  return out;
}

export async function createMyBookshelf(ctx: Ctx, input: { name: string }) {
  const me = requirePatron(ctx);
  return inTx(ctx, async (tx) => {
    const [n] = await tx
      .select({ n: count() })
      .from(bookshelfLists)
      .where(and(eq(bookshelfLists.tenantId, ctx.tenantId), eq(bookshelfLists.patronId, me.id)));
    if ((n?.n ?? 0) >= MAX_LISTS) {
      throw new AppError('validation', undefined, [{ path: 'name', message: `at most ${MAX_LISTS} lists` }]);
    }
    const [list] = await tx
      .insert(bookshelfLists)
      .values({ tenantId: ctx.tenantId, patronId: me.id, name: input.name })
      .returning({ id: bookshelfLists.id, name: bookshelfLists.name });
    await logList(tx, ctx, 'patron.bookshelfCreate', list!.id);
    return list!;
  });
}

export async function renameMyBookshelf(ctx: Ctx, listId: string, input: { name: string }) {
  const me = requirePatron(ctx);
  return inTx(ctx, async (tx) => {
    await ownList(tx, ctx, me.id, listId);
    await tx.update(bookshelfLists).set({ name: input.name }).where(eq(bookshelfLists.id, listId));
    await logList(tx, ctx, 'patron.bookshelfRename', listId);
    return { id: listId, name: input.name };
  });
}

export async function deleteMyBookshelf(ctx: Ctx, listId: string) {
  const me = requirePatron(ctx);
  return inTx(ctx, async (tx) => {
    await ownList(tx, ctx, me.id, listId);
    await tx.delete(bookshelfLists).where(eq(bookshelfLists.id, listId));
    await logList(tx, ctx, 'patron.bookshelfDelete', listId);
    return { id: listId, deleted: true as const };
  });
}

export async function addToMyBookshelf(ctx: Ctx, listId: string, bibId: string) {
  const me = requirePatron(ctx);
  return inTx(ctx, async (tx) => {
    await ownList(tx, ctx, me.id, listId);
    const [bib] = await tx
      .select({ id: bibRecords.id })
      .from(bibRecords)
      .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, bibId)));
    if (!bib) throw new AppError('validation', undefined, [{ path: 'bibId', message: 'no such title' }]);
    const [n] = await tx
      .select({ n: count() })
      .from(bookshelfEntries)
      .where(eq(bookshelfEntries.listId, listId));
    if ((n?.n ?? 0) >= MAX_ENTRIES) {
      throw new AppError('validation', undefined, [
        { path: 'bibId', message: `at most ${MAX_ENTRIES} titles` },
      ]);
    }
    await tx.insert(bookshelfEntries).values({ tenantId: ctx.tenantId, listId, bibId }).onConflictDoNothing();
    await logList(tx, ctx, 'patron.bookshelfAdd', listId);
    return { listId, bibId };
  });
}

export async function removeFromMyBookshelf(ctx: Ctx, listId: string, bibId: string) {
  const me = requirePatron(ctx);
  return inTx(ctx, async (tx) => {
    await ownList(tx, ctx, me.id, listId);
    const gone = await tx
      .delete(bookshelfEntries)
      .where(and(eq(bookshelfEntries.listId, listId), eq(bookshelfEntries.bibId, bibId)))
      .returning({ bibId: bookshelfEntries.bibId });
    if (gone.length === 0) throw new AppError('notFound');
    await logList(tx, ctx, 'patron.bookshelfRemove', listId);
    return { listId, bibId, removed: true as const };
  });
}

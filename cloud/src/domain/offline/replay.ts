import type { OfflineOperation, OfflineOutcome, OfflineResult } from '@bunko/protocols';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { loans, offlineOperations, offlineSessions, patronCards } from '../../db/schema/index.ts';
import { lend } from '../circulation/checkout.ts';
import { canonicalScan, lockItemByBarcode } from '../circulation/circulation-context.ts';
import { giveBack } from '../circulation/return-item.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

/**
 * Refusals of a normal checkout that, at replay, become conflicts staff must look at. The loan is
 * recorded anyway — the book has left with the patron — and the rest (limits, overdues, a type
 * that is not normally lent) are kept as notes.
 */
const CONFLICTING = new Set([
  'patronSuspended',
  'patronExpired',
  'cardNotActive',
  'itemHeldForOther',
  'itemNotAvailable',
  'itemWasOnLoan',
]);

type Settled = {
  outcome: OfflineOutcome;
  codes: string[];
  loanId?: string | undefined;
  itemId?: string | undefined;
  patronId?: string | undefined;
};

/**
 * Replay operations recorded at the bookmobile while the core was out of reach: each exactly once
 * (its id is the key of `offline_operations`, written first in the transaction that applies it,
 * and the checkout's idempotency key), in the order of the laptop's journal (`seq`, which follows
 * time). `ctx` acts for the library (the agent is not staff); each step runs at the operation's
 * own time, so loan and return times, due dates and statistics are those of the bookmobile.
 */
export async function replayOfflineOperations(
  ctx: Ctx,
  input: { agentId: string; sentAt: string; ops: OfflineOperation[] },
): Promise<OfflineResult[]> {
  const ops = [...input.ops].sort((a, b) => a.seq - b.seq);
  await recordSessions(ctx, input.agentId, ops, Date.parse(input.sentAt) - ctx.now().getTime());
  const results: OfflineResult[] = [];
  for (const op of ops) results.push(await replayOne(ctx, input.agentId, op));
  return results;
}

async function recordSessions(ctx: Ctx, agentId: string, ops: OfflineOperation[], skewMs: number) {
  const bySession = new Map<string, { first: Date; last: Date }>();
  for (const op of ops) {
    const at = new Date(op.at);
    const s = bySession.get(op.sessionId);
    if (!s) bySession.set(op.sessionId, { first: at, last: at });
    else {
      if (at < s.first) s.first = at;
      if (at > s.last) s.last = at;
    }
  }
  for (const [id, s] of bySession) {
    await ctx.db
      .insert(offlineSessions)
      .values({
        tenantId: ctx.tenantId,
        id,
        agentId,
        firstOpAt: s.first,
        lastOpAt: s.last,
        clockSkewSeconds: Math.round(skewMs / 1000),
      })
      .onConflictDoUpdate({
        target: [offlineSessions.tenantId, offlineSessions.id],
        set: {
          firstOpAt: sql`least(${offlineSessions.firstOpAt}, ${s.first.toISOString()}::timestamptz)`,
          lastOpAt: sql`greatest(${offlineSessions.lastOpAt}, ${s.last.toISOString()}::timestamptz)`,
          clockSkewSeconds: Math.round(skewMs / 1000),
          lastReplayAt: sql`now()`,
        },
        // a session id belongs to the agent that made it
        setWhere: eq(offlineSessions.agentId, agentId),
      });
  }
}

async function replayOne(ctx: Ctx, agentId: string, op: OfflineOperation): Promise<OfflineResult> {
  const at = new Date(op.at);
  const opCtx: Ctx = { ...ctx, now: () => at, requestId: `offline:${op.sessionId}`, workstation: agentId };
  try {
    const done = await inTx(opCtx, async (tx) => {
      if (!(await claim(tx, ctx, agentId, op))) return null;
      const settled = await settle(tx, opCtx, op);
      await finish(tx, opCtx, op, settled);
      return settled;
    });
    if (!done) return previous(ctx, op);
    return result(op, done, false);
  } catch (err) {
    // The database, a bug or missing data: not acknowledged, the agent sends it again later.
    if (!(err instanceof AppError) || err.code === 'internal') throw err;
    // Nothing of the operation was applied; record why, once.
    const settled: Settled = { outcome: 'notApplied', codes: [err.code] };
    const done = await inTx(opCtx, async (tx) => {
      if (!(await claim(tx, ctx, agentId, op))) return null;
      await finish(tx, opCtx, op, settled);
      return settled;
    });
    return done ? result(op, done, false) : previous(ctx, op);
  }
}

/** Insert the operation's row first: a second replay (or one racing this) finds it and stops. */
async function claim(tx: Tx, ctx: Ctx, agentId: string, op: OfflineOperation): Promise<boolean> {
  const rows = await tx
    .insert(offlineOperations)
    .values({
      tenantId: ctx.tenantId,
      id: op.id,
      sessionId: op.sessionId,
      agentId,
      seq: op.seq,
      kind: op.kind,
      at: new Date(op.at),
      locationId: op.locationId,
      itemBarcode: op.itemBarcode,
      dueOn: op.dueOn ?? null,
      outcome: 'notApplied',
      flags: op.flags,
    })
    .onConflictDoNothing()
    .returning({ id: offlineOperations.id });
  return rows.length === 1;
}

async function settle(tx: Tx, ctx: Ctx, op: OfflineOperation): Promise<Settled> {
  return op.kind === 'checkout' ? settleCheckout(tx, ctx, op) : settleReturn(tx, ctx, op);
}

async function openLoan(tx: Tx, tenantId: string, itemId: string) {
  const [open] = await tx
    .select({ id: loans.id, patronId: loans.patronId, loanedAt: loans.loanedAt })
    .from(loans)
    .where(and(eq(loans.tenantId, tenantId), eq(loans.itemId, itemId), isNull(loans.returnedAt)))
    .for('update');
  return open;
}

/**
 * Checkout rules (after Koha and Evergreen, refined by time): the card must exist (else nothing is
 * recorded: `cardNotFound`); a lost or replaced card still lends to its patron (`cardNotActive`).
 * An open loan on the item that began before this checkout ended when the book was on the
 * bookmobile: it is returned at this checkout's time (`itemWasOnLoan` when it was someone else's).
 * An open loan that began after it (the main desk lent the copy meanwhile) stands, and this checkout
 * is not recorded (`itemLentLater`): one of the two scans was of another copy, staff check.
 */
async function settleCheckout(tx: Tx, ctx: Ctx, op: OfflineOperation): Promise<Settled> {
  if (!op.patronBarcode) throw new AppError('validation', 'a checkout needs the patron card');
  const card = await canonicalScan(tx, ctx.tenantId, 'patronCard', op.patronBarcode);
  const [found] = await tx
    .select({ patronId: patronCards.patronId, status: patronCards.status })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.barcode, card)));
  if (!found) throw new AppError('cardNotFound');
  const codes: string[] = found.status === 'active' ? [] : ['cardNotActive'];
  const item = await lockItemByBarcode(tx, ctx.tenantId, op.itemBarcode);
  const open = await openLoan(tx, ctx.tenantId, item.id);
  if (open && open.loanedAt > ctx.now()) {
    return { outcome: 'notApplied', codes: ['itemLentLater'], itemId: item.id, patronId: found.patronId };
  }
  if (open) {
    await giveBack(tx, ctx, { itemBarcode: op.itemBarcode, locationId: op.locationId });
    codes.push(open.patronId === found.patronId ? 'lentAgain' : 'itemWasOnLoan');
  }
  const lent = await lend(tx, ctx, {
    patron: { patronId: found.patronId },
    itemBarcode: op.itemBarcode,
    locationId: op.locationId,
    idempotencyKey: op.id,
    recordAnyway: op.dueOn ? { dueOn: op.dueOn } : {},
  });
  codes.push(...lent.overridden);
  return { outcome: 'applied', codes, loanId: lent.loanId, itemId: item.id, patronId: found.patronId };
}

/**
 * Return rules: an unknown item is not recorded (`itemNotFound`); an item not on loan is a no-op
 * with a note (`notOnLoan`); an item lent again after this return (at the main desk, once the
 * bookmobile was home) keeps that later loan (`loanedAgainLater`).
 */
async function settleReturn(tx: Tx, ctx: Ctx, op: OfflineOperation): Promise<Settled> {
  const item = await lockItemByBarcode(tx, ctx.tenantId, op.itemBarcode);
  const open = await openLoan(tx, ctx.tenantId, item.id);
  if (!open) return { outcome: 'noop', codes: ['notOnLoan'], itemId: item.id };
  if (open.loanedAt > ctx.now()) return { outcome: 'noop', codes: ['loanedAgainLater'], itemId: item.id };
  await giveBack(tx, ctx, { itemBarcode: op.itemBarcode, locationId: op.locationId });
  return { outcome: 'applied', codes: [], loanId: open.id, itemId: item.id };
}

const isConflict = (code: string) =>
  CONFLICTING.has(code) || ['cardNotFound', 'itemNotFound', 'itemLentLater', 'badScan'].includes(code);

/** Codes staff must act on, and notes; whatever kept an operation from being applied is a conflict. */
function split(s: Settled): { conflicts: string[]; notes: string[] } {
  const conflicts = s.codes.filter(isConflict);
  const notes = s.codes.filter((c) => !isConflict(c));
  return s.outcome === 'notApplied' && conflicts.length === 0
    ? { conflicts: notes, notes: [] }
    : { conflicts, notes };
}

async function finish(tx: Tx, ctx: Ctx, op: OfflineOperation, s: Settled) {
  const { conflicts, notes } = split(s);
  await tx
    .update(offlineOperations)
    .set({
      outcome: s.outcome,
      conflicts,
      notes,
      loanId: s.loanId ?? null,
      itemId: s.itemId ?? null,
      // who the patron was is kept only while staff have something to sort out
      patronBarcode: conflicts.length > 0 ? (op.patronBarcode ?? null) : null,
      patronId: conflicts.length > 0 ? (s.patronId ?? null) : null,
    })
    .where(and(eq(offlineOperations.tenantId, ctx.tenantId), eq(offlineOperations.id, op.id)));
  await recordOperation(tx, ctx, {
    action: 'offline.replay',
    targetType: 'offlineOperation',
    targetId: op.id,
    details: {
      sessionId: op.sessionId,
      kind: op.kind,
      outcome: s.outcome,
      ...(s.loanId ? { loanId: s.loanId } : {}),
      ...(s.itemId ? { itemId: s.itemId } : {}),
      ...(conflicts.length ? { conflicts } : {}),
    },
  });
}

async function previous(ctx: Ctx, op: OfflineOperation): Promise<OfflineResult> {
  const [row] = await ctx.db
    .select()
    .from(offlineOperations)
    .where(and(eq(offlineOperations.tenantId, ctx.tenantId), eq(offlineOperations.id, op.id)));
  if (!row) throw new Error(`offline operation ${op.id} vanished`);
  return {
    id: op.id,
    seq: op.seq,
    outcome: row.outcome,
    conflicts: row.conflicts,
    notes: row.notes,
    repeated: true,
  };
}

function result(op: OfflineOperation, s: Settled, repeated: boolean): OfflineResult {
  return { id: op.id, seq: op.seq, outcome: s.outcome, ...split(s), repeated };
}

import { and, asc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { holds, locations } from '../../db/schema/index.ts';
import { allInOrder } from '../context.ts';
import { announceAvailableHold } from './hold-notice.ts';

export type TrapResult = {
  holdId: string;
  pickupLocationId: string;
  pickupLocationJa: string;
  status: 'available' | 'inTransit';
  pickupBy: string | null;
};

/**
 * Give a returned (or found) item to the first waiting hold: an item-level hold on this very item,
 * else the oldest title-level hold on its record that is not suspended or past "not needed after".
 * Locks the queue rows (SKIP LOCKED is wrong here: a skipped hold would be passed over), so two
 * returns of copies of one title trap two different holds, in queue order.
 */
export async function trapNextHold(tx: Tx, f: TrapFacts): Promise<TrapResult | null> {
  const [arrived, next] = await allInOrder(holdQueueQueries(tx, f));
  return settleTrap(tx, f, arrived[0], next[0]);
}

export type TrapFacts = {
  tenantId: string;
  item: { id: string; bibId: string; volume?: string | null };
  atLocationIds: string[];
  today: string;
  pickupBy: (pickupLocationId: string) => Promise<string>;
  now: Date;
};

/**
 * The two reads trapNextHold decides on, not yet sent, so a caller can send them in one round trip
 * with its own: a hold already trapped for this copy and sent on (回送中), and the first waiting hold.
 * The copy may be given as SQL (e.g. "the item with this barcode") when its row is not read yet.
 */
export function holdQueueQueries(
  tx: Tx,
  f: Pick<TrapFacts, 'tenantId' | 'today'> & { item: { id: string | SQL; bibId: string | SQL } },
) {
  const inTransit = tx
    .select({ id: holds.id, pickupLocationId: holds.pickupLocationId, nameJa: locations.nameJa })
    .from(holds)
    .innerJoin(locations, eq(locations.id, holds.pickupLocationId))
    .where(and(eq(holds.tenantId, f.tenantId), eq(holds.itemId, f.item.id), eq(holds.status, 'inTransit')))
    .for('update', { of: holds });
  const next = tx
    .select({ id: holds.id, pickupLocationId: holds.pickupLocationId, nameJa: locations.nameJa })
    .from(holds)
    .innerJoin(locations, eq(locations.id, holds.pickupLocationId))
    .where(
      and(
        eq(holds.tenantId, f.tenantId),
        eq(holds.bibId, f.item.bibId),
        inArray(holds.status, ['requested', 'preparing']),
        or(isNull(holds.itemId), eq(holds.itemId, f.item.id)),
        or(isNull(holds.suspendedUntil), lte(holds.suspendedUntil, f.today)),
        or(isNull(holds.notNeededAfter), gte(holds.notNeededAfter, f.today)),
      ),
    )
    // item-level holds on this copy first, then first come, first served
    .orderBy(sql`case when ${holds.itemId} is null then 1 else 0 end`, asc(holds.placedAt), asc(holds.id))
    .limit(1)
    .for('update', { of: holds });
  return [inTransit, next] as const;
}

type QueuedHold = { id: string; pickupLocationId: string; nameJa: string };

/** What trapNextHold does with the rows holdQueueQueries read. */
export async function settleTrap(
  tx: Tx,
  f: TrapFacts,
  held: QueuedHold | undefined,
  next: QueuedHold | undefined,
): Promise<TrapResult | null> {
  if (held) return arrive(tx, f, held);
  if (!next) return null;
  const here = f.atLocationIds.includes(next.pickupLocationId);
  const pickupBy = here ? await f.pickupBy(next.pickupLocationId) : null;
  await tx
    .update(holds)
    .set({
      status: here ? 'available' : 'inTransit',
      itemId: f.item.id,
      trappedAt: f.now,
      pickupBy,
      notifiedAt: null,
      notifiedVia: null,
    })
    .where(eq(holds.id, next.id));
  if (here) await announceAvailableHold(tx, f.tenantId, next.id, f.now);
  return {
    holdId: next.id,
    pickupLocationId: next.pickupLocationId,
    pickupLocationJa: next.nameJa,
    status: here ? 'available' : 'inTransit',
    pickupBy,
  };
}

/** An item already trapped for a hold and sent on (回送中) arrives at its pickup location. */
async function arrive(tx: Tx, f: TrapFacts, held: QueuedHold): Promise<TrapResult> {
  if (!f.atLocationIds.includes(held.pickupLocationId)) {
    return {
      holdId: held.id,
      pickupLocationId: held.pickupLocationId,
      pickupLocationJa: held.nameJa,
      status: 'inTransit',
      pickupBy: null,
    };
  }
  const pickupBy = await f.pickupBy(held.pickupLocationId);
  await tx.update(holds).set({ status: 'available', pickupBy }).where(eq(holds.id, held.id));
  await announceAvailableHold(tx, f.tenantId, held.id, f.now);
  return {
    holdId: held.id,
    pickupLocationId: held.pickupLocationId,
    pickupLocationJa: held.nameJa,
    status: 'available',
    pickupBy,
  };
}

import type { Tx } from '../../db/client.ts';
import { circulationEvents } from '../../db/schema/index.ts';
import type { Ctx } from '../context.ts';

const BANDS: [number, string][] = [
  [6, '0-6'],
  [12, '7-12'],
  [15, '13-15'],
  [18, '16-18'],
  [29, '19-29'],
  [39, '30-39'],
  [49, '40-49'],
  [59, '50-59'],
  [69, '60-69'],
];

export function ageBand(birthDate: string | null, today: string): string | null {
  if (!birthDate) return null;
  let age = Number(today.slice(0, 4)) - Number(birthDate.slice(0, 4));
  if (today.slice(5) < birthDate.slice(5)) age -= 1;
  return BANDS.find(([max]) => age <= max)?.[1] ?? '70+';
}

/** An anonymised statistics row: what, where, what kind — never who. */
export async function recordCirculationEvent(
  tx: Tx,
  ctx: Ctx,
  kind: 'checkout' | 'return' | 'renew',
  f: {
    locationId: string;
    item: { typeCode: string | null; ndc: string | null };
    patron: { categoryCode: string; birthDate: string | null } | null;
    today: string;
  },
) {
  await tx.insert(circulationEvents).values({
    tenantId: ctx.tenantId,
    kind,
    at: ctx.now(),
    locationId: f.locationId,
    materialTypeCode: f.item.typeCode,
    patronCategoryCode: f.patron?.categoryCode ?? null,
    ageBand: f.patron ? ageBand(f.patron.birthDate, f.today) : null,
    ndcClass: f.item.ndc ? f.item.ndc.slice(0, 1) : null,
  });
}

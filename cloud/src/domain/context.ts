import type { Permission } from '@bunko/protocols';
import type { Db, Tx } from '../db/client.ts';
import { AppError } from './errors.ts';

export type StaffPrincipal = {
  id: string;
  loginId: string;
  displayName: string;
  permissions: ReadonlySet<Permission>;
  sessionId: string;
};

/** A patron logged in to My Library, acting for themself only. */
export type PatronPrincipal = {
  id: string;
  cardId: string;
  sessionId: string;
  /** a staff-issued temporary password: only the password change is allowed */
  mustChangePassword: boolean;
};

/** What every domain verb receives: the tenant it acts for and who is acting. Never HTTP or MQTT. */
export type Ctx = {
  db: Db;
  tenantId: string;
  staff: StaffPrincipal | null;
  /** set only on My Library routes ('patron' access), where staff is always null */
  patron?: PatronPrincipal | null;
  workstation: string | null;
  requestId: string;
  now: () => Date;
  /** a scheduled job acting for the library itself: permitted everything, logged as 'system' */
  system?: boolean;
};

export function requirePermission(ctx: Ctx, permission: Permission): StaffPrincipal | null {
  if (ctx.system) return null;
  if (!ctx.staff) throw new AppError('unauthenticated');
  if (!ctx.staff.permissions.has(permission)) throw new AppError('forbidden', `requires ${permission}`);
  return ctx.staff;
}

export function inTx<T>(ctx: Ctx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.db.transaction(fn);
}

/** The context a scheduled job runs in for one tenant. */
export function systemCtx(db: Db, tenantId: string, job: string, now: () => Date = () => new Date()): Ctx {
  return { db, tenantId, staff: null, workstation: null, requestId: `job:${job}`, now, system: true };
}

/**
 * Promise.all for statements sent together in one transaction (postgres.js pipelines them into one
 * round trip), but the error thrown is that of the first one in the list that failed — after a
 * failed statement the later ones fail too ("transaction is aborted"), and settling order is not
 * list order.
 */
export async function allInOrder<T extends readonly unknown[] | []>(
  values: T,
): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = await Promise.allSettled(values);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [P in keyof T]: Awaited<T[P]>;
  };
}

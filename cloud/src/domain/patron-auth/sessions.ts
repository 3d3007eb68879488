import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { patronCards, patronSessions, patrons, tenants } from '../../db/schema/index.ts';
import { tokenHash } from '../auth/sessions.ts';
import type { PatronPrincipal } from '../context.ts';

/** My Library sessions end after 30 minutes without a request, and 8 hours after login in any case. */
export const PATRON_IDLE_MS = 30 * 60_000;
export const PATRON_ABSOLUTE_MS = 8 * 3600_000;

export type ResolvedPatronSession = { tenantId: string; tenantCode: string; patron: PatronPrincipal };

/**
 * Look a My Library cookie token up: not revoked, not past its absolute end, used within the idle
 * limit, the patron still active and the card still valid. Touches last_seen (at most once a minute).
 */
export async function resolvePatronSession(
  db: Db,
  token: string,
  now: Date,
): Promise<ResolvedPatronSession | null> {
  const [row] = await db
    .select({
      sessionId: patronSessions.id,
      tenantId: patronSessions.tenantId,
      tenantCode: tenants.code,
      patronId: patronSessions.patronId,
      cardId: patronSessions.cardId,
      lastSeenAt: patronSessions.lastSeenAt,
      mustChange: patrons.passwordMustChange,
    })
    .from(patronSessions)
    .innerJoin(patrons, eq(patrons.id, patronSessions.patronId))
    .innerJoin(patronCards, eq(patronCards.id, patronSessions.cardId))
    .innerJoin(tenants, eq(tenants.id, patronSessions.tenantId))
    .where(
      and(
        eq(patronSessions.tokenHash, tokenHash(token)),
        isNull(patronSessions.revokedAt),
        gt(patronSessions.expiresAt, now),
        gt(patronSessions.lastSeenAt, new Date(now.getTime() - PATRON_IDLE_MS)),
        eq(patrons.status, 'active'),
        eq(patronCards.status, 'active'),
      ),
    )
    .limit(1);
  if (!row) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
    await db.update(patronSessions).set({ lastSeenAt: now }).where(eq(patronSessions.id, row.sessionId));
  }
  return {
    tenantId: row.tenantId,
    tenantCode: row.tenantCode,
    patron: {
      id: row.patronId,
      cardId: row.cardId,
      sessionId: row.sessionId,
      mustChangePassword: row.mustChange,
    },
  };
}

import { ScanEvent } from '@bunko/protocols';
import { and, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db, Tx } from '../../db/client.ts';
import { agents, devices, scanPairings, staffSessions, staffUsers } from '../../db/schema/index.ts';
import type { Ctx, StaffPrincipal } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import {
  newPairingCode,
  PAIRING_CODE_TTL_MS,
  pairingBarcodeText,
  pairingCodeFromScan,
} from './pairing-code.ts';

/** The reader a staff session is paired with. */
export type Pairing = {
  agentId: string;
  agentNameJa: string;
  deviceId: string;
  pairedAt: string;
};

/** What a paired browser session receives (as Server-Sent Events). */
export type ScanMessage =
  | { type: 'scan'; data: string; symbology?: string; at: string; deviceId: string }
  | { type: 'paired'; pairing: Pairing }
  | { type: 'unpaired'; reason: 'unpaired' | 'pairedElsewhere' | 'sessionEnded' };

export type ScanOutcome =
  | 'delivered'
  | 'notPaired'
  | 'paired'
  | 'pairingRefused'
  | 'duplicate'
  | 'unknownDevice'
  | 'invalid';

type Owner = { tenantId: string; staff: StaffPrincipal; workstation: string | null };
type Listener = (m: ScanMessage) => void;

const DEDUP_WINDOW = 1024;
const isUuid = (s: string) => /^[0-9a-f-]{36}$/i.test(s);

/**
 * Scanner pairings and scan delivery. A session pairs by showing a one-time code and scanning it
 * with the desk's reader, so only someone at that desk can pair it — the core learns which agent
 * and reader the code came from. The pairing is a row of `scan_pairings` (a core restart keeps the
 * desk paired); it goes with unpairing, with the session's logout or expiry, and when the reader is
 * paired elsewhere. Each scan then goes to the session paired with its reader, never to another,
 * and only if it was read after the code (its seq is after the code's); a redelivered copy (same
 * agent, same seq) is dropped. The codes and the open streams live in this process.
 */
export class ScanHub {
  private readonly codes = new Map<string, { owner: Owner; expiresAt: number }>();
  private readonly codeOfSession = new Map<string, string>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly seen = new Map<string, { set: Set<number>; order: number[] }>();
  /** pairings are made one at a time: two codes scanned at once on one reader never both win */
  private pairingTurn: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;
  private readonly log: Logger;

  constructor(private readonly deps: { db: Db; logger: Logger; now?: () => Date; codeTtlMs?: number }) {
    this.now = deps.now ?? (() => new Date());
    this.log = deps.logger.child({ ns: 'scans' });
  }

  /** A fresh one-time code for the caller's session; an earlier unused one stops working. */
  issueCode(ctx: Ctx): { code: string; barcode: string; expiresAt: string } {
    const staff = sessionStaff(ctx);
    this.purgeCodes();
    const old = this.codeOfSession.get(staff.sessionId);
    if (old) this.codes.delete(old);
    let code = newPairingCode();
    while (this.codes.has(code)) code = newPairingCode();
    const expiresAt = this.now().getTime() + (this.deps.codeTtlMs ?? PAIRING_CODE_TTL_MS);
    this.codes.set(code, {
      owner: { tenantId: ctx.tenantId, staff, workstation: ctx.workstation },
      expiresAt,
    });
    this.codeOfSession.set(staff.sessionId, code);
    return { code, barcode: pairingBarcodeText(code), expiresAt: new Date(expiresAt).toISOString() };
  }

  async pairingOf(ctx: Ctx): Promise<Pairing | null> {
    const [row] = await ctx.db
      .select({
        agentId: scanPairings.agentId,
        agentNameJa: agents.nameJa,
        deviceId: scanPairings.deviceKey,
        pairedAt: scanPairings.createdAt,
      })
      .from(scanPairings)
      .innerJoin(agents, eq(agents.id, scanPairings.agentId))
      .where(
        and(
          eq(scanPairings.tenantId, ctx.tenantId),
          eq(scanPairings.sessionId, sessionStaff(ctx).sessionId),
          gt(scanPairings.expiresAt, this.now()),
        ),
      );
    return row ? { ...row, pairedAt: row.pairedAt.toISOString() } : null;
  }

  /** Unpair the caller's session (operation-logged); false when it was not paired. */
  async unpair(ctx: Ctx): Promise<boolean> {
    const staff = sessionStaff(ctx);
    const gone = await ctx.db.transaction((tx) => unpairSession(tx, ctx, staff.sessionId));
    if (gone) this.emit(staff.sessionId, { type: 'unpaired', reason: 'unpaired' });
    return gone;
  }

  /** After a logout (which removed the session's pairing, see `unpairSession`): tell its open streams. */
  sessionEnded(sessionId: string): void {
    this.emit(sessionId, { type: 'unpaired', reason: 'sessionEnded' });
  }

  /** Receive the caller's messages (the SSE stream); returns the unsubscribe. */
  subscribe(ctx: Ctx, listener: Listener): () => void {
    const id = sessionStaff(ctx).sessionId;
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  /** An agent's `event` message (from the bridge). Never throws for what an agent sent. */
  async handleEvent(tenantId: string, agentId: string, body: unknown): Promise<ScanOutcome> {
    const parsed = ScanEvent.safeParse(body);
    if (!parsed.success || !isUuid(tenantId) || !isUuid(agentId)) {
      // field names only: a scan's data may be a patron's card number
      const fields = parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.') || '(root)');
      this.log.warn({ agentId, fields }, 'invalid event from an agent ignored');
      return 'invalid';
    }
    return this.handleScan(tenantId, agentId, parsed.data);
  }

  private async handleScan(tenantId: string, agentId: string, scan: ScanEvent): Promise<ScanOutcome> {
    if (this.isDuplicate(`${tenantId}/${agentId}`, scan.seq)) return 'duplicate';
    // one statement: the reader, and the session paired with it (if any) and whether it is live
    const [reader] = await this.deps.db
      .select({
        kind: devices.kind,
        agentNameJa: agents.nameJa,
        pairingId: scanPairings.id,
        sessionId: scanPairings.sessionId,
        fromSeq: scanPairings.fromSeq,
        // a Date bound through the column (postgres.js takes no raw Date parameter)
        live: sql<boolean>`coalesce(${and(
          isNull(staffSessions.revokedAt),
          gt(staffSessions.expiresAt, this.now()),
          eq(staffUsers.status, 'active'),
        )}, false)`,
      })
      .from(devices)
      .innerJoin(agents, eq(agents.id, devices.agentId))
      .leftJoin(
        scanPairings,
        and(
          eq(scanPairings.tenantId, devices.tenantId),
          eq(scanPairings.agentId, devices.agentId),
          eq(scanPairings.deviceKey, devices.deviceKey),
        ),
      )
      .leftJoin(staffSessions, eq(staffSessions.id, scanPairings.sessionId))
      .leftJoin(staffUsers, eq(staffUsers.id, staffSessions.staffId))
      .where(
        and(
          eq(devices.tenantId, tenantId),
          eq(devices.agentId, agentId),
          eq(devices.deviceKey, scan.deviceId),
          eq(agents.tenantId, tenantId),
        ),
      );
    if (reader?.kind !== 'barcodeReader') {
      this.log.warn(
        { agentId, deviceId: scan.deviceId, seq: scan.seq },
        'scan from an unknown reader ignored',
      );
      return 'unknownDevice';
    }
    const code = pairingCodeFromScan(scan.data);
    if (code) return this.pair(tenantId, agentId, reader.agentNameJa, scan, code);

    const { pairingId, sessionId, fromSeq } = reader;
    // read before the code was scanned (its handling overtaken, or resent from the outbox): not this session's
    if (!pairingId || !sessionId || fromSeq === null || scan.seq <= fromSeq)
      return this.undelivered(agentId, scan);
    if (!reader.live) {
      await this.deps.db.delete(scanPairings).where(eq(scanPairings.id, pairingId));
      this.emit(sessionId, { type: 'unpaired', reason: 'sessionEnded' });
      return this.undelivered(agentId, scan);
    }
    const delivered = this.emit(sessionId, {
      type: 'scan',
      data: scan.data,
      ...(scan.symbology ? { symbology: scan.symbology } : {}),
      at: scan.at,
      deviceId: scan.deviceId,
    });
    return delivered ? 'delivered' : this.undelivered(agentId, scan);
  }

  private undelivered(agentId: string, scan: ScanEvent): ScanOutcome {
    this.log.debug({ agentId, deviceId: scan.deviceId }, 'scan with no paired session open');
    return 'notPaired';
  }

  private pair(
    tenantId: string,
    agentId: string,
    agentNameJa: string,
    scan: ScanEvent,
    code: string,
  ): Promise<ScanOutcome> {
    const turn = this.pairingTurn.then(() => this.pairNow(tenantId, agentId, agentNameJa, scan, code));
    this.pairingTurn = turn.catch(() => {});
    return turn;
  }

  private async pairNow(
    tenantId: string,
    agentId: string,
    agentNameJa: string,
    scan: ScanEvent,
    code: string,
  ): Promise<ScanOutcome> {
    this.purgeCodes();
    const entry = this.codes.get(code);
    if (!entry || entry.owner.tenantId !== tenantId) {
      this.log.warn({ agentId, deviceId: scan.deviceId }, 'unknown or expired pairing code scanned');
      return 'pairingRefused';
    }
    const { owner } = entry;
    this.codes.delete(code);
    this.codeOfSession.delete(owner.staff.sessionId);
    const ctx: Ctx = {
      db: this.deps.db,
      tenantId,
      staff: owner.staff,
      workstation: owner.workstation,
      requestId: `scan:${agentId}:${scan.seq}`,
      now: this.now,
    };
    const made = await ctx.db.transaction(async (tx) => {
      const now = this.now();
      const [session] = await tx
        .select({ expiresAt: staffSessions.expiresAt })
        .from(staffSessions)
        .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.staffId))
        .where(
          and(
            eq(staffSessions.id, owner.staff.sessionId),
            eq(staffSessions.tenantId, tenantId),
            isNull(staffSessions.revokedAt),
            gt(staffSessions.expiresAt, now),
            eq(staffUsers.status, 'active'),
          ),
        );
      if (!session) return null;
      // One reader feeds one session: whoever scanned a code at the desk last has it. The session's
      // earlier reader (if any) lets go too, and so do pairings whose sessions ran out.
      const replaced = await tx
        .delete(scanPairings)
        .where(
          and(
            eq(scanPairings.tenantId, tenantId),
            or(
              and(eq(scanPairings.agentId, agentId), eq(scanPairings.deviceKey, scan.deviceId)),
              eq(scanPairings.sessionId, owner.staff.sessionId),
              lte(scanPairings.expiresAt, now),
            ),
          ),
        )
        .returning({ sessionId: scanPairings.sessionId });
      const [row] = await tx
        .insert(scanPairings)
        .values({
          tenantId,
          sessionId: owner.staff.sessionId,
          agentId,
          deviceKey: scan.deviceId,
          fromSeq: scan.seq,
          createdAt: now,
          expiresAt: session.expiresAt,
        })
        .returning({ createdAt: scanPairings.createdAt });
      await recordOperation(tx, ctx, {
        action: 'scanner.pair',
        targetType: 'agent',
        targetId: agentId,
        details: { deviceId: scan.deviceId },
      });
      return { replaced, pairedAt: row!.createdAt };
    });
    if (!made) return 'pairingRefused';
    for (const r of made.replaced)
      if (r.sessionId !== owner.staff.sessionId)
        this.emit(r.sessionId, { type: 'unpaired', reason: 'pairedElsewhere' });
    const pairing: Pairing = {
      agentId,
      agentNameJa,
      deviceId: scan.deviceId,
      pairedAt: made.pairedAt.toISOString(),
    };
    this.emit(owner.staff.sessionId, { type: 'paired', pairing });
    return 'paired';
  }

  /** true for a seq already seen from this agent (a QoS 1 or outbox redelivery). */
  private isDuplicate(key: string, seq: number): boolean {
    let w = this.seen.get(key);
    if (!w) {
      w = { set: new Set(), order: [] };
      this.seen.set(key, w);
    }
    if (w.set.has(seq)) return true;
    w.set.add(seq);
    w.order.push(seq);
    if (w.order.length > DEDUP_WINDOW) w.set.delete(w.order.shift()!);
    return false;
  }

  /** true when at least one open stream of the session got it. */
  private emit(sessionId: string, message: ScanMessage): boolean {
    const set = this.listeners.get(sessionId);
    if (!set?.size) return false;
    for (const l of set) l(message);
    return true;
  }

  private purgeCodes(): void {
    const now = this.now().getTime();
    for (const [code, e] of this.codes) {
      if (e.expiresAt > now) continue;
      this.codes.delete(code);
      if (this.codeOfSession.get(e.owner.staff.sessionId) === code)
        this.codeOfSession.delete(e.owner.staff.sessionId);
    }
  }
}

function sessionStaff(ctx: Ctx): StaffPrincipal {
  if (!ctx.staff) throw new AppError('unauthenticated');
  return ctx.staff;
}

/**
 * Remove a session's pairing (operation-logged): unpairing, and in the logout's transaction with
 * `reason: 'logout'` — the caller then tells the hub's open streams (`ScanHub.sessionEnded`).
 * False when the session was not paired.
 */
export async function unpairSession(
  tx: Tx,
  ctx: Ctx,
  sessionId: string,
  reason?: 'logout',
): Promise<boolean> {
  const rows = await tx
    .delete(scanPairings)
    .where(and(eq(scanPairings.tenantId, ctx.tenantId), eq(scanPairings.sessionId, sessionId)))
    .returning({ agentId: scanPairings.agentId, deviceKey: scanPairings.deviceKey });
  for (const r of rows)
    await recordOperation(tx, ctx, {
      action: 'scanner.unpair',
      targetType: 'agent',
      targetId: r.agentId,
      details: { deviceId: r.deviceKey, ...(reason ? { reason } : {}) },
    });
  return rows.length > 0;
}

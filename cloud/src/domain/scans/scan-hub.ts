import { AgentEvent, type ScanEvent } from '@bunko/protocols';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { agents, devices, staffSessions } from '../../db/schema/index.ts';
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
 * Scanner pairings and scan delivery, in memory: a pairing lives with the staff session and is
 * gone after a core restart (staff pair again). A session pairs by showing a one-time code and
 * scanning it with the desk's reader, so only someone at that desk can pair it — the core learns
 * which agent and reader the code came from. Each scan then goes to the session paired with its
 * reader, never to another; a redelivered copy (same agent, same seq) is dropped.
 */
export class ScanHub {
  private readonly codes = new Map<string, { owner: Owner; expiresAt: number }>();
  private readonly codeOfSession = new Map<string, string>();
  private readonly pairings = new Map<string, { owner: Owner; pairing: Pairing }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly seen = new Map<string, { set: Set<number>; order: number[] }>();
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

  pairingOf(ctx: Ctx): Pairing | null {
    return this.pairings.get(sessionStaff(ctx).sessionId)?.pairing ?? null;
  }

  /** Unpair the caller's session (operation-logged); false when it was not paired. */
  async unpair(ctx: Ctx): Promise<boolean> {
    const staff = sessionStaff(ctx);
    const current = this.pairings.get(staff.sessionId);
    if (!current) return false;
    this.pairings.delete(staff.sessionId);
    await ctx.db.transaction((tx) =>
      recordOperation(tx, ctx, {
        action: 'scanner.unpair',
        targetType: 'agent',
        targetId: current.pairing.agentId,
        details: { deviceId: current.pairing.deviceId },
      }),
    );
    this.emit(staff.sessionId, { type: 'unpaired', reason: 'unpaired' });
    return true;
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
    const parsed = AgentEvent.safeParse(body);
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
    const [reader] = await this.deps.db
      .select({ kind: devices.kind, agentNameJa: agents.nameJa })
      .from(devices)
      .innerJoin(agents, eq(agents.id, devices.agentId))
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

    let delivered = false;
    for (const [sessionId, p] of this.pairings) {
      const { pairing, owner } = p;
      if (owner.tenantId !== tenantId || pairing.agentId !== agentId || pairing.deviceId !== scan.deviceId)
        continue;
      if (!(await this.sessionLive(owner))) {
        this.pairings.delete(sessionId);
        this.emit(sessionId, { type: 'unpaired', reason: 'sessionEnded' });
        continue;
      }
      delivered =
        this.emit(sessionId, {
          type: 'scan',
          data: scan.data,
          ...(scan.symbology ? { symbology: scan.symbology } : {}),
          at: scan.at,
          deviceId: scan.deviceId,
        }) || delivered;
    }
    if (!delivered) this.log.debug({ agentId, deviceId: scan.deviceId }, 'scan with no paired session open');
    return delivered ? 'delivered' : 'notPaired';
  }

  private async pair(
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
    if (!(await this.sessionLive(owner))) return 'pairingRefused';
    // One reader feeds one session: whoever scanned a code at the desk last has it.
    for (const [sessionId, p] of this.pairings) {
      if (
        sessionId !== owner.staff.sessionId &&
        p.owner.tenantId === tenantId &&
        p.pairing.agentId === agentId &&
        p.pairing.deviceId === scan.deviceId
      ) {
        this.pairings.delete(sessionId);
        this.emit(sessionId, { type: 'unpaired', reason: 'pairedElsewhere' });
      }
    }
    const pairing: Pairing = {
      agentId,
      agentNameJa,
      deviceId: scan.deviceId,
      pairedAt: this.now().toISOString(),
    };
    this.pairings.set(owner.staff.sessionId, { owner, pairing });
    const ctx: Ctx = {
      db: this.deps.db,
      tenantId,
      staff: owner.staff,
      workstation: owner.workstation,
      requestId: `scan:${agentId}:${scan.seq}`,
      now: this.now,
    };
    await ctx.db.transaction((tx) =>
      recordOperation(tx, ctx, {
        action: 'scanner.pair',
        targetType: 'agent',
        targetId: agentId,
        details: { deviceId: scan.deviceId },
      }),
    );
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

  private async sessionLive(owner: Owner): Promise<boolean> {
    const [row] = await this.deps.db
      .select({ id: staffSessions.id })
      .from(staffSessions)
      .where(
        and(
          eq(staffSessions.id, owner.staff.sessionId),
          eq(staffSessions.tenantId, owner.tenantId),
          isNull(staffSessions.revokedAt),
          gt(staffSessions.expiresAt, this.now()),
        ),
      );
    return Boolean(row);
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

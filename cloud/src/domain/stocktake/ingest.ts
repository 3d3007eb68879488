import type { RejectedLine } from '@bunko/firmware-config/handheld-file';
import type { StocktakeScan } from '@bunko/protocols';
import { stocktakeBatchId } from '@bunko/protocols/stocktake-hash';
import { and, eq } from 'drizzle-orm';
import { bulkInsert, type Cell } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { stocktakeBatches, stocktakeSessions } from '../../db/schema/index.ts';
import { scanReader } from '../circulation/circulation-context.ts';
import type { Ctx } from '../context.ts';
import { recordOperation } from '../oplog/record.ts';

/** What one docking delivered, from an agent or a staff upload. */
export type IncomingBatch = {
  /** the id the agent computed; checked against the content */
  batchId?: string;
  terminalId: string;
  origin: string;
  scans: readonly StocktakeScan[];
  rejected: readonly RejectedLine[];
  rejectedCount: number;
  collectedAt?: string | null;
  source: 'agent' | 'upload';
  agentId?: string;
  deviceKey?: string;
  /** a staff upload names the session it is for: any other open session does not take it */
  sessionId?: string;
};

export type IngestOutcome =
  | { status: 'stored' | 'duplicate'; batchId: string; sessionId: string; scanCount: number }
  | { status: 'noOpenSession'; batchId: string }
  | { status: 'rejected'; batchId: string; reason: string };

const SCAN_COLUMNS = [
  ['tenant_id', 'uuid'],
  ['session_id', 'uuid'],
  ['batch_id', 'text'],
  ['raw', 'text'],
  ['barcode', 'text'],
  ['invalid_reason', 'text'],
  ['shelf_tag', 'text'],
  ['scanned_at', 'timestamptz'],
] as const;

/**
 * Count a batch in the library's open stock-take session, once: the batch id is the hash of its
 * content, so a re-dock (or an agent's resend) of the same data is `duplicate` and adds nothing.
 * Each barcode is read through the library's barcode settings; one the settings refuse is kept
 * with its reason and listed as unknown. The session row is held (`for share`) while the batch is
 * added, so closing the session waits for a batch in progress and nothing lands after the close.
 */
export async function ingestBatch(ctx: Ctx, batch: IncomingBatch): Promise<IngestOutcome> {
  const batchId = stocktakeBatchId(batch.terminalId, batch.scans);
  if (batch.batchId && batch.batchId !== batchId)
    return { status: 'rejected', batchId: batch.batchId, reason: 'batch id does not match its content' };
  return ctx.db.transaction(async (tx: Tx): Promise<IngestOutcome> => {
    const [session] = await tx
      .select({ id: stocktakeSessions.id })
      .from(stocktakeSessions)
      .where(and(eq(stocktakeSessions.tenantId, ctx.tenantId), eq(stocktakeSessions.status, 'open')))
      .for('share');
    if (!session || (batch.sessionId && batch.sessionId !== session.id))
      return { status: 'noOpenSession', batchId };
    const [existing] = await tx
      .select({ sessionId: stocktakeBatches.sessionId, scanCount: stocktakeBatches.scanCount })
      .from(stocktakeBatches)
      .where(and(eq(stocktakeBatches.tenantId, ctx.tenantId), eq(stocktakeBatches.id, batchId)));
    if (existing) return { status: 'duplicate', batchId, ...existing };
    const inserted = await tx
      .insert(stocktakeBatches)
      .values({
        tenantId: ctx.tenantId,
        id: batchId,
        sessionId: session.id,
        source: batch.source,
        agentId: batch.agentId ?? null,
        deviceKey: batch.deviceKey ?? null,
        terminalId: batch.terminalId,
        origin: batch.origin.slice(0, 255),
        scanCount: batch.scans.length,
        rejectedCount: batch.rejectedCount,
        rejectedLines: batch.rejected.slice(0, 1000).map((r) => ({ line: r.line, reason: r.reason })),
        collectedAt: batch.collectedAt ? new Date(batch.collectedAt) : null,
      })
      .onConflictDoNothing()
      .returning({ id: stocktakeBatches.id });
    // a racing copy of the same batch committed first
    if (inserted.length === 0)
      return { status: 'duplicate', batchId, sessionId: session.id, scanCount: batch.scans.length };
    const read = await scanReader(tx, ctx.tenantId, 'itemLabel');
    const rows: Cell[][] = batch.scans.map((s) => {
      const r = read(s.barcode);
      return [
        ctx.tenantId,
        session.id,
        batchId,
        s.barcode,
        r.ok ? r.value : null,
        r.ok ? null : r.messageJa,
        s.shelfTag,
        s.scannedAt,
      ];
    });
    await bulkInsert(tx, 'stocktake_scans', SCAN_COLUMNS, rows, 10_000);
    await recordOperation(tx, ctx, {
      action: 'stocktake.batch',
      targetType: 'stocktakeSession',
      targetId: session.id,
      details: {
        batchId,
        source: batch.source,
        ...(batch.agentId ? { agentId: batch.agentId, deviceId: batch.deviceKey } : {}),
        terminalId: batch.terminalId,
        scans: batch.scans.length,
        rejectedLines: batch.rejectedCount,
      },
    });
    return { status: 'stored', batchId, sessionId: session.id, scanCount: batch.scans.length };
  });
}

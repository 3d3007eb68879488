import { getProfile } from '@bunko/firmware-config';
import { readHandheldFile } from '@bunko/firmware-config/handheld-file';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { ingestBatch } from './ingest.ts';

/**
 * A handheld's file uploaded from the staff page (libraries without an agent): read with the
 * named drop-folder profile (encoding, delimiter, columns) exactly as the agent reads it, so the
 * same file docked at an agent and uploaded here is the same batch and is counted once.
 */
export async function uploadStocktakeFile(
  ctx: Ctx,
  sessionId: string,
  bytes: Uint8Array,
  opts: { profile: string; fileName: string; terminalId?: string },
) {
  requirePermission(ctx, 'inventory.manage');
  const profile = getProfile(opts.profile);
  if (profile?.kind !== 'handheld' || profile.transfer.mode !== 'dropFolder')
    throw new AppError('validation', `profile ${opts.profile}`, [
      { path: 'profile', message: 'must be a drop-folder handheld profile' },
    ]);
  const read = readHandheldFile(bytes, profile.transfer, opts.terminalId || 'upload');
  const outcome = await ingestBatch(ctx, {
    terminalId: read.terminalId,
    origin: opts.fileName,
    scans: read.scans,
    rejected: read.rejected,
    rejectedCount: read.rejected.length,
    source: 'upload',
    sessionId,
  });
  if (outcome.status === 'noOpenSession') throw new AppError('stocktakeClosed', `stock-take ${sessionId}`);
  if (outcome.status === 'rejected') throw new AppError('validation', outcome.reason);
  return {
    status: outcome.status,
    batchId: outcome.batchId,
    scanCount: read.scans.length,
    rejectedLines: read.rejected,
  };
}

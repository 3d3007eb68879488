import { createHash } from 'node:crypto';
import type { StocktakeScan } from './mqtt.ts';

/**
 * The id of a stock-take batch: SHA-256 over its normalised content — the terminal id, then each
 * scan as `barcode TAB shelf tag TAB scanned-at (ISO, UTC)` — so the same data docked again (in
 * another encoding, with other line endings, under another file name) gets the same id and is
 * counted once. Node only (not exported from the package index, which the browser imports).
 */
export function stocktakeBatchId(terminalId: string, scans: readonly StocktakeScan[]): string {
  const h = createHash('sha256');
  h.update(`bunko-stocktake-v1\n${terminalId}\n`);
  for (const s of scans) {
    const at = s.scannedAt ? new Date(s.scannedAt).toISOString() : '';
    h.update(`${s.barcode}\t${s.shelfTag}\t${at}\n`);
  }
  return h.digest('hex');
}

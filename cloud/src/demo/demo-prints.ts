import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEscPos, type PaperLine, paperText } from '@bunko/protocols/escpos-decode';
import { type Ctx, requirePermission } from '../domain/context.ts';

/** Where the demo agent's virtual printers write (see demo-agent.ts), for the demo library only. */
export type DemoPrints = { tenantId: string; dir: string };

/**
 * The folders of the demo agent's ESC/POS printers, by device; each job's `.bin` holds the bytes a
 * physical printer would get (page printers write PDFs: not shown).
 */
const FOLDERS = [
  { deviceKey: 'receipt-1', sub: '' },
  { deviceKey: 'label-1', sub: 'labels' },
] as const;
/** a receipt is a few hundred bytes; a long list is cut here */
const MAX_BYTES = 65_536;

/** One printout: the paper decoded from its ESC/POS bytes, and the same as plain text. */
export type DemoPrint = {
  deviceKey: string;
  file: string;
  printedAt: string;
  bytes: number;
  lines: PaperLine[];
  text: string;
};

/**
 * 仮想プリンタの出力: what the demo agent's virtual receipt and label printers printed, newest first,
 * decoded from the ESC/POS bytes they produced, so a demo visitor sees the paper in the browser. Only in the demo, only for the demo library (the
 * files are on the core's machine because the demo agent runs beside it).
 */
export async function listDemoPrints(
  ctx: Ctx,
  source: DemoPrints | undefined,
  limit: number,
): Promise<{ available: boolean; prints: DemoPrint[] }> {
  requirePermission(ctx, 'devices.read');
  if (!source || source.tenantId !== ctx.tenantId) return { available: false, prints: [] };
  const found: { deviceKey: string; path: string; file: string; mtime: Date }[] = [];
  for (const f of FOLDERS) {
    const dir = join(source.dir, f.sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const file of names.filter((n) => n.endsWith('.bin'))) {
      const info = await stat(join(dir, file)).catch(() => undefined);
      if (info?.isFile())
        found.push({ deviceKey: f.deviceKey, path: join(dir, file), file, mtime: info.mtime });
    }
  }
  found.sort((a, b) => b.mtime.getTime() - a.mtime.getTime() || b.file.localeCompare(a.file));
  const prints: DemoPrint[] = [];
  for (const f of found.slice(0, limit)) {
    const raw = await readFile(f.path).catch(() => undefined);
    if (raw === undefined) continue; // printed over meanwhile
    const lines = decodeEscPos(raw.subarray(0, MAX_BYTES));
    prints.push({
      deviceKey: f.deviceKey,
      file: f.file,
      printedAt: f.mtime.toISOString(),
      bytes: raw.length,
      lines,
      text: paperText(lines),
    });
  }
  return { available: true, prints };
}

import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { documentToTextLines } from '../document-layout.ts';
import { wrapLines } from '../text-layout.ts';
import { PrintError, type PrinterDriver, type PrintJob, type PrintResult } from './types.ts';

/** A file name from a job id that cannot escape the directory and stays unique per job. */
export function jobFileName(jobId: string): string {
  const safe = jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  const tag = createHash('sha256').update(jobId).digest('hex').slice(0, 8);
  return `${safe}-${tag}.txt`;
}

/**
 * The demo printer: each job becomes a text file laid out in the profile's columns. The file is
 * written to a temporary name, synced and renamed, so a reader never sees half a receipt.
 */
export class VirtualPrinter implements PrinterDriver {
  readonly transport = 'virtual';

  constructor(
    private readonly dir: string,
    private readonly columns: number,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async stop(): Promise<void> {}

  async print(job: PrintJob): Promise<PrintResult> {
    const doc = job.document;
    const lines =
      doc.kind === 'text' ? wrapLines(doc.lines, this.columns) : documentToTextLines(doc, this.columns);
    const body = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const final = join(this.dir, jobFileName(job.jobId));
    const temp = `${final}.${process.pid}.tmp`;
    try {
      const fh = await open(temp, 'w', 0o644);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, final);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      // Nothing visible was produced: trying again cannot print twice.
      throw new PrintError('printFailed', `virtual printer: ${(err as Error).message}`, true);
    }
    return { bytes: body.length };
  }
}

import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { documentToTextLines } from '../document-layout.ts';
import { documentToEscPos, type EscPosOptions } from '../escpos.ts';
import { type PdfFont, sheetToPdf } from '../pdf.ts';
import { wrapLines } from '../text-layout.ts';
import { PrintError, type PrinterDriver, type PrintJob, type PrintResult } from './types.ts';

/** A file name from a job id that cannot escape the directory and stays unique per job. */
export function jobFileName(jobId: string, ext: 'txt' | 'pdf' | 'bin' = 'txt'): string {
  const safe = jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  const tag = createHash('sha256').update(jobId).digest('hex').slice(0, 8);
  return `${safe}-${tag}.${ext}`;
}

/** Write a file under a temporary name, sync and rename, so a reader never sees half of it. */
async function writeWhole(final: string, body: Uint8Array): Promise<void> {
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
    throw err;
  }
}

/**
 * The demo printer: each job becomes a text file laid out in the profile's columns (a page document
 * becomes the PDF a page printer would get). Given its ESC/POS profile (receipt and label printers),
 * it also writes the very bytes a physical printer would get (`.bin`, from the same encoder), written
 * before the text file; the demo's 仮想プリンタの出力 decodes those.
 */
export class VirtualPrinter implements PrinterDriver {
  readonly transport = 'virtual';

  constructor(
    private readonly dir: string,
    private readonly columns: number,
    private readonly font?: PdfFont,
    private readonly escpos?: EscPosOptions,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async stop(): Promise<void> {}

  async print(job: PrintJob): Promise<PrintResult> {
    const doc = job.document;
    let body: Buffer;
    if (doc.kind === 'sheet') body = await sheetToPdf(doc, this.font);
    else {
      const lines =
        doc.kind === 'text' ? wrapLines(doc.lines, this.columns) : documentToTextLines(doc, this.columns);
      body = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    }
    const raw = this.escpos && doc.kind !== 'sheet' ? documentToEscPos(doc, this.escpos) : undefined;
    try {
      if (raw) await writeWhole(join(this.dir, jobFileName(job.jobId, 'bin')), raw);
      await writeWhole(join(this.dir, jobFileName(job.jobId, doc.kind === 'sheet' ? 'pdf' : 'txt')), body);
    } catch (err) {
      // Nothing visible was produced: trying again cannot print twice.
      throw new PrintError('printFailed', `virtual printer: ${(err as Error).message}`, true);
    }
    return { bytes: (raw ?? body).length };
  }
}

import type { PrintJobDocument, SheetDocument } from '@bunko/protocols';
import { IppClient, type IppPrinterState, isTerminal } from '../ipp.ts';
import { type PdfFont, sheetToPdf } from '../pdf.ts';
import {
  type DeviceStatus,
  PrintError,
  type PrinterDriver,
  type PrintJob,
  type PrintResult,
} from './types.ts';

export type IppTarget = {
  url: string;
  timeoutMs: number;
  /** how long to follow a job at the printer before answering with its state so far */
  completionTimeoutMs: number;
  pollMs: number;
  userName: string;
};

/** Plain lines print as a page of paragraphs; receipts and labels belong on their own printers. */
export function asSheet(doc: PrintJobDocument): SheetDocument {
  if (doc.kind === 'sheet') return doc;
  if (doc.kind === 'text')
    return { kind: 'sheet', title: 'text', blocks: [{ type: 'paragraph', text: doc.lines.join('\n') }] };
  throw new PrintError('printFailed', `"${doc.title}" is a receipt/label document, not a page`, true);
}

/**
 * A page printer (the colour/mono office printers, or a CUPS queue) over IPP: the sheet is rendered
 * to PDF here, sent with Print-Job, and followed with Get-Job-Attributes until it completes, fails,
 * or `completionTimeoutMs` passes (then the answer says where it is: pending, processing).
 */
export class IppPrinter implements PrinterDriver {
  readonly transport = 'ipp';
  private readonly client: IppClient;

  constructor(
    private readonly target: IppTarget,
    private readonly font: PdfFont | undefined,
  ) {
    this.client = new IppClient(target.url, { timeoutMs: target.timeoutMs, userName: target.userName });
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async status(): Promise<DeviceStatus> {
    try {
      return ippDeviceStatus(await this.client.getPrinter());
    } catch (err) {
      return { status: 'offline', detail: (err as Error).message.slice(0, 200) };
    }
  }

  async print(job: PrintJob): Promise<PrintResult> {
    const sheet = asSheet(job.document);
    const pdf = await sheetToPdf(sheet, this.font);
    const name = `bunko-${sheet.title}-${job.jobId.slice(0, 8)}`;
    let at = await this.client.printJob(pdf, name);
    job.onProgress?.({ state: 'queued' });
    const deadline = Date.now() + this.target.completionTimeoutMs;
    let reported = '';
    while (!isTerminal(at.state) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.target.pollMs));
      try {
        at = await this.client.getJob(at.jobId);
      } catch {
        break; // the job is at the printer; not knowing its progress does not make it unprinted
      }
      const progress = at.state === 'processing' ? 'printing' : 'queued';
      const reason = at.reasons.filter((r) => r !== 'job-printing' && r !== 'job-incoming').join(', ');
      if (`${progress}/${reason}` !== reported && !isTerminal(at.state)) {
        reported = `${progress}/${reason}`;
        job.onProgress?.({ state: progress, ...(reason ? { reason } : {}) });
      }
    }
    if (at.state === 'aborted' || at.state === 'canceled')
      throw new PrintError(
        'printFailed',
        `the printer ${at.state} the job${at.reasons.length ? ` (${at.reasons.join(', ')})` : ''}`,
        false,
      );
    return { bytes: pdf.length, printer: { ippJobId: at.jobId, ippJobState: at.state } };
  }
}

/** Strip RFC 8011's severity suffix; only errors (or no suffix) stop printing. */
const reasonsThatStop = (reasons: readonly string[]) =>
  reasons
    .filter((r) => !r.endsWith('-warning') && !r.endsWith('-report'))
    .map((r) => r.replace(/-error$/, ''));

/** printer-state and printer-state-reasons as the device status the core shows. */
export function ippDeviceStatus(p: IppPrinterState): DeviceStatus {
  const stops = reasonsThatStop(p.reasons);
  const detail = [p.state, ...p.reasons].join(': ').slice(0, 200);
  if (stops.some((r) => r === 'cover-open' || r === 'door-open' || r === 'interlock-open'))
    return { status: 'coverOpen', detail };
  if (stops.some((r) => r === 'media-empty' || r === 'media-needed' || r === 'media-jam'))
    return { status: r0(stops) === 'media-jam' ? 'error' : 'paperEnd', detail };
  if (stops.includes('offline') || stops.includes('shutdown') || stops.includes('connecting-to-device'))
    return { status: 'offline', detail };
  if (p.state === 'stopped' || !p.acceptingJobs) return { status: 'error', detail };
  return p.reasons.length ? { status: 'ok', detail } : { status: 'ok' };
}

const r0 = (stops: readonly string[]) =>
  stops.find((r) => r === 'media-empty' || r === 'media-needed' || r === 'media-jam');

import { documentToEscPos, type EscPosOptions } from '../escpos.ts';
import { blocksPrinting, parseRealtimeStatus } from '../escpos-status.ts';
import { type PrinterLink, queryRealtimeStatus } from './printer-links.ts';
import {
  type DeviceStatus,
  PrintError,
  type PrinterDriver,
  type PrintJob,
  type PrintResult,
} from './types.ts';

const STATUS_TIMEOUT_MS = 1000;

/**
 * An ESC/POS printer on a link that stays open (serial line, USB printer class). With `status` on,
 * each job first asks DLE EOT 1–4: a printer with its cover open or out of paper gets nothing, and
 * the job fails `printerNotReady` (retryable: nothing was sent).
 */
export class EscPosLinkPrinter implements PrinterDriver {
  readonly status?: () => Promise<DeviceStatus>;

  constructor(
    readonly transport: 'serial' | 'usb',
    private readonly link: PrinterLink,
    private readonly options: EscPosOptions,
    withStatus: boolean,
  ) {
    if (withStatus) this.status = () => this.queryStatus();
  }

  async start(): Promise<void> {
    await this.link.open();
  }

  async stop(): Promise<void> {
    await this.link.close();
  }

  private async ensureOpen(): Promise<void> {
    if (!this.link.isOpen) await this.link.open();
  }

  private async queryStatus(): Promise<DeviceStatus> {
    try {
      await this.ensureOpen();
      const answers = await queryRealtimeStatus(this.link, STATUS_TIMEOUT_MS);
      return answers
        ? parseRealtimeStatus(answers)
        : { status: 'offline', detail: `no answer to the status query on ${this.link.where}` };
    } catch (err) {
      return { status: 'offline', detail: (err as Error).message.slice(0, 200) };
    }
  }

  async print(job: PrintJob): Promise<PrintResult> {
    const bytes = documentToEscPos(job.document, this.options);
    await this.ensureOpen();
    if (this.status) {
      const s = await this.status();
      if (blocksPrinting(s)) throw new PrintError('printerNotReady', s.detail ?? s.status, true);
    }
    await this.link.write(bytes);
    return { bytes: bytes.length };
  }
}

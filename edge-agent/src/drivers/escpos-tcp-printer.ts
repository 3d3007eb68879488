import { documentToEscPos, type EscPosOptions } from '../escpos.ts';
import { sendRaw } from './tcp9100.ts';
import type { PrinterDriver, PrintJob, PrintResult } from './types.ts';

/** An ESC/POS printer on the network (raw port 9100). */
export class EscPosTcpPrinter implements PrinterDriver {
  readonly transport = 'tcp9100';

  constructor(
    private readonly target: { host: string; port: number; timeoutMs: number },
    private readonly options: EscPosOptions,
  ) {}

  // Connections are per job: a 9100 port serves one client at a time, and holding it would block
  // other hosts that print to the same printer.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async print(job: PrintJob): Promise<PrintResult> {
    // Rendered before connecting: a document that cannot be rendered sends nothing (retryable).
    const bytes = documentToEscPos(job.document, this.options);
    return sendRaw(this.target.host, this.target.port, bytes, this.target.timeoutMs);
  }
}

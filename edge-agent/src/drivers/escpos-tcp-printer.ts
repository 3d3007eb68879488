import { documentToEscPos, type EscPosOptions } from '../escpos.ts';
import { blocksPrinting, parseRealtimeStatus } from '../escpos-status.ts';
import { tcpStatusQuery } from './printer-links.ts';
import { sendRaw } from './tcp9100.ts';
import {
  type DeviceStatus,
  PrintError,
  type PrinterDriver,
  type PrintJob,
  type PrintResult,
} from './types.ts';

/** An ESC/POS printer on the network (raw port 9100). */
export class EscPosTcpPrinter implements PrinterDriver {
  readonly transport = 'tcp9100';
  /** present when the config asks for DLE EOT status (the printer answers it on port 9100) */
  readonly status?: () => Promise<DeviceStatus>;

  constructor(
    private readonly target: { host: string; port: number; timeoutMs: number; status?: boolean },
    private readonly options: EscPosOptions,
  ) {
    if (target.status) this.status = () => this.queryStatus();
  }

  // Connections are per job: a 9100 port serves one client at a time, and holding it would block
  // other hosts that print to the same printer.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  private async queryStatus(): Promise<DeviceStatus> {
    const { host, port } = this.target;
    const answers = await tcpStatusQuery(host, port, Math.min(this.target.timeoutMs, 2000));
    if (answers === null) return { status: 'offline', detail: `printer ${host}:${port} is unreachable` };
    if (answers === undefined) return { status: 'ok', detail: 'the printer did not answer the status query' };
    return parseRealtimeStatus(answers);
  }

  async print(job: PrintJob): Promise<PrintResult> {
    // Rendered before connecting: a document that cannot be rendered sends nothing (retryable).
    const bytes = documentToEscPos(job.document, this.options);
    if (this.status) {
      const s = await this.status();
      // Bytes sent now would be lost or come out much later: the job waits for staff instead.
      if (blocksPrinting(s)) throw new PrintError('printerNotReady', s.detail ?? s.status, true);
    }
    return sendRaw(this.target.host, this.target.port, bytes, this.target.timeoutMs);
  }
}

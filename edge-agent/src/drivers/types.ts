import type { DeviceInfo, PrintJobDocument } from '@bunko/protocols';

/** What a printer reports about itself (paper end, cover open, offline …), as the core shows it. */
export type DeviceStatus = Pick<DeviceInfo, 'status' | 'detail'>;

/** Where a job is while it prints: at the printer's queue, or on paper. */
export type JobProgress = { state: 'queued' | 'printing'; reason?: string };

/** A job as the core sends it (AgentRequest `print`): plain lines, a `PrintDocument` or a `SheetDocument`. */
export type PrintJob = {
  jobId: string;
  document: PrintJobDocument;
  /** drivers that learn a job's progress from the printer (IPP) report it here */
  onProgress?: (p: JobProgress) => void;
};

/** `printer` holds what the printer said about the job (IPP job id and state), when it says anything. */
export type PrintResult = { bytes: number; printer?: Record<string, string | number> };

/**
 * Why a print failed, and whether trying again could print twice: `retryable` is true only when no
 * byte reached the printer (connection refused, no route, nothing written, printer not ready).
 */
export class PrintError extends Error {
  constructor(
    readonly code: 'printerUnreachable' | 'printerTimeout' | 'printFailed' | 'printerNotReady',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PrintError';
  }
}

/** One printer. The constructor only assigns; start/stop acquire and release. */
export interface PrinterDriver {
  readonly transport: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  print(job: PrintJob): Promise<PrintResult>;
  /** Ask the printer how it is, where the transport can carry an answer (none: undefined). */
  status?(): Promise<DeviceStatus>;
}

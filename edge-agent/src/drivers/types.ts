import type { PrintJobDocument } from '@bunko/protocols';

/** A job as the core sends it (AgentRequest `print`): plain lines or a `PrintDocument`. */
export type PrintJob = { jobId: string; document: PrintJobDocument };

export type PrintResult = { bytes: number };

/**
 * Why a print failed, and whether trying again could print twice: `retryable` is true only when no
 * byte reached the printer (connection refused, no route, nothing written).
 */
export class PrintError extends Error {
  constructor(
    readonly code: 'printerUnreachable' | 'printerTimeout' | 'printFailed',
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
}

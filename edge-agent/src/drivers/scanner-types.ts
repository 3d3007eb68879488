import type { ScanSymbology } from '@bunko/protocols';

/** One barcode as a reader delivered it: the text as sent, and the symbology when the reader says. */
export type ScanRead = { data: string; symbology?: ScanSymbology };

/** What a reader source reports while open. `lost` is called when the reader fails or goes away. */
export type ScannerHandlers = {
  scan(read: ScanRead): void;
  lost(err: Error): void;
};

/**
 * One barcode reader. The constructor only assigns; `open` acquires the reader (rejecting when it
 * cannot) and `close` releases it. Retrying is the caller's business (scanner-runner.ts).
 */
export interface ScannerSource {
  readonly transport: string;
  open(on: ScannerHandlers): Promise<void>;
  close(): Promise<void>;
}

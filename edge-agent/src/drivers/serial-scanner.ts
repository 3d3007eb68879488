import type { Logger } from 'pino';
import type { SerialPort } from 'serialport';
import type { z } from 'zod';
import type { SerialTransport } from '../config.ts';
import type { ScannerHandlers, ScannerSource } from './scanner-types.ts';
import { openSerialPort } from './serial-port.ts';
import { SuffixFramer } from './suffix-framer.ts';

type Options = z.infer<typeof SerialTransport>;

/**
 * A reader on a serial line (RS-232 or USB-CDC). Barcodes are cut at the configured suffix and sent
 * as they are: NW-7 start/stop characters and check digits stay, the core reads them through the
 * library's NW-7 settings.
 */
export class SerialScanner implements ScannerSource {
  readonly transport = 'serial';
  private port: SerialPort | undefined;

  constructor(
    private readonly options: Options,
    private readonly log: Logger,
  ) {}

  async open(on: ScannerHandlers): Promise<void> {
    const o = this.options;
    const framer = new SuffixFramer(o.suffix);
    const port = await openSerialPort(o, (err) => on.lost(err));
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      const { frames, dropped } = framer.push(chunk);
      // Never the barcode itself in the log: it may be a patron's card number.
      if (dropped > 0) this.log.warn({ dropped, suffix: o.suffix }, 'unreadable serial data dropped');
      for (const data of frames) on.scan({ data });
    });
    // Unplugging a USB-CDC reader closes the port with `disconnected: true`.
    port.on('close', (err?: Error) => on.lost(err ?? new Error(`${o.path} closed`)));
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port) return;
    port.removeAllListeners();
    port.on('error', () => {});
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

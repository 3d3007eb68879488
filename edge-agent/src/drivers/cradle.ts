import type { SerialTransfer } from '@bunko/firmware-config';
import {
  barcodeProblem,
  decodeHandheldText,
  type HandheldRead,
  parseHandheldTime,
  type RejectedLine,
} from '@bunko/firmware-config/handheld-file';
import type { StocktakeScan } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { SerialPort } from 'serialport';
import type { z } from 'zod';
import type { SerialTransport } from '../config.ts';
import type { ScannerHandlers, ScannerSource } from './scanner-types.ts';
import { openSerialPort } from './serial-port.ts';

type Options = z.infer<typeof SerialTransport>;

const TERMINATOR = { cr: '\r', lf: '\n', crlf: '\r\n' } as const;
/** a line longer than this is not the cradle protocol (wrong baud rate, wrong device) */
const MAX_LINE = 512;

type Transfer = {
  terminalId: string;
  shelfTag: string;
  scans: StocktakeScan[];
  rejected: RejectedLine[];
  lines: number;
};

/**
 * Reads the cradle line protocol of a handheld (see `SerialTransfer` in firmware-config):
 * `H,<terminal>[,<shelf>]`, `S,<shelf>`, scan lines, `E,<count>`. Pure: bytes in, complete
 * transfers and protocol errors out, so it is tested without a port.
 */
export class CradleParser {
  private pending = Buffer.alloc(0);
  private current: Transfer | undefined;
  private readonly terminator: Buffer;

  constructor(private readonly transfer: SerialTransfer) {
    this.terminator = Buffer.from(TERMINATOR[transfer.lineEnding]);
  }

  /** Feed bytes; each complete transfer is returned, and each protocol error as `nak`. */
  push(chunk: Uint8Array): ({ kind: 'transfer'; read: HandheldRead } | { kind: 'nak'; reason: string })[] {
    const out: ({ kind: 'transfer'; read: HandheldRead } | { kind: 'nak'; reason: string })[] = [];
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    for (let at = buf.indexOf(this.terminator); at >= 0; at = buf.indexOf(this.terminator)) {
      const line = decodeHandheldText(buf.subarray(0, at), this.transfer.encoding).trim();
      buf = buf.subarray(at + this.terminator.length);
      const r = this.line(line);
      if (r) out.push(r);
    }
    if (buf.length > MAX_LINE) {
      buf = Buffer.alloc(0);
      this.current = undefined;
      out.push({ kind: 'nak', reason: 'line too long' });
    }
    this.pending = Buffer.from(buf);
    return out;
  }

  /** Forget a transfer in progress (the link went quiet or was reopened). */
  reset(): boolean {
    const had = this.current !== undefined;
    this.current = undefined;
    this.pending = Buffer.alloc(0);
    return had;
  }

  private line(
    text: string,
  ): { kind: 'transfer'; read: HandheldRead } | { kind: 'nak'; reason: string } | undefined {
    if (!text) return undefined;
    const fields = text.split(this.transfer.delimiter).map((f) => f.trim());
    const [tag, a = '', b = ''] = fields;
    if (tag === 'H') {
      this.current = {
        terminalId: a.slice(0, 64),
        shelfTag: b.slice(0, 64),
        scans: [],
        rejected: [],
        lines: 0,
      };
      return undefined;
    }
    const t = this.current;
    if (!t) return { kind: 'nak', reason: 'data before a header line' };
    if (tag === 'S') {
      t.shelfTag = a.slice(0, 64);
      return undefined;
    }
    if (tag === 'E') {
      this.current = undefined;
      if (String(t.lines) !== a)
        return { kind: 'nak', reason: `count ${a || '(none)'}, ${t.lines} lines received` };
      return { kind: 'transfer', read: { terminalId: t.terminalId, scans: t.scans, rejected: t.rejected } };
    }
    t.lines++;
    const line = t.lines;
    const barcode = fields[this.transfer.dataFields.indexOf('barcode')] ?? '';
    const problem = barcodeProblem(barcode);
    if (problem) {
      t.rejected.push({ line, reason: problem });
      return undefined;
    }
    const ti = this.transfer.dataFields.indexOf('scannedAt');
    const time = ti < 0 ? '' : parseHandheldTime(fields[ti] ?? '', this.transfer.timeFormat);
    if (time === null) {
      t.rejected.push({ line, reason: `time not in the form ${this.transfer.timeFormat}` });
      return undefined;
    }
    t.scans.push({ barcode, shelfTag: t.shelfTag, scannedAt: time || null });
    return undefined;
  }
}

/**
 * A handheld's cradle on a serial line. A complete transfer is stored as one batch (`onTransfer`
 * resolves once it is on disk) and answered `ACK,<count>`; a broken one `NAK,<reason>`, and the
 * terminal keeps its data to send again. Line numbers in a batch's rejected lines count scan lines.
 */
export class CradleSource implements ScannerSource {
  readonly transport = 'serial';
  private port: SerialPort | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Options,
    private readonly transfer: SerialTransfer,
    private readonly log: Logger,
    private readonly onTransfer: (read: HandheldRead) => Promise<unknown>,
  ) {}

  async open(on: ScannerHandlers): Promise<void> {
    const o = this.options;
    const parser = new CradleParser(this.transfer);
    const port = await openSerialPort(o, (err) => on.lost(err));
    this.port = port;
    const eol = TERMINATOR[this.transfer.lineEnding];
    const reply = (text: string) => port.write(Buffer.from(`${text}${eol}`, 'latin1'));
    // answers go out in the order transfers arrived, each after its batch is on disk
    let chain: Promise<unknown> = Promise.resolve();
    port.on('data', (chunk: Buffer) => {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => {
        if (parser.reset()) this.log.warn('cradle transfer stopped without an end line; dropped');
      }, this.transfer.idleTimeoutMs);
      for (const r of parser.push(chunk)) {
        if (r.kind === 'nak') {
          this.log.warn({ reason: r.reason }, 'cradle transfer refused');
          chain = chain.then(() => reply(`NAK,${r.reason}`));
          continue;
        }
        const count = r.read.scans.length + r.read.rejected.length;
        chain = chain
          .then(() => this.onTransfer(r.read))
          .then(
            () => reply(`ACK,${count}`),
            (err: Error) => {
              this.log.error({ err: err.message }, 'cradle transfer could not be stored');
              reply('NAK,not stored');
            },
          );
      }
    });
    port.on('close', (err?: Error) => on.lost(err ?? new Error(`${o.path} closed`)));
  }

  async close(): Promise<void> {
    clearTimeout(this.idle);
    const port = this.port;
    this.port = undefined;
    if (!port) return;
    port.removeAllListeners();
    port.on('error', () => {});
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

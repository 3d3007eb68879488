import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { connect } from 'node:net';
import type { SerialPort } from 'serialport';
import { STATUS_QUERY } from '../escpos-status.ts';
import { openSerialPort } from './serial-port.ts';
import { PrintError } from './types.ts';

/**
 * A byte link to a printer that may carry answers back: a serial line, a USB printer-class device
 * file (/dev/usb/lp*), or one TCP 9100 connection. Answers (DLE EOT status bytes) are buffered as
 * they arrive and taken with `read`.
 */
export interface PrinterLink {
  readonly where: string;
  open(): Promise<void>;
  readonly isOpen: boolean;
  write(bytes: Uint8Array): Promise<void>;
  /** up to `n` bytes received since the last `discardInput`, waiting at most `timeoutMs` */
  read(n: number, timeoutMs: number): Promise<number[]>;
  discardInput(): void;
  close(): Promise<void>;
}

/** Collects bytes as they arrive and hands them to one waiting reader. */
class Inbox {
  private bytes: number[] = [];
  private wake: (() => void) | undefined;
  push(chunk: Uint8Array): void {
    for (const b of chunk) this.bytes.push(b);
    this.wake?.();
  }
  clear(): void {
    this.bytes = [];
  }
  async take(n: number, timeoutMs: number, poll?: () => Promise<void>): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.bytes.length < n && Date.now() < deadline) {
      if (poll) await poll();
      if (this.bytes.length >= n) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(poll ? 20 : timeoutMs, Math.max(1, deadline - Date.now())));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.bytes.splice(0, n);
  }
}

/** Send the four DLE EOT queries and take the four answers; undefined when the printer stays silent. */
export async function queryRealtimeStatus(
  link: PrinterLink,
  timeoutMs: number,
): Promise<number[] | undefined> {
  link.discardInput();
  await link.write(STATUS_QUERY);
  const answers = await link.read(4, timeoutMs);
  return answers.length === 4 ? answers : undefined;
}

export type SerialLinkOptions = {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
};

/** RS-232 or USB-CDC: the port stays open between jobs; a lost port is reopened at the next job. */
export class SerialLink implements PrinterLink {
  private port: SerialPort | undefined;
  private readonly inbox = new Inbox();

  constructor(private readonly o: SerialLinkOptions) {}

  get where() {
    return this.o.path;
  }

  get isOpen() {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    let port: SerialPort;
    try {
      port = await openSerialPort(this.o, () => {}); // errors are surfaced by the next write
    } catch (err) {
      throw new PrintError(
        'printerUnreachable',
        `serial printer ${this.o.path}: ${(err as Error).message}`,
        true,
      );
    }
    port.on('data', (c: Buffer) => this.inbox.push(c));
    this.port = port;
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen)
      throw new PrintError('printerUnreachable', `serial printer ${this.o.path} is not open`, true);
    await new Promise<void>((resolve, reject) =>
      port.write(Buffer.from(bytes), (err) => {
        if (err) return reject(err);
        port.drain((e) => (e ? reject(e) : resolve()));
      }),
    ).catch((err: Error) => {
      throw new PrintError('printFailed', `serial printer ${this.o.path}: ${err.message}`, false);
    });
  }

  read(n: number, timeoutMs: number) {
    return this.inbox.take(n, timeoutMs);
  }

  discardInput() {
    this.inbox.clear();
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/**
 * A USB printer-class device (Linux usblp: /dev/usb/lp0). Opened non-blocking so a printer that
 * never answers cannot hold a thread: status bytes are read by polling until the timeout.
 */
export class DeviceFileLink implements PrinterLink {
  private fh: FileHandle | undefined;
  private readonly inbox = new Inbox();

  constructor(private readonly path: string) {}

  get where() {
    return this.path;
  }

  get isOpen() {
    return this.fh !== undefined;
  }

  async open(): Promise<void> {
    try {
      this.fh = await open(this.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new PrintError(
        'printerUnreachable',
        `USB printer ${this.path}: ${code === 'ENOENT' ? 'not connected (no such device)' : (code ?? (err as Error).message)}`,
        true,
      );
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    const fh = this.fh;
    if (!fh) throw new PrintError('printerUnreachable', `USB printer ${this.path} is not open`, true);
    let at = 0;
    const deadline = Date.now() + 30_000;
    while (at < bytes.length) {
      try {
        const { bytesWritten } = await fh.write(bytes, at, bytes.length - at);
        at += bytesWritten;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // the printer's buffer is full (EAGAIN); give it a moment, unless it never drains
        if (code === 'EAGAIN' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        // a failure before the first byte printed nothing
        await this.close();
        throw new PrintError(
          'printFailed',
          `USB printer ${this.path}: ${code ?? (err as Error).message}`,
          at === 0,
        );
      }
    }
  }

  private readonly poll = async () => {
    const fh = this.fh;
    if (!fh) return;
    const buf = Buffer.alloc(64);
    try {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead > 0) this.inbox.push(buf.subarray(0, bytesRead));
    } catch {
      // EAGAIN: nothing to read yet
    }
  };

  read(n: number, timeoutMs: number) {
    return this.inbox.take(n, timeoutMs, this.poll);
  }

  discardInput() {
    this.inbox.clear();
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }
}

/**
 * One short TCP connection to a 9100 port that asks DLE EOT 1–4 and closes: the job itself goes on
 * a connection of its own (a 9100 port serves one client at a time, so neither holds it long).
 * The four answers; undefined when the printer stayed silent, null when it could not be reached.
 */
export function tcpStatusQuery(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<number[] | undefined | null> {
  return new Promise((resolve) => {
    const got: number[] = [];
    const socket = connect({ host, port, noDelay: true });
    const finish = (v: number[] | undefined | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(got.length >= 4 ? got.slice(0, 4) : undefined), timeoutMs);
    socket.once('connect', () => socket.write(STATUS_QUERY));
    socket.on('data', (c: Buffer) => {
      got.push(...c);
      if (got.length >= 4) finish(got.slice(0, 4));
    });
    socket.once('error', () => finish(got.length >= 4 ? got.slice(0, 4) : null));
    socket.once('close', () => finish(got.length >= 4 ? got.slice(0, 4) : undefined));
  });
}

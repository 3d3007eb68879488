import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';

/**
 * DLE EOT 1–4 answers as an Epson TM-series printer sends them (ESC/POS reference: every answer has
 * bits 1 and 4 set; n=1 bit 3 offline; n=2 bit 2 cover open, bit 5 stopped at paper end; n=4 bits
 * 2–3 near end, bits 5–6 paper end).
 */
export const STATUS_BYTES = {
  ready: [0x16, 0x12, 0x12, 0x12],
  paperNearEnd: [0x16, 0x12, 0x12, 0x1e],
  paperEnd: [0x1e, 0x32, 0x12, 0x72],
  coverOpen: [0x1e, 0x16, 0x12, 0x12],
  cutterError: [0x1e, 0x52, 0x1a, 0x12],
} as const;
export type PrinterCondition = keyof typeof STATUS_BYTES;

/**
 * The printer's side of a byte stream: each DLE EOT n it receives is answered at once with the
 * current condition's byte for n; every other byte is what would go on paper.
 */
class StatusResponder {
  condition: PrinterCondition = 'ready';
  queries = 0;
  private pending: number[] = [];
  /** job bytes, in order, across connections */
  printed: number[] = [];

  feed(chunk: Uint8Array, answer: (b: Uint8Array) => void): void {
    this.pending.push(...chunk);
    let i = 0;
    const out: number[] = [];
    while (i < this.pending.length) {
      if (this.pending[i] === 0x10) {
        if (i + 2 >= this.pending.length) break; // wait for the rest of the command
        const n = this.pending[i + 2]!;
        if (this.pending[i + 1] === 0x04 && n >= 1 && n <= 4) {
          out.push(STATUS_BYTES[this.condition][n - 1]!);
          this.queries++;
          i += 3;
          continue;
        }
      }
      this.printed.push(this.pending[i]!);
      i++;
    }
    this.pending = this.pending.slice(i);
    if (out.length) answer(Uint8Array.from(out));
  }
}

/** A TCP 9100 printer that answers DLE EOT status queries and keeps what it would print. */
export async function statusTcpPrinter() {
  const printer = new StatusResponder();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (c) => printer.feed(c, (b) => socket.write(b)));
    socket.on('end', () => socket.end());
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    printer,
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The same printer at the far end of a serial line (the host end of a socat pty pair). */
export async function statusSerialPrinter(path: string) {
  const printer = new StatusResponder();
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('data', (c: Buffer) => printer.feed(c, (b) => port.write(Buffer.from(b))));
  return {
    printer,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

import { connect } from 'node:net';
import { PrintError, type PrintResult } from './types.ts';

/**
 * Send one job to a raw TCP printer port (JetDirect / 9100): connect, write, half-close, and
 * resolve when the printer closes the connection. Errors say which phase failed, and a failure before
 * any byte was written is marked retryable.
 */
export function sendRaw(
  host: string,
  port: number,
  bytes: Uint8Array,
  timeoutMs: number,
): Promise<PrintResult> {
  return new Promise<PrintResult>((resolve, reject) => {
    let connected = false;
    let settled = false;
    const where = `${host}:${port}`;
    const socket = connect({ host, port, noDelay: true });
    const fail = (err: PrintError) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(
        connected
          ? new PrintError('printerTimeout', `printer ${where} did not finish within ${timeoutMs} ms`, false)
          : new PrintError(
              'printerTimeout',
              `printer ${where} did not accept a connection within ${timeoutMs} ms`,
              true,
            ),
      ),
    );
    socket.once('connect', () => {
      connected = true;
      socket.end(bytes);
    });
    socket.on('data', () => {}); // status bytes some printers send back; keep the stream flowing
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        const why =
          err.code === 'ECONNREFUSED'
            ? 'refused the connection (is it on, and is port 9100 enabled?)'
            : `is unreachable (${err.code ?? err.message})`;
        fail(new PrintError('printerUnreachable', `printer ${where} ${why}`, true));
      } else {
        fail(
          new PrintError(
            'printFailed',
            `connection to printer ${where} failed: ${err.code ?? err.message}`,
            false,
          ),
        );
      }
    });
    socket.once('close', (hadError) => {
      if (settled || hadError) return;
      settled = true;
      resolve({ bytes: bytes.length });
    });
  });
}

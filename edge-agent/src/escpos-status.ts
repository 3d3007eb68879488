import type { DeviceStatus } from './drivers/types.ts';

/**
 * ESC/POS real-time status (DLE EOT n): the printer answers each query with one byte at once, even
 * while offline or out of paper, which is what makes it useful before a job. Bits 0 and 7 of every
 * answer are 0 and bits 1 and 4 are 1 (mask 0x93 == 0x12), which tells a status byte from noise.
 */
export const DLE_EOT = {
  /** n=1 printer status: bit 3 offline */
  printer: [0x10, 0x04, 1],
  /** n=2 offline cause: bit 2 cover open, bit 3 paper fed by the button, bit 5 stopped at paper end, bit 6 error */
  offline: [0x10, 0x04, 2],
  /** n=3 error cause: bit 2 mechanical, bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable (head hot) */
  error: [0x10, 0x04, 3],
  /** n=4 roll paper sensor: bits 2–3 near end, bits 5–6 paper end */
  paper: [0x10, 0x04, 4],
} as const;

/** The four queries in the order their answers come back. */
export const STATUS_QUERY = Uint8Array.from([
  ...DLE_EOT.printer,
  ...DLE_EOT.offline,
  ...DLE_EOT.error,
  ...DLE_EOT.paper,
]);

export const isStatusByte = (b: number) => (b & 0x93) === 0x12;

const bit = (b: number, n: number) => (b & (1 << n)) !== 0;

/**
 * Four answers (n = 1, 2, 3, 4) as the device status the core shows. The most actionable cause
 * wins: cover open, then paper end, then an error, then offline; paper near its end is ok with a note.
 */
export function parseRealtimeStatus(answers: readonly number[]): DeviceStatus {
  if (answers.length < 4 || !answers.slice(0, 4).every(isStatusByte))
    return { status: 'error', detail: 'the printer sent an unreadable status' };
  const [printer, offline, error, paper] = answers as [number, number, number, number];
  if (bit(offline, 2)) return { status: 'coverOpen', detail: 'cover open' };
  if (bit(paper, 5) || bit(paper, 6) || bit(offline, 5)) return { status: 'paperEnd', detail: 'paper end' };
  if (bit(offline, 6) || bit(error, 2) || bit(error, 3) || bit(error, 5) || bit(error, 6)) {
    const why = [
      bit(error, 3) && 'autocutter error',
      bit(error, 5) && 'unrecoverable error',
      bit(error, 6) && 'auto-recoverable error (print head temperature)',
      bit(error, 2) && 'mechanical error',
    ].filter(Boolean);
    return { status: 'error', detail: why.join(', ') || 'printer error' };
  }
  if (bit(printer, 3)) return { status: 'offline', detail: 'printer offline' };
  if (bit(paper, 2) || bit(paper, 3)) return { status: 'ok', detail: 'paper near end' };
  return { status: 'ok' };
}

/** A status that means nothing printed now would come out: the job waits for staff instead. */
export const blocksPrinting = (s: DeviceStatus) =>
  s.status === 'coverOpen' || s.status === 'paperEnd' || s.status === 'offline' || s.status === 'error';

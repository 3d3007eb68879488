/**
 * Input reports as hidapi hands them over (report id first), 64 bytes each, in the layout of the
 * HID POS scanned-data report that Honeywell / Access-IS document: id 0x02, data length, AIM
 * identifier, 56 data bytes, vendor code id, reserved, "continued" bit. Written as hex dumps.
 */
const hex = (dump: string) => Uint8Array.from(dump.trim().split(/\s+/), (b) => Number.parseInt(b, 16));

// NW-7 label A1000001A read by a Honeywell reader in HID POS mode (AIM ]F0, Code ID 'a' = 0x61)
export const NW7_REPORT = hex(`
  02 09 5d 46 30 41 31 30 30 30 30 30 31 41 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 61 00 00`);

// JAN-13 (ISBN) 9784101010014: AIM ]E0, Code ID 'd' = 0x64
export const JAN_REPORT = hex(`
  02 0d 5d 45 30 39 37 38 34 31 30 31 30 31 30 30
  31 34 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 64 00 00`);

// A 60-byte QR code split in two reports: 56 bytes with "continued" set, then the last 4
export const QR_TEXT = 'https://www.city.ishigaki.okinawa.jp/library/opac?id=0012345';
export const QR_FIRST = hex(`
  02 38 5d 51 31 ${[...Buffer.from(QR_TEXT.slice(0, 56))].map((b) => b.toString(16)).join(' ')}
  73 00 01`);
export const QR_SECOND = hex(`
  02 04 5d 51 31 ${[...Buffer.from(QR_TEXT.slice(56))].map((b) => b.toString(16)).join(' ')}
  ${'00 '.repeat(52)} 73 00 00`);

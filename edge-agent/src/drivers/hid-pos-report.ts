import type { ScanSymbology } from '@bunko/protocols';
import type { ScanRead } from './scanner-types.ts';

/**
 * USB HID Point of Sale barcode scanners (HID POS Usage Tables 1.02, usage page 0x8C, usage 0x02
 * "Bar Code Scanner"). The scanned-data input report that Honeywell, Zebra, Datalogic and
 * Access-IS readers send in this mode is 64 bytes with the report id first:
 *
 *   byte 0      report id 0x02 (Scanned Data Report)
 *   byte 1      number of data bytes in this report (0–56)
 *   bytes 2–4   AIM symbology identifier: "]" and two characters (e.g. "]F0" Codabar/NW-7)
 *   bytes 5–60  decoded data, zero padded
 *   byte 61     vendor symbology code (Honeywell Code ID, e.g. 0x61 "a" = Codabar)
 *   byte 62     reserved
 *   byte 63     bit 0: "decoded data continued" — more reports of this barcode follow
 *
 * hidapi (node-hid) hands over reports of numbered-report devices with the id as byte 0.
 */
export const HID_POS_USAGE_PAGE = 0x8c;
export const HID_POS_BARCODE_SCANNER_USAGE = 0x02;
export const SCANNED_DATA_REPORT_ID = 0x02;
const DATA_OFFSET = 5;
const DATA_MAX = 56;
const CONTINUED_BYTE = 63;
const VENDOR_CODE_BYTE = 61;

export type HidPosReport = {
  /** "]F0", or "" when the reader sends no AIM identifier */
  aim: string;
  data: Uint8Array;
  /** more reports of the same barcode follow */
  continued: boolean;
  /** the vendor's own symbology code (byte 61), when set */
  vendorCode?: number;
};

/** One scanned-data report, or null when the bytes are another report (status, attributes) or too short. */
export function parseHidPosReport(report: Uint8Array): HidPosReport | null {
  if (report.length < DATA_OFFSET + 1 || report[0] !== SCANNED_DATA_REPORT_ID) return null;
  const length = Math.min(report[1]!, DATA_MAX, report.length - DATA_OFFSET);
  const aim = report[2] === 0x5d ? String.fromCharCode(report[2]!, report[3]!, report[4]!) : '';
  const vendor = report.length > VENDOR_CODE_BYTE ? report[VENDOR_CODE_BYTE]! : 0;
  return {
    aim: /^\][\x21-\x7e]{2}$/.test(aim) ? aim : '',
    data: report.slice(DATA_OFFSET, DATA_OFFSET + length),
    continued: report.length > CONTINUED_BYTE && (report[CONTINUED_BYTE]! & 0x01) === 1,
    ...(vendor ? { vendorCode: vendor } : {}),
  };
}

/** The AIM symbology identifier (ISO/IEC 15424) as one of ours; undefined when none was sent. */
export function symbologyFromAim(aim: string): ScanSymbology | undefined {
  if (!aim) return undefined;
  const code = aim[1];
  const modifier = aim[2];
  switch (code) {
    case 'F':
      return 'nw7';
    case 'E':
      return modifier === '4' ? 'jan8' : 'jan13';
    case 'A':
      return 'code39';
    case 'C':
      return 'code128';
    case 'I':
      return 'itf';
    case 'Q':
      return 'qr';
    default:
      return 'other';
  }
}

/**
 * Joins the reports of one barcode (a long QR code spans several) into one read. A barcode longer
 * than `maxBytes` is dropped whole rather than cut.
 */
export class HidPosAssembler {
  private parts: Uint8Array[] = [];
  private aim = '';
  private size = 0;
  private skipping = false;

  constructor(private readonly maxBytes = 4096) {}

  push(report: Uint8Array): ScanRead | null {
    const r = parseHidPosReport(report);
    if (!r) return null;
    if (this.skipping) {
      // the rest of a barcode that was too long
      if (!r.continued) this.skipping = false;
      return null;
    }
    if (this.parts.length === 0) this.aim = r.aim;
    this.parts.push(r.data);
    this.size += r.data.length;
    if (this.size > this.maxBytes) {
      this.reset();
      this.skipping = r.continued;
      return null;
    }
    if (r.continued) return null;
    const bytes = Buffer.concat(this.parts);
    const symbology = symbologyFromAim(this.aim);
    this.reset();
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/[\r\n\0]+$/u, '');
    if (text.length === 0) return null;
    return symbology ? { data: text, symbology } : { data: text };
  }

  /** Forget a partial barcode (the reader was reopened). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.aim = '';
    this.skipping = false;
  }
}

import { DeviceInfo } from '@bunko/protocols';
import { z } from 'zod';

/**
 * A device profile: what one model can do, as data. Adding a model is adding a JSON file; the agent
 * reads the capabilities (columns, encoding, cutter …) from here rather than from code.
 */
const ProfileId = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens')
  .max(100);

const common = {
  id: ProfileId,
  vendor: z.string().min(1).max(60),
  model: z.string().min(1).max(60),
  nameJa: z.string().min(1).max(100),
  notes: z.string().max(1000).optional(),
};

export const Transport = z.enum(['tcp9100', 'usb', 'serial', 'hid', 'dropFolder', 'virtual']);
export type Transport = z.infer<typeof Transport>;

/** Text encoding the device expects for non-ASCII text. */
export const TextEncoding = z.enum(['cp932', 'utf8']);
export type TextEncoding = z.infer<typeof TextEncoding>;

/** What an ESC/POS-style printer can do; defaults describe the common Japanese receipt printer. */
export const PrinterCapabilities = z.object({
  commandSet: z.enum(['escpos']),
  paperWidthMm: z.number().int().min(20).max(120),
  /** printable dots per line */
  dotsPerLine: z.number().int().min(100).max(2000),
  /** half-width characters per line in the default font; a kanji takes two */
  columns: z.number().int().min(10).max(100),
  encoding: TextEncoding.default('cp932'),
  /** enable Kanji mode (FS &) and Shift_JIS kanji code (FS C 1) */
  kanji: z.boolean().default(true),
  cutter: z.enum(['partial', 'full', 'none']).default('partial'),
  /** lines to feed so the last printed line clears the cutter */
  feedLinesBeforeCut: z.number().int().min(0).max(20).default(4),
});
export type PrinterCapabilities = z.infer<typeof PrinterCapabilities>;

export const Symbology = z.enum(['nw7', 'jan13', 'jan8', 'code39', 'code128', 'itf', 'qr']);
export type Symbology = z.infer<typeof Symbology>;

export const ScannerCapabilities = z.object({
  symbologies: z.array(Symbology).min(1),
  /** hidKeyboard readers type into the browser and need no agent */
  interface: z.enum(['hidKeyboard', 'hidPos', 'serial']),
  suffix: z.enum(['enter', 'tab', 'none']).default('enter'),
  nw7: z
    .object({
      /** whether the reader transmits the start/stop characters (A–D) */
      transmitStartStop: z.boolean().default(false),
      checkDigit: z.enum(['none', 'mod16', '7dr', '7dsr']).default('none'),
    })
    .optional(),
});
export type ScannerCapabilities = z.infer<typeof ScannerCapabilities>;

const transports = z.array(Transport).min(1);

export const DeviceProfile = z.discriminatedUnion('kind', [
  z.object({
    ...common,
    kind: z.literal('receiptPrinter'),
    transports,
    printer: PrinterCapabilities,
  }),
  z.object({
    ...common,
    kind: z.literal('labelPrinter'),
    transports,
    printer: PrinterCapabilities,
    label: z.object({
      widthMm: z.number().min(10).max(120),
      heightMm: z.number().min(10).max(300),
      gapMm: z.number().min(0).max(20).default(3),
    }),
  }),
  z.object({
    ...common,
    kind: z.literal('colorPrinter'),
    transports,
    pdf: z.object({ paper: z.enum(['A4', 'B5', 'A3']).default('A4'), duplex: z.boolean().default(false) }),
  }),
  z.object({ ...common, kind: z.literal('barcodeReader'), transports, scanner: ScannerCapabilities }),
  z.object({
    ...common,
    kind: z.literal('handheld'),
    transports,
    scanner: ScannerCapabilities,
    transfer: z.object({
      mode: z.enum(['dropFolder', 'serial']),
      fileFormat: z.enum(['csv', 'tsv']).default('csv'),
      encoding: TextEncoding.default('cp932'),
      /** records per scan line: e.g. ["barcode", "scannedAt"] */
      fields: z.array(z.enum(['barcode', 'scannedAt', 'location', 'operator'])).min(1),
    }),
  }),
  z.object({
    ...common,
    kind: z.literal('kiosk'),
    transports,
    screen: z.object({ widthPx: z.number().int().positive(), heightPx: z.number().int().positive() }),
  }),
]);
export type DeviceProfile = z.infer<typeof DeviceProfile>;
export type PrinterProfile = Extract<DeviceProfile, { kind: 'receiptPrinter' | 'labelPrinter' }>;

// Compile-time check: every kind an agent may report has a profile variant, and no more.
type Kinds = DeviceProfile['kind'];
type Reported = DeviceInfo['kind'];
const _sameKinds: [Kinds] extends [Reported] ? ([Reported] extends [Kinds] ? true : never) : never = true;
void _sameKinds;
export const DEVICE_KINDS = DeviceInfo.shape.kind.options;

export const isPrinterProfile = (p: DeviceProfile): p is PrinterProfile =>
  p.kind === 'receiptPrinter' || p.kind === 'labelPrinter';

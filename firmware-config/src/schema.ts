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

export const Transport = z.enum(['tcp9100', 'usb', 'serial', 'hid', 'dropFolder', 'virtual', 'ipp']);
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

/** A browser command-line switch: --name or --name=value. */
const BrowserFlag = z.string().regex(/^--[a-z0-9][a-z0-9-]*(=.*)?$/, 'a switch like --kiosk or --name=value');
/** A Chromium URLAllowlist / URLBlocklist pattern; {origin} stands for the core's address. */
const UrlPattern = z.string().min(1).max(300);
const FORBIDDEN_FLAGS = [
  '--remote-debugging-port',
  '--remote-debugging-pipe',
  '--auto-open-devtools-for-tabs',
];

/**
 * How a 館内OPAC kiosk starts its browser: locked down, nothing kept, only the OPAC reachable.
 * `startUrl` may use {origin} and {kioskId}; the idle reset is the OPAC's own (it clears storage).
 */
export const KioskLaunch = z
  .object({
    browser: z.literal('chromium'),
    startUrl: z
      .string()
      .regex(/^\{origin\}\/opac\?kiosk=\{kioskId\}$/, 'must be {origin}/opac?kiosk={kioskId}'),
    flags: z.array(BrowserFlag).min(1),
    /** enterprise policies written to /etc/chromium/policies/managed/ */
    policies: z.object({
      DeveloperToolsAvailability: z.literal(2),
      IncognitoModeAvailability: z.literal(2),
      URLBlocklist: z.array(UrlPattern).min(1),
      URLAllowlist: z.array(UrlPattern).min(1),
      DownloadRestrictions: z.literal(3),
      PasswordManagerEnabled: z.literal(false),
      AutofillAddressEnabled: z.literal(false),
      AutofillCreditCardEnabled: z.literal(false),
      BrowserSignin: z.literal(0),
      PrintingEnabled: z.boolean().default(false),
    }),
    idleResetSeconds: z.number().int().min(5).max(3600),
  })
  .superRefine((l, ctx) => {
    for (const required of ['--kiosk', '--incognito'])
      if (!l.flags.includes(required))
        ctx.addIssue({ code: 'custom', path: ['flags'], message: `${required} is required for a kiosk` });
    for (const [i, f] of l.flags.entries())
      if (FORBIDDEN_FLAGS.some((bad) => f === bad || f.startsWith(`${bad}=`)))
        ctx.addIssue({
          code: 'custom',
          path: ['flags', i],
          message: `${f} would open the browser to outside control`,
        });
    if (!l.policies.URLBlocklist.includes('*'))
      ctx.addIssue({
        code: 'custom',
        path: ['policies', 'URLBlocklist'],
        message: 'must block "*" (allow only the OPAC)',
      });
    for (const [i, u] of l.policies.URLAllowlist.entries())
      if (!u.startsWith('{origin}/'))
        ctx.addIssue({
          code: 'custom',
          path: ['policies', 'URLAllowlist', i],
          message: 'only addresses of the core ({origin}/…)',
        });
  });
export type KioskLaunch = z.infer<typeof KioskLaunch>;
/** What one column of a handheld's file holds; `ignore` skips a column the library does not use. */
export const HandheldColumn = z.enum([
  'barcode',
  'scannedAt',
  'shelfTag',
  'terminalId',
  'operator',
  'ignore',
]);
export type HandheldColumn = z.infer<typeof HandheldColumn>;

/** How a terminal writes its time stamps (local time of the library unless an offset is given). */
export const HandheldTimeFormat = z.enum(['iso', 'yyyy/MM/dd HH:mm:ss', 'yyyyMMddHHmmss']);
export type HandheldTimeFormat = z.infer<typeof HandheldTimeFormat>;

/**
 * A mass-storage / drop-folder terminal (DENSO BHT, KEYENCE BT class): docking copies a file into
 * a folder the agent watches. One line per scan, the columns in `columns` order.
 */
export const DropFolderTransfer = z.object({
  mode: z.literal('dropFolder'),
  /** file names the agent takes, `*` and `?` wildcards, matched without regard to case */
  filePattern: z.string().min(1).max(100).default('*.csv'),
  encoding: TextEncoding.default('cp932'),
  /** a tab is written "\t" in the JSON file */
  delimiter: z.enum([',', '\t', ';']).default(','),
  /** the first line names the columns and is skipped */
  header: z.boolean().default(false),
  columns: z
    .array(HandheldColumn)
    .min(1)
    .max(20)
    .refine((c) => c.filter((x) => x === 'barcode').length === 1, 'exactly one column must be "barcode"'),
  timeFormat: HandheldTimeFormat.default('yyyy/MM/dd HH:mm:ss'),
});
export type DropFolderTransfer = z.infer<typeof DropFolderTransfer>;

/**
 * A cradle that sends its collected scans down a serial line, in this line protocol (one record a
 * line, fields split by `delimiter`):
 *   `H,<terminal id>[,<shelf tag>]`  a transfer starts (the shelf tag applies until the next `S`)
 *   `S,<shelf tag>`                  the following scans were read at this shelf/range
 *   `<barcode>[,<scanned at>]`       one scan (the fields in `dataFields` order)
 *   `E,<count>`                      the transfer ends; count = scan lines sent
 * The agent answers `ACK,<count>` once the batch is stored durably, or `NAK,<reason>` (count
 * mismatch, line too long, no header): the terminal keeps its data and sends it again.
 */
export const SerialTransfer = z.object({
  mode: z.literal('serial'),
  encoding: TextEncoding.default('cp932'),
  delimiter: z.enum([',', '\t', ';']).default(','),
  lineEnding: z.enum(['cr', 'lf', 'crlf']).default('crlf'),
  dataFields: z
    .array(z.enum(['barcode', 'scannedAt']))
    .min(1)
    .refine((c) => c[0] === 'barcode', 'the barcode comes first'),
  timeFormat: HandheldTimeFormat.default('yyyyMMddHHmmss'),
  /** a transfer with no `E` line for this long is dropped (the terminal sends it again) */
  idleTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
});
export type SerialTransfer = z.infer<typeof SerialTransfer>;

export const HandheldTransfer = z.discriminatedUnion('mode', [DropFolderTransfer, SerialTransfer]);
export type HandheldTransfer = z.infer<typeof HandheldTransfer>;

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
    transfer: HandheldTransfer,
  }),
  z.object({
    ...common,
    kind: z.literal('kiosk'),
    transports,
    screen: z.object({ widthPx: z.number().int().positive(), heightPx: z.number().int().positive() }),
    launch: KioskLaunch.optional(),
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

export type HandheldProfile = Extract<DeviceProfile, { kind: 'handheld' }>;

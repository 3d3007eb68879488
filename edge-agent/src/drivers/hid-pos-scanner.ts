import HID from 'node-hid';
import type { z } from 'zod';
import type { HidPosTransport } from '../config.ts';
import { HID_POS_BARCODE_SCANNER_USAGE, HID_POS_USAGE_PAGE, HidPosAssembler } from './hid-pos-report.ts';
import type { ScannerHandlers, ScannerSource } from './scanner-types.ts';

type Options = z.infer<typeof HidPosTransport>;
type HidInfo = Awaited<ReturnType<typeof HID.devicesAsync>>[number];

/** An open HID device as the driver uses it: node-hid's HIDAsync, or a stand-in in tests. */
export type HidPosDevice = {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(): Promise<void>;
};

/** How the driver lists and opens HID devices (node-hid unless a test passes its own). */
export type HidAccess = {
  devices(): Promise<HidInfo[]>;
  open(path: string): Promise<HidPosDevice>;
};

export const nodeHid: HidAccess = {
  devices: () => HID.devicesAsync(),
  open: (path) => HID.HIDAsync.open(path),
};

const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** Which HID device is the configured reader: its path, else the first HID POS scanner matching the ids. */
export function pickHidPosDevice(list: readonly HidInfo[], o: Options): HidInfo | undefined {
  if (o.path) return list.find((d) => d.path === o.path);
  return list.find(
    (d) =>
      d.usagePage === HID_POS_USAGE_PAGE &&
      (d.usage === undefined || d.usage === HID_POS_BARCODE_SCANNER_USAGE) &&
      (o.vendorId === undefined || d.vendorId === o.vendorId) &&
      (o.productId === undefined || d.productId === o.productId),
  );
}

/** A USB HID Point-of-Sale reader (no keyboard emulation: the browser never sees its input). */
export class HidPosScanner implements ScannerSource {
  readonly transport = 'hidPos';
  private device: HidPosDevice | undefined;

  constructor(
    private readonly options: Options,
    private readonly hid: HidAccess = nodeHid,
  ) {}

  async open(on: ScannerHandlers): Promise<void> {
    const o = this.options;
    const found = pickHidPosDevice(await this.hid.devices(), o);
    if (!found?.path) {
      const which =
        o.path ?? [o.vendorId, o.productId].map((v) => (v === undefined ? '*' : hex(v))).join(':');
      throw new Error(`no HID POS barcode reader found (${which})`);
    }
    const device = await this.hid.open(found.path);
    const assembler = new HidPosAssembler();
    device.on('error', (err: Error) => on.lost(err));
    device.on('data', (report: Buffer) => {
      const read = assembler.push(report);
      if (read) on.scan(read);
    });
    this.device = device;
  }

  async close(): Promise<void> {
    const device = this.device;
    this.device = undefined;
    if (!device) return;
    device.removeAllListeners();
    device.on('error', () => {});
    await device.close().catch(() => {});
  }
}

import { basename } from 'node:path';
import { type DeviceProfile, getProfile, isPrinterProfile } from '@bunko/firmware-config';
import type { HandheldRead } from '@bunko/firmware-config/handheld-file';
import type { DeviceInfo } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { DeviceConfig } from './config.ts';
import { CradleSource } from './drivers/cradle.ts';
import { DropFolderSource } from './drivers/drop-folder.ts';
import { EscPosLinkPrinter } from './drivers/escpos-link-printer.ts';
import { EscPosTcpPrinter } from './drivers/escpos-tcp-printer.ts';
import { type HidAccess, HidPosScanner } from './drivers/hid-pos-scanner.ts';
import { IppPrinter } from './drivers/ipp-printer.ts';
import { DeviceFileLink, SerialLink } from './drivers/printer-links.ts';
import type { ScannerSource, ScanRead } from './drivers/scanner-types.ts';
import { SerialScanner } from './drivers/serial-scanner.ts';
import type { PrinterDriver, PrintJob, PrintResult } from './drivers/types.ts';
import { VirtualPrinter } from './drivers/virtual-printer.ts';
import { VirtualScanner } from './drivers/virtual-scanner.ts';
import { findJapaneseFont, type PdfFont } from './pdf.ts';
import { ScannerRunner } from './scanner-runner.ts';
import type { BatchOrigin } from './stocktake-outbox.ts';

type Status = Pick<DeviceInfo, 'status' | 'detail'>;

function createPrinterDriver(
  device: DeviceConfig,
  profile: DeviceProfile,
  font: PdfFont | undefined,
): PrinterDriver | undefined {
  const t = device.transport;
  if (profile.kind === 'colorPrinter') {
    if (t.type === 'virtual') return new VirtualPrinter(t.dir!, 80, font);
    if (t.type === 'ipp') return new IppPrinter(t, font);
    return undefined;
  }
  if (!isPrinterProfile(profile)) return undefined;
  if (t.type === 'virtual') return new VirtualPrinter(t.dir!, profile.printer.columns, font, profile.printer);
  if (t.type === 'tcp9100')
    return new EscPosTcpPrinter(
      { host: t.host, port: t.port, timeoutMs: t.timeoutMs, status: t.status },
      profile.printer,
    );
  if (t.type === 'serial')
    return new EscPosLinkPrinter('serial', new SerialLink(t), profile.printer, t.status);
  if (t.type === 'usb')
    return new EscPosLinkPrinter('usb', new DeviceFileLink(t.path), profile.printer, t.status);
  return undefined; // refused by parseAgentConfig
}

/** A handheld's dock: a watched drop folder or a serial cradle; each delivery becomes one batch. */
function createHandheldSource(
  device: DeviceConfig,
  profile: DeviceProfile,
  log: Logger,
  hooks: DeviceHooks,
): ScannerSource | undefined {
  if (profile.kind !== 'handheld' || !hooks.onHandheldBatch) return undefined;
  const t = device.transport;
  const batch = hooks.onHandheldBatch;
  if (t.type === 'dropFolder' && profile.transfer.mode === 'dropFolder')
    return new DropFolderSource(t, profile.transfer, device.id, log, (read, path) =>
      batch(device.id, read, { kind: 'file', path }, basename(path)),
    );
  if (t.type === 'serial' && profile.transfer.mode === 'serial')
    return new CradleSource(t, profile.transfer, log, (read) =>
      batch(device.id, read, { kind: 'serial' }, 'serial'),
    );
  return undefined;
}

function createScannerSource(
  device: DeviceConfig,
  log: Logger,
  hid: HidAccess | undefined,
): ScannerSource | undefined {
  if (device.kind !== 'barcodeReader') return undefined;
  const t = device.transport;
  if (t.type === 'serial') return new SerialScanner(t, log);
  if (t.type === 'hidPos') return new HidPosScanner(t, hid);
  if (t.type === 'virtual' && t.inbox) return new VirtualScanner(t.inbox);
  return undefined;
}

/** What devices tell the agent: a reader read a barcode; a status changed (re-announce the info). */
export type DeviceHooks = {
  onScan?: (deviceId: string, read: ScanRead) => void;
  onStatusChange?: () => void;
  /** the Japanese font for PDFs (page printers, and sheets sent to the virtual printer) */
  pdfFont?: PdfFont;
  /** a handheld delivered its scans: store them as a batch (resolves once stored durably) */
  onHandheldBatch?: (
    deviceId: string,
    read: HandheldRead,
    origin: BatchOrigin,
    source: string,
  ) => Promise<unknown>;
  /** how HID POS readers are listed and opened (node-hid; tests pass a stand-in device) */
  hid?: HidAccess;
};

/** A job whose time ran out while it waited for the printer; nothing of it was sent. */
export class JobExpired extends Error {
  constructor(readonly notAfter: Date) {
    super(`the job expired at ${notAfter.toISOString()} while it waited for the printer`);
    this.name = 'JobExpired';
  }
}

/** One configured device: its profile, its driver (printers only) and its last known status. */
export class Device {
  private status: Status = { status: 'offline' };
  private queue: Promise<unknown> = Promise.resolve();
  private poller: NodeJS.Timeout | undefined;
  readonly driver: PrinterDriver | undefined;
  readonly scanner: ScannerRunner | undefined;

  constructor(
    readonly config: DeviceConfig,
    readonly profile: DeviceProfile,
    private readonly log: Logger,
    private readonly hooks: DeviceHooks = {},
  ) {
    this.driver = createPrinterDriver(config, profile, hooks.pdfFont ?? findJapaneseFont());
    const source =
      createScannerSource(config, log, hooks.hid) ?? createHandheldSource(config, profile, log, hooks);
    this.scanner = source
      ? new ScannerRunner(source, {
          log,
          onScan: (read) => hooks.onScan?.(config.id, read),
          onStatus: (next) => {
            if (this.setStatus(next)) hooks.onStatusChange?.();
          },
        })
      : undefined;
  }

  get id(): string {
    return this.config.id;
  }

  info(): DeviceInfo {
    return {
      id: this.config.id,
      kind: this.config.kind,
      profile: this.config.profile,
      transport: this.config.transport.type,
      ...this.status,
    };
  }

  setStatus(next: Status): boolean {
    const changed = next.status !== this.status.status || next.detail !== this.status.detail;
    this.status = next;
    return changed;
  }

  /** A failing driver marks its device as errored; it never takes the agent down. */
  async start(): Promise<void> {
    if (this.scanner) {
      await this.scanner.start(); // reports its own status and retries; never throws
      return;
    }
    try {
      await this.driver?.start();
      this.setStatus({ status: 'ok' });
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'device failed to start');
      this.setStatus({ status: 'error', detail: (err as Error).message.slice(0, 200) });
    }
    if (this.driver?.status) {
      await this.refreshStatus();
      const every = this.config.statusIntervalMs;
      if (every > 0) {
        this.poller = setInterval(() => void this.refreshStatus(), every);
        this.poller.unref();
      }
    }
  }

  /**
   * Ask the printer how it is (between jobs: a status query must not cut into a job's bytes) and
   * re-announce when it changed. Returns the status, or undefined for a printer that cannot say.
   */
  refreshStatus(): Promise<Status | undefined> {
    const driver = this.driver;
    if (!driver?.status) return Promise.resolve(undefined);
    const run = this.queue.then(async () => {
      const next = await driver.status!().catch(
        (err: Error): Status => ({ status: 'offline', detail: err.message.slice(0, 200) }),
      );
      if (this.setStatus(next)) {
        this.log.info({ status: next.status, detail: next.detail }, 'printer status changed');
        this.hooks.onStatusChange?.();
      }
      return next;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    await this.scanner?.stop();
    await this.queue.catch(() => {});
    await this.driver
      ?.stop()
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'device stop failed'));
  }

  /** Jobs to one device run one at a time, in arrival order (a 9100 port serves one client). */
  print(job: PrintJob, notAfter?: Date): Promise<PrintResult> {
    const driver = this.driver;
    if (!driver) return Promise.reject(new Error(`device ${this.id} is not a printer`));
    // A job that waited behind slow ones is checked again when its turn comes: late is not printed.
    const turn = () => {
      if (notAfter && Date.now() > notAfter.getTime()) throw new JobExpired(notAfter);
      return driver.print(job);
    };
    const run = this.queue.then(turn, turn);
    this.queue = run.catch(() => {});
    return run;
  }
}

export function createDevices(
  configs: readonly DeviceConfig[],
  logger: Logger,
  lookup: (id: string) => DeviceProfile | undefined = getProfile,
  hooks: DeviceHooks = {},
): Map<string, Device> {
  const out = new Map<string, Device>();
  for (const c of configs) {
    const profile = lookup(c.profile);
    // loadAgentConfig has already checked this; a config built in code might not have been.
    if (!profile) throw new Error(`device ${c.id}: unknown profile "${c.profile}"`);
    out.set(c.id, new Device(c, profile, logger.child({ ns: 'device', device: c.id }), hooks));
  }
  return out;
}

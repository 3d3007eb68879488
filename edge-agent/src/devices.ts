import { type DeviceProfile, getProfile, isPrinterProfile } from '@bunko/firmware-config';
import type { DeviceInfo } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { DeviceConfig } from './config.ts';
import { EscPosTcpPrinter } from './drivers/escpos-tcp-printer.ts';
import { HidPosScanner } from './drivers/hid-pos-scanner.ts';
import type { ScannerSource, ScanRead } from './drivers/scanner-types.ts';
import { SerialScanner } from './drivers/serial-scanner.ts';
import type { PrinterDriver, PrintJob, PrintResult } from './drivers/types.ts';
import { VirtualPrinter } from './drivers/virtual-printer.ts';
import { VirtualScanner } from './drivers/virtual-scanner.ts';
import { ScannerRunner } from './scanner-runner.ts';

type Status = Pick<DeviceInfo, 'status' | 'detail'>;

function createPrinterDriver(device: DeviceConfig, profile: DeviceProfile): PrinterDriver | undefined {
  if (!isPrinterProfile(profile)) return undefined;
  const t = device.transport;
  if (t.type === 'virtual') return new VirtualPrinter(t.dir!, profile.printer.columns);
  if (t.type === 'tcp9100')
    return new EscPosTcpPrinter({ host: t.host, port: t.port, timeoutMs: t.timeoutMs }, profile.printer);
  return undefined; // refused by parseAgentConfig
}

function createScannerSource(device: DeviceConfig, log: Logger): ScannerSource | undefined {
  if (device.kind !== 'barcodeReader') return undefined;
  const t = device.transport;
  if (t.type === 'serial') return new SerialScanner(t, log);
  if (t.type === 'hidPos') return new HidPosScanner(t);
  if (t.type === 'virtual' && t.inbox) return new VirtualScanner(t.inbox);
  return undefined;
}

/** What devices tell the agent: a reader read a barcode; a status changed (re-announce the info). */
export type DeviceHooks = {
  onScan?: (deviceId: string, read: ScanRead) => void;
  onStatusChange?: () => void;
};

/** One configured device: its profile, its driver (printers only) and its last known status. */
export class Device {
  private status: Status = { status: 'offline' };
  private queue: Promise<unknown> = Promise.resolve();
  readonly driver: PrinterDriver | undefined;
  readonly scanner: ScannerRunner | undefined;

  constructor(
    readonly config: DeviceConfig,
    readonly profile: DeviceProfile,
    private readonly log: Logger,
    hooks: DeviceHooks = {},
  ) {
    this.driver = createPrinterDriver(config, profile);
    const source = createScannerSource(config, log);
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
  }

  async stop(): Promise<void> {
    await this.scanner?.stop();
    await this.queue.catch(() => {});
    await this.driver
      ?.stop()
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'device stop failed'));
  }

  /** Jobs to one device run one at a time, in arrival order (a 9100 port serves one client). */
  print(job: PrintJob): Promise<PrintResult> {
    const driver = this.driver;
    if (!driver) return Promise.reject(new Error(`device ${this.id} is not a printer`));
    const run = this.queue.then(
      () => driver.print(job),
      () => driver.print(job),
    );
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

import type { DeviceInfo } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { ScannerSource, ScanRead } from './drivers/scanner-types.ts';

type Status = Pick<DeviceInfo, 'status' | 'detail'>;

/**
 * Keeps one reader open: a reader that cannot be opened, fails or is unplugged is reported as
 * errored and opened again after a growing pause (1 s … 30 s). Nothing here throws to the agent.
 */
export class ScannerRunner {
  private generation = 0;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;

  constructor(
    private readonly source: ScannerSource,
    private readonly opts: {
      log: Logger;
      onScan: (read: ScanRead) => void;
      onStatus: (status: Status) => void;
      retryMinMs?: number;
      retryMaxMs?: number;
    },
  ) {
    this.delay = opts.retryMinMs ?? 1000;
  }

  /** Open once; on failure the device is errored and retried in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.timer);
    await this.source.close().catch(() => {});
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    try {
      await this.source.open({
        scan: (read) => {
          if (gen === this.generation && !this.stopped) this.opts.onScan(read);
        },
        lost: (err) => {
          if (gen === this.generation && !this.stopped) this.failed(err, 'reader lost');
        },
      });
      if (gen !== this.generation || this.stopped) return;
      this.delay = this.opts.retryMinMs ?? 1000;
      this.opts.log.info({ transport: this.source.transport }, 'reader open');
      this.opts.onStatus({ status: 'ok' });
    } catch (err) {
      if (gen === this.generation && !this.stopped) this.failed(err as Error, 'reader could not be opened');
    }
  }

  private failed(err: Error, what: string): void {
    this.generation++; // late events of the failed attempt are ignored from here on
    const detail = (err?.message ?? String(err)).slice(0, 200);
    this.opts.log.warn({ err: detail, retryMs: this.delay }, what);
    this.opts.onStatus({ status: 'error', detail });
    void this.source.close().catch(() => {});
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.retryMaxMs ?? 30_000);
  }
}

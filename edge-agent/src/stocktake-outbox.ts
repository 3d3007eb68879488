import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HandheldRead } from '@bunko/firmware-config/handheld-file';
import { type StocktakeAckStatus, StocktakeBatchEvent } from '@bunko/protocols';
import { stocktakeBatchId } from '@bunko/protocols/stocktake-hash';
import type { Logger } from 'pino';
import { z } from 'zod';
import { syncDir } from './journal.ts';

/** Where a batch came from: a file in a drop folder (moved away once the core has it), or a cradle. */
export const BatchOrigin = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string() }),
  z.object({ kind: z.literal('serial') }),
]);
export type BatchOrigin = z.infer<typeof BatchOrigin>;

const Entry = z.object({ event: StocktakeBatchEvent, origin: BatchOrigin });
type Entry = z.infer<typeof Entry>;

export const OUTBOX_DIR = 'stocktake-outbox';

/** A batch waiting for "no open session" is offered again after this long (and on every reconnect). */
const RETRY_MS = 60_000;

/**
 * Stock-take batches on their way to the core, durably: each is written to its own file (fsync'd,
 * renamed into place) before the terminal or the drop folder is told it was taken, and removed only
 * when the core has acknowledged it (`stocktakeAck`). After a crash, a restart or a lost link the
 * batches left are sent again; the core counts a batch id once, so a resend never double-counts.
 */
export class StocktakeOutbox {
  /** `also`: other sources of the same content that arrived while it waited (a second copy of a file) */
  private readonly entries = new Map<string, Entry & { sending: boolean; also: BatchOrigin[] }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private adding: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly deps: {
      now: () => Date;
      log: Logger;
      /** publish on the event topic; undefined when there is no link right now */
      publish: (payload: string) => Promise<unknown> | undefined;
      /** the core has the batch (or had it already): the source may be cleared */
      settled: (origin: BatchOrigin, status: StocktakeAckStatus) => Promise<void>;
      retryMs?: number;
    },
  ) {}

  static async open(dataDir: string, deps: StocktakeOutbox['deps']): Promise<StocktakeOutbox> {
    const dir = join(dataDir, OUTBOX_DIR);
    await mkdir(dir, { recursive: true });
    const box = new StocktakeOutbox(dir, deps);
    for (const name of (await readdir(dir)).sort()) {
      if (!name.endsWith('.json')) continue;
      try {
        const entry = Entry.parse(JSON.parse(await readFile(join(dir, name), 'utf8')));
        box.entries.set(entry.event.batchId, { ...entry, sending: false, also: [] });
      } catch (err) {
        // a torn write never got renamed into place; anything else unreadable is set aside
        deps.log.error({ file: name, err: (err as Error).message }, 'unreadable outbox entry set aside');
        await rename(join(dir, name), join(dir, `${name}.bad`)).catch(() => {});
      }
    }
    return box;
  }

  get size(): number {
    return this.entries.size;
  }

  has(batchId: string): boolean {
    return this.entries.has(batchId);
  }

  /**
   * Turn what a terminal delivered into a batch and store it durably; resolves once it is on disk
   * (the cradle answers ACK then). The same content again is the same batch: stored once.
   */
  add(deviceId: string, read: HandheldRead, origin: BatchOrigin, source: string): Promise<string> {
    // one at a time: two copies of one file arriving together must meet in one entry
    const next = this.adding.then(() => this.store(deviceId, read, origin, source));
    this.adding = next.catch(() => {});
    return next;
  }

  private async store(
    deviceId: string,
    read: HandheldRead,
    origin: BatchOrigin,
    source: string,
  ): Promise<string> {
    const batchId = stocktakeBatchId(read.terminalId, read.scans);
    const waiting = this.entries.get(batchId);
    if (waiting) {
      // the same data again before the core answered: cleared together with the first
      if (origin.kind === 'file' && !(waiting.origin.kind === 'file' && waiting.origin.path === origin.path))
        waiting.also.push(origin);
      return batchId;
    }
    const event = StocktakeBatchEvent.parse({
      type: 'stocktakeBatch',
      batchId,
      deviceId,
      terminalId: read.terminalId,
      source: source.slice(0, 255),
      collectedAt: this.deps.now().toISOString(),
      scans: read.scans,
      rejectedLines: read.rejected.slice(0, 1000),
      rejectedCount: read.rejected.length,
    });
    const file = join(this.dir, `${batchId}.json`);
    const temp = `${file}.tmp`;
    const fh = await open(temp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify({ event, origin }), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
    await syncDir(this.dir);
    this.entries.set(batchId, { event, origin, sending: false, also: [] });
    this.deps.log.info(
      { batchId, deviceId, scans: read.scans.length, rejected: read.rejected.length },
      'stock-take batch stored',
    );
    this.flush();
    return batchId;
  }

  /** After a (re)connect: whatever was in flight may be lost, send it again. */
  resend(): void {
    for (const e of this.entries.values()) e.sending = false;
    this.flush();
  }

  flush(): void {
    for (const e of this.entries.values()) {
      if (e.sending) continue;
      const sent = this.deps.publish(JSON.stringify(e.event));
      if (!sent) return; // no link: everything waits for the reconnect
      e.sending = true;
      sent.catch((err: Error) => {
        e.sending = false;
        this.deps.log.warn({ batchId: e.event.batchId, err: err.message }, 'batch publish failed');
      });
    }
  }

  /** The core's answer for one batch. Unknown ids (already settled) are fine: acks may repeat. */
  async acknowledge(batchId: string, status: StocktakeAckStatus, reason?: string): Promise<void> {
    const e = this.entries.get(batchId);
    if (!e) return;
    if (status === 'noOpenSession') {
      // nothing to count it in yet: keep it, offer it again later
      this.deps.log.warn({ batchId }, 'no stock-take session open at the core; batch kept');
      this.scheduleRetry();
      return;
    }
    if (status === 'rejected')
      this.deps.log.error({ batchId, reason }, 'stock-take batch rejected by the core');
    for (const o of [e.origin, ...e.also]) await this.deps.settled(o, status);
    await rm(join(this.dir, `${batchId}.json`), { force: true });
    await syncDir(this.dir);
    this.entries.delete(batchId);
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.resend();
    }, this.deps.retryMs ?? RETRY_MS);
    this.retryTimer.unref();
  }

  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { OfflineDown, type OfflinePackage, type OfflineUp } from '@bunko/protocols';
import type { Logger } from 'pino';
import type { OfflineJournal } from './offline-journal.ts';

/** Operations per replay message: small enough for a weak mobile link, large enough to catch up fast. */
const BATCH = 100;
const REPLY_TIMEOUT_MS = 30_000;
const RETRY_MS = 15_000;

type Waiting = { resolve: (m: OfflineDown) => void; timer: NodeJS.Timeout };

/**
 * The bookmobile's link to the core over the agent's MQTT connection: downloads the offline package
 * (on connect and every `packageIntervalMs`), and replays the journal in order whenever the link is
 * up — one batch at a time, the cursor moved only after the core answered for every operation in it.
 * A lost answer means the batch is sent again; the core recognises each operation id and changes
 * nothing the second time.
 */
export class OfflineSync {
  private readonly waiting = new Map<string, Waiting>();
  private replaying: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  lastReplayAt: Date | null = null;
  lastPackageAt: Date | null = null;

  constructor(
    private readonly deps: {
      bookmobileId: string;
      journal: OfflineJournal;
      packageVersion: () => string | undefined;
      onPackage: (pkg: OfflinePackage) => Promise<void>;
      /** publish on the agent's `offline` topic; undefined when there is no link */
      publish: (payload: string) => Promise<unknown> | undefined;
      connected: () => boolean;
      packageIntervalMs: number;
      log: Logger;
      now: () => Date;
    },
  ) {}

  /** The link is (back) up: fetch the package, replay what waits, and keep the package fresh. */
  onConnect(): void {
    void this.refreshPackage();
    this.kick();
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.deps.connected()) {
        void this.refreshPackage();
        this.kick();
      }
    }, this.deps.packageIntervalMs);
    this.timer.unref();
  }

  onMessage(payload: Buffer): void {
    let body: unknown;
    try {
      const text = payload[0] === 0x1f && payload[1] === 0x8b ? gunzipSync(payload) : payload;
      body = JSON.parse(text.toString('utf8'));
    } catch {
      this.deps.log.warn({ bytes: payload.length }, 'offline reply is not readable; ignored');
      return;
    }
    const parsed = OfflineDown.safeParse(body);
    if (!parsed.success) {
      this.deps.log.warn('offline reply does not match the contract; ignored');
      return;
    }
    const w = this.waiting.get(parsed.data.requestId);
    if (!w) return; // an answer to an attempt already given up on
    clearTimeout(w.timer);
    this.waiting.delete(parsed.data.requestId);
    w.resolve(parsed.data);
  }

  /** Replay whatever waits in the journal (now, or right after the replay in progress). */
  kick(): void {
    if (this.replaying) {
      this.again = true;
      return;
    }
    this.replaying = this.replay()
      .catch((err: Error) => {
        this.deps.log.warn({ err: err.message }, 'offline replay interrupted; will retry');
        // the broker may be up while the core is not: try again soon, not only at the next reconnect
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.deps.connected() && this.kick(), RETRY_MS);
        this.retry.unref();
      })
      .finally(() => {
        this.replaying = undefined;
        if (this.again) {
          this.again = false;
          if (this.deps.connected()) this.kick();
        }
      });
  }

  /** Resolves when no replay is running (tests, a clean stop). */
  async idle(): Promise<void> {
    while (this.replaying) await this.replaying;
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.retry);
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
  }

  async refreshPackage(): Promise<void> {
    try {
      const version = this.deps.packageVersion();
      const reply = await this.ask({
        type: 'packageRequest',
        requestId: randomUUID(),
        bookmobileId: this.deps.bookmobileId,
        ...(version ? { haveVersion: version } : {}),
      });
      if (reply.type === 'error') throw new Error(`${reply.code}: ${reply.message}`);
      if (reply.type !== 'package') return;
      if (reply.package) await this.deps.onPackage(reply.package);
      this.lastPackageAt = this.deps.now();
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'offline package not refreshed');
    }
  }

  private async replay(): Promise<void> {
    const { journal } = this.deps;
    while (this.deps.connected() && journal.pending().length > 0) {
      const ops = journal.pending().slice(0, BATCH);
      const reply = await this.ask({
        type: 'replay',
        requestId: randomUUID(),
        sentAt: this.deps.now().toISOString(),
        ops,
      });
      if (reply.type === 'error') throw new Error(`${reply.code}: ${reply.message}`);
      if (reply.type !== 'replayResult') throw new Error('unexpected reply');
      // The cursor moves over the longest run of operations the core has answered for.
      const answered = new Set(reply.results.map((r) => r.id));
      let upTo = journal.replayedUpTo;
      for (const op of ops) {
        if (!answered.has(op.id)) break;
        upTo = op.seq;
      }
      if (upTo === journal.replayedUpTo) throw new Error('the core answered for none of the operations');
      await journal.ack(upTo);
      this.lastReplayAt = this.deps.now();
      const conflicts = reply.results.filter((r) => r.conflicts.length > 0).length;
      this.deps.log.info({ replayed: reply.results.length, conflicts }, 'offline operations replayed');
    }
  }

  private ask(msg: OfflineUp): Promise<OfflineDown> {
    return new Promise<OfflineDown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(msg.requestId);
        reject(new Error('no answer from the core'));
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(msg.requestId, { resolve, timer });
      const sent = this.deps.publish(JSON.stringify(msg));
      if (!sent) {
        clearTimeout(timer);
        this.waiting.delete(msg.requestId);
        reject(new Error('no link'));
        return;
      }
      sent.catch((err: Error) => {
        clearTimeout(timer);
        this.waiting.delete(msg.requestId);
        reject(err);
      });
    });
  }
}
